//! Photos of a completed activity (图片资料 of 做好总结): uploaded by the organizers who may
//! submit its summary, kept in the database (every instance serves them, a backup holds
//! them), read by whoever may read the summary.
//!
//! The type is decided by the file's first bytes, never by the name or the header the
//! client sends: only JPEG, PNG and WebP are kept, so nothing else is ever served back.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use entity::activity_photo;
use entity::enums::ActivityStatus;

use crate::auth::Viewer;
use crate::auth::guard::READERS;
use crate::context::AppState;
use crate::db::begin_write;
use crate::domain::access::{lead_department_ids, managed};
use crate::domain::audit;
use crate::error::{AppError, AppResult, Reason, Thing};

/// The largest photo kept: a phone's photo, compressed as the mini-program uploads it.
pub const MAX_PHOTO_BYTES: usize = 4 << 20;
/// Photos per activity (the nine-grid the apps show).
pub const MAX_PHOTOS: u64 = 9;

/// A photo without its bytes, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoInfo {
    pub id: i32,
    pub activity_id: i32,
    pub content_type: String,
    pub size: i32,
    pub sha256: String,
    pub uploaded_at: chrono::DateTime<Utc>,
}

/// The media type by the file's signature, if it is one we keep.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Keeps a photo of a COMPLETED activity: organizers of its lead departments and admins,
/// at most [`MAX_PHOTOS`] per activity, each at most [`MAX_PHOTO_BYTES`]. Audited.
#[tracing::instrument(skip(state, viewer, bytes), fields(size = bytes.len()), err(level = "info", Debug))]
pub async fn upload(
    state: &AppState,
    viewer: &Viewer,
    activity_id: i32,
    bytes: Vec<u8>,
) -> AppResult<PhotoInfo> {
    let user = viewer.require()?;
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(AppError::input(
            "file",
            Reason::FileTooLarge {
                max_mib: MAX_PHOTO_BYTES >> 20,
            },
        ));
    }
    let content_type = image_type(&bytes).ok_or(AppError::input("file", Reason::NotAnImage))?;
    let txn = begin_write(&state.writer).await?;
    let activity = managed(&txn, viewer, activity_id).await?;
    if activity.status != ActivityStatus::Completed {
        return Err(AppError::of(Reason::SummaryBeforeCompletion));
    }
    let kept = activity_photo::Entity::find()
        .filter(activity_photo::Column::ActivityId.eq(activity_id))
        .count(&txn)
        .await?;
    if kept >= MAX_PHOTOS {
        return Err(AppError::input(
            "file",
            Reason::TooMany {
                max: MAX_PHOTOS as usize,
            },
        ));
    }
    let size = i32::try_from(bytes.len()).unwrap_or(i32::MAX);
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let saved = activity_photo::ActiveModel {
        activity_id: Set(activity_id),
        content_type: Set(content_type.to_owned()),
        bytes: Set(bytes),
        size: Set(size),
        sha256: Set(sha256),
        uploaded_by: Set(user.id),
        uploaded_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::ActivityPhotoUpload,
        Some(saved.id),
    )
    .await?;
    txn.commit().await?;
    Ok(info(saved))
}

fn info(model: activity_photo::Model) -> PhotoInfo {
    PhotoInfo {
        id: model.id,
        activity_id: model.activity_id,
        content_type: model.content_type,
        size: model.size,
        sha256: model.sha256,
        uploaded_at: model.uploaded_at,
    }
}

/// The photos of these activities, oldest first, without their bytes: one statement.
pub async fn of_activities<C: sea_orm::ConnectionTrait>(
    db: &C,
    activity_ids: &[i32],
) -> Result<Vec<PhotoInfo>, sea_orm::DbErr> {
    if activity_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i32, i32, String, i32, String, chrono::DateTime<Utc>)> =
        activity_photo::Entity::find()
            .select_only()
            .columns([
                activity_photo::Column::Id,
                activity_photo::Column::ActivityId,
                activity_photo::Column::ContentType,
                activity_photo::Column::Size,
                activity_photo::Column::Sha256,
                activity_photo::Column::UploadedAt,
            ])
            .filter(activity_photo::Column::ActivityId.is_in(activity_ids.iter().copied()))
            .order_by_asc(activity_photo::Column::Id)
            .into_tuple()
            .all(db)
            .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, activity_id, content_type, size, sha256, uploaded_at)| PhotoInfo {
                id,
                activity_id,
                content_type,
                size,
                sha256,
                uploaded_at,
            },
        )
        .collect())
}

/// May the viewer read this activity's summary and photos: VIEWER and ADMIN every
/// activity's, an ORGANIZER those of activities their department leads.
async fn may_read(state: &AppState, viewer: &Viewer, activity_id: i32) -> AppResult<()> {
    let user = viewer.require_any(READERS)?;
    if user.reads_everything() {
        return Ok(());
    }
    let leads = lead_department_ids(&state.db, activity_id).await?;
    match user.department_id {
        Some(own) if leads.contains(&own) => Ok(()),
        _ => Err(AppError::not_found(Thing::Photo)),
    }
}

/// A photo's bytes and type, for whoever may read its activity's summary; someone else's
/// is NOT_FOUND, like a photo that does not exist.
pub async fn read(state: &AppState, viewer: &Viewer, id: i32) -> AppResult<activity_photo::Model> {
    let photo = activity_photo::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::not_found(Thing::Photo))?;
    may_read(state, viewer, photo.activity_id).await?;
    Ok(photo)
}

/// Removes a photo: those who may upload it. Audited.
pub async fn delete(state: &AppState, viewer: &Viewer, id: i32) -> AppResult<()> {
    viewer.require()?;
    let txn = begin_write(&state.writer).await?;
    let photo = activity_photo::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::not_found(Thing::Photo))?;
    managed(&txn, viewer, photo.activity_id).await?;
    activity_photo::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::ActivityPhotoDelete,
        Some(id),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
