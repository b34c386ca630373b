//! A user's own notifications: the list, the unread count, marking read, muted kinds.
//! Only the user reaches them: not an organizer, not an admin.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use entity::enums::NotificationKind;
use entity::{notification, notification_mute};

use crate::auth::Viewer;
use crate::context::AppState;
use crate::domain::input::max;
use crate::domain::page::{self, KeyKind, Order, Page, PageRequest};
use crate::error::{AppError, AppResult, Reason};

/// The user's notifications, newest first; only the unread ones when asked.
pub async fn list(
    db: &DatabaseConnection,
    user_id: i32,
    unread_only: bool,
    page: PageRequest,
) -> AppResult<Page<notification::Model>> {
    let mut query = notification::Entity::find().filter(notification::Column::UserId.eq(user_id));
    if unread_only {
        query = query.filter(notification::Column::ReadAt.is_null());
    }
    let order = Order::new().desc(notification::Column::Id, KeyKind::Int);
    page::fetch(db, query, &order, &page, |n| vec![n.id.into()]).await
}

pub async fn unread_count(db: &DatabaseConnection, user_id: i32) -> AppResult<u64> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks the signed-in user's notifications among `ids` read (at most 100 ids; others'
/// ids and ids already read change nothing). Returns how many were marked.
pub async fn mark_read(state: &AppState, viewer: &Viewer, ids: &[i32]) -> AppResult<u64> {
    let user = viewer.require()?;
    if ids.len() > max::IDS {
        return Err(AppError::input("ids", Reason::TooMany { max: max::IDS }));
    }
    if ids.is_empty() {
        return Ok(0);
    }
    let marked = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(Utc::now())))
        .filter(notification::Column::UserId.eq(user.id))
        .filter(notification::Column::Id.is_in(ids.iter().copied()))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(marked.rows_affected)
}

/// Marks every unread notification of the signed-in user read.
pub async fn mark_all_read(state: &AppState, viewer: &Viewer) -> AppResult<u64> {
    let user = viewer.require()?;
    let marked = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(Utc::now())))
        .filter(notification::Column::UserId.eq(user.id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&state.db)
        .await?;
    Ok(marked.rows_affected)
}

/// The kinds the user chose not to receive.
pub async fn muted(db: &DatabaseConnection, user_id: i32) -> AppResult<Vec<NotificationKind>> {
    Ok(notification_mute::Entity::find()
        .select_only()
        .column(notification_mute::Column::Kind)
        .filter(notification_mute::Column::UserId.eq(user_id))
        .order_by_asc(notification_mute::Column::Kind)
        .into_tuple()
        .all(db)
        .await?)
}

/// Stops (or resumes) notifications of one kind for the signed-in user; returns the muted
/// kinds. Only what happens afterwards is affected.
pub async fn set_muted(
    state: &AppState,
    viewer: &Viewer,
    kind: NotificationKind,
    muted_now: bool,
) -> AppResult<Vec<NotificationKind>> {
    let user = viewer.require()?;
    if muted_now {
        notification_mute::Entity::insert(notification_mute::ActiveModel {
            user_id: Set(user.id),
            kind: Set(kind),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                notification_mute::Column::UserId,
                notification_mute::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&state.db)
        .await?;
    } else {
        notification_mute::Entity::delete_many()
            .filter(notification_mute::Column::UserId.eq(user.id))
            .filter(notification_mute::Column::Kind.eq(kind))
            .exec(&state.db)
            .await?;
    }
    muted(&state.db, user.id).await
}
