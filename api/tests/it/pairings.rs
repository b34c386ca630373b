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
