//! Care visits that feed service hours (走访计入志愿服务时长).
//!
//! A service record belongs to an activity, is reviewed by the activity's department and
//! covers one volunteer and one day (`ux_service_records_activity_volunteer_day`). A visit
//! logged with `countAsServiceHours` therefore goes to the standing activity of its
//! recipient's department, community and month (结对关爱走访, created on demand, published
//! with its registration closed), into the visiting volunteer's PENDING record of the
//! visit's day: the first visit of a day opens it, later ones of the same day add their
//! minutes (at most 24 hours a day). The department reviews it like any other record, and
//! the approval adds it to the rollups. A day whose record was already reviewed takes no
//! more minutes (CONFLICT `CARE_HOURS_REVIEWED`): approved hours change only by a
//! correction. The visit keeps the id of its record, so a visit counts once.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QuerySelect, Set,
};

use entity::enums::{ActivityStatus, RecordChangeKind, ServiceRecordSource, ServiceRecordStatus};
use entity::{
    activity, activity_location, care_recipient, care_service_activity, care_visit, community,
    department, service_record,
};

use crate::auth::Viewer;
use crate::domain::activities::service::write_departments;
use crate::domain::calendar::start_of_day;
use crate::domain::hours::corrections::keep_change;
use crate::domain::hours::service::service_days;
use crate::error::{AppError, AppResult, Reason};

/// The most minutes one volunteer's record holds for a day.
const DAY_MINUTES: i32 = 24 * 60;

/// The first day of the month after `day`'s.
fn next_month(day: NaiveDate) -> NaiveDate {
    let (year, month) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1).expect("a first of the month")
}

/// The standing activity of a department's care visits in a community and month, created
/// when first needed. The caller holds the department's row lock, so two visits never
/// create two (and the unique index would refuse the second).
async fn standing_activity(
    txn: &DatabaseTransaction,
    recipient: &care_recipient::Model,
    day: NaiveDate,
) -> AppResult<activity::Model> {
    let month = day.format("%Y-%m").to_string();
    let found = care_service_activity::Entity::find()
        .filter(care_service_activity::Column::DepartmentId.eq(recipient.department_id))
        .filter(care_service_activity::Column::CommunityId.eq(recipient.community_id))
        .filter(care_service_activity::Column::Month.eq(month.clone()))
        .one(txn)
        .await?;
    if let Some(found) = found
        && let Some(activity) = activity::Entity::find_by_id(found.activity_id)
            .one(txn)
            .await?
    {
        return Ok(activity);
    }
    let place = community::Entity::find_by_id(recipient.community_id)
        .one(txn)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let first = day.with_day(1).expect("a first of the month");
    let starts_at = start_of_day(first);
    let ends_at = start_of_day(next_month(day)) - Duration::seconds(1);
    let now = Utc::now();
    let created = activity::ActiveModel {
        plan_id: Set(None),
        seq_no: Set(None),
        title: Set(format!(
            "结对关爱走访（{place}，{}年{}月）",
            day.year(),
            day.month()
        )),
        category_id: Set(None),
        time_label: Set(Some(format!("{}年{}月", day.year(), day.month()))),
        starts_at: Set(Some(starts_at)),
        ends_at: Set(Some(ends_at)),
        start_date: Set(Some(first)),
        status: Set(ActivityStatus::Published),
        content_items: Set(vec![
            "走访、电话或视频关爱结对帮扶的老人".to_owned(),
            "服务时长由关爱走访记录生成，经科室审核后计入".to_owned(),
        ]
        .into()),
        primary_department_id: Set(Some(recipient.department_id)),
        capacity: Set(None),
        registered_count: Set(0),
        waitlist_count: Set(0),
        // Nobody registers: the paired volunteers serve by their visits.
        registration_opens_at: Set(Some(starts_at)),
        registration_closes_at: Set(Some(starts_at)),
        service_minutes: Set(None),
        pairing_id: Set(None),
        published_at: Set(Some(now)),
        cancel_reason: Set(None),
        person_in_charge_name: Set(None),
        person_in_charge_phone: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    write_departments(txn, created.id, &[recipient.department_id]).await?;
    activity_location::ActiveModel {
        activity_id: Set(created.id),
        position: Set(0),
        name: Set(place),
        address: Set(None),
        online: Set(false),
        tbd: Set(false),
        community_id: Set(Some(recipient.community_id)),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    care_service_activity::ActiveModel {
        department_id: Set(recipient.department_id),
        community_id: Set(recipient.community_id),
        month: Set(month),
        activity_id: Set(created.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(created)
}

/// Puts a visit's minutes into the visiting volunteer's PENDING record of the visit's day
/// at the standing activity, in the visit's transaction, and links the visit to it.
pub async fn feed(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    recipient: &care_recipient::Model,
    visit: care_visit::Model,
    volunteer_id: i32,
) -> AppResult<care_visit::Model> {
    // Serializes the department's care hours (PostgreSQL; SQLite holds the write lock).
    department::Entity::find_by_id(recipient.department_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    let day = visit.visited_on;
    let activity = standing_activity(txn, recipient, day).await?;
    // The department may have cancelled it, or moved its dates.
    crate::domain::hours::require_takes_hours(&activity)?;
    if let Some((first, last)) = service_days(txn, &activity).await?
        && !(first..=last).contains(&day)
    {
        return Err(AppError::input(
            "visitedAt",
            Reason::ServiceDateOutsideActivity {
                first: first.to_string(),
                last: last.to_string(),
            },
        ));
    }
    let note = Some(format!("关爱走访记录 #{}", visit.id));
    let existing = service_record::Entity::find()
        .filter(service_record::Column::ActivityId.eq(activity.id))
        .filter(service_record::Column::VolunteerId.eq(volunteer_id))
        .filter(service_record::Column::ServiceDate.eq(day))
        .one(txn)
        .await?;
    let record = match existing {
        None => {
            let now = Utc::now();
            let created = service_record::ActiveModel {
                activity_id: Set(activity.id),
                volunteer_id: Set(volunteer_id),
                source: Set(ServiceRecordSource::Recorded),
                checked_in_at: Set(None),
                checked_out_at: Set(None),
                minutes: Set(visit.minutes),
                status: Set(ServiceRecordStatus::Pending),
                service_date: Set(Some(day)),
                review_note: Set(None),
                reviewed_by: Set(None),
                reviewed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            keep_change(txn, viewer, RecordChangeKind::Record, None, &created, note).await?;
            created
        }
        Some(before) => {
            if before.status != ServiceRecordStatus::Pending {
                return Err(AppError::of(Reason::CareHoursReviewed));
            }
            if before.minutes + visit.minutes > DAY_MINUTES {
                return Err(AppError::input("minutes", Reason::HoursRange { max: 24 }));
            }
            // Only while still PENDING: a review that got there first wins, and this
            // visit's minutes go nowhere rather than into approved hours unreviewed.
            let updated = service_record::Entity::update_many()
                .col_expr(
                    service_record::Column::Minutes,
                    Expr::col(service_record::Column::Minutes).add(visit.minutes),
                )
                .col_expr(service_record::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(service_record::Column::Id.eq(before.id))
                .filter(service_record::Column::Status.eq(ServiceRecordStatus::Pending))
                .exec(txn)
                .await?;
            if updated.rows_affected == 0 {
                return Err(AppError::of(Reason::CareHoursReviewed));
            }
            let after = service_record::Entity::find_by_id(before.id)
                .one(txn)
                .await?
                .unwrap_or_else(|| before.clone());
            keep_change(
                txn,
                viewer,
                RecordChangeKind::Record,
                Some(&before),
                &after,
                note,
            )
            .await?;
            after
        }
    };
    let mut model: care_visit::ActiveModel = visit.into();
    model.service_record_id = Set(Some(record.id));
    Ok(model.update(txn).await?)
}
