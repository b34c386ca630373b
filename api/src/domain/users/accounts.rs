//! Accounts from the API: a user's own password and sessions; admins' role grants,
//! password resets and the user list. Every change is audited in its transaction.
//!
//! Access tokens carry the roles and live 15 minutes (see the README): a grant is in the
//! next token (`refreshSession` at once gives it), a revocation is gone from it at the
//! latest when the current token expires. Sessions ended here end at their next refresh.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use entity::enums::Role;
use entity::{department, refresh_session, user};

use crate::auth::{Viewer, password};
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::audit::{self, AuditAction};
use crate::domain::input;
use crate::domain::page::{self, KeyKind, Order, Page, PageRequest};
use crate::error::{AppError, AppResult, Reason, Thing};

use super::service::{MAX_LOGIN_FAILURES, check_password};

/// The longest search of the user list.
pub const MAX_USER_SEARCH_CHARS: usize = 32;

/// Roles an admin grants and revokes here. RESIDENT is every account's; VOLUNTEER comes
/// with the volunteer profile (`enrollAsVolunteer`), whose hours are a legal record.
const GRANTABLE: [Role; 3] = [Role::Organizer, Role::Viewer, Role::Admin];

fn check_grantable(role: Role) -> AppResult<()> {
    if GRANTABLE.contains(&role) {
        Ok(())
    } else {
        Err(AppError::input("role", Reason::RoleNotGrantable))
    }
}

async fn user_by_id<C: ConnectionTrait>(db: &C, id: i32) -> AppResult<user::Model> {
    user::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::not_found(Thing::User))
}

/// Ends the user's live sessions, but `keep` (the caller's own, on a password change).
async fn revoke_sessions<C: ConnectionTrait>(
    db: &C,
    user_id: i32,
    keep: Option<&str>,
) -> AppResult<u64> {
    let mut update = refresh_session::Entity::update_many()
        .col_expr(refresh_session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_session::Column::UserId.eq(user_id))
        .filter(refresh_session::Column::RevokedAt.is_null());
    if let Some(keep) = keep {
        update = update.filter(refresh_session::Column::Id.ne(keep));
    }
    Ok(update.exec(db).await?.rows_affected)
}

/// The signed-in user's new password, after the current one: the other sessions end.
/// Wrong current passwords count as guesses, atomically across instances, as logins do.
pub async fn change_password(
    state: &AppState,
    viewer: &Viewer,
    current: &str,
    new: &str,
) -> AppResult<()> {
    let signed_in = viewer.require()?;
    check_password(new)?;
    let key = CacheKey::PasswordChecks {
        user_id: signed_in.id,
    };
    state.cache.limit(&key, MAX_LOGIN_FAILURES).await?;
    let account = user_by_id(&state.db, signed_in.id).await?;
    let Some(stored) = account.password_hash.clone() else {
        return Err(AppError::of(Reason::NoPassword));
    };
    if current.chars().count() > super::service::MAX_PASSWORD_CHARS
        || !password::verify(current, &stored).await
    {
        return Err(AppError::input(
            "currentPassword",
            Reason::CurrentPasswordWrong,
        ));
    }
    state.cache.delete(&key).await;
    let hash = password::hash(new).await?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let mut model: user::ActiveModel = account.into();
    model.password_hash = Set(Some(hash));
    model.update(&txn).await?;
    revoke_sessions(&txn, signed_in.id, Some(&signed_in.session_id)).await?;
    audit::record(
        &txn,
        viewer,
        AuditAction::UserPasswordChange,
        Some(signed_in.id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// An admin sets a user's password (the user forgot it): every session of theirs ends.
pub async fn reset_password(
    state: &AppState,
    viewer: &Viewer,
    user_id: i32,
    new: &str,
) -> AppResult<user::Model> {
    viewer.require_any(&[Role::Admin])?;
    check_password(new)?;
    let account = user_by_id(&state.db, user_id).await?;
    if account.phone.is_none() {
        return Err(AppError::of(Reason::NoPhone));
    }
    let hash = password::hash(new).await?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let mut model: user::ActiveModel = account.into();
    model.password_hash = Set(Some(hash));
    let saved = model.update(&txn).await?;
    revoke_sessions(&txn, user_id, None).await?;
    audit::record(&txn, viewer, AuditAction::UserPasswordReset, Some(user_id)).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Adds a role; ORGANIZER needs a department (the given one, or the one the user has).
pub async fn grant_role(
    state: &AppState,
    viewer: &Viewer,
    user_id: i32,
    role: Role,
    department_id: Option<i32>,
) -> AppResult<user::Model> {
    viewer.require_any(&[Role::Admin])?;
    check_grantable(role)?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let account = user_by_id(&txn, user_id).await?;
    if let Some(id) = department_id {
        if role != Role::Organizer {
            return Err(AppError::input(
                "departmentId",
                Reason::DepartmentOnlyForOrganizers,
            ));
        }
        department::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| AppError::input("departmentId", Reason::UnknownReference))?;
    }
    if role == Role::Organizer && department_id.or(account.department_id).is_none() {
        return Err(AppError::input(
            "departmentId",
            Reason::OrganizerNeedsDepartment,
        ));
    }
    let saved = super::service::add_role(&txn, account, role, department_id).await?;
    audit::record(&txn, viewer, AuditAction::UserRoleGrant, Some(user_id)).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Removes a role; an organizer's department goes with ORGANIZER. The last admin stays.
pub async fn revoke_role(
    state: &AppState,
    viewer: &Viewer,
    user_id: i32,
    role: Role,
) -> AppResult<user::Model> {
    viewer.require_any(&[Role::Admin])?;
    check_grantable(role)?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let account = user_by_id(&txn, user_id).await?;
    let mut roles = Role::parse_list(&account.roles);
    if !roles.contains(&role) {
        return Ok(account);
    }
    if role == Role::Admin {
        // Under the write transaction (SQLite) or serialized by the row lock below
        // (PostgreSQL): two admins revoking each other cannot both succeed.
        let admins: Vec<user::Model> = user::Entity::find()
            .filter(user::Column::Roles.like(LikeExpr::new("%ADMIN%")))
            .lock_exclusive()
            .all(&txn)
            .await?;
        let others = admins
            .iter()
            .filter(|other| {
                other.id != user_id && Role::parse_list(&other.roles).contains(&Role::Admin)
            })
            .count();
        if others == 0 {
            return Err(AppError::of(Reason::LastAdmin));
        }
    }
    roles.retain(|held| *held != role);
    let mut model: user::ActiveModel = account.into();
    model.roles = Set(Role::join(&roles));
    if role == Role::Organizer {
        model.department_id = Set(None);
    }
    let saved = model.update(&txn).await?;
    audit::record(&txn, viewer, AuditAction::UserRoleRevoke, Some(user_id)).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Users whose name contains the search or whose phone starts with it, newest first.
pub async fn search_users(
    state: &AppState,
    viewer: &Viewer,
    search: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<user::Model>> {
    viewer.require_any(&[Role::Admin])?;
    let mut query = user::Entity::find();
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        if search.chars().count() > MAX_USER_SEARCH_CHARS {
            return Err(AppError::input(
                "search",
                Reason::TooLong {
                    max: MAX_USER_SEARCH_CHARS,
                },
            ));
        }
        let anywhere = input::like_pattern(search);
        let prefix = format!(
            "{}%",
            anywhere.trim_start_matches('%').trim_end_matches('%')
        );
        query = query.filter(
            Condition::any()
                .add(Expr::col(user::Column::DisplayName).like(LikeExpr::new(anywhere).escape('!')))
                .add(Expr::col(user::Column::Phone).like(LikeExpr::new(prefix).escape('!'))),
        );
    }
    let order = Order::new().desc(user::Column::Id, KeyKind::Int);
    page::fetch(&state.db, query, &order, &page, |u| vec![u.id.into()]).await
}

/// The user's live sessions, newest first (at most the page size: a session is a login).
pub async fn sessions_of(state: &AppState, user_id: i32) -> AppResult<Vec<refresh_session::Model>> {
    Ok(refresh_session::Entity::find()
        .filter(refresh_session::Column::UserId.eq(user_id))
        .filter(refresh_session::Column::RevokedAt.is_null())
        .filter(refresh_session::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(refresh_session::Column::CreatedAt)
        .limit(crate::domain::page::MAX_PAGE)
        .all(&state.db)
        .await?)
}

/// Ends one session: the user's own, or any for an admin. False when it had ended already.
pub async fn revoke_session(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<bool> {
    let signed_in = viewer.require()?;
    if id.len() > 64 {
        return Err(AppError::not_found(Thing::Session));
    }
    let session = refresh_session::Entity::find_by_id(id.to_owned())
        .one(&state.db)
        .await?
        // Someone else's session is as unknown as a made-up id.
        .filter(|session| session.user_id == signed_in.id || signed_in.is_admin())
        .ok_or(AppError::not_found(Thing::Session))?;
    let txn = crate::db::begin_write(&state.writer).await?;
    let ended = refresh_session::Entity::update_many()
        .col_expr(refresh_session::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(refresh_session::Column::Id.eq(id))
        .filter(refresh_session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        > 0;
    if ended {
        audit::record(
            &txn,
            viewer,
            AuditAction::SessionRevoke,
            Some(session.user_id),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(ended)
}
