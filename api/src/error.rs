//! One error type for the whole API, with the closed set of `extensions.code` values of the
//! client contract. Internal details never reach a client: they are logged and masked.

use async_graphql::ErrorExtensions as _;
use sea_orm::{DbErr, SqlErr};

/// The codes the contract promises; nothing else is ever sent as `extensions.code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    RegistrationClosed,
    RateLimited,
    Internal,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::NotFound => "NOT_FOUND",
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::Conflict => "CONFLICT",
            Code::RegistrationClosed => "REGISTRATION_CLOSED",
            Code::RateLimited => "RATE_LIMITED",
            Code::Internal => "INTERNAL",
        }
    }
}

/// Deliberately not `Display`: async-graphql converts any `Display` error into a plain
/// error without extensions, so `?` in a resolver would silently drop the code. Without
/// it, the only conversion is ours, which always sets the code and masks internals.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated,
    /// A login whose phone or password is wrong (which of the two is never said).
    WrongCredentials,
    Forbidden(String),
    NotFound(&'static str),
    BadInput {
        field: String,
        message: String,
    },
    Conflict(String),
    RegistrationClosed(String),
    RateLimited {
        retry_after_secs: u64,
    },
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict(message.into())
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    /// What the client reads; internal details are never part of it.
    pub fn message(&self) -> String {
        match self {
            AppError::Unauthenticated => "请先登录".to_owned(),
            AppError::WrongCredentials => "手机号或密码不正确".to_owned(),
            AppError::Forbidden(message)
            | AppError::Conflict(message)
            | AppError::RegistrationClosed(message) => message.clone(),
            AppError::NotFound(what) => format!("{what} not found"),
            AppError::BadInput { message, .. } => message.clone(),
            AppError::RateLimited { retry_after_secs } => {
                format!("too many attempts; try again in {retry_after_secs} seconds")
            }
            AppError::Internal(_) => "internal error".to_owned(),
        }
    }

    pub fn code(&self) -> Code {
        match self {
            AppError::Unauthenticated | AppError::WrongCredentials => Code::Unauthenticated,
            AppError::Forbidden(_) => Code::Forbidden,
            AppError::NotFound(_) => Code::NotFound,
            AppError::BadInput { .. } => Code::BadUserInput,
            AppError::Conflict(_) => Code::Conflict,
            AppError::RegistrationClosed(_) => Code::RegistrationClosed,
            AppError::RateLimited { .. } => Code::RateLimited,
            AppError::Internal(_) => Code::Internal,
        }
    }
}

/// Constraint violations that users can cause by racing or repeating themselves. PostgreSQL
/// names the constraint; SQLite names the table and columns, so each entry carries both.
const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "ux_registrations_live",
        "registrations.activity_id, registrations.volunteer_id",
        "you are already registered for this activity",
    ),
    (
        "ux_service_records_activity_volunteer_day",
        "service_records.activity_id, service_records.volunteer_id, service_records.service_date",
        "this volunteer already has a service record for this activity on this day",
    ),
    (
        "ux_survey_responses_respondent",
        "survey_responses.survey_id, survey_responses.respondent_key",
        "you have already answered this survey",
    ),
    (
        "ux_rectification_follow_ups_resident",
        "rectification_follow_ups.rectification_id",
        "你已经评价过这项整改",
    ),
    (
        "feedback_appeals_response_id",
        "feedback_appeals.response_id",
        "这条评价已经申诉过了",
    ),
    (
        "users_phone",
        "users.phone",
        "an account with this phone number exists",
    ),
    (
        "departments_name",
        "departments.name",
        "a department with this name exists",
    ),
    (
        "communities_name",
        "communities.name",
        "a community with this name exists",
    ),
    (
        "volunteers_user_id",
        "volunteers.user_id",
        "you are already enrolled as a volunteer",
    ),
];

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => {
                let message = CONSTRAINTS
                    .iter()
                    .find(|(pg, sqlite, _)| detail.contains(pg) || detail.contains(sqlite))
                    .map(|(_, _, message)| *message)
                    .unwrap_or("this record already exists");
                AppError::Conflict(message.to_owned())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::bad_input("id", "a referenced record does not exist")
            }
            _ => AppError::Internal(err.into()),
        }
    }
}

impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        AppError::Internal(err)
    }
}

impl AppError {
    pub fn into_graphql(self) -> async_graphql::Error {
        if let AppError::Internal(source) = &self {
            tracing::error!(error = ?source, "internal error");
        }
        async_graphql::Error::new(self.message()).extend_with(|_, ext| {
            ext.set("code", self.code().as_str());
            match &self {
                AppError::BadInput { field, .. } => ext.set("field", field.as_str()),
                AppError::RateLimited { retry_after_secs } => {
                    ext.set("retryAfter", *retry_after_secs)
                }
                AppError::WrongCredentials => ext.set("reason", "WRONG_PASSWORD"),
                _ => {}
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        err.into_graphql()
    }
}

impl From<AppError> for anyhow::Error {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Internal(source) => source,
            other => anyhow::anyhow!("{} ({})", other.message(), other.code().as_str()),
        }
    }
}

/// The error of DataLoaders: must be `Clone`, and is masked like any internal error.
#[derive(Debug, Clone)]
pub struct LoadError(pub std::sync::Arc<DbErr>);

impl From<DbErr> for LoadError {
    fn from(err: DbErr) -> Self {
        LoadError(std::sync::Arc::new(err))
    }
}

impl From<LoadError> for async_graphql::Error {
    fn from(err: LoadError) -> Self {
        AppError::Internal(anyhow::anyhow!("loading: {}", err.0)).into_graphql()
    }
}

impl From<LoadError> for AppError {
    fn from(err: LoadError) -> Self {
        AppError::Internal(anyhow::anyhow!("loading: {}", err.0))
    }
}

/// Resolvers return this; `?` on an [`AppError`] attaches the code.
pub type GqlResult<T> = async_graphql::Result<T>;
