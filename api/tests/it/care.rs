//! Care pairings (elders): the private register, visits by risk tier, the 24-hour event,
//! overdue lists and figures; every privacy rule tried by each role on every path.

use std::collections::{BTreeMap, HashSet};

use chrono::{Datelike, Duration, FixedOffset, NaiveDate, Utc};
use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, code, run, spawn_app};

const REGISTER: &str = "mutation($input: CareRecipientInput!) {
    registerCareRecipient(input: $input) { id name riskTier nextVisitDueOn overdue }
}";
const PAIR: &str = "mutation($r: ID!, $v: ID!, $paired: Boolean) {
    pairCareVolunteer(recipientId: $r, volunteerId: $v, paired: $paired) { id volunteers { id } }
}";
const LOG: &str = "mutation($input: CareVisitInput!) { logCareVisit(input: $input) { id mode minutes followUpNeeded } }";
const EVENT: &str = "mutation($r: ID!, $note: String!) {
    reportCareEvent(recipientId: $r, note: $note) { id nextVisitDueOn pendingEvent { note } }
}";
const LIST: &str = "query($filter: CareRecipientFilter) {
    careRecipients(filter: $filter, first: 100) { edges { node { id name riskTier nextVisitDueOn overdue lastVisitedAt pendingEvent { note }
        visits { edges { node { mode minutes issues } } } } } }
}";
const ONE: &str = "query($id: ID!) { careRecipient(id: $id) { id name address visits { edges { node { notes } } } } }";
const FIGURES: &str = "query($range: DateRangeInput, $department: ID) {
    dashboard(range: $range, departmentId: $department) { care {
        visitRateByMonth { month recipientCount visitedCount visitRate }
        overdueByDepartment { department { name } recipientCount overdueCount }
        byTier { tier recipientCount overdueCount } } }
}";

fn shanghai_today() -> NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

fn days_ago(n: i64) -> String {
    (Utc::now() - Duration::days(n)).to_rfc3339()
}

fn ids(body: &Value) -> HashSet<String> {
    body["careRecipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn volunteer_id(app: &TestApp, token: &str) -> Value {
    let me = run(app, "Me", json!({}), Some(token)).await;
    me["data"]["me"]["volunteer"]["id"].clone()
}

#[tokio::test]
async fn care_recipients_are_seen_only_by_their_department_their_volunteers_and_admins() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let stranger = app.user(&[Role::Organizer], Some("办公室")).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let resident = app.user(&[], None).await;
        let paired = app.user(&[Role::Volunteer], None).await;
        let unpaired = app.user(&[Role::Volunteer], None).await;
        let elderly = app.department("养老科").await;
        let office = app.department("办公室").await;
        let community = app
            .ok("mutation { createCommunity(input: { name: \"马厂社区\", kind: COMMUNITY }) { id } }", json!({}), Some(&admin.token))
            .await["createCommunity"]["id"]
            .clone();
        let input = |department: &Value, name: &str| {
            json!({ "input": { "departmentId": department, "communityId": community, "name": name, "address": "马厂社区3号楼",
                    "riskTier": "HIGH", "situations": ["孤寡", "独居"], "consentOn": shanghai_today().to_string() } })
        };
        // Registering: the department's organizers and admins only.
        assert_eq!(
            code(
                &app.gql(REGISTER, input(&elderly, "张奶奶"), Some(&stranger.token))
                    .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(
                &app.gql(REGISTER, input(&elderly, "张奶奶"), Some(&paired.token))
                    .await
            ),
            "FORBIDDEN"
        );
        assert_eq!(
            code(&app.gql(REGISTER, input(&elderly, "张奶奶"), None).await),
            "UNAUTHENTICATED"
        );
        let zhang = app
            .ok(REGISTER, input(&elderly, "张奶奶"), Some(&organizer.token))
            .await["registerCareRecipient"]["id"]
            .clone();
        let li = app
            .ok(REGISTER, input(&elderly, "李爷爷"), Some(&organizer.token))
            .await["registerCareRecipient"]["id"]
            .clone();
        let wang = app
            .ok(REGISTER, input(&office, "王阿婆"), Some(&admin.token))
            .await["registerCareRecipient"]["id"]
            .clone();

        // Pairing volunteers: the department's organizers and admins.
        let paired_id = volunteer_id(&app, &paired.token).await;
        assert_eq!(
            code(
                &app.gql(
                    PAIR,
                    json!({ "r": zhang, "v": paired_id }),
                    Some(&paired.token)
                )
                .await
            ),
            "FORBIDDEN"
        );
        let foreign = app
            .gql(
                PAIR,
                json!({ "r": zhang, "v": paired_id }),
                Some(&stranger.token),
            )
            .await;
        assert_eq!(code(&foreign), "NOT_FOUND", "{foreign}");
        assert_eq!(
            foreign["errors"][0]["extensions"]["reason"],
            "CARE_RECIPIENT_NOT_FOUND"
        );
        let done = app
            .ok(
                PAIR,
                json!({ "r": zhang, "v": paired_id }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            done["pairCareVolunteer"]["volunteers"],
            json!([{ "id": paired_id }])
        );
        // Pairing twice changes nothing.
        app.ok(
            PAIR,
            json!({ "r": zhang, "v": paired_id }),
            Some(&organizer.token),
        )
        .await;

        // The register, by role.
        let all = |xs: &[&Value]| {
            xs.iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect::<HashSet<_>>()
        };
        assert_eq!(
            ids(&app.ok_nodes(LIST, json!({}), Some(&admin.token)).await),
            all(&[&zhang, &li, &wang])
        );
        assert_eq!(
            ids(&app.ok_nodes(LIST, json!({}), Some(&organizer.token)).await),
            all(&[&zhang, &li])
        );
        assert_eq!(
            ids(&app.ok_nodes(LIST, json!({}), Some(&stranger.token)).await),
            all(&[&wang])
        );
        assert_eq!(
            ids(&app.ok_nodes(LIST, json!({}), Some(&paired.token)).await),
            all(&[&zhang])
        );
        assert_eq!(
            ids(&app.ok_nodes(LIST, json!({}), Some(&unpaired.token)).await),
            all(&[])
        );
        // Asking for another department does not widen an organizer's or volunteer's view.
        assert_eq!(
            ids(&app
                .ok_nodes(
                    LIST,
                    json!({ "filter": { "departmentId": office } }),
                    Some(&organizer.token)
                )
                .await),
            all(&[])
        );
        assert_eq!(
            ids(&app
                .ok_nodes(
                    LIST,
                    json!({ "filter": { "departmentId": elderly } }),
                    Some(&paired.token)
                )
                .await),
            all(&[&zhang])
        );
        for (token, expected) in [
            (Some(&resident.token), "FORBIDDEN"),
            (Some(&viewer.token), "FORBIDDEN"),
            (None, "UNAUTHENTICATED"),
        ] {
            let refused = app.gql(LIST, json!({}), token.map(|t| t.as_str())).await;
            assert_eq!(code(&refused), expected, "{refused}");
            assert!(
                refused["data"].is_null() || refused["data"]["careRecipients"].is_null(),
                "{refused}"
            );
            let refused = app
                .gql(ONE, json!({ "id": zhang }), token.map(|t| t.as_str()))
                .await;
            assert_eq!(code(&refused), expected, "{refused}");
        }
        // One recipient: NOT_FOUND outside the scope, whether or not it exists.
        for token in [&unpaired.token, &stranger.token] {
            assert_eq!(
                code(&app.gql(ONE, json!({ "id": zhang }), Some(token)).await),
                "NOT_FOUND"
            );
            assert_eq!(
                code(&app.gql(ONE, json!({ "id": "999999" }), Some(token)).await),
                "NOT_FOUND"
            );
        }
        let seen = app
            .ok_nodes(ONE, json!({ "id": zhang }), Some(&paired.token))
            .await;
        assert_eq!(seen["careRecipient"]["name"], "张奶奶");
        assert_eq!(
            code(&app.gql(ONE, json!({ "id": li }), Some(&paired.token)).await),
            "NOT_FOUND"
        );

        // Logging visits and reporting events: the paired volunteer, the department, admins.
        let visit = |r: &Value| {
            json!({ "input": { "recipientId": r, "visitedAt": days_ago(1), "mode": "VISIT", "minutes": 45,
                                       "notes": "血压偏高", "issues": "家中扶手松动", "followUpNeeded": true } })
        };
        for token in [&unpaired.token, &stranger.token] {
            assert_eq!(
                code(&app.gql(LOG, visit(&zhang), Some(token)).await),
                "NOT_FOUND"
            );
            assert_eq!(
                code(
                    &app.gql(EVENT, json!({ "r": zhang, "note": "摔倒" }), Some(token))
                        .await
                ),
                "NOT_FOUND"
            );
        }
        assert_eq!(
            code(&app.gql(LOG, visit(&zhang), Some(&resident.token)).await),
            "FORBIDDEN"
        );
        assert_eq!(
            code(&app.gql(LOG, visit(&zhang), None).await),
            "UNAUTHENTICATED"
        );
        assert_eq!(
            code(&app.gql(LOG, visit(&li), Some(&paired.token)).await),
            "NOT_FOUND"
        );
        let logged = app.ok(LOG, visit(&zhang), Some(&paired.token)).await;
        assert_eq!(logged["logCareVisit"]["followUpNeeded"], true);
        let mine = app.ok_nodes(LIST, json!({}), Some(&organizer.token)).await;
        let zhang_row = mine["careRecipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == zhang)
            .unwrap();
        assert_eq!(
            zhang_row["visits"].as_array().unwrap().len(),
            1,
            "the refused ones stored nothing"
        );
        assert_eq!(zhang_row["visits"][0]["issues"], "家中扶手松动");

        // Hostile input: bounded, coded, nothing stored.
        for (patch, field) in [
            (json!({ "minutes": 0 }), "minutes"),
            (json!({ "minutes": 1441 }), "minutes"),
            (json!({ "notes": "长".repeat(2001) }), "notes"),
            (
                json!({ "visitedAt": (Utc::now() + Duration::days(1)).to_rfc3339() }),
                "visitedAt",
            ),
        ] {
            let mut input = visit(&zhang);
            for (k, v) in patch.as_object().unwrap() {
                input["input"][k] = v.clone();
            }
            let refused = app.gql(LOG, input, Some(&paired.token)).await;
            assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
            assert_eq!(refused["errors"][0]["extensions"]["field"], field);
        }
        for (patch, field) in [
            (json!({ "name": "" }), "name"),
            (json!({ "name": "长".repeat(33) }), "name"),
            (
                json!({ "consentOn": (shanghai_today() + Duration::days(1)).to_string() }),
                "consentOn",
            ),
            (
                json!({ "situations": (0..11).map(|i| format!("情况{i}")).collect::<Vec<_>>() }),
                "situations",
            ),
        ] {
            let mut body = input(&elderly, "赵奶奶");
            for (k, v) in patch.as_object().unwrap() {
                body["input"][k] = v.clone();
            }
            let refused = app.gql(REGISTER, body, Some(&organizer.token)).await;
            assert_eq!(code(&refused), "BAD_USER_INPUT", "{refused}");
            assert_eq!(refused["errors"][0]["extensions"]["field"], field);
        }
        assert_eq!(
            ids(&app.ok_nodes(LIST, json!({}), Some(&admin.token)).await).len(),
            3
        );

        // Unpairing ends the volunteer's view.
        app.ok(
            PAIR,
            json!({ "r": zhang, "v": paired_id, "paired": false }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(
            ids(&app.ok_nodes(LIST, json!({}), Some(&paired.token)).await),
            all(&[])
        );
        assert_eq!(
            code(&app.gql(LOG, visit(&zhang), Some(&paired.token)).await),
            "NOT_FOUND"
        );

        // Figures count and never name: not in the dashboard, not in the feed.
        let figures = app.ok(FIGURES, json!({}), Some(&viewer.token)).await;
        let text = figures.to_string();
        let feed = run(&app, "ActivityFeed", json!({}), None).await.to_string();
        for name in ["张奶奶", "李爷爷", "王阿婆", "马厂社区3号楼"] {
            assert!(
                !text.contains(name) && !feed.contains(name),
                "{name} leaked"
            );
        }
        assert_eq!(
            figures["dashboard"]["care"]["byTier"][0],
            json!({ "tier": "HIGH", "recipientCount": 3, "overdueCount": 0 })
        );
        // An organizer's figures are their department's.
        let own = app
            .ok(
                FIGURES,
                json!({ "department": elderly }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            own["dashboard"]["care"]["overdueByDepartment"],
            json!([{ "department": { "name": "养老科" }, "recipientCount": 2, "overdueCount": 0 }])
        );
        assert_eq!(
            code(&app.gql(FIGURES, json!({}), Some(&paired.token)).await),
            "FORBIDDEN"
        );
    }
}

#[tokio::test]
async fn visits_fall_due_by_risk_tier_within_a_day_of_an_event_and_show_in_the_overdue_list() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let elderly = app.department("养老科").await;
        let community = app
            .ok("mutation { createCommunity(input: { name: \"马厂社区\", kind: COMMUNITY }) { id } }", json!({}), Some(&admin.token))
            .await["createCommunity"]["id"]
            .clone();
        let today = shanghai_today();
        let register = |name: &str, tier: &str, consent: NaiveDate| {
            json!({ "input": { "departmentId": elderly, "communityId": community, "name": name,
                    "riskTier": tier, "consentOn": consent.to_string() } })
        };
        let mut made = BTreeMap::new();
        // (name, tier, consent days ago, visit days ago)
        let cases = [
            ("高一", "HIGH", 60, Some(10)),        // due 3 days ago: overdue
            ("高二", "HIGH", 60, Some(2)),         // due in 5 days
            ("重点一", "KEY", 60, Some(40)),       // due 10 days ago: overdue
            ("重点二", "KEY", 60, Some(10)),       // due in 20 days
            ("一般一", "GENERAL", 200, Some(100)), // due 10 days ago: overdue
            ("一般二", "GENERAL", 0, None),        // never visited, consent today: due today
            ("一般三", "GENERAL", 3, None),        // never visited: due 3 days ago, overdue
        ];
        for (name, tier, consent, _) in cases {
            let body = app
                .ok(
                    REGISTER,
                    register(name, tier, today - Duration::days(consent)),
                    Some(&organizer.token),
                )
                .await;
            made.insert(name, body["registerCareRecipient"]["id"].clone());
        }
        for (name, _, _, visit) in cases {
            if let Some(ago) = visit {
                app.ok(LOG, json!({ "input": { "recipientId": made[name], "visitedAt": days_ago(ago), "mode": "PHONE", "minutes": 10 } }),
                    Some(&organizer.token)).await;
            }
        }
        let due_of = |body: &Value, name: &str| -> (String, bool) {
            let row = body["careRecipients"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["name"] == name)
                .unwrap();
            (
                row["nextVisitDueOn"].as_str().unwrap().to_owned(),
                row["overdue"].as_bool().unwrap(),
            )
        };
        // The due day counts from the visit's local day; `days_ago` keeps the time of day.
        let visit_day = |ago: i64| {
            (Utc::now() - Duration::days(ago))
                .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
                .date_naive()
        };
        let expect = |ago: i64, every: i64| visit_day(ago) + Duration::days(every);
        let listed = app.ok_nodes(LIST, json!({}), Some(&organizer.token)).await;
        for (name, due) in [
            ("高一", expect(10, 7)),
            ("高二", expect(2, 7)),
            ("重点一", expect(40, 30)),
            ("重点二", expect(10, 30)),
            ("一般一", expect(100, 90)),
            ("一般二", today),
            ("一般三", today - Duration::days(3)),
        ] {
            assert_eq!(
                due_of(&listed, name),
                (due.to_string(), due < today),
                "{name}"
            );
        }
        // The most urgent first.
        let order: Vec<&str> = listed["careRecipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(order[0], "重点一");
        // The overdue list of the department.
        let overdue = app
            .ok_nodes(
                LIST,
                json!({ "filter": { "overdue": true } }),
                Some(&organizer.token),
            )
            .await;
        let names: HashSet<&str> = overdue["careRecipients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, HashSet::from(["高一", "重点一", "一般一", "一般三"]));
        let high = app
            .ok_nodes(
                LIST,
                json!({ "filter": { "overdue": true, "riskTier": "HIGH" } }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(high["careRecipients"].as_array().unwrap().len(), 1);

        // A major event: a visit is due within 24 hours; a visit before the event does not
        // settle it, one after does.
        let reported = app
            .ok(
                EVENT,
                json!({ "r": made["重点二"], "note": "夜间摔倒，已送医" }),
                Some(&organizer.token),
            )
            .await;
        let within_a_day = (Utc::now() + Duration::hours(24))
            .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
            .date_naive();
        assert_eq!(
            reported["reportCareEvent"]["nextVisitDueOn"],
            within_a_day.to_string()
        );
        assert_eq!(
            reported["reportCareEvent"]["pendingEvent"]["note"],
            "夜间摔倒，已送医"
        );
        app.ok(LOG, json!({ "input": { "recipientId": made["重点二"], "visitedAt": days_ago(1), "mode": "PHONE", "minutes": 5 } }),
            Some(&organizer.token)).await;
        let still = app
            .ok_nodes(
                ONE.replace("address", "address riskTier nextVisitDueOn")
                    .as_str(),
                json!({ "id": made["重点二"] }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            still["careRecipient"]["nextVisitDueOn"],
            within_a_day.to_string(),
            "a visit before the event settles nothing"
        );
        app.ok(LOG, json!({ "input": { "recipientId": made["重点二"], "visitedAt": Utc::now().to_rfc3339(), "mode": "VISIT", "minutes": 60 } }),
            Some(&organizer.token)).await;
        let settled = app.ok_nodes(LIST, json!({}), Some(&organizer.token)).await;
        let row = settled["careRecipients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "重点二")
            .unwrap();
        assert!(row["pendingEvent"].is_null(), "{row}");
        assert_eq!(
            row["nextVisitDueOn"],
            (today + Duration::days(30)).to_string()
        );

        // The rule is data: two weeks for high risk, and 高一 is no longer overdue.
        assert_eq!(code(&app.gql("mutation { setCareVisitRule(rule: { highDays: 14, keyDays: 30, generalDays: 90 }) { highDays } }", json!({}), Some(&organizer.token)).await), "FORBIDDEN");
        let refused = app.gql("mutation { setCareVisitRule(rule: { highDays: 0, keyDays: 30, generalDays: 90 }) { highDays } }", json!({}), Some(&admin.token)).await;
        assert_eq!(refused["errors"][0]["extensions"]["field"], "highDays");
        app.ok("mutation { setCareVisitRule(rule: { highDays: 14, keyDays: 30, generalDays: 90 }) { highDays } }", json!({}), Some(&admin.token)).await;
        let listed = app.ok_nodes(LIST, json!({}), Some(&organizer.token)).await;
        assert_eq!(due_of(&listed, "高一"), (expect(10, 14).to_string(), false));

        // The figures: overdue by department and tier, the monthly visit rate against an
        // independent count of the visits logged above.
        let from = today - Duration::days(120);
        let figures = app
            .ok(
                FIGURES,
                json!({ "range": { "from": from.to_string(), "to": today.to_string() } }),
                Some(&viewer.token),
            )
            .await;
        let care = &figures["dashboard"]["care"];
        assert_eq!(
            care["overdueByDepartment"],
            json!([{ "department": { "name": "养老科" }, "recipientCount": 7, "overdueCount": 3 }])
        );
        assert_eq!(
            care["byTier"],
            json!([
                { "tier": "HIGH", "recipientCount": 2, "overdueCount": 0 },
                { "tier": "KEY", "recipientCount": 2, "overdueCount": 1 },
                { "tier": "GENERAL", "recipientCount": 3, "overdueCount": 2 },
            ])
        );
        let mut visits: Vec<(&str, NaiveDate)> = cases
            .iter()
            .filter_map(|(n, _, _, v)| v.map(|ago| (*n, visit_day(ago))))
            .collect();
        visits.push(("重点二", visit_day(1)));
        visits.push(("重点二", today));
        let consent: BTreeMap<&str, NaiveDate> = cases
            .iter()
            .map(|(n, _, c, _)| (*n, today - Duration::days(*c)))
            .collect();
        let mut month = from.with_day(1).unwrap();
        let mut expected = Vec::new();
        while month <= today {
            let next = if month.month() == 12 {
                NaiveDate::from_ymd_opt(month.year() + 1, 1, 1)
            } else {
                NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1)
            }
            .unwrap();
            let on_register: HashSet<&str> = consent
                .iter()
                .filter(|(_, c)| **c < next)
                .map(|(n, _)| *n)
                .collect();
            let visited: HashSet<&str> = visits
                .iter()
                .filter(|(n, d)| *d >= month && *d < next && on_register.contains(n))
                .map(|(n, _)| *n)
                .collect();
            expected.push(json!({ "month": month.format("%Y-%m").to_string(), "recipientCount": on_register.len(), "visitedCount": visited.len(),
                "visitRate": if on_register.is_empty() { Value::Null } else { json!(visited.len() as f64 / on_register.len() as f64) } }));
            month = next;
        }
        assert_eq!(care["visitRateByMonth"], json!(expected));
    }
}

#[tokio::test]
async fn the_demo_care_pairing_shows_on_the_dashboard_without_a_name() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        let viewer = app
            .login(api::seed::VIEWER_PHONE, api::seed::DEMO_PASSWORD)
            .await;
        let organizer = app
            .login(api::seed::ORGANIZER_PHONE, api::seed::DEMO_PASSWORD)
            .await;
        let figures = app
            .ok(
                FIGURES,
                json!({ "range": { "from": "2022-01-01", "to": "2022-12-31" } }),
                Some(&viewer),
            )
            .await;
        let care = &figures["dashboard"]["care"];
        // Four elders on the register from March; visited in each month as the seed says.
        let visited = [0, 0, 3, 3, 2, 3, 2, 2, 3, 3, 1, 3];
        let expected: Vec<Value> = visited
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let on_register = if i < 2 { 0 } else { 4 };
                json!({ "month": format!("2022-{:02}", i + 1), "recipientCount": on_register, "visitedCount": n,
                        "visitRate": if on_register == 0 { Value::Null } else { json!(*n as f64 / 4.0) } })
            })
            .collect();
        assert_eq!(care["visitRateByMonth"], json!(expected));
        assert_eq!(
            care["overdueByDepartment"],
            json!([{ "department": { "name": "养老科" }, "recipientCount": 4, "overdueCount": 1 }])
        );
        assert_eq!(
            care["byTier"],
            json!([
                { "tier": "HIGH", "recipientCount": 1, "overdueCount": 0 },
                { "tier": "KEY", "recipientCount": 1, "overdueCount": 0 },
                { "tier": "GENERAL", "recipientCount": 2, "overdueCount": 1 },
            ])
        );
        assert!(!figures.to_string().contains("陈阿婆"));
        // The demo organizer of 养老科 has the register and its overdue list.
        let overdue = app
            .ok_nodes(
                LIST,
                json!({ "filter": { "overdue": true } }),
                Some(&organizer),
            )
            .await;
        assert_eq!(
            overdue["careRecipients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].clone())
                .collect::<Vec<_>>(),
            vec![json!("黄奶奶")]
        );
        // The viewer has the figures and not the register.
        assert_eq!(
            code(&app.gql(LIST, json!({}), Some(&viewer)).await),
            "FORBIDDEN"
        );
    }
}
