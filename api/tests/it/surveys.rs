//! Satisfaction surveys, responses and rectifications.

use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::run;
use crate::helpers::{Backend, TestApp, User, code, spawn_app};

pub struct Fixture {
    pub survey: String,
    satisfaction: String,
    choice: String,
    options: Vec<String>,
    multi: String,
    multi_options: Vec<String>,
    rating: String,
    text: String,
    pub organizer: User,
}

pub async fn open_survey(app: &TestApp, anonymous: bool) -> Fixture {
    let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
    let body = run(
        app,
        "CreateSurvey",
        json!({ "input": { "title": "养老服务满意度", "anonymous": anonymous, "questions": [
            { "kind": "SATISFACTION", "prompt": "总体评价" },
            { "kind": "SINGLE_CHOICE", "prompt": "了解渠道", "options": ["社区通知", "微信群"] },
            { "kind": "MULTIPLE_CHOICE", "prompt": "希望增加的服务", "options": ["助餐", "助浴", "义诊"], "required": false },
            { "kind": "RATING", "prompt": "服务态度" },
            { "kind": "TEXT", "prompt": "意见建议" }
        ] } }),
        Some(&organizer.token),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    let survey = &body["data"]["createSurvey"];
    assert_eq!(survey["status"], "DRAFT");
    let q = survey["questions"].as_array().unwrap();
    let ids = |v: &Value| -> Vec<String> {
        v["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let fixture = Fixture {
        survey: survey["id"].as_str().unwrap().to_owned(),
        satisfaction: q[0]["id"].as_str().unwrap().to_owned(),
        choice: q[1]["id"].as_str().unwrap().to_owned(),
        options: ids(&q[1]),
        multi: q[2]["id"].as_str().unwrap().to_owned(),
        multi_options: ids(&q[2]),
        rating: q[3]["id"].as_str().unwrap().to_owned(),
        text: q[4]["id"].as_str().unwrap().to_owned(),
        organizer,
    };
    let opened = run(
        app,
        "OpenSurvey",
        json!({ "id": fixture.survey }),
        Some(&fixture.organizer.token),
    )
    .await;
    assert_eq!(opened["data"]["openSurvey"]["status"], "OPEN", "{opened}");
    fixture
}

pub fn answers(f: &Fixture, level: &str, rating: i64, text: Option<&str>) -> Value {
    let mut answers = vec![
        json!({ "questionId": f.satisfaction, "level": level }),
        json!({ "questionId": f.choice, "optionIds": [f.options[0]] }),
        json!({ "questionId": f.rating, "rating": rating }),
    ];
    if let Some(text) = text {
        answers.push(json!({ "questionId": f.text, "text": text }));
    }
    Value::Array(answers)
}

pub async fn submit(
    app: &TestApp,
    f: &Fixture,
    token: &str,
    answers: Value,
    request_id: Option<&str>,
) -> Value {
    run(
        app,
        "SubmitSurveyResponse",
        json!({ "input": { "surveyId": f.survey, "channel": "MINI_PROGRAM", "answers": answers, "requestId": request_id } }),
        Some(token),
    )
    .await
}

async fn stored_responses(app: &TestApp) -> u64 {
    entity::survey_response::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_invalid_answer_is_refused_naming_its_question_and_nothing_is_stored() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let cases: Vec<(Value, String)> = vec![
            // A required question missing.
            (
                json!([{ "questionId": f.satisfaction, "level": "SATISFIED" }]),
                f.choice.clone(),
            ),
            // SATISFACTION without a level.
            (
                json!([{ "questionId": f.satisfaction, "rating": 3 }, { "questionId": f.choice, "optionIds": [f.options[0]] }, { "questionId": f.rating, "rating": 3 }]),
                f.satisfaction.clone(),
            ),
            // SINGLE_CHOICE with two options.
            (
                json!([{ "questionId": f.satisfaction, "level": "SATISFIED" }, { "questionId": f.choice, "optionIds": f.options }, { "questionId": f.rating, "rating": 3 }]),
                f.choice.clone(),
            ),
            // SINGLE_CHOICE with another question's option.
            (
                json!([{ "questionId": f.satisfaction, "level": "SATISFIED" }, { "questionId": f.choice, "optionIds": [f.multi_options[0]] }, { "questionId": f.rating, "rating": 3 }]),
                f.choice.clone(),
            ),
            // MULTIPLE_CHOICE with none.
            (
                json!([{ "questionId": f.satisfaction, "level": "SATISFIED" }, { "questionId": f.choice, "optionIds": [f.options[0]] }, { "questionId": f.multi, "optionIds": [] }, { "questionId": f.rating, "rating": 3 }]),
                f.multi.clone(),
            ),
            // RATING out of range.
            (
                json!([{ "questionId": f.satisfaction, "level": "SATISFIED" }, { "questionId": f.choice, "optionIds": [f.options[0]] }, { "questionId": f.rating, "rating": 6 }]),
                f.rating.clone(),
            ),
            // TEXT too long.
            (
                answers(&f, "SATISFIED", 3, Some(&"长".repeat(2001))),
                f.text.clone(),
            ),
        ];
        for (answers, field) in cases {
            let body = submit(&app, &f, &resident.token, answers, None).await;
            assert_eq!(code(&body), "BAD_USER_INPUT", "{backend:?}: {body}");
            assert_eq!(
                body["errors"][0]["extensions"]["field"],
                json!(field),
                "{backend:?}: {body}"
            );
        }
        assert_eq!(
            stored_responses(&app).await,
            0,
            "a refused response left rows behind"
        );
        assert_eq!(
            entity::answer::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            0
        );
    }
}

#[tokio::test]
async fn one_response_per_respondent_even_when_duplicates_race_and_the_request_id_replays() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let racing = join_all((0..8).map(|i| {
            let request = format!("req-{i}");
            let app = &app;
            let f = &f;
            let token = resident.token.clone();
            async move {
                submit(
                    app,
                    f,
                    &token,
                    answers(f, "SATISFIED", 4, None),
                    Some(&request),
                )
                .await
            }
        }))
        .await;
        let stored: Vec<&Value> = racing
            .iter()
            .filter(|b| b.get("errors").is_none())
            .collect();
        assert_eq!(stored.len(), 1, "{backend:?}: {racing:#?}");
        assert!(
            racing
                .iter()
                .filter(|b| b.get("errors").is_some())
                .all(|b| code(b) == "CONFLICT")
        );
        assert_eq!(stored_responses(&app).await, 1);

        // The same request id again returns the first response, however often it is sent.
        let winner = stored[0]["data"]["submitSurveyResponse"]["id"].clone();
        let winner_request = racing
            .iter()
            .position(|b| b.get("errors").is_none())
            .map(|i| format!("req-{i}"))
            .unwrap();
        let replays = join_all((0..4).map(|_| {
            submit(
                &app,
                &f,
                &resident.token,
                answers(&f, "SATISFIED", 4, None),
                Some(&winner_request),
            )
        }))
        .await;
        for replay in replays {
            assert_eq!(
                replay["data"]["submitSurveyResponse"]["id"], winner,
                "{replay}"
            );
        }
        assert_eq!(stored_responses(&app).await, 1);

        // The organizer enters hotline answers on residents' behalf, any number.
        for _ in 0..2 {
            let hotline = run(
                &app,
                "SubmitSurveyResponse",
                json!({ "input": { "surveyId": f.survey, "channel": "HOTLINE", "answers": answers(&f, "SATISFIED", 5, None) } }),
                Some(&f.organizer.token),
            )
            .await;
            assert!(hotline.get("errors").is_none(), "{hotline}");
        }
        let not_for_residents = run(
            &app,
            "SubmitSurveyResponse",
            json!({ "input": { "surveyId": f.survey, "channel": "HOTLINE", "answers": answers(&f, "SATISFIED", 5, None) } }),
            Some(&resident.token),
        )
        .await;
        assert_eq!(code(&not_for_residents), "FORBIDDEN");
        let survey = run(
            &app,
            "Survey",
            json!({ "id": f.survey }),
            Some(&resident.token),
        )
        .await;
        assert_eq!(survey["data"]["survey"]["viewerHasResponded"], true);
    }
}

#[tokio::test]
async fn refused_answers_in_a_burst_take_nothing_from_the_others() {
    // On SQLite the answers waiting at one moment share one transaction, each in a
    // savepoint: a second answer of the same resident must roll back alone, and the
    // complaints among the accepted ones still open their rectifications.
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let residents = join_all((0..10).map(|_| app.user(&[], None))).await;
        let attempts = residents.iter().enumerate().flat_map(|(i, resident)| {
            let (level, text) = match i % 3 {
                0 => ("DISSATISFIED", Some("活动场地没有开门")),
                _ => ("SATISFIED", None),
            };
            std::iter::repeat_n((resident, level, text), 1 + i % 2)
        });
        let results = join_all(attempts.map(|(resident, level, text)| {
            submit(&app, &f, &resident.token, answers(&f, level, 3, text), None)
        }))
        .await;
        let stored = results.iter().filter(|b| b.get("errors").is_none()).count();
        let refused: Vec<&str> = results
            .iter()
            .filter(|b| b.get("errors").is_some())
            .map(code)
            .collect();
        assert_eq!(stored, 10, "{backend:?}: {results:#?}");
        assert_eq!(refused, vec!["CONFLICT"; 5], "{backend:?}");
        assert_eq!(stored_responses(&app).await, 10, "{backend:?}");
        // Three answers each, and the four complaints' texts.
        let answers = entity::answer::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(answers, 10 * 3 + 4, "{backend:?}");
        let rectifications = entity::rectification::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(rectifications, 4, "{backend:?}");
    }
}

#[tokio::test]
async fn the_satisfaction_rate_follows_the_formula_on_a_known_distribution() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        // 3 very satisfied, 2 satisfied, 1 basically, 1 dissatisfied, 1 very dissatisfied: 6/8.
        let levels = [
            "VERY_SATISFIED",
            "VERY_SATISFIED",
            "VERY_SATISFIED",
            "SATISFIED",
            "SATISFIED",
            "BASICALLY_SATISFIED",
            "DISSATISFIED",
            "VERY_DISSATISFIED",
        ];
        let ratings = [5, 5, 4, 4, 3, 3, 2, 1];
        for (level, rating) in levels.iter().zip(ratings) {
            let resident = app.user(&[], None).await;
            let body = submit(
                &app,
                &f,
                &resident.token,
                answers(&f, level, rating, None),
                None,
            )
            .await;
            assert!(body.get("errors").is_none(), "{body}");
        }
        let viewer = app.user(&[Role::Viewer], None).await;
        let results = run(
            &app,
            "SurveyResults",
            json!({ "id": f.survey }),
            Some(&viewer.token),
        )
        .await;
        let r = &results["data"]["survey"]["results"];
        assert_eq!(r["responseCount"], 8, "{results:#}");
        assert_eq!(r["satisfactionRate"], 0.75);
        let counts: Vec<i64> = r["levelCounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_i64().unwrap())
            .collect();
        assert_eq!(counts, [3, 2, 1, 1, 1]);
        let rating = r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["question"]["id"] == json!(f.rating))
            .unwrap();
        assert_eq!(rating["averageRating"], 27.0 / 8.0);
        let choice = r["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["question"]["id"] == json!(f.choice))
            .unwrap();
        assert_eq!(choice["optionCounts"][0]["count"], 8);
        assert_eq!(choice["optionCounts"][1]["count"], 0);
        // Residents do not see results.
        let resident = app.user(&[], None).await;
        let hidden = run(
            &app,
            "SurveyResults",
            json!({ "id": f.survey }),
            Some(&resident.token),
        )
        .await;
        assert!(hidden["data"]["survey"]["results"].is_null(), "{hidden}");
    }
}

#[tokio::test]
async fn an_anonymous_response_cannot_be_traced_to_its_author() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, true).await;
        let resident = app.user(&[], None).await;
        let body = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "DISSATISFIED", 2, Some("太慢了")),
            None,
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        let stored = entity::survey_response::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(
            stored[0].respondent_id, None,
            "an anonymous response stores no user"
        );
        let key = stored[0].respondent_key.clone().unwrap_or_default();
        assert!(!key.contains(&resident.id.to_string()) || key.len() == 64);
        assert_ne!(key, resident.id.to_string());
        // Nothing else ties the row to the user either.
        let row = format!("{:?}", stored[0]);
        assert!(!row.contains(&resident.phone), "{row}");
        // The second answer is still refused.
        let again = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "SATISFIED", 4, None),
            None,
        )
        .await;
        assert_eq!(code(&again), "CONFLICT");
        // The resident follows their own complaint; the rectification names no one.
        let mine = run(&app, "MyFeedback", json!({}), Some(&resident.token)).await;
        let node = &mine["data"]["me"]["feedback"]["edges"][0]["node"];
        assert_eq!(node["rectification"]["status"], "OPEN", "{mine:#}");
        let list = run(&app, "Rectifications", json!({}), Some(&f.organizer.token)).await;
        let text = list.to_string();
        assert!(
            !text.contains(&resident.phone) && !text.contains("测试用户"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn a_complaint_opens_a_rectification_that_moves_forward_only_and_becomes_overdue() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let body = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "VERY_DISSATISFIED", 1, Some("没人来")),
            None,
        )
        .await;
        let response = &body["data"]["submitSurveyResponse"];
        assert_eq!(response["satisfaction"], "VERY_DISSATISFIED");
        let rectification = &response["rectification"];
        assert_eq!(rectification["status"], "OPEN", "{body:#}");
        let submitted =
            chrono::DateTime::parse_from_rfc3339(response["submittedAt"].as_str().unwrap())
                .unwrap();
        let due =
            chrono::DateTime::parse_from_rfc3339(rectification["dueAt"].as_str().unwrap()).unwrap();
        // Five working days: at least a week, at most a fortnight and a holiday.
        let days = (due - submitted).num_days();
        assert!((5..=21).contains(&days), "{days} days");
        let id = rectification["id"].clone();

        let list = run(
            &app,
            "Rectifications",
            json!({ "filter": { "status": "OPEN" } }),
            Some(&f.organizer.token),
        )
        .await;
        let node = &list["data"]["rectifications"]["edges"][0]["node"];
        assert_eq!(node["department"]["name"], "养老科", "{list:#}");
        assert_eq!(node["complaint"], "没人来");
        assert_eq!(node["overdue"], false);

        let update = |status: &str, resolution: Option<&str>| {
            let app = &app;
            let token = f.organizer.token.clone();
            let input = json!({ "status": status, "resolution": resolution });
            let id = id.clone();
            async move {
                run(
                    app,
                    "UpdateRectification",
                    json!({ "id": id, "input": input }),
                    Some(&token),
                )
                .await
            }
        };
        assert_eq!(
            update("IN_PROGRESS", None).await["data"]["updateRectification"]["status"],
            "IN_PROGRESS"
        );
        assert_eq!(
            code(&update("OPEN", None).await),
            "CONFLICT",
            "no going back"
        );
        assert_eq!(
            code(&update("RESOLVED", None).await),
            "BAD_USER_INPUT",
            "a resolution is required"
        );

        // Past its deadline and still unresolved: overdue.
        use sea_orm::{ActiveModelTrait, Set};
        let stored = entity::rectification::Entity::find()
            .filter(
                entity::rectification::Column::Id.eq(id.as_str().unwrap().parse::<i32>().unwrap()),
            )
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        let mut model: entity::rectification::ActiveModel = stored.into();
        model.due_at = Set(chrono::Utc::now() - chrono::Duration::days(1));
        model.update(&app.state.db).await.unwrap();
        let overdue = run(
            &app,
            "Rectifications",
            json!({ "filter": { "overdue": true } }),
            Some(&f.organizer.token),
        )
        .await;
        assert_eq!(
            overdue["data"]["rectifications"]["totalCount"], 1,
            "{overdue:#}"
        );

        let resolved = update("RESOLVED", Some("已上门致歉并补做服务")).await;
        let resolved = &resolved["data"]["updateRectification"];
        assert_eq!(resolved["status"], "RESOLVED");
        assert_eq!(resolved["overdue"], false);
        assert!(resolved["resolvedAt"].is_string());
        let other = app.user(&[Role::Organizer], Some("办公室")).await;
        let foreign = run(
            &app,
            "UpdateRectification",
            json!({ "id": id, "input": { "status": "CLOSED" } }),
            Some(&other.token),
        )
        .await;
        assert_eq!(code(&foreign), "FORBIDDEN");

        let mine = run(&app, "MyFeedback", json!({}), Some(&resident.token)).await;
        let followed = &mine["data"]["me"]["feedback"]["edges"][0]["node"]["rectification"];
        assert_eq!(followed["status"], "RESOLVED", "{mine:#}");
        assert_eq!(followed["resolution"], "已上门致歉并补做服务");
    }
}

#[tokio::test]
async fn answers_are_accepted_only_while_the_survey_is_open() {
    let app = spawn_app(Backend::Sqlite).await;
    let f = open_survey(&app, false).await;
    let closed = run(
        &app,
        "CloseSurvey",
        json!({ "id": f.survey }),
        Some(&f.organizer.token),
    )
    .await;
    assert_eq!(closed["data"]["closeSurvey"]["status"], "CLOSED");
    let resident = app.user(&[], None).await;
    let late = submit(
        &app,
        &f,
        &resident.token,
        answers(&f, "SATISFIED", 4, None),
        None,
    )
    .await;
    assert_eq!(code(&late), "CONFLICT");
    let reopen = run(
        &app,
        "OpenSurvey",
        json!({ "id": f.survey }),
        Some(&f.organizer.token),
    )
    .await;
    assert_eq!(code(&reopen), "CONFLICT");
}

/// Working days after `date` by the server's calendar.
pub async fn working_days_after(app: &TestApp, date: chrono::NaiveDate, days: i32) -> String {
    let body = app
        .ok(
            "query($d: Date!, $n: Int!) { addWorkingDays(date: $d, days: $n) }",
            json!({ "d": date.to_string(), "n": days }),
            None,
        )
        .await;
    body["addWorkingDays"].as_str().expect("a date").to_owned()
}

/// A rectification is due N working days after it opened, by the working-day calendar: 5
/// by default, the survey's own N when it sets one; a holiday listed after today and a
/// weekend day worked move the deadline as they move every deadline.
#[tokio::test]
async fn rectifications_are_due_in_working_days_across_holidays_and_make_up_days() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let today = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive();
        // The next two weekdays off, and the first Saturday after them worked (调休).
        // Weekdays, so that the test holds on any day it runs: on a Friday the next two
        // days are a weekend already and would move nothing.
        use chrono::Datelike;
        let weekday_after = |mut day: chrono::NaiveDate| loop {
            day = day.succ_opt().unwrap();
            if !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
                break day;
            }
        };
        let first_off = weekday_after(today);
        let off = [first_off, weekday_after(first_off)];
        let mut saturday = off[1].succ_opt().unwrap();
        while saturday.weekday() != chrono::Weekday::Sat {
            saturday = saturday.succ_opt().unwrap();
        }
        app.ok(
            "mutation($days: [CalendarDayInput!]!) { setCalendarDays(days: $days) { date } }",
            json!({ "days": [
                { "date": off[0].to_string(), "kind": "OFF", "name": "测试假日" },
                { "date": off[1].to_string(), "kind": "OFF", "name": "测试假日" },
                { "date": saturday.to_string(), "kind": "WORK", "name": "测试调休上班" },
            ] }),
            Some(&admin.token),
        )
        .await;
        let f = open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let body = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "DISSATISFIED", 2, Some("排队太久")),
            None,
        )
        .await;
        let id = body["data"]["submitSurveyResponse"]["rectification"]["id"].clone();
        let due = app
            .ok(
                "{ rectifications(first: 5) { edges { node { id dueOn dueAt } } } }",
                json!({}),
                Some(&f.organizer.token),
            )
            .await;
        let node = &due["rectifications"]["edges"][0]["node"];
        assert_eq!(node["id"], id);
        let expected = working_days_after(&app, today, 5).await;
        assert_eq!(node["dueOn"], expected, "{backend:?}: {node}");
        // Counting the week alone would give another day: the listed days count.
        let mut plain = today;
        let mut left = 5;
        while left > 0 {
            plain = plain.succ_opt().unwrap();
            if !matches!(plain.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
                left -= 1;
            }
        }
        assert_ne!(
            plain.to_string(),
            expected,
            "{backend:?}: the calendar moved the deadline"
        );

        // A survey with its own deadline.
        let own = run(
            &app,
            "CreateSurvey",
            json!({ "input": { "title": "窗口服务评价", "rectificationWorkingDays": 7,
                    "questions": [{ "kind": "SATISFACTION", "prompt": "总体评价" }] } }),
            Some(&f.organizer.token),
        )
        .await;
        let survey = own["data"]["createSurvey"]["id"].clone();
        let question = own["data"]["createSurvey"]["questions"][0]["id"].clone();
        run(
            &app,
            "OpenSurvey",
            json!({ "id": survey }),
            Some(&f.organizer.token),
        )
        .await;
        let second = app.user(&[], None).await;
        let body = run(
            &app,
            "SubmitSurveyResponse",
            json!({ "input": { "surveyId": survey, "channel": "MINI_PROGRAM",
                    "answers": [{ "questionId": question, "level": "VERY_DISSATISFIED" }] } }),
            Some(&second.token),
        )
        .await;
        assert!(body.get("errors").is_none(), "{backend:?}: {body}");
        let listed = app
            .ok(
                "{ rectifications(first: 5) { edges { node { dueOn survey { id } } } } }",
                json!({}),
                Some(&f.organizer.token),
            )
            .await;
        let mine = listed["rectifications"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|edge| edge["node"]["survey"]["id"] == survey)
            .expect("the second rectification")
            .clone();
        assert_eq!(
            mine["node"]["dueOn"],
            working_days_after(&app, today, 7).await,
            "{backend:?}"
        );
        let out_of_range = run(
            &app,
            "CreateSurvey",
            json!({ "input": { "title": "x", "rectificationWorkingDays": 0,
                    "questions": [{ "kind": "SATISFACTION", "prompt": "总体评价" }] } }),
            Some(&f.organizer.token),
        )
        .await;
        assert_eq!(code(&out_of_range), "BAD_USER_INPUT", "{backend:?}");
    }
}

/// Verification first (核实): the department verifies a new rectification; not
/// substantiated, it ends with a reason the resident sees; only the office or an admin
/// reopens it, with a new deadline; every refused step is a CONFLICT or FORBIDDEN.
#[tokio::test]
async fn rectifications_are_verified_first_and_only_the_office_reopens_them() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let other = app.user(&[Role::Organizer], Some("办公室")).await;
        let office = app.user(&[Role::Viewer], None).await;
        let body = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "VERY_DISSATISFIED", 1, Some("活动取消没人通知")),
            None,
        )
        .await;
        let id = body["data"]["submitSurveyResponse"]["rectification"]["id"].clone();
        let verify = "mutation($id: ID!, $s: Boolean!, $n: String) { verifyRectification(id: $id, substantiated: $s, note: $n) { status verificationNote overdue } }";
        let reopen = "mutation($id: ID!, $n: String!) { reopenRectification(id: $id, note: $n) { status reopenCount dueOn } }";
        let silent = app
            .gql(
                verify,
                json!({ "id": id, "s": false }),
                Some(&f.organizer.token),
            )
            .await;
        assert_eq!(
            code(&silent),
            "BAD_USER_INPUT",
            "{backend:?}: a reason is required"
        );
        let foreign = app
            .gql(
                verify,
                json!({ "id": id, "s": false, "n": "x" }),
                Some(&other.token),
            )
            .await;
        assert_eq!(code(&foreign), "FORBIDDEN", "{backend:?}");
        let early = app
            .gql(
                reopen,
                json!({ "id": id, "n": "请重新核实" }),
                Some(&office.token),
            )
            .await;
        assert_eq!(
            code(&early),
            "CONFLICT",
            "{backend:?}: only a NOT_SUBSTANTIATED one reopens"
        );
        let ended = app
            .ok(
                verify,
                json!({ "id": id, "s": false, "n": "当天已通过短信和社区群通知" }),
                Some(&f.organizer.token),
            )
            .await;
        assert_eq!(ended["verifyRectification"]["status"], "NOT_SUBSTANTIATED");
        assert_eq!(ended["verifyRectification"]["overdue"], false);
        let again = app
            .gql(
                verify,
                json!({ "id": id, "s": true }),
                Some(&f.organizer.token),
            )
            .await;
        assert_eq!(code(&again), "CONFLICT", "{backend:?}: verified once");
        let forward = run(
            &app,
            "UpdateRectification",
            json!({ "id": id, "input": { "status": "IN_PROGRESS" } }),
            Some(&f.organizer.token),
        )
        .await;
        assert_eq!(
            code(&forward),
            "CONFLICT",
            "{backend:?}: ended until the office reopens it"
        );
        let seen = app
            .ok(
                "{ me { feedback(first: 5) { edges { node { rectification { status verificationNote } } } } } }",
                json!({}),
                Some(&resident.token),
            )
            .await;
        assert_eq!(
            seen["me"]["feedback"]["edges"][0]["node"]["rectification"]["verificationNote"],
            "当天已通过短信和社区群通知",
            "{backend:?}: the resident sees the reason"
        );
        let refused = app
            .gql(
                reopen,
                json!({ "id": id, "n": "请重新核实" }),
                Some(&f.organizer.token),
            )
            .await;
        assert_eq!(
            code(&refused),
            "FORBIDDEN",
            "{backend:?}: the department cannot reopen"
        );
        let reopened = app
            .ok(
                reopen,
                json!({ "id": id, "n": "居民反映仍未收到通知" }),
                Some(&office.token),
            )
            .await;
        assert_eq!(
            reopened["reopenRectification"]["status"], "IN_PROGRESS",
            "{backend:?}"
        );
        assert_eq!(reopened["reopenRectification"]["reopenCount"], 1);
        let today = chrono::Utc::now()
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive();
        assert_eq!(
            reopened["reopenRectification"]["dueOn"],
            working_days_after(&app, today, 5).await,
            "{backend:?}: a new deadline"
        );
    }
}

/// Follow-up (回访): after RESOLVED, a satisfied follow-up closes the rectification; the
/// resident's own dissatisfied rating reopens it with a new deadline. On an anonymous
/// survey the resident is recognised by the keyed hash, never by name; they rate once,
/// nobody else can, and nothing is rated before it is resolved.
#[tokio::test]
async fn follow_ups_close_or_reopen_and_residents_rate_their_own_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let resident = app.user(&[], None).await;
        let stranger = app.user(&[], None).await;
        async fn update(
            app: &TestApp,
            token: &str,
            id: &Value,
            status: &str,
            resolution: Option<&str>,
        ) {
            let input = json!({ "status": status, "resolution": resolution });
            let body = run(
                app,
                "UpdateRectification",
                json!({ "id": id, "input": input }),
                Some(token),
            )
            .await;
            assert!(body.get("errors").is_none(), "{body}");
        }
        let rate = "mutation($id: ID!, $r: FollowUpRating!) { rateRectification(id: $id, rating: $r) { status reopenCount dueOn followUps { byResident rating } } }";
        let follow = "mutation($id: ID!, $c: FollowUpChannel!, $r: FollowUpRating!) { recordFollowUp(rectificationId: $id, channel: $c, rating: $r, note: \"电话回访\") { status followUps { byResident channel rating } } }";
        for anonymous in [false, true] {
            let f = open_survey(&app, anonymous).await;
            let body = submit(
                &app,
                &f,
                &resident.token,
                answers(&f, "DISSATISFIED", 2, Some("等了很久")),
                None,
            )
            .await;
            let id = body["data"]["submitSurveyResponse"]["rectification"]["id"].clone();
            let early = app
                .gql(
                    rate,
                    json!({ "id": id, "r": "SATISFIED" }),
                    Some(&resident.token),
                )
                .await;
            assert_eq!(
                code(&early),
                "CONFLICT",
                "{backend:?}: rated only once resolved"
            );
            update(&app, &f.organizer.token, &id, "IN_PROGRESS", None).await;
            update(
                &app,
                &f.organizer.token,
                &id,
                "RESOLVED",
                Some("增开了一个窗口"),
            )
            .await;
            let foreign = app
                .gql(
                    rate,
                    json!({ "id": id, "r": "SATISFIED" }),
                    Some(&stranger.token),
                )
                .await;
            assert_eq!(code(&foreign), "NOT_FOUND", "{backend:?}: {foreign}");
            let rated = app
                .ok(
                    rate,
                    json!({ "id": id, "r": "DISSATISFIED" }),
                    Some(&resident.token),
                )
                .await;
            let r = &rated["rateRectification"];
            assert_eq!(
                r["status"], "IN_PROGRESS",
                "{backend:?} anonymous={anonymous}: {r}"
            );
            assert_eq!(r["reopenCount"], 1);
            let today = chrono::Utc::now()
                .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
                .date_naive();
            assert_eq!(
                r["dueOn"],
                working_days_after(&app, today, 5).await,
                "{backend:?} anonymous={anonymous}: a new deadline"
            );
            assert_eq!(
                r["followUps"],
                json!([{ "byResident": true, "rating": "DISSATISFIED" }])
            );
            update(
                &app,
                &f.organizer.token,
                &id,
                "RESOLVED",
                Some("改为预约叫号"),
            )
            .await;
            let twice = app
                .gql(
                    rate,
                    json!({ "id": id, "r": "SATISFIED" }),
                    Some(&resident.token),
                )
                .await;
            assert_eq!(
                code(&twice),
                "CONFLICT",
                "{backend:?}: the resident rates once"
            );
            let closed = app
                .ok(
                    follow,
                    json!({ "id": id, "c": "PHONE", "r": "BASICALLY_SATISFIED" }),
                    Some(&f.organizer.token),
                )
                .await;
            assert_eq!(closed["recordFollowUp"]["status"], "CLOSED", "{backend:?}");
            assert_eq!(closed["recordFollowUp"]["followUps"][1]["channel"], "PHONE");
        }
    }
}

/// Publication (公开): anyone reads how complaints were handled, without any identity or
/// anything the resident wrote; open ones stay unpublished but for their own department,
/// which sees them first.
#[tokio::test]
async fn handled_complaints_are_published_without_identity() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let first = app.user(&[], None).await;
        let second = app.user(&[], None).await;
        let mut ids = Vec::new();
        for (resident, text) in [
            (&first, "窗口只开了一个，老人站了一小时"),
            (&second, "电话没人接"),
        ] {
            let body = submit(
                &app,
                &f,
                &resident.token,
                answers(&f, "DISSATISFIED", 2, Some(text)),
                None,
            )
            .await;
            ids.push(body["data"]["submitSurveyResponse"]["rectification"]["id"].clone());
        }
        for status in ["IN_PROGRESS", "RESOLVED"] {
            let resolution = (status == "RESOLVED").then_some("增设了一个窗口并安排引导员");
            run(
                &app,
                "UpdateRectification",
                json!({ "id": ids[0], "input": { "status": status, "resolution": resolution } }),
                Some(&f.organizer.token),
            )
            .await;
        }
        let query = "query($d: ID) { publicRectifications(departmentId: $d, first: 10) { totalCount edges { node { id status surveyTitle department { name } openedOn dueOn onTime resolution rating } } } }";
        let public = app.gql(query, json!({}), None).await;
        let listed = &public["data"]["publicRectifications"];
        assert_eq!(
            listed["totalCount"], 1,
            "{backend:?}: only the handled one: {public}"
        );
        let node = &listed["edges"][0]["node"];
        assert_eq!(node["id"], ids[0]);
        assert_eq!(node["status"], "RESOLVED");
        assert_eq!(node["surveyTitle"], "养老服务满意度");
        assert_eq!(node["department"]["name"], "养老科");
        assert_eq!(node["onTime"], true);
        assert_eq!(node["resolution"], "增设了一个窗口并安排引导员");
        let text = public.to_string();
        for private in [
            "窗口只开了一个",
            first.phone.as_str(),
            "complaint",
            "respondent",
        ] {
            assert!(
                !text.contains(private),
                "{backend:?}: {private} published: {text}"
            );
        }
        let no_identity = app
            .gql(
                "{ publicRectifications(first: 1) { edges { node { complaint } } } }",
                json!({}),
                None,
            )
            .await;
        assert_eq!(
            code(&no_identity),
            "BAD_USER_INPUT",
            "{backend:?}: the type has no complaint"
        );
        let department = app.department("养老科").await;
        let own = app
            .ok(query, json!({ "d": department }), Some(&f.organizer.token))
            .await;
        let own = &own["publicRectifications"];
        assert_eq!(own["totalCount"], 2, "{backend:?}: its own open ones too");
        assert_eq!(
            own["edges"][0]["node"]["id"], ids[1],
            "{backend:?}: open ones first"
        );
    }
}

/// Appeals (申诉复核): the department contests a 差评 once; the office decides. Upheld, the
/// response leaves every satisfaction figure and its rectification is VOIDED; rejected,
/// work goes on.
#[tokio::test]
async fn an_upheld_appeal_takes_the_response_out_of_the_satisfaction_rate() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let office = app.user(&[Role::Viewer], None).await;
        let other = app.user(&[Role::Organizer], Some("办公室")).await;
        let mut responses = Vec::new();
        for level in ["SATISFIED", "VERY_DISSATISFIED", "DISSATISFIED"] {
            let resident = app.user(&[], None).await;
            let body = submit(&app, &f, &resident.token, answers(&f, level, 3, None), None).await;
            responses.push(body["data"]["submitSurveyResponse"].clone());
        }
        let rate = || {
            let app = &app;
            let token = office.token.clone();
            async move {
                let body = app
                    .ok(
                        "{ dashboard { overview { responseCount satisfactionRate openRectificationCount } } }",
                        json!({}),
                        Some(&token),
                    )
                    .await;
                body["dashboard"]["overview"].clone()
            }
        };
        let before = rate().await;
        assert_eq!(before["responseCount"], 3, "{backend:?}: {before}");
        assert_eq!(before["openRectificationCount"], 2, "{backend:?}: {before}");
        let appeal = "mutation($r: ID!, $why: AppealReason!) { appealFeedback(responseId: $r, reason: $why, explanation: \"同一居民重复提交\") { id status } }";
        let decide = "mutation($a: ID!, $u: Boolean!) { decideAppeal(appealId: $a, upheld: $u, note: \"经核查属实\") { status } }";
        let foreign = app
            .gql(
                appeal,
                json!({ "r": responses[1]["id"], "why": "MALICIOUS" }),
                Some(&other.token),
            )
            .await;
        assert_eq!(code(&foreign), "FORBIDDEN", "{backend:?}");
        let filed = app
            .ok(
                appeal,
                json!({ "r": responses[1]["id"], "why": "MALICIOUS" }),
                Some(&f.organizer.token),
            )
            .await;
        let appeal_id = filed["appealFeedback"]["id"].clone();
        assert_eq!(filed["appealFeedback"]["status"], "PENDING");
        let twice = app
            .gql(
                appeal,
                json!({ "r": responses[1]["id"], "why": "MISTAKEN" }),
                Some(&f.organizer.token),
            )
            .await;
        assert_eq!(code(&twice), "CONFLICT", "{backend:?}: once per response");
        let self_judged = app
            .gql(
                decide,
                json!({ "a": appeal_id, "u": true }),
                Some(&f.organizer.token),
            )
            .await;
        assert_eq!(
            code(&self_judged),
            "FORBIDDEN",
            "{backend:?}: the department does not decide"
        );
        let upheld = app
            .ok(
                decide,
                json!({ "a": appeal_id, "u": true }),
                Some(&office.token),
            )
            .await;
        assert_eq!(upheld["decideAppeal"]["status"], "UPHELD");
        let again = app
            .gql(
                decide,
                json!({ "a": appeal_id, "u": false }),
                Some(&office.token),
            )
            .await;
        assert_eq!(code(&again), "CONFLICT", "{backend:?}: decided once");
        let after = rate().await;
        assert_eq!(after["responseCount"], 2, "{backend:?}: {after}");
        assert_eq!(
            after["openRectificationCount"], 1,
            "{backend:?}: a VOIDED rectification is no longer open work"
        );
        assert_eq!(
            after["satisfactionRate"], 0.5,
            "{backend:?}: 1 satisfied of 2 counted"
        );
        let rectifications = app
            .ok(
                "{ rectifications(first: 5) { edges { node { status appeal { status reason } } } } }",
                json!({}),
                Some(&f.organizer.token),
            )
            .await;
        let statuses = rectifications["rectifications"]["edges"].to_string();
        assert!(
            statuses.contains("VOIDED") && statuses.contains("UPHELD"),
            "{backend:?}: {statuses}"
        );
        let results = app
            .ok(
                "query($id: ID!) { survey(id: $id) { results { responseCount } } }",
                json!({ "id": f.survey }),
                Some(&f.organizer.token),
            )
            .await;
        assert_eq!(
            results["survey"]["results"]["responseCount"], 2,
            "{backend:?}: {results}"
        );
        // Rejected: the response keeps counting.
        let second = app
            .ok(
                appeal,
                json!({ "r": responses[2]["id"], "why": "MISTAKEN" }),
                Some(&f.organizer.token),
            )
            .await;
        app.ok(
            decide,
            json!({ "a": second["appealFeedback"]["id"], "u": false }),
            Some(&office.token),
        )
        .await;
        assert_eq!(rate().await["responseCount"], 2, "{backend:?}");
    }
}

#[tokio::test]
async fn an_answer_is_stored_in_a_few_statements_and_still_once_per_respondent() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let residents: Vec<User> =
            join_all((0..3).map(|_| app.user(&[Role::Resident], None))).await;
        // The first answer reads the survey's form; the next ones find it cached.
        let first = submit(
            &app,
            &f,
            &residents[0].token,
            answers(&f, "SATISFIED", 5, None),
            None,
        )
        .await;
        assert!(first.get("errors").is_none(), "{first:#}");

        let before = app.statements();
        let satisfied = submit(
            &app,
            &f,
            &residents[1].token,
            answers(&f, "VERY_SATISFIED", 5, Some("很好")),
            Some("r-1"),
        )
        .await;
        let statements = app.statements() - before;
        assert!(satisfied.get("errors").is_none(), "{satisfied:#}");
        assert!(
            satisfied["data"]["submitSurveyResponse"]["rectification"].is_null(),
            "{satisfied:#}"
        );
        // The survey with its department, then the response with its answers: one
        // statement on PostgreSQL, two in a transaction on SQLite.
        let most = if backend == Backend::Postgres { 2 } else { 3 };
        assert!(
            statements <= most,
            "{backend:?}: a satisfied answer ran {statements} statements"
        );

        // The same request again returns the first response; another answer is refused.
        let again = submit(
            &app,
            &f,
            &residents[1].token,
            answers(&f, "VERY_SATISFIED", 5, Some("很好")),
            Some("r-1"),
        )
        .await;
        assert_eq!(
            again["data"]["submitSurveyResponse"]["id"],
            satisfied["data"]["submitSurveyResponse"]["id"],
            "{again:#}"
        );
        let twice = submit(
            &app,
            &f,
            &residents[1].token,
            answers(&f, "SATISFIED", 4, None),
            None,
        )
        .await;
        assert_eq!(code(&twice), "CONFLICT", "{twice:#}");

        // A dissatisfied answer opens its rectification in the same request.
        let unhappy = submit(
            &app,
            &f,
            &residents[2].token,
            answers(&f, "DISSATISFIED", 2, Some("等太久")),
            None,
        )
        .await;
        let rectification = &unhappy["data"]["submitSurveyResponse"]["rectification"];
        assert_eq!(rectification["status"], "OPEN", "{unhappy:#}");
        assert_eq!(stored_responses(&app).await, 3, "{backend:?}");
    }
}
