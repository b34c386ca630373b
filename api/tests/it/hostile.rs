//! Hostile input: what anyone on the internet can send must neither crash the server, nor
//! store anything, nor reach what the sender may not see.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, code, spawn_app};

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
    let _ = StatusCode::OK;
}
