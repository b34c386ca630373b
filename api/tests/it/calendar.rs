//! The working-day calendar: the State Council's arrangements as shipped, counted across
//! a Spring Festival and a National Day with their make-up days, and changed by admins.

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, code, spawn_app};

async fn after(app: &TestApp, date: &str, days: i32) -> Value {
    let body = app
        .gql(
            "query($d: Date!, $n: Int!) { addWorkingDays(date: $d, days: $n) }",
            json!({ "d": date, "n": days }),
            None,
        )
        .await;
    body["data"]["addWorkingDays"].clone()
}

#[tokio::test]
async fn deadlines_skip_the_spring_festival_and_the_national_day_and_count_their_make_up_days() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        // 2024: 春节 2-10..2-17 off, Sunday 2-18 worked; 国庆 10-1..10-7 off.
        assert_eq!(
            after(&app, "2024-02-09", 1).await,
            "2024-02-18",
            "{backend:?}"
        );
        assert_eq!(
            after(&app, "2024-02-09", 2).await,
            "2024-02-19",
            "{backend:?}"
        );
        assert_eq!(
            after(&app, "2024-09-30", 1).await,
            "2024-10-08",
            "{backend:?}"
        );
        // 2025: 春节 1-28..2-4 off, Sunday 1-26 worked; 国庆 10-1..10-8 off, Saturday 10-11 worked.
        assert_eq!(
            after(&app, "2025-01-24", 1).await,
            "2025-01-26",
            "{backend:?}"
        );
        assert_eq!(
            after(&app, "2025-01-27", 1).await,
            "2025-02-05",
            "{backend:?}"
        );
        assert_eq!(
            after(&app, "2025-09-30", 1).await,
            "2025-10-09",
            "{backend:?}"
        );
        assert_eq!(
            after(&app, "2025-10-10", 1).await,
            "2025-10-11",
            "{backend:?}"
        );
        // Five working days from a Thursday in an ordinary week.
        assert_eq!(
            after(&app, "2025-03-06", 5).await,
            "2025-03-13",
            "{backend:?}"
        );

        for (year, working) in [(2024, 251), (2025, 248)] {
            let body = app
                .ok(
                    "query($y: Int!) { workingCalendar(year: $y) { year workingDayCount days { date kind name source } } }",
                    json!({ "y": year }),
                    None,
                )
                .await;
            let calendar = &body["workingCalendar"];
            assert_eq!(
                calendar["workingDayCount"], working,
                "{backend:?} {year}: {calendar}"
            );
            let spring = calendar["days"]
                .as_array()
                .expect("days")
                .iter()
                .find(|day| day["name"] == "春节")
                .expect("the Spring Festival is listed");
            assert_eq!(spring["kind"], "OFF");
            assert!(
                spring["source"]
                    .as_str()
                    .expect("source")
                    .starts_with("国办发明电")
            );
        }
        let out_of_range = app
            .gql("{ workingCalendar(year: 1900) { year } }", json!({}), None)
            .await;
        assert_eq!(code(&out_of_range), "BAD_USER_INPUT", "{backend:?}");
        let too_many = app
            .gql(
                "{ addWorkingDays(date: \"2025-01-01\", days: 100000) }",
                json!({}),
                None,
            )
            .await;
        assert_eq!(code(&too_many), "BAD_USER_INPUT", "{backend:?}");
    }
}

#[tokio::test]
async fn admins_list_and_unlist_days_and_deadlines_follow_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let set = "mutation($days: [CalendarDayInput!]!) { setCalendarDays(days: $days) { date kind name } }";
        // 2027 is not shipped: Friday 2027-02-05 + 1 working day is Monday 2-8 until listed.
        assert_eq!(
            after(&app, "2027-02-05", 1).await,
            "2027-02-08",
            "{backend:?}"
        );
        let days = json!([
            { "date": "2027-02-08", "kind": "OFF", "name": "春节" },
            { "date": "2027-02-09", "kind": "OFF", "name": "春节" },
            { "date": "2027-02-06", "kind": "WORK", "name": "春节调休上班" },
        ]);
        let refused = app
            .gql(set, json!({ "days": days }), Some(&organizer.token))
            .await;
        assert_eq!(code(&refused), "FORBIDDEN", "{backend:?}: {refused}");
        let nameless = app
            .gql(
                set,
                json!({ "days": [{ "date": "2027-02-10", "kind": "OFF" }] }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(code(&nameless), "BAD_USER_INPUT", "{backend:?}: {nameless}");
        let twice = app
            .gql(
                set,
                json!({ "days": [{ "date": "2027-02-10", "kind": "OFF", "name": "春节" },
                                 { "date": "2027-02-10", "kind": "WORK", "name": "x" }] }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(code(&twice), "BAD_USER_INPUT", "{backend:?}: {twice}");
        assert_eq!(
            after(&app, "2027-02-05", 1).await,
            "2027-02-08",
            "{backend:?}: nothing stored"
        );

        let saved = app
            .ok(set, json!({ "days": days }), Some(&admin.token))
            .await;
        assert_eq!(saved["setCalendarDays"].as_array().map(Vec::len), Some(3));
        assert_eq!(
            after(&app, "2027-02-05", 1).await,
            "2027-02-06",
            "{backend:?}: Saturday worked"
        );
        assert_eq!(
            after(&app, "2027-02-06", 1).await,
            "2027-02-10",
            "{backend:?}: 2-8, 2-9 off"
        );
        // Unlisting puts the week's rule back.
        app.ok(
            set,
            json!({ "days": [{ "date": "2027-02-06" }, { "date": "2027-02-08" }, { "date": "2027-02-09" }] }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(
            after(&app, "2027-02-05", 1).await,
            "2027-02-08",
            "{backend:?}"
        );
        let audit = app
            .ok(
                "{ auditEntries(first: 10) { edges { node { action } } } }",
                json!({}),
                Some(&admin.token),
            )
            .await;
        let actions = audit["auditEntries"]["edges"].to_string();
        assert!(
            actions.contains("calendar.update"),
            "{backend:?}: {actions}"
        );
    }
}
