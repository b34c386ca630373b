//! Registration with capacity and waitlist, under concurrency, on every backend.

use futures::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{Backend, code, spawn_app};
use crate::helpers::{assert_invariants, open_activity, published_activity, run};

#[tokio::test]
async fn fifty_concurrent_registrations_fill_capacity_and_queue_the_rest_in_order() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer) = open_activity(&app, Some(5)).await;
        let volunteers = app.volunteers(60).await;

        let results = join_all(volunteers.iter().map(|v| {
            run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&v.token),
            )
        }))
        .await;
        for body in &results {
            assert!(body.get("errors").is_none(), "{backend:?}: {body:#}");
        }
        assert_invariants(&app, &id, &organizer.token, 5, 60).await;

        // Registering twice is refused, concurrently too.
        let twice = join_all((0..5).map(|_| {
            run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&volunteers[0].token),
            )
        }))
        .await;
        assert!(twice.iter().all(|b| code(b) == "CONFLICT"), "{twice:#?}");

        // Concurrent cancellations: of places (promoting the waitlist) and of waitlisted ones.
        let registrations: Vec<(String, String, usize)> = results
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let r = &b["data"]["registerForActivity"];
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["status"].as_str().unwrap().to_owned(),
                    i,
                )
            })
            .collect();
        let to_cancel: Vec<&(String, String, usize)> = registrations
            .iter()
            .filter(|(_, status, _)| status == "REGISTERED")
            .take(3)
            .chain(
                registrations
                    .iter()
                    .filter(|(_, status, _)| status == "WAITLISTED")
                    .take(7),
            )
            .collect();
        let cancelled = join_all(to_cancel.iter().map(|(rid, _, i)| {
            run(
                &app,
                "CancelRegistration",
                json!({ "id": rid }),
                Some(&volunteers[*i].token),
            )
        }))
        .await;
        for body in &cancelled {
            assert_eq!(
                body["data"]["cancelRegistration"]["status"], "CANCELLED",
                "{body:#}"
            );
        }
        assert_invariants(&app, &id, &organizer.token, 5, 50).await;
    }
}

#[tokio::test]
async fn refused_registrations_in_a_burst_take_nothing_from_the_others() {
    // On SQLite the registrations waiting at one moment share one transaction, each in a
    // savepoint: the refused ones (second registrations of the same volunteers) must roll
    // back alone, between and among the accepted ones.
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer) = open_activity(&app, Some(4)).await;
        let volunteers = app.volunteers(16).await;
        // The first volunteer registers once, the fifteen others twice at the same moment.
        let attempts: Vec<&crate::helpers::User> = volunteers
            .iter()
            .enumerate()
            .flat_map(|(i, v)| std::iter::repeat_n(v, if i == 0 { 1 } else { 2 }))
            .collect();
        let results = join_all(attempts.iter().map(|v| {
            run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&v.token),
            )
        }))
        .await;
        let placed = results.iter().filter(|b| b.get("errors").is_none()).count();
        let refused: Vec<&str> = results
            .iter()
            .filter(|b| b.get("errors").is_some())
            .map(code)
            .collect();
        assert_eq!(placed, 16, "{backend:?}: {results:#?}");
        assert_eq!(refused, vec!["CONFLICT"; 15], "{backend:?}");
        let positions: Vec<i64> = {
            let mut p: Vec<i64> = results
                .iter()
                .filter_map(|b| b["data"]["registerForActivity"]["waitlistPosition"].as_i64())
                .collect();
            p.sort();
            p
        };
        assert_eq!(positions, (1..=12).collect::<Vec<_>>(), "{backend:?}");
        assert_invariants(&app, &id, &organizer.token, 4, 16).await;
    }
}

#[tokio::test]
async fn cancelling_a_place_promotes_the_earliest_waitlisted_and_raising_capacity_promotes_as_many_as_fit()
 {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer) = open_activity(&app, Some(1)).await;
        let v = app.volunteers(4).await;
        let mut ids = Vec::new();
        for volunteer in &v {
            let body = run(
                &app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(&volunteer.token),
            )
            .await;
            ids.push(body["data"]["registerForActivity"].clone());
        }
        assert_eq!(ids[0]["status"], "REGISTERED");
        assert_eq!(ids[1]["waitlistPosition"], 1);
        assert_eq!(ids[3]["waitlistPosition"], 3);

        let cancel = run(
            &app,
            "CancelRegistration",
            json!({ "id": ids[0]["id"] }),
            Some(&v[0].token),
        )
        .await;
        assert_eq!(
            cancel["data"]["cancelRegistration"]["activity"]["registeredCount"],
            1
        );
        let mine = run(&app, "MyRegistrations", json!({}), Some(&v[1].token)).await;
        assert_eq!(
            mine["data"]["me"]["volunteer"]["registrations"]["edges"][0]["node"]["status"],
            "REGISTERED",
            "{mine:#}"
        );
        let someone_else = run(
            &app,
            "CancelRegistration",
            json!({ "id": ids[2]["id"] }),
            Some(&v[1].token),
        )
        .await;
        assert_eq!(code(&someone_else), "NOT_FOUND");

        let raised = run(
            &app,
            "UpdateActivity",
            json!({ "id": id, "input": { "capacity": 5 } }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(
            raised["data"]["updateActivity"]["registeredCount"], 3,
            "{raised:#}"
        );
        assert_eq!(raised["data"]["updateActivity"]["waitlistCount"], 0);
        let lowered = run(
            &app,
            "UpdateActivity",
            json!({ "id": id, "input": { "capacity": 1 } }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(
            lowered["data"]["updateActivity"]["registeredCount"], 3,
            "lowering bumps nobody"
        );
    }
}

#[tokio::test]
async fn registration_outside_the_window_or_without_a_volunteer_profile_is_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let (id, organizer) = open_activity(&app, None).await;
    let resident = app.user(&[], None).await;
    let body = run(
        &app,
        "RegisterForActivity",
        json!({ "activityId": id }),
        Some(&resident.token),
    )
    .await;
    assert_eq!(code(&body), "FORBIDDEN");
    let anonymous = run(
        &app,
        "RegisterForActivity",
        json!({ "activityId": id }),
        None,
    )
    .await;
    assert_eq!(code(&anonymous), "UNAUTHENTICATED");
    let closed = run(
        &app,
        "UpdateActivity",
        json!({ "id": id, "input": { "registrationClosesAt": "2020-01-01T00:00:00+08:00" } }),
        Some(&organizer.token),
    )
    .await;
    assert!(closed.get("errors").is_none(), "{closed:#}");
    let volunteer = &app.volunteers(1).await[0];
    let body = run(
        &app,
        "RegisterForActivity",
        json!({ "activityId": id }),
        Some(&volunteer.token),
    )
    .await;
    assert_eq!(code(&body), "REGISTRATION_CLOSED");
}

/// The registration window, decided by the insert itself: not before it opens (publication,
/// or registrationOpensAt), not after it closes (startsAt, or registrationClosesAt), never
/// for cancelled activities; drafts do not exist for volunteers.
#[tokio::test]
async fn registration_is_open_only_for_published_activities_inside_their_window() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let volunteer = &app.volunteers(1).await[0];
        let register = |id: String| {
            let app = &app;
            let token = volunteer.token.clone();
            async move {
                run(
                    app,
                    "RegisterForActivity",
                    json!({ "activityId": id }),
                    Some(&token),
                )
                .await
            }
        };
        let patch = |id: String, token: String, input: Value| {
            let app = &app;
            async move {
                let body = run(
                    app,
                    "UpdateActivity",
                    json!({ "id": id, "input": input }),
                    Some(&token),
                )
                .await;
                assert!(body.get("errors").is_none(), "{body:#}");
            }
        };

        let (not_yet, organizer) = open_activity(&app, None).await;
        patch(
            not_yet.clone(),
            organizer.token.clone(),
            json!({ "registrationOpensAt": "2030-06-01T00:00:00+08:00" }),
        )
        .await;
        let body = register(not_yet).await;
        assert_eq!(code(&body), "REGISTRATION_CLOSED", "{backend:?}: {body:#}");
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], "REGISTRATION_NOT_OPEN",
            "{body:#}"
        );
        assert_eq!(body["errors"][0]["message"], "报名尚未开始", "{body:#}");

        // Started yesterday, no closing time of its own: closed at its start.
        let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
        let in_two_days = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
        let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
        let (started, _) = published_activity(&app, None, &yesterday, &in_two_days).await;
        let body = register(started.clone()).await;
        assert_eq!(code(&body), "REGISTRATION_CLOSED", "{backend:?}: {body:#}");
        // A closing time after the start (and by the end) keeps it open.
        patch(
            started.clone(),
            organizer.token.clone(),
            json!({ "registrationClosesAt": tomorrow }),
        )
        .await;
        let body = register(started).await;
        assert_eq!(
            body["data"]["registerForActivity"]["status"], "REGISTERED",
            "{backend:?}: {body:#}"
        );

        let (cancelled, _) = open_activity(&app, None).await;
        let body = run(
            &app,
            "CancelActivity",
            json!({ "id": cancelled, "reason": "下雨" }),
            Some(&organizer.token),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body:#}");
        assert_eq!(
            code(&register(cancelled).await),
            "REGISTRATION_CLOSED",
            "{backend:?}"
        );

        let elderly = app.department("养老科").await;
        let draft = run(
            &app,
            "CreateActivity",
            json!({ "input": { "title": "草稿", "leadDepartmentIds": [elderly],
                    "startsAt": "2031-01-01T09:00:00+08:00" } }),
            Some(&organizer.token),
        )
        .await;
        let draft = draft["data"]["createActivity"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(code(&register(draft).await), "NOT_FOUND", "{backend:?}");
        assert_eq!(code(&register("999999".to_owned()).await), "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_registration_is_one_statement_on_postgres_and_its_answer_shows_the_counters_after_it() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (first, _) = open_activity(&app, Some(1)).await;
        let (second, organizer) = open_activity(&app, Some(1)).await;
        let volunteers = app.volunteers(2).await;
        let app = &app;
        let register = async |id: &str, token: &str| {
            run(
                app,
                "RegisterForActivity",
                json!({ "activityId": id }),
                Some(token),
            )
            .await
        };
        // The first registration finds the volunteer's id; the next ones know it.
        register(&first, &volunteers[0].token).await;
        let before = app.statements();
        let placed = register(&second, &volunteers[0].token).await;
        let statements = app.statements() - before;
        assert_eq!(
            placed["data"]["registerForActivity"]["status"], "REGISTERED",
            "{backend:?}: {placed:#}"
        );
        let most = if backend == Backend::Postgres { 1 } else { 2 };
        assert!(
            statements <= most,
            "{backend:?}: a registration ran {statements} statements"
        );
        register(&first, &volunteers[1].token).await;
        let waiting = register(&second, &volunteers[1].token).await;
        let answer = &waiting["data"]["registerForActivity"];
        assert_eq!(answer["status"], "WAITLISTED", "{backend:?}: {waiting:#}");
        assert_eq!(answer["waitlistPosition"], 1, "{backend:?}: {waiting:#}");
        assert_eq!(answer["activity"]["registeredCount"], 1, "{waiting:#}");
        assert_eq!(answer["activity"]["waitlistCount"], 1, "{waiting:#}");
        assert_invariants(app, &second, &organizer.token, 1, 2).await;
    }
}

#[tokio::test]
async fn a_registration_whose_client_hangs_up_is_stored_and_shown_at_once() {
    use tokio::io::AsyncWriteExt;
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, _) = open_activity(&app, Some(10)).await;
        let volunteer = &app.volunteers(1).await[0];
        let shown = async || {
            run(&app, "ActivityDetail", json!({ "id": id }), None).await["data"]["activity"]
                ["registeredCount"]
                .clone()
        };
        // The anonymous page is now kept, with nobody registered.
        assert_eq!(shown().await, 0, "{backend:?}");

        // The volunteer's phone sends the registration and loses the connection at once.
        let body = json!({ "query": crate::helpers::op("RegisterForActivity"),
                           "operationName": "RegisterForActivity",
                           "variables": { "activityId": id } })
        .to_string();
        let host = app.address.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Authorization: Bearer {}\r\nContent-Length: {}\r\n\r\n{body}",
            volunteer.token,
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.shutdown().await.unwrap();
        drop(stream);

        // The write runs to its end, and the kept page shows it as soon as it is stored.
        let mut count = Value::Null;
        for _ in 0..50 {
            count = shown().await;
            if count == 1 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(
            count, 1,
            "{backend:?}: the page after a hung-up registration"
        );
    }
}
