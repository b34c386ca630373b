//! Phones that are real: a sign-up proves the phone with a code sent to it by SMS.
//!
//! `requestPhoneCode` answers the same whether or not the number has an account: a new
//! number gets a six-digit code, a number with an account gets a text saying so and no
//! code. A sign-up with a code therefore learns that a number is taken only when its sender
//! holds the phone; everyone else gets the same "wrong or expired code". Codes live in the
//! shared cache (every instance knows them) under a keyed hash of the number, ten minutes,
//! and are consumed by the sign-up that uses them; guesses are counted before the check.
//!
//! The SMS itself goes through [`SmsSender`]: a log-only provider for development (refused
//! in production mode) and a webhook to the bureau's SMS gateway.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Context as _;
use rand::Rng;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use entity::user;

use crate::cache::CacheKey;
use crate::config::{Config, SmsProvider};
use crate::context::AppState;
use crate::error::{AppError, AppResult, Reason};

use super::service::check_phone;
use super::types::mask_phone;

/// Codes sent to one number in an hour.
pub const MAX_CODES_PER_HOUR: u64 = 5;
/// Wrong codes for one number in ten minutes.
pub const MAX_CODE_GUESSES: u64 = 5;
/// Minutes a code stays valid (the cache key's lifetime says the same).
pub const CODE_MINUTES: u32 = 10;

/// What an SMS is for: the gateway may pick a template by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsPurpose {
    SignUpCode,
    AlreadyRegistered,
}

impl SmsPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsPurpose::SignUpCode => "SIGN_UP_CODE",
            SmsPurpose::AlreadyRegistered => "ALREADY_REGISTERED",
        }
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// Sends one text message to a mainland number. Boxed futures keep the trait usable as
/// `dyn` (one provider chosen at start from the configuration).
pub trait SmsSender: Send + Sync {
    fn send<'a>(&'a self, phone: &'a str, purpose: SmsPurpose, text: &'a str) -> SendFuture<'a>;
}

/// Development only: writes the message to the log (phone masked) instead of sending it.
struct LogSms;

impl SmsSender for LogSms {
    fn send<'a>(&'a self, phone: &'a str, purpose: SmsPurpose, text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(phone = %mask_phone(phone), purpose = purpose.as_str(), text, "SMS (log only, not sent)");
            Ok(())
        })
    }
}

/// POSTs `{"phone", "purpose", "text"}` as JSON to the bureau's SMS gateway, with a bearer
/// token when configured; any 2xx answer means sent.
struct WebhookSms {
    http: reqwest::Client,
    url: String,
    token: Option<crate::config::Secret>,
}

impl SmsSender for WebhookSms {
    fn send<'a>(&'a self, phone: &'a str, purpose: SmsPurpose, text: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            let mut request = self.http.post(&self.url).json(&serde_json::json!({
                "phone": phone,
                "purpose": purpose.as_str(),
                "text": text,
            }));
            if let Some(token) = &self.token {
                request = request.bearer_auth(token.expose());
            }
            let response = request.send().await.context("SMS gateway unreachable")?;
            anyhow::ensure!(
                response.status().is_success(),
                "SMS gateway answered HTTP {}",
                response.status()
            );
            Ok(())
        })
    }
}

/// The provider the configuration names, or none. Production mode refuses the log-only
/// provider: codes written to a log would let anyone with the log take any number.
pub fn sender_from_config(
    config: &Config,
    http: &reqwest::Client,
) -> anyhow::Result<Option<Arc<dyn SmsSender>>> {
    let provider = config.sms_provider.unwrap_or(if config.production {
        SmsProvider::None
    } else {
        SmsProvider::Log
    });
    Ok(match provider {
        SmsProvider::None => None,
        SmsProvider::Log => {
            anyhow::ensure!(
                !config.production,
                "TONGXIN_SMS_PROVIDER=log only logs the codes: it is refused with TONGXIN_PRODUCTION"
            );
            Some(Arc::new(LogSms))
        }
        SmsProvider::Webhook => {
            let url = config
                .sms_webhook_url
                .clone()
                .context("TONGXIN_SMS_PROVIDER=webhook needs TONGXIN_SMS_WEBHOOK_URL")?;
            Some(Arc::new(WebhookSms {
                http: http.clone(),
                url,
                token: config.sms_webhook_token.clone(),
            }))
        }
    })
}

fn sender(state: &AppState) -> AppResult<&Arc<dyn SmsSender>> {
    state
        .sms
        .as_ref()
        .ok_or(AppError::of(Reason::SmsNotConfigured))
}

fn code_key(state: &AppState, phone: &str) -> CacheKey {
    CacheKey::PhoneCode {
        phone: state.secrets.keyed_hash("phone-code", phone),
    }
}

/// What the cache keeps of a code: a keyed hash bound to the number, never the code.
fn stored_code(state: &AppState, phone: &str, code: &str) -> String {
    state
        .secrets
        .keyed_hash("phone-code-value", &format!("{phone}:{code}"))
}

/// Sends a sign-up code to a new number, or a note to a number that has an account; the
/// caller learns nothing of which: the answer is the same.
#[tracing::instrument(skip_all, fields(phone = %mask_phone(phone)), err(level = "info", Debug))]
pub async fn request_code(state: &AppState, phone: &str) -> AppResult<()> {
    let phone = check_phone(phone)?;
    let sms = sender(state)?;
    state
        .cache
        .limit(
            &CacheKey::PhoneCodeSends {
                phone: state.secrets.keyed_hash("phone-code-sends", &phone),
            },
            MAX_CODES_PER_HOUR,
        )
        .await?;
    let taken = user::Entity::find()
        .filter(user::Column::Phone.eq(phone.as_str()))
        .count(&state.db)
        .await?
        > 0;
    let (purpose, text) = if taken {
        (
            SmsPurpose::AlreadyRegistered,
            "【同心】这个手机号已经注册过同心账号，请直接登录；忘记密码请联系管理员重置。如非本人操作，请忽略。".to_owned(),
        )
    } else {
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
        state
            .cache
            .set(&code_key(state, &phone), &stored_code(state, &phone, &code))
            .await;
        (
            SmsPurpose::SignUpCode,
            format!("【同心】您的注册验证码是 {code}，{CODE_MINUTES} 分钟内有效。请勿告诉他人。"),
        )
    };
    sms.send(&phone, purpose, &text)
        .await
        .map_err(AppError::internal)
}

/// Checks and consumes the code sent to `phone`: a wrong, expired or never-sent code (a
/// number with an account never gets one) is the same BAD_USER_INPUT; guesses are counted
/// before the check, across instances.
pub async fn consume_code(state: &AppState, phone: &str, code: &str) -> AppResult<()> {
    let guesses = CacheKey::PhoneCodeGuesses {
        phone: state.secrets.keyed_hash("phone-code-guesses", phone),
    };
    state.cache.limit(&guesses, MAX_CODE_GUESSES).await?;
    let wrong = || AppError::input("code", Reason::PhoneCodeWrong);
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(wrong());
    }
    let key = code_key(state, phone);
    match state.cache.get(&key).await {
        Some(stored) if stored == stored_code(state, phone, code) => {
            state.cache.delete(&key).await;
            state.cache.unhit(&guesses).await;
            Ok(())
        }
        _ => Err(wrong()),
    }
}
