//! Care visits at work: VISITS commitments and the quarterly report against an independent
//! count, visits that feed service hours through the department's review, and the care
//! register's keyset pages (both ways, no repeats, the privacy rules intact).

use std::collections::HashSet;

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, code, run, spawn_app};

const REGISTER: &str =
    "mutation($input: CareRecipientInput!) { registerCareRecipient(input: $input) { id } }";
const PAIR: &str =
    "mutation($r: ID!, $v: ID!) { pairCareVolunteer(recipientId: $r, volunteerId: $v) { id } }";
const LOG: &str = "mutation($input: CareVisitInput!) { logCareVisit(input: $input) { id minutes countsAsServiceHours } }";
const COMMITMENTS: &str = "mutation($id: ID!, $items: [CommitmentInput!]!) {
    setPairingCommitments(pairingId: $id, commitments: $items) { commitmentProgress { name unit target done } }
}";
const PROGRESS: &str = "query($department: ID) {
    pairings(filter: { departmentId: $department }) { id commitmentProgress { name unit done } }
}";
const REPORT: &str = "query($id: ID!, $year: Int!, $quarter: Int!) {
    pairingReport(pairingId: $id, year: $year, quarter: $quarter) {
        visitCount visitedRecipientCount commitments { commitment { name unit } done }
    }
}";
const PAGE: &str = "query($filter: CareRecipientFilter, $first: Int, $after: String, $last: Int, $before: String) {
    careRecipients(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id name nextVisitDueOn } }
    }
}";
const VISITS: &str = "query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
    careRecipient(id: $id) { visits(first: $first, after: $after, last: $last, before: $before) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges { cursor node { id visitedAt } }
    } }
}";

fn shanghai_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

/// Noon (+08:00) `n` days ago, as the API takes it.
fn noon_days_ago(n: i64) -> String {
    format!("{}T12:00:00+08:00", shanghai_today() - Duration::days(n))
}

async fn community(app: &TestApp, admin: &str, name: &str) -> Value {
    app.ok(
        "mutation($name: String!) { createCommunity(input: { name: $name, kind: COMMUNITY }) { id } }",
        json!({ "name": name }),
        Some(admin),
    )
    .await["createCommunity"]["id"]
        .clone()
}

async fn register(
    app: &TestApp,
    token: &str,
    department: &Value,
    community: &Value,
    name: &str,
    consent: NaiveDate,
) -> Value {
    app.ok(
        REGISTER,
        json!({ "input": { "departmentId": department, "communityId": community, "name": name,
                "riskTier": "KEY", "consentOn": consent.to_string() } }),
        Some(token),
    )
    .await["registerCareRecipient"]["id"]
        .clone()
}

async fn volunteer_id(app: &TestApp, token: &str) -> Value {
    let me = run(app, "Me", json!({}), Some(token)).await;
    me["data"]["me"]["volunteer"]["id"].clone()
}

fn quarter_of(day: NaiveDate) -> (i32, i32) {
    (day.year(), (day.month0() / 3 + 1) as i32)
}

#[tokio::test]
async fn a_visits_commitment_counts_the_care_visits_of_the_pairing_within_its_period() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let elderly = app.department("养老科").await;
        let office = app.department("办公室").await;
        let machang = community(&app, &admin.token, "马厂社区").await;
        let jinshan = community(&app, &admin.token, "金山社区").await;
        let today = shanghai_today();
        let starts = today - Duration::days(40);
        let pairing = run(&app, "CreatePairing", json!({ "input": { "kind": "ASSISTANCE", "departmentId": elderly,
                "communityId": machang, "startsOn": starts.to_string(), "targetActivityCount": 4 } }), Some(&organizer.token))
            .await["data"]["createPairing"]["id"]
            .clone();
        let set = app
            .ok(
                COMMITMENTS,
                json!({ "id": pairing, "items": [
                    { "name": "每月走访慰问", "target": 12, "unit": "VISITS" },
                    { "name": "开展一次宣讲", "target": 1, "unit": "ACTIVITIES" } ] }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            set["setPairingCommitments"]["commitmentProgress"][0],
            json!({ "name": "每月走访慰问", "unit": "VISITS", "target": 12, "done": 0.0 })
        );

        // Recipients: two of the department in the community, one elsewhere, one of
        // another department in the same community.
        let consent = today - Duration::days(200);
        let zhang = register(
            &app,
            &organizer.token,
            &elderly,
            &machang,
            "张奶奶",
            consent,
        )
        .await;
        let li = register(
            &app,
            &organizer.token,
            &elderly,
            &machang,
            "李爷爷",
            consent,
        )
        .await;
        let far = register(
            &app,
            &organizer.token,
            &elderly,
            &jinshan,
            "王阿婆",
            consent,
        )
        .await;
        let other = register(&app, &admin.token, &office, &machang, "赵大爷", consent).await;
        // (recipient, of the pairing, days ago, mode)
        let visits: Vec<(&Value, bool, i64, &str)> = vec![
            (&zhang, true, 55, "VISIT"), // before the period
            (&zhang, true, 40, "VISIT"), // its first day
            (&zhang, true, 30, "PHONE"),
            (&li, true, 25, "VIDEO"),
            (&li, true, 20, "VISIT"),
            (&zhang, true, 12, "VISIT"),
            (&li, true, 2, "VISIT"),
            (&far, false, 20, "VISIT"),
            (&other, false, 20, "VISIT"),
        ];
        for (recipient, _, ago, mode) in &visits {
            let token = if *recipient == &other {
                &admin.token
            } else {
                &organizer.token
            };
            app.ok(
                LOG,
                json!({ "input": { "recipientId": recipient, "visitedAt": noon_days_ago(*ago), "mode": mode, "minutes": 30 } }),
                Some(token),
            )
            .await;
        }
        // The independent count: the pairing's recipients, on a day within [starts, ends].
        let count = |ends: Option<NaiveDate>, within: &dyn Fn(NaiveDate) -> bool| {
            visits
                .iter()
                .filter(|(_, ours, ago, _)| {
                    let day = today - Duration::days(*ago);
                    *ours && day >= starts && ends.is_none_or(|e| day <= e) && within(day)
                })
                .count()
        };
        let done = |body: &Value| {
            body["pairings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == pairing)
                .unwrap()["commitmentProgress"]
                .clone()
        };
        let progress = app
            .ok(PROGRESS, json!({ "department": elderly }), None)
            .await;
        assert_eq!(count(None, &|_| true), 6);
        assert_eq!(
            done(&progress),
            json!([
                { "name": "每月走访慰问", "unit": "VISITS", "done": count(None, &|_| true) as f64 },
                { "name": "开展一次宣讲", "unit": "ACTIVITIES", "done": 0.0 },
            ])
        );

        // Ending the pairing 15 days ago leaves the later visits out.
        let ends = today - Duration::days(15);
        app.ok(
            "mutation($id: ID!, $on: Date!) { endPairing(id: $id, endsOn: $on) { id } }",
            json!({ "id": pairing, "on": ends.to_string() }),
            Some(&organizer.token),
        )
        .await;
        let progress = app
            .ok(PROGRESS, json!({ "department": elderly }), None)
            .await;
        assert_eq!(count(Some(ends), &|_| true), 4);
        assert_eq!(
            done(&progress)[0]["done"],
            json!(count(Some(ends), &|_| true) as f64)
        );

        // Each quarter's report agrees: its VISITS progress and its visits are the
        // quarter's share of the same count.
        let quarters: HashSet<(i32, i32)> = visits
            .iter()
            .map(|(_, _, ago, _)| quarter_of(today - Duration::days(*ago)))
            .collect();
        for (year, quarter) in quarters {
            let report = app
                .ok(
                    REPORT,
                    json!({ "id": pairing, "year": year, "quarter": quarter }),
                    Some(&organizer.token),
                )
                .await;
            let expected = count(Some(ends), &|day| quarter_of(day) == (year, quarter));
            let report = &report["pairingReport"];
            assert_eq!(report["visitCount"], json!(expected), "{year}Q{quarter}");
            assert_eq!(
                report["commitments"][0],
                json!({ "commitment": { "name": "每月走访慰问", "unit": "VISITS" }, "done": expected as f64 }),
                "{year}Q{quarter}"
            );
        }
    }
}

#[tokio::test]
async fn a_visit_counted_as_service_hours_is_reviewed_and_then_counts_for_the_volunteer_and_the_dashboard()
 {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let volunteer = app.user(&[Role::Volunteer], None).await;
        let elderly = app.department("养老科").await;
        let machang = community(&app, &admin.token, "马厂社区").await;
        let today = shanghai_today();
        let consent = today - Duration::days(30);
        let zhang = register(
            &app,
            &organizer.token,
            &elderly,
            &machang,
            "张奶奶",
            consent,
        )
        .await;
        let li = register(
            &app,
            &organizer.token,
            &elderly,
            &machang,
            "李爷爷",
            consent,
        )
        .await;
        let volunteer_id = volunteer_id(&app, &volunteer.token).await;
        for r in [&zhang, &li] {
            app.ok(
                PAIR,
                json!({ "r": r, "v": volunteer_id }),
                Some(&organizer.token),
            )
            .await;
        }
        let day = today - Duration::days(1);
        let visit = |r: &Value, minutes: i32, counts: bool| {
            json!({ "input": { "recipientId": r, "visitedAt": noon_days_ago(1), "mode": "VISIT", "minutes": minutes,
                    "countAsServiceHours": counts } })
        };
        const HOURS: &str = "query($range: DateRangeInput) { dashboard(range: $range) {
            overview { totalServiceHours } hoursByDepartment { department { name } hours } } }";
        let range = json!({ "range": { "from": (today - Duration::days(40)).to_string(), "to": today.to_string() } });
        let elderly_hours = |body: &Value| {
            body["dashboard"]["hoursByDepartment"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["department"]["name"] == "养老科")
                .map_or(0.0, |d| d["hours"].as_f64().unwrap())
        };
        let total_hours = |token: String| {
            let app = &app;
            async move {
                let me = app
                    .ok(
                        "query { me { volunteer { totalHours } } }",
                        json!({}),
                        Some(&token),
                    )
                    .await;
                me["me"]["volunteer"]["totalHours"].as_f64().unwrap()
            }
        };

        // Two visits of the day that count go into one pending record; one that does not
        // counts nowhere; someone who is not a volunteer cannot count one.
        let first = app
            .ok(LOG, visit(&zhang, 45, true), Some(&volunteer.token))
            .await;
        assert_eq!(first["logCareVisit"]["countsAsServiceHours"], true);
        app.ok(LOG, visit(&li, 30, true), Some(&volunteer.token))
            .await;
        let plain = app
            .ok(LOG, visit(&li, 20, false), Some(&volunteer.token))
            .await;
        assert_eq!(plain["logCareVisit"]["countsAsServiceHours"], false);
        let refused = app
            .gql(LOG, visit(&zhang, 10, true), Some(&organizer.token))
            .await;
        assert_eq!(
            code(&refused),
            "FORBIDDEN",
            "an organizer who does not volunteer has no hours"
        );
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"],
            "VOLUNTEER_REQUIRED"
        );
        let pending = app
            .ok(
                "query { serviceRecords(filter: { status: PENDING }) { totalCount edges { node {
                    id hours serviceDate status volunteer { id } activity { title status } } } } }",
                json!({}),
                Some(&organizer.token),
            )
            .await;
        let records = &pending["serviceRecords"];
        assert_eq!(records["totalCount"], 1, "{records}");
        let record = &records["edges"][0]["node"];
        assert_eq!(record["hours"], 1.25);
        assert_eq!(record["serviceDate"], day.to_string());
        assert_eq!(record["volunteer"]["id"], volunteer_id);
        assert_eq!(record["activity"]["status"], "PUBLISHED");
        let title = record["activity"]["title"].as_str().unwrap();
        assert!(title.starts_with("结对关爱走访（马厂社区"), "{title}");
        assert!(!title.contains("张奶奶"), "no elder is named: {title}");
        // Pending hours count nowhere yet.
        assert_eq!(total_hours(volunteer.token.clone()).await, 0.0);
        let before = app.ok(HOURS, range.clone(), Some(&viewer.token)).await;
        assert_eq!(elderly_hours(&before), 0.0);

        // The department reviews it like any record; another department cannot.
        let stranger = app.user(&[Role::Organizer], Some("办公室")).await;
        const REVIEW: &str = "mutation($ids: [ID!]!) { reviewServiceRecords(ids: $ids, decision: APPROVE) { status hours } }";
        assert_eq!(
            code(
                &app.gql(
                    REVIEW,
                    json!({ "ids": [record["id"]] }),
                    Some(&stranger.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        let approved = app
            .ok(
                REVIEW,
                json!({ "ids": [record["id"]] }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            approved["reviewServiceRecords"],
            json!([{ "status": "APPROVED", "hours": 1.25 }])
        );
        assert_eq!(total_hours(volunteer.token.clone()).await, 1.25);
        let after = app.ok(HOURS, range.clone(), Some(&viewer.token)).await;
        assert_eq!(elderly_hours(&after), 1.25);
        assert_eq!(after["dashboard"]["overview"]["totalServiceHours"], 1.25);
        // Over the whole plan the rollups kept by the approval say the same.
        let whole = app.ok(HOURS, json!({}), Some(&viewer.token)).await;
        assert_eq!(elderly_hours(&whole), 1.25);

        // The day's hours are reviewed: another visit of that day cannot add to them (and
        // is not logged), one without hours is, and the record stays as approved.
        let refused = app
            .gql(LOG, visit(&zhang, 15, true), Some(&volunteer.token))
            .await;
        assert_eq!(code(&refused), "CONFLICT");
        assert_eq!(
            refused["errors"][0]["extensions"]["reason"],
            "CARE_HOURS_REVIEWED"
        );
        let visits = app
            .ok(
                "query($id: ID!) { careRecipient(id: $id) { visits { totalCount } } }",
                json!({ "id": zhang }),
                Some(&volunteer.token),
            )
            .await;
        assert_eq!(visits["careRecipient"]["visits"]["totalCount"], 1);
        assert_eq!(total_hours(volunteer.token.clone()).await, 1.25);

        // A visit of another day opens another pending record at the same month's activity
        // (or the next month's), never touching the approved one.
        app.ok(
            LOG,
            json!({ "input": { "recipientId": zhang, "visitedAt": Utc::now().to_rfc3339(),
                    "mode": "PHONE", "minutes": 15, "countAsServiceHours": true } }),
            Some(&volunteer.token),
        )
        .await;
        let mine = app
            .ok(
                "query { me { volunteer { serviceRecords { edges { node { status hours serviceDate } } } } } }",
                json!({}),
                Some(&volunteer.token),
            )
            .await;
        let mut rows: Vec<(String, String, f64)> =
            mine["me"]["volunteer"]["serviceRecords"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let n = &e["node"];
                    (
                        n["serviceDate"].as_str().unwrap().to_owned(),
                        n["status"].as_str().unwrap().to_owned(),
                        n["hours"].as_f64().unwrap(),
                    )
                })
                .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            rows,
            vec![
                (day.to_string(), "APPROVED".to_owned(), 1.25),
                (today.to_string(), "PENDING".to_owned(), 0.25),
            ]
        );
        assert_eq!(total_hours(volunteer.token.clone()).await, 1.25);
    }
}

/// Every node id of a list walked page by page in one direction.
async fn walk(
    app: &TestApp,
    query: &str,
    path: &[&str],
    vars: Value,
    token: &str,
    forward: bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut vars = vars.clone();
        if forward {
            vars["first"] = json!(2);
            vars["after"] = json!(cursor);
        } else {
            vars["last"] = json!(2);
            vars["before"] = json!(cursor);
        }
        let body = app.ok(query, vars, Some(token)).await;
        let mut conn = &body;
        for key in path {
            conn = &conn[*key];
        }
        let mut ids: Vec<String> = conn["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect();
        assert!(ids.len() <= 2);
        let info = &conn["pageInfo"];
        if forward {
            seen.extend(ids);
            if info["hasNextPage"] != true {
                break;
            }
            cursor = info["endCursor"].as_str().map(str::to_owned);
        } else {
            ids.extend(seen);
            seen = ids;
            if info["hasPreviousPage"] != true {
                break;
            }
            cursor = info["startCursor"].as_str().map(str::to_owned);
        }
    }
    seen
}

#[tokio::test]
async fn the_register_and_a_recipients_visits_page_both_ways_without_repeats_and_stay_private() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let stranger = app.user(&[Role::Organizer], Some("办公室")).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let resident = app.user(&[], None).await;
        let volunteer = app.user(&[Role::Volunteer], None).await;
        let elderly = app.department("养老科").await;
        let machang = community(&app, &admin.token, "马厂社区").await;
        let today = shanghai_today();
        // Seven elders, never visited: due on the day of consent, two pairs on the same day
        // (the id breaks the tie).
        let mut made = Vec::new();
        for (i, ago) in [5, 1, 9, 5, 3, 9, 0].into_iter().enumerate() {
            let id = register(
                &app,
                &organizer.token,
                &elderly,
                &machang,
                &format!("老人{i}"),
                today - Duration::days(ago),
            )
            .await;
            made.push((ago, id.as_str().unwrap().parse::<i64>().unwrap()));
        }
        let mut expected = made.clone();
        expected.sort_by_key(|(ago, id)| (-ago, *id));
        let expected: Vec<String> = expected.iter().map(|(_, id)| id.to_string()).collect();

        let all = app
            .ok(PAGE, json!({ "first": 100 }), Some(&organizer.token))
            .await;
        assert_eq!(all["careRecipients"]["totalCount"], 7);
        let forward = walk(
            &app,
            PAGE,
            &["careRecipients"],
            json!({}),
            &organizer.token,
            true,
        )
        .await;
        assert_eq!(forward, expected, "forward, the most urgent first");
        let backward = walk(
            &app,
            PAGE,
            &["careRecipients"],
            json!({}),
            &organizer.token,
            false,
        )
        .await;
        assert_eq!(backward, expected, "backward, in the same order");
        // The overdue list pages the same way (due before today: all but the one of today).
        let overdue = walk(
            &app,
            PAGE,
            &["careRecipients"],
            json!({ "filter": { "overdue": true } }),
            &organizer.token,
            true,
        )
        .await;
        assert_eq!(overdue, expected[..6].to_vec());
        // A cursor of another shape is refused.
        let bad = app
            .gql(
                PAGE,
                json!({ "first": 2, "after": "bm90LWEtY3Vyc29y" }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(code(&bad), "BAD_USER_INPUT");

        // Privacy holds on every page: a volunteer sees their own two, another department
        // none, the office and residents are refused, the anonymous unauthenticated.
        let volunteer_id = volunteer_id(&app, &volunteer.token).await;
        let first_id = json!(expected[0]);
        let third_id = json!(expected[2]);
        for r in [&first_id, &third_id] {
            app.ok(
                PAIR,
                json!({ "r": r, "v": volunteer_id }),
                Some(&organizer.token),
            )
            .await;
        }
        let own = walk(
            &app,
            PAGE,
            &["careRecipients"],
            json!({}),
            &volunteer.token,
            true,
        )
        .await;
        assert_eq!(own, vec![expected[0].clone(), expected[2].clone()]);
        let none = app
            .ok(PAGE, json!({ "first": 5 }), Some(&stranger.token))
            .await;
        assert_eq!(none["careRecipients"]["totalCount"], 0);
        assert_eq!(none["careRecipients"]["edges"], json!([]));
        for (token, expected_code) in [
            (Some(resident.token.as_str()), "FORBIDDEN"),
            (Some(viewer.token.as_str()), "FORBIDDEN"),
            (None, "UNAUTHENTICATED"),
        ] {
            let refused = app.gql(PAGE, json!({ "first": 5 }), token).await;
            assert_eq!(code(&refused), expected_code, "{refused}");
            let refused = app
                .gql(VISITS, json!({ "id": first_id, "first": 5 }), token)
                .await;
            assert_eq!(code(&refused), expected_code, "{refused}");
        }
        assert_eq!(
            code(
                &app.gql(
                    VISITS,
                    json!({ "id": expected[1], "first": 5 }),
                    Some(&volunteer.token)
                )
                .await
            ),
            "NOT_FOUND"
        );

        // One elder's visits, newest first, two of them at the same moment.
        let now = Utc::now();
        let times: Vec<String> = [6, 2, 4, 4, 1, 8, 3]
            .iter()
            .map(|h| (now - Duration::hours(*h)).to_rfc3339())
            .collect();
        let mut logged = Vec::new();
        for at in &times {
            let id = app
                .ok(
                    LOG,
                    json!({ "input": { "recipientId": first_id, "visitedAt": at, "mode": "PHONE", "minutes": 5 } }),
                    Some(&volunteer.token),
                )
                .await["logCareVisit"]["id"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap();
            logged.push(id);
        }
        let mut newest_first: Vec<(i64, i64)> = [6, 2, 4, 4, 1, 8, 3]
            .iter()
            .zip(&logged)
            .map(|(h, id)| (*h, *id))
            .collect();
        newest_first.sort_by_key(|(h, id)| (*h, -id));
        let newest_first: Vec<String> = newest_first.iter().map(|(_, id)| id.to_string()).collect();
        for token in [&volunteer.token, &organizer.token, &admin.token] {
            let forward = walk(
                &app,
                VISITS,
                &["careRecipient", "visits"],
                json!({ "id": first_id }),
                token,
                true,
            )
            .await;
            assert_eq!(forward, newest_first);
            let backward = walk(
                &app,
                VISITS,
                &["careRecipient", "visits"],
                json!({ "id": first_id }),
                token,
                false,
            )
            .await;
            assert_eq!(backward, newest_first);
        }
        let unique: HashSet<&String> = newest_first.iter().collect();
        assert_eq!(unique.len(), 7);
    }
}

#[tokio::test]
async fn concurrent_visits_of_one_day_add_up_in_one_record_at_one_standing_activity() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let elderly = app.department("养老科").await;
        let machang = community(&app, &admin.token, "马厂社区").await;
        let consent = shanghai_today() - Duration::days(30);
        let mut volunteers = Vec::new();
        let mut recipients = Vec::new();
        for i in 0..3 {
            let volunteer = app.user(&[Role::Volunteer], None).await;
            let id = volunteer_id(&app, &volunteer.token).await;
            let recipient = register(
                &app,
                &organizer.token,
                &elderly,
                &machang,
                &format!("老人{i}"),
                consent,
            )
            .await;
            app.ok(
                PAIR,
                json!({ "r": recipient, "v": id }),
                Some(&organizer.token),
            )
            .await;
            volunteers.push(volunteer);
            recipients.push(recipient);
        }
        // Each volunteer logs four visits of 15 minutes at once, the first ones of the month's
        // standing activity among them.
        let app = &app;
        let calls = volunteers.iter().zip(&recipients).flat_map(|(v, r)| {
            (0..4).map(move |_| {
                let input = json!({ "input": { "recipientId": r, "visitedAt": noon_days_ago(1), "mode": "VISIT",
                        "minutes": 15, "countAsServiceHours": true } });
                async move { app.gql(LOG, input, Some(&v.token)).await }
            })
        });
        let answers = futures::future::join_all(calls).await;
        for answer in &answers {
            assert!(answer.get("errors").is_none(), "{answer}");
        }
        let pending = app
            .ok(
                "query { serviceRecords(filter: { status: PENDING }, first: 100) { totalCount edges { node {
                    hours activity { id } } } } }",
                json!({}),
                Some(&organizer.token),
            )
            .await;
        let records = pending["serviceRecords"]["edges"].as_array().unwrap();
        assert_eq!(
            records.len(),
            3,
            "one record per volunteer and day: {pending}"
        );
        assert!(
            records.iter().all(|r| r["node"]["hours"] == 1.0),
            "{pending}"
        );
        let activities: HashSet<&str> = records
            .iter()
            .map(|r| r["node"]["activity"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(activities.len(), 1, "one standing activity for the month");
    }
}
