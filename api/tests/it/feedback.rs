//! The 好差评 figures: several indicators and one rate, answers entered by the evaluated
//! department, the handling figures and the monthly ranking, and 12345 work orders.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use entity::enums::{AppealStatus, FollowUpRating, RectificationStatus, Role};

use crate::helpers::{Backend, TestApp, User, code, spawn_app};
use crate::surveys::working_days_after;

const CREATE: &str = "mutation($input: SurveyInput!) { createSurvey(input: $input) { id questions { id prompt overall } } }";
const OPEN: &str = "mutation($id: ID!) { openSurvey(id: $id) { status } }";
const SUBMIT: &str = "mutation($input: SurveyResponseInput!) { submitSurveyResponse(input: $input) { id answeredOn channel satisfaction rectification { id level dueOn indicators { prompt overall level } } } }";
const RESULTS: &str = "query($id: ID!) { survey(id: $id) { results { responseCount satisfactionRate selfServiceCount selfServiceRate enteredCount enteredRate levelCounts { level count } questions { question { prompt } satisfactionRate } } } }";

/// A 好差评 form of a department: three indicators, the second one the overall figure,
/// and a comment.
struct Form {
    survey: String,
    /// 服务效率, 整体满意度, 服务态度
    indicators: [String; 3],
    organizer: User,
}

async fn open_form(app: &TestApp, department: &str) -> Form {
    let organizer = app.user(&[Role::Organizer], Some(department)).await;
    let created = app
        .ok(
            CREATE,
            json!({ "input": { "title": format!("{department}政务服务好差评"), "questions": [
                { "kind": "SATISFACTION", "prompt": "服务效率" },
                { "kind": "SATISFACTION", "prompt": "整体满意度", "overall": true },
                { "kind": "SATISFACTION", "prompt": "服务态度" },
                { "kind": "TEXT", "prompt": "意见建议" }
            ] } }),
            Some(&organizer.token),
        )
        .await;
    let survey = created["createSurvey"]["id"].as_str().unwrap().to_owned();
    let questions = created["createSurvey"]["questions"].as_array().unwrap();
    let overall: Vec<bool> = questions
        .iter()
        .map(|q| q["overall"].as_bool().unwrap())
        .collect();
    assert_eq!(
        overall,
        [false, true, false, false],
        "the marked one is overall"
    );
    let id = |i: usize| questions[i]["id"].as_str().unwrap().to_owned();
    app.ok(OPEN, json!({ "id": survey }), Some(&organizer.token))
        .await;
    Form {
        survey,
        indicators: [id(0), id(1), id(2)],
        organizer,
    }
}

fn levels(form: &Form, levels: [&str; 3]) -> Value {
    Value::Array(
        form.indicators
            .iter()
            .zip(levels)
            .map(|(id, level)| json!({ "questionId": id, "level": level }))
            .collect(),
    )
}

/// A resident's own answer (MINI_PROGRAM).
async fn answer(app: &TestApp, form: &Form, given: [&str; 3]) -> Value {
    let resident = app.user(&[], None).await;
    app.ok(
        SUBMIT,
        json!({ "input": { "surveyId": form.survey, "channel": "MINI_PROGRAM", "answers": levels(form, given) } }),
        Some(&resident.token),
    )
    .await["submitSurveyResponse"]
        .clone()
}

/// An answer the department types from a call, dated the day of the call.
async fn enter(app: &TestApp, form: &Form, given: [&str; 3], day: NaiveDate) -> Value {
    app.ok(
        SUBMIT,
        json!({ "input": { "surveyId": form.survey, "channel": "HOTLINE", "answers": levels(form, given), "answeredOn": day.to_string() } }),
        Some(&form.organizer.token),
    )
    .await["submitSurveyResponse"]
        .clone()
}

fn today() -> NaiveDate {
    api::domain::calendar::today()
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

async fn responses(app: &TestApp) -> u64 {
    entity::survey_response::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

/// One definition everywhere: the overall figure comes from the question marked overall,
/// every indicator has its own rate, and any dissatisfied indicator opens one
/// rectification naming them.
#[tokio::test]
async fn several_indicators_give_one_overall_rate_and_one_rectification_naming_them() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let form = open_form(&app, "养老科").await;
        let office = app.user(&[Role::Viewer], None).await;

        // Overall satisfied, but the attitude and the efficiency were not.
        let mixed = answer(
            &app,
            &form,
            ["DISSATISFIED", "SATISFIED", "VERY_DISSATISFIED"],
        )
        .await;
        assert_eq!(
            mixed["satisfaction"], "SATISFIED",
            "{backend:?}: the overall answer"
        );
        let rectification = &mixed["rectification"];
        assert_eq!(
            rectification["level"], "VERY_DISSATISFIED",
            "{backend:?}: the worst indicator"
        );
        let named: Vec<&str> = rectification["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["prompt"].as_str().unwrap())
            .collect();
        assert_eq!(named, ["服务效率", "服务态度"], "{backend:?}");
        // Everything satisfied: no rectification.
        let content = answer(
            &app,
            &form,
            ["SATISFIED", "VERY_SATISFIED", "BASICALLY_SATISFIED"],
        )
        .await;
        assert!(content["rectification"].is_null(), "{backend:?}");
        // Overall dissatisfied: the rectification names it, with its level.
        let unhappy = answer(&app, &form, ["SATISFIED", "DISSATISFIED", "SATISFIED"]).await;
        assert_eq!(unhappy["rectification"]["level"], "DISSATISFIED");
        assert_eq!(unhappy["rectification"]["indicators"][0]["overall"], true);
        assert_eq!(
            entity::rectification::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            2,
            "{backend:?}: one rectification per response, not per indicator"
        );

        let results = app
            .ok(
                RESULTS,
                json!({ "id": form.survey }),
                Some(&form.organizer.token),
            )
            .await;
        let results = &results["survey"]["results"];
        assert_eq!(results["responseCount"], 3);
        // Overall: satisfied, very satisfied, dissatisfied → 2/3.
        assert_eq!(
            results["satisfactionRate"],
            2.0 / 3.0,
            "{backend:?}: {results}"
        );
        let total: i64 = results["levelCounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_i64().unwrap())
            .sum();
        assert_eq!(total, 3, "{backend:?}: one overall answer per response");
        let rate_of = |prompt: &str| {
            results["questions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["question"]["prompt"] == prompt)
                .unwrap()["satisfactionRate"]
                .clone()
        };
        assert_eq!(rate_of("服务效率"), json!(2.0 / 3.0));
        assert_eq!(rate_of("服务态度"), json!(2.0 / 3.0));
        assert_eq!(rate_of("意见建议"), Value::Null);

        let dashboard = app
            .ok(
                "{ dashboard { overview { satisfactionRate } satisfactionByDepartment { satisfactionRate } } }",
                json!({}),
                Some(&office.token),
            )
            .await;
        assert_eq!(
            dashboard["dashboard"]["overview"]["satisfactionRate"], results["satisfactionRate"],
            "{backend:?}: the dashboards count the same overall figure"
        );
        assert_eq!(
            dashboard["dashboard"]["satisfactionByDepartment"][0]["satisfactionRate"],
            results["satisfactionRate"]
        );

        // At most one overall question, and only a SATISFACTION one.
        let two = app
            .gql(
                CREATE,
                json!({ "input": { "title": "两个总体", "questions": [
                    { "kind": "SATISFACTION", "prompt": "甲", "overall": true },
                    { "kind": "SATISFACTION", "prompt": "乙", "overall": true }
                ] } }),
                Some(&form.organizer.token),
            )
            .await;
        assert_eq!(code(&two), "BAD_USER_INPUT", "{backend:?}");
        assert_eq!(two["errors"][0]["extensions"]["field"], "questions");
        let text = app
            .gql(
                CREATE,
                json!({ "input": { "title": "文字总体", "questions": [
                    { "kind": "SATISFACTION", "prompt": "甲" },
                    { "kind": "TEXT", "prompt": "乙", "overall": true }
                ] } }),
                Some(&form.organizer.token),
            )
            .await;
        assert_eq!(
            text["errors"][0]["extensions"]["field"],
            "questions[1].overall"
        );
    }
}

/// Organizers type hotline and paper answers dated the day the resident answered; the
/// dashboards' ranges and the deadline follow that day, and entered answers are reported
/// apart from the residents' own.
#[tokio::test]
async fn entered_answers_carry_the_residents_day_and_are_reported_apart() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let form = open_form(&app, "养老科").await;
        let office = app.user(&[Role::Viewer], None).await;
        let called = days_ago(20);

        let entered = enter(
            &app,
            &form,
            ["SATISFIED", "DISSATISFIED", "SATISFIED"],
            called,
        )
        .await;
        assert_eq!(entered["answeredOn"], called.to_string(), "{backend:?}");
        assert_eq!(
            entered["rectification"]["dueOn"],
            working_days_after(&app, called, 5).await,
            "{backend:?}: due 5 working days after the call, not after the typing"
        );
        enter(&app, &form, ["SATISFIED", "SATISFIED", "SATISFIED"], called).await;
        enter(
            &app,
            &form,
            ["SATISFIED", "VERY_SATISFIED", "SATISFIED"],
            today(),
        )
        .await;
        answer(&app, &form, ["SATISFIED", "VERY_DISSATISFIED", "SATISFIED"]).await;

        let before = responses(&app).await;
        let refused = |answered_on: String, channel: &str, token: String| {
            let app = &app;
            let answers = levels(&form, ["SATISFIED", "SATISFIED", "SATISFIED"]);
            let survey = form.survey.clone();
            let channel = channel.to_owned();
            async move {
                app.gql(
                    SUBMIT,
                    json!({ "input": { "surveyId": survey, "channel": channel, "answers": answers, "answeredOn": answered_on } }),
                    Some(&token),
                )
                .await
            }
        };
        let tomorrow = today().succ_opt().unwrap().to_string();
        for body in [
            refused(tomorrow, "HOTLINE", form.organizer.token.clone()).await,
            refused(
                days_ago(1).to_string(),
                "MINI_PROGRAM",
                app.user(&[], None).await.token,
            )
            .await,
        ] {
            assert_eq!(code(&body), "BAD_USER_INPUT", "{backend:?}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], "answeredOn");
        }
        assert_eq!(responses(&app).await, before, "{backend:?}: nothing stored");

        // Overall: entered satisfied ×2 and dissatisfied ×1, the resident's own very dissatisfied.
        let results = app
            .ok(
                RESULTS,
                json!({ "id": form.survey }),
                Some(&form.organizer.token),
            )
            .await;
        let results = &results["survey"]["results"];
        assert_eq!(results["satisfactionRate"], 0.5, "{backend:?}: {results}");
        assert_eq!(results["enteredCount"], 3);
        assert_eq!(results["enteredRate"], 2.0 / 3.0);
        assert_eq!(results["selfServiceCount"], 1);
        assert_eq!(results["selfServiceRate"], 0.0);

        let dashboard = |from: NaiveDate, to: NaiveDate| {
            let app = &app;
            let token = office.token.clone();
            async move {
                app.ok(
                    "query($r: DateRangeInput) { dashboard(range: $r) { overview { responseCount satisfactionRate selfServiceRate enteredRate enteredCount } satisfactionByDepartment { responseCount selfServiceRate enteredRate } } }",
                    json!({ "r": { "from": from.to_string(), "to": to.to_string() } }),
                    Some(&token),
                )
                .await["dashboard"]
                    .clone()
            }
        };
        let month = dashboard(days_ago(30), today()).await;
        assert_eq!(
            month["overview"]["responseCount"], 4,
            "{backend:?}: {month}"
        );
        assert_eq!(month["overview"]["enteredRate"], 2.0 / 3.0);
        assert_eq!(month["overview"]["selfServiceRate"], 0.0);
        assert_eq!(
            month["satisfactionByDepartment"][0]["enteredRate"],
            2.0 / 3.0
        );
        assert_eq!(month["satisfactionByDepartment"][0]["selfServiceRate"], 0.0);
        // The calls of 20 days ago are not today's, although they were typed today.
        let today_only = dashboard(today(), today()).await;
        assert_eq!(
            today_only["overview"]["responseCount"], 2,
            "{backend:?}: {today_only}"
        );
        assert_eq!(today_only["overview"]["enteredCount"], 1);
        let back_then = dashboard(called, called).await;
        assert_eq!(back_then["overview"]["responseCount"], 2, "{backend:?}");
    }
}

/// The handling figures as the README defines them, counted from the tables.
fn independent(
    rectifications: &[entity::rectification::Model],
    follow_ups: &[entity::rectification_follow_up::Model],
    appeals: &[entity::feedback_appeal::Model],
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    use RectificationStatus as S;
    let share = |a: usize, b: usize| {
        if b == 0 {
            Value::Null
        } else {
            json!(a as f64 / b as f64)
        }
    };
    let resolved: Vec<_> = rectifications
        .iter()
        .filter(|r| matches!(r.status, S::Resolved | S::Closed))
        .collect();
    let due = rectifications
        .iter()
        .filter(|r| {
            matches!(r.status, S::Resolved | S::Closed)
                || (matches!(r.status, S::Open | S::InProgress) && r.due_at < now)
        })
        .count();
    let on_time = resolved
        .iter()
        .filter(|r| r.resolved_at.is_some_and(|at| at < r.due_at))
        .count();
    let ups: Vec<_> = follow_ups
        .iter()
        .filter(|f| rectifications.iter().any(|r| r.id == f.rectification_id))
        .collect();
    let followed = resolved
        .iter()
        .filter(|r| ups.iter().any(|f| f.rectification_id == r.id))
        .count();
    let satisfied = ups
        .iter()
        .filter(|f| f.rating != FollowUpRating::Dissatisfied)
        .count();
    let filed: Vec<_> = appeals
        .iter()
        .filter(|a| {
            rectifications
                .iter()
                .any(|r| r.response_id == a.response_id)
        })
        .collect();
    json!({
        "complaintCount": rectifications.len(),
        "rectificationRate": share(
            rectifications.iter().filter(|r| matches!(r.status, S::Closed | S::NotSubstantiated | S::Voided)).count(),
            rectifications.len(),
        ),
        "onTimeRate": share(on_time, due),
        "followUpRate": share(followed, resolved.len()),
        "followUpSatisfactionRate": share(satisfied, ups.len()),
        "followUpCount": ups.len(),
        "appealCount": filed.len(),
        "upheldAppealCount": filed.iter().filter(|a| a.status == AppealStatus::Upheld).count(),
    })
}

const HANDLING: &str = "query($r: DateRangeInput) { dashboard(range: $r) { feedbackHandling { overall { department { name } complaintCount rectificationRate onTimeRate followUpRate followUpSatisfactionRate followUpCount appealCount upheldAppealCount } byDepartment { department { name } complaintCount rectificationRate onTimeRate followUpRate followUpSatisfactionRate followUpCount appealCount upheldAppealCount } } satisfactionRanking { month departments { department { name } rank satisfactionRate responseCount } } } }";

/// Every handling figure against an independent count of the tables, overall and per
/// department, over the whole time and over a range; and the monthly ranking.
#[tokio::test]
async fn feedback_handling_figures_and_the_monthly_ranking_match_an_independent_count() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let elders = open_form(&app, "养老科").await;
        let office_dept = open_form(&app, "办公室").await;
        let office = app.user(&[Role::Viewer], None).await;
        let bad = ["SATISFIED", "DISSATISFIED", "SATISFIED"];
        let good = ["SATISFIED", "SATISFIED", "SATISFIED"];
        let long_ago = days_ago(60);

        let rect = |body: &Value| body["rectification"]["id"].as_str().unwrap().to_owned();
        let org = elders.organizer.token.clone();
        let step = |query: &'static str, vars: Value, token: String| {
            let app = &app;
            async move { app.ok(query, vars, Some(&token)).await }
        };
        const VERIFY: &str = "mutation($id: ID!, $s: Boolean!) { verifyRectification(id: $id, substantiated: $s, note: \"经核实\") { status } }";
        const RESOLVE: &str = "mutation($id: ID!) { updateRectification(id: $id, input: { status: RESOLVED, resolution: \"已整改\" }) { status } }";
        const FOLLOW: &str = "mutation($id: ID!, $r: FollowUpRating!) { recordFollowUp(rectificationId: $id, channel: PHONE, rating: $r, note: \"电话回访\") { status } }";

        // 养老科: resolved on time and closed by a satisfied follow-up …
        let closed = rect(&answer(&app, &elders, bad).await);
        step(VERIFY, json!({ "id": closed, "s": true }), org.clone()).await;
        step(RESOLVE, json!({ "id": closed }), org.clone()).await;
        step(
            FOLLOW,
            json!({ "id": closed, "r": "BASICALLY_SATISFIED" }),
            org.clone(),
        )
        .await;
        // … one not substantiated …
        let dismissed = rect(&answer(&app, &elders, bad).await);
        step(VERIFY, json!({ "id": dismissed, "s": false }), org.clone()).await;
        // … one appealed and voided …
        let voided = answer(&app, &elders, bad).await;
        let appeal = step(
            "mutation($r: ID!) { appealFeedback(responseId: $r, reason: MALICIOUS, explanation: \"恶意差评\") { id } }",
            json!({ "r": voided["id"] }),
            org.clone(),
        )
        .await;
        step(
            "mutation($a: ID!) { decideAppeal(appealId: $a, upheld: true, note: \"属实\") { status } }",
            json!({ "a": appeal["appealFeedback"]["id"] }),
            office.token.clone(),
        )
        .await;
        // … one reopened by a dissatisfied follow-up …
        let reopened = rect(&answer(&app, &elders, bad).await);
        step(VERIFY, json!({ "id": reopened, "s": true }), org.clone()).await;
        step(RESOLVE, json!({ "id": reopened }), org.clone()).await;
        step(
            FOLLOW,
            json!({ "id": reopened, "r": "DISSATISFIED" }),
            org.clone(),
        )
        .await;
        // … a call of two months ago, long overdue, and one resolved late.
        enter(&app, &elders, bad, long_ago).await;
        let late = rect(&enter(&app, &elders, bad, long_ago).await);
        step(VERIFY, json!({ "id": late, "s": true }), org.clone()).await;
        step(RESOLVE, json!({ "id": late }), org.clone()).await;
        // 办公室: one open, due in the future, and a satisfied answer.
        answer(&app, &office_dept, bad).await;
        answer(&app, &office_dept, good).await;
        enter(&app, &office_dept, good, long_ago).await;

        let db = &app.state.db;
        let all = entity::rectification::Entity::find().all(db).await.unwrap();
        let ups = entity::rectification_follow_up::Entity::find()
            .all(db)
            .await
            .unwrap();
        let appeals = entity::feedback_appeal::Entity::find()
            .all(db)
            .await
            .unwrap();
        let answered: HashMap<i32, NaiveDate> = entity::survey_response::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.answered_on))
            .collect();
        let departments: HashMap<i32, String> = entity::department::Entity::find()
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let now = chrono::Utc::now();

        for range in [None, Some((days_ago(7), today()))] {
            let within: Vec<_> = all
                .iter()
                .filter(|r| {
                    range.is_none_or(|(from, to)| {
                        let day = answered[&r.response_id];
                        from <= day && day <= to
                    })
                })
                .cloned()
                .collect();
            let mut want_overall = independent(&within, &ups, &appeals, now);
            want_overall["department"] = Value::Null;
            let mut by_department: Vec<Value> = Vec::new();
            let mut ids: Vec<i32> = within.iter().filter_map(|r| r.department_id).collect();
            ids.sort();
            ids.dedup();
            for id in ids {
                let own: Vec<_> = within
                    .iter()
                    .filter(|r| r.department_id == Some(id))
                    .cloned()
                    .collect();
                let mut figures = independent(&own, &ups, &appeals, now);
                figures["department"] = json!({ "name": departments[&id] });
                by_department.push(figures);
            }
            let vars = match range {
                Some((from, to)) => {
                    json!({ "r": { "from": from.to_string(), "to": to.to_string() } })
                }
                None => json!({}),
            };
            let got = app.ok(HANDLING, vars, Some(&office.token)).await;
            let got = &got["dashboard"]["feedbackHandling"];
            assert_eq!(got["overall"], want_overall, "{backend:?} {range:?}");
            assert_eq!(
                got["byDepartment"],
                json!(by_department),
                "{backend:?} {range:?}"
            );
        }
        // Spelled out once, so that the definitions are visible here too: 养老科 had six
        // 差评; closed, not substantiated and voided are done (3/6); of the resolved ones
        // and those past their deadline (closed, late, the overdue call) one was on time.
        let got = app.ok(HANDLING, json!({}), Some(&office.token)).await;
        let elders_figures = got["dashboard"]["feedbackHandling"]["byDepartment"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["department"]["name"] == "养老科")
            .unwrap()
            .clone();
        assert_eq!(elders_figures["complaintCount"], 6, "{backend:?}");
        assert_eq!(elders_figures["rectificationRate"], 0.5);
        assert_eq!(elders_figures["onTimeRate"], 1.0 / 3.0);
        assert_eq!(
            elders_figures["followUpRate"], 0.5,
            "closed has one, late has none"
        );
        assert_eq!(elders_figures["followUpSatisfactionRate"], 0.5);
        assert_eq!(elders_figures["appealCount"], 1);
        assert_eq!(elders_figures["upheldAppealCount"], 1);

        // 月度排名, two months ago: 办公室 (1 satisfied of 1) first, 养老科 (0 of 2) second.
        let ranking = &got["dashboard"]["satisfactionRanking"];
        let months = ranking.as_array().unwrap();
        let month_of = |day: NaiveDate| day.format("%Y-%m").to_string();
        let first = months
            .iter()
            .find(|m| m["month"] == month_of(long_ago))
            .unwrap_or_else(|| panic!("{backend:?}: {ranking}"));
        let order: Vec<(&str, i64)> = first["departments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["department"]["name"].as_str().unwrap(),
                    d["rank"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            order,
            [("办公室", 1), ("养老科", 2)],
            "{backend:?}: {ranking}"
        );
        assert_eq!(first["departments"][1]["satisfactionRate"], 0.0);
        assert_eq!(first["departments"][1]["responseCount"], 2);
    }
}

const RESPONSE_FIGURES: &str = "query($r: DateRangeInput, $d: ID) { dashboard(range: $r, departmentId: $d) { overview { responseCount satisfactionRate selfServiceCount selfServiceRate enteredCount enteredRate volunteerCount activeVolunteerCount } satisfactionByDepartment { department { name } responseCount satisfactionRate selfServiceCount enteredCount levelCounts { level count } } satisfactionRanking { month departments { department { name } rank satisfactionRate responseCount } } } }";

/// Response figures over the whole plan or over whole months come from rollups that
/// triggers keep on every write of a response; any other range counts the responses
/// themselves. After residents' answers, calls entered by the department (dated back) and
/// an upheld appeal that voids one, the two ways must agree, for every department and
/// for one, and the void must show.
#[tokio::test]
async fn response_figures_kept_per_month_agree_with_the_responses_after_every_kind_of_write() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let elders = open_form(&app, "养老科").await;
        let office_dept = open_form(&app, "办公室").await;
        let office = app.user(&[Role::Viewer], None).await;
        let bad = ["SATISFIED", "DISSATISFIED", "SATISFIED"];
        let good = ["SATISFIED", "VERY_SATISFIED", "SATISFIED"];
        answer(&app, &elders, good).await;
        answer(&app, &elders, bad).await;
        let voided = answer(&app, &elders, bad).await;
        enter(&app, &elders, good, days_ago(40)).await;
        enter(&app, &elders, bad, days_ago(70)).await;
        answer(&app, &office_dept, good).await;
        enter(&app, &office_dept, bad, days_ago(40)).await;

        let figures = |range: Value, department: Value| {
            let app = &app;
            let token = office.token.clone();
            async move {
                app.ok(
                    RESPONSE_FIGURES,
                    json!({ "r": range, "d": department }),
                    Some(&token),
                )
                .await
            }
        };
        // Whole months (the rollups) against the same days cut one day short at each end
        // of a wider span that holds no response (the responses themselves).
        let first_of = |day: NaiveDate| day.with_day(1).unwrap();
        let year_start = first_of(days_ago(400));
        let whole = json!({ "from": year_start.to_string(), "to": today().to_string() });
        let next_month_end = {
            let next = first_of(first_of(today()) + Days::new(40));
            next.checked_sub_days(Days::new(1)).unwrap()
        };
        let aligned = json!({ "from": year_start.to_string(), "to": next_month_end.to_string() });
        let cut = json!({
            "from": (year_start + Days::new(1)).to_string(),
            "to": (next_month_end - Days::new(1)).to_string()
        });
        let elders_id = app.department("养老科").await;
        let compare = |label: &'static str| {
            let figures = &figures;
            let whole = whole.clone();
            let aligned = aligned.clone();
            let cut = cut.clone();
            let elders_id = elders_id.clone();
            async move {
                for department in [Value::Null, elders_id] {
                    let everything = figures(Value::Null, department.clone()).await;
                    let by_months = figures(aligned.clone(), department.clone()).await;
                    let by_days = figures(cut.clone(), department.clone()).await;
                    let by_whole = figures(whole.clone(), department.clone()).await;
                    assert_eq!(
                        by_months, by_days,
                        "{backend:?} {label}: whole months vs days"
                    );
                    assert_eq!(
                        everything["dashboard"]["satisfactionByDepartment"],
                        by_days["dashboard"]["satisfactionByDepartment"],
                        "{backend:?} {label}: no range vs days"
                    );
                    assert_eq!(
                        everything["dashboard"]["overview"], by_days["dashboard"]["overview"],
                        "{backend:?} {label}: no range vs days"
                    );
                    assert_eq!(
                        by_whole["dashboard"]["overview"]["responseCount"],
                        by_days["dashboard"]["overview"]["responseCount"],
                        "{backend:?} {label}"
                    );
                }
                figures(Value::Null, Value::Null).await
            }
        };
        let before = compare("before the appeal").await;
        assert_eq!(
            before["dashboard"]["overview"]["responseCount"], 7,
            "{backend:?}"
        );

        let appeal = app
            .ok(
                "mutation($r: ID!) { appealFeedback(responseId: $r, reason: MALICIOUS, explanation: \"恶意差评\") { id } }",
                json!({ "r": voided["id"] }),
                Some(&elders.organizer.token),
            )
            .await;
        app.ok(
            "mutation($a: ID!) { decideAppeal(appealId: $a, upheld: true, note: \"属实\") { status } }",
            json!({ "a": appeal["appealFeedback"]["id"] }),
            Some(&office.token),
        )
        .await;
        let after = compare("after the appeal").await;
        assert_eq!(
            after["dashboard"]["overview"]["responseCount"], 6,
            "{backend:?}: the voided one counts nowhere"
        );
        // Residents who enrol count at once in the enrolled volunteers kept by a trigger.
        let enrolled = after["dashboard"]["overview"]["volunteerCount"]
            .as_i64()
            .unwrap();
        for name in ["林晓", "陈青"] {
            let resident = app.user(&[], None).await;
            app.ok(
                "mutation($input: EnrollVolunteerInput!) { enrollAsVolunteer(input: $input) { id } }",
                json!({ "input": { "realName": name } }),
                Some(&resident.token),
            )
            .await;
        }
        let more = figures(Value::Null, Value::Null).await;
        assert_eq!(
            more["dashboard"]["overview"]["volunteerCount"],
            enrolled + 2,
            "{backend:?}"
        );
    }
}

const IMPORT: &str = "mutation($s: ID!, $csv: String!) { importFeedbackCases(surveyId: $s, csv: $csv) { importedCount skippedCaseNumbers rectificationCount } }";

/// 12345 work orders arrive as HOTLINE responses with their case number, dated the day of
/// the call; importing the same cases again changes nothing; a bad row stores nothing.
#[tokio::test]
async fn hotline_cases_are_imported_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let form = open_form(&app, "养老科").await;
        let called = days_ago(3);
        let table = format!(
            "工单编号,受理日期,诉求内容,满意度,承办单位\n\
             QZ-0001,{called},助餐点饭菜偏咸,不满意,养老科\n\
             QZ-0002,{called} 10:20:00,,满意,养老科\n\
             QZ-0003,{},,基本满意,养老科\n",
            called.format("%Y/%m/%d")
        );
        let org = form.organizer.token.clone();
        let first = app
            .ok(
                IMPORT,
                json!({ "s": form.survey, "csv": table }),
                Some(&org),
            )
            .await;
        assert_eq!(
            first["importFeedbackCases"],
            json!({ "importedCount": 3, "skippedCaseNumbers": [], "rectificationCount": 1 }),
            "{backend:?}"
        );
        let stored = entity::survey_response::Entity::find()
            .filter(entity::survey_response::Column::ExternalCaseNumber.eq("QZ-0001"))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("the case is a response");
        assert_eq!(stored.channel, entity::enums::FeedbackChannel::Hotline);
        assert_eq!(stored.answered_on, called, "{backend:?}");
        let rectification = entity::rectification::Entity::find()
            .filter(entity::rectification::Column::ResponseId.eq(stored.id))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("a dissatisfied case opens a rectification");
        assert_eq!(rectification.complaint.as_deref(), Some("助餐点饭菜偏咸"));
        assert_eq!(
            api::domain::calendar::local_date(rectification.due_at)
                .pred_opt()
                .unwrap()
                .to_string(),
            working_days_after(&app, called, 5).await,
            "{backend:?}: due after the day of the call"
        );

        let count = responses(&app).await;
        let again = app
            .ok(
                IMPORT,
                json!({ "s": form.survey, "csv": table }),
                Some(&org),
            )
            .await;
        assert_eq!(
            again["importFeedbackCases"],
            json!({ "importedCount": 0, "skippedCaseNumbers": ["QZ-0001", "QZ-0002", "QZ-0003"], "rectificationCount": 0 }),
            "{backend:?}"
        );
        assert_eq!(responses(&app).await, count, "{backend:?}: nothing changed");

        // One bad row refuses the table: the good new row before it is not stored.
        let bad =
            format!("工单编号,受理日期,满意度\nQZ-0004,{called},满意\nQZ-0005,{called},还行\n");
        let refused = app
            .gql(IMPORT, json!({ "s": form.survey, "csv": bad }), Some(&org))
            .await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{backend:?}");
        assert_eq!(refused["errors"][0]["extensions"]["field"], "csv");
        assert!(
            refused["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("第3行"),
            "{refused}"
        );
        assert_eq!(responses(&app).await, count, "{backend:?}: nothing stored");

        let other = app.user(&[Role::Organizer], Some("办公室")).await;
        let foreign = app
            .gql(
                IMPORT,
                json!({ "s": form.survey, "csv": table }),
                Some(&other.token),
            )
            .await;
        assert_eq!(code(&foreign), "FORBIDDEN", "{backend:?}");
        let resident = app.user(&[], None).await;
        let anyone = app
            .gql(
                IMPORT,
                json!({ "s": form.survey, "csv": table }),
                Some(&resident.token),
            )
            .await;
        assert_eq!(code(&anyone), "FORBIDDEN", "{backend:?}");

        // The imported answers are entered ones in every figure.
        let results = app
            .ok(RESULTS, json!({ "id": form.survey }), Some(&org))
            .await;
        assert_eq!(
            results["survey"]["results"]["enteredCount"], 3,
            "{backend:?}"
        );
        assert_eq!(results["survey"]["results"]["selfServiceCount"], 0);
    }
}

/// Migration 33 on a database that already holds surveys and answers: each survey's first
/// SATISFACTION question becomes its overall one (where the overall figure came from
/// before), and every answer is dated the day it was submitted. It also rolls back.
#[tokio::test]
async fn existing_surveys_and_answers_keep_their_meaning_through_the_migration() {
    use migration::MigratorTrait;
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let form = open_form(&app, "养老科").await;
        answer(&app, &form, ["SATISFIED", "SATISFIED", "SATISFIED"]).await;
        enter(
            &app,
            &form,
            ["SATISFIED", "SATISFIED", "SATISFIED"],
            days_ago(9),
        )
        .await;
        let db = &app.state.db;
        // Back to before migration 33 (and the later ones), then forward again.
        let later = migration::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .skip_while(|name| !name.contains("000033"))
            .count();
        migration::Migrator::down(db, Some(later as u32))
            .await
            .expect("rolls back");
        migration::Migrator::up(db, None)
            .await
            .expect("applies again");

        let questions = entity::question::Entity::find()
            .filter(entity::question::Column::SurveyId.eq(form.survey.parse::<i32>().unwrap()))
            .all(db)
            .await
            .unwrap();
        let overall: Vec<(String, bool)> = questions
            .into_iter()
            .map(|q| (q.prompt, q.overall))
            .collect();
        assert_eq!(
            overall,
            [
                ("服务效率".to_owned(), true),
                ("整体满意度".to_owned(), false),
                ("服务态度".to_owned(), false),
                ("意见建议".to_owned(), false),
            ],
            "{backend:?}"
        );
        for response in entity::survey_response::Entity::find()
            .all(db)
            .await
            .unwrap()
        {
            assert_eq!(response.answered_on, response.submitted_on, "{backend:?}");
            assert_eq!(response.external_case_number, None);
        }
    }
}
