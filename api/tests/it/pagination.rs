//! Keyset cursors: a page continues after the last row seen, whatever was published in
//! between; `last`/`before` read backward; cursors that are not the list's are refused.

use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, code, run, spawn_app};
use entity::enums::Role;

const FEED: &str = "query Feed($first: Int, $after: String, $last: Int, $before: String) {
  activities(first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id title } }
  }
}";

async fn feed(app: &TestApp, variables: Value) -> Value {
    app.ok(FEED, variables, None).await["activities"].clone()
}

fn titles(page: &Value) -> Vec<String> {
    page["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"]["title"].as_str().expect("title").to_owned())
        .collect()
}

/// A published activity of 养老科 titled `title` on a day of January 2031 (or December 2030
/// for day 0), 09:00–12:00 Beijing time.
async fn activity_on(app: &TestApp, title: &str, day: u32) -> String {
    let date = if day == 0 {
        "2030-12-01".to_owned()
    } else {
        format!("2031-01-{day:02}")
    };
    let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
    let elderly = app.department("养老科").await;
    let created = run(
        app,
        "CreateActivity",
        json!({ "input": { "title": title, "leadDepartmentIds": [elderly],
                "startsAt": format!("{date}T09:00:00+08:00"),
                "endsAt": format!("{date}T12:00:00+08:00") } }),
        Some(&organizer.token),
    )
    .await;
    let id = created["data"]["createActivity"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("created: {created}"))
        .to_owned();
    let published = run(
        app,
        "PublishActivity",
        json!({ "id": id }),
        Some(&organizer.token),
    )
    .await;
    assert_eq!(
        published["data"]["publishActivity"]["status"], "PUBLISHED",
        "{published}"
    );
    id
}

#[tokio::test]
async fn publishing_between_two_pages_neither_repeats_nor_skips_a_row() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        for day in 1..=7 {
            activity_on(&app, &format!("A{day}"), day * 2).await;
        }
        let first = feed(&app, json!({ "first": 3 })).await;
        assert_eq!(titles(&first), ["A1", "A2", "A3"], "{backend:?}");
        assert_eq!(first["pageInfo"]["hasNextPage"], true);
        assert_eq!(first["pageInfo"]["hasPreviousPage"], false);
        assert_eq!(first["totalCount"], 7);

        // Published while the volunteer scrolls: one before everything seen (an offset
        // cursor would repeat A3), one within the next page.
        activity_on(&app, "X", 0).await;
        activity_on(&app, "Y", 9).await;

        let second = feed(
            &app,
            json!({ "first": 3, "after": first["pageInfo"]["endCursor"] }),
        )
        .await;
        assert_eq!(titles(&second), ["A4", "Y", "A5"], "{backend:?}");
        assert_eq!(second["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(second["totalCount"], 9);
        let third = feed(
            &app,
            json!({ "first": 3, "after": second["pageInfo"]["endCursor"] }),
        )
        .await;
        assert_eq!(titles(&third), ["A6", "A7"], "{backend:?}");
        assert_eq!(third["pageInfo"]["hasNextPage"], false);
        assert_eq!(
            third["pageInfo"]["startCursor"], third["edges"][0]["cursor"],
            "startCursor is the first edge's"
        );
    }
}

#[tokio::test]
async fn last_and_before_read_the_list_backward_in_its_own_order() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        for day in 1..=5 {
            activity_on(&app, &format!("A{day}"), day).await;
        }
        let tail = feed(&app, json!({ "last": 2 })).await;
        assert_eq!(titles(&tail), ["A4", "A5"], "{backend:?}");
        assert_eq!(tail["pageInfo"]["hasPreviousPage"], true);
        assert_eq!(tail["pageInfo"]["hasNextPage"], false);
        let before = feed(
            &app,
            json!({ "last": 2, "before": tail["pageInfo"]["startCursor"] }),
        )
        .await;
        assert_eq!(titles(&before), ["A2", "A3"], "{backend:?}");
        assert_eq!(before["pageInfo"]["hasNextPage"], true);
        let head = feed(
            &app,
            json!({ "last": 5, "before": before["pageInfo"]["startCursor"] }),
        )
        .await;
        assert_eq!(titles(&head), ["A1"], "{backend:?}");
        assert_eq!(head["pageInfo"]["hasPreviousPage"], false);
        // `first` with `before`: the first rows that come before the cursor.
        let first_before = feed(
            &app,
            json!({ "first": 1, "before": before["pageInfo"]["startCursor"] }),
        )
        .await;
        assert_eq!(titles(&first_before), ["A1"], "{backend:?}");
    }
}

#[tokio::test]
async fn an_undated_activity_pages_after_the_dated_ones_on_every_database() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        for day in 1..=2 {
            activity_on(&app, &format!("A{day}"), day).await;
        }
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let elderly = app.department("养老科").await;
        for title in ["U1", "U2"] {
            let created = run(
                &app,
                "CreateActivity",
                json!({ "input": { "title": title, "leadDepartmentIds": [elderly] } }),
                Some(&organizer.token),
            )
            .await;
            let id = created["data"]["createActivity"]["id"].clone();
            run(
                &app,
                "PublishActivity",
                json!({ "id": id }),
                Some(&organizer.token),
            )
            .await;
        }
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = feed(&app, json!({ "first": 1, "after": after })).await;
            seen.extend(titles(&page));
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen, ["A1", "A2", "U1", "U2"], "{backend:?}");
        let mut backward = Vec::new();
        let mut before = Value::Null;
        loop {
            let page = feed(&app, json!({ "last": 1, "before": before })).await;
            backward.splice(0..0, titles(&page));
            if page["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = page["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, seen, "{backend:?}");
    }
}

#[tokio::test]
async fn cursors_that_are_not_the_lists_are_refused_with_the_argument_named() {
    let app = spawn_app(Backend::Sqlite).await;
    activity_on(&app, "A1", 1).await;
    let admin = app.user(&[Role::Admin], None).await;
    let audit = app
        .ok(
            "{ auditEntries(first: 1) { edges { cursor } } }",
            json!({}),
            Some(&admin.token),
        )
        .await;
    let foreign = audit["auditEntries"]["edges"][0]["cursor"].clone();
    for (variables, field) in [
        (json!({ "first": 1, "after": foreign }), "after"),
        (json!({ "first": 1, "after": "bm90IGEgY3Vyc29y" }), "after"),
        (json!({ "last": 1, "before": "!!!" }), "before"),
        (json!({ "first": 1, "after": "A".repeat(5000) }), "after"),
        (json!({ "first": 1, "last": 1 }), "last"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": -1 }), "last"),
    ] {
        let body = app.gql(FEED, variables.clone(), None).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{variables} {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], field,
            "{variables} {body}"
        );
    }
}

#[tokio::test]
async fn every_list_pages_forward_and_backward_to_the_same_rows_as_one_page() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[Role::Admin], None).await;
        for day in 1..=4 {
            activity_on(&app, &format!("A{day}"), day).await;
        }
        const AUDIT: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
          auditEntries(first: $first, after: $after, last: $last, before: $before) {
            pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
            edges { node { id } }
          }
        }";
        let ids = |page: &Value| -> Vec<String> {
            page["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
                .collect()
        };
        let all = app
            .ok(AUDIT, json!({ "first": 100 }), Some(&admin.token))
            .await["auditEntries"]
            .clone();
        let all = ids(&all);
        assert!(
            all.len() >= 8,
            "creating and publishing are audited: {all:?}"
        );
        let mut forward = Vec::new();
        let mut after = Value::Null;
        loop {
            let page = app
                .ok(
                    AUDIT,
                    json!({ "first": 3, "after": after }),
                    Some(&admin.token),
                )
                .await["auditEntries"]
                .clone();
            forward.extend(ids(&page));
            if page["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = page["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(forward, all, "{backend:?}");
        let mut backward = Vec::new();
        let mut before = Value::Null;
        loop {
            let page = app
                .ok(
                    AUDIT,
                    json!({ "last": 3, "before": before }),
                    Some(&admin.token),
                )
                .await["auditEntries"]
                .clone();
            backward.splice(0..0, ids(&page));
            if page["pageInfo"]["hasPreviousPage"] != true {
                break;
            }
            before = page["pageInfo"]["startCursor"].clone();
        }
        assert_eq!(backward, all, "{backend:?}");
    }
}
