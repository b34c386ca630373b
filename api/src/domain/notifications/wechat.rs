//! WeChat subscribe messages (订阅消息), the second channel of notifications.
//!
//! WeChat's one-time subscriptions allow one message per acceptance: the mini-program asks
//! with `wx.requestSubscribeMessage` and reports what the user accepted
//! (`acceptWechatMessages`); each acceptance is one message of that kind. A notification of
//! a kind the user has an acceptance for queues a delivery in the notification's own
//! transaction (and uses the acceptance up); the scheduler's tick sends the queued ones with
//! `message/subscribe/send`, claimed like jobs (`FOR UPDATE SKIP LOCKED`, a lease), so each
//! is sent by one instance. The API's access token is the one `stable_token` hands every
//! instance, kept in the shared cache and renewed once when WeChat says it expired. A
//! refusal that will not change (no subscription, an unknown openid or template) ends the
//! delivery at once (DEAD); anything else is retried after 30 s, 1, 2, 4 … minutes and given
//! up after [`MAX_ATTEMPTS`].

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryFilter, QuerySelect,
    Set,
};
use serde::Deserialize;

use entity::enums::{DeliveryState, NotificationKind};
use entity::{notification, notification_delivery, user, wechat_subscription};

use crate::context::AppState;
use crate::domain::calendar::local;
use crate::error::{AppError, AppResult, Reason};

use super::Event;

/// Attempts before a delivery is given up (DEAD).
pub const MAX_ATTEMPTS: i32 = 5;
/// Acceptances kept per user and kind.
pub const MAX_ACCEPTED: i32 = 50;
const LEASE: chrono::Duration = chrono::Duration::minutes(2);
const BATCH: i64 = 50;

/// The configured templates by kind (`WECHAT_TEMPLATES`).
pub fn templates(state: &AppState) -> HashMap<NotificationKind, String> {
    use sea_orm::ActiveEnum;
    state
        .config
        .wechat_templates
        .iter()
        .filter_map(|pair| {
            let (kind, template) = pair.split_once('=')?;
            let kind = NotificationKind::try_from_value(&kind.trim().to_owned()).ok()?;
            let template = template.trim();
            (!template.is_empty()).then(|| (kind, template.to_owned()))
        })
        .collect()
}

/// Queues a WeChat delivery of `event` for each of `users` who has an acceptance of its
/// kind left, in the caller's transaction, and uses that acceptance up. One statement when
/// nobody has one.
pub(super) async fn queue<C: ConnectionTrait>(
    db: &C,
    users: &[i32],
    event: &Event,
) -> Result<(), DbErr> {
    if users.is_empty() {
        return Ok(());
    }
    let subscribed: Vec<i32> = wechat_subscription::Entity::find()
        .select_only()
        .column(wechat_subscription::Column::UserId)
        .filter(wechat_subscription::Column::Kind.eq(event.kind))
        .filter(wechat_subscription::Column::UserId.is_in(users.iter().copied()))
        .filter(wechat_subscription::Column::Remaining.gt(0))
        .into_tuple()
        .all(db)
        .await?;
    if subscribed.is_empty() {
        return Ok(());
    }
    let written: Vec<(i32, i32)> = notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .column(notification::Column::UserId)
        .filter(notification::Column::EventKey.eq(event.key.as_str()))
        .filter(notification::Column::UserId.is_in(subscribed))
        .into_tuple()
        .all(db)
        .await?;
    let now = Utc::now();
    for (notification_id, user_id) in written {
        let queued = notification_delivery::Entity::insert(notification_delivery::ActiveModel {
            notification_id: Set(notification_id),
            state: Set(DeliveryState::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now),
            locked_until: Set(None),
            last_error: Set(None),
            sent_at: Set(None),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(notification_delivery::Column::NotificationId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        if queued == 1 {
            wechat_subscription::Entity::update_many()
                .col_expr(
                    wechat_subscription::Column::Remaining,
                    Expr::col(wechat_subscription::Column::Remaining).sub(1),
                )
                .filter(wechat_subscription::Column::UserId.eq(user_id))
                .filter(wechat_subscription::Column::Kind.eq(event.kind))
                .filter(wechat_subscription::Column::Remaining.gt(0))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// Records what the signed-in user accepted in `wx.requestSubscribeMessage`: one more
/// message of each kind (at most [`MAX_ACCEPTED`] kept). Only kinds with a configured
/// template, only for accounts signed in with WeChat.
pub async fn accept(
    state: &AppState,
    viewer: &crate::auth::Viewer,
    kinds: &[NotificationKind],
) -> AppResult<Vec<(NotificationKind, i32)>> {
    let signed_in = viewer.require()?;
    crate::domain::input::count("kinds", kinds, 10)?;
    let templates = templates(state);
    if kinds.iter().any(|kind| !templates.contains_key(kind)) {
        return Err(AppError::input("kinds", Reason::WechatTemplateUnknown));
    }
    let account = user::Entity::find_by_id(signed_in.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::of(Reason::LoginRequired))?;
    if account.wechat_openid.is_none() {
        return Err(AppError::of(Reason::WechatNotBound));
    }
    let txn = crate::db::begin_write(&state.writer).await?;
    for kind in kinds {
        wechat_subscription::Entity::insert(wechat_subscription::ActiveModel {
            user_id: Set(account.id),
            kind: Set(*kind),
            remaining: Set(1),
        })
        .on_conflict(
            OnConflict::columns([
                wechat_subscription::Column::UserId,
                wechat_subscription::Column::Kind,
            ])
            .value(
                wechat_subscription::Column::Remaining,
                Expr::cust(format!(
                    "CASE WHEN wechat_subscriptions.remaining < {MAX_ACCEPTED} \
                     THEN wechat_subscriptions.remaining + 1 ELSE {MAX_ACCEPTED} END"
                )),
            )
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    let held: Vec<(NotificationKind, i32)> = wechat_subscription::Entity::find()
        .select_only()
        .column(wechat_subscription::Column::Kind)
        .column(wechat_subscription::Column::Remaining)
        .filter(wechat_subscription::Column::UserId.eq(account.id))
        .into_tuple()
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(held)
}

#[derive(Debug, FromQueryResult)]
struct Claimed {
    id: i32,
    notification_id: i32,
    attempts: i32,
}

async fn claim(state: &AppState, now: DateTime<Utc>) -> Result<Vec<Claimed>, DbErr> {
    let deliveries = super::DueTable {
        table: "notification_deliveries",
        due_column: "next_attempt_at",
        pending: crate::db::sql_value(DeliveryState::Pending),
        running: crate::db::sql_value(DeliveryState::Sending),
        returning: "id, notification_id, attempts",
    };
    let backend = state.db.get_database_backend();
    Claimed::find_by_statement(super::claim_statement(
        backend,
        &deliveries,
        now,
        now + LEASE,
        BATCH,
    ))
    .all(&state.db)
    .await
}

/// How one attempt ended.
enum Outcome {
    Sent,
    /// Will not change by trying again.
    Refused(String),
    Failed(String),
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// WeChat's `thing` fields take at most 20 characters.
fn thing(text: &str) -> String {
    text.chars().take(20).collect()
}

async fn send_one(state: &AppState, notification: &notification::Model) -> Outcome {
    let Some(template) = templates(state).get(&notification.kind).cloned() else {
        return Outcome::Refused("no template configured for this kind".to_owned());
    };
    let openid = match user::Entity::find_by_id(notification.user_id)
        .one(&state.db)
        .await
    {
        Ok(Some(account)) => match account.wechat_openid {
            Some(openid) => openid,
            None => return Outcome::Refused("the account has no WeChat openid".to_owned()),
        },
        Ok(None) => return Outcome::Refused("no such account".to_owned()),
        Err(err) => return Outcome::Failed(err.to_string()),
    };
    let mut body = serde_json::json!({
        "touser": openid,
        "template_id": template,
        "lang": "zh_CN",
        "data": {
            "thing1": { "value": thing(&notification.title) },
            "thing2": { "value": thing(&notification.body) },
            "time3": { "value": local(notification.created_at).format("%Y-%m-%d %H:%M").to_string() },
        },
    });
    if let Some(activity_id) = notification.activity_id {
        body["page"] = serde_json::Value::String(format!(
            "{}?id={activity_id}",
            state.config.wechat_activity_page
        ));
    }
    let base = state
        .config
        .wechat_api_base
        .trim_end_matches('/')
        .to_owned();
    let mut force = false;
    loop {
        let token = match crate::domain::users::wechat::access_token(state, force).await {
            Ok(token) => token,
            Err(_) => return Outcome::Failed("no access token".to_owned()),
        };
        let url = format!("{base}/cgi-bin/message/subscribe/send?access_token={token}");
        let response = match state.http.post(url).json(&body).send().await {
            Ok(response) if response.status().is_success() => response,
            Ok(response) => return Outcome::Failed(format!("HTTP {}", response.status())),
            Err(err) => return Outcome::Failed(format!("request failed: {err}")),
        };
        let answer: SendAnswer = match response.json().await {
            Ok(answer) => answer,
            Err(err) => return Outcome::Failed(format!("answer unreadable: {err}")),
        };
        return match answer.errcode {
            0 => Outcome::Sent,
            // The token expired or was replaced: renewed once, then sent again.
            40001 | 42001 | 40014 if !force => {
                force = true;
                continue;
            }
            // The user has no subscription left, or refused it; an unknown openid or
            // template: trying again changes nothing.
            43101 | 40003 | 40037 | 47003 => {
                Outcome::Refused(format!("{}: {}", answer.errcode, answer.errmsg))
            }
            code => Outcome::Failed(format!("{code}: {}", answer.errmsg)),
        };
    }
}

/// Sends the deliveries due at `now`; returns how many were attempted. Any number of
/// instances may call it at once: each delivery is attempted by one of them.
pub async fn send_due(state: &AppState, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let claimed = claim(state, now).await?;
    for delivery in &claimed {
        let outcome = match notification::Entity::find_by_id(delivery.notification_id)
            .one(&state.db)
            .await?
        {
            Some(notification) => send_one(state, &notification).await,
            None => Outcome::Refused("the notification is gone".to_owned()),
        };
        let update = notification_delivery::Entity::update_many()
            .col_expr(
                notification_delivery::Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(notification_delivery::Column::Id.eq(delivery.id))
            .filter(notification_delivery::Column::State.eq(DeliveryState::Sending));
        let (update, label) = match outcome {
            Outcome::Sent => (
                update
                    .col_expr(
                        notification_delivery::Column::State,
                        Expr::value(DeliveryState::Sent),
                    )
                    .col_expr(
                        notification_delivery::Column::SentAt,
                        Expr::value(Some(Utc::now())),
                    ),
                "sent",
            ),
            Outcome::Refused(why) => (
                update
                    .col_expr(
                        notification_delivery::Column::State,
                        Expr::value(DeliveryState::Dead),
                    )
                    .col_expr(
                        notification_delivery::Column::LastError,
                        Expr::value(Some(why)),
                    ),
                "refused",
            ),
            Outcome::Failed(why) if delivery.attempts >= MAX_ATTEMPTS => {
                tracing::warn!(delivery = delivery.id, error = %why, "WeChat message given up");
                (
                    update
                        .col_expr(
                            notification_delivery::Column::State,
                            Expr::value(DeliveryState::Dead),
                        )
                        .col_expr(
                            notification_delivery::Column::LastError,
                            Expr::value(Some(why)),
                        ),
                    "dead",
                )
            }
            Outcome::Failed(why) => {
                // 30 s after the first attempt, then twice as long each time.
                let delay = chrono::Duration::seconds(30 << (delivery.attempts - 1).clamp(0, 10));
                (
                    update
                        .col_expr(
                            notification_delivery::Column::State,
                            Expr::value(DeliveryState::Pending),
                        )
                        .col_expr(
                            notification_delivery::Column::NextAttemptAt,
                            Expr::value(now + delay),
                        )
                        .col_expr(
                            notification_delivery::Column::LastError,
                            Expr::value(Some(why)),
                        ),
                    "retry",
                )
            }
        };
        metrics::counter!("tongxin_wechat_messages_total", "outcome" => label).increment(1);
        update.exec(&state.db).await?;
    }
    Ok(claimed.len())
}

/// Deliveries waiting to be sent, for `/metrics`.
pub async fn pending_count(state: &AppState) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    notification_delivery::Entity::find()
        .filter(notification_delivery::Column::State.eq(DeliveryState::Pending))
        .count(&state.db)
        .await
}
