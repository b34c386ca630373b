//! Mini-program login: the code from wx.login() is exchanged server-side at WeChat's
//! jscode2session for the user's openid. The session key it also returns is never stored,
//! returned or logged.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;

use entity::enums::Role;
use entity::user;

use crate::cache::CacheKey;
use crate::context::AppState;
use crate::error::{AppError, AppResult, Reason};

use super::service::{IssuedSession, open_session};

#[derive(Deserialize)]
struct Code2Session {
    openid: Option<String>,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// Asks WeChat who the code belongs to.
async fn exchange(state: &AppState, code: &str) -> AppResult<String> {
    let config = &state.config;
    let (Some(appid), Some(secret)) = (&config.wechat_appid, &config.wechat_secret) else {
        return Err(AppError::of(Reason::WechatNotConfigured));
    };
    let url = format!(
        "{}/sns/jscode2session",
        config.wechat_api_base.trim_end_matches('/')
    );
    let response = state
        .http
        .get(url)
        .query(&[
            ("appid", appid.as_str()),
            ("secret", secret.expose()),
            ("js_code", code),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .map_err(|err| {
            AppError::internal(anyhow::anyhow!("jscode2session request failed: {err}"))
        })?;
    if !response.status().is_success() {
        return Err(AppError::internal(anyhow::anyhow!(
            "jscode2session answered HTTP {}",
            response.status()
        )));
    }
    let body: Code2Session = response.json().await.map_err(|err| {
        AppError::internal(anyhow::anyhow!("jscode2session answer unreadable: {err}"))
    })?;
    match (body.errcode, body.openid) {
        (0, Some(openid)) if !openid.is_empty() => Ok(openid),
        // 40029: invalid code; 40163: code already used.
        (40029 | 40163, _) => Err(AppError::input("code", Reason::WechatCodeInvalid)),
        // 45011: WeChat's own rate limit for this user.
        (45011, _) => Err(AppError::of(Reason::RateLimited {
            retry_after_secs: 60,
        })),
        (errcode, _) => Err(AppError::internal(anyhow::anyhow!(
            "jscode2session error {errcode}: {}",
            body.errmsg
        ))),
    }
}

#[tracing::instrument(skip_all, err(level = "info", Debug))]
pub async fn login(state: &AppState, code: &str) -> AppResult<IssuedSession> {
    if code.trim().is_empty() || code.len() > 128 {
        return Err(AppError::input("code", Reason::WechatCodeMissing));
    }
    let openid = exchange(state, code.trim()).await?;
    let existing = user::Entity::find()
        .filter(user::Column::WechatOpenid.eq(openid.as_str()))
        .one(&state.db)
        .await?;
    let user = match existing {
        Some(user) => user,
        None => {
            let inserted = user::ActiveModel {
                phone: Set(None),
                password_hash: Set(None),
                display_name: Set("微信用户".to_owned()),
                wechat_openid: Set(Some(openid.clone())),
                roles: Set(Role::join(&[Role::Resident])),
                department_id: Set(None),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&state.db)
            .await;
            match inserted {
                Ok(user) => user,
                // Two first logins raced; the other one created the account.
                Err(_) => user::Entity::find()
                    .filter(user::Column::WechatOpenid.eq(openid.as_str()))
                    .one(&state.db)
                    .await?
                    .ok_or(AppError::of(Reason::LoginRequired))?,
            }
        }
    };
    open_session(state, user).await
}

/// The API's access token, from the shared cache while it has more than five minutes
/// left, else from `stable_token`, which hands every instance the same token (the older
/// `/cgi-bin/token` would invalidate the token another instance holds). `force` asks for a
/// new one after WeChat refused the cached token.
pub(crate) async fn access_token(state: &AppState, force: bool) -> AppResult<String> {
    let now = Utc::now().timestamp();
    if !force
        && let Some(stored) = state.cache.get(&CacheKey::WechatAccessToken).await
        && let Some((expires, token)) = stored.split_once(':')
        && expires.parse::<i64>().is_ok_and(|at| at - now > 300)
    {
        return Ok(token.to_owned());
    }
    let config = &state.config;
    let (Some(appid), Some(secret)) = (&config.wechat_appid, &config.wechat_secret) else {
        return Err(AppError::of(Reason::WechatNotConfigured));
    };
    let url = format!(
        "{}/cgi-bin/stable_token",
        config.wechat_api_base.trim_end_matches('/')
    );
    let body: StableToken = post_json(
        state,
        &url,
        &serde_json::json!({
            "grant_type": "client_credential",
            "appid": appid,
            "secret": secret.expose(),
            "force_refresh": force,
        }),
        "stable_token",
    )
    .await?;
    match body {
        StableToken {
            access_token: Some(token),
            expires_in: Some(expires_in),
            ..
        } if !token.is_empty() && !token.contains(':') => {
            state
                .cache
                .set(
                    &CacheKey::WechatAccessToken,
                    &format!("{}:{token}", now + expires_in),
                )
                .await;
            Ok(token)
        }
        other => Err(AppError::internal(anyhow::anyhow!(
            "stable_token error {}: {}",
            other.errcode,
            other.errmsg
        ))),
    }
}

#[derive(Deserialize)]
struct StableToken {
    access_token: Option<String>,
    expires_in: Option<i64>,
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

#[derive(Deserialize)]
struct PhoneAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    phone_info: Option<PhoneInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhoneInfo {
    pure_phone_number: String,
    /// A number in WeChat's documentation, a string in some answers.
    country_code: serde_json::Value,
}

async fn post_json<T: serde::de::DeserializeOwned>(
    state: &AppState,
    url: &str,
    body: &serde_json::Value,
    what: &str,
) -> AppResult<T> {
    let response = state
        .http
        .post(url)
        .json(body)
        .send()
        .await
        .map_err(|err| AppError::internal(anyhow::anyhow!("{what} request failed: {err}")))?;
    if !response.status().is_success() {
        return Err(AppError::internal(anyhow::anyhow!(
            "{what} answered HTTP {}",
            response.status()
        )));
    }
    response
        .json()
        .await
        .map_err(|err| AppError::internal(anyhow::anyhow!("{what} answer unreadable: {err}")))
}

/// The phone number behind a code of the mini-program's `getPhoneNumber` button: WeChat
/// has verified it by SMS. A refused access token (40001, 42001, 40014) is renewed once.
async fn phone_of_code(state: &AppState, code: &str) -> AppResult<String> {
    let base = state
        .config
        .wechat_api_base
        .trim_end_matches('/')
        .to_owned();
    let mut force = false;
    loop {
        let token = access_token(state, force).await?;
        let url = format!("{base}/wxa/business/getuserphonenumber?access_token={token}");
        let answer: PhoneAnswer = post_json(
            state,
            &url,
            &serde_json::json!({ "code": code }),
            "getuserphonenumber",
        )
        .await?;
        match (answer.errcode, answer.phone_info) {
            (0, Some(info)) => {
                let country = match &info.country_code {
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::String(s) => s.clone(),
                    _ => String::new(),
                };
                if country != "86" {
                    return Err(AppError::input("code", Reason::WechatPhoneNotMainland));
                }
                return super::service::check_phone(&info.pure_phone_number)
                    .map_err(|_| AppError::input("code", Reason::WechatPhoneNotMainland));
            }
            (40001 | 42001 | 40014, _) if !force => force = true,
            (40029 | 40163, _) => {
                return Err(AppError::input("code", Reason::WechatCodeInvalid));
            }
            (45011, _) => {
                return Err(AppError::of(Reason::RateLimited {
                    retry_after_secs: 60,
                }));
            }
            (errcode, _) => {
                return Err(AppError::internal(anyhow::anyhow!(
                    "getuserphonenumber error {errcode}: {}",
                    answer.errmsg
                )));
            }
        }
    }
}

/// Binds the phone WeChat verified to the signed-in account. A number that another
/// account already holds is CONFLICT: only its owner gets here (WeChat verified the
/// number), and an admin settles which account keeps it.
#[tracing::instrument(skip_all, err(level = "info", Debug))]
pub async fn bind_phone(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    code: &str,
) -> AppResult<user::Model> {
    let signed_in = viewer.require()?;
    let code = code.trim();
    if code.is_empty() || code.len() > 128 {
        return Err(AppError::input("code", Reason::WechatCodeMissing));
    }
    let phone = phone_of_code(state, code).await?;
    let account = user::Entity::find_by_id(signed_in.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::of(Reason::LoginRequired))?;
    if account.phone.as_deref() == Some(phone.as_str()) {
        return Ok(account);
    }
    let holder = user::Entity::find()
        .filter(user::Column::Phone.eq(phone.as_str()))
        .one(&state.db)
        .await?;
    if holder.is_some() {
        return Err(AppError::of(Reason::PhoneInUse));
    }
    let txn = crate::db::begin_write(&state.writer).await?;
    let mut model: user::ActiveModel = account.into();
    model.phone = Set(Some(phone));
    // The unique index settles a race with a sign-up on the same number: CONFLICT.
    let saved = model.update(&txn).await?;
    crate::domain::audit::record(
        &txn,
        viewer,
        crate::domain::audit::AuditAction::UserPhoneBind,
        Some(saved.id),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}
