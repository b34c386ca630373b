//! HTTP and GraphQL hygiene: probes, GraphiQL, GET rules, batches, limits, media types,
//! persisted queries, error codes, metrics.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{Backend, TestApp, code, spawn_app};

const DEPARTMENTS: &str = "query Departments { departments { id name } }";

/// The `extensions` of an automatic persisted query: the document's sha256.
fn persisted_query(query: &str) -> Value {
    let hash = hex::encode(Sha256::digest(query.as_bytes()));
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// The JSON answer to a POST of `body`.
async fn answer(app: &TestApp, body: &Value, token: Option<&str>) -> Value {
    app.post_json(body, token).await.json().await.unwrap()
}

#[tokio::test]
async fn probes_answer_and_readiness_checks_the_database() {
    let app = spawn_app(Backend::Sqlite).await;
    let health = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["database"], true);
}

/// The operator sees what SQLite holds on /metrics (its allocations go through mimalloc,
/// the `memory` crate). The figure is the process's: SQLite's allocator is global.
#[tokio::test]
async fn metrics_tell_what_sqlite_holds() {
    let app = spawn_app(Backend::Sqlite).await;
    let body = answer(&app, &json!({ "query": DEPARTMENTS }), None).await;
    assert!(body["errors"].is_null(), "{body}");
    let held =
        (app.gauge("tongxin_sqlite_memory_bytes").await).expect("SQLite's memory on /metrics");
    let most = (app.gauge("tongxin_sqlite_memory_highwater_bytes").await)
        .expect("and its high-water mark");
    // A connection that answered holds at least its schema and some pages.
    assert!(held > 64.0 * 1024.0, "{held}");
    assert!(most >= held, "{most} < {held}");
    // The first call's result is kept: db::connect made it before SQLite was first used.
    assert_eq!(memory::sqlite_through_mimalloc(), Ok(()));
}

#[tokio::test]
async fn a_browser_gets_graphiql_and_every_response_has_a_request_id() {
    let app = spawn_app(Backend::Sqlite).await;
    let page = app
        .http
        .get(format!("{}/graphql", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers().contains_key("x-request-id"));
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let html = page.text().await.unwrap();
    assert!(html.to_lowercase().contains("graphiql"));
    // Served by Tongxin itself: it works on an intranet without the internet.
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//unpkg"),
        "GraphiQL must not load anything from a CDN: {html}"
    );
    for script in ["/graphiql/graphiql.min.js", "/graphiql/init.js"] {
        assert!(html.contains(script), "{html}");
        let asset = app
            .http
            .get(format!("{}{script}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(asset.status(), StatusCode::OK, "{script}");
        assert!(
            asset.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/javascript")
        );
    }
}

#[tokio::test]
async fn the_dashboard_page_and_its_assets_are_served_from_the_binary() {
    let app = spawn_app(Backend::Sqlite).await;
    let get = |path: &str| app.http.get(format!("{}{path}", app.address)).send();
    let page = get("/dashboard/").await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("数据大屏") && !html.contains("https://"),
        "{html}"
    );
    for path in [
        "/dashboard/dashboard.js",
        "/dashboard/dashboard.css",
        "/dashboard/vendor/echarts.min.js",
    ] {
        assert_eq!(get(path).await.unwrap().status(), StatusCode::OK, "{path}");
    }
    // The page sends the contract's own operations.
    let operations = get("/dashboard/operations.graphql")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "mutation Login(",
        "query DashboardOverview(",
        "query DashboardTimeline(",
    ] {
        assert!(operations.contains(name), "{name}");
    }
    assert_eq!(
        get("/dashboard/../Cargo.toml").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/dashboard/nothing.js").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/dashboard", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), StatusCode::PERMANENT_REDIRECT);
}

#[tokio::test]
async fn queries_run_over_get_and_mutations_over_get_are_refused_with_405() {
    let app = spawn_app(Backend::Sqlite).await;
    let two_ops = format!("{DEPARTMENTS}\nquery Plans {{ plans {{ id }} }}");
    let response = app
        .http
        .get(format!("{}/graphql", app.address))
        .query(&[("query", two_ops.as_str()), ("operationName", "Plans")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body["data"]["plans"].is_array(), "{body}");
    assert!(
        body["data"].get("departments").is_none(),
        "operationName was ignored: {body}"
    );

    let mutation = "mutation { logout(refreshToken: \"x.y\") }";
    let response = app
        .http
        .get(format!("{}/graphql", app.address))
        .query(&[("query", mutation)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn batches_are_capped_at_five_and_never_carry_a_login() {
    let app = spawn_app(Backend::Sqlite).await;
    let one = json!({ "query": DEPARTMENTS });
    let two: Value = app
        .post_json(&json!([one, one]), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(two.as_array().map(Vec::len), Some(2), "{two}");
    let six: Value = app
        .post_json(&json!([one, one, one, one, one, one]), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(code(&six), "BAD_USER_INPUT", "{six}");
    let login = json!({ "query": "mutation { login(phone: \"13800000000\", password: \"xxxxxxxx\") { accessToken } }" });
    let with_login: Value = app
        .post_json(&json!([one, login]), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(code(&with_login), "BAD_USER_INPUT", "{with_login}");
}

#[tokio::test]
async fn deep_and_wide_documents_are_refused_before_execution() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut deep = "id".to_owned();
    for _ in 0..15 {
        deep = format!("plan {{ activities {{ edges {{ node {{ {deep} }} }} }} }}");
    }
    let deep = format!("{{ activities {{ edges {{ node {{ {deep} }} }} }} }}");
    let before = app.statements();
    let body = app.gql(&deep, json!({}), None).await;
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(
        app.statements(),
        before,
        "a refused document touched the database"
    );

    let aliases: String = (0..500)
        .map(|i| format!("a{i}: departments {{ id }} "))
        .collect();
    let body = app.gql(&format!("{{ {aliases} }}"), json!({}), None).await;
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(code(&body), "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_graphql_response_media_type_gets_spec_status_codes() {
    let app = spawn_app(Backend::Sqlite).await;
    let invalid = json!({ "query": "{ noSuchField }" });
    let response = app
        .http
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/graphql-response+json")
        .json(&invalid)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.headers()["content-type"],
        "application/graphql-response+json"
    );
    let response = app
        .http
        .post(format!("{}/graphql", app.address))
        .header("accept", "application/json")
        .json(&invalid)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
}

#[tokio::test]
async fn persisted_queries_are_learned_once_and_served_by_hash_over_post_and_get() {
    let app = spawn_app(Backend::Sqlite).await;
    let extensions = persisted_query(DEPARTMENTS);
    let unknown = answer(&app, &json!({ "extensions": extensions }), None).await;
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    let learned = answer(
        &app,
        &json!({ "query": DEPARTMENTS, "extensions": extensions }),
        None,
    )
    .await;
    assert!(learned["data"]["departments"].is_array(), "{learned}");
    let by_get: Value = app
        .http
        .get(format!("{}/graphql", app.address))
        .query(&[("extensions", extensions.to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(by_get["data"]["departments"].is_array(), "{by_get}");
    let wrong = json!({ "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } });
    let mismatch = answer(
        &app,
        &json!({ "query": DEPARTMENTS, "extensions": wrong }),
        None,
    )
    .await;
    assert_eq!(code(&mismatch), "BAD_USER_INPUT");
}

#[tokio::test]
async fn bad_ids_name_the_field_and_unknown_tokens_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let body = app
        .gql("{ activity(id: \"abc\") { id } }", json!({}), None)
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["extensions"]["field"], "id");
    let body = app
        .gql(
            "{ auditEntries { totalCount } }",
            json!({}),
            Some("not-a-token"),
        )
        .await;
    assert_eq!(code(&body), "UNAUTHENTICATED");
}

#[tokio::test]
async fn metrics_are_exposed_in_prometheus_text() {
    let app = spawn_app(Backend::Sqlite).await;
    app.gql(DEPARTMENTS, json!({}), None).await;
    let text = app.metrics().await;
    assert!(text.contains("tongxin_http_requests_total"), "{text}");
    assert!(
        text.contains("tongxin_http_request_duration_seconds"),
        "{text}"
    );
}

#[tokio::test]
async fn internal_errors_are_masked_and_oversized_bodies_refused() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.user(&[entity::enums::Role::Admin], None).await;
    app.state
        .db
        .execute_unprepared("DROP TABLE audit_entries")
        .await
        .unwrap();
    let body = app
        .gql(
            "{ auditEntries { totalCount } }",
            json!({}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(code(&body), "INTERNAL", "{body}");
    assert_eq!(body["errors"][0]["message"], "服务器内部错误");
    assert_eq!(body["errors"][0]["extensions"]["reason"], "INTERNAL_ERROR");
    assert!(!body.to_string().contains("audit_entries"), "{body}");

    let huge = "x".repeat(2 << 20);
    let response = app
        .post_json(
            &json!({ "query": format!("{{ departments {{ id }} }} #{huge}") }),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn anonymous_queries_are_served_from_cache_until_any_mutation() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[entity::enums::Role::Admin], None).await;
        let feed = "{ activities { totalCount } }";
        let first = app.gql(feed, json!({}), None).await;
        assert_eq!(first["data"]["activities"]["totalCount"], 0);
        let before = app.statements();
        let again = app.gql(feed, json!({}), None).await;
        assert_eq!(again, first);
        assert_eq!(
            app.statements(),
            before,
            "{backend:?}: the second anonymous answer ran SQL"
        );
        let dept = app.department("养老科").await;
        let created = app
            .ok(
                "mutation($d: ID!) { createActivity(input: { title: \"新\", leadDepartmentIds: [$d] }) { id } }",
                json!({ "d": dept }),
                Some(&admin.token),
            )
            .await;
        let id = created["createActivity"]["id"].clone();
        app.ok(
            "mutation($id: ID!) { publishActivity(id: $id) { id } }",
            json!({ "id": id }),
            Some(&admin.token),
        )
        .await;
        let after = app.gql(feed, json!({}), None).await;
        assert_eq!(
            after["data"]["activities"]["totalCount"], 1,
            "{backend:?}: stale after a mutation"
        );
    }
}

#[tokio::test]
async fn the_contracts_feed_and_page_are_learned_as_persisted_queries_like_any_other() {
    // Both are answered without the executor; the hash must still be learned from the
    // first request that sends the text, or each later page costs two round trips.
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, _) = crate::helpers::open_activity(&app, Some(3)).await;
        let volunteer = &app.volunteers(1).await[0];
        let token = Some(volunteer.token.as_str());
        for (name, variables) in [
            ("ActivityFeed", json!({ "first": 5 })),
            ("ActivityDetail", json!({ "id": id })),
        ] {
            let query = crate::helpers::op(name);
            let extensions = persisted_query(&query);
            let by_hash =
                json!({ "operationName": name, "variables": variables, "extensions": extensions });
            let unknown = answer(&app, &by_hash, token).await;
            assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
            let with_text = json!({ "query": query, "operationName": name,
                                    "variables": variables, "extensions": extensions });
            let learned = answer(&app, &with_text, token).await;
            assert!(
                learned.get("errors").is_none(),
                "{backend:?} {name}: {learned:#}"
            );
            let again = answer(&app, &by_hash, token).await;
            assert_eq!(
                again, learned,
                "{backend:?} {name}: the hash alone after the text"
            );
        }
    }
}

/// Reads until the server closes the connection (end of stream or a reset), for at most
/// `within`; what it read before, as text.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    within: std::time::Duration,
) -> Result<String, String> {
    use tokio::io::AsyncReadExt;
    let mut seen = Vec::new();
    let reading = async {
        let mut buffer = [0u8; 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buffer[..n]),
            }
        }
    };
    match tokio::time::timeout(within, reading).await {
        Ok(()) => Ok(String::from_utf8_lossy(&seen).into_owned()),
        Err(_) => Err(format!(
            "still open after {within:?}, having read {:?}",
            String::from_utf8_lossy(&seen)
        )),
    }
}

/// A connection that has no complete request head within `TONGXIN_CONNECTION_IDLE_SECS`
/// is closed: one that sends nothing, one kept alive after its answer, one that sends its
/// headers a byte at a time. Each held a task, buffers and a file descriptor for ever.
/// A body that arrives slower than that is still read and answered.
#[tokio::test]
async fn idle_and_slow_headed_connections_are_closed_and_slow_bodies_are_not() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpStream;
    for backend in Backend::all() {
        let app = crate::helpers::spawn_app_with(
            backend,
            crate::helpers::Options {
                configure: Box::new(|config| config.connection_idle_secs = 1),
                ..Default::default()
            },
        )
        .await;
        let host = app.address.trim_start_matches("http://").to_owned();
        let within = Duration::from_secs(5);

        let mut silent = TcpStream::connect(&host).await.unwrap();
        let opened = Instant::now();
        read_until_closed(&mut silent, within).await.unwrap();
        assert!(
            opened.elapsed() >= Duration::from_millis(900),
            "closed too early"
        );

        let mut kept = TcpStream::connect(&host).await.unwrap();
        kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: tongxin\r\n\r\n")
            .await
            .unwrap();
        let answered = read_until_closed(&mut kept, within).await.unwrap();
        assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");

        let slow = TcpStream::connect(&host).await.unwrap();
        let (mut reader, mut writer) = slow.into_split();
        let trickle = tokio::spawn(async move {
            let _ = writer.write_all(b"GET /healthz HTTP/1.1\r\nX-Slow: ").await;
            for _ in 0..50 {
                if writer.write_all(b"a").await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let closing = async {
            use tokio::io::AsyncReadExt;
            let mut buffer = [0u8; 256];
            while let Ok(n) = reader.read(&mut buffer).await {
                if n == 0 {
                    break;
                }
            }
        };
        tokio::time::timeout(within, closing)
            .await
            .expect("a trickled header keeps its connection for at most the idle time");
        trickle.abort();

        // A body that takes longer than the idle time (a phone on a slow network) is
        // still read and answered: once the head is in, the idle clock stops.
        let payload = json!({ "query": DEPARTMENTS }).to_string();
        let (first, second) = payload.split_at(payload.len() / 2);
        let mut uploading = TcpStream::connect(&host).await.unwrap();
        uploading
            .write_all(
                format!(
                    "POST /graphql HTTP/1.1\r\nHost: tongxin\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{first}",
                    payload.len()
                )
                .as_bytes(),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        uploading.write_all(second.as_bytes()).await.unwrap();
        let answered = read_until_closed(&mut uploading, within).await.unwrap();
        assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
        assert!(answered.contains("\"departments\""), "{answered}");
    }
}
