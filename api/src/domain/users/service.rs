//! Accounts and sessions: sign-up, login with brute-force protection, refresh-token
//! rotation with reuse detection, logout, volunteer enrollment.

use std::collections::HashMap;
use std::sync::LazyLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};
use rand::RngCore;
use regex::Regex;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use entity::enums::{Role, ServiceRecordStatus};
use entity::{refresh_session, service_record, user, volunteer};

use crate::auth::jwt::ACCESS_TOKEN_TTL_SECS;
use crate::auth::{Viewer, password};
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::input::{self, max};
use crate::domain::plans::department_by_name;
use crate::domain::users::types::mask_phone;
use crate::error::{AppError, AppResult, Reason, Thing};

/// Refresh tokens are `<32 hex session id>.<43 base64 characters>`; anything much longer
/// is not one.
const MAX_REFRESH_TOKEN_BYTES: usize = 128;
/// Refresh tokens live 30 days and are rotated on every use.
pub const REFRESH_TTL_DAYS: i64 = 30;
/// More than this many failed logins for one phone in 15 minutes: RATE_LIMITED.
pub const MAX_LOGIN_FAILURES: u64 = 5;
/// The longest password accepted (argon2 hashes whatever it is given).
pub const MAX_PASSWORD_CHARS: usize = 128;

static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^1[3-9]\d{9}$").expect("valid regex"));

pub fn check_phone(phone: &str) -> AppResult<String> {
    let phone = phone.trim();
    if !PHONE.is_match(phone) {
        return Err(AppError::input("phone", Reason::InvalidPhone));
    }
    Ok(phone.to_owned())
}

pub fn check_password(password: &str) -> AppResult<()> {
    let len = password.chars().count();
    if !(8..=MAX_PASSWORD_CHARS).contains(&len) {
        return Err(AppError::input(
            "password",
            Reason::PasswordLength { min: 8, max: 128 },
        ));
    }
    Ok(())
}

pub fn check_display_name(name: &str, field: &str) -> AppResult<String> {
    input::line(field, name, max::NAME)
        .map_err(|_| AppError::input(field, Reason::InvalidName { max: 32 }))
}

pub struct IssuedSession {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: i32,
    pub user: user::Model,
}

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn access_token(state: &AppState, user: &user::Model, session_id: &str) -> AppResult<String> {
    Ok(state.jwt.issue(
        user.id,
        session_id,
        Role::parse_list(&user.roles),
        user.department_id,
    )?)
}

/// A new login: a refresh session and the first pair of tokens.
pub async fn open_session(state: &AppState, user: user::Model) -> AppResult<IssuedSession> {
    let mut id_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut id_bytes);
    let session_id = hex::encode(id_bytes);
    let refresh_token = format!("{session_id}.{}", random_secret());
    let now = Utc::now();
    refresh_session::ActiveModel {
        id: Set(session_id.clone()),
        user_id: Set(user.id),
        token_hash: Set(token_hash(&refresh_token)),
        expires_at: Set(now + Duration::days(REFRESH_TTL_DAYS)),
        revoked_at: Set(None),
        created_at: Set(now),
        last_used_at: Set(None),
        previous_token_hash: Set(None),
    }
    .insert(&state.db)
    .await?;
    Ok(IssuedSession {
        access_token: access_token(state, &user, &session_id)?,
        refresh_token,
        expires_in: ACCESS_TOKEN_TTL_SECS as i32,
        user,
    })
}

#[tracing::instrument(skip_all, fields(phone = %mask_phone(phone)), err(level = "info", Debug))]
pub async fn sign_up(
    state: &AppState,
    phone: &str,
    password: &str,
    display_name: &str,
    code: Option<&str>,
) -> AppResult<IssuedSession> {
    let phone = check_phone(phone)?;
    check_password(password)?;
    let display_name = check_display_name(display_name, "displayName")?;
    // With a code, the number is the sender's: a taken number may then say so (CONFLICT),
    // since only its holder gets this far. Without one (development only, unless required)
    // the old answer stands.
    match code {
        Some(code) => super::phone_codes::consume_code(state, &phone, code).await?,
        None if state.config.phone_code_required() => {
            return Err(AppError::input("code", Reason::PhoneCodeRequired));
        }
        None => {}
    }
    let user = create_user(
        &state.db,
        &phone,
        password,
        &display_name,
        &[Role::Resident],
        None,
    )
    .await?;
    open_session(state, user).await
}

pub async fn create_user<C: ConnectionTrait>(
    db: &C,
    phone: &str,
    password: &str,
    display_name: &str,
    roles: &[Role],
    department_id: Option<i32>,
) -> AppResult<user::Model> {
    let password_hash = password::hash(password).await?;
    Ok(user::ActiveModel {
        phone: Set(Some(phone.to_owned())),
        password_hash: Set(Some(password_hash)),
        display_name: Set(display_name.to_owned()),
        wechat_openid: Set(None),
        roles: Set(Role::join(roles)),
        department_id: Set(department_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Every attempt is counted before the password is checked, atomically in the shared
/// cache, so parallel guesses on any number of instances get no more than
/// [`MAX_LOGIN_FAILURES`] checks between them; a success resets the count. The counter is
/// keyed by a keyed hash of the phone: whatever is sent, the key stays short and says
/// nothing of the number.
#[tracing::instrument(skip_all, fields(phone = %mask_phone(phone)), err(level = "info", Debug))]
pub async fn login(state: &AppState, phone: &str, password: &str) -> AppResult<IssuedSession> {
    let phone = check_phone(phone)?;
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::of(Reason::WrongPassword));
    }
    let key = CacheKey::LoginAttempts {
        phone: state.secrets.keyed_hash("login-attempts", &phone),
    };
    state.cache.limit(&key, MAX_LOGIN_FAILURES).await?;
    let found = user::Entity::find()
        .filter(user::Column::Phone.eq(phone.as_str()))
        .one(&state.db)
        .await?;
    let stored = found
        .as_ref()
        .and_then(|user| user.password_hash.clone())
        .unwrap_or_else(|| password::DUMMY_HASH.clone());
    let verified = password::verify(password, &stored).await;
    match found {
        Some(user) if verified => {
            state.cache.delete(&key).await;
            open_session(state, user).await
        }
        _ => Err(AppError::of(Reason::WrongPassword)),
    }
}

fn session_id_of(token: &str) -> Option<&str> {
    token.split_once('.').map(|(id, _)| id)
}

/// Rotates the refresh token. Presenting the token that the last rotation replaced (a
/// copy someone kept) revokes the session: whoever holds the stolen copy and the rightful
/// owner both have to log in again. A token that was never valid is refused and harms
/// nothing: a session id alone (it is in every access token) cannot sign anyone out.
#[tracing::instrument(skip_all, err(level = "info", Debug))]
pub async fn refresh(state: &AppState, token: &str) -> AppResult<IssuedSession> {
    if token.len() > MAX_REFRESH_TOKEN_BYTES {
        return Err(AppError::of(Reason::SessionExpired));
    }
    let session_id = session_id_of(token).ok_or(AppError::of(Reason::SessionExpired))?;
    let now = Utc::now();
    let presented = token_hash(token);
    let next_token = format!("{session_id}.{}", random_secret());
    // Compare-and-swap on the current hash: of two concurrent uses of one token, one wins.
    let rotated = refresh_session::Entity::update_many()
        .col_expr(
            refresh_session::Column::TokenHash,
            Expr::value(token_hash(&next_token)),
        )
        .col_expr(
            refresh_session::Column::PreviousTokenHash,
            Expr::value(presented.clone()),
        )
        .col_expr(refresh_session::Column::LastUsedAt, Expr::value(now))
        .col_expr(
            refresh_session::Column::ExpiresAt,
            Expr::value(now + Duration::days(REFRESH_TTL_DAYS)),
        )
        .filter(refresh_session::Column::Id.eq(session_id))
        .filter(refresh_session::Column::TokenHash.eq(presented.as_str()))
        .filter(refresh_session::Column::RevokedAt.is_null())
        .filter(refresh_session::Column::ExpiresAt.gt(now))
        .exec_with_returning(&state.db)
        .await?;
    let Some(session) = rotated.into_iter().next() else {
        let reused = refresh_session::Entity::update_many()
            .col_expr(refresh_session::Column::RevokedAt, Expr::value(now))
            .filter(refresh_session::Column::Id.eq(session_id))
            .filter(refresh_session::Column::PreviousTokenHash.eq(presented))
            .filter(refresh_session::Column::RevokedAt.is_null())
            .exec(&state.db)
            .await?;
        if reused.rows_affected > 0 {
            tracing::warn!(session_id, "refresh token reused; session revoked");
        }
        return Err(AppError::of(Reason::SessionExpired));
    };
    let user = user::Entity::find_by_id(session.user_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::of(Reason::SessionExpired))?;
    Ok(IssuedSession {
        access_token: access_token(state, &user, session_id)?,
        refresh_token: next_token,
        expires_in: ACCESS_TOKEN_TTL_SECS as i32,
        user,
    })
}

/// Ends the session of the refresh token; true when one was ended.
pub async fn logout(state: &AppState, token: &str) -> AppResult<bool> {
    let Some(session_id) = session_id_of(token) else {
        return Ok(false);
    };
    let result = refresh_session::Entity::update_many()
        .col_expr(refresh_session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_session::Column::Id.eq(session_id))
        .filter(refresh_session::Column::TokenHash.eq(token_hash(token)))
        .filter(refresh_session::Column::RevokedAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The signed-in user with their volunteer profile (none before they enroll): one
/// statement.
pub async fn current_user_with_volunteer(
    db: &DatabaseConnection,
    viewer: &Viewer,
) -> AppResult<Option<(user::Model, Option<volunteer::Model>)>> {
    let Some(viewer) = viewer.user() else {
        return Ok(None);
    };
    Ok(user::Entity::find_by_id(viewer.id)
        .find_also_related(volunteer::Entity)
        .one(db)
        .await?)
}

/// Whose approved minutes to add up.
pub enum Whose<'a> {
    Volunteers(&'a [i32]),
    /// The volunteer profile of this user, found in the same statement.
    User(i32),
}

/// Approved minutes on activities whose hours count, per volunteer id (a volunteer with
/// none has no entry): one statement.
pub async fn approved_minutes(
    db: &DatabaseConnection,
    whose: Whose<'_>,
) -> Result<HashMap<i32, i64>, sea_orm::DbErr> {
    let volunteers = match whose {
        Whose::Volunteers(ids) => service_record::Column::VolunteerId.is_in(ids.iter().copied()),
        Whose::User(user_id) => service_record::Column::VolunteerId.in_subquery(
            Query::select()
                .column(volunteer::Column::Id)
                .from(volunteer::Entity)
                .and_where(volunteer::Column::UserId.eq(user_id))
                .to_owned(),
        ),
    };
    let rows: Vec<(i32, Option<i64>)> = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::VolunteerId)
        .column_as(
            Expr::col(service_record::Column::Minutes)
                .sum()
                .cast_as("BIGINT"),
            "minutes",
        )
        .filter(volunteers)
        .filter(service_record::Column::Status.eq(ServiceRecordStatus::Approved))
        .filter(crate::domain::hours::counted_activity_of_record())
        .group_by(service_record::Column::VolunteerId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, minutes)| (id, minutes.unwrap_or(0)))
        .collect())
}

/// Adds the VOLUNTEER role and the volunteer profile.
#[tracing::instrument(skip(state, viewer, real_name, skills), err(level = "info", Debug))]
pub async fn enroll(
    state: &AppState,
    viewer: &Viewer,
    real_name: &str,
    skills: &[String],
) -> AppResult<volunteer::Model> {
    let viewer = viewer.require()?;
    let real_name = check_display_name(real_name, "realName")?;
    let skills = input::lines("skills", skills, max::SKILLS, max::NAME)?;
    let user = user::Entity::find_by_id(viewer.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::of(Reason::LoginRequired))?;
    let created = volunteer::ActiveModel {
        user_id: Set(user.id),
        real_name: Set(real_name),
        skills: Set(skills.into()),
        enrolled_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&state.db)
    .await?;
    add_role(&state.db, user, Role::Volunteer, None).await?;
    state.dashboards_changed().await;
    Ok(created)
}

pub async fn add_role<C: ConnectionTrait>(
    db: &C,
    user: user::Model,
    role: Role,
    department_id: Option<i32>,
) -> AppResult<user::Model> {
    let mut roles = Role::parse_list(&user.roles);
    if !roles.contains(&role) {
        roles.push(role);
    }
    let mut model: user::ActiveModel = user.into();
    model.roles = Set(Role::join(&roles));
    if department_id.is_some() {
        model.department_id = Set(department_id);
    }
    Ok(model.update(db).await?)
}

/// `tongxin user create`: the department is created when it does not exist yet.
pub async fn create_from_cli(
    db: &DatabaseConnection,
    phone: &str,
    password: &str,
    name: &str,
    role: Role,
    department: Option<&str>,
) -> AppResult<user::Model> {
    let phone = check_phone(phone)?;
    check_password(password)?;
    let name = check_display_name(name, "name")?;
    let department_id = match department {
        Some(name) => Some(department_by_name(db, name.trim()).await?.id),
        None if role == Role::Organizer => {
            return Err(AppError::input(
                "department",
                Reason::OrganizerNeedsDepartment,
            ));
        }
        None => None,
    };
    let mut roles = vec![Role::Resident];
    if role != Role::Resident {
        roles.push(role);
    }
    let user = create_user(db, &phone, password, &name, &roles, department_id).await?;
    if role == Role::Volunteer {
        volunteer::ActiveModel {
            user_id: Set(user.id),
            real_name: Set(name),
            skills: Set(Default::default()),
            enrolled_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(user)
}

/// `tongxin user grant`.
pub async fn grant_from_cli(
    db: &DatabaseConnection,
    phone: &str,
    role: Role,
    department: Option<&str>,
) -> AppResult<user::Model> {
    let user = user::Entity::find()
        .filter(user::Column::Phone.eq(phone.trim()))
        .one(db)
        .await?
        .ok_or(AppError::not_found(Thing::User))?;
    let department_id = match department {
        Some(name) => Some(department_by_name(db, name.trim()).await?.id),
        None if role == Role::Organizer && user.department_id.is_none() => {
            return Err(AppError::input(
                "department",
                Reason::OrganizerNeedsDepartment,
            ));
        }
        None => None,
    };
    add_role(db, user, role, department_id).await
}
