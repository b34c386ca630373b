//! Telling people: notifications written with the change they report, each event told
//! once (two instances running the scheduler at once, a job run again), reminders that
//! survive a restart, muted kinds, and notifications only their owner reads.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Options, TestApp, User, code, published_activity, run, spawn_app, spawn_app_with,
    spawn_sibling,
};
use api::domain::notifications::scheduler::run_due;
use entity::enums::Role;

const MINE: &str = "query($unread: Boolean) { me { unreadNotificationCount notifications(unreadOnly: $unread, first: 50) { totalCount edges { node { id kind title body activityId readAt } } } } }";

async fn notifications(app: &TestApp, user: &User) -> Vec<Value> {
    let data = app.ok(MINE, json!({}), Some(&user.token)).await;
    data["me"]["notifications"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

fn kinds(list: &[Value]) -> Vec<&str> {
    list.iter().map(|n| n["kind"].as_str().unwrap()).collect()
}

async fn register(app: &TestApp, activity: &str, volunteer: &User) -> Value {
    let body = run(
        app,
        "RegisterForActivity",
        json!({ "activityId": activity }),
        Some(&volunteer.token),
    )
    .await;
    body["data"]["registerForActivity"].clone()
}

/// A published activity starting `hours` from now, lasting three hours.
async fn starting_in(app: &TestApp, hours: i64, capacity: Option<i32>) -> (String, User) {
    let starts = Utc::now() + Duration::hours(hours);
    let ends = starts + Duration::hours(3);
    published_activity(app, capacity, &starts.to_rfc3339(), &ends.to_rfc3339()).await
}

#[tokio::test]
async fn a_volunteer_moved_up_from_the_waitlist_is_told_once_and_only_they_read_it() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, _) = starting_in(&app, 24 * 30, Some(1)).await;
        let volunteers = app.volunteers(2).await;
        let first = register(&app, &activity, &volunteers[0]).await;
        let second = register(&app, &activity, &volunteers[1]).await;
        assert_eq!(second["status"], "WAITLISTED", "{backend:?}");
        run(
            &app,
            "CancelRegistration",
            json!({ "id": first["id"] }),
            Some(&volunteers[0].token),
        )
        .await;

        let told = notifications(&app, &volunteers[1]).await;
        assert_eq!(kinds(&told), ["WAITLIST_PROMOTED"], "{backend:?}");
        assert_eq!(told[0]["activityId"], activity.as_str());
        assert!(
            told[0]["body"].as_str().unwrap().contains("助老服务"),
            "{told:?}"
        );
        assert!(
            notifications(&app, &volunteers[0]).await.is_empty(),
            "the one who left"
        );

        // Read once; reading again changes nothing; someone else's ids change nothing.
        let mark = "mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }";
        let other = app
            .ok(
                mark,
                json!({ "ids": [told[0]["id"]] }),
                Some(&volunteers[0].token),
            )
            .await;
        assert_eq!(other["markNotificationsRead"], 0);
        let marked = app
            .ok(
                mark,
                json!({ "ids": [told[0]["id"]] }),
                Some(&volunteers[1].token),
            )
            .await;
        assert_eq!(marked["markNotificationsRead"], 1);
        let again = app
            .ok(
                mark,
                json!({ "ids": [told[0]["id"]] }),
                Some(&volunteers[1].token),
            )
            .await;
        assert_eq!(again["markNotificationsRead"], 0);
        let unread = app
            .ok(MINE, json!({ "unread": true }), Some(&volunteers[1].token))
            .await;
        assert_eq!(unread["me"]["unreadNotificationCount"], 0);
        assert_eq!(unread["me"]["notifications"]["totalCount"], 0);

        // Not even an admin reads another user's notifications.
        let admin = app.user(&[Role::Admin], None).await;
        let snooping = app
            .gql(
                "query($s: String) { users(search: $s, first: 5) { edges { node { notifications(first: 5) { totalCount } } } } }",
                json!({ "s": volunteers[1].phone }),
                Some(&admin.token),
            )
            .await;
        assert_eq!(code(&snooping), "FORBIDDEN", "{backend:?}: {snooping}");
        assert_eq!(snooping["errors"][0]["extensions"]["reason"], "OWNER_ONLY");
    }
}

#[tokio::test]
async fn cancelling_or_moving_an_activity_tells_everyone_registered_or_waiting() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = starting_in(&app, 24 * 10, Some(1)).await;
        let volunteers = app.volunteers(3).await;
        for volunteer in &volunteers[..2] {
            register(&app, &activity, volunteer).await;
        }
        // A new time: both told (the registered and the waiting), the third not at all.
        let later = Utc::now() + Duration::days(12);
        let moved = run(
            &app,
            "UpdateActivity",
            json!({ "id": activity, "input": { "startsAt": later.to_rfc3339(), "endsAt": (later + Duration::hours(2)).to_rfc3339() } }),
            Some(&organizer.token),
        )
        .await;
        assert!(moved.get("errors").is_none(), "{moved}");
        // A title alone changes neither time nor place: nobody is told.
        run(
            &app,
            "UpdateActivity",
            json!({ "id": activity, "input": { "title": "助老服务（第二期）" } }),
            Some(&organizer.token),
        )
        .await;
        run(
            &app,
            "CancelActivity",
            json!({ "id": activity, "reason": "台风预警" }),
            Some(&organizer.token),
        )
        .await;
        for volunteer in &volunteers[..2] {
            let told = notifications(&app, volunteer).await;
            assert_eq!(
                kinds(&told),
                ["ACTIVITY_CANCELLED", "ACTIVITY_CHANGED"],
                "{backend:?}: newest first"
            );
            assert!(
                told[0]["body"].as_str().unwrap().contains("台风预警"),
                "{told:?}"
            );
        }
        assert!(notifications(&app, &volunteers[2]).await.is_empty());
    }
}

#[tokio::test]
async fn each_reminder_is_sent_once_with_two_instances_running_the_scheduler_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let sibling = spawn_sibling(&app).await;
        let (soon, _) = starting_in(&app, 20, None).await;
        let (later, _) = starting_in(&app, 24 * 3, None).await;
        let volunteers = app.volunteers(3).await;
        for volunteer in &volunteers {
            register(&app, &soon, volunteer).await;
            register(&app, &later, volunteer).await;
        }
        // Both instances tick at once, three times over.
        for _ in 0..3 {
            let now = Utc::now();
            let (a, b) = tokio::join!(run_due(&app.state, now), run_due(&sibling.state, now));
            a.unwrap();
            b.unwrap();
        }
        for volunteer in &volunteers {
            let told = notifications(&app, volunteer).await;
            assert_eq!(kinds(&told), ["ACTIVITY_REMINDER"], "{backend:?}");
            assert_eq!(
                told[0]["activityId"],
                soon.as_str(),
                "only the one starting within a day"
            );
        }
        // Two days later the other one is due: told once more, on whichever instance.
        let then = Utc::now() + Duration::hours(49);
        let (a, b) = tokio::join!(run_due(&app.state, then), run_due(&sibling.state, then));
        assert_eq!(
            a.unwrap() + b.unwrap(),
            1,
            "{backend:?}: one job, one runner"
        );
        for volunteer in &volunteers {
            assert_eq!(
                kinds(&notifications(&app, volunteer).await),
                ["ACTIVITY_REMINDER", "ACTIVITY_REMINDER"]
            );
        }
    }
}

#[tokio::test]
async fn a_reminder_due_while_every_instance_was_down_is_sent_when_one_comes_back() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, _) = starting_in(&app, 20, None).await;
        let volunteer = &app.volunteers(1).await[0];
        register(&app, &activity, volunteer).await;
        assert!(
            notifications(&app, volunteer).await.is_empty(),
            "no scheduler ran yet"
        );
        // An instance starting with its scheduler on runs what fell due at its first tick.
        let mut config = (*app.state.config).clone();
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.scheduler_secs = 1;
        let restarted = api::startup::App::build(config).await.expect("builds");
        tokio::spawn(restarted.run_until_stopped());
        let mut told = Vec::new();
        for _ in 0..100 {
            told = notifications(&app, volunteer).await;
            if !told.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(kinds(&told), ["ACTIVITY_REMINDER"], "{backend:?}");
        // Past the start, a reminder is no longer sent (the job ends without telling).
        let (gone, _) = starting_in(&app, 20, None).await;
        register(&app, &gone, volunteer).await;
        run_due(&app.state, Utc::now() + Duration::hours(21))
            .await
            .unwrap();
        assert_eq!(notifications(&app, volunteer).await.len(), 1, "{backend:?}");
    }
}

#[tokio::test]
async fn reviewed_hours_are_told_unless_the_volunteer_muted_them() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = published_activity(
            &app,
            None,
            "2024-03-01T09:00:00+08:00",
            "2024-03-01T12:00:00+08:00",
        )
        .await;
        let volunteers = app.volunteers(2).await;
        let mute = "mutation($k: NotificationKind!, $m: Boolean!) { setNotificationMuted(kind: $k, muted: $m) }";
        let muted = app
            .ok(
                mute,
                json!({ "k": "HOURS_APPROVED", "m": true }),
                Some(&volunteers[1].token),
            )
            .await;
        assert_eq!(muted["setNotificationMuted"], json!(["HOURS_APPROVED"]));
        let mut records = Vec::new();
        for volunteer in &volunteers {
            let volunteer_id = app
                .ok(
                    "{ me { volunteer { id } } }",
                    json!({}),
                    Some(&volunteer.token),
                )
                .await["me"]["volunteer"]["id"]
                .clone();
            let recorded = run(
                &app,
                "RecordServiceHours",
                json!({ "input": { "activityId": activity, "volunteerId": volunteer_id, "hours": 2.5 } }),
                Some(&organizer.token),
            )
            .await;
            records.push(recorded["data"]["recordServiceHours"]["id"].clone());
        }
        let reviewed = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": records, "decision": "APPROVE" }),
            Some(&organizer.token),
        )
        .await;
        assert!(reviewed.get("errors").is_none(), "{reviewed}");
        let told = notifications(&app, &volunteers[0]).await;
        assert_eq!(kinds(&told), ["HOURS_APPROVED"], "{backend:?}");
        assert!(
            told[0]["body"].as_str().unwrap().contains("2.5"),
            "{told:?}"
        );
        assert!(
            notifications(&app, &volunteers[1]).await.is_empty(),
            "muted"
        );
        let resumed = app
            .ok(
                mute,
                json!({ "k": "HOURS_APPROVED", "m": false }),
                Some(&volunteers[1].token),
            )
            .await;
        assert_eq!(resumed["setNotificationMuted"], json!([]));
    }
}

#[tokio::test]
async fn a_department_hears_of_a_new_rectification_and_of_its_deadline_once() {
    for backend in Backend::all() {
        let app = spawn_app_with(backend, Options::default()).await;
        let sibling = spawn_sibling(&app).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let other = app.user(&[Role::Organizer], Some("办公室")).await;
        let elderly = app.department("养老科").await;
        let created = run(
            &app,
            "CreateSurvey",
            json!({ "input": { "title": "助老服务满意度", "departmentId": elderly, "questions": [
                { "prompt": "您对本次服务满意吗？", "kind": "SATISFACTION", "required": true }
            ] } }),
            Some(&organizer.token),
        )
        .await;
        let survey = created["data"]["createSurvey"]["id"].clone();
        assert!(survey.is_string(), "{created}");
        run(
            &app,
            "OpenSurvey",
            json!({ "id": survey }),
            Some(&organizer.token),
        )
        .await;
        let questions = app
            .ok(
                "query($id: ID!) { survey(id: $id) { questions { id } } }",
                json!({ "id": survey }),
                None,
            )
            .await;
        let question = questions["survey"]["questions"][0]["id"].clone();
        let resident = app.user(&[Role::Resident], None).await;
        let submitted = run(
            &app,
            "SubmitSurveyResponse",
            json!({ "input": { "surveyId": survey, "channel": "MINI_PROGRAM", "answers": [
                { "questionId": question, "level": "VERY_DISSATISFIED" }
            ] } }),
            Some(&resident.token),
        )
        .await;
        assert!(submitted.get("errors").is_none(), "{submitted}");
        let told = notifications(&app, &organizer).await;
        assert_eq!(kinds(&told), ["RECTIFICATION_ASSIGNED"], "{backend:?}");
        assert!(
            notifications(&app, &other).await.is_empty(),
            "another department"
        );

        // Its last working day, then past the deadline: both instances tick, each told once.
        let rectifications = app
            .ok(
                "{ rectifications(first: 1) { edges { node { dueAt } } } }",
                json!({}),
                Some(&organizer.token),
            )
            .await;
        let due: chrono::DateTime<Utc> =
            rectifications["rectifications"]["edges"][0]["node"]["dueAt"]
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
        for at in [due - Duration::hours(20), due + Duration::minutes(1)] {
            for _ in 0..2 {
                let (a, b) = tokio::join!(run_due(&app.state, at), run_due(&sibling.state, at));
                a.unwrap();
                b.unwrap();
            }
        }
        assert_eq!(
            kinds(&notifications(&app, &organizer).await),
            [
                "RECTIFICATION_OVERDUE",
                "RECTIFICATION_DUE_SOON",
                "RECTIFICATION_ASSIGNED"
            ],
            "{backend:?}"
        );
    }
}

/// WeChat's `stable_token` and `message/subscribe/send`, played locally. Tokens are
/// `token-N` (N counts the tokens handed out; `force_refresh` makes a new one). The send
/// answers, in turn, what `script` says for the openid (`busy` then `ok` …), then `ok`;
/// `openid-unknown` is always 40003; a token other than the newest is 40001.
#[derive(Default)]
struct FakeWechat {
    tokens: std::sync::Mutex<u32>,
    script: std::sync::Mutex<std::collections::VecDeque<&'static str>>,
    delivered: std::sync::Mutex<Vec<Value>>,
    attempts: std::sync::atomic::AtomicUsize,
}

async fn fake_wechat(fake: std::sync::Arc<FakeWechat>) -> String {
    use axum::extract::Query;
    use std::collections::HashMap;
    let token_fake = fake.clone();
    let app = axum::Router::new()
        .route(
            "/cgi-bin/stable_token",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let fake = token_fake.clone();
                async move {
                    let mut tokens = fake.tokens.lock().unwrap();
                    if *tokens == 0 || body["force_refresh"] == true {
                        *tokens += 1;
                    }
                    axum::Json(
                        json!({ "access_token": format!("token-{}", *tokens), "expires_in": 7200 }),
                    )
                }
            }),
        )
        .route(
            "/cgi-bin/message/subscribe/send",
            axum::routing::post(
                move |Query(params): Query<HashMap<String, String>>,
                      axum::Json(body): axum::Json<Value>| {
                    let fake = fake.clone();
                    async move {
                        fake.attempts
                            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        let newest = format!("token-{}", *fake.tokens.lock().unwrap());
                        if params.get("access_token") != Some(&newest) {
                            return axum::Json(
                                json!({ "errcode": 40001, "errmsg": "invalid credential" }),
                            );
                        }
                        if body["touser"] == "openid-unknown" {
                            return axum::Json(
                                json!({ "errcode": 40003, "errmsg": "invalid openid" }),
                            );
                        }
                        let next = fake.script.lock().unwrap().pop_front().unwrap_or("ok");
                        match next {
                            "busy" => {
                                axum::Json(json!({ "errcode": -1, "errmsg": "system error" }))
                            }
                            "expired" => {
                                // Another party renewed the token: ours is no longer the newest.
                                *fake.tokens.lock().unwrap() += 1;
                                axum::Json(
                                    json!({ "errcode": 40001, "errmsg": "invalid credential" }),
                                )
                            }
                            _ => {
                                fake.delivered.lock().unwrap().push(body);
                                axum::Json(json!({ "errcode": 0, "errmsg": "ok" }))
                            }
                        }
                    }
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

async fn wechat_app(backend: Backend, fake: std::sync::Arc<FakeWechat>) -> TestApp {
    let base = fake_wechat(fake).await;
    spawn_app_with(
        backend,
        Options {
            configure: Box::new(move |config| {
                config.wechat_api_base = base;
                config.wechat_appid = Some("wx-test".to_owned());
                config.wechat_secret = Some(api::config::Secret::new("wx-secret"));
                config.wechat_templates = vec![
                    "WAITLIST_PROMOTED=tmpl-promoted".to_owned(),
                    "ACTIVITY_CANCELLED=tmpl-cancelled".to_owned(),
                ];
            }),
            ..Options::default()
        },
    )
    .await
}

/// Gives the volunteer's account a WeChat openid, as `wechatLogin` would.
async fn bind_openid(app: &TestApp, user: &User, openid: &str) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let account = entity::user::Entity::find_by_id(user.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut model: entity::user::ActiveModel = account.into();
    model.wechat_openid = Set(Some(openid.to_owned()));
    model.update(&app.state.db).await.unwrap();
}

const ACCEPT: &str =
    "mutation($k: [NotificationKind!]!) { acceptWechatMessages(kinds: $k) { kind remaining } }";

/// A full activity with the first volunteer registered and the second waiting; the first
/// cancels, which promotes the second.
async fn promote(app: &TestApp, volunteers: &[User]) -> String {
    let (activity, _) = starting_in(app, 24 * 30, Some(1)).await;
    let first = register(app, &activity, &volunteers[0]).await;
    register(app, &activity, &volunteers[1]).await;
    run(
        app,
        "CancelRegistration",
        json!({ "id": first["id"] }),
        Some(&volunteers[0].token),
    )
    .await;
    activity
}

async fn delivery_states(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    entity::notification_delivery::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| format!("{:?}/{}", d.state, d.attempts))
        .collect()
}

#[tokio::test]
async fn a_wechat_message_that_fails_twice_then_succeeds_is_delivered_once() {
    use api::domain::notifications::wechat::send_due;
    for backend in Backend::all() {
        let fake = std::sync::Arc::new(FakeWechat::default());
        fake.script.lock().unwrap().extend(["busy", "busy"]);
        let app = wechat_app(backend, fake.clone()).await;
        let sibling = spawn_sibling(&app).await;
        let volunteers = app.volunteers(2).await;
        bind_openid(&app, &volunteers[1], "openid-promoted").await;
        let accepted = app
            .ok(
                ACCEPT,
                json!({ "k": ["WAITLIST_PROMOTED"] }),
                Some(&volunteers[1].token),
            )
            .await;
        assert_eq!(
            accepted["acceptWechatMessages"],
            json!([{ "kind": "WAITLIST_PROMOTED", "remaining": 1 }])
        );
        let activity = promote(&app, &volunteers).await;

        let start = Utc::now();
        // Two instances at once: one attempt between them; then the retries after 30 s and
        // 60 s more; nothing is due in between, nothing after it was sent.
        for (at, expected) in [
            (start, 1),
            (start, 0),
            (start + Duration::seconds(31), 1),
            (start + Duration::seconds(31 + 20), 0),
            (start + Duration::seconds(31 + 61), 1),
            (start + Duration::hours(3), 0),
        ] {
            let (a, b) = tokio::join!(send_due(&app.state, at), send_due(&sibling.state, at));
            assert_eq!(a.unwrap() + b.unwrap(), expected, "{backend:?} at {at}");
        }
        let delivered = fake.delivered.lock().unwrap().clone();
        assert_eq!(delivered.len(), 1, "{backend:?}: delivered once");
        assert_eq!(fake.attempts.load(std::sync::atomic::Ordering::SeqCst), 3);
        let message = &delivered[0];
        assert_eq!(message["touser"], "openid-promoted");
        assert_eq!(message["template_id"], "tmpl-promoted");
        assert_eq!(message["data"]["thing1"]["value"], "候补成功");
        assert_eq!(
            message["page"],
            format!("pages/activity/detail?id={activity}")
        );
        assert_eq!(delivery_states(&app).await, ["Sent/3"], "{backend:?}");

        // The acceptance was used up: the next promotion is told in the app only.
        promote(&app, &volunteers).await;
        assert_eq!(delivery_states(&app).await.len(), 1, "{backend:?}");
        assert_eq!(
            kinds(&notifications(&app, &volunteers[1]).await),
            ["WAITLIST_PROMOTED", "WAITLIST_PROMOTED"]
        );
    }
}

#[tokio::test]
async fn a_refused_message_ends_at_once_and_an_expired_token_is_renewed() {
    use api::domain::notifications::wechat::send_due;
    for backend in Backend::all() {
        let fake = std::sync::Arc::new(FakeWechat::default());
        fake.script.lock().unwrap().extend(["expired"]);
        let app = wechat_app(backend, fake.clone()).await;
        let volunteers = app.volunteers(3).await;
        bind_openid(&app, &volunteers[1], "openid-ok").await;
        bind_openid(&app, &volunteers[2], "openid-unknown").await;
        for volunteer in &volunteers[1..] {
            app.ok(
                ACCEPT,
                json!({ "k": ["ACTIVITY_CANCELLED"] }),
                Some(&volunteer.token),
            )
            .await;
        }
        let (activity, organizer) = starting_in(&app, 24 * 30, None).await;
        for volunteer in &volunteers[1..] {
            register(&app, &activity, volunteer).await;
        }
        run(
            &app,
            "CancelActivity",
            json!({ "id": activity, "reason": "暴雨" }),
            Some(&organizer.token),
        )
        .await;
        let now = Utc::now();
        assert_eq!(send_due(&app.state, now).await.unwrap(), 2);
        let mut states = delivery_states(&app).await;
        states.sort();
        // The expired token was renewed within the attempt; the unknown openid is not
        // tried again.
        assert_eq!(states, ["Dead/1", "Sent/1"], "{backend:?}");
        assert_eq!(
            send_due(&app.state, now + Duration::hours(1))
                .await
                .unwrap(),
            0
        );
        assert_eq!(fake.delivered.lock().unwrap()[0]["touser"], "openid-ok");
    }
}

#[tokio::test]
async fn only_wechat_accounts_accept_messages_and_only_of_configured_kinds() {
    let fake = std::sync::Arc::new(FakeWechat::default());
    let app = wechat_app(Backend::Sqlite, fake).await;
    let volunteers = app.volunteers(1).await;
    let unbound = app
        .gql(
            ACCEPT,
            json!({ "k": ["WAITLIST_PROMOTED"] }),
            Some(&volunteers[0].token),
        )
        .await;
    assert_eq!(
        unbound["errors"][0]["extensions"]["reason"], "WECHAT_NOT_BOUND",
        "{unbound}"
    );
    bind_openid(&app, &volunteers[0], "openid-x").await;
    let unknown = app
        .gql(
            ACCEPT,
            json!({ "k": ["HOURS_APPROVED"] }),
            Some(&volunteers[0].token),
        )
        .await;
    assert_eq!(
        unknown["errors"][0]["extensions"]["reason"],
        "WECHAT_TEMPLATE_UNKNOWN"
    );
    assert_eq!(unknown["errors"][0]["extensions"]["field"], "kinds");
    let templates = app
        .ok("{ wechatTemplates { kind templateId } }", json!({}), None)
        .await;
    assert_eq!(templates["wechatTemplates"].as_array().unwrap().len(), 2);
}
