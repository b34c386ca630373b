//! Every key the app caches under, with its lifetime, in one place.

use std::time::Duration;

pub enum CacheKey {
    /// Bumped by every mutation that changes a dashboard figure.
    DashboardVersion,
    /// One dashboard answer: the arguments, the viewer's scope and the version it was
    /// computed at.
    Dashboard {
        version: u64,
        scope: String,
        args: String,
    },
    /// Bumped by every mutation that changes what anonymous visitors see of activities.
    PublicVersion,
    /// Bumped when admins change the working-day calendar.
    CalendarVersion,
    /// Bumped when admins change a setting the app keeps in memory (the star policy).
    SettingsVersion,
    /// An anonymous response of a public query, keyed by its document and variables.
    PublicResponse { version: u64, hash: String },
    /// A signed-in user's response of a dashboard query, keyed by the user, their roles,
    /// the document and variables (all in `hash`).
    ViewerResponse { version: u64, hash: String },
    /// A survey's questions with their options, as submissions check answers against them
    /// (written once with the survey, never changed).
    SurveyQuestions { id: i32 },
    /// Automatic persisted query text by its sha256.
    PersistedQuery { sha256: String },
    /// Login attempts for one phone (a keyed hash of it) in the current 15-minute window.
    LoginAttempts { phone: String },
    /// Current passwords checked for one user's password change in the current 15 minutes.
    PasswordChecks { user_id: i32 },
    /// Wrong check-in codes of one volunteer at one activity in the current 10 minutes.
    CheckInGuesses { activity_id: i32, volunteer_id: i32 },
    /// Wrong codes (or unknown numbers) tried for one service proof number in the current hour.
    ProofGuesses { number: String },
    /// Service proofs one volunteer requested in the current day.
    ProofIssues { volunteer_id: i32 },
    /// The sign-up code sent to one number (a keyed hash of it), ten minutes; the value is a
    /// keyed hash of number and code, never the code.
    PhoneCode { phone: String },
    /// Codes sent to one number in the current hour.
    PhoneCodeSends { phone: String },
    /// Wrong sign-up codes for one number in the current 10 minutes.
    PhoneCodeGuesses { phone: String },
    /// The WeChat API's access token of this app (`stable_token`), shared by the instances:
    /// `<expires at, unix seconds>:<token>`.
    WechatAccessToken,
    /// Requests of one kind from one client address in the current window.
    AddressRequests {
        kind: &'static str,
        address: String,
        window: Duration,
    },
}

impl CacheKey {
    pub fn name(&self) -> String {
        match self {
            CacheKey::DashboardVersion => "v:dashboard".to_owned(),
            CacheKey::Dashboard {
                version,
                scope,
                args,
            } => format!("dash:{version}:{scope}:{args}"),
            CacheKey::PublicVersion => "v:public".to_owned(),
            CacheKey::CalendarVersion => "v:calendar".to_owned(),
            CacheKey::SettingsVersion => "v:settings".to_owned(),
            CacheKey::PublicResponse { version, hash } => format!("pub:{version}:{hash}"),
            CacheKey::ViewerResponse { version, hash } => format!("resp:{version}:{hash}"),
            CacheKey::SurveyQuestions { id } => format!("survey-questions:{id}"),
            CacheKey::PersistedQuery { sha256 } => format!("apq:{sha256}"),
            CacheKey::LoginAttempts { phone } => format!("login-attempts:{phone}"),
            CacheKey::PasswordChecks { user_id } => format!("password-checks:{user_id}"),
            CacheKey::CheckInGuesses {
                activity_id,
                volunteer_id,
            } => format!("check-in-guesses:{activity_id}:{volunteer_id}"),
            CacheKey::ProofGuesses { number } => format!("proof-guesses:{number}"),
            CacheKey::ProofIssues { volunteer_id } => format!("proof-issues:{volunteer_id}"),
            CacheKey::PhoneCode { phone } => format!("phone-code:{phone}"),
            CacheKey::PhoneCodeSends { phone } => format!("phone-code-sends:{phone}"),
            CacheKey::PhoneCodeGuesses { phone } => format!("phone-code-guesses:{phone}"),
            CacheKey::WechatAccessToken => "wechat-access-token".to_owned(),
            CacheKey::AddressRequests { kind, address, .. } => format!("addr:{kind}:{address}"),
        }
    }

    /// Whether what is stored under this name never changes: a version, a hash or both
    /// are in it. Such values may also be kept in the instance's memory in front of Redis.
    pub fn is_immutable(&self) -> bool {
        matches!(
            self,
            CacheKey::Dashboard { .. }
                | CacheKey::PublicResponse { .. }
                | CacheKey::ViewerResponse { .. }
                | CacheKey::SurveyQuestions { .. }
                | CacheKey::PersistedQuery { .. }
        )
    }

    /// A label for metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            CacheKey::DashboardVersion
            | CacheKey::PublicVersion
            | CacheKey::CalendarVersion
            | CacheKey::SettingsVersion => "version",
            CacheKey::Dashboard { .. } => "dashboard",
            CacheKey::PublicResponse { .. } => "public",
            CacheKey::ViewerResponse { .. } => "viewer",
            CacheKey::SurveyQuestions { .. } => "survey-questions",
            CacheKey::PersistedQuery { .. } => "apq",
            CacheKey::LoginAttempts { .. } => "login",
            CacheKey::PasswordChecks { .. } => "password",
            CacheKey::CheckInGuesses { .. } => "check-in",
            CacheKey::ProofGuesses { .. } | CacheKey::ProofIssues { .. } => "proof",
            CacheKey::PhoneCode { .. }
            | CacheKey::PhoneCodeSends { .. }
            | CacheKey::PhoneCodeGuesses { .. } => "phone-code",
            CacheKey::WechatAccessToken => "wechat-token",
            CacheKey::AddressRequests { .. } => "address",
        }
    }

    pub fn ttl(&self) -> Duration {
        match self {
            CacheKey::DashboardVersion
            | CacheKey::PublicVersion
            | CacheKey::CalendarVersion
            | CacheKey::SettingsVersion => Duration::from_secs(86_400 * 30),
            CacheKey::Dashboard { .. } => Duration::from_secs(600),
            CacheKey::PublicResponse { .. } | CacheKey::ViewerResponse { .. } => {
                Duration::from_secs(60)
            }
            CacheKey::SurveyQuestions { .. } => Duration::from_secs(86_400),
            CacheKey::PersistedQuery { .. } => Duration::from_secs(86_400 * 7),
            CacheKey::LoginAttempts { .. } | CacheKey::PasswordChecks { .. } => {
                Duration::from_secs(15 * 60)
            }
            CacheKey::CheckInGuesses { .. }
            | CacheKey::PhoneCode { .. }
            | CacheKey::PhoneCodeGuesses { .. } => Duration::from_secs(10 * 60),
            CacheKey::PhoneCodeSends { .. } | CacheKey::ProofGuesses { .. } => {
                Duration::from_secs(3600)
            }
            CacheKey::ProofIssues { .. } => Duration::from_secs(86_400),
            // WeChat's tokens live 7,200 s; the stored expiry decides sooner.
            CacheKey::WechatAccessToken => Duration::from_secs(7_200),
            CacheKey::AddressRequests { window, .. } => *window,
        }
    }
}
