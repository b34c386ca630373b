//! One user's own reads (`Me`, `MyRegistrations`, `MyServiceRecords`, `Survey`,
//! `OpenSurveys`, `MyFeedback`): what each list shows of an activity, a survey or a
//! rectification is read with the list (joined, or from a kept value), and every change
//! shows at once.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, activity_about_to_start, run, spawn_app};
use crate::surveys::{answers, open_survey, submit};

/// Runs a contract operation that must succeed; its `data`, and the statements it ran.
async fn read(app: &TestApp, operation: &str, variables: Value, token: &str) -> (Value, u64) {
    let before = app.statements();
    let body = run(app, operation, variables, Some(token)).await;
    assert!(body.get("errors").is_none(), "{operation}: {body:#}");
    (body["data"].clone(), app.statements() - before)
}

/// The resident's satisfied answer to the fixture's survey, which must be taken.
async fn answer_satisfied(app: &TestApp, f: &crate::surveys::Fixture, token: &str) {
    let body = submit(app, f, token, answers(f, "SATISFIED", 4, None), None).await;
    assert!(body.get("errors").is_none(), "{body:#}");
}

fn first_node(list: &Value) -> &Value {
    &list["edges"][0]["node"]
}

#[tokio::test]
async fn a_volunteers_lists_show_a_renamed_activity_and_approved_hours_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer, volunteer) = activity_about_to_start(&app).await;
        let token = volunteer.token.as_str();

        let (me, _) = read(&app, "Me", json!({}), token).await;
        assert_eq!(me["me"]["volunteer"]["totalHours"], 0.0, "{me:#}");
        let (me, statements) = read(&app, "Me", json!({}), token).await;
        assert_eq!(me["me"]["volunteer"]["starLevel"], 0, "{me:#}");
        assert_eq!(
            statements, 2,
            "{backend:?}: the user with the profile, and the minutes, at once"
        );

        let (mine, statements) = read(&app, "MyRegistrations", json!({}), token).await;
        let registrations = &mine["me"]["volunteer"]["registrations"];
        assert_eq!(first_node(registrations)["activity"]["id"], id.as_str());
        assert_eq!(first_node(registrations)["activity"]["title"], "助老服务");
        assert_eq!(
            statements, 3,
            "{backend:?}: the user with the profile, the total, the page with its activities"
        );

        let renamed = run(
            &app,
            "UpdateActivity",
            json!({ "id": id, "input": { "title": "助老服务（改期）" } }),
            Some(&organizer.token),
        )
        .await;
        assert!(renamed.get("errors").is_none(), "{renamed:#}");
        let (mine, _) = read(&app, "MyRegistrations", json!({}), token).await;
        assert_eq!(
            first_node(&mine["me"]["volunteer"]["registrations"])["activity"]["title"],
            "助老服务（改期）",
            "{backend:?}: the list shows the activity as it is now"
        );

        let code = run(
            &app,
            "ActivityCheckInCode",
            json!({ "activityId": id }),
            Some(&organizer.token),
        )
        .await["data"]["activityCheckInCode"]["code"]
            .clone();
        for operation in ["CheckIn", "CheckOut"] {
            let body = run(
                &app,
                operation,
                json!({ "activityId": id, "code": code }),
                Some(token),
            )
            .await;
            assert!(body.get("errors").is_none(), "{operation}: {body:#}");
        }
        let (records, _) = read(&app, "MyServiceRecords", json!({}), token).await;
        let record = first_node(&records["me"]["volunteer"]["serviceRecords"]).clone();
        assert_eq!(record["status"], "PENDING");
        assert_eq!(record["activity"]["title"], "助老服务（改期）");
        assert_eq!(records["me"]["volunteer"]["totalHours"], 0.0);

        let approved = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": [record["id"]], "decision": "APPROVE", "hours": 2.5 }),
            Some(&organizer.token),
        )
        .await;
        assert!(approved.get("errors").is_none(), "{approved:#}");
        let (records, statements) = read(&app, "MyServiceRecords", json!({}), token).await;
        let volunteer = &records["me"]["volunteer"];
        assert_eq!(volunteer["totalHours"], 2.5, "{backend:?}: {records:#}");
        assert_eq!(
            first_node(&volunteer["serviceRecords"])["status"],
            "APPROVED"
        );
        assert_eq!(
            statements, 4,
            "{backend:?}: the user with the profile, the minutes, the total, the page with its activities"
        );
        let (me, _) = read(&app, "Me", json!({}), token).await;
        assert_eq!(me["me"]["volunteer"]["totalHours"], 2.5, "{backend:?}");
    }
}

#[tokio::test]
async fn me_shows_the_volunteer_profile_as_soon_as_the_user_enrolls() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let resident = app.user(&[], None).await;
        let (me, _) = read(&app, "Me", json!({}), &resident.token).await;
        assert_eq!(me["me"]["volunteer"], Value::Null, "{me:#}");
        let enrolled = run(
            &app,
            "EnrollAsVolunteer",
            json!({ "input": { "realName": "张三" } }),
            Some(&resident.token),
        )
        .await;
        assert!(enrolled.get("errors").is_none(), "{enrolled:#}");
        let (me, _) = read(&app, "Me", json!({}), &resident.token).await;
        assert_eq!(
            me["me"]["volunteer"]["id"], enrolled["data"]["enrollAsVolunteer"]["id"],
            "{backend:?}: {me:#}"
        );
        assert_eq!(me["me"]["volunteer"]["totalHours"], 0.0);
    }
}

#[tokio::test]
async fn feedback_on_an_anonymous_survey_opened_after_a_first_read_shows_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let resident = app.user(&[], None).await;
        // The first read keeps the anonymous surveys of the moment (none).
        let (mine, _) = read(&app, "MyFeedback", json!({}), &resident.token).await;
        assert_eq!(mine["me"]["feedback"]["totalCount"], 0);

        let f = open_survey(&app, true).await;
        let body = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "DISSATISFIED", 2, Some("太慢了")),
            None,
        )
        .await;
        assert!(body.get("errors").is_none(), "{body:#}");
        let (mine, _) = read(&app, "MyFeedback", json!({}), &resident.token).await;
        let feedback = &mine["me"]["feedback"];
        assert_eq!(feedback["totalCount"], 1, "{backend:?}: {mine:#}");
        let node = first_node(feedback);
        assert_eq!(node["survey"]["id"], f.survey.as_str());
        assert_eq!(node["survey"]["title"], "养老服务满意度");
        assert_eq!(node["rectification"]["status"], "OPEN", "{mine:#}");
        let (again, statements) = read(&app, "MyFeedback", json!({}), &resident.token).await;
        assert_eq!(again, mine);
        assert_eq!(
            statements, 2,
            "{backend:?}: the user, the page with surveys and rectifications (not full, so \
             its length is the total; the anonymous surveys are kept until the next write)"
        );

        let moved = run(
            &app,
            "UpdateRectification",
            json!({ "id": node["rectification"]["id"], "input": { "status": "IN_PROGRESS" } }),
            Some(&f.organizer.token),
        )
        .await;
        assert!(moved.get("errors").is_none(), "{moved:#}");
        let (mine, _) = read(&app, "MyFeedback", json!({}), &resident.token).await;
        assert_eq!(
            first_node(&mine["me"]["feedback"])["rectification"]["status"],
            "IN_PROGRESS",
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn a_surveys_page_shows_its_questions_in_order_and_whether_the_viewer_answered() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let (first, _) = read(&app, "Survey", json!({ "id": f.survey }), &resident.token).await;
        let (again, statements) =
            read(&app, "Survey", json!({ "id": f.survey }), &resident.token).await;
        assert_eq!(first, again, "{backend:?}");
        let questions = again["survey"]["questions"].as_array().unwrap();
        let prompts: Vec<&str> = questions
            .iter()
            .map(|q| q["prompt"].as_str().unwrap())
            .collect();
        assert_eq!(
            prompts,
            [
                "总体评价",
                "了解渠道",
                "希望增加的服务",
                "服务态度",
                "意见建议"
            ]
        );
        let labels: Vec<&str> = questions[2]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, ["助餐", "助浴", "义诊"]);
        assert_eq!(again["survey"]["viewerHasResponded"], false);
        assert_eq!(
            statements, 3,
            "{backend:?}: the survey, the viewer's answer and the department; the questions are kept"
        );

        answer_satisfied(&app, &f, &resident.token).await;
        let (after, _) = read(&app, "Survey", json!({ "id": f.survey }), &resident.token).await;
        assert_eq!(after["survey"]["viewerHasResponded"], true, "{backend:?}");
        let (list, _) = read(&app, "OpenSurveys", json!({}), &resident.token).await;
        let node = first_node(&list["surveys"]);
        assert_eq!(node["id"], f.survey.as_str());
        assert_eq!(node["viewerHasResponded"], true, "{backend:?}");
    }
}

#[tokio::test]
async fn the_survey_list_shows_a_renamed_activity_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = crate::helpers::open_activity(&app, None).await;
        let created = run(
            &app,
            "CreateSurvey",
            json!({ "input": { "title": "活动满意度", "activityId": activity,
                "questions": [{ "kind": "SATISFACTION", "prompt": "总体评价" }] } }),
            Some(&organizer.token),
        )
        .await;
        assert!(created.get("errors").is_none(), "{created:#}");
        let survey = created["data"]["createSurvey"]["id"].clone();
        let opened = run(
            &app,
            "OpenSurvey",
            json!({ "id": survey }),
            Some(&organizer.token),
        )
        .await;
        assert!(opened.get("errors").is_none(), "{opened:#}");
        let resident = app.user(&[], None).await;

        let (list, statements) = read(&app, "OpenSurveys", json!({}), &resident.token).await;
        let node = first_node(&list["surveys"]);
        assert_eq!(node["id"], survey);
        assert_eq!(node["activity"]["title"], "助老服务", "{list:#}");
        assert_eq!(
            statements, 4,
            "{backend:?}: the total and the page, then the activities and the viewer's answers"
        );
        let renamed = run(
            &app,
            "UpdateActivity",
            json!({ "id": activity, "input": { "title": "助老服务（改期）" } }),
            Some(&organizer.token),
        )
        .await;
        assert!(renamed.get("errors").is_none(), "{renamed:#}");
        let (list, _) = read(&app, "OpenSurveys", json!({}), &resident.token).await;
        assert_eq!(
            first_node(&list["surveys"])["activity"]["title"],
            "助老服务（改期）",
            "{backend:?}"
        );
        let (page, _) = read(&app, "Survey", json!({ "id": survey }), &resident.token).await;
        assert_eq!(page["survey"]["activity"]["title"], "助老服务（改期）");
        assert_eq!(page["survey"]["department"]["name"], "养老科", "{page:#}");
    }
}

#[tokio::test]
async fn feedback_pages_count_every_answer_whether_or_not_the_first_page_holds_them() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let resident = app.user(&[], None).await;
        for anonymous in [true, false, true] {
            let f = open_survey(&app, anonymous).await;
            answer_satisfied(&app, &f, &resident.token).await;
        }
        let page = async |first: i64, after: Option<&str>| {
            app.ok(
                "query($first: Int, $after: String) { me { feedback(first: $first, after: $after) { \
                 totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } } }",
                json!({ "first": first, "after": after }),
                Some(&resident.token),
            )
            .await["me"]["feedback"]
                .clone()
        };
        let whole = page(5, None).await;
        assert_eq!(whole["totalCount"], 3, "{backend:?}: {whole:#}");
        assert_eq!(whole["edges"].as_array().unwrap().len(), 3);
        assert_eq!(whole["pageInfo"]["hasNextPage"], false);

        let exact = page(3, None).await;
        assert_eq!(exact["totalCount"], 3, "{backend:?}: {exact:#}");
        assert_eq!(exact["pageInfo"]["hasNextPage"], false);

        let first = page(2, None).await;
        assert_eq!(first["totalCount"], 3, "{backend:?}: {first:#}");
        assert_eq!(first["edges"].as_array().unwrap().len(), 2);
        assert_eq!(first["pageInfo"]["hasNextPage"], true);
        let cursor = first["pageInfo"]["endCursor"].as_str().unwrap().to_owned();
        let rest = page(2, Some(&cursor)).await;
        assert_eq!(rest["totalCount"], 3, "{backend:?}: {rest:#}");
        assert_eq!(rest["edges"].as_array().unwrap().len(), 1);
        assert_eq!(rest["pageInfo"]["hasNextPage"], false);
    }
}
