//! Issuing, verifying, revoking and listing service proofs.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, Utc};
use rand::Rng;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QuerySelect, Set, SqlErr,
};

use entity::enums::{Role, ServiceRecordStatus};
use entity::service_proof::{self, ProofLine, ProofLines};
use entity::{activity, department, service_record, user, volunteer};

use crate::auth::Viewer;
use crate::cache::CacheKey;
use crate::context::AppState;
use crate::domain::access::{RecordScope, activities_of_department, record_scope};
use crate::domain::audit;
use crate::domain::calendar::local_date;
use crate::domain::input::{self, max};
use crate::domain::page::{self, KeyKind, Order, PageRequest};
use crate::domain::registrations::service::volunteer_of_user;
use crate::error::{AppError, AppResult, Reason, Thing};

use super::document;

/// Lines (one per day served at an activity) one proof may list: a longer history is
/// proved in several ranges.
pub const MAX_LINES: usize = 500;
/// Wrong codes (or unknown numbers) tried for one number in an hour; then RATE_LIMITED.
pub const MAX_GUESSES: u64 = 10;
/// Proofs one volunteer may request in a day.
pub const MAX_ISSUES_PER_DAY: u64 = 20;
/// Characters of an activity's content copied onto a proof.
pub const CONTENT_CHARS: usize = 200;
/// The verification code's alphabet: no 0/O, 1/I, so it can be read aloud and retyped.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// 8 characters of 32: 40 bits, against at most `MAX_GUESSES` tries an hour per number.
const CODE_LEN: usize = 8;
/// Numbers and codes longer than this are not ours (checked before any lookup).
const MAX_INPUT: usize = 32;
/// Attempts at a free serial when instances issue at the same moment.
const SERIAL_TRIES: usize = 8;

/// What a volunteer asks to have proved.
#[derive(Debug, Clone, Default)]
pub struct ProofRequest {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only the hours served at this department's activities, issued in its name.
    pub department_id: Option<i32>,
}

/// A proof just issued, with its code: shown once, kept only as a keyed hash.
pub struct Issued {
    pub proof: service_proof::Model,
    pub code: String,
}

/// What anyone with the number and the code learns.
#[derive(Debug, Clone)]
pub struct Verification {
    pub number: String,
    pub revoked: bool,
    pub masked_name: String,
    pub minutes: i64,
    pub issuer: String,
    pub issued_on: NaiveDate,
}

/// 张三 → 张*, 欧阳修 → 欧*修: the first and (from three characters) the last remain.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_owned(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

pub fn number_of(year: i32, serial: i32) -> String {
    format!("TX-{year}-{serial:06}")
}

fn normalize(value: &str) -> Option<String> {
    let value: String = value
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    (!value.is_empty() && value.chars().count() <= MAX_INPUT).then_some(value)
}

fn code_hash(state: &AppState, number: &str, code: &str) -> String {
    state
        .secrets
        .keyed_hash("service-proof", &format!("{number}:{code}"))
}

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

fn check_range(request: &ProofRequest) -> AppResult<()> {
    for (field, day) in [("range.from", request.from), ("range.to", request.to)] {
        if let Some(day) = day
            && !(2000..=2100).contains(&day.year())
        {
            return Err(AppError::input(field, Reason::YearOutOfRange));
        }
    }
    if let (Some(from), Some(to)) = (request.from, request.to)
        && from > to
    {
        return Err(AppError::input("range.to", Reason::TimeOrder));
    }
    Ok(())
}

/// The volunteer's approved, counted hours in the range, one line per record, oldest
/// first, copied so that later changes of the records leave the proof as it is.
async fn lines_of<C: ConnectionTrait>(
    db: &C,
    volunteer_id: i32,
    request: &ProofRequest,
) -> AppResult<Vec<ProofLine>> {
    let mut query = service_record::Entity::find()
        .filter(service_record::Column::VolunteerId.eq(volunteer_id))
        .filter(service_record::Column::Status.eq(ServiceRecordStatus::Approved))
        .filter(crate::domain::hours::counted_activity_of_record());
    if let Some(id) = request.department_id {
        query = query
            .filter(service_record::Column::ActivityId.in_subquery(activities_of_department(id)));
    }
    let mut records: Vec<(NaiveDate, service_record::Model)> = query
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.service_date.unwrap_or_else(|| local_date(r.created_at)),
                r,
            )
        })
        .filter(|(day, _)| {
            request.from.is_none_or(|from| *day >= from) && request.to.is_none_or(|to| *day <= to)
        })
        .collect();
    if records.is_empty() {
        return Err(AppError::of(Reason::ProofNoHours));
    }
    if records.len() > MAX_LINES {
        return Err(AppError::input("range", Reason::TooMany { max: MAX_LINES }));
    }
    records.sort_by_key(|(day, r)| (*day, r.id));
    let activity_ids: Vec<i32> = records.iter().map(|(_, r)| r.activity_id).collect();
    let activities: HashMap<i32, activity::Model> = activity::Entity::find()
        .filter(activity::Column::Id.is_in(activity_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let department_ids: Vec<i32> = activities
        .values()
        .filter_map(|a| a.primary_department_id)
        .collect();
    let departments: HashMap<i32, String> = department::Entity::find()
        .filter(department::Column::Id.is_in(department_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    Ok(records
        .into_iter()
        .filter_map(|(date, record)| {
            let activity = activities.get(&record.activity_id)?;
            Some(ProofLine {
                activity: activity.title.clone(),
                date,
                content: activity
                    .content_items
                    .0
                    .join("；")
                    .chars()
                    .take(CONTENT_CHARS)
                    .collect(),
                minutes: record.minutes,
                organizer: activity
                    .primary_department_id
                    .and_then(|id| departments.get(&id).cloned())
                    .unwrap_or_default(),
            })
        })
        .collect())
}

/// Issues a proof of the signed-in volunteer's approved hours at once (Art 14: free, on
/// request). The number's serial is the year's next; the unique index on (year, serial)
/// decides between instances issuing at the same moment, and the loser takes the next.
#[tracing::instrument(skip(state, viewer), err(level = "info", Debug))]
pub async fn request(
    state: &AppState,
    viewer: &Viewer,
    request: ProofRequest,
) -> AppResult<Issued> {
    let user = viewer.require()?;
    check_range(&request)?;
    let volunteer = volunteer_of_user(&state.db, user.id)
        .await?
        .ok_or_else(|| AppError::of(Reason::VolunteerRequired))?;
    let issuer = match request.department_id {
        Some(id) => {
            let department = department::Entity::find_by_id(id)
                .one(&state.db)
                .await?
                .ok_or_else(|| AppError::input("departmentId", Reason::UnknownReference))?;
            format!("{}{}", state.config.proof_issuer, department.name)
        }
        None => state.config.proof_issuer.clone(),
    };
    state
        .cache
        .limit(
            &CacheKey::ProofIssues {
                volunteer_id: volunteer.id,
            },
            MAX_ISSUES_PER_DAY,
        )
        .await?;
    let lines = lines_of(&state.db, volunteer.id, &request).await?;
    let minutes: i64 = lines.iter().map(|l| i64::from(l.minutes)).sum();
    let phone = user::Entity::find_by_id(user.id)
        .one(&state.db)
        .await?
        .and_then(|u| u.phone);
    let now = Utc::now();
    let year = local_date(now).year();
    let code = new_code();
    for _ in 0..SERIAL_TRIES {
        let serial = next_serial(&state.db, year).await?;
        let number = number_of(year, serial);
        // The proof and its notification in one transaction; a serial taken meanwhile by
        // another instance rolls both back and the next serial is tried.
        let txn = crate::db::begin_write(&state.writer).await?;
        let inserted = service_proof::ActiveModel {
            number: Set(number.clone()),
            year: Set(year),
            serial: Set(serial),
            volunteer_id: Set(volunteer.id),
            department_id: Set(request.department_id),
            issuer: Set(issuer.clone()),
            real_name: Set(volunteer.real_name.clone()),
            masked_id: Set(phone
                .as_deref()
                .map(crate::domain::users::types::mask_phone)),
            from_date: Set(request.from),
            to_date: Set(request.to),
            minutes: Set(minutes),
            activities: Set(ProofLines(lines.clone())),
            code_hash: Set(code_hash(state, &number, &code)),
            issued_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await;
        match inserted {
            Ok(proof) => {
                let event = crate::domain::notifications::Event::new(
                    entity::enums::NotificationKind::ProofIssued,
                    format!("proof-issued:{}", proof.id),
                    "志愿服务证明已开具",
                    format!(
                        "您的志愿服务证明 {} 已开具，共 {:.1} 小时，可凭编号和验证码查验。",
                        proof.number,
                        proof.minutes as f64 / 60.0
                    ),
                );
                crate::domain::notifications::notify(&txn, &[volunteer.user_id], &event).await?;
                txn.commit().await?;
                return Ok(Issued { proof, code });
            }
            Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                continue;
            }
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Internal(anyhow::anyhow!(
        "no free proof serial after {SERIAL_TRIES} tries"
    )))
}

async fn next_serial(db: &DatabaseConnection, year: i32) -> AppResult<i32> {
    let max: Option<i32> = service_proof::Entity::find()
        .select_only()
        .column_as(Expr::col(service_proof::Column::Serial).max(), "max")
        .filter(service_proof::Column::Year.eq(year))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    Ok(max.unwrap_or(0) + 1)
}

/// The proof that `number` and `code` name, for anyone holding both. An unknown number
/// and a wrong code get the same NOT_FOUND, counted per number (atomically, across
/// instances) before the code is compared; a right code is not counted. Returns the proof
/// and the code as normalized.
async fn with_code(
    state: &AppState,
    number: &str,
    code: &str,
) -> AppResult<(service_proof::Model, String)> {
    let not_found = || AppError::not_found(Thing::Proof);
    let Some(number) = normalize(number) else {
        return Err(not_found());
    };
    let guesses = CacheKey::ProofGuesses {
        number: number.clone(),
    };
    state.cache.limit(&guesses, MAX_GUESSES).await?;
    let Some(code) = normalize(code) else {
        return Err(not_found());
    };
    let proof = service_proof::Entity::find()
        .filter(service_proof::Column::Number.eq(number.as_str()))
        .one(&state.db)
        .await?
        .filter(|p| p.code_hash == code_hash(state, &number, &code))
        .ok_or_else(not_found)?;
    state.cache.unhit(&guesses).await;
    Ok((proof, code))
}

/// Anyone: the proof's state and its public face, when the code is right (see
/// [`with_code`] for wrong ones).
#[tracing::instrument(skip(state, code), err(level = "info", Debug))]
pub async fn verify(state: &AppState, number: &str, code: &str) -> AppResult<Verification> {
    let (proof, _) = with_code(state, number, code).await?;
    Ok(Verification {
        number: proof.number,
        revoked: proof.revoked_at.is_some(),
        masked_name: mask_name(&proof.real_name),
        minutes: proof.minutes,
        issuer: proof.issuer,
        issued_on: local_date(proof.issued_at),
    })
}

/// Where a proof is verified: its PDF at the server's public address, which shows it
/// as it stands (a revoked proof says so). Printed as the QR code.
pub fn verification_url(public_base: &str, number: &str, code: &str) -> String {
    format!("{public_base}/proofs/{number}.pdf?code={code}")
}

/// Anyone holding the number and the code: the proof as an A4 PDF (the document the
/// volunteer hands over: the whole snapshot, the real name as issued). Wrong codes are
/// counted as [`verify`] counts them; a missing font is `PROOF_FONT_MISSING`.
#[tracing::instrument(skip(state, code), err(level = "info", Debug))]
pub async fn pdf(state: &AppState, number: &str, code: &str) -> AppResult<Vec<u8>> {
    let (proof, code) = with_code(state, number, code).await?;
    let url = verification_url(&state.config.public_base(), &proof.number, &code);
    let font = state.proof_font.clone();
    let _turn = state
        .proof_font
        .renders
        .acquire()
        .await
        .map_err(AppError::internal)?;
    let rendered =
        tokio::task::spawn_blocking(move || document::render(&proof, &code, &url, &font))
            .await
            .map_err(AppError::internal)?;
    match rendered {
        Ok(pdf) => Ok(pdf),
        Err(document::RenderError::Font(problem)) => {
            tracing::warn!(%problem, "no PDF of a proof: its font is missing (TONGXIN_PROOF_FONT)");
            Err(AppError::of(Reason::ProofFontMissing))
        }
        Err(document::RenderError::Other(err)) => Err(AppError::Internal(err)),
    }
}

/// Admins, and organizers of the issuing department: the proof no longer stands (verified
/// as REVOKED from now on). Once only; audited.
#[tracing::instrument(skip(state, viewer, reason), err(level = "info", Debug))]
pub async fn revoke(
    state: &AppState,
    viewer: &Viewer,
    number: &str,
    reason: &str,
) -> AppResult<service_proof::Model> {
    let user = viewer.require_any(&[Role::Organizer, Role::Admin])?;
    let reason = input::text("reason", reason, max::NOTE)?;
    let number = normalize(number).ok_or(AppError::not_found(Thing::Proof))?;
    let proof = service_proof::Entity::find()
        .filter(service_proof::Column::Number.eq(number.as_str()))
        .one(&state.db)
        .await?
        .ok_or(AppError::not_found(Thing::Proof))?;
    let issuing: Vec<i32> = proof.department_id.into_iter().collect();
    if !user.may_manage_any(&issuing) {
        return Err(AppError::of(Reason::NotOwnDepartment));
    }
    let txn = crate::db::begin_write(&state.writer).await?;
    // Conditional: of two revocations at once, one finds it still standing.
    let updated = service_proof::Entity::update_many()
        .col_expr(service_proof::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(service_proof::Column::RevokedBy, Expr::value(user.id))
        .col_expr(service_proof::Column::RevokeReason, Expr::value(reason))
        .filter(service_proof::Column::Id.eq(proof.id))
        .filter(service_proof::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::of(Reason::ProofRevoked));
    }
    audit::record(
        &txn,
        viewer,
        audit::AuditAction::ServiceProofRevoke,
        Some(proof.id),
    )
    .await?;
    txn.commit().await?;
    service_proof::Entity::find_by_id(proof.id)
        .one(&state.db)
        .await?
        .ok_or(AppError::not_found(Thing::Proof))
}

/// A volunteer's proofs, newest first: all for the volunteer and admins, those their
/// department issued for organizers.
pub async fn of_volunteer(
    state: &AppState,
    viewer: &Viewer,
    volunteer: &volunteer::Model,
    page: PageRequest,
) -> AppResult<page::Page<service_proof::Model>> {
    let scope = record_scope(viewer.require()?, volunteer.user_id)?;
    let mut query =
        service_proof::Entity::find().filter(service_proof::Column::VolunteerId.eq(volunteer.id));
    if let RecordScope::Department(id) = scope {
        query = query.filter(service_proof::Column::DepartmentId.eq(id));
    }
    let order = Order::new().desc(service_proof::Column::Id, KeyKind::Int);
    page::fetch(&state.db, query, &order, &page, |p| vec![p.id.into()]).await
}
