//! Typed configuration from flags and environment variables.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Default embedded database: a SQLite file in the working directory.
pub const EMBEDDED_DATABASE_URL: &str = "sqlite://tongxin.db?mode=rwc";

#[derive(Debug, Parser)]
#[command(
    name = "tongxin",
    version,
    about = "同心: civilization-creation activities, volunteer hours, feedback and pairing"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (the default); applies migrations first.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL) to standard output.
    ExportSchema,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import an annual plan table (CSV) as a plan with its activities.
    ImportPlan(ImportPlanArgs),
    /// Fill the database with the demo data set.
    SeedDemo,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Department (created if it does not exist yet); required for ORGANIZER.
        #[arg(long)]
        department: Option<String>,
    },
    /// Add a role to an existing account.
    Grant {
        #[arg(long)]
        phone: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        #[arg(long)]
        department: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoleArg {
    Volunteer,
    Resident,
    Organizer,
    Viewer,
    Admin,
}

impl From<RoleArg> for entity::enums::Role {
    fn from(role: RoleArg) -> Self {
        use entity::enums::Role;
        match role {
            RoleArg::Volunteer => Role::Volunteer,
            RoleArg::Resident => Role::Resident,
            RoleArg::Organizer => Role::Organizer,
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportPlanArgs {
    #[arg(long)]
    pub title: String,
    #[arg(long)]
    pub year: i32,
    #[arg(long)]
    pub issuer: Option<String>,
    /// Publish the imported activities at once (default: DRAFT).
    #[arg(long)]
    pub publish: bool,
    pub file: PathBuf,
}

/// Who sends the sign-up codes by SMS.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SmsProvider {
    /// No SMS: `requestPhoneCode` is refused (WeChat sign-in still works).
    None,
    /// Development only: the message is written to the log, not sent.
    Log,
    /// POST `{"phone", "purpose", "text"}` to `TONGXIN_SMS_WEBHOOK_URL` (the bureau's gateway).
    Webhook,
}

#[derive(Debug, Clone, Copy, Default, ValueEnum, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// A value that must not appear in logs or `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "TONGXIN_LISTEN",
        default_value = "127.0.0.1:8000",
        global = true
    )]
    pub listen: SocketAddr,
    /// Database URL (postgres://… or sqlite://…). Unset: the embedded SQLite file tongxin.db,
    /// filled with demo data when new.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Redis URL for cache, rate limits and cross-instance freshness. Unset: in-process.
    #[arg(long, env = "REDIS_URL", global = true)]
    pub redis_url: Option<String>,
    /// Prefix of every Redis key, so that several deployments can share one Redis.
    #[arg(
        long,
        env = "TONGXIN_REDIS_PREFIX",
        default_value = "tongxin:",
        global = true
    )]
    pub redis_prefix: String,
    /// HMAC secret for access tokens (at least 32 characters). Required with PostgreSQL;
    /// on SQLite one is generated and kept in the database.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<Secret>,
    /// Allowed CORS origins, comma-separated; `*` allows any. Empty: no cross-origin access.
    #[arg(
        long,
        env = "TONGXIN_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    pub cors_origins: Vec<String>,
    /// Serve introspection and field suggestions. Default: on for the embedded SQLite
    /// default, off otherwise.
    #[arg(long, env = "TONGXIN_INTROSPECTION", global = true)]
    pub introspection: Option<bool>,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "TONGXIN_BODY_LIMIT", default_value_t = 1 << 20, global = true)]
    pub body_limit: usize,
    /// Requests taking longer are answered with 408/503 and dropped.
    #[arg(
        long,
        env = "TONGXIN_REQUEST_TIMEOUT_SECS",
        default_value_t = 30,
        global = true
    )]
    pub request_timeout_secs: u64,
    /// A connection is closed when a request's head has not fully arrived this many
    /// seconds after the connection opened or its last answer was sent: an idle kept-alive
    /// connection, or a client sending its headers a byte at a time. Behind a proxy that
    /// keeps connections to the server open, set the proxy's idle timeout below this one
    /// (nginx: `keepalive_timeout` in the `upstream` block).
    #[arg(
        long,
        env = "TONGXIN_CONNECTION_IDLE_SECS",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        global = true
    )]
    pub connection_idle_secs: u64,
    /// Largest database connection pool.
    #[arg(
        long,
        env = "TONGXIN_DB_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub db_max_connections: u32,
    /// GraphQL requests executed at once; more wait for a turn (within the request
    /// timeout). Bounds the memory a burst can take: requests beyond the database pool
    /// would only wait for a connection anyway.
    #[arg(
        long,
        env = "TONGXIN_MAX_IN_FLIGHT",
        default_value_t = 32,
        global = true
    )]
    pub max_in_flight: usize,
    /// Memory for the activity and feed pages' public parts that this instance keeps
    /// ([`crate::cache::PublicMemo`]), in MB by weight. They are dropped at every write, so
    /// they hold no memory through the writes that follow. Default: 12 on PostgreSQL, where
    /// a part not kept costs a round trip and the database's CPU; 6 on SQLite, where it is
    /// a read inside the process and the server's memory holds SQLite's as well.
    #[arg(
        long,
        env = "TONGXIN_PUBLIC_MEMO_MB",
        value_parser = clap::value_parser!(u64).range(0..=1024),
        global = true
    )]
    pub public_memo_mb: Option<u64>,
    /// Working days a rectification has, from the day it opened (a survey may set its own).
    #[arg(
        long,
        env = "TONGXIN_RECTIFICATION_WORKING_DAYS",
        default_value_t = 5,
        value_parser = clap::value_parser!(u32).range(1..=60),
        global = true
    )]
    pub rectification_working_days: u32,
    /// The issuing unit printed on service proofs (志愿服务证明); a proof of one department's
    /// hours adds the department's name.
    #[arg(
        long,
        env = "TONGXIN_PROOF_ISSUER",
        default_value = "泉州市民政局",
        global = true
    )]
    pub proof_issuer: String,
    /// The address the public reaches this server at (`https://tongxin.example.gov.cn`),
    /// for links printed on documents: a proof's QR code. Unset: `http://` and the listen
    /// address, which only suits development.
    #[arg(long, env = "TONGXIN_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// The CJK font proofs are set in, read when the first PDF is made and embedded
    /// subset to the characters used; a TrueType or OpenType file or collection that may
    /// be redistributed (Debian's fonts-wqy-microhei by default, or fonts-noto-cjk).
    #[arg(
        long,
        env = "TONGXIN_PROOF_FONT",
        default_value = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        global = true
    )]
    pub proof_font: PathBuf,
    /// Which face of a font collection (`.ttc`) to use: 0 for WenQuanYi Micro Hei; Noto
    /// Sans CJK's `NotoSansCJK-Regular.ttc` holds Simplified Chinese at 2.
    #[arg(
        long,
        env = "TONGXIN_PROOF_FONT_INDEX",
        default_value_t = 0,
        global = true
    )]
    pub proof_font_index: u32,
    /// Base URL of the WeChat API (jscode2session lives below it).
    #[arg(
        long,
        env = "WECHAT_API_BASE",
        default_value = "https://api.weixin.qq.com",
        global = true
    )]
    pub wechat_api_base: String,
    #[arg(long, env = "WECHAT_APPID", global = true)]
    pub wechat_appid: Option<String>,
    #[arg(long, env = "WECHAT_SECRET", hide_env_values = true, global = true)]
    pub wechat_secret: Option<Secret>,
    /// Subscribe-message templates by notification kind, `KIND=templateId` separated by
    /// commas (e.g. `ACTIVITY_REMINDER=abc,WAITLIST_PROMOTED=def`). Each template has the
    /// fields `thing1` (title), `thing2` (text, cut to 20 characters) and `time3` (when).
    #[arg(long, env = "WECHAT_TEMPLATES", value_delimiter = ',', global = true)]
    pub wechat_templates: Vec<String>,
    /// The mini-program page a message opens, with `?id=` of the activity appended.
    #[arg(
        long,
        env = "WECHAT_ACTIVITY_PAGE",
        default_value = "pages/activity/detail",
        global = true
    )]
    pub wechat_activity_page: String,
    /// Where /metrics is served: an address of its own, loopback by default, so the
    /// public listener never shows it; `off` serves no metrics.
    #[arg(
        long,
        env = "TONGXIN_METRICS_LISTEN",
        default_value = "127.0.0.1:9184",
        global = true
    )]
    pub metrics_listen: String,
    /// The header a trusted reverse proxy puts the client's address in (e.g.
    /// `X-Forwarded-For`, whose last entry is taken, or `X-Real-IP`); unset: the peer of
    /// the connection. Per-address limits count by it.
    #[arg(long, env = "TONGXIN_CLIENT_IP_HEADER", global = true)]
    pub client_ip_header: Option<String>,
    /// Per-address limits on signUp, wechatLogin, refreshSession and submitSurveyResponse
    /// (`false` only for load tests from one machine).
    #[arg(
        long,
        env = "TONGXIN_ADDRESS_LIMITS",
        default_value_t = true,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub address_limits: bool,
    /// Seconds between the scheduler's ticks (reminders, rectification deadlines); 0 turns
    /// this instance's scheduler off (the others still run the jobs).
    #[arg(
        long,
        env = "TONGXIN_SCHEDULER_SECS",
        default_value_t = 30,
        global = true
    )]
    pub scheduler_secs: u64,
    /// Production mode: `signUp` needs a code sent by SMS (unless TONGXIN_REQUIRE_PHONE_CODE
    /// says otherwise) and the log-only SMS provider is refused at start.
    #[arg(
        long,
        env = "TONGXIN_PRODUCTION",
        default_value_t = false,
        action = clap::ArgAction::Set,
        global = true
    )]
    pub production: bool,
    /// Who sends sign-up codes: `none`, `log` (development; the default outside production)
    /// or `webhook`. Default in production: `none`.
    #[arg(long, env = "TONGXIN_SMS_PROVIDER", value_enum, global = true)]
    pub sms_provider: Option<SmsProvider>,
    /// The SMS gateway's URL for `webhook`.
    #[arg(long, env = "TONGXIN_SMS_WEBHOOK_URL", global = true)]
    pub sms_webhook_url: Option<String>,
    /// A bearer token the gateway expects, if any.
    #[arg(
        long,
        env = "TONGXIN_SMS_WEBHOOK_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub sms_webhook_token: Option<Secret>,
    /// Whether `signUp` needs the code from `requestPhoneCode`; default: in production mode.
    #[arg(long, env = "TONGXIN_REQUIRE_PHONE_CODE", global = true)]
    pub require_phone_code: Option<bool>,
    /// Log line format.
    #[arg(
        long,
        env = "TONGXIN_LOG_FORMAT",
        value_enum,
        default_value_t,
        global = true
    )]
    pub log_format: LogFormat,
}

impl Config {
    /// The configuration used by tests and the embedded default: everything at its default.
    pub fn for_database(database_url: Option<String>) -> Self {
        let mut config = Cli::parse_from(["tongxin"]).config;
        config.database_url = database_url;
        config
    }

    /// No DATABASE_URL: the embedded SQLite file, demo data on first start.
    pub fn is_embedded_default(&self) -> bool {
        self.database_url.is_none()
    }

    pub fn database_url(&self) -> &str {
        self.database_url
            .as_deref()
            .unwrap_or(EMBEDDED_DATABASE_URL)
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }

    /// [`Config::public_memo_mb`] in bytes, or the backend's default.
    pub fn public_memo_bytes(&self) -> u64 {
        let default = if self.is_sqlite() { 6 } else { 12 };
        self.public_memo_mb.unwrap_or(default) * 1024 * 1024
    }

    pub fn phone_code_required(&self) -> bool {
        self.require_phone_code.unwrap_or(self.production)
    }

    /// The public address without a trailing slash (see [`Config::public_url`]).
    pub fn public_base(&self) -> String {
        match self.public_url.as_deref().map(str::trim) {
            Some(url) if !url.is_empty() => url.trim_end_matches('/').to_owned(),
            _ => format!("http://{}", self.listen),
        }
    }

    pub fn introspection_enabled(&self) -> bool {
        self.introspection.unwrap_or(self.is_embedded_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An operator's out-of-range setting stops the server at start with clap's message,
    /// instead of running with a connection timeout of zero or an hour and more.
    #[test]
    fn the_connection_idle_time_is_bounded_from_one_second_to_an_hour() {
        let parse = |value: &str| Cli::try_parse_from(["tongxin", "--connection-idle-secs", value]);
        for refused in ["0", "3601", "-1", "thirty"] {
            assert!(parse(refused).is_err(), "{refused} was accepted");
        }
        for (given, kept) in [("1", 1), ("3600", 3600)] {
            assert_eq!(parse(given).expect(given).config.connection_idle_secs, kept);
        }
        assert_eq!(Config::for_database(None).connection_idle_secs, 30);
    }
}
