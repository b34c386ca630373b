//! One error type for the whole API, with the closed set of `extensions.code` values of the
//! client contract. Internal details never reach a client: they are logged and masked.

use async_graphql::ErrorExtensions as _;
use sea_orm::{DbErr, SqlErr};

pub use crate::messages::{Reason, Thing};

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
///
/// A refusal is a [`Reason`] of the catalogue (which fixes its code and messages), with
/// the input at fault when there is one (`extensions.field`).
#[derive(Debug)]
pub enum AppError {
    Refused {
        reason: Reason,
        field: Option<String>,
    },
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<Reason> for AppError {
    fn from(reason: Reason) -> Self {
        AppError::Refused {
            reason,
            field: None,
        }
    }
}

impl AppError {
    pub fn of(reason: Reason) -> Self {
        reason.into()
    }

    /// A refused input: `field` names it as the services do (`title`, `locations.0.name`).
    pub fn input(field: impl Into<String>, reason: Reason) -> Self {
        AppError::Refused {
            reason,
            field: Some(field.into()),
        }
    }

    pub fn not_found(thing: Thing) -> Self {
        Reason::NotFound(thing).into()
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(err.into())
    }

    /// An input refusal about one cell of an imported table: said with its row and column,
    /// on the `csv` field. Other errors pass unchanged.
    pub fn in_table_row(self, line: usize, column: &'static str) -> Self {
        match self {
            AppError::Refused {
                reason,
                field: Some(_),
            } => AppError::input(
                "csv",
                Reason::InvalidTableRow {
                    line,
                    column,
                    problem: Box::new(reason),
                },
            ),
            other => other,
        }
    }

    pub fn reason(&self) -> Reason {
        match self {
            AppError::Refused { reason, .. } => reason.clone(),
            AppError::Internal(_) => Reason::Internal,
        }
    }

    /// What the client reads, in the request's locale; internal details are never part of it.
    pub fn message(&self) -> String {
        self.reason().message_now()
    }

    pub fn code(&self) -> Code {
        self.reason().code()
    }
}

/// Constraint violations that users can cause by racing or repeating themselves. PostgreSQL
/// names the constraint; SQLite names the table and columns, so each entry carries both.
const CONSTRAINTS: &[(&str, &str, Reason)] = &[
    (
        "ux_registrations_live",
        "registrations.activity_id, registrations.volunteer_id",
        Reason::AlreadyRegistered,
    ),
    (
        "ux_service_records_activity_volunteer_day",
        "service_records.activity_id, service_records.volunteer_id, service_records.service_date",
        Reason::ServiceRecordExists,
    ),
    (
        "ux_survey_responses_respondent",
        "survey_responses.survey_id, survey_responses.respondent_key",
        Reason::AlreadyAnswered,
    ),
    (
        "ux_rectification_follow_ups_resident",
        "rectification_follow_ups.rectification_id",
        Reason::AlreadyFollowedUp,
    ),
    (
        "feedback_appeals_response_id",
        "feedback_appeals.response_id",
        Reason::AlreadyAppealed,
    ),
    ("users_phone", "users.phone", Reason::PhoneTaken),
    (
        "departments_name",
        "departments.name",
        Reason::DepartmentNameTaken,
    ),
    (
        "communities_name",
        "communities.name",
        Reason::CommunityNameTaken,
    ),
    (
        "volunteers_user_id",
        "volunteers.user_id",
        Reason::AlreadyEnrolled,
    ),
];

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => CONSTRAINTS
                .iter()
                .find(|(pg, sqlite, _)| detail.contains(pg) || detail.contains(sqlite))
                .map_or(Reason::RecordExists, |(_, _, reason)| reason.clone())
                .into(),
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                AppError::input("id", Reason::UnknownReference)
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
        let reason = self.reason();
        let field = match &self {
            AppError::Refused { field, .. } => field.clone(),
            AppError::Internal(_) => None,
        };
        async_graphql::Error::new(reason.message_now()).extend_with(|_, ext| {
            set_extensions(ext, &reason, field.as_deref());
        })
    }
}

/// `code`, `reason`, and what the reason carries for programs (`field`, `retryAfter`):
/// the same for resolver errors and request-level refusals.
pub fn set_extensions(
    ext: &mut async_graphql::ErrorExtensionValues,
    reason: &Reason,
    field: Option<&str>,
) {
    ext.set("code", reason.code().as_str());
    ext.set("reason", reason.key());
    if let Some(field) = field {
        ext.set("field", field);
    }
    if let Reason::RateLimited { retry_after_secs } = reason {
        ext.set("retryAfter", *retry_after_secs);
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
            other => anyhow::anyhow!("{} ({})", other.reason().key(), other.code().as_str()),
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
