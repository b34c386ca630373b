//! A volunteer's calendar feed: iCalendar of the activities they are registered for, at a
//! secret URL that rotating retires.

use serde_json::json;

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, code, open_activity, run, spawn_app};

const URL: &str = "{ me { volunteer { calendarFeedUrl } } }";
const ROTATE: &str = "mutation { rotateCalendarFeed }";

async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app
        .http
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, response.text().await.expect("text"))
}

#[tokio::test]
async fn the_feed_lists_registered_activities_as_icalendar_until_its_url_is_rotated() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (registered, _) = open_activity(&app, None).await;
        let (_other, _) = open_activity(&app, None).await;
        let volunteer = app.user(&[Role::Volunteer], None).await;
        let body = run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": registered }),
            Some(&volunteer.token),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");

        let none = app.ok(URL, json!({}), Some(&volunteer.token)).await;
        assert!(
            none["me"]["volunteer"]["calendarFeedUrl"].is_null(),
            "{backend:?}"
        );
        let first = app.ok(ROTATE, json!({}), Some(&volunteer.token)).await["rotateCalendarFeed"]
            .as_str()
            .expect("path")
            .to_owned();
        let shown = app.ok(URL, json!({}), Some(&volunteer.token)).await;
        assert_eq!(shown["me"]["volunteer"]["calendarFeedUrl"], first.as_str());

        let (status, content_type, text) = get(&app, &first).await;
        assert_eq!(status, 200, "{backend:?}: {text}");
        assert!(content_type.starts_with("text/calendar"));
        let unfolded = icalendar::parser::unfold(&text);
        let calendar = icalendar::parser::read_calendar(&unfolded).expect("parses as iCalendar");
        let events: Vec<_> = calendar
            .components
            .iter()
            .filter(|c| c.name == "VEVENT")
            .collect();
        assert_eq!(
            events.len(),
            1,
            "{backend:?}: only the registered activity\n{text}"
        );
        let property = |name: &str| {
            events[0]
                .properties
                .iter()
                .find(|p| p.name == name)
                .map(|p| p.val.to_string())
                .unwrap_or_default()
        };
        assert_eq!(property("SUMMARY"), "助老服务", "{backend:?}");
        assert_eq!(property("DTSTART"), "20310101T010000Z", "09:00 at +08:00");
        assert_eq!(property("DTEND"), "20310101T040000Z");
        assert_eq!(property("UID"), format!("activity-{registered}@tongxin"));
        assert_eq!(property("STATUS"), "CONFIRMED");

        // Rotated: the old URL is gone, the new one works.
        let second = app.ok(ROTATE, json!({}), Some(&volunteer.token)).await["rotateCalendarFeed"]
            .as_str()
            .expect("path")
            .to_owned();
        assert_ne!(first, second);
        assert_eq!(get(&app, &first).await.0, 404, "{backend:?}");
        assert_eq!(get(&app, &second).await.0, 200, "{backend:?}");
        let user_part = second.split('/').nth(2).expect("user").to_owned();
        let (status, _, _) = get(
            &app,
            &format!("/calendar/{user_part}/{}.ics", "0".repeat(32)),
        )
        .await;
        assert_eq!(status, 404, "{backend:?}: a wrong token");
        let (status, _, _) = get(&app, &format!("/calendar/{user_part}/x")).await;
        assert_eq!(status, 404, "{backend:?}");

        // Only volunteers have a feed.
        let resident = app.user(&[], None).await;
        let refused = app.gql(ROTATE, json!({}), Some(&resident.token)).await;
        assert_eq!(code(&refused), "FORBIDDEN", "{backend:?}");
    }
}
