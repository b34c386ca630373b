//! Live subscriptions over graphql-transport-ws: a change made through one instance
//! reaches a subscriber of the other (through Redis), an expired token closes the
//! subscription, scope rules hold, connections are limited per user, and hostile
//! messages end the connection.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::helpers::{
    Backend, TestApp, User, published_activity, redis_url, run, spawn_app, spawn_sibling,
};
use entity::enums::Role;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A graphql-transport-ws connection, initialised with `token` (or anonymous).
async fn connect(app: &TestApp, token: Option<&str>) -> Socket {
    let url = format!("{}/graphql/ws", app.address.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connects");
    let payload = match token {
        Some(token) => json!({ "Authorization": format!("Bearer {token}") }),
        None => json!({}),
    };
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": payload }),
    )
    .await;
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("sent");
}

/// The next protocol message (pings answered), or None when the connection closed or
/// nothing came within `wait`.
async fn next(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .ok()??
            .ok()?;
        match message {
            Message::Text(text) => {
                let value: Value = serde_json::from_str(text.as_str()).ok()?;
                if value["type"] == "ping" {
                    send(socket, json!({ "type": "pong" })).await;
                    continue;
                }
                return Some(value);
            }
            Message::Close(_) => return None,
            _ => continue,
        }
    }
}

async fn subscribe(socket: &mut Socket, id: &str, query: &str, variables: Value) {
    let ack = next(socket, Duration::from_secs(5)).await;
    if let Some(ack) = &ack {
        assert_eq!(ack["type"], "connection_ack", "{ack}");
    }
    send(
        socket,
        json!({ "id": id, "type": "subscribe", "payload": { "query": query, "variables": variables } }),
    )
    .await;
}

const COUNTS: &str = "subscription($id: ID!) { activityChanged(id: $id) { id status registeredCount waitlistCount } }";

#[tokio::test]
async fn a_subscriber_sees_a_registration_made_through_the_other_instance() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        // Across instances through Redis; without it, the same instance.
        let other = if redis_url().is_some() {
            spawn_sibling(&app).await
        } else {
            spawn_app(backend).await
        };
        let listening = if redis_url().is_some() { &other } else { &app };
        let (activity, _) = published_activity(
            &app,
            Some(10),
            "2031-01-01T09:00:00+08:00",
            "2031-01-01T12:00:00+08:00",
        )
        .await;
        let mut socket = connect(listening, None).await;
        subscribe(&mut socket, "1", COUNTS, json!({ "id": activity })).await;
        // Give the subscription a moment to be in place before the change.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let volunteer = &app.volunteers(1).await[0];
        let registered = run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": activity }),
            Some(&volunteer.token),
        )
        .await;
        assert!(registered.get("errors").is_none(), "{registered}");
        // The publication's own event may still be on its way (events leave in batches, off
        // the request path): the subscriber sees the registration in the events that follow.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let event = loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = next(&mut socket, left).await.expect("an event");
            assert_eq!(event["type"], "next", "{backend:?}: {event}");
            assert_eq!(event["id"], "1");
            if event["payload"]["data"]["activityChanged"]["registeredCount"] == 1 {
                break event;
            }
        };
        assert_eq!(
            event["payload"]["data"]["activityChanged"]["status"],
            "PUBLISHED"
        );
    }
}

/// A token of `user` expiring in `seconds`.
fn token_expiring_in(app: &TestApp, user: &User, seconds: i64) -> String {
    let mut claims = crate::auth::claims(user.id, vec![Role::Resident, Role::Volunteer]);
    claims.exp = chrono::Utc::now().timestamp() + seconds;
    let secret = app
        .state
        .config
        .jwt_secret
        .as_ref()
        .unwrap()
        .expose()
        .to_owned();
    crate::auth::sign(&claims, &secret)
}

#[tokio::test]
async fn an_expired_token_closes_the_subscription_and_a_stale_one_is_refused() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let volunteer = &app.volunteers(1).await[0];
        let mut socket = connect(&app, Some(&token_expiring_in(&app, volunteer, 2))).await;
        subscribe(
            &mut socket,
            "n",
            "subscription { myNotifications { id kind } }",
            json!({}),
        )
        .await;
        let ended = next(&mut socket, Duration::from_secs(10))
            .await
            .expect("an answer");
        assert_eq!(ended["type"], "next", "{backend:?}: {ended}");
        assert_eq!(
            ended["payload"]["errors"][0]["extensions"]["reason"], "TOKEN_EXPIRED",
            "{ended}"
        );
        let complete = next(&mut socket, Duration::from_secs(5))
            .await
            .expect("complete");
        assert_eq!(complete["type"], "complete", "{complete}");

        // A token already expired (beyond the verifier's leeway) is refused at init.
        let mut stale = connect(&app, Some(&token_expiring_in(&app, volunteer, -600))).await;
        assert!(
            next(&mut stale, Duration::from_secs(5)).await.is_none(),
            "the connection is closed"
        );
    }
}

#[tokio::test]
async fn my_notifications_arrive_live_and_scope_rules_hold() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            Some(1),
            "2031-01-01T09:00:00+08:00",
            "2031-01-01T12:00:00+08:00",
        )
        .await;
        let volunteers = app.volunteers(2).await;
        let mut first = None;
        for volunteer in &volunteers {
            let body = run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": activity }),
                Some(&volunteer.token),
            )
            .await;
            first.get_or_insert(body["data"]["registerForActivity"]["id"].clone());
        }
        let mut socket = connect(&app, Some(&volunteers[1].token)).await;
        subscribe(
            &mut socket,
            "n",
            "subscription { myNotifications { kind activityId } }",
            json!({}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        run(
            &app,
            "CancelRegistration",
            json!({ "id": first.unwrap() }),
            Some(&volunteers[0].token),
        )
        .await;
        let told = next(&mut socket, Duration::from_secs(10))
            .await
            .expect("told");
        assert_eq!(
            told["payload"]["data"]["myNotifications"]["kind"], "WAITLIST_PROMOTED",
            "{backend:?}: {told}"
        );

        // A volunteer gets no dashboard events; the anonymous cannot watch a draft.
        send(
            &mut socket,
            json!({ "id": "d", "type": "subscribe", "payload": { "query": "subscription { dashboardChanged }" } }),
        )
        .await;
        let refused = next(&mut socket, Duration::from_secs(5))
            .await
            .expect("refused");
        assert!(
            refused["type"] == "error" || refused["payload"]["errors"].is_array(),
            "{refused}"
        );
        let created = run(
            &app,
            "CreateActivity",
            json!({ "input": { "title": "草稿", "leadDepartmentIds": [app.department("养老科").await] } }),
            Some(&organizer.token),
        )
        .await;
        let draft = created["data"]["createActivity"]["id"].clone();
        let mut anonymous = connect(&app, None).await;
        subscribe(&mut anonymous, "a", COUNTS, json!({ "id": draft })).await;
        let hidden = next(&mut anonymous, Duration::from_secs(5))
            .await
            .expect("refused");
        let reason = if hidden["type"] == "error" {
            hidden["payload"][0]["extensions"]["reason"].clone()
        } else {
            hidden["payload"]["errors"][0]["extensions"]["reason"].clone()
        };
        assert_eq!(reason, "ACTIVITY_NOT_FOUND", "{backend:?}: {hidden}");
        let viewer = app.user(&[Role::Viewer], None).await;
        let mut office = connect(&app, Some(&viewer.token)).await;
        subscribe(
            &mut office,
            "d",
            "subscription { dashboardChanged }",
            json!({}),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        run(
            &app,
            "PublishActivity",
            json!({ "id": draft }),
            Some(&organizer.token),
        )
        .await;
        let changed = next(&mut office, Duration::from_secs(10))
            .await
            .expect("changed");
        assert!(
            changed["payload"]["data"]["dashboardChanged"].is_string(),
            "{changed}"
        );
    }
}

#[tokio::test]
async fn connections_are_limited_per_user_and_hostile_messages_end_the_connection() {
    let app = spawn_app(Backend::Sqlite).await;
    let volunteer = &app.volunteers(1).await[0];
    let mut held = Vec::new();
    for _ in 0..5 {
        let mut socket = connect(&app, Some(&volunteer.token)).await;
        let ack = next(&mut socket, Duration::from_secs(5))
            .await
            .expect("ack");
        assert_eq!(ack["type"], "connection_ack");
        held.push(socket);
    }
    let mut sixth = connect(&app, Some(&volunteer.token)).await;
    assert!(
        next(&mut sixth, Duration::from_secs(5)).await.is_none(),
        "the sixth is closed"
    );
    // One ends: a place is free again.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = connect(&app, Some(&volunteer.token)).await;
    assert_eq!(
        next(&mut again, Duration::from_secs(5)).await.expect("ack")["type"],
        "connection_ack"
    );

    let mut hostile = connect(&app, None).await;
    next(&mut hostile, Duration::from_secs(5))
        .await
        .expect("ack");
    let deep = format!(
        "subscription {{ activityChanged(id: {}1{}) {{ id }} }}",
        "[".repeat(300),
        "]".repeat(300)
    );
    send(
        &mut hostile,
        json!({ "id": "x", "type": "subscribe", "payload": { "query": deep } }),
    )
    .await;
    assert!(
        next(&mut hostile, Duration::from_secs(5)).await.is_none(),
        "closed, not parsed"
    );
    // The server lives on.
    let alive = app.ok("{ departments { name } }", json!({}), None).await;
    assert!(alive["departments"].is_array());
}
