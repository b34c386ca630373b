//! Plans and activities: the demo plan imports as the bureau wrote it, the feed lists
//! what each viewer may see, and the lifecycle rules hold.

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::run;
use crate::helpers::{Backend, code, spawn_app};

const DEMO_CSV: &str = include_str!("../../data/plan-2022.csv");

#[tokio::test]
async fn the_demo_plan_imports_into_17_activities_as_the_table_says() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let body = run(
            &app,
            "ImportPlan",
            json!({ "input": { "title": "2022年方案", "year": 2022, "issuer": "泉州市民政局", "csv": DEMO_CSV, "publish": true } }),
            Some(&admin.token),
        )
        .await;
        assert!(body.get("errors").is_none(), "{backend:?}: {body:#}");
        let result = &body["data"]["importPlan"];
        assert_eq!(result["createdCount"], 17);
        assert_eq!(
            result["warnings"].as_array().map(Vec::len),
            Some(0),
            "every row is dated: {result:#}"
        );
        let activities = result["plan"]["activities"]["edges"].as_array().unwrap();
        assert_eq!(activities.len(), 17);
        // 元旦春节期间: from New Year's Day to the Lantern Festival, first in the year.
        let first = &activities[0]["node"];
        assert_eq!(first["seqNo"], 1);
        assert_eq!(first["startsAt"], "2022-01-01T00:00:00+08:00");
        assert_eq!(first["endsAt"], "2022-02-15T23:59:59+08:00");
        assert_eq!(first["timeLabel"], "2022年元旦春节期间");
        // “7·1建党节”前后 counts in July, and registration runs to the window's end.
        let party_day = activities
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["seqNo"] == 13)
            .unwrap();
        assert_eq!(party_day["startsAt"], "2022-06-28T00:00:00+08:00");
        let detail = app
            .ok(
                "query($id: ID!) { activity(id: $id) { startDate registrationClosesAt } }",
                json!({ "id": party_day["id"] }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(detail["activity"]["startDate"], "2022-07-01", "{backend:?}");
        // The contract's page shows the plan the activity belongs to (read in its row).
        let page = run(
            &app,
            "ActivityDetail",
            json!({ "id": party_day["id"] }),
            None,
        )
        .await;
        let plan = &page["data"]["activity"]["plan"];
        assert_eq!(plan["id"], result["plan"]["id"], "{backend:?}: {page:#}");
        assert_eq!(plan["title"], "2022年方案");
        assert_eq!(plan["year"], 2022);
        assert!(page["data"]["activity"]["pairing"].is_null(), "{page:#}");
        assert_eq!(
            detail["activity"]["registrationClosesAt"],
            "2022-07-04T23:59:59+08:00"
        );
        let counted = |range: Value| {
            let app = &app;
            let token = admin.token.clone();
            async move {
                app.ok(
                    "query($r: DateRangeInput) { dashboard(range: $r) { overview { activityCount } } }",
                    json!({ "r": range }),
                    Some(&token),
                )
                .await["dashboard"]["overview"]["activityCount"]
                    .clone()
            }
        };
        assert_eq!(
            counted(json!({ "from": "2022-07-01", "to": "2022-07-31" })).await,
            1,
            "{backend:?}"
        );
        assert_eq!(
            counted(json!({ "from": "2022-06-01", "to": "2022-06-30" })).await,
            3,
            "{backend:?}: 6·1, 6·3, 6·14"
        );
        assert_eq!(
            counted(json!({ "from": "2022-01-01", "to": "2022-12-31" })).await,
            17,
            "{backend:?}"
        );
        // The anchor stays through an edit that keeps it within the dates, not beyond.
        let update = "mutation($id: ID!, $input: ActivityPatch!) { updateActivity(id: $id, input: $input) { startDate } }";
        let kept = app
            .ok(update, json!({ "id": party_day["id"], "input": { "title": "“勇当先锋 党员先行”志愿服务" } }), Some(&admin.token))
            .await;
        assert_eq!(
            kept["updateActivity"]["startDate"], "2022-07-01",
            "{backend:?}"
        );
        let moved = app
            .ok(
                update,
                json!({ "id": party_day["id"], "input": { "startsAt": "2022-08-01T09:00:00+08:00", "endsAt": "2022-08-02T12:00:00+08:00", "registrationClosesAt": null } }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(
            moved["updateActivity"]["startDate"], "2022-08-01",
            "{backend:?}"
        );
        let second = activities
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["seqNo"] == 2)
            .unwrap();
        assert_eq!(second["startsAt"], "2022-03-02T00:00:00+08:00");
        assert_eq!(second["endsAt"], "2022-03-08T23:59:59+08:00");
        assert_eq!(second["title"], "“弘扬雷锋精神 深化文明实践”主题活动");
        assert_eq!(second["contentItems"].as_array().unwrap().len(), 3);
        assert_eq!(second["category"]["name"], "便民暖心");
        let departments: Vec<&str> = second["leadDepartments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap())
            .collect();
        assert_eq!(departments, ["养老科", "社管科", "机关党委"]);
        let locations: Vec<&str> = second["locations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(locations, ["府文庙广场", "感德镇龙通村"]);
        let online = activities
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["seqNo"] == 5)
            .unwrap();
        assert_eq!(online["locations"][0]["online"], true);

        let departments = app.ok("{ departments { name } }", json!({}), None).await;
        assert_eq!(departments["departments"].as_array().unwrap().len(), 8);
        let plans = run(&app, "Plans", json!({}), None).await;
        assert_eq!(
            plans["data"]["plans"][0]["categories"]
                .as_array()
                .unwrap()
                .len(),
            5
        );
    }
}

#[tokio::test]
async fn a_table_without_the_required_columns_fails_and_writes_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.user(&[Role::Admin], None).await;
    let body = run(
        &app,
        "ImportPlan",
        json!({ "input": { "title": "坏表", "year": 2022, "csv": "序号,活动主题\n1,植树\n" } }),
        Some(&admin.token),
    )
    .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "csv", "{body:#}");
    let message = body["errors"][0]["message"].as_str().unwrap();
    for column in ["活动时间", "活动地点", "活动内容", "牵头科室"] {
        assert!(message.contains(column), "{message}");
    }
    let plans = app.ok("{ plans { id } }", json!({}), None).await;
    assert_eq!(plans["plans"], json!([]));
}

#[tokio::test]
async fn the_demo_data_shows_the_plan_to_anonymous_visitors() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        let body = run(&app, "ActivityFeed", json!({ "first": 50 }), None).await;
        assert!(body.get("errors").is_none(), "{backend:?}: {body:#}");
        let feed = &body["data"]["activities"];
        assert_eq!(feed["totalCount"], 17);
        assert_eq!(feed["edges"].as_array().unwrap().len(), 17);
        // The demo accounts sign in with the published password.
        let token = app
            .login(api::seed::ADMIN_PHONE, api::seed::DEMO_PASSWORD)
            .await;
        let me = run(&app, "Me", json!({}), Some(&token)).await;
        assert!(
            me["data"]["me"]["roles"]
                .as_array()
                .unwrap()
                .contains(&json!("ADMIN"))
        );
        // Seeding twice changes nothing.
        api::seed::seed_demo(&app.state)
            .await
            .expect("second seed is a no-op");
        let again = run(&app, "ActivityFeed", json!({}), None).await;
        assert_eq!(again["data"]["activities"]["totalCount"], 17);
    }
}

#[tokio::test]
async fn drafts_are_visible_to_their_organizers_only_and_the_lifecycle_is_enforced() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let other = app.user(&[Role::Organizer], Some("办公室")).await;
        let volunteer = app.user(&[Role::Volunteer], None).await;
        let elderly = app.department("养老科").await;
        let office = app.department("办公室").await;

        let forbidden = run(
            &app,
            "CreateActivity",
            json!({ "input": { "title": "不是我的", "leadDepartmentIds": [office] } }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&forbidden), "FORBIDDEN");
        let created = run(
            &app,
            "CreateActivity",
            json!({ "input": { "title": "重阳敬老", "leadDepartmentIds": [elderly], "capacity": 2,
                    "startsAt": "2030-10-04T09:00:00+08:00", "endsAt": "2030-10-04T11:00:00+08:00" } }),
            Some(&organizer.token),
        )
        .await;
        assert!(created.get("errors").is_none(), "{created:#}");
        let id = created["data"]["createActivity"]["id"].clone();
        assert_eq!(created["data"]["createActivity"]["status"], "DRAFT");
        assert_eq!(
            created["data"]["createActivity"]["startsAt"],
            "2030-10-04T09:00:00+08:00"
        );

        let feed = |token: Option<String>| {
            let app = &app;
            async move {
                run(app, "ActivityFeed", json!({}), token.as_deref()).await["data"]["activities"]["totalCount"]
                    .as_i64()
                    .unwrap()
            }
        };
        assert_eq!(feed(None).await, 0);
        assert_eq!(feed(Some(volunteer.token.clone())).await, 0);
        assert_eq!(feed(Some(other.token.clone())).await, 0);
        assert_eq!(feed(Some(organizer.token.clone())).await, 1);

        let by_other = run(
            &app,
            "PublishActivity",
            json!({ "id": id }),
            Some(&other.token),
        )
        .await;
        assert_eq!(code(&by_other), "FORBIDDEN");
        let complete_draft = run(
            &app,
            "CompleteActivity",
            json!({ "id": id }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&complete_draft), "CONFLICT");
        let published = run(
            &app,
            "PublishActivity",
            json!({ "id": id }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(published["data"]["publishActivity"]["status"], "PUBLISHED");
        assert_eq!(feed(None).await, 1);
        let early = run(
            &app,
            "CompleteActivity",
            json!({ "id": id }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&early), "CONFLICT", "not before it started: {early}");
        // It took place after all, last October.
        app.ok(
            "mutation($id: ID!) { updateActivity(id: $id, input: { startsAt: \"2025-10-04T09:00:00+08:00\", endsAt: \"2025-10-04T11:00:00+08:00\" }) { id } }",
            json!({ "id": id }),
            Some(&organizer.token),
        )
        .await;
        let completed = run(
            &app,
            "CompleteActivity",
            json!({ "id": id }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(completed["data"]["completeActivity"]["status"], "COMPLETED");
        let cancel = run(
            &app,
            "CancelActivity",
            json!({ "id": id, "reason": "下雨" }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&cancel), "CONFLICT");
    }
}

#[tokio::test]
async fn the_feed_runs_the_same_number_of_statements_for_5_and_100_activities() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        let admin = app.user(&[Role::Admin], None).await;
        // More activities than one page, linked to communities and departments.
        let csv: String = std::iter::once("序号,活动时间,活动主题,活动地点,活动内容,牵头科室,专项行动".to_owned())
            .chain((1..=120).map(|i| format!("{i},3月{}日,活动{i},\"1.源淮社区；\n2.金山社区\",内容,\"养老科\n机关党委\",便民暖心", i % 28 + 1)))
            .collect::<Vec<_>>()
            .join("\n");
        let imported = run(
            &app,
            "ImportPlan",
            json!({ "input": { "title": "大计划", "year": 2023, "csv": csv, "publish": true } }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(
            imported["data"]["importPlan"]["createdCount"], 120,
            "{imported:#}"
        );
        let volunteer = app.login("13800000010", api::seed::DEMO_PASSWORD).await;

        let mut counts = Vec::new();
        for first in [5, 100] {
            let before = app.statements();
            let body = run(
                &app,
                "ActivityFeed",
                json!({ "first": first }),
                Some(&volunteer),
            )
            .await;
            assert!(body.get("errors").is_none(), "{body:#}");
            assert_eq!(
                body["data"]["activities"]["edges"]
                    .as_array()
                    .unwrap()
                    .len(),
                first
            );
            counts.push(app.statements() - before);
        }
        assert_eq!(
            counts[0], counts[1],
            "{backend:?}: statements for 5 vs 100: {counts:?}"
        );
        assert!(
            counts[1] <= 5,
            "{backend:?}: at most 5 statements per feed request: {counts:?}"
        );
    }
}

#[tokio::test]
async fn the_feed_filters_by_department_community_dates_search_and_open_registration() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        let count = |filter: Value| {
            let app = &app;
            async move {
                let body = run(
                    app,
                    "ActivityFeed",
                    json!({ "filter": filter, "first": 100 }),
                    None,
                )
                .await;
                assert!(body.get("errors").is_none(), "{body:#}");
                body["data"]["activities"]["totalCount"].as_i64().unwrap()
            }
        };
        let departments = app.ok("{ departments { id name } }", json!({}), None).await;
        let id_of = |name: &str| {
            departments["departments"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["name"] == name)
                .unwrap()["id"]
                .clone()
        };
        // 养老科 leads rows 1, 2, 7, 15 and 16.
        assert_eq!(count(json!({ "departmentId": id_of("养老科") })).await, 5);
        let communities = run(&app, "Communities", json!({ "search": "源淮" }), None).await;
        let yuanhuai = communities["data"]["communities"][0]["id"].clone();
        // 源淮社区 appears in rows 1 and 11.
        assert_eq!(count(json!({ "communityId": yuanhuai })).await, 2);
        // March: rows 2 (3·5 前后), 3 (3·12 前后) and 4 (3-4月份).
        assert_eq!(
            count(
                json!({ "from": "2022-03-01T00:00:00+08:00", "to": "2022-03-31T23:59:59+08:00" })
            )
            .await,
            3
        );
        assert_eq!(count(json!({ "search": "雷锋" })).await, 1);
        assert_eq!(
            count(json!({ "search": "云祭扫" })).await,
            1,
            "content items are searched too"
        );
        assert_eq!(
            count(json!({ "search": "100%_" })).await,
            0,
            "LIKE wildcards are literal"
        );
        // Every row is dated in 2022: none is open in 2026.
        assert_eq!(count(json!({ "openForRegistration": true })).await, 0);
        assert_eq!(count(json!({ "status": "COMPLETED" })).await, 9);
    }
}

#[tokio::test]
async fn the_command_line_creates_accounts_and_grants_roles() {
    let app = spawn_app(Backend::Sqlite).await;
    let db = &app.state.db;
    let created = api::domain::users::service::create_from_cli(
        db,
        "13700000001",
        "long enough",
        "组织员",
        Role::Organizer,
        Some("新科室"),
    )
    .await
    .expect("created");
    assert!(created.roles.contains("ORGANIZER"));
    assert!(
        created.department_id.is_some(),
        "the department is created on the way"
    );
    let without = api::domain::users::service::create_from_cli(
        db,
        "13700000002",
        "long enough",
        "组织员",
        Role::Organizer,
        None,
    )
    .await;
    assert!(without.is_err(), "an organizer needs a department");
    let volunteer = api::domain::users::service::create_from_cli(
        db,
        "13700000003",
        "long enough",
        "志愿者",
        Role::Volunteer,
        None,
    )
    .await
    .expect("volunteer");
    let token = app.login("13700000003", "long enough").await;
    let me = run(&app, "Me", json!({}), Some(&token)).await;
    assert!(
        me["data"]["me"]["volunteer"]["id"].is_string(),
        "a volunteer gets a profile: {me}"
    );
    let granted =
        api::domain::users::service::grant_from_cli(db, "13700000003", Role::Viewer, None)
            .await
            .expect("granted");
    assert!(granted.roles.contains("VIEWER") && granted.roles.contains("VOLUNTEER"));
    assert_eq!(granted.id, volunteer.id);
}

/// The plan carried out (做好总结): summaries of completed activities, refused elsewhere
/// and out of bounds; the execution table per department and month; the year-end summary.
#[tokio::test]
async fn the_execution_table_and_the_summaries_account_for_the_plan() {
    const TABLE: &str = "序号,活动时间,活动主题,活动地点,活动内容,牵头科室\n\
        1,3月5日,学雷锋志愿服务,源淮社区,助老,养老科\n\
        2,“4·23世界读书日”前后,分享一本书,局机关,读书,养老科\n\
        3,4月10日,清洁家园,局机关,清扫,办公室\n\
        4,待定,敬老慰问,源淮社区,慰问,养老科\n";
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let imported = run(
            &app,
            "ImportPlan",
            json!({ "input": { "title": "2022年方案", "year": 2022, "csv": TABLE, "publish": true } }),
            Some(&admin.token),
        )
        .await;
        let plan = &imported["data"]["importPlan"]["plan"];
        let plan_id = plan["id"].clone();
        let id_of = |seq: i64| {
            plan["activities"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| &e["node"])
                .find(|n| n["seqNo"] == seq)
                .unwrap()["id"]
                .clone()
        };
        for seq in [1, 2] {
            run(
                &app,
                "CompleteActivity",
                json!({ "id": id_of(seq) }),
                Some(&admin.token),
            )
            .await;
        }
        run(
            &app,
            "CancelActivity",
            json!({ "id": id_of(3), "reason": "台风" }),
            Some(&admin.token),
        )
        .await;

        let submit = "mutation($a: ID!, $i: ActivitySummaryInput!) { submitActivitySummary(activityId: $a, input: $i) { text servedCount servedGroups } }";
        let summary = json!({ "text": "走访独居老人 30 户，帮助打扫卫生、测量血压。", "servedCount": 30, "servedGroups": ["空巢老人", "困难群众"] });
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let saved = app
            .ok(
                submit,
                json!({ "a": id_of(1), "i": summary }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            saved["submitActivitySummary"]["servedGroups"],
            json!(["空巢老人", "困难群众"])
        );
        for (seq, why) in [(3, "cancelled"), (4, "not held yet")] {
            let refused = app
                .gql(
                    submit,
                    json!({ "a": id_of(seq), "i": summary }),
                    Some(&admin.token),
                )
                .await;
            assert_eq!(code(&refused), "CONFLICT", "{backend:?}: {why}");
        }
        let office = app.user(&[Role::Organizer], Some("办公室")).await;
        let foreign = app
            .gql(
                submit,
                json!({ "a": id_of(2), "i": summary }),
                Some(&office.token),
            )
            .await;
        assert_eq!(code(&foreign), "FORBIDDEN", "{backend:?}");
        let groups: Vec<String> = (0..21).map(|i| format!("群体{i}")).collect();
        for (bad, field) in [
            (json!({ "text": " ", "servedCount": 1 }), "text"),
            (json!({ "text": "好", "servedCount": -1 }), "servedCount"),
            (
                json!({ "text": "好", "servedCount": 1, "servedGroups": groups }),
                "servedGroups",
            ),
        ] {
            let refused = app
                .gql(
                    submit,
                    json!({ "a": id_of(2), "i": bad }),
                    Some(&organizer.token),
                )
                .await;
            assert_eq!(code(&refused), "BAD_USER_INPUT", "{backend:?}: {refused}");
            assert_eq!(refused["errors"][0]["extensions"]["field"], field);
        }

        const EXECUTION: &str = "query($p: ID!) { planExecution(planId: $p) { department { name } month plannedCount heldCount cancelledCount undatedCount missingSummaryCount } }";
        let viewer = app.user(&[Role::Viewer], None).await;
        let table = app
            .ok(EXECUTION, json!({ "p": plan_id }), Some(&viewer.token))
            .await;
        let mut rows: Vec<Value> = table["planExecution"].as_array().unwrap().clone();
        rows.sort_by_key(|r| (r["department"]["name"].to_string(), r["month"].to_string()));
        let mut expected = vec![
            json!({ "department": { "name": "养老科" }, "month": "2022-03", "plannedCount": 1, "heldCount": 1, "cancelledCount": 0, "undatedCount": 0, "missingSummaryCount": 0 }),
            json!({ "department": { "name": "养老科" }, "month": "2022-04", "plannedCount": 1, "heldCount": 1, "cancelledCount": 0, "undatedCount": 0, "missingSummaryCount": 1 }),
            json!({ "department": { "name": "养老科" }, "month": null, "plannedCount": 1, "heldCount": 0, "cancelledCount": 0, "undatedCount": 1, "missingSummaryCount": 0 }),
            json!({ "department": { "name": "办公室" }, "month": "2022-04", "plannedCount": 1, "heldCount": 0, "cancelledCount": 1, "undatedCount": 0, "missingSummaryCount": 0 }),
        ];
        expected.sort_by_key(|r| (r["department"]["name"].to_string(), r["month"].to_string()));
        assert_eq!(rows, expected, "{backend:?}");
        let own = app
            .ok(EXECUTION, json!({ "p": plan_id }), Some(&office.token))
            .await;
        assert_eq!(
            own["planExecution"].as_array().unwrap().len(),
            1,
            "{backend:?}: its own rows only"
        );

        let summary = app
            .ok(
                "query($p: ID!) { planSummary(planId: $p) { plannedCount heldCount cancelledCount servedCount activities { activity { seqNo } summary { servedCount } } } }",
                json!({ "p": plan_id }),
                Some(&viewer.token),
            )
            .await;
        let summary = &summary["planSummary"];
        assert_eq!(
            (
                summary["plannedCount"].clone(),
                summary["heldCount"].clone(),
                summary["cancelledCount"].clone(),
                summary["servedCount"].clone()
            ),
            (json!(4), json!(2), json!(1), json!(30)),
            "{backend:?}"
        );
        assert_eq!(summary["activities"][0]["summary"]["servedCount"], 30);
        assert!(summary["activities"][1]["summary"].is_null());
    }
}

#[tokio::test]
async fn a_signed_in_activity_page_runs_two_statements_and_shows_each_viewer_their_own() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer) = crate::helpers::open_activity(&app, Some(10)).await;
        let survey = run(
            &app,
            "CreateSurvey",
            json!({ "input": { "title": "活动满意度", "activityId": id, "anonymous": false,
                    "questions": [{ "kind": "SATISFACTION", "prompt": "总体评价" }] } }),
            Some(&organizer.token),
        )
        .await;
        let survey_id = survey["data"]["createSurvey"]["id"].clone();
        let question = survey["data"]["createSurvey"]["questions"][0]["id"].clone();
        let opened = run(
            &app,
            "OpenSurvey",
            json!({ "id": survey_id }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(opened["data"]["openSurvey"]["status"], "OPEN", "{opened}");
        let volunteers = app.volunteers(2).await;
        let (first, second) = (&volunteers[0], &volunteers[1]);
        let registered = run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": id }),
            Some(&first.token),
        )
        .await;
        assert_eq!(
            registered["data"]["registerForActivity"]["status"], "REGISTERED",
            "{registered}"
        );
        let answered = run(
            &app,
            "SubmitSurveyResponse",
            json!({ "input": { "surveyId": survey_id, "channel": "MINI_PROGRAM",
                    "answers": [{ "questionId": question, "level": "SATISFIED" }] } }),
            Some(&first.token),
        )
        .await;
        assert!(answered.get("errors").is_none(), "{answered:#}");

        // The first request after the writes reads the public part; the next ones do not.
        let detail = |token: String| {
            let app = &app;
            let id = id.clone();
            async move {
                let before = app.statements();
                let body = run(app, "ActivityDetail", json!({ "id": id }), Some(&token)).await;
                assert!(body.get("errors").is_none(), "{body:#}");
                (body["data"]["activity"].clone(), app.statements() - before)
            }
        };
        detail(first.token.clone()).await;
        let (mine, statements) = detail(first.token.clone()).await;
        assert!(
            statements <= 2,
            "{backend:?}: a signed-in activity page ran {statements} statements"
        );
        assert_eq!(mine["registeredCount"], 1, "{mine:#}");
        assert_eq!(mine["viewerRegistration"]["status"], "REGISTERED");
        assert_eq!(mine["survey"]["viewerHasResponded"], true, "{mine:#}");
        assert_eq!(mine["leadDepartments"][0]["name"], "养老科");

        let (theirs, statements) = detail(second.token.clone()).await;
        assert!(statements <= 2, "{backend:?}: {statements} statements");
        assert_eq!(theirs["registeredCount"], 1);
        assert!(theirs["viewerRegistration"].is_null(), "{theirs:#}");
        assert_eq!(theirs["survey"]["viewerHasResponded"], false);

        // A change shows at once: the second volunteer registers and both see two places taken.
        run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": id }),
            Some(&second.token),
        )
        .await;
        let (theirs, _) = detail(second.token.clone()).await;
        assert_eq!(theirs["registeredCount"], 2, "{theirs:#}");
        assert_eq!(theirs["viewerRegistration"]["status"], "REGISTERED");
        let (mine, _) = detail(first.token.clone()).await;
        assert_eq!(mine["registeredCount"], 2);
        assert_eq!(mine["viewerRegistration"]["status"], "REGISTERED");

        // A draft stays invisible to volunteers, cached or not.
        let cancelled = run(
            &app,
            "CancelActivity",
            json!({ "id": id, "reason": "下雨" }),
            Some(&organizer.token),
        )
        .await;
        assert!(cancelled.get("errors").is_none(), "{cancelled:#}");
        let (gone, _) = detail(first.token.clone()).await;
        assert!(
            gone.is_null(),
            "{backend:?}: a cancelled activity: {gone:#}"
        );
    }
}

/// The contract's ActivityFeed under another operation name: the same fields, left to the
/// executor (the precompiled answer recognises the contract's text only).
fn executed_feed() -> String {
    crate::helpers::op("ActivityFeed").replace("query ActivityFeed(", "query ActivityFeedExecuted(")
}

/// Answers of `operation` made without the executor, by the process's counter. Tests
/// running at the same time add to it too, so it may overstate one test's own; the
/// answers' equality with the executor's is what each test asserts first.
fn precompiled_answers(metrics: &str, operation: &str) -> u64 {
    let label = format!("operation=\"{operation}\"");
    metrics
        .lines()
        .filter(|line| {
            line.starts_with("tongxin_graphql_precompiled_total") && line.contains(&label)
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

#[tokio::test]
async fn the_signed_in_feed_answered_without_the_executor_is_the_executors_answer() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        // One place: the first volunteer holds it, the second waits for it.
        let (id, _) = crate::helpers::open_activity(&app, Some(1)).await;
        let volunteers = app.volunteers(3).await;
        for volunteer in &volunteers[..2] {
            let body = run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&volunteer.token),
            )
            .await;
            assert!(body.get("errors").is_none(), "{body:#}");
        }
        let before = precompiled_answers(&app.metrics().await, "ActivityFeed");
        let mut compared = 0;
        for volunteer in &volunteers {
            let mut after: Option<String> = None;
            for first in [3, 5, 100] {
                let variables = json!({ "first": first, "after": after });
                let fast = run(
                    &app,
                    "ActivityFeed",
                    variables.clone(),
                    Some(&volunteer.token),
                )
                .await;
                let executed = app
                    .post_json(
                        &json!({ "query": executed_feed(), "operationName": "ActivityFeedExecuted",
                                 "variables": variables }),
                        Some(&volunteer.token),
                    )
                    .await
                    .json::<Value>()
                    .await
                    .expect("JSON");
                assert!(executed.get("errors").is_none(), "{executed:#}");
                assert_eq!(fast, executed, "{backend:?}: first {first} after {after:?}");
                compared += 1;
                after = fast["data"]["activities"]["pageInfo"]["endCursor"]
                    .as_str()
                    .map(str::to_owned);
            }
        }
        // The registrations show as each volunteer's own, on the page that holds them.
        let mine = |token: &str| {
            let app = &app;
            let token = token.to_owned();
            let id = id.clone();
            async move {
                let body = run(app, "ActivityFeed", json!({ "first": 100 }), Some(&token)).await;
                body["data"]["activities"]["edges"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|edge| edge["node"]["id"] == id.as_str())
                    .map(|edge| edge["node"]["viewerRegistration"].clone())
                    .expect("the activity is on the page")
            }
        };
        assert_eq!(mine(&volunteers[0].token).await["status"], "REGISTERED");
        let waiting = mine(&volunteers[1].token).await;
        assert_eq!(waiting["status"], "WAITLISTED");
        assert_eq!(waiting["waitlistPosition"], 1);
        assert!(mine(&volunteers[2].token).await.is_null());
        // Each contract feed above was answered without the executor.
        let answered = precompiled_answers(&app.metrics().await, "ActivityFeed") - before;
        assert!(
            answered >= compared,
            "{backend:?}: {answered} precompiled answers for {compared} requests"
        );
        // A filter goes to the executor, and still answers.
        let filtered = run(
            &app,
            "ActivityFeed",
            json!({ "first": 5, "filter": { "status": "PUBLISHED" } }),
            Some(&volunteers[0].token),
        )
        .await;
        assert!(filtered.get("errors").is_none(), "{filtered:#}");
        // A bad cursor gets the executor's coded error.
        let refused = run(
            &app,
            "ActivityFeed",
            json!({ "first": 5, "after": "not-a-cursor" }),
            Some(&volunteers[0].token),
        )
        .await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused:#}");
    }
}

/// The contract's ActivityDetail under another operation name: the same fields, left to the
/// executor.
fn executed_detail() -> String {
    crate::helpers::op("ActivityDetail")
        .replace("query ActivityDetail(", "query ActivityDetailExecuted(")
}

#[tokio::test]
async fn the_signed_in_activity_page_answered_without_the_executor_is_the_executors_answer() {
    use sea_orm::{EntityTrait, QueryOrder};
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        // The demo's plan: categories, locations with and without communities, pairings,
        // a survey with answers, and drafts.
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        // One place and a survey: the first volunteer holds the place and answered, the
        // second waits, the third has nothing to do with it.
        let (id, organizer) = crate::helpers::open_activity(&app, Some(1)).await;
        let survey = run(
            &app,
            "CreateSurvey",
            json!({ "input": { "title": "活动满意度", "activityId": id, "anonymous": false,
                    "questions": [{ "kind": "SATISFACTION", "prompt": "总体评价" }] } }),
            Some(&organizer.token),
        )
        .await;
        let survey_id = survey["data"]["createSurvey"]["id"].clone();
        let question = survey["data"]["createSurvey"]["questions"][0]["id"].clone();
        run(
            &app,
            "OpenSurvey",
            json!({ "id": survey_id }),
            Some(&organizer.token),
        )
        .await;
        let volunteers = app.volunteers(3).await;
        for volunteer in &volunteers[..2] {
            let body = run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&volunteer.token),
            )
            .await;
            assert!(body.get("errors").is_none(), "{body:#}");
        }
        let answered = run(
            &app,
            "SubmitSurveyResponse",
            json!({ "input": { "surveyId": survey_id, "channel": "MINI_PROGRAM",
                    "answers": [{ "questionId": question, "level": "SATISFIED" }] } }),
            Some(&volunteers[0].token),
        )
        .await;
        assert!(answered.get("errors").is_none(), "{answered:#}");

        let ids: Vec<i32> = entity::activity::Entity::find()
            .order_by_asc(entity::activity::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        let before = precompiled_answers(&app.metrics().await, "ActivityDetail");
        let mut tokens: Vec<&str> = volunteers.iter().map(|v| v.token.as_str()).collect();
        tokens.push(&organizer.token);
        let mut shown = 0;
        for token in tokens {
            for activity in &ids {
                let variables = json!({ "id": activity.to_string() });
                let fast = run(&app, "ActivityDetail", variables.clone(), Some(token)).await;
                let executed = app
                    .post_json(
                        &json!({ "query": executed_detail(), "operationName": "ActivityDetailExecuted",
                                 "variables": variables }),
                        Some(token),
                    )
                    .await
                    .json::<Value>()
                    .await
                    .expect("JSON");
                assert!(executed.get("errors").is_none(), "{executed:#}");
                assert_eq!(fast, executed, "{backend:?}: activity {activity}");
                shown += usize::from(!fast["data"]["activity"].is_null());
            }
        }
        // Most of those pages were answered without the executor: every one shown but the
        // few whose survey is a draft.
        let answered = precompiled_answers(&app.metrics().await, "ActivityDetail") - before;
        assert!(
            answered as usize * 10 >= shown * 9,
            "{backend:?}: {answered} precompiled answers for {shown} pages shown"
        );
        // The page of the activity with a place, a waitlist and a survey, as each sees it.
        let page = |token: String| {
            let app = &app;
            let id = id.clone();
            async move {
                run(app, "ActivityDetail", json!({ "id": id }), Some(&token)).await["data"]
                    ["activity"]
                    .clone()
            }
        };
        let mine = page(volunteers[0].token.clone()).await;
        assert_eq!(
            mine["viewerRegistration"]["status"], "REGISTERED",
            "{mine:#}"
        );
        assert_eq!(mine["survey"]["viewerHasResponded"], true);
        let waiting = page(volunteers[1].token.clone()).await;
        assert_eq!(waiting["viewerRegistration"]["status"], "WAITLISTED");
        assert_eq!(waiting["viewerRegistration"]["waitlistPosition"], 1);
        assert_eq!(waiting["survey"]["viewerHasResponded"], false);
        let theirs = page(volunteers[2].token.clone()).await;
        assert!(theirs["viewerRegistration"].is_null(), "{theirs:#}");
        // An id the resolver refuses is the executor's to answer, with its code.
        let refused = run(
            &app,
            "ActivityDetail",
            json!({ "id": "-3" }),
            Some(&volunteers[0].token),
        )
        .await;
        assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused:#}");
    }
}
