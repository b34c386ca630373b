//! Every error the contract's operations can return says what happened in Chinese by
//! default and in English to `Accept-Language: en`, beside `extensions.code` and
//! `extensions.reason` (issue 22, point 2).

use serde_json::{Value, json};

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, op, open_activity, spawn_app};

/// One operation of the contract, as an app sends it, with the client's language.
async fn send(app: &TestApp, body: &Value, token: Option<&str>, language: Option<&str>) -> Value {
    let mut request = app.http.post(format!("{}/graphql", app.address)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(language) = language {
        request = request.header("Accept-Language", language);
    }
    request
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON")
}

fn operation(name: &str, variables: Value) -> Value {
    json!({ "query": op(name), "operationName": name, "variables": variables })
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Sends the request in Chinese (no header) and in English; both answers must carry the
/// expected code and reason, the first a Chinese message, the second an English one.
async fn assert_refused(
    app: &TestApp,
    what: &str,
    body: &Value,
    token: Option<&str>,
    expected: (&str, &str),
) {
    for language in [
        None,
        Some("zh-CN,en;q=0.5"),
        Some("en-US,en;q=0.9,zh;q=0.8"),
    ] {
        let answer = send(app, body, token, language).await;
        let error = &answer["errors"][0];
        let extensions = &error["extensions"];
        assert_eq!(
            (
                extensions["code"].as_str().unwrap_or("<none>"),
                extensions["reason"].as_str().unwrap_or("<none>"),
            ),
            expected,
            "{what} ({language:?}): {answer:#}"
        );
        let message = error["message"].as_str().expect("a message");
        let english = language.is_some_and(|l| l.starts_with("en"));
        assert_eq!(
            has_cjk(message),
            !english,
            "{what} ({language:?}) said {message:?}"
        );
        assert!(!message.trim().is_empty());
    }
}

#[tokio::test]
async fn every_refusal_of_the_contract_has_a_code_a_reason_and_a_message_in_the_clients_language() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let volunteer = app.user(&[Role::Volunteer], None).await;
        let (activity, organizer) = open_activity(&app, Some(1)).await;

        // Not signed in, wrong role, unknown id.
        let register = operation("RegisterForActivity", json!({ "activityId": activity }));
        assert_refused(
            &app,
            "not signed in",
            &register,
            None,
            ("UNAUTHENTICATED", "LOGIN_REQUIRED"),
        )
        .await;
        let create = |title: String| {
            operation(
                "CreateActivity",
                json!({ "input": { "title": title, "leadDepartmentIds": [] } }),
            )
        };
        assert_refused(
            &app,
            "wrong role",
            &create("助老服务".to_owned()),
            Some(&volunteer.token),
            ("FORBIDDEN", "ROLE_FORBIDDEN"),
        )
        .await;
        assert_refused(
            &app,
            "unknown id",
            &operation("PublishActivity", json!({ "id": "999999" })),
            Some(&organizer.token),
            ("NOT_FOUND", "ACTIVITY_NOT_FOUND"),
        )
        .await;

        // Bad input: a title past its bound, a negative page size, a value of the wrong type.
        assert_refused(
            &app,
            "too long",
            &create("长".repeat(5_000)),
            Some(&organizer.token),
            ("BAD_USER_INPUT", "TOO_LONG"),
        )
        .await;
        assert_refused(
            &app,
            "negative first",
            &operation("ActivityFeed", json!({ "first": -1 })),
            None,
            ("BAD_USER_INPUT", "NEGATIVE"),
        )
        .await;
        assert_refused(
            &app,
            "not a cursor",
            &operation("ActivityFeed", json!({ "after": "garbage" })),
            None,
            ("BAD_USER_INPUT", "INVALID_CURSOR"),
        )
        .await;
        assert_refused(
            &app,
            "a document that does not validate",
            &json!({ "query": "{ noSuchField }" }),
            None,
            ("BAD_USER_INPUT", "INVALID_QUERY"),
        )
        .await;
        // Apollo's protocol fixes this message in every language.
        let unknown = json!({ "extensions": { "persistedQuery": { "version": 1,
            "sha256Hash": "0".repeat(64) } } });
        for language in [None, Some("en")] {
            let answer = send(&app, &unknown, None, language).await;
            assert_eq!(
                answer["errors"][0],
                json!({ "message": "PersistedQueryNotFound", "extensions":
                    { "code": "BAD_USER_INPUT", "reason": "PERSISTED_QUERY_NOT_FOUND" } }),
                "{answer:#}"
            );
        }

        // Registering twice; a full activity waitlists, a cancelled one is closed.
        let first = send(&app, &register, Some(&volunteer.token), None).await;
        assert!(first.get("errors").is_none(), "{first:#}");
        assert_refused(
            &app,
            "register twice",
            &register,
            Some(&volunteer.token),
            ("CONFLICT", "ALREADY_REGISTERED"),
        )
        .await;
        let cancelled = send(
            &app,
            &operation(
                "CancelActivity",
                json!({ "id": activity, "reason": "天气原因" }),
            ),
            Some(&organizer.token),
            None,
        )
        .await;
        assert!(cancelled.get("errors").is_none(), "{cancelled:#}");
        let latecomer = app.user(&[Role::Volunteer], None).await;
        assert_refused(
            &app,
            "registration closed",
            &register,
            Some(&latecomer.token),
            ("REGISTRATION_CLOSED", "REGISTRATION_UNPUBLISHED"),
        )
        .await;

        // Signing in: a wrong password, tokens that are not valid, too many guesses.
        let someone = app.user(&[], None).await;
        let guess = operation(
            "Login",
            json!({ "phone": someone.phone, "password": "wrong password" }),
        );
        assert_refused(
            &app,
            "wrong password",
            &guess,
            None,
            ("UNAUTHENTICATED", "WRONG_PASSWORD"),
        )
        .await;
        let me = operation("Me", json!({}));
        assert_refused(
            &app,
            "invalid token",
            &me,
            Some("not-a-token"),
            ("UNAUTHENTICATED", "TOKEN_INVALID"),
        )
        .await;
        let secret = app.state.config.jwt_secret.clone().unwrap();
        let mut expired = crate::auth::claims(someone.id, vec![]);
        expired.iat -= 7_200;
        expired.exp = expired.iat + 600;
        let expired = crate::auth::sign(&expired, secret.expose());
        assert_refused(
            &app,
            "expired token",
            &me,
            Some(&expired),
            ("UNAUTHENTICATED", "TOKEN_EXPIRED"),
        )
        .await;
        // Three guesses were counted above; the sixth is refused, in either language.
        for _ in 0..3 {
            send(&app, &guess, None, None).await;
        }
        assert_refused(
            &app,
            "rate limited",
            &guess,
            None,
            ("RATE_LIMITED", "RATE_LIMITED"),
        )
        .await;
        let limited = send(&app, &guess, None, Some("en")).await;
        let retry = limited["errors"][0]["extensions"]["retryAfter"]
            .as_u64()
            .expect("retryAfter");
        let message = limited["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&retry.to_string()), "{message}");
    }
}

#[tokio::test]
async fn an_answer_given_in_chinese_is_not_served_again_in_english() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        // Anonymous queries are cached whole; this one fails in a resolver.
        let query = json!({ "query": "query Feed($after: String) { activities(after: $after) { totalCount } }",
            "variables": { "after": "garbage" } });
        let chinese = send(&app, &query, None, None).await;
        let english = send(&app, &query, None, Some("en")).await;
        let again = send(&app, &query, None, Some("zh-CN")).await;
        assert_eq!(
            chinese["errors"][0]["extensions"]["reason"], "INVALID_CURSOR",
            "{chinese:#}"
        );
        let said = |body: &Value| body["errors"][0]["message"].as_str().unwrap().to_owned();
        assert!(has_cjk(&said(&chinese)), "{chinese:#}");
        assert!(!has_cjk(&said(&english)), "{english:#}");
        assert_eq!(said(&again), said(&chinese));
        assert_eq!(
            english["errors"][0]["extensions"],
            chinese["errors"][0]["extensions"]
        );
    }
}

/// Read at run time, not embedded: the Docker build stage holds the crates, not the README.
#[test]
fn the_readme_lists_every_reason() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    for reason in api::messages::Reason::samples() {
        let key = format!("| `{}` |", reason.key());
        assert!(
            readme.contains(&key),
            "README.md, section Errors, lacks {key}"
        );
    }
}
