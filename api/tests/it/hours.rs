//! Check-in codes, check-in and check-out, recorded hours and their review.

use serde_json::json;

use entity::enums::Role;

use crate::helpers::activity_about_to_start;
use crate::helpers::run;
use crate::helpers::{Backend, TestApp, User, code, published_activity, spawn_app};

#[tokio::test]
async fn a_registered_volunteer_checks_in_and_out_with_the_code_and_approved_hours_count() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer, volunteer) = activity_about_to_start(&app).await;
        let code_body = run(
            &app,
            "ActivityCheckInCode",
            json!({ "activityId": id }),
            Some(&organizer.token),
        )
        .await;
        let shown = code_body["data"]["activityCheckInCode"]["code"]
            .as_str()
            .expect("code")
            .to_owned();
        assert_eq!(shown.len(), 6);

        let wrong = run(
            &app,
            "CheckIn",
            json!({ "activityId": id, "code": "not-it" }),
            Some(&volunteer.token),
        )
        .await;
        assert_eq!(code(&wrong), "BAD_USER_INPUT");
        let stranger = app.volunteers(1).await.remove(0);
        let unregistered = run(
            &app,
            "CheckIn",
            json!({ "activityId": id, "code": shown }),
            Some(&stranger.token),
        )
        .await;
        assert_eq!(code(&unregistered), "FORBIDDEN");

        let checked_in = run(
            &app,
            "CheckIn",
            json!({ "activityId": id, "code": shown }),
            Some(&volunteer.token),
        )
        .await;
        assert_eq!(
            checked_in["data"]["checkIn"]["status"], "PENDING",
            "{checked_in}"
        );
        let twice = run(
            &app,
            "CheckIn",
            json!({ "activityId": id, "code": shown }),
            Some(&volunteer.token),
        )
        .await;
        assert_eq!(code(&twice), "CONFLICT");
        let out = run(
            &app,
            "CheckOut",
            json!({ "activityId": id, "code": shown }),
            Some(&volunteer.token),
        )
        .await;
        assert!(out["data"]["checkOut"]["checkedOutAt"].is_string(), "{out}");
        let record_id = out["data"]["checkOut"]["id"].clone();

        // Pending hours count nowhere.
        let mine = run(&app, "MyServiceRecords", json!({}), Some(&volunteer.token)).await;
        assert_eq!(mine["data"]["me"]["volunteer"]["totalHours"], 0.0);

        let reject_without_note = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": [record_id], "decision": "REJECT" }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&reject_without_note), "BAD_USER_INPUT");
        let approved = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": [record_id], "decision": "APPROVE", "hours": 2.5, "note": "按实际时长认定" }),
            Some(&organizer.token),
        )
        .await;
        let reviewed = &approved["data"]["reviewServiceRecords"][0];
        assert_eq!(reviewed["status"], "APPROVED", "{approved}");
        assert_eq!(reviewed["hours"], 2.5);
        assert_eq!(reviewed["volunteer"]["totalHours"], 2.5);
        let again = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": [record_id], "decision": "REJECT", "note": "x" }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&again), "CONFLICT", "a record is reviewed once");
    }
}

#[tokio::test]
async fn the_previous_code_is_accepted_and_older_ones_are_not() {
    let app = spawn_app(Backend::Sqlite).await;
    let (id, _, volunteer) = activity_about_to_start(&app).await;
    let activity_id: i32 = id.parse().unwrap();
    let period = api::domain::hours::service::period_of(chrono::Utc::now());
    let stale = api::domain::hours::service::code_for(&app.state, activity_id, period - 2);
    let previous = api::domain::hours::service::code_for(&app.state, activity_id, period - 1);
    let current = api::domain::hours::service::code_for(&app.state, activity_id, period);
    if stale != previous && stale != current {
        let body = run(
            &app,
            "CheckIn",
            json!({ "activityId": id, "code": stale }),
            Some(&volunteer.token),
        )
        .await;
        assert_eq!(code(&body), "BAD_USER_INPUT");
    }
    let body = run(
        &app,
        "CheckIn",
        json!({ "activityId": id, "code": previous }),
        Some(&volunteer.token),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn organizers_record_hours_for_their_own_activities_only() {
    let app = spawn_app(Backend::Sqlite).await;
    let (id, organizer, volunteer) = activity_about_to_start(&app).await;
    let other = app.user(&[Role::Organizer], Some("办公室")).await;
    let volunteer_id = {
        let me = run(&app, "Me", json!({}), Some(&volunteer.token)).await;
        me["data"]["me"]["volunteer"]["id"].clone()
    };
    let input = json!({ "input": { "activityId": id, "volunteerId": volunteer_id, "hours": 3 } });
    let refused = run(
        &app,
        "RecordServiceHours",
        input.clone(),
        Some(&other.token),
    )
    .await;
    assert_eq!(code(&refused), "FORBIDDEN");
    let bad = run(
        &app,
        "RecordServiceHours",
        json!({ "input": { "activityId": id, "volunteerId": volunteer_id, "hours": -1 } }),
        Some(&organizer.token),
    )
    .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    let recorded = run(&app, "RecordServiceHours", input, Some(&organizer.token)).await;
    assert_eq!(
        recorded["data"]["recordServiceHours"]["hours"], 3.0,
        "{recorded}"
    );
    let queue = run(
        &app,
        "ReviewQueue",
        json!({ "filter": { "status": "PENDING" } }),
        Some(&organizer.token),
    )
    .await;
    assert_eq!(queue["data"]["serviceRecords"]["totalCount"], 1, "{queue}");
    assert_eq!(
        queue["data"]["serviceRecords"]["edges"][0]["node"]["volunteer"]["realName"], "志愿者0",
        "organizers of the activity see the real name"
    );
    let other_queue = run(&app, "ReviewQueue", json!({}), Some(&other.token)).await;
    assert_eq!(other_queue["data"]["serviceRecords"]["totalCount"], 0);
}

#[test]
fn star_levels_follow_the_national_thresholds() {
    let policy = api::domain::users::stars::StarPolicy::default();
    let star_level = |minutes: i64| policy.level(minutes);
    assert_eq!(star_level(99 * 60 + 59), 0);
    assert_eq!(star_level(100 * 60), 1);
    assert_eq!(star_level(300 * 60), 2);
    assert_eq!(star_level(600 * 60), 3);
    assert_eq!(star_level(1000 * 60), 4);
    assert_eq!(star_level(1500 * 60), 5);
}

/// The volunteer's id as `Me` shows it.
async fn volunteer_id_of(app: &TestApp, volunteer: &User) -> serde_json::Value {
    let me = run(app, "Me", json!({}), Some(&volunteer.token)).await;
    me["data"]["me"]["volunteer"]["id"].clone()
}

/// "3-4月份 抗疫": a two-month activity credits every day served, one record per day, and
/// 13 days of 8 hours (104 h, more than any one record may hold) make a one-star volunteer.
#[tokio::test]
async fn a_two_month_activity_credits_every_day_served() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer) = published_activity(
            &app,
            None,
            "2022-03-01T08:00:00+08:00",
            "2022-04-30T18:00:00+08:00",
        )
        .await;
        let volunteer = app.volunteers(1).await.remove(0);
        let volunteer_id = volunteer_id_of(&app, &volunteer).await;
        let mut ids = Vec::new();
        for day in 1..=13 {
            let recorded = run(
                &app,
                "RecordServiceHours",
                json!({ "input": { "activityId": id, "volunteerId": volunteer_id, "hours": 8,
                        "serviceDate": format!("2022-04-{day:02}") } }),
                Some(&organizer.token),
            )
            .await;
            assert!(recorded.get("errors").is_none(), "{backend:?}: {recorded}");
            ids.push(recorded["data"]["recordServiceHours"]["id"].clone());
        }
        let approved = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": ids, "decision": "APPROVE" }),
            Some(&organizer.token),
        )
        .await;
        assert!(approved.get("errors").is_none(), "{backend:?}: {approved}");
        let me = run(&app, "Me", json!({}), Some(&volunteer.token)).await;
        assert_eq!(
            me["data"]["me"]["volunteer"]["totalHours"], 104.0,
            "{backend:?}: {me}"
        );
        assert_eq!(
            me["data"]["me"]["volunteer"]["starLevel"], 1,
            "{backend:?}: {me}"
        );
        let days = app
            .ok(
                "query($id: ID!) { activity(id: $id) { serviceRecords(first: 20) { edges { node { serviceDate } } } } }",
                json!({ "id": id }),
                Some(&organizer.token),
            )
            .await;
        let mut dates: Vec<String> = days["activity"]["serviceRecords"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|edge| {
                edge["node"]["serviceDate"]
                    .as_str()
                    .expect("date")
                    .to_owned()
            })
            .collect();
        dates.sort();
        assert_eq!(
            dates.first().map(String::as_str),
            Some("2022-04-01"),
            "{backend:?}"
        );
        assert_eq!(dates.len(), 13, "{backend:?}: one record per day");
    }
}

/// The day must lie within the activity's dates; one record per volunteer, activity and
/// day; at most 24 hours in one; without a day, the activity's start date.
#[tokio::test]
async fn the_day_of_a_record_follows_the_rules() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer) = published_activity(
            &app,
            None,
            "2022-03-05T08:00:00+08:00",
            "2022-03-06T18:00:00+08:00",
        )
        .await;
        let volunteer = app.volunteers(1).await.remove(0);
        let volunteer_id = volunteer_id_of(&app, &volunteer).await;
        let record = |hours: f64, day: Option<&str>| {
            let app = &app;
            let (id, volunteer_id, token) =
                (id.clone(), volunteer_id.clone(), organizer.token.clone());
            let day = day.map(str::to_owned);
            async move {
                let mut input =
                    json!({ "activityId": id, "volunteerId": volunteer_id, "hours": hours });
                if let Some(day) = day {
                    input["serviceDate"] = json!(day);
                }
                app.gql(
                    "mutation($input: RecordServiceHoursInput!) { recordServiceHours(input: $input) { id serviceDate hours } }",
                    json!({ "input": input }),
                    Some(&token),
                )
                .await
            }
        };
        let outside = record(4.0, Some("2022-03-07")).await;
        assert_eq!(code(&outside), "BAD_USER_INPUT", "{backend:?}: {outside}");
        assert_eq!(outside["errors"][0]["extensions"]["field"], "serviceDate");
        let before = record(4.0, Some("2022-03-04")).await;
        assert_eq!(code(&before), "BAD_USER_INPUT", "{backend:?}: {before}");
        let too_long = record(24.5, Some("2022-03-06")).await;
        assert_eq!(code(&too_long), "BAD_USER_INPUT", "{backend:?}: {too_long}");
        let default_day = record(4.0, None).await;
        assert_eq!(
            default_day["data"]["recordServiceHours"]["serviceDate"], "2022-03-05",
            "{backend:?}: {default_day}"
        );
        let second_day = record(24.0, Some("2022-03-06")).await;
        assert!(
            second_day.get("errors").is_none(),
            "{backend:?}: {second_day}"
        );
        let twice = record(2.0, Some("2022-03-06")).await;
        assert_eq!(code(&twice), "CONFLICT", "{backend:?}: {twice}");
        let records = app
            .ok(
                "query($id: ID!) { activity(id: $id) { serviceRecords(first: 20) { totalCount } } }",
                json!({ "id": id }),
                Some(&organizer.token),
            )
            .await;
        assert_eq!(
            records["activity"]["serviceRecords"]["totalCount"], 2,
            "{backend:?}: nothing stored by the refused ones"
        );
    }
}
