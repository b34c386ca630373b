//! Hostile input: what anyone on the internet can send must neither crash the server, nor
//! store anything, nor reach what the sender may not see.

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::run;
use entity::enums::Role;

use crate::helpers::{Backend, PASSWORD, code, spawn_app, spawn_sibling};

/// `{ activities(first: 1, filter: { search: [[[…1…]]] }) { totalCount } }`, `depth` deep.
fn nested_list_query(depth: usize) -> String {
    format!(
        "{{ activities(first: 1, filter: {{ search: {}1{} }}) {{ totalCount }} }}",
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[tokio::test]
async fn a_value_nested_hundreds_deep_is_refused_and_the_server_lives_on() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        // Debug builds overflowed from about 300 levels, release builds deeper.
        let mut queries = Vec::new();
        for depth in [300, 1_000, 2_000] {
            queries.push(nested_list_query(depth));
            queries.push(format!(
                "{{ activities(first: 1, filter: {}1{}) {{ totalCount }} }}",
                "{a: ".repeat(depth),
                "}".repeat(depth)
            ));
        }
        for query in &queries {
            let body: Value = app
                .post_json(&json!({ "query": query }), None)
                .await
                .json()
                .await
                .expect("a JSON answer, not a dropped connection");
            assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
            let over_get = app
                .http
                .get(format!("{}/graphql", app.address))
                .query(&[("query", query.as_str())])
                .send()
                .await
                .expect("the server still answers");
            let body: Value = over_get.json().await.expect("JSON");
            assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        }
        // Nested just as deep inside a string, it is only text.
        let in_string = format!(
            "{{ activities(first: 1, filter: {{ search: \"{}\" }}) {{ totalCount }} }}",
            "[".repeat(90)
        );
        let body = app.gql(&in_string, json!({}), None).await;
        assert!(body.get("errors").is_none(), "{body}");
        let alive = app.gql("{ departments { id } }", json!({}), None).await;
        assert!(alive["data"]["departments"].is_array(), "{alive}");
    }
}

#[tokio::test]
async fn deeply_nested_variables_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut search = json!("x");
    for _ in 0..100 {
        search = json!([search]);
    }
    let body = app
        .gql(
            "query($f: ActivityFilter) { activities(first: 1, filter: $f) { totalCount } }",
            json!({ "f": { "search": search } }),
            None,
        )
        .await;
    assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    let alive = app.gql("{ departments { id } }", json!({}), None).await;
    assert!(alive["data"]["departments"].is_array(), "{alive}");
}

const LOGIN: &str =
    "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }";

#[tokio::test]
async fn parallel_wrong_passwords_get_five_checks_on_two_instances_and_a_right_one_then_waits() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let sibling = spawn_sibling(&app).await;
        let user = app.user(&[], None).await;
        let attempts = (0..40).map(|i| {
            let target = if i % 2 == 0 { &app } else { &sibling };
            let phone = user.phone.clone();
            async move {
                let body = target
                    .gql(
                        LOGIN,
                        json!({ "p": phone, "w": format!("wrong {i}") }),
                        None,
                    )
                    .await;
                code(&body).to_owned()
            }
        });
        let codes = futures::future::join_all(attempts).await;
        let checked = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
        let limited = codes.iter().filter(|c| *c == "RATE_LIMITED").count();
        if app.state.cache.uses_redis() {
            assert!(checked <= 5, "{checked} passwords were checked: {codes:?}");
        } else {
            // Without Redis each instance counts for itself.
            assert!(checked <= 10, "{checked} passwords were checked: {codes:?}");
        }
        assert_eq!(checked + limited, 40, "{codes:?}");
        let right = app
            .gql(LOGIN, json!({ "p": user.phone, "w": PASSWORD }), None)
            .await;
        assert_eq!(code(&right), "RATE_LIMITED", "{right}");
    }
}

#[tokio::test]
async fn a_huge_phone_is_refused_and_counters_never_hold_the_phone() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let huge = "1".repeat(900_000);
        let body = app
            .gql(LOGIN, json!({ "p": huge, "w": "whatever1" }), None)
            .await;
        assert_eq!(
            code(&body),
            "BAD_USER_INPUT",
            "{}",
            &body.to_string()[..200]
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "phone");
        let user = app.user(&[], None).await;
        app.gql(
            LOGIN,
            json!({ "p": user.phone, "w": "wrong password" }),
            None,
        )
        .await;
        if let Some(url) = crate::helpers::redis_url() {
            let mut conn = redis::Client::open(url)
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap();
            let keys: Vec<String> = redis::cmd("KEYS")
                .arg(format!("{}*", app.state.config.redis_prefix))
                .query_async(&mut conn)
                .await
                .unwrap();
            assert!(
                keys.iter().any(|k| k.contains("login-attempts:")),
                "the attempt was counted in Redis: {keys:?}"
            );
            assert!(
                keys.iter()
                    .all(|k| !k.contains(&user.phone) && k.len() < 200),
                "{keys:?}"
            );
        }
    }
}

#[tokio::test]
async fn one_sign_in_per_request_however_it_is_written() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let user = app.user(&[], None).await;
        let sign_up = |alias: &str, phone: &str| {
            format!(
                "{alias}: signUp(input: {{ phone: \"{phone}\", password: \"long enough\", displayName: \"甲\" }}) {{ accessToken }}"
            )
        };
        let documents = [
            format!(
                "mutation {{ a: login(phone: \"{0}\", password: \"x1234567\") {{ accessToken }} b: login(phone: \"{0}\", password: \"y1234567\") {{ accessToken }} }}",
                user.phone
            ),
            format!(
                "mutation {{ ... on Mutation {{ a: login(phone: \"{0}\", password: \"x1234567\") {{ accessToken }} }} ... on Mutation {{ b: login(phone: \"{0}\", password: \"y1234567\") {{ accessToken }} }} }}",
                user.phone
            ),
            format!(
                "mutation {{ ...A ...B }} fragment A on Mutation {{ {} }} fragment B on Mutation {{ {} }}",
                sign_up("a", "13911112222"),
                sign_up("b", "13911113333")
            ),
            format!(
                "mutation {{ {} {} }}",
                sign_up("a", "13911114444"),
                sign_up("b", "13911115555")
            ),
        ];
        for document in &documents {
            let body = app.gql(document, json!({}), None).await;
            assert_eq!(code(&body), "BAD_USER_INPUT", "{document}: {body}");
        }
        let accounts = entity::user::Entity::find()
            .filter(entity::user::Column::Phone.starts_with("1391111"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(accounts, 0, "no account was opened");
        // A login hidden in a fragment does not ride in a batch either.
        let batch = json!([
            { "query": "{ departments { id } }" },
            { "query": format!("mutation {{ ... on Mutation {{ login(phone: \"{}\", password: \"x1234567\") {{ accessToken }} }} }}", user.phone) }
        ]);
        let body: Value = app.post_json(&batch, None).await.json().await.unwrap();
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
    }
}

#[tokio::test]
async fn check_in_codes_cannot_be_guessed() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (id, organizer, volunteer) = crate::helpers::activity_about_to_start(&app).await;
        let guesses = (0..20).map(|i| {
            let (app, id, token) = (&app, id.clone(), volunteer.token.clone());
            async move {
                let body = run(
                    app,
                    "CheckIn",
                    json!({ "activityId": id, "code": format!("{:06}", 999_000 + i) }),
                    Some(&token),
                )
                .await;
                (code(&body).to_owned(), body)
            }
        });
        let answers = futures::future::join_all(guesses).await;
        let compared = answers
            .iter()
            .filter(|(c, _)| c == "BAD_USER_INPUT")
            .count();
        let limited: Vec<&Value> = answers
            .iter()
            .filter(|(c, _)| c == "RATE_LIMITED")
            .map(|(_, body)| body)
            .collect();
        assert!(compared <= 5, "{compared} guesses were compared");
        assert_eq!(compared + limited.len(), 20);
        assert!(
            limited[0]["errors"][0]["extensions"]["retryAfter"]
                .as_u64()
                .is_some_and(|s| s > 0 && s <= 600),
            "{}",
            limited[0]
        );
        // Even the right code waits until the window passes.
        let shown = run(
            &app,
            "ActivityCheckInCode",
            json!({ "activityId": id }),
            Some(&organizer.token),
        )
        .await;
        let right = shown["data"]["activityCheckInCode"]["code"]
            .as_str()
            .unwrap();
        let body = run(
            &app,
            "CheckIn",
            json!({ "activityId": id, "code": right }),
            Some(&volunteer.token),
        )
        .await;
        assert_eq!(code(&body), "RATE_LIMITED", "{body}");
    }
}

#[tokio::test]
async fn a_right_code_does_not_use_up_the_guesses() {
    let app = spawn_app(Backend::Sqlite).await;
    let (id, organizer, volunteer) = crate::helpers::activity_about_to_start(&app).await;
    let shown = run(
        &app,
        "ActivityCheckInCode",
        json!({ "activityId": id }),
        Some(&organizer.token),
    )
    .await;
    let right = shown["data"]["activityCheckInCode"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..4 {
        let wrong = run(
            &app,
            "CheckIn",
            json!({ "activityId": id, "code": "000000x" }),
            Some(&volunteer.token),
        )
        .await;
        assert_eq!(code(&wrong), "BAD_USER_INPUT");
    }
    let checked_in = run(
        &app,
        "CheckIn",
        json!({ "activityId": id, "code": right }),
        Some(&volunteer.token),
    )
    .await;
    assert!(checked_in.get("errors").is_none(), "{checked_in}");
    let fifth = run(
        &app,
        "CheckIn",
        json!({ "activityId": id, "code": "000000x" }),
        Some(&volunteer.token),
    )
    .await;
    assert_eq!(
        code(&fifth),
        "BAD_USER_INPUT",
        "the fifth wrong code is still compared"
    );
}

#[tokio::test]
async fn sign_ups_from_one_address_are_limited_across_instances() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let sibling = spawn_sibling(&app).await;
        let mut codes = Vec::new();
        for i in 0..11 {
            let target = if i % 2 == 0 { &app } else { &sibling };
            let body = run(
                target,
                "SignUp",
                json!({ "input": { "phone": format!("1390000{i:04}"), "password": "long enough", "displayName": "居民" } }),
                None,
            )
            .await;
            codes.push(code(&body).to_owned());
        }
        let expected_limited = if app.state.cache.uses_redis() { 1 } else { 0 };
        assert_eq!(
            codes.iter().filter(|c| *c == "RATE_LIMITED").count(),
            expected_limited,
            "{codes:?}"
        );
        // Without Redis each instance counts alone: the eleventh on one of them is the sixth there.
        let limited_alone = run(
            &app,
            "SignUp",
            json!({ "input": { "phone": "13900009999", "password": "long enough", "displayName": "居民" } }),
            None,
        )
        .await;
        if app.state.cache.uses_redis() {
            assert_eq!(code(&limited_alone), "RATE_LIMITED");
        }
    }
}

#[tokio::test]
async fn persisted_queries_keep_only_documents_that_run() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let junk = format!("this is not graphql {}", "x".repeat(1000));
        let hash = hex::encode(Sha256::digest(junk.as_bytes()));
        let learn = json!({ "query": junk, "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
        let body: Value = app.post_json(&learn, None).await.json().await.unwrap();
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        let by_hash =
            json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
        let body: Value = app.post_json(&by_hash, None).await.json().await.unwrap();
        assert_eq!(
            body["errors"][0]["message"], "PersistedQueryNotFound",
            "junk was stored: {body}"
        );
        // A document larger than the bound is refused before anything else.
        let large = format!("{{ departments {{ id }} }} #{}", "x".repeat(70 * 1024));
        let body = app.gql(&large, json!({}), None).await;
        assert_eq!(
            code(&body),
            "BAD_USER_INPUT",
            "{}",
            &body.to_string()[..200]
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "query");
    }
}

#[tokio::test]
async fn nul_and_control_characters_are_refused_and_nothing_is_stored() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        for (name, field) in [
            ("居民\u{0}", "displayName"),
            ("居民\u{1b}[31m", "displayName"),
            ("\u{202e}民居", "displayName"),
        ] {
            let body = run(
                &app,
                "SignUp",
                json!({ "input": { "phone": "13912340000", "password": "long enough", "displayName": name } }),
                None,
            )
            .await;
            assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
        // Written into the document itself, too.
        let literal = "mutation { signUp(input: { phone: \"13912340000\", password: \"long enough\", displayName: \"a\\u0000b\" }) { accessToken } }";
        let body = app.gql(literal, json!({}), None).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "displayName");
        let accounts = entity::user::Entity::find()
            .filter(entity::user::Column::Phone.eq("13912340000"))
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(accounts, 0);
    }
}

#[tokio::test]
async fn the_transport_refuses_what_is_not_graphql_over_http() {
    let app = spawn_app(Backend::Sqlite).await;
    let url = format!("{}/graphql", app.address);
    let no_type = app
        .http
        .post(&url)
        .body(r#"{"query":"{ departments { id } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(no_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let not_json = app
        .http
        .post(&url)
        .header("content-type", "application/json")
        .body("{ \"not a JSON")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::BAD_REQUEST);
    for body in [
        json!({ "query": "{ __typename }", "variables": "string" }),
        json!({ "query": "{ __typename }", "extensions": [1] }),
        json!({ "query": 0 }),
        json!({ "qeury": "{ __typename }" }),
    ] {
        let response = app.post_json(&body, None).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    // Execution ran: 200 even with data null, under the GraphQL-over-HTTP media type.
    let user = app.user(&[], None).await;
    let wrong = app
        .http
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": LOGIN, "variables": { "p": user.phone, "w": "wrong password" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::OK);
    let body: Value = wrong.json().await.unwrap();
    assert!(
        body["data"].is_null() && code(&body) == "UNAUTHENTICATED",
        "{body}"
    );
    // Refused before execution: 400 and no data at all.
    let invalid = app
        .http
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ nothingHere }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(invalid.status(), StatusCode::BAD_REQUEST);
    let body: Value = invalid.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    let refused_type = app
        .http
        .post(&url)
        .header("accept", "text/plain")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused_type.status(), StatusCode::NOT_ACCEPTABLE);
    // Metrics are not public.
    let public = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), StatusCode::NOT_FOUND);
    assert!(app.metrics().await.contains("tongxin_http_requests_total"));
}

#[tokio::test]
async fn cors_lists_the_headers_a_browser_may_send() {
    let app = crate::helpers::spawn_app_with(
        Backend::Sqlite,
        crate::helpers::Options {
            configure: Box::new(|config| config.cors_origins = vec!["*".to_owned()]),
            ..Default::default()
        },
    )
    .await;
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", app.address))
        .header("origin", "https://mp.example.cn")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    let allowed = preflight
        .headers()
        .get("access-control-allow-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("content-type"),
        "{allowed}"
    );
    assert_ne!(allowed, "*");
}

const HEADER: &str = "序号,活动时间,活动主题,活动地点,活动内容,牵头科室\n";

async fn import(app: &crate::helpers::TestApp, csv: &str, token: &str) -> Value {
    run(
        app,
        "ImportPlan",
        json!({ "input": { "title": "2023年方案", "year": 2023, "csv": csv, "publish": true } }),
        Some(token),
    )
    .await
}

async fn plan_count(app: &crate::helpers::TestApp) -> (u64, u64, u64) {
    let db = &app.state.db;
    (
        entity::plan::Entity::find().count(db).await.unwrap(),
        entity::activity::Entity::find().count(db).await.unwrap(),
        entity::department::Entity::find().count(db).await.unwrap(),
    )
}

#[tokio::test]
async fn organizers_import_only_their_own_rows_and_create_no_department() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        app.department("办公室").await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let before = plan_count(&app).await;
        let foreign = format!(
            "{HEADER}1,3月5日,本科室活动,源淮社区,慰问,养老科\n2,3月6日,别人的活动,源淮社区,慰问,办公室\n"
        );
        let body = import(&app, &foreign, &organizer.token).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        let invented = format!("{HEADER}1,3月5日,新科室的活动,源淮社区,慰问,养老科、虚构科\n");
        let body = import(&app, &invented, &organizer.token).await;
        assert_eq!(code(&body), "FORBIDDEN", "{body}");
        assert_eq!(plan_count(&app).await, before, "nothing was stored");
        // Their own rows, co-led with a department that exists, import.
        let own = format!("{HEADER}1,3月5日,本科室活动,源淮社区,慰问,养老科、办公室\n");
        let body = import(&app, &own, &organizer.token).await;
        assert_eq!(body["data"]["importPlan"]["createdCount"], 1, "{body}");
        // Admins create departments by importing.
        let admin = app.user(&[Role::Admin], None).await;
        let body = import(&app, &invented, &admin.token).await;
        assert_eq!(body["data"]["importPlan"]["createdCount"], 1, "{body}");
    }
}

#[tokio::test]
async fn imports_are_bounded_and_an_empty_table_is_refused() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        let before = plan_count(&app).await;
        let long_title = format!(
            "{HEADER}1,3月5日,{},源淮社区,慰问,养老科\n",
            "长".repeat(290_000)
        );
        let long_department = format!(
            "{HEADER}1,3月5日,活动,源淮社区,慰问,{}科\n",
            "名".repeat(3_000)
        );
        let nul = format!("{HEADER}1,3月5日,活动\u{1},源淮社区,慰问,养老科\n");
        for csv in [HEADER.to_owned(), long_title, long_department, nul] {
            let body = import(&app, &csv, &admin.token).await;
            assert_eq!(
                code(&body),
                "BAD_USER_INPUT",
                "{}",
                &body.to_string()[..300.min(body.to_string().len())]
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], "csv");
        }
        let body = run(
            &app,
            "ImportPlan",
            json!({ "input": { "title": "长".repeat(201), "year": 2023, "csv": format!("{HEADER}1,3月5日,活动,源淮社区,慰问,养老科\n") } }),
            Some(&admin.token),
        )
        .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "title", "{body}");
        assert_eq!(plan_count(&app).await, before, "nothing was stored");
    }
}

#[tokio::test]
async fn organizers_reach_only_their_departments_records_through_every_path() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        let organizer = app.login("13800000001", "tongxin-demo").await;
        let query = "{ dashboard { topVolunteers(limit: 100) { volunteer {
            serviceRecords(first: 100) { edges { node { activity { leadDepartments { name } } } } }
            registrations(first: 100) { edges { node { activity { leadDepartments { name } } } } }
        } } } }";
        let body = app.ok(query, json!({}), Some(&organizer)).await;
        let volunteers = body["dashboard"]["topVolunteers"].as_array().unwrap();
        assert!(!volunteers.is_empty());
        let mut seen = 0;
        for row in volunteers {
            for list in ["serviceRecords", "registrations"] {
                for edge in row["volunteer"][list]["edges"].as_array().unwrap() {
                    seen += 1;
                    let leads: Vec<&str> = edge["node"]["activity"]["leadDepartments"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter_map(|d| d["name"].as_str())
                        .collect();
                    assert!(
                        leads.contains(&"养老科"),
                        "{list} of another department: {leads:?}"
                    );
                }
            }
        }
        assert!(
            seen > 0,
            "the organizer still sees their own department's records"
        );
        // The volunteer sees all of their own.
        let volunteer = app.login("13800000010", "tongxin-demo").await;
        let own = app
            .ok(
                "{ me { volunteer { serviceRecords(first: 100) { totalCount } } } }",
                json!({}),
                Some(&volunteer),
            )
            .await;
        let all = own["me"]["volunteer"]["serviceRecords"]["totalCount"]
            .as_i64()
            .unwrap();
        let admin = app.login("13800000000", "tongxin-demo").await;
        let id = app
            .ok("{ me { volunteer { id } } }", json!({}), Some(&volunteer))
            .await["me"]["volunteer"]["id"]
            .clone();
        let by_admin = app
            .ok(
                "query($id: ID!) { serviceRecords(filter: { volunteerId: $id }, first: 100) { totalCount } }",
                json!({ "id": id }),
                Some(&admin),
            )
            .await;
        assert_eq!(
            by_admin["serviceRecords"]["totalCount"].as_i64().unwrap(),
            all
        );
    }
}

/// A table snapshot: how many rows each table that these inputs write holds.
async fn row_counts(app: &crate::helpers::TestApp) -> Vec<u64> {
    let db = &app.state.db;
    vec![
        entity::activity::Entity::find().count(db).await.unwrap(),
        entity::activity_location::Entity::find()
            .count(db)
            .await
            .unwrap(),
        entity::community::Entity::find().count(db).await.unwrap(),
        entity::pairing::Entity::find().count(db).await.unwrap(),
        entity::survey::Entity::find().count(db).await.unwrap(),
        entity::service_record::Entity::find()
            .count(db)
            .await
            .unwrap(),
        entity::volunteer::Entity::find().count(db).await.unwrap(),
    ]
}

#[tokio::test]
async fn oversized_text_and_lists_are_refused_with_their_field_and_nothing_is_stored() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let elderly = app.department("养老科").await;
        let huge = "长".repeat(300_000);
        let (activity, _) = crate::helpers::published_activity(
            &app,
            None,
            "2031-01-01T09:00:00+08:00",
            "2031-01-01T12:00:00+08:00",
        )
        .await;
        let community = app
            .ok(
                "mutation { createCommunity(input: { name: \"测试社区\", kind: COMMUNITY }) { id } }",
                json!({}),
                Some(&organizer.token),
            )
            .await["createCommunity"]["id"]
            .clone();
        let volunteer = app.volunteers(1).await.remove(0);
        let volunteer_id = app
            .ok(
                "{ me { volunteer { id } } }",
                json!({}),
                Some(&volunteer.token),
            )
            .await["me"]["volunteer"]["id"]
            .clone();
        let before = row_counts(&app).await;
        let base = json!({ "title": "助老", "leadDepartmentIds": [elderly] });
        let with = |field: &str, value: Value| {
            let mut input = base.clone();
            input[field] = value;
            input
        };
        let create = "mutation($input: ActivityInput!) { createActivity(input: $input) { id } }";
        let many_locations: Vec<Value> = (0..5_000)
            .map(|i| json!({ "name": format!("地点{i}") }))
            .collect();
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                create,
                json!({ "input": with("title", json!(huge)) }),
                "title",
            ),
            (
                create,
                json!({ "input": with("contentItems", json!([huge])) }),
                "contentItems",
            ),
            (
                create,
                json!({ "input": with("timeLabel", json!(huge)) }),
                "timeLabel",
            ),
            (
                create,
                json!({ "input": with("locations", json!([{ "name": "源淮社区", "address": huge }])) }),
                "locations.0.address",
            ),
            (
                create,
                json!({ "input": with("locations", json!(many_locations)) }),
                "locations",
            ),
            (
                create,
                json!({ "input": with("seqNo", json!(-5)) }),
                "seqNo",
            ),
            (
                create,
                json!({ "input": with("registrationOpensAt", json!("2031-01-02T00:00:00+08:00"))
                    .as_object().unwrap().clone().into_iter()
                    .chain([("registrationClosesAt".to_owned(), json!("2031-01-01T00:00:00+08:00")),
                            ("startsAt".to_owned(), json!("2031-01-03T09:00:00+08:00"))])
                    .collect::<serde_json::Map<_, _>>() }),
                "registrationClosesAt",
            ),
            (
                create,
                json!({ "input": with("registrationClosesAt", json!("2031-02-01T00:00:00+08:00"))
                    .as_object().unwrap().clone().into_iter()
                    .chain([("startsAt".to_owned(), json!("2031-01-01T09:00:00+08:00")),
                            ("endsAt".to_owned(), json!("2031-01-01T12:00:00+08:00"))])
                    .collect::<serde_json::Map<_, _>>() }),
                "registrationClosesAt",
            ),
            (
                "mutation($id: ID!, $r: String!) { cancelActivity(id: $id, reason: $r) { id } }",
                json!({ "id": activity, "r": huge }),
                "reason",
            ),
            (
                "mutation($input: RecordServiceHoursInput!) { recordServiceHours(input: $input) { id } }",
                json!({ "input": { "activityId": activity, "volunteerId": volunteer_id, "hours": 2, "note": huge } }),
                "note",
            ),
            (
                "mutation($ids: [ID!]!) { reviewServiceRecords(ids: $ids, decision: REJECT, note: \"x\") { id } }",
                json!({ "ids": (0..5_000).map(|i| i.to_string()).collect::<Vec<_>>() }),
                "ids",
            ),
            (
                "mutation($input: CommunityInput!) { createCommunity(input: $input) { id } }",
                json!({ "input": { "name": "另一社区", "district": huge, "kind": "COMMUNITY" } }),
                "district",
            ),
            (
                "mutation($input: CommunityInput!) { createCommunity(input: $input) { id } }",
                json!({ "input": { "name": "名".repeat(3_000), "kind": "COMMUNITY" } }),
                "name",
            ),
            (
                "mutation($input: PairingInput!) { createPairing(input: $input) { id } }",
                json!({ "input": { "kind": "CO_BUILDING", "departmentId": elderly, "communityId": community,
                    "startsOn": "2031-01-01", "targetActivityCount": 10, "commitments": [huge] } }),
                "commitments",
            ),
            (
                "mutation($input: SurveyInput!) { createSurvey(input: $input) { id } }",
                json!({ "input": { "title": "满意度", "description": huge,
                    "questions": [{ "kind": "SATISFACTION", "prompt": "满意吗" }] } }),
                "description",
            ),
            (
                "query($f: ActivityFilter) { activities(filter: $f, first: 1) { totalCount } }",
                json!({ "f": { "search": "搜".repeat(50_000) } }),
                "filter.search",
            ),
        ];
        for (document, variables, field) in cases {
            let body = app.gql(document, variables, Some(&organizer.token)).await;
            let short = &body.to_string()[..body.to_string().len().min(300)];
            assert_eq!(code(&body), "BAD_USER_INPUT", "{field}: {short}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{short}");
        }
        let resident = app.user(&[], None).await;
        let body = app
            .gql(
                "mutation($input: EnrollVolunteerInput!) { enrollAsVolunteer(input: $input) { id } }",
                json!({ "input": { "realName": "王五", "skills": [huge] } }),
                Some(&resident.token),
            )
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            "skills",
            "{}",
            &body.to_string()[..200]
        );
        assert_eq!(row_counts(&app).await, before, "nothing was stored");
    }
}

#[tokio::test]
async fn an_update_with_null_for_what_cannot_be_cleared_is_refused_and_not_audited() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (activity, organizer) = crate::helpers::published_activity(
            &app,
            None,
            "2031-01-01T09:00:00+08:00",
            "2031-01-01T12:00:00+08:00",
        )
        .await;
        let audits = entity::audit_entry::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        for (input, field) in [
            (json!({ "title": null }), "title"),
            (json!({ "leadDepartmentIds": null }), "leadDepartmentIds"),
        ] {
            let body = run(
                &app,
                "UpdateActivity",
                json!({ "id": activity, "input": input }),
                Some(&organizer.token),
            )
            .await;
            assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field);
        }
        assert_eq!(
            entity::audit_entry::Entity::find()
                .count(&app.state.db)
                .await
                .unwrap(),
            audits,
            "a refused update leaves no audit entry"
        );
        // null clears what may be cleared.
        let body = run(
            &app,
            "UpdateActivity",
            json!({ "id": activity, "input": { "contentItems": null, "locations": null } }),
            Some(&organizer.token),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
}
