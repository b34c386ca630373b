//! Communities and pairing arrangements.

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::run;
use crate::helpers::{Backend, code, spawn_app};

#[tokio::test]
async fn pairing_rules_progress_and_the_active_filter_at_the_edges() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let organizer = app.user(&[Role::Organizer], Some("机关党委")).await;
        let admin = app.user(&[Role::Admin], None).await;
        let party = app.department("机关党委").await;
        let office = app.department("办公室").await;
        let community = run(
            &app,
            "CreateCommunity",
            json!({ "input": { "name": "马厂社区", "district": "鲤城区", "kind": "COMMUNITY" } }),
            Some(&organizer.token),
        )
        .await;
        let community_id = community["data"]["createCommunity"]["id"].clone();
        let found = run(&app, "Communities", json!({ "search": "马厂" }), None).await;
        assert_eq!(found["data"]["communities"].as_array().unwrap().len(), 1);

        let input = |department: &Value, starts: &str, ends: Option<&str>| {
            json!({ "input": { "kind": "CO_BUILDING", "departmentId": department, "communityId": community_id,
                    "startsOn": starts, "endsOn": ends, "commitments": ["开展志愿服务“十个一”行动"], "targetActivityCount": 10 } })
        };
        let backwards = run(
            &app,
            "CreatePairing",
            input(&party, "2026-03-01", Some("2026-02-01")),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&backwards), "BAD_USER_INPUT");
        let not_mine = run(
            &app,
            "CreatePairing",
            input(&office, "2026-01-01", None),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&not_mine), "FORBIDDEN");
        let created = run(
            &app,
            "CreatePairing",
            input(&party, "2026-01-01", Some("2026-06-30")),
            Some(&organizer.token),
        )
        .await;
        assert!(created.get("errors").is_none(), "{created}");
        let pairing_id = created["data"]["createPairing"]["id"].clone();
        let clash = run(
            &app,
            "CreatePairing",
            input(&party, "2026-06-30", None),
            Some(&admin.token),
        )
        .await;
        assert_eq!(code(&clash), "CONFLICT");
        let after = run(
            &app,
            "CreatePairing",
            input(&party, "2026-07-01", None),
            Some(&admin.token),
        )
        .await;
        assert!(
            after.get("errors").is_none(),
            "a later period does not clash: {after}"
        );

        // Active on its first and last day, not the day before or after.
        for (day, expected) in [
            ("2025-12-31", false),
            ("2026-01-01", true),
            ("2026-06-30", true),
            ("2026-07-01", false),
        ] {
            let listed = run(
                &app,
                "Pairings",
                json!({ "filter": { "activeOn": day, "departmentId": party } }),
                None,
            )
            .await;
            let ids: Vec<&Value> = listed["data"]["pairings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| &p["id"])
                .collect();
            assert_eq!(ids.contains(&&pairing_id), expected, "{day}: {listed}");
        }

        // Only activities of a lead department may link; only COMPLETED ones count.
        let office_activity = run(
            &app,
            "CreateActivity",
            json!({ "input": { "title": "别人的", "leadDepartmentIds": [office], "pairingId": pairing_id } }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(code(&office_activity), "BAD_USER_INPUT");
        assert_eq!(
            office_activity["errors"][0]["extensions"]["field"],
            "pairingId"
        );
        let mut ids = Vec::new();
        for (day, title) in ["结对活动一", "结对活动二", "结对活动三"]
            .iter()
            .enumerate()
        {
            // Held in March at the community (completing needs the activity to have started).
            let body = run(
                &app,
                "CreateActivity",
                json!({ "input": { "title": title, "leadDepartmentIds": [office, party], "pairingId": pairing_id,
                        "locations": [{ "name": "社区活动中心", "communityId": community_id }],
                        "startsAt": format!("2026-03-0{}T09:00:00+08:00", day + 1),
                        "endsAt": format!("2026-03-0{}T11:00:00+08:00", day + 1) } }),
                Some(&admin.token),
            )
            .await;
            assert!(body.get("errors").is_none(), "{body}");
            let id = body["data"]["createActivity"]["id"].clone();
            run(
                &app,
                "PublishActivity",
                json!({ "id": id }),
                Some(&admin.token),
            )
            .await;
            ids.push(id);
        }
        // The contract's page shows the pairing with its community (read in the
        // activity's row), and no plan.
        let page = run(&app, "ActivityDetail", json!({ "id": ids[0] }), None).await;
        let pairing = &page["data"]["activity"]["pairing"];
        assert_eq!(pairing["id"], pairing_id, "{backend:?}: {page:#}");
        assert_eq!(pairing["kind"], "CO_BUILDING");
        assert_eq!(pairing["community"]["id"], community_id);
        assert_eq!(pairing["community"]["name"], "马厂社区");
        assert!(page["data"]["activity"]["plan"].is_null(), "{page:#}");
        run(
            &app,
            "CompleteActivity",
            json!({ "id": ids[0] }),
            Some(&admin.token),
        )
        .await;
        run(
            &app,
            "CompleteActivity",
            json!({ "id": ids[1] }),
            Some(&admin.token),
        )
        .await;
        let listed = run(
            &app,
            "Pairings",
            json!({ "filter": { "departmentId": party } }),
            None,
        )
        .await;
        let pairing = listed["data"]["pairings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == pairing_id)
            .unwrap();
        assert_eq!(pairing["completedActivityCount"], 2, "{pairing}");
        assert_eq!(pairing["activities"]["totalCount"], 3);
        let linked = run(
            &app,
            "ActivityFeed",
            json!({ "filter": { "pairingId": pairing_id } }),
            None,
        )
        .await;
        assert_eq!(linked["data"]["activities"]["totalCount"], 3);

        let ended = run(
            &app,
            "EndPairing",
            json!({ "id": pairing_id, "endsOn": "2025-01-01" }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&ended), "BAD_USER_INPUT", "an end before the start");
        let other_org = app.user(&[Role::Organizer], Some("办公室")).await;
        let foreign = run(
            &app,
            "EndPairing",
            json!({ "id": pairing_id, "endsOn": "2026-05-01" }),
            Some(&other_org.token),
        )
        .await;
        assert_eq!(code(&foreign), "FORBIDDEN");
        let ended = run(
            &app,
            "EndPairing",
            json!({ "id": pairing_id, "endsOn": "2026-05-01" }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(ended["data"]["endPairing"]["endsOn"], "2026-05-01");
    }
}

const PROGRESS: &str = "query($department: ID) {
    pairings(filter: { departmentId: $department }) { id completedActivityCount }
}";

const DASHBOARD_PROGRESS: &str = "query {
    dashboard { pairingProgress { pairing { id } completedActivityCount } }
}";

/// Creates, publishes and completes an activity of 机关党委 under the pairing.
async fn held(
    app: &crate::helpers::TestApp,
    token: &str,
    party: &Value,
    pairing: &Value,
    title: &str,
    day: &str,
    locations: Value,
) -> Value {
    let body = run(
        app,
        "CreateActivity",
        json!({ "input": { "title": title, "leadDepartmentIds": [party], "pairingId": pairing,
                "locations": locations,
                "startsAt": format!("{day}T09:00:00+08:00"), "endsAt": format!("{day}T11:00:00+08:00") } }),
        Some(token),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let id = body["data"]["createActivity"]["id"].clone();
    for op in ["PublishActivity", "CompleteActivity"] {
        let done = run(app, op, json!({ "id": id }), Some(token)).await;
        assert!(done.get("errors").is_none(), "{op}: {done}");
    }
    id
}

#[tokio::test]
async fn only_activities_held_in_the_period_at_the_community_count_and_ending_cannot_overlap() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let party = app.department("机关党委").await;
        let created = app
            .ok(
                "mutation { a: createCommunity(input: { name: \"马厂社区\", kind: COMMUNITY }) { id }
                            b: createCommunity(input: { name: \"金山社区\", kind: COMMUNITY }) { id } }",
                json!({}),
                Some(&admin.token),
            )
            .await;
        let machang = created["a"]["id"].clone();
        let jinshan = created["b"]["id"].clone();
        let pairing = |starts: &str, ends: Option<&str>| {
            json!({ "input": { "kind": "CO_BUILDING", "departmentId": party, "communityId": machang,
                    "startsOn": starts, "endsOn": ends, "targetActivityCount": 10 } })
        };
        let first = run(
            &app,
            "CreatePairing",
            pairing("2026-03-01", Some("2026-06-30")),
            Some(&admin.token),
        )
        .await;
        let first = first["data"]["createPairing"]["id"].clone();

        // Counted: at the community by its link, by a location's name, by an address, by the title.
        held(
            &app,
            &admin.token,
            &party,
            &first,
            "共建一",
            "2026-03-10",
            json!([{ "name": "活动中心", "communityId": machang }]),
        )
        .await;
        held(
            &app,
            &admin.token,
            &party,
            &first,
            "共建二",
            "2026-04-10",
            json!([{ "name": "局机关" }, { "name": "马厂社区党群服务中心" }]),
        )
        .await;
        held(
            &app,
            &admin.token,
            &party,
            &first,
            "共建三",
            "2026-05-10",
            json!([{ "name": "文化广场", "address": "鲤城区马厂社区12号" }]),
        )
        .await;
        held(
            &app,
            &admin.token,
            &party,
            &first,
            "走进马厂社区",
            "2026-06-30",
            json!([]),
        )
        .await;
        // Not counted: elsewhere, before the period, after it.
        held(
            &app,
            &admin.token,
            &party,
            &first,
            "别处",
            "2026-04-11",
            json!([{ "name": "金山社区", "communityId": jinshan }]),
        )
        .await;
        held(
            &app,
            &admin.token,
            &party,
            &first,
            "开始之前",
            "2026-02-28",
            json!([{ "name": "活动中心", "communityId": machang }]),
        )
        .await;
        held(
            &app,
            &admin.token,
            &party,
            &first,
            "结束之后",
            "2026-07-01",
            json!([{ "name": "活动中心", "communityId": machang }]),
        )
        .await;

        let listed = app
            .ok(PROGRESS, json!({ "department": party }), Some(&admin.token))
            .await;
        let count = |body: &Value, path: &str, id: &Value| -> Value {
            body[path]
                .as_array()
                .unwrap()
                .iter()
                .find(|row| {
                    if path == "pairings" {
                        &row["id"] == id
                    } else {
                        &row["pairing"]["id"] == id
                    }
                })
                .map(|row| row["completedActivityCount"].clone())
                .unwrap_or(Value::Null)
        };
        assert_eq!(count(&listed, "pairings", &first), 4, "{listed}");
        let dashboard = app
            .ok(DASHBOARD_PROGRESS, json!({}), Some(&viewer.token))
            .await;
        assert_eq!(
            count(&dashboard["dashboard"], "pairingProgress", &first),
            4,
            "{dashboard}"
        );
        // All seven stay linked.
        let linked = run(
            &app,
            "ActivityFeed",
            json!({ "filter": { "pairingId": first } }),
            None,
        )
        .await;
        assert_eq!(linked["data"]["activities"]["totalCount"], 7);

        // A second period from July; the first cannot be extended over it.
        let second = run(
            &app,
            "CreatePairing",
            pairing("2026-07-01", None),
            Some(&admin.token),
        )
        .await;
        let second = second["data"]["createPairing"]["id"].clone();
        let extended = run(
            &app,
            "EndPairing",
            json!({ "id": first, "endsOn": "2026-07-01" }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(code(&extended), "CONFLICT", "{extended}");
        assert_eq!(
            extended["errors"][0]["extensions"]["reason"],
            "PAIRING_OVERLAPS"
        );
        // Shortening is fine, and the activity of June 30 then falls outside.
        let shortened = run(
            &app,
            "EndPairing",
            json!({ "id": first, "endsOn": "2026-06-29" }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(
            shortened["data"]["endPairing"]["endsOn"], "2026-06-29",
            "{shortened}"
        );
        let listed = app
            .ok(PROGRESS, json!({ "department": party }), Some(&admin.token))
            .await;
        assert_eq!(count(&listed, "pairings", &first), 3, "{listed}");
        let dashboard = app
            .ok(DASHBOARD_PROGRESS, json!({}), Some(&viewer.token))
            .await;
        assert_eq!(
            count(&dashboard["dashboard"], "pairingProgress", &first),
            3,
            "{dashboard}"
        );
        // The open-ended second one cannot be ended before its start, nor reach back.
        let back = run(
            &app,
            "EndPairing",
            json!({ "id": second, "endsOn": "2026-06-30" }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(code(&back), "BAD_USER_INPUT", "{back}");
        let ended = run(
            &app,
            "EndPairing",
            json!({ "id": second, "endsOn": "2026-12-31" }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(
            ended["data"]["endPairing"]["endsOn"], "2026-12-31",
            "{ended}"
        );
        // The activity after the first period does not count for the second either: it is
        // linked to the first.
        assert_eq!(
            count(
                &app.ok(PROGRESS, json!({ "department": party }), Some(&admin.token))
                    .await,
                "pairings",
                &second
            ),
            0
        );
    }
}

const SET_COMMITMENTS: &str = "mutation($id: ID!, $items: [CommitmentInput!]!) {
    setPairingCommitments(pairingId: $id, commitments: $items) {
        commitments commitmentProgress { id name target unit done }
    }
}";

const TICK: &str = "mutation($id: ID!, $ids: [ID!]!) {
    setActivityCommitments(activityId: $id, commitmentIds: $ids) { id commitments { name done } }
}";

const COMMITMENTS: &str = "query($department: ID) {
    pairings(filter: { departmentId: $department }) { id commitments commitmentProgress { id name target unit done } }
}";

#[tokio::test]
async fn commitment_progress_counts_the_linked_activities_and_their_approved_hours() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("机关党委")).await;
        let stranger = app.user(&[Role::Organizer], Some("办公室")).await;
        let volunteers = app.volunteers(2).await;
        let party = app.department("机关党委").await;
        let created = app
            .ok(
                "mutation { a: createCommunity(input: { name: \"马厂社区\", kind: COMMUNITY }) { id }
                            b: createCommunity(input: { name: \"金山社区\", kind: COMMUNITY }) { id } }",
                json!({}),
                Some(&admin.token),
            )
            .await;
        let machang = created["a"]["id"].clone();
        let jinshan = created["b"]["id"].clone();
        let new_pairing = |community: &Value| {
            json!({ "input": { "kind": "CO_BUILDING", "departmentId": party, "communityId": community,
                    "startsOn": "2026-01-01", "commitments": ["开展一次理论宣讲", "旧承诺"], "targetActivityCount": 10 } })
        };
        let pairing = run(
            &app,
            "CreatePairing",
            new_pairing(&machang),
            Some(&organizer.token),
        )
        .await;
        let pairing = pairing["data"]["createPairing"]["id"].clone();
        let other = run(
            &app,
            "CreatePairing",
            new_pairing(&jinshan),
            Some(&organizer.token),
        )
        .await;
        let other = other["data"]["createPairing"]["id"].clone();

        // The texts of createPairing became commitments of one activity each.
        let listed = app
            .ok(COMMITMENTS, json!({ "department": party }), None)
            .await;
        let first = listed["pairings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == pairing)
            .unwrap();
        assert_eq!(
            first["commitmentProgress"],
            json!([
                { "id": first["commitmentProgress"][0]["id"], "name": "开展一次理论宣讲", "target": 1, "unit": "ACTIVITIES", "done": 0.0 },
                { "id": first["commitmentProgress"][1]["id"], "name": "旧承诺", "target": 1, "unit": "ACTIVITIES", "done": 0.0 },
            ])
        );
        let kept_id = first["commitmentProgress"][0]["id"].clone();

        // Configured per pairing: refused when not one's own, repeated, out of range, too many.
        let items = json!([
            { "name": "开展一次理论宣讲", "target": 2, "unit": "ACTIVITIES" },
            { "name": "志愿服务时长", "target": 20, "unit": "HOURS" },
        ]);
        let foreign = app
            .gql(
                SET_COMMITMENTS,
                json!({ "id": pairing, "items": items }),
                Some(&stranger.token),
            )
            .await;
        assert_eq!(code(&foreign), "FORBIDDEN");
        let volunteer = app
            .gql(
                SET_COMMITMENTS,
                json!({ "id": pairing, "items": items }),
                Some(&volunteers[0].token),
            )
            .await;
        assert_eq!(code(&volunteer), "FORBIDDEN");
        for (bad, field) in [
            (json!([{ "name": "甲", "target": 1, "unit": "HOURS" }, { "name": "甲", "target": 2, "unit": "HOURS" }]), "commitments.name"),
            (json!([{ "name": "甲", "target": 0, "unit": "HOURS" }]), "commitments.target"),
            (json!([{ "name": "甲", "target": 100001, "unit": "HOURS" }]), "commitments.target"),
            (json!([{ "name": "", "target": 1, "unit": "HOURS" }]), "commitments.name"),
            (json!([{ "name": "长".repeat(501), "target": 1, "unit": "HOURS" }]), "commitments.name"),
            (json!((0..51).map(|i| json!({ "name": format!("第{i}项"), "target": 1, "unit": "ACTIVITIES" })).collect::<Vec<_>>()), "commitments"),
        ] {
            let refused = app.gql(SET_COMMITMENTS, json!({ "id": pairing, "items": bad }), Some(&organizer.token)).await;
            assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
            assert_eq!(refused["errors"][0]["extensions"]["field"], field, "{refused}");
        }
        let set = app
            .ok(
                SET_COMMITMENTS,
                json!({ "id": pairing, "items": items }),
                Some(&organizer.token),
            )
            .await;
        let progress = &set["setPairingCommitments"]["commitmentProgress"];
        assert_eq!(
            set["setPairingCommitments"]["commitments"],
            json!(["开展一次理论宣讲", "志愿服务时长"])
        );
        assert_eq!(progress[0]["id"], kept_id, "kept by name, same id");
        assert_eq!(progress[1]["unit"], "HOURS");
        let talk = progress[0]["id"].clone();
        let hours = progress[1]["id"].clone();
        let other_listed = app
            .ok(COMMITMENTS, json!({ "department": party }), None)
            .await;
        let foreign_commitment = other_listed["pairings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == other)
            .unwrap()["commitmentProgress"][0]["id"]
            .clone();

        // Activities of the pairing tick them; only those that count towards it count.
        let at_community = json!([{ "name": "活动中心", "communityId": machang }]);
        let a1 = held(
            &app,
            &organizer.token,
            &party,
            &pairing,
            "宣讲一",
            "2026-03-10",
            at_community.clone(),
        )
        .await;
        let a2 = held(
            &app,
            &organizer.token,
            &party,
            &pairing,
            "宣讲二",
            "2026-04-10",
            at_community.clone(),
        )
        .await;
        let elsewhere = held(
            &app,
            &organizer.token,
            &party,
            &pairing,
            "别处宣讲",
            "2026-04-12",
            json!([{ "name": "金山社区", "communityId": jinshan }]),
        )
        .await;
        let planned = run(&app, "CreateActivity",
            json!({ "input": { "title": "尚未举行", "leadDepartmentIds": [party], "pairingId": pairing, "locations": at_community,
                    "startsAt": "2026-05-10T09:00:00+08:00", "endsAt": "2026-05-10T11:00:00+08:00" } }),
            Some(&organizer.token)).await;
        let planned = planned["data"]["createActivity"]["id"].clone();

        let wrong = app
            .gql(
                TICK,
                json!({ "id": a1, "ids": [talk, foreign_commitment] }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&wrong), "BAD_USER_INPUT", "{wrong}");
        assert_eq!(
            wrong["errors"][0]["extensions"]["reason"],
            "COMMITMENT_NOT_OF_PAIRING"
        );
        let foreign = app
            .gql(
                TICK,
                json!({ "id": a1, "ids": [talk] }),
                Some(&stranger.token),
            )
            .await;
        assert_eq!(code(&foreign), "FORBIDDEN");
        let ticked = app
            .ok(
                TICK,
                json!({ "id": a1, "ids": [talk, hours] }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            ticked["setActivityCommitments"]["commitments"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        for id in [&a2, &elsewhere, &planned] {
            app.ok(
                TICK,
                json!({ "id": id, "ids": [talk] }),
                Some(&organizer.token),
            )
            .await;
        }
        // Hours: approved ones count (3 + 2.5), a pending one does not; a2's hours tick
        // nothing under HOURS since a2 does not tick it.
        let mut volunteer_ids = Vec::new();
        for v in &volunteers {
            let me = run(&app, "Me", json!({}), Some(&v.token)).await;
            volunteer_ids.push(me["data"]["me"]["volunteer"]["id"].clone());
        }
        let mut approve = Vec::new();
        for (activity, volunteer, h, approved) in [
            (&a1, &volunteer_ids[0], 3.0, true),
            (&a1, &volunteer_ids[1], 2.5, true),
            (&a2, &volunteer_ids[0], 4.0, true),
            (&elsewhere, &volunteer_ids[0], 5.0, true),
        ] {
            let recorded = run(&app, "RecordServiceHours",
                json!({ "input": { "activityId": activity, "volunteerId": volunteer, "hours": h } }),
                Some(&organizer.token)).await;
            assert!(recorded.get("errors").is_none(), "{recorded}");
            if approved {
                approve.push(recorded["data"]["recordServiceHours"]["id"].clone());
            }
        }
        let reviewed = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": approve, "decision": "APPROVE" }),
            Some(&organizer.token),
        )
        .await;
        assert!(reviewed.get("errors").is_none(), "{reviewed}");
        let pending = run(&app, "RecordServiceHours",
            json!({ "input": { "activityId": a1, "volunteerId": volunteer_ids[0], "hours": 1, "serviceDate": "2026-03-10" } }),
            Some(&organizer.token)).await;
        assert_eq!(code(&pending), "CONFLICT", "one record per day: {pending}");

        let done = |body: &Value| -> Vec<(String, f64)> {
            body["pairings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == pairing)
                .unwrap()["commitmentProgress"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap().to_owned(),
                        c["done"].as_f64().unwrap(),
                    )
                })
                .collect()
        };
        let listed = app
            .ok(COMMITMENTS, json!({ "department": party }), None)
            .await;
        assert_eq!(
            done(&listed),
            vec![
                ("开展一次理论宣讲".to_owned(), 2.0),
                ("志愿服务时长".to_owned(), 5.5)
            ]
        );
        // Read from the activity, the same progress.
        let from_activity = app
            .ok(
                "query($id: ID!) { activity(id: $id) { commitments { name done } } }",
                json!({ "id": a1 }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            from_activity["activity"]["commitments"],
            json!([
            { "name": "开展一次理论宣讲", "done": 2.0 }, { "name": "志愿服务时长", "done": 5.5 }])
        );

        // Unticking a1 leaves a2 for the talk and nothing for the hours.
        app.ok(TICK, json!({ "id": a1, "ids": [] }), Some(&organizer.token))
            .await;
        let listed = app
            .ok(COMMITMENTS, json!({ "department": party }), None)
            .await;
        assert_eq!(
            done(&listed),
            vec![
                ("开展一次理论宣讲".to_owned(), 1.0),
                ("志愿服务时长".to_owned(), 0.0)
            ]
        );

        // A planned activity moved to another pairing loses its ticks.
        let moved = run(
            &app,
            "UpdateActivity",
            json!({ "id": planned, "input": { "pairingId": other } }),
            Some(&organizer.token),
        )
        .await;
        assert!(moved.get("errors").is_none(), "{moved}");
        let planned_now = app
            .ok(
                "query($id: ID!) { activity(id: $id) { commitments { name } } }",
                json!({ "id": planned }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(planned_now["activity"]["commitments"], json!([]));

        // A commitment left out is gone with its ticks; one kept keeps them.
        let set = app.ok(SET_COMMITMENTS, json!({ "id": pairing, "items": [{ "name": "开展一次理论宣讲", "target": 5, "unit": "ACTIVITIES" }] }),
            Some(&organizer.token)).await;
        assert_eq!(
            set["setPairingCommitments"]["commitmentProgress"],
            json!([
            { "id": talk, "name": "开展一次理论宣讲", "target": 5, "unit": "ACTIVITIES", "done": 1.0 }])
        );
    }
}
