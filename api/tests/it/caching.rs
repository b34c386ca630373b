//! What the caches in front of the database may and may not do: repeated reads cost no
//! SQL (or only the viewer's own part), and a write, a passing deadline or a Redis that
//! lost its data never leaves an old answer in sight.

use futures::future::join_all;
use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::PrivateRedis;
use crate::helpers::run;
use crate::helpers::{Backend, Options, TestApp, spawn_app, spawn_app_with};
use crate::helpers::{open_activity, published_activity};

/// The feed card of one activity, as `token` sees it.
async fn card(app: &TestApp, id: &str, token: Option<&str>) -> Value {
    let body = run(app, "ActivityFeed", json!({ "first": 20 }), token).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["activities"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"].clone())
        .find(|node| node["id"] == id)
        .unwrap_or_else(|| panic!("activity {id} not in the feed: {body:#}"))
}

#[tokio::test]
async fn a_signed_in_feed_reads_only_the_viewers_registrations_and_shows_each_change_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, _) = open_activity(&app, Some(1)).await;
        let volunteers = app.volunteers(2).await;
        let (first, second) = (&volunteers[0].token, &volunteers[1].token);

        assert_eq!(
            card(&app, &id, Some(first)).await["viewerRegistration"],
            Value::Null
        );
        let before = app.statements();
        let again = card(&app, &id, Some(first)).await;
        assert_eq!(again["viewerRegistration"], Value::Null);
        assert_eq!(
            app.statements() - before,
            1,
            "{backend:?}: a repeated signed-in page reads the viewer's registrations only"
        );

        let registered = run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": id }),
            Some(first),
        )
        .await;
        assert_eq!(
            registered["data"]["registerForActivity"]["status"], "REGISTERED",
            "{registered:#}"
        );
        let now = card(&app, &id, Some(first)).await;
        assert_eq!(
            now["viewerRegistration"]["status"], "REGISTERED",
            "{backend:?}: {now:#}"
        );
        assert_eq!(now["registeredCount"], 1);
        let anonymous = card(&app, &id, None).await;
        assert_eq!(anonymous["registeredCount"], 1);
        assert_eq!(anonymous["viewerRegistration"], Value::Null);

        // The answer to a registration needs no reads after the write.
        let before = app.statements();
        let waitlisted = run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": id }),
            Some(second),
        )
        .await;
        let statements = app.statements() - before;
        let answer = &waitlisted["data"]["registerForActivity"];
        assert_eq!(answer["status"], "WAITLISTED", "{waitlisted:#}");
        assert_eq!(answer["waitlistPosition"], 1);
        assert_eq!(answer["activity"]["registeredCount"], 1);
        assert_eq!(answer["activity"]["waitlistCount"], 1);
        assert!(
            statements <= 3,
            "{backend:?}: a registration ran {statements} statements"
        );
        let theirs = card(&app, &id, Some(second)).await;
        assert_eq!(
            theirs["viewerRegistration"]["status"], "WAITLISTED",
            "{theirs:#}"
        );
        assert_eq!(theirs["viewerRegistration"]["waitlistPosition"], 1);
        assert_eq!(theirs["waitlistCount"], 1);

        let twice = run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": id }),
            Some(second),
        )
        .await;
        assert_eq!(crate::helpers::code(&twice), "CONFLICT", "{twice:#}");
        assert_eq!(
            twice["errors"][0]["extensions"]["reason"], "ALREADY_REGISTERED",
            "{twice:#}"
        );
    }
}

/// A gauge of the private `/metrics`.
async fn gauge(app: &TestApp, name: &str) -> f64 {
    (app.gauge(name).await).unwrap_or_else(|| panic!("{name} not on /metrics"))
}

#[tokio::test]
async fn an_activity_page_is_kept_until_the_next_write_lets_it_go() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, _) = open_activity(&app, Some(5)).await;
        let volunteers = app.volunteers(1).await;
        let token = &volunteers[0].token;
        let page = run(&app, "ActivityDetail", json!({ "id": id }), Some(token)).await;
        assert_eq!(page["data"]["activity"]["registeredCount"], 0, "{page:#}");

        let before = app.statements();
        let again = run(&app, "ActivityDetail", json!({ "id": id }), Some(token)).await;
        assert_eq!(again, page);
        assert_eq!(
            app.statements() - before,
            1,
            "{backend:?}: a page read before reads only the viewer's registration"
        );
        assert!(gauge(&app, "tongxin_public_memo_values").await >= 1.0);
        assert!(gauge(&app, "tongxin_public_memo_bytes").await > 1000.0);

        let registered = run(
            &app,
            "RegisterForActivity",
            json!({ "activityId": id }),
            Some(token),
        )
        .await;
        assert_eq!(
            registered["data"]["registerForActivity"]["status"], "REGISTERED",
            "{registered:#}"
        );
        // Nothing kept from before the write stays in memory, where nobody could read it.
        assert_eq!(
            gauge(&app, "tongxin_public_memo_values").await,
            0.0,
            "{backend:?}"
        );
        assert_eq!(gauge(&app, "tongxin_public_memo_bytes").await, 0.0);
        let now = run(&app, "ActivityDetail", json!({ "id": id }), Some(token)).await;
        assert_eq!(now["data"]["activity"]["registeredCount"], 1, "{now:#}");
        assert_eq!(
            now["data"]["activity"]["viewerRegistration"]["status"],
            "REGISTERED"
        );
    }
}

/// `TONGXIN_PUBLIC_MEMO_MB=0`: an operator who gives the kept pages no memory gets every
/// page read from the database, and the same page.
#[tokio::test]
async fn with_no_memory_for_kept_pages_every_page_is_read_anew() {
    for backend in Backend::all() {
        let app = spawn_app_with(
            backend,
            Options {
                configure: Box::new(|config| config.public_memo_mb = Some(0)),
                ..Options::default()
            },
        )
        .await;
        let (id, _) = open_activity(&app, Some(5)).await;
        let token = &app.volunteers(1).await[0].token;
        let page = run(&app, "ActivityDetail", json!({ "id": id }), Some(token)).await;
        assert_eq!(page["data"]["activity"]["capacity"], 5, "{page:#}");
        let before = app.statements();
        let again = run(&app, "ActivityDetail", json!({ "id": id }), Some(token)).await;
        assert_eq!(again, page);
        assert_eq!(
            app.statements() - before,
            2,
            "{backend:?}: the activity's part, then the viewer's registration"
        );
        assert_eq!(gauge(&app, "tongxin_public_memo_bytes").await, 0.0);
    }
}

async fn overview(app: &TestApp, token: &str) -> Value {
    let body = run(app, "DashboardOverview", json!({}), Some(token)).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["dashboard"]["overview"].clone()
}

#[tokio::test]
async fn a_dashboard_answer_is_kept_per_user_and_a_write_shows_at_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let other = app.user(&[Role::Organizer], Some("社会事务科")).await;
        open_activity(&app, None).await;

        let hours = |token: String| {
            let app = &app;
            async move {
                let body = run(app, "DashboardHours", json!({}), Some(&token)).await;
                assert!(body.get("errors").is_none(), "{body:#}");
                body["data"]["dashboard"].clone()
            }
        };
        let first = hours(viewer.token.clone()).await;
        let before = app.statements();
        assert_eq!(hours(viewer.token.clone()).await, first);
        assert_eq!(
            app.statements(),
            before,
            "{backend:?}: the repeated answer runs no SQL"
        );

        assert_eq!(overview(&app, &viewer.token).await["activityCount"], 1);
        assert_eq!(overview(&app, &organizer.token).await["activityCount"], 1);
        assert_eq!(
            overview(&app, &other.token).await["activityCount"],
            0,
            "{backend:?}: another department's organizer got someone else's answer"
        );

        // A write through the API: every cached answer is behind it at once.
        published_activity(
            &app,
            None,
            "2031-02-01T09:00:00+08:00",
            "2031-02-01T12:00:00+08:00",
        )
        .await;
        assert_eq!(overview(&app, &viewer.token).await["activityCount"], 2);
        assert_eq!(overview(&app, &organizer.token).await["activityCount"], 2);
        assert_eq!(overview(&app, &other.token).await["activityCount"], 0);
    }
}

/// The dashboard's figures are kept per user, but a field under `dashboard` that leads to a
/// list of its own (a volunteer's registrations and records, a pairing's activities, a
/// community's pairings) says `no_cache`: an answer selecting one is computed each time.
#[tokio::test]
async fn dashboard_answers_that_reach_lists_of_their_own_are_not_kept() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        // Volunteers with hours and pairings with activities, so every list has rows.
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        let admin = app
            .login(api::seed::ADMIN_PHONE, api::seed::DEMO_PASSWORD)
            .await;
        let figures = "{ dashboard { overview { activityCount } } }";
        let reaching = [
            "{ dashboard { topVolunteers { volunteer { registrations(first: 1) { totalCount } } } } }",
            "{ dashboard { topVolunteers { volunteer { serviceRecords(first: 1) { totalCount } } } } }",
            "{ dashboard { pairingProgress { pairing { activities(first: 1) { totalCount } } } } }",
            "{ dashboard { pairingProgress { pairing { community { pairings { id } } } } } }",
        ];
        app.ok(figures, json!({}), Some(&admin)).await;
        let before = app.statements();
        app.ok(figures, json!({}), Some(&admin)).await;
        assert_eq!(
            app.statements(),
            before,
            "{backend:?}: the figures are kept"
        );
        for query in reaching {
            app.ok(query, json!({}), Some(&admin)).await;
            let before = app.statements();
            app.ok(query, json!({}), Some(&admin)).await;
            assert!(
                app.statements() > before,
                "{backend:?}: {query} was answered from the cache"
            );
        }
    }
}

#[tokio::test]
async fn the_overdue_count_changes_when_a_deadline_passes_without_any_write() {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let f = crate::surveys::open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let body = crate::surveys::submit(
            &app,
            &f,
            &resident.token,
            crate::surveys::answers(&f, "VERY_DISSATISFIED", 1, Some("没人来")),
            None,
        )
        .await;
        assert!(body.get("errors").is_none(), "{body:#}");
        // Due in two seconds (set in the database: no write through the API follows).
        let stored = entity::rectification::Entity::find()
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("a rectification");
        let mut model: entity::rectification::ActiveModel = stored.into();
        model.due_at = Set(chrono::Utc::now() + chrono::Duration::seconds(2));
        model.update(&app.state.db).await.unwrap();

        let figures = overview(&app, &viewer.token).await;
        assert_eq!(figures["openRectificationCount"], 1, "{figures:#}");
        assert_eq!(figures["overdueRectificationCount"], 0);
        assert_eq!(
            overview(&app, &viewer.token).await["overdueRectificationCount"],
            0
        );
        tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
        assert_eq!(
            overview(&app, &viewer.token).await["overdueRectificationCount"],
            1,
            "{backend:?}: a cached answer outlived the deadline it depends on"
        );
    }
}

#[tokio::test]
async fn answers_cached_before_redis_lost_its_data_are_not_served_after() {
    let Some(mut redis) = PrivateRedis::for_test(7) else {
        return;
    };
    let app = redis.app().await;
    let (id, _) = open_activity(&app, None).await;
    let volunteers = app.volunteers(6).await;
    let register = |token: String| {
        let app = &app;
        let id = id.clone();
        async move {
            let body = run(
                app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&token),
            )
            .await;
            assert_eq!(
                body["data"]["registerForActivity"]["status"], "REGISTERED",
                "{body:#}"
            );
        }
    };
    register(volunteers[0].token.clone()).await;
    assert_eq!(card(&app, &id, None).await["registeredCount"], 1);
    let before = app.statements();
    assert_eq!(card(&app, &id, None).await["registeredCount"], 1);
    assert_eq!(app.statements(), before, "served from the cache");

    // Redis keeps nothing on disk: a restart forgets every version counter, while this
    // instance still holds answers cached under the versions it knew.
    redis.restart();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for (n, volunteer) in volunteers.iter().enumerate().skip(1) {
        register(volunteer.token.clone()).await;
        assert_eq!(
            card(&app, &id, None).await["registeredCount"],
            n + 1,
            "an answer from before the restart was served as current"
        );
    }
}

#[tokio::test]
async fn requests_beyond_the_in_flight_limit_wait_their_turn_instead_of_failing() {
    for backend in Backend::all() {
        let app = spawn_app_with(
            backend,
            Options {
                configure: Box::new(|config| config.max_in_flight = 2),
                ..Default::default()
            },
        )
        .await;
        let (id, organizer) = open_activity(&app, Some(5)).await;
        let volunteers = app.volunteers(30).await;
        let answers = join_all(volunteers.iter().map(|v| {
            run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&v.token),
            )
        }))
        .await;
        let statuses: Vec<&str> = answers
            .iter()
            .map(|a| {
                a["data"]["registerForActivity"]["status"]
                    .as_str()
                    .unwrap_or("ERROR")
            })
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == "REGISTERED").count(),
            5,
            "{backend:?}: {statuses:?}"
        );
        assert_eq!(
            statuses.iter().filter(|s| **s == "WAITLISTED").count(),
            25,
            "{backend:?}: {statuses:?}"
        );
        crate::helpers::assert_invariants(&app, &id, &organizer.token, 5, 30).await;
    }
}

#[tokio::test]
async fn one_document_with_two_operations_answers_the_one_named_each_time() {
    let app = spawn_app(Backend::Sqlite).await;
    open_activity(&app, None).await;
    let document = "query Titles { activities(first: 5) { edges { node { title } } } } \
                    query Count { activities(first: 5) { totalCount } }";
    for _ in 0..2 {
        for (name, field) in [("Titles", "edges"), ("Count", "totalCount")] {
            let body: Value = app
                .post_json(&json!({ "query": document, "operationName": name }), None)
                .await
                .json()
                .await
                .unwrap();
            let activities = &body["data"]["activities"];
            assert!(activities.get(field).is_some(), "{name}: {body:#}");
            assert_eq!(activities.as_object().unwrap().len(), 1, "{name}: {body:#}");
        }
    }
    // A document that does not parse answers its error every time.
    for _ in 0..2 {
        let body: Value = app
            .post_json(&json!({ "query": "query { activities(" }), None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(crate::helpers::code(&body), "BAD_USER_INPUT", "{body:#}");
    }
}

#[tokio::test]
async fn a_burst_of_one_public_query_after_a_write_reads_the_database_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        open_activity(&app, None).await;
        let feed = || run(&app, "ActivityFeed", json!({ "first": 20 }), None);

        app.state.public_changed().await;
        let before = app.statements();
        let alone = feed().await;
        assert!(alone.get("errors").is_none(), "{alone:#}");
        let one = app.statements() - before;
        assert!(one > 0, "{backend:?}: the first page after a write is read");

        app.state.public_changed().await;
        let before = app.statements();
        let answers = join_all((0..16).map(|_| feed())).await;
        let burst = app.statements() - before;
        for answer in &answers {
            assert_eq!(answer["data"], alone["data"], "{backend:?}: {answer:#}");
        }
        assert_eq!(
            burst, one,
            "{backend:?}: 16 identical requests at once ran {burst} statements, one alone {one}"
        );
    }
}

#[tokio::test]
async fn viewers_asking_for_the_same_figures_at_once_compute_them_once() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        open_activity(&app, None).await;
        let mut viewers = Vec::new();
        for _ in 0..6 {
            viewers.push(app.user(&[Role::Viewer], None).await);
        }
        let changed = || async {
            app.state.dashboards_changed().await;
            app.state.public_changed().await;
        };

        changed().await;
        let before = app.statements();
        let alone = overview(&app, &viewers[0].token).await;
        let one = app.statements() - before;
        assert!(
            one > 0,
            "{backend:?}: the figures after a write are computed"
        );

        changed().await;
        let before = app.statements();
        let answers = join_all(viewers[1..].iter().map(|v| overview(&app, &v.token))).await;
        let burst = app.statements() - before;
        for answer in &answers {
            assert_eq!(answer, &alone, "{backend:?}");
        }
        assert!(
            burst <= one,
            "{backend:?}: 5 viewers at once ran {burst} statements, one alone {one}"
        );
    }
}

#[tokio::test]
async fn requests_waiting_on_an_answer_that_is_not_kept_get_their_own() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        // An error is not cached: everyone waiting on the first such answer runs their own.
        let answers =
            join_all((0..8).map(|_| run(&app, "DashboardOverview", json!({}), None))).await;
        for answer in &answers {
            assert_eq!(
                crate::helpers::code(answer),
                "UNAUTHENTICATED",
                "{backend:?}: {answer:#}"
            );
        }
    }
}
