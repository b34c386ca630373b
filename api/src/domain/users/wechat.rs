//! Mini-program login: the code from wx.login() is exchanged server-side at WeChat's
//! jscode2session for the user's openid. The session key it also returns is never stored,
//! returned or logged.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;

use entity::enums::Role;
use entity::user;

use crate::context::AppState;
use crate::error::{AppError, AppResult};

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
        return Err(AppError::forbidden(
            "WeChat login is not configured on this server",
        ));
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
        (40029 | 40163, _) => Err(AppError::bad_input(
            "code",
            "the WeChat login code is invalid or used",
        )),
        // 45011: WeChat's own rate limit for this user.
        (45011, _) => Err(AppError::RateLimited {
            retry_after_secs: 60,
        }),
        (errcode, _) => Err(AppError::internal(anyhow::anyhow!(
            "jscode2session error {errcode}: {}",
            body.errmsg
        ))),
    }
}

#[tracing::instrument(skip_all, err(level = "info", Debug))]
pub async fn login(state: &AppState, code: &str) -> AppResult<IssuedSession> {
    if code.trim().is_empty() || code.len() > 128 {
        return Err(AppError::bad_input(
            "code",
            "the WeChat login code is missing",
        ));
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
                    .ok_or(AppError::Unauthenticated)?,
            }
        }
    };
    open_session(state, user).await
}
