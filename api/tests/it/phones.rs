//! Phones that are real: sign-up codes sent through an SMS gateway (a local stand-in that
//! records what it is asked to send, and fails when told to), the same answer whether or
//! not a number has an account, guesses limited, the log-only provider refused in
//! production mode.

use std::sync::{Arc, Mutex};

use api::config::SmsProvider;
use serde_json::{Value, json};

use crate::helpers::{Backend, Options, PASSWORD, TestApp, code, spawn_app_with};
use entity::enums::Role;

/// What the gateway was asked to send, and whether it should fail.
#[derive(Default)]
struct Gateway {
    sent: Mutex<Vec<Value>>,
    failing: Mutex<bool>,
}

/// A stand-in for the bureau's SMS gateway: takes `{"phone", "purpose", "text"}` with the
/// bearer token, answers 200, or 503 while failing.
async fn fake_gateway(gateway: Arc<Gateway>) -> String {
    let app = axum::Router::new().route(
        "/sms",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
                let gateway = gateway.clone();
                async move {
                    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok())
                        == Some("Bearer gateway-token");
                    if !authorized {
                        return axum::http::StatusCode::UNAUTHORIZED;
                    }
                    if *gateway.failing.lock().unwrap() {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    gateway.sent.lock().unwrap().push(body);
                    axum::http::StatusCode::OK
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

async fn production_app(backend: Backend, gateway: Arc<Gateway>) -> TestApp {
    let url = fake_gateway(gateway).await;
    spawn_app_with(
        backend,
        Options {
            configure: Box::new(move |config| {
                config.production = true;
                config.sms_provider = Some(SmsProvider::Webhook);
                config.sms_webhook_url = Some(url);
                config.sms_webhook_token = Some(api::config::Secret::new("gateway-token"));
                config.address_limits = false;
            }),
            ..Options::default()
        },
    )
    .await
}

const REQUEST: &str = "mutation($phone: String!) { requestPhoneCode(phone: $phone) }";
const SIGN_UP: &str = "mutation($input: SignUpInput!) {
  signUp(input: $input) { accessToken user { displayName } }
}";

fn sign_up(phone: &str, code: Option<&str>) -> Value {
    json!({ "input": { "phone": phone, "password": PASSWORD, "displayName": "王小明", "code": code } })
}

/// The six digits of the last text sent to `phone`, if it carried a code.
fn code_sent_to(gateway: &Gateway, phone: &str) -> Option<String> {
    let sent = gateway.sent.lock().unwrap();
    let text = sent.iter().rev().find(|m| m["phone"] == phone)?["text"]
        .as_str()?
        .to_owned();
    let digits: String = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)?
        .to_owned();
    Some(digits)
}

#[tokio::test]
async fn sign_up_needs_the_texted_code_and_answers_alike_for_a_taken_number() {
    for backend in Backend::all() {
        let gateway = Arc::new(Gateway::default());
        let app = production_app(backend, gateway.clone()).await;
        let owner = app.user(&[Role::Resident], None).await;
        let new_phone = "13912345678";

        // The same answer for a number with and without an account.
        let taken = app
            .gql(REQUEST, json!({ "phone": owner.phone }), None)
            .await;
        let free = app.gql(REQUEST, json!({ "phone": new_phone }), None).await;
        assert_eq!(taken, free, "{backend:?}");
        assert_eq!(free["data"]["requestPhoneCode"], true, "{free}");
        // The owner is told in a text, with no code in it; the new number gets a code.
        {
            let sent = gateway.sent.lock().unwrap();
            let to_owner = sent
                .iter()
                .find(|m| m["phone"] == owner.phone.as_str())
                .unwrap();
            assert_eq!(to_owner["purpose"], "ALREADY_REGISTERED");
            assert!(to_owner["text"].as_str().unwrap().contains("已经注册"));
        }
        assert_eq!(code_sent_to(&gateway, &owner.phone), None);
        let right = code_sent_to(&gateway, new_phone).expect("a code was texted");

        // Without a code, production refuses; a wrong code and a code for the taken number
        // get one and the same answer.
        let missing = app.gql(SIGN_UP, sign_up(new_phone, None), None).await;
        assert_eq!(code(&missing), "BAD_USER_INPUT", "{missing}");
        assert_eq!(missing["errors"][0]["extensions"]["field"], "code");
        let wrong_code = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        let wrong = app
            .gql(SIGN_UP, sign_up(new_phone, Some(wrong_code)), None)
            .await;
        let on_taken = app
            .gql(SIGN_UP, sign_up(&owner.phone, Some(&right)), None)
            .await;
        assert_eq!(code(&wrong), "BAD_USER_INPUT", "{wrong}");
        assert_eq!(wrong["errors"], on_taken["errors"], "{backend:?}");

        // The right code signs up, once.
        let signed = app
            .ok(SIGN_UP, sign_up(new_phone, Some(&right)), None)
            .await;
        assert!(signed["signUp"]["accessToken"].is_string(), "{signed}");
        let again = app
            .gql(SIGN_UP, sign_up(new_phone, Some(&right)), None)
            .await;
        assert_eq!(
            code(&again),
            "BAD_USER_INPUT",
            "a code is used once: {again}"
        );
        // The holder of a taken number who asks again learns it is taken, by text only.
        app.ok(REQUEST, json!({ "phone": new_phone }), None).await;
        assert_eq!(code_sent_to(&gateway, new_phone), None, "{backend:?}");
    }
}

#[tokio::test]
async fn code_guesses_and_texts_are_limited_per_number_across_instances() {
    for backend in Backend::all() {
        let gateway = Arc::new(Gateway::default());
        let app = production_app(backend, gateway.clone()).await;
        let sibling = crate::helpers::spawn_sibling(&app).await;
        let phone = "13987654321";
        app.ok(REQUEST, json!({ "phone": phone }), None).await;
        let right = code_sent_to(&gateway, phone).expect("a code was texted");
        let wrong_code = if right == "000000" {
            "111111"
        } else {
            "000000"
        };
        // Five wrong guesses spread over two instances (they share codes and counts through
        // Redis; without it each instance keeps its own, so one takes them all); the sixth
        // is refused even with the right code.
        let shared = crate::helpers::redis_url().is_some();
        let other = if shared { &sibling } else { &app };
        for i in 0..5 {
            let instance = if i % 2 == 0 { &app } else { other };
            let body = instance
                .gql(SIGN_UP, sign_up(phone, Some(wrong_code)), None)
                .await;
            assert_eq!(
                code(&body),
                "BAD_USER_INPUT",
                "{backend:?} guess {i}: {body}"
            );
        }
        let limited = other.gql(SIGN_UP, sign_up(phone, Some(&right)), None).await;
        assert_eq!(code(&limited), "RATE_LIMITED", "{backend:?}: {limited}");
        // Five texts an hour per number; the sixth request is refused.
        for _ in 0..4 {
            app.ok(REQUEST, json!({ "phone": phone }), None).await;
        }
        let sixth = app.gql(REQUEST, json!({ "phone": phone }), None).await;
        assert_eq!(code(&sixth), "RATE_LIMITED", "{backend:?}: {sixth}");
    }
}

#[tokio::test]
async fn a_gateway_that_fails_is_an_internal_error_for_every_number_alike() {
    let gateway = Arc::new(Gateway::default());
    *gateway.failing.lock().unwrap() = true;
    let app = production_app(Backend::Sqlite, gateway.clone()).await;
    let owner = app.user(&[Role::Resident], None).await;
    let taken = app
        .gql(REQUEST, json!({ "phone": owner.phone }), None)
        .await;
    let free = app
        .gql(REQUEST, json!({ "phone": "13900001111" }), None)
        .await;
    assert_eq!(code(&free), "INTERNAL", "{free}");
    assert_eq!(taken, free);
}

#[tokio::test]
async fn production_mode_refuses_the_log_only_provider_and_development_keeps_the_contract() {
    let (url, _scratch) = crate::helpers::scratch_database(Backend::Sqlite).await;
    let mut config = api::config::Config::for_database(Some(url));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.metrics_listen = "127.0.0.1:0".to_owned();
    config.jwt_secret = Some(api::config::Secret::new(
        "test-secret-test-secret-test-secret-0123",
    ));
    config.production = true;
    config.sms_provider = Some(SmsProvider::Log);
    let refused = api::startup::App::build(config).await;
    assert!(
        refused.is_err(),
        "production with log-only SMS must not start"
    );

    // Development (the tests' default): the contract's SignUp, without a code, still works.
    let app = crate::helpers::spawn_app(Backend::Sqlite).await;
    let signed = app
        .ok(SIGN_UP, json!({ "input": { "phone": "13900002222", "password": PASSWORD, "displayName": "李四" } }), None)
        .await;
    assert!(signed["signUp"]["accessToken"].is_string());
}
