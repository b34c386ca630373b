//! Quarterly pairing reports: the figures against an independent count of the fixtures,
//! the workbook read back, submission and the office's list of missing reports.

use std::collections::HashSet;

use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, code, run, spawn_app};

const REPORT: &str = "query($id: ID!, $year: Int!, $quarter: Int!) {
    pairingReport(pairingId: $id, year: $year, quarter: $quarter) {
        from to activityCount hours volunteerCount visitCount visitedRecipientCount submitted note
        commitments { commitment { name unit } done }
        activities { activity { title } hours volunteerCount }
    }
}";
const SUBMIT: &str = "mutation($id: ID!, $year: Int!, $quarter: Int!, $note: String) {
    submitPairingReport(pairingId: $id, year: $year, quarter: $quarter, note: $note) { submitted note }
}";
const MISSING: &str = "query($year: Int!, $quarter: Int!) { missingPairingReports(year: $year, quarter: $quarter) { id } }";

/// An activity of the fixtures: title, day, at the community, completed, commitment
/// ticked (index), approved hours per volunteer (index), pending hours.
struct Fixture {
    title: &'static str,
    day: &'static str,
    at_community: bool,
    completed: bool,
    ticks: Option<usize>,
    approved: &'static [(usize, f64)],
    pending: &'static [(usize, f64)],
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        title: "一季度一",
        day: "2026-02-10",
        at_community: true,
        completed: true,
        ticks: Some(0),
        approved: &[(0, 3.0), (1, 2.0)],
        pending: &[(2, 1.0)],
    },
    Fixture {
        title: "一季度末",
        day: "2026-03-31",
        at_community: true,
        completed: true,
        ticks: Some(1),
        approved: &[(0, 4.0)],
        pending: &[],
    },
    Fixture {
        title: "二季度初",
        day: "2026-04-01",
        at_community: true,
        completed: true,
        ticks: Some(0),
        approved: &[(2, 5.0)],
        pending: &[],
    },
    Fixture {
        title: "别处",
        day: "2026-02-11",
        at_community: false,
        completed: true,
        ticks: Some(0),
        approved: &[(2, 6.0)],
        pending: &[],
    },
    Fixture {
        title: "未完成",
        day: "2026-03-01",
        at_community: true,
        completed: false,
        ticks: Some(0),
        approved: &[],
        pending: &[],
    },
];

fn in_quarter(day: &str, year: i32, quarter: u32) -> bool {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    use chrono::Datelike;
    d.year() == year && (d.month() - 1) / 3 + 1 == quarter
}

async fn volunteer_id(app: &TestApp, token: &str) -> Value {
    run(app, "Me", json!({}), Some(token)).await["data"]["me"]["volunteer"]["id"].clone()
}

#[tokio::test]
async fn a_quarters_report_matches_an_independent_count_and_is_submitted_once_the_quarter_ends() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let stranger = app.user(&[Role::Organizer], Some("办公室")).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let volunteers = app.volunteers(3).await;
        let mut vids = Vec::new();
        for v in &volunteers {
            vids.push(volunteer_id(&app, &v.token).await);
        }
        let elderly = app.department("养老科").await;
        let made = app
            .ok("mutation { a: createCommunity(input: { name: \"马厂社区\", kind: COMMUNITY }) { id }
                            b: createCommunity(input: { name: \"金山社区\", kind: COMMUNITY }) { id } }", json!({}), Some(&admin.token))
            .await;
        let (machang, jinshan) = (made["a"]["id"].clone(), made["b"]["id"].clone());
        let pairing = run(&app, "CreatePairing", json!({ "input": { "kind": "ASSISTANCE", "departmentId": elderly, "communityId": machang,
            "startsOn": "2026-01-01", "targetActivityCount": 10 } }), Some(&organizer.token)).await["data"]["createPairing"]["id"].clone();
        let set = app.ok("mutation($id: ID!) { setPairingCommitments(pairingId: $id, commitments: [
                { name: \"助老活动\", target: 4, unit: ACTIVITIES }, { name: \"服务时长\", target: 40, unit: HOURS }]) { commitmentProgress { id } } }",
            json!({ "id": pairing }), Some(&organizer.token)).await;
        let commitment_ids: Vec<Value> = set["setPairingCommitments"]["commitmentProgress"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].clone())
            .collect();

        for f in FIXTURES {
            let location = if f.at_community {
                json!([{ "name": "活动中心", "communityId": machang }])
            } else {
                json!([{ "name": "金山社区", "communityId": jinshan }])
            };
            let body = run(&app, "CreateActivity", json!({ "input": { "title": f.title, "leadDepartmentIds": [elderly], "pairingId": pairing,
                "locations": location, "startsAt": format!("{}T09:00:00+08:00", f.day), "endsAt": format!("{}T11:00:00+08:00", f.day) } }),
                Some(&organizer.token)).await;
            let id = body["data"]["createActivity"]["id"].clone();
            run(
                &app,
                "PublishActivity",
                json!({ "id": id }),
                Some(&organizer.token),
            )
            .await;
            if f.completed {
                run(
                    &app,
                    "CompleteActivity",
                    json!({ "id": id }),
                    Some(&organizer.token),
                )
                .await;
            }
            if let Some(c) = f.ticks {
                app.ok("mutation($id: ID!, $c: [ID!]!) { setActivityCommitments(activityId: $id, commitmentIds: $c) { id } }",
                    json!({ "id": id, "c": [commitment_ids[c]] }), Some(&organizer.token)).await;
            }
            let mut approve = Vec::new();
            for (v, h) in f.approved.iter().chain(f.pending.iter()) {
                let r = run(
                    &app,
                    "RecordServiceHours",
                    json!({ "input": { "activityId": id, "volunteerId": vids[*v], "hours": h } }),
                    Some(&organizer.token),
                )
                .await;
                assert!(r.get("errors").is_none(), "{r}");
                if f.approved.iter().any(|(a, ah)| a == v && ah == h) {
                    approve.push(r["data"]["recordServiceHours"]["id"].clone());
                }
            }
            if !approve.is_empty() {
                run(
                    &app,
                    "ReviewServiceRecords",
                    json!({ "ids": approve, "decision": "APPROVE" }),
                    Some(&organizer.token),
                )
                .await;
            }
        }
        // Care visits: two to a recipient of the department in the community in Q1, one in
        // Q2; one to a recipient elsewhere.
        let register = |community: &Value, name: &str| {
            json!({ "input": { "departmentId": elderly, "communityId": community, "name": name,
            "riskTier": "KEY", "consentOn": "2026-01-01" } })
        };
        let here = app.ok("mutation($input: CareRecipientInput!) { registerCareRecipient(input: $input) { id } }", register(&machang, "甲"), Some(&organizer.token)).await["registerCareRecipient"]["id"].clone();
        let there = app.ok("mutation($input: CareRecipientInput!) { registerCareRecipient(input: $input) { id } }", register(&jinshan, "乙"), Some(&organizer.token)).await["registerCareRecipient"]["id"].clone();
        for (r, at) in [
            (&here, "2026-01-15T10:00:00+08:00"),
            (&here, "2026-03-20T10:00:00+08:00"),
            (&here, "2026-04-02T10:00:00+08:00"),
            (&there, "2026-02-01T10:00:00+08:00"),
        ] {
            app.ok("mutation($input: CareVisitInput!) { logCareVisit(input: $input) { id } }",
                json!({ "input": { "recipientId": r, "visitedAt": at, "mode": "VISIT", "minutes": 30 } }), Some(&organizer.token)).await;
        }

        for quarter in [1u32, 2] {
            // The independent count: completed, at the community, in the quarter.
            let counted: Vec<&Fixture> = FIXTURES
                .iter()
                .filter(|f| f.completed && f.at_community && in_quarter(f.day, 2026, quarter))
                .collect();
            let hours: f64 = counted
                .iter()
                .flat_map(|f| f.approved.iter())
                .map(|(_, h)| h)
                .sum();
            let volunteers: HashSet<usize> = counted
                .iter()
                .flat_map(|f| f.approved.iter())
                .map(|(v, _)| *v)
                .collect();
            let ticking = |c: usize| counted.iter().filter(move |f| f.ticks == Some(c));
            let visits = [("2026-01-15", 1), ("2026-03-20", 1), ("2026-04-02", 2)]
                .iter()
                .filter(|(_, q)| *q == quarter)
                .count();
            let report = app
                .ok(
                    REPORT,
                    json!({ "id": pairing, "year": 2026, "quarter": quarter }),
                    Some(&viewer.token),
                )
                .await;
            let r = &report["pairingReport"];
            assert_eq!(r["activityCount"], counted.len(), "Q{quarter}: {r}");
            assert_eq!(r["hours"].as_f64().unwrap(), hours, "Q{quarter}");
            assert_eq!(r["volunteerCount"], volunteers.len(), "Q{quarter}");
            assert_eq!(r["visitCount"], visits, "Q{quarter}");
            assert_eq!(r["visitedRecipientCount"], if visits > 0 { 1 } else { 0 });
            assert_eq!(
                r["commitments"],
                json!([
                    { "commitment": { "name": "助老活动", "unit": "ACTIVITIES" }, "done": ticking(0).count() as f64 },
                    { "commitment": { "name": "服务时长", "unit": "HOURS" }, "done": ticking(1).flat_map(|f| f.approved.iter()).map(|(_, h)| h).sum::<f64>() },
                ])
            );
            let titles: Vec<&str> = r["activities"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["activity"]["title"].as_str().unwrap())
                .collect();
            assert_eq!(titles, counted.iter().map(|f| f.title).collect::<Vec<_>>());
        }
        let q1 = app
            .ok(
                REPORT,
                json!({ "id": pairing, "year": 2026, "quarter": 1 }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            (
                q1["pairingReport"]["from"].clone(),
                q1["pairingReport"]["to"].clone()
            ),
            (json!("2026-01-01"), json!("2026-03-31"))
        );

        // Who reads: the department, the office, admins.
        assert_eq!(
            code(
                &app.gql(
                    REPORT,
                    json!({ "id": pairing, "year": 2026, "quarter": 1 }),
                    Some(&stranger.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &app.gql(
                    REPORT,
                    json!({ "id": pairing, "year": 2026, "quarter": 1 }),
                    Some(&volunteers[0].token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &app.gql(
                    REPORT,
                    json!({ "id": pairing, "year": 2026, "quarter": 1 }),
                    None
                )
                .await
            ),
            "UNAUTHENTICATED"
        );
        for (year, quarter, field) in [
            (2026, 5, "quarter"),
            (2026, 0, "quarter"),
            (1999, 1, "year"),
        ] {
            let bad = app
                .gql(
                    REPORT,
                    json!({ "id": pairing, "year": year, "quarter": quarter }),
                    Some(&admin.token),
                )
                .await;
            assert_eq!(bad["errors"][0]["extensions"]["field"], field, "{bad}");
        }

        // The workbook, read back.
        let response = app
            .http
            .get(format!(
                "{}/pairings/{}/reports/2026/1.xlsx",
                app.address,
                pairing.as_str().unwrap()
            ))
            .bearer_auth(&organizer.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap().to_vec();
        let mut workbook: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX file");
        let range = workbook.worksheet_range("季度报告").expect("the sheet");
        let cell = |r: u32, c: u32| range.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert_eq!(
            cell(0, 0),
            Data::String("养老科 × 马厂社区 2026年第1季度结对报告".to_owned())
        );
        assert_eq!(
            (cell(3, 0), cell(3, 1)),
            (Data::String("活动（次）".to_owned()), Data::Float(2.0))
        );
        assert_eq!(
            (cell(4, 0), cell(4, 1)),
            (
                Data::String("志愿服务时长（小时）".to_owned()),
                Data::Float(9.0)
            )
        );
        assert_eq!(cell(6, 1), Data::Float(2.0), "visits");
        let refused = app
            .http
            .get(format!(
                "{}/pairings/{}/reports/2026/1.xlsx",
                app.address,
                pairing.as_str().unwrap()
            ))
            .bearer_auth(&stranger.token)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

        // Submitting: after the quarter only; the office sees which are missing.
        assert_eq!(
            app.ok(
                MISSING,
                json!({ "year": 2026, "quarter": 1 }),
                Some(&viewer.token)
            )
            .await["missingPairingReports"],
            json!([{ "id": pairing }])
        );
        assert_eq!(
            app.ok(
                MISSING,
                json!({ "year": 2026, "quarter": 1 }),
                Some(&stranger.token)
            )
            .await["missingPairingReports"],
            json!([])
        );
        assert_eq!(
            app.ok(
                MISSING,
                json!({ "year": 2025, "quarter": 4 }),
                Some(&viewer.token)
            )
            .await["missingPairingReports"],
            json!([]),
            "before the pairing began"
        );
        let future = app
            .gql(
                SUBMIT,
                json!({ "id": pairing, "year": 2100, "quarter": 4 }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            future["errors"][0]["extensions"]["reason"], "QUARTER_NOT_OVER",
            "{future}"
        );
        assert_eq!(
            code(
                &app.gql(
                    SUBMIT,
                    json!({ "id": pairing, "year": 2026, "quarter": 1 }),
                    Some(&stranger.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &app.gql(
                    SUBMIT,
                    json!({ "id": pairing, "year": 2026, "quarter": 1 }),
                    Some(&viewer.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        let long = app
            .gql(
                SUBMIT,
                json!({ "id": pairing, "year": 2026, "quarter": 1, "note": "长".repeat(2001) }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(long["errors"][0]["extensions"]["field"], "note");
        let submitted = app.ok(SUBMIT, json!({ "id": pairing, "year": 2026, "quarter": 1, "note": "一季度完成两次助老活动" }), Some(&organizer.token)).await;
        assert_eq!(
            submitted["submitPairingReport"],
            json!({ "submitted": true, "note": "一季度完成两次助老活动" })
        );
        let again = app
            .ok(
                SUBMIT,
                json!({ "id": pairing, "year": 2026, "quarter": 1, "note": "补充说明" }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(again["submitPairingReport"]["note"], "补充说明");
        assert_eq!(
            app.ok(
                MISSING,
                json!({ "year": 2026, "quarter": 1 }),
                Some(&viewer.token)
            )
            .await["missingPairingReports"],
            json!([])
        );
        assert_eq!(
            app.ok(
                MISSING,
                json!({ "year": 2026, "quarter": 2 }),
                Some(&admin.token)
            )
            .await["missingPairingReports"],
            json!([{ "id": pairing }])
        );
    }
}
