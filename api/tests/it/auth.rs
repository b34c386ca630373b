//! Accounts, sessions and access control.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use api::auth::jwt::{AUDIENCE, Claims, ISSUER};
use entity::enums::Role;

use crate::helpers::run;
use crate::helpers::{Backend, Options, PASSWORD, code, spawn_app, spawn_app_with, spawn_sibling};

const GUARDED: &str = "{ auditEntries { totalCount } }";

#[tokio::test]
async fn sign_up_checks_its_input_and_refuses_a_second_account_on_one_phone() {
    let app = spawn_app(Backend::Sqlite).await;
    let cases = [
        (
            json!({ "phone": "12345", "password": "long enough", "displayName": "甲" }),
            "phone",
        ),
        (
            json!({ "phone": "12812345678", "password": "long enough", "displayName": "甲" }),
            "phone",
        ),
        (
            json!({ "phone": "13912345678", "password": "short", "displayName": "甲" }),
            "password",
        ),
        (
            json!({ "phone": "13912345678", "password": "long enough", "displayName": "  " }),
            "displayName",
        ),
        (
            json!({ "phone": "13912345678", "password": "long enough", "displayName": "名".repeat(33) }),
            "displayName",
        ),
    ];
    for (input, field) in cases {
        let body = run(&app, "SignUp", json!({ "input": input }), None).await;
        assert_eq!(code(&body), "BAD_USER_INPUT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }
    let input = json!({ "phone": "13912345678", "password": "long enough", "displayName": "小林" });
    let first = run(&app, "SignUp", json!({ "input": input }), None).await;
    assert_eq!(
        first["data"]["signUp"]["user"]["roles"],
        json!(["RESIDENT"])
    );
    assert_eq!(
        first["data"]["signUp"]["user"]["phone"], "13912345678",
        "the user sees their own phone"
    );
    assert_eq!(first["data"]["signUp"]["expiresIn"], 900);
    let second = run(&app, "SignUp", json!({ "input": input }), None).await;
    assert_eq!(code(&second), "CONFLICT");
}

#[tokio::test]
async fn more_than_five_failed_logins_lock_the_phone_on_every_instance() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let user = app.user(&[], None).await;
        for _ in 0..5 {
            let body = run(
                &app,
                "Login",
                json!({ "phone": user.phone, "password": "wrong password" }),
                None,
            )
            .await;
            assert_eq!(code(&body), "UNAUTHENTICATED");
            // Said in Chinese, with a key the apps rely on, and not about tokens.
            assert_eq!(
                body["errors"][0]["extensions"]["reason"], "WRONG_PASSWORD",
                "{body}"
            );
            assert_eq!(body["errors"][0]["message"], "手机号或密码不正确", "{body}");
        }
        // A phone without an account gets the very same answer.
        let unknown = run(
            &app,
            "Login",
            json!({ "phone": "13700000001", "password": "wrong password" }),
            None,
        )
        .await;
        assert_eq!(
            unknown["errors"][0]["extensions"],
            json!({ "code": "UNAUTHENTICATED", "reason": "WRONG_PASSWORD" })
        );
        assert_eq!(unknown["errors"][0]["message"], "手机号或密码不正确");
        let locked = run(
            &app,
            "Login",
            json!({ "phone": user.phone, "password": PASSWORD }),
            None,
        )
        .await;
        assert_eq!(code(&locked), "RATE_LIMITED", "{locked}");
        assert!(
            locked["errors"][0]["extensions"]["retryAfter"]
                .as_u64()
                .unwrap()
                > 0
        );
        if crate::helpers::redis_url().is_some() {
            let sibling = spawn_sibling(&app).await;
            let elsewhere = run(
                &sibling,
                "Login",
                json!({ "phone": user.phone, "password": PASSWORD }),
                None,
            )
            .await;
            assert_eq!(
                code(&elsewhere),
                "RATE_LIMITED",
                "the limit must hold across instances"
            );
        }
        // Another phone is unaffected.
        let other = app.user(&[], None).await;
        let fine = run(
            &app,
            "Login",
            json!({ "phone": other.phone, "password": PASSWORD }),
            None,
        )
        .await;
        assert!(fine.get("errors").is_none(), "{fine}");
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_revokes_the_whole_session() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let user = app.user(&[], None).await;
        let login = run(
            &app,
            "Login",
            json!({ "phone": user.phone, "password": PASSWORD }),
            None,
        )
        .await;
        let first = login["data"]["login"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let rotated = run(
            &app,
            "RefreshSession",
            json!({ "refreshToken": first }),
            None,
        )
        .await;
        let second = rotated["data"]["refreshSession"]["refreshToken"]
            .as_str()
            .expect("rotated")
            .to_owned();
        assert_ne!(first, second);
        let access = rotated["data"]["refreshSession"]["accessToken"]
            .as_str()
            .unwrap();
        let me = run(&app, "Me", json!({}), Some(access)).await;
        assert_eq!(me["data"]["me"]["id"], login["data"]["login"]["user"]["id"]);

        let reused = run(
            &app,
            "RefreshSession",
            json!({ "refreshToken": first }),
            None,
        )
        .await;
        assert_eq!(code(&reused), "UNAUTHENTICATED");
        let after_reuse = run(
            &app,
            "RefreshSession",
            json!({ "refreshToken": second }),
            None,
        )
        .await;
        assert_eq!(
            code(&after_reuse),
            "UNAUTHENTICATED",
            "reuse must revoke every token of the login"
        );

        let again = run(
            &app,
            "Login",
            json!({ "phone": user.phone, "password": PASSWORD }),
            None,
        )
        .await;
        let token = again["data"]["login"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        let out = run(&app, "Logout", json!({ "refreshToken": token }), None).await;
        assert_eq!(out["data"]["logout"], true);
        let after_logout = run(
            &app,
            "RefreshSession",
            json!({ "refreshToken": token }),
            None,
        )
        .await;
        assert_eq!(code(&after_logout), "UNAUTHENTICATED");
    }
}

#[tokio::test]
async fn a_made_up_refresh_token_with_a_real_session_id_signs_nobody_out() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let user = app.user(&[], None).await;
        let login = run(
            &app,
            "Login",
            json!({ "phone": user.phone, "password": PASSWORD }),
            None,
        )
        .await;
        let token = login["data"]["login"]["refreshToken"]
            .as_str()
            .unwrap()
            .to_owned();
        // The session id is in every access token anyone may see; the secret is not.
        let session_id = token.split('.').next().unwrap();
        let forged = run(
            &app,
            "RefreshSession",
            json!({ "refreshToken": format!("{session_id}.not-the-secret") }),
            None,
        )
        .await;
        assert_eq!(code(&forged), "UNAUTHENTICATED", "{forged}");
        let owner = run(
            &app,
            "RefreshSession",
            json!({ "refreshToken": token }),
            None,
        )
        .await;
        assert!(
            owner["data"]["refreshSession"]["refreshToken"].is_string(),
            "the owner's session must live on: {owner}"
        );
    }
}

pub(crate) fn claims(user_id: i32, roles: Vec<Role>) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: user_id.to_string(),
        iss: ISSUER.to_owned(),
        aud: AUDIENCE.to_owned(),
        exp: now + 600,
        iat: now,
        sid: "s".to_owned(),
        roles,
        dept: None,
    }
}

pub(crate) fn sign(claims: &Claims, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn expired_tampered_foreign_unsigned_and_future_tokens_are_refused_with_a_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.user(&[Role::Admin], None).await;
    let secret = app.state.config.jwt_secret.clone().unwrap();
    let secret = secret.expose();
    let good = sign(&claims(admin.id, vec![Role::Admin]), secret);
    assert!(
        app.gql(GUARDED, json!({}), Some(&good))
            .await
            .get("errors")
            .is_none()
    );

    let mut expired = claims(admin.id, vec![Role::Admin]);
    expired.exp = chrono::Utc::now().timestamp() - 3600;
    let mut audience = claims(admin.id, vec![Role::Admin]);
    audience.aud = "someone-else".to_owned();
    let mut issuer = claims(admin.id, vec![Role::Admin]);
    issuer.iss = "someone-else".to_owned();
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload["sub"] = json!("999");
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    let tampered = parts.join(".");
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", good.split('.').nth(1).unwrap());
    let wrong_type = {
        let mut value = serde_json::to_value(claims(admin.id, vec![Role::Admin])).unwrap();
        value["exp"] = json!("never");
        encode(
            &Header::new(Algorithm::HS256),
            &value,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    };
    let mut future = claims(admin.id, vec![Role::Admin]);
    future.iat = chrono::Utc::now().timestamp() + 3600;
    future.exp = future.iat + 900;
    let cases = [
        ("expired", sign(&expired, secret)),
        ("issued in the future", sign(&future, secret)),
        (
            "other key",
            sign(
                &claims(admin.id, vec![Role::Admin]),
                "another-secret-another-secret-0123456",
            ),
        ),
        ("other audience", sign(&audience, secret)),
        ("other issuer", sign(&issuer, secret)),
        ("tampered", tampered),
        ("alg none", unsigned),
        ("exp of the wrong type", wrong_type),
        ("garbage", "abc.def.ghi".to_owned()),
    ];
    for (what, token) in cases {
        let body = app.gql(GUARDED, json!({}), Some(&token)).await;
        assert_eq!(code(&body), "UNAUTHENTICATED", "{what}: {body}");
        // Not anonymity: the app must learn that its token is no good.
        let me = app.gql("{ me { id } }", json!({}), Some(&token)).await;
        assert_eq!(code(&me), "UNAUTHENTICATED", "{what}: {me}");
        let reason = if what == "expired" {
            "TOKEN_EXPIRED"
        } else {
            "TOKEN_INVALID"
        };
        assert_eq!(
            me["errors"][0]["extensions"]["reason"], reason,
            "{what}: {me}"
        );
        assert!(me.get("data").is_none(), "nothing ran: {me}");
    }
    // Signing in again works with the stale token still in the header.
    let login = app
        .gql(
            "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
            json!({ "p": admin.phone, "w": PASSWORD }),
            Some(&sign(&expired, secret)),
        )
        .await;
    assert!(login["data"]["login"]["accessToken"].is_string(), "{login}");
}

/// A stand-in for WeChat's jscode2session, answering as WeChat does.
async fn fake_wechat(calls: Arc<AtomicUsize>) -> String {
    use axum::extract::Query;
    use std::collections::HashMap;
    let app = axum::Router::new().route(
        "/sns/jscode2session",
        axum::routing::get(move |Query(params): Query<HashMap<String, String>>| {
            let calls = calls.clone();
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                let ok = params.get("appid").map(String::as_str) == Some("wx-test")
                    && params.get("secret").map(String::as_str) == Some("wx-secret")
                    && params.get("grant_type").map(String::as_str) == Some("authorization_code");
                let body = match (ok, params.get("js_code").map(String::as_str)) {
                    (false, _) => json!({ "errcode": 40125, "errmsg": "invalid appsecret" }),
                    (true, Some("code-alice")) => {
                        json!({ "openid": "openid-alice", "session_key": "SECRET-SESSION-KEY" })
                    }
                    (true, Some("code-busy")) => {
                        json!({ "errcode": 45011, "errmsg": "api minute-quota reach limit" })
                    }
                    (true, _) => json!({ "errcode": 40029, "errmsg": "invalid code" }),
                };
                axum::Json(body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

#[tokio::test]
async fn wechat_login_exchanges_the_code_and_never_returns_the_session_key() {
    let calls = Arc::new(AtomicUsize::new(0));
    let base = fake_wechat(calls.clone()).await;
    for backend in Backend::all() {
        let base = base.clone();
        let app = spawn_app_with(
            backend,
            Options {
                configure: Box::new(move |config| {
                    config.wechat_api_base = base;
                    config.wechat_appid = Some("wx-test".to_owned());
                    config.wechat_secret = Some(api::config::Secret::new("wx-secret"));
                }),
                ..Default::default()
            },
        )
        .await;
        let first = run(&app, "WechatLogin", json!({ "code": "code-alice" }), None).await;
        assert!(first.get("errors").is_none(), "{first}");
        assert!(!first.to_string().contains("SECRET-SESSION-KEY"));
        assert_eq!(
            first["data"]["wechatLogin"]["user"]["roles"],
            json!(["RESIDENT"])
        );
        let again = run(&app, "WechatLogin", json!({ "code": "code-alice" }), None).await;
        assert_eq!(
            again["data"]["wechatLogin"]["user"]["id"],
            first["data"]["wechatLogin"]["user"]["id"]
        );
        let invalid = run(&app, "WechatLogin", json!({ "code": "code-unknown" }), None).await;
        assert_eq!(code(&invalid), "BAD_USER_INPUT");
        let busy = run(&app, "WechatLogin", json!({ "code": "code-busy" }), None).await;
        assert_eq!(code(&busy), "RATE_LIMITED");
    }
    assert!(
        calls.load(Ordering::SeqCst) >= 4,
        "the exchange really went over HTTP"
    );
}

#[tokio::test]
async fn wechat_login_without_configuration_is_refused_clearly() {
    let app = spawn_app(Backend::Sqlite).await;
    let body = run(&app, "WechatLogin", json!({ "code": "x" }), None).await;
    assert_eq!(code(&body), "FORBIDDEN");
}

/// Every guarded mutation against every role: the guard's answer, before any business rule.
#[tokio::test]
async fn each_role_meets_the_guard_of_each_mutation() {
    let app = spawn_app(Backend::Sqlite).await;
    let resident = app.user(&[], None).await;
    let volunteer = app.user(&[Role::Volunteer], None).await;
    let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
    let viewer = app.user(&[Role::Viewer], None).await;
    let admin = app.user(&[Role::Admin], None).await;
    // (operation, roles that pass the guard)
    let matrix: &[(&str, &[&str])] = &[
        ("CreateActivity", &["organizer", "admin"]),
        ("UpdateActivity", &["organizer", "admin"]),
        ("PublishActivity", &["organizer", "admin"]),
        ("CancelActivity", &["organizer", "admin"]),
        ("CompleteActivity", &["organizer", "admin"]),
        ("ImportPlan", &["organizer", "admin"]),
        ("ActivityCheckInCode", &["organizer", "admin"]),
        ("RecordServiceHours", &["organizer", "admin"]),
        ("ReviewServiceRecords", &["organizer", "admin"]),
        ("ReviewQueue", &["organizer", "admin"]),
        ("CreateCommunity", &["organizer", "admin"]),
        ("CreatePairing", &["organizer", "admin"]),
        ("EndPairing", &["organizer", "admin"]),
        ("AuditLog", &["admin"]),
        (
            "RegisterForActivity",
            &["resident", "volunteer", "organizer", "viewer", "admin"],
        ),
        (
            "EnrollAsVolunteer",
            &["resident", "volunteer", "organizer", "viewer", "admin"],
        ),
    ];
    let tokens = [
        ("resident", resident.token.as_str()),
        ("volunteer", volunteer.token.as_str()),
        ("organizer", organizer.token.as_str()),
        ("viewer", viewer.token.as_str()),
        ("admin", admin.token.as_str()),
    ];
    for (operation, allowed) in matrix {
        let variables = crate::contract::variables_for(operation);
        let anonymous = run(&app, operation, variables.clone(), None).await;
        assert_eq!(
            code(&anonymous),
            "UNAUTHENTICATED",
            "anonymous {operation}: {anonymous}"
        );
        for (role, token) in tokens {
            let body = run(&app, operation, variables.clone(), Some(token)).await;
            let got = code(&body);
            if allowed.contains(&role) {
                assert!(
                    got != "FORBIDDEN" && got != "UNAUTHENTICATED"
                        || ["VOLUNTEER_REQUIRED", "NO_DEPARTMENT"].contains(
                            &body["errors"][0]["extensions"]["reason"]
                                .as_str()
                                .unwrap_or("")
                        ),
                    "{role} {operation} should pass the guard: {body}"
                );
            } else {
                assert_eq!(got, "FORBIDDEN", "{role} {operation}: {body}");
            }
        }
    }
}

#[tokio::test]
async fn organizer_and_admin_mutations_leave_audit_entries_that_only_admins_read() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.user(&[Role::Admin], None).await;
    let created = run(
        &app,
        "CreateCommunity",
        json!({ "input": { "name": "马厂社区", "kind": "COMMUNITY" } }),
        Some(&admin.token),
    )
    .await;
    assert!(created.get("errors").is_none(), "{created}");
    let log = run(&app, "AuditLog", json!({}), Some(&admin.token)).await;
    let entry = &log["data"]["auditEntries"]["edges"][0]["node"];
    assert_eq!(entry["action"], "community.create");
    assert_eq!(entry["targetType"], "Community");
    assert_eq!(entry["targetId"], created["data"]["createCommunity"]["id"]);
    assert_eq!(entry["actor"]["id"], json!(admin.id.to_string()));
    let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
    let refused = run(&app, "AuditLog", json!({}), Some(&organizer.token)).await;
    assert_eq!(code(&refused), "FORBIDDEN");
}

#[test]
fn phones_are_masked_to_the_first_three_and_last_four_digits() {
    assert_eq!(
        api::domain::users::types::mask_phone("13812345678"),
        "138****5678"
    );
}

/// WeChat's stable_token and getuserphonenumber, played locally: tokens `token-N`, of
/// which only the newest is accepted (a test "expires" the others by bumping `current`).
#[derive(Default)]
struct FakePhoneApi {
    token_calls: AtomicUsize,
    forced: AtomicUsize,
    current: AtomicUsize,
    taken_phone: std::sync::Mutex<String>,
}

async fn fake_phone_api(api: Arc<FakePhoneApi>) -> String {
    use axum::extract::{Query, State};
    use std::collections::HashMap;
    let app = axum::Router::new()
        .route(
            "/cgi-bin/stable_token",
            axum::routing::post(
                |State(api): State<Arc<FakePhoneApi>>, axum::Json(body): axum::Json<Value>| async move {
                    api.token_calls.fetch_add(1, Ordering::SeqCst);
                    if body["appid"] != "wx-test"
                        || body["secret"] != "wx-secret"
                        || body["grant_type"] != "client_credential"
                    {
                        return axum::Json(json!({ "errcode": 40125, "errmsg": "invalid appsecret" }));
                    }
                    if body["force_refresh"] == true {
                        api.forced.fetch_add(1, Ordering::SeqCst);
                    }
                    let n = api.current.load(Ordering::SeqCst);
                    axum::Json(json!({ "access_token": format!("token-{n}"), "expires_in": 7200 }))
                },
            ),
        )
        .route(
            "/wxa/business/getuserphonenumber",
            axum::routing::post(
                |State(api): State<Arc<FakePhoneApi>>,
                 Query(params): Query<HashMap<String, String>>,
                 axum::Json(body): axum::Json<Value>| async move {
                    let newest = format!("token-{}", api.current.load(Ordering::SeqCst));
                    if params.get("access_token") != Some(&newest) {
                        return axum::Json(json!({ "errcode": 42001, "errmsg": "access_token expired" }));
                    }
                    let info = |pure: &str, country: Value| {
                        json!({ "errcode": 0, "errmsg": "ok", "phone_info": {
                            "phoneNumber": pure, "purePhoneNumber": pure, "countryCode": country,
                            "watermark": { "timestamp": 1, "appid": "wx-test" } } })
                    };
                    let taken = api.taken_phone.lock().unwrap().clone();
                    axum::Json(match body["code"].as_str() {
                        Some("phone-alice") => info("13912345678", json!(86)),
                        Some("phone-bob") => info("13987654321", json!("86")),
                        Some("phone-foreign") => info("61234567", json!(852)),
                        Some("phone-taken") => info(&taken, json!(86)),
                        Some("phone-busy") => json!({ "errcode": 45011, "errmsg": "api minute-quota reach limit" }),
                        _ => json!({ "errcode": 40029, "errmsg": "invalid code" }),
                    })
                },
            ),
        )
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    address
}

/// bindWechatPhone: the getPhoneNumber code exchanged over HTTP with a cached access
/// token (one per app, shared by the instances through Redis, renewed once when WeChat
/// says it expired); WeChat's refusals are coded errors; a number another account holds
/// is CONFLICT and stays where it was.
#[tokio::test]
async fn a_wechat_verified_phone_is_bound_to_the_account() {
    for backend in Backend::all() {
        let fake = Arc::new(FakePhoneApi::default());
        let base = fake_phone_api(fake.clone()).await;
        let app = spawn_app_with(
            backend,
            Options {
                configure: Box::new(move |config| {
                    config.wechat_api_base = base;
                    config.wechat_appid = Some("wx-test".to_owned());
                    config.wechat_secret = Some(api::config::Secret::new("wx-secret"));
                }),
                ..Default::default()
            },
        )
        .await;
        const BIND: &str = "mutation($c: String!) { bindWechatPhone(code: $c) { id phone } }";
        let alice = app.user(&[], None).await;
        let anonymous = app.gql(BIND, json!({ "c": "phone-alice" }), None).await;
        assert_eq!(
            code(&anonymous),
            "UNAUTHENTICATED",
            "{backend:?}: {anonymous}"
        );

        let bound = app
            .ok(BIND, json!({ "c": "phone-alice" }), Some(&alice.token))
            .await;
        assert_eq!(
            bound["bindWechatPhone"]["phone"], "13912345678",
            "{backend:?}"
        );
        // The new number signs in; the old one no longer does.
        assert!(!app.login("13912345678", PASSWORD).await.is_empty());
        let old = app
            .gql(
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
                json!({ "p": alice.phone, "w": PASSWORD }),
                None,
            )
            .await;
        assert_eq!(code(&old), "UNAUTHENTICATED", "{backend:?}: {old}");
        assert_eq!(fake.token_calls.load(Ordering::SeqCst), 1);

        // A second instance uses the same token (through Redis; without it, its own).
        let sibling = spawn_sibling(&app).await;
        let bob = app.user(&[], None).await;
        let bound = sibling
            .ok(BIND, json!({ "c": "phone-bob" }), Some(&bob.token))
            .await;
        assert_eq!(bound["bindWechatPhone"]["phone"], "13987654321");
        let expected_calls = if app.state.cache.uses_redis() { 1 } else { 2 };
        assert_eq!(
            fake.token_calls.load(Ordering::SeqCst),
            expected_calls,
            "{backend:?}"
        );

        // WeChat expires the token: renewed once (force_refresh), and the call goes through.
        fake.current.fetch_add(1, Ordering::SeqCst);
        let carol = app.user(&[], None).await;
        *fake.taken_phone.lock().unwrap() = "13912345678".to_owned();
        let conflict = app
            .gql(BIND, json!({ "c": "phone-taken" }), Some(&carol.token))
            .await;
        assert_eq!(code(&conflict), "CONFLICT", "{backend:?}: {conflict}");
        assert_eq!(fake.forced.load(Ordering::SeqCst), 1, "{backend:?}");
        let me = app
            .ok("{ me { phone } }", json!({}), Some(&carol.token))
            .await;
        assert_eq!(
            me["me"]["phone"], carol.phone,
            "{backend:?}: nothing changed"
        );

        for (sent, expected) in [
            ("phone-unknown", "BAD_USER_INPUT"),
            ("phone-foreign", "BAD_USER_INPUT"),
            ("phone-busy", "RATE_LIMITED"),
            ("", "BAD_USER_INPUT"),
        ] {
            let body = app
                .gql(BIND, json!({ "c": sent }), Some(&carol.token))
                .await;
            assert_eq!(code(&body), expected, "{backend:?} {sent}: {body}");
        }
        let admin = app.user(&[Role::Admin], None).await;
        let entries = app
            .ok(
                "{ auditEntries(first: 50) { edges { node { action } } } }",
                json!({}),
                Some(&admin.token),
            )
            .await;
        let binds = entries["auditEntries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|edge| edge["node"]["action"] == "user.bindPhone")
            .count();
        assert_eq!(binds, 2, "{backend:?}: {entries}");
    }
}
