//! The hours rollups: approved service minutes per (primary department, month), per
//! (primary department, volunteer) and per volunteer, each with the number of approved
//! records behind it. Department 0 stands for activities without a primary department,
//! month '' for records without a date.
//!
//! The app adds to them when it approves records and rebuilds a department's rows when an
//! activity changes its primary department; whatever writes approved records by other
//! means (bulk loads, fixtures) calls [`rebuild`] afterwards. The migration that created
//! the tables keeps its own copy of the backfill: history does not follow today's code.

use crate::db::placeholder;
use futures::TryStreamExt;
use roaring::RoaringBitmap;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, StreamTrait, Value};

/// The YYYY-MM of a date column (DATE on PostgreSQL, 'YYYY-MM-DD' text on SQLite): the one
/// expression the dashboards' SQL differs in between the backends.
pub fn month(backend: DbBackend, column: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("to_char({column}, 'YYYY-MM')"),
        _ => format!("substr({column}, 1, 7)"),
    }
}

/// The statements that recompute the department rollups of these departments (0 for
/// none), or of all of them.
fn department_statements(backend: DbBackend, departments: Option<&[i32]>) -> Vec<String> {
    // '' for records without a date.
    let month = format!("COALESCE({}, '')", month(backend, "s.service_date"));
    let department = "COALESCE(a.primary_department_id, 0)";
    let approved = format!(
        "{} AND {}",
        crate::db::sql_value(entity::enums::ServiceRecordStatus::Approved),
        super::counted_activity_sql("a")
    );
    let (delete_where, select_where) = match departments {
        Some(ids) => {
            // Integers, not text from a request: safe to write into the statement.
            let list = ids
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            (
                format!(" WHERE department_id IN ({list})"),
                format!(" AND {department} IN ({list})"),
            )
        }
        None => (String::new(), String::new()),
    };
    vec![
        format!("DELETE FROM rollup_department_months{delete_where}"),
        format!(
            "INSERT INTO rollup_department_months (department_id, month, minutes, records) \
             SELECT {department}, {month}, SUM(s.minutes), COUNT(*) \
             FROM service_records s JOIN activities a ON a.id = s.activity_id \
             WHERE s.status = {approved}{select_where} GROUP BY {department}, {month}"
        ),
        format!("DELETE FROM rollup_department_volunteers{delete_where}"),
        format!(
            "INSERT INTO rollup_department_volunteers (department_id, volunteer_id, minutes, records) \
             SELECT {department}, s.volunteer_id, SUM(s.minutes), COUNT(*) \
             FROM service_records s JOIN activities a ON a.id = s.activity_id \
             WHERE s.status = {approved}{select_where} GROUP BY {department}, s.volunteer_id"
        ),
    ]
}

/// Recomputes every rollup from the approved records.
pub async fn rebuild<C: ConnectionTrait + StreamTrait>(db: &C) -> Result<(), DbErr> {
    let backend = ConnectionTrait::get_database_backend(db);
    let mut statements = department_statements(backend, None);
    statements.push("DELETE FROM rollup_volunteers".to_owned());
    statements.push(format!(
        "INSERT INTO rollup_volunteers (volunteer_id, minutes, records) \
         SELECT s.volunteer_id, SUM(s.minutes), COUNT(*) FROM service_records s \
         JOIN activities a ON a.id = s.activity_id \
         WHERE s.status = {} AND {} GROUP BY s.volunteer_id",
        crate::db::sql_value(entity::enums::ServiceRecordStatus::Approved),
        super::counted_activity_sql("a")
    ));
    for sql in statements {
        db.execute_unprepared(&sql).await?;
    }
    fill_volunteers(db, None).await
}

/// Recomputes the department rollups of these departments (0: none), e.g. after an
/// activity moved its hours from one to another. Volunteer totals do not change then.
pub async fn rebuild_departments<C: ConnectionTrait + StreamTrait>(
    db: &C,
    departments: &[i32],
) -> Result<(), DbErr> {
    if departments.is_empty() {
        return Ok(());
    }
    for sql in department_statements(ConnectionTrait::get_database_backend(db), Some(departments)) {
        db.execute_unprepared(&sql).await?;
    }
    fill_volunteers(db, Some(departments)).await
}

/// Adds one newly approved record: three upserts, in the approving transaction.
/// `department_id`: the activity's primary department; `month`: YYYY-MM of the record's
/// date, '' without one.
pub async fn add_approved<C: ConnectionTrait>(
    db: &C,
    department_id: Option<i32>,
    month: &str,
    volunteer_id: i32,
    minutes: i64,
) -> Result<(), DbErr> {
    adjust_approved(db, department_id, month, volunteer_id, minutes, 1).await
}

/// Moves the rollups of one record by `minutes` and `records` (a correction of an approved
/// record: its change of minutes and no record more).
pub async fn adjust_approved<C: ConnectionTrait>(
    db: &C,
    department_id: Option<i32>,
    month: &str,
    volunteer_id: i32,
    minutes: i64,
    records: i64,
) -> Result<(), DbErr> {
    let department = department_id.unwrap_or(0);
    add_department_month(db, department, month, volunteer_id, minutes, records).await?;
    add(
        db,
        "rollup_department_volunteers",
        [
            ("department_id", department.into()),
            ("volunteer_id", volunteer_id.into()),
        ],
        minutes,
        records,
    )
    .await?;
    add(
        db,
        "rollup_volunteers",
        [("volunteer_id", volunteer_id.into())],
        minutes,
        records,
    )
    .await
}

/// The department month's row moves by `minutes` and `records`, and its set of volunteers
/// takes this one in when a record is added. The upsert locks the row until the transaction
/// ends and answers the set as it stands then, so two approvals of the same month (on any
/// instances) add to each other's set, never over it. A month that loses a record may lose
/// the volunteer too (unless they have another record there): its set becomes unknown
/// (NULL), which the dashboards count from the records until [`rebuild`] fills it again.
async fn add_department_month<C: ConnectionTrait>(
    db: &C,
    department: i32,
    month: &str,
    volunteer_id: i32,
    minutes: i64,
    records: i64,
) -> Result<(), DbErr> {
    let backend = ConnectionTrait::get_database_backend(db);
    let p = |n: usize| placeholder(backend, n);
    let empty = bitmap_bytes(&RoaringBitmap::new());
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO rollup_department_months (department_id, month, minutes, records, volunteers) \
                 VALUES ({}, {}, {}, {}, {}) \
                 ON CONFLICT (department_id, month) DO UPDATE SET \
                 minutes = rollup_department_months.minutes + excluded.minutes, \
                 records = rollup_department_months.records + excluded.records, \
                 volunteers = CASE WHEN excluded.records < 0 THEN NULL \
                 ELSE rollup_department_months.volunteers END \
                 RETURNING volunteers",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            ),
            [
                department.into(),
                month.into(),
                minutes.into(),
                records.into(),
                empty.into(),
            ],
        ))
        .await?;
    let known: Option<Vec<u8>> = match row {
        Some(row) => row.try_get("", "volunteers")?,
        None => None,
    };
    let (Some(bytes), true) = (known, records > 0) else {
        return Ok(());
    };
    let mut volunteers = read_bitmap(&bytes)?;
    if volunteers.insert(volunteer_id as u32) {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE rollup_department_months SET volunteers = {} \
                 WHERE department_id = {} AND month = {}",
                p(1),
                p(2),
                p(3)
            ),
            [
                bitmap_bytes(&volunteers).into(),
                department.into(),
                month.into(),
            ],
        ))
        .await?;
    }
    Ok(())
}

/// A set of volunteer ids as stored: roaring's portable serialization.
pub fn bitmap_bytes(set: &RoaringBitmap) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(set.serialized_size());
    set.serialize_into(&mut bytes)
        .expect("writing into a Vec cannot fail");
    bytes
}

pub fn read_bitmap(bytes: &[u8]) -> Result<RoaringBitmap, DbErr> {
    RoaringBitmap::deserialize_from(bytes)
        .map_err(|err| DbErr::Custom(format!("unreadable set of volunteers in a rollup: {err}")))
}

/// Fills the sets of volunteers of the department months (of these departments, or of all)
/// from the approved records, streamed in order so that one month's set is in memory at a
/// time.
async fn fill_volunteers<C: ConnectionTrait + StreamTrait>(
    db: &C,
    departments: Option<&[i32]>,
) -> Result<(), DbErr> {
    let backend = ConnectionTrait::get_database_backend(db);
    let month = format!("COALESCE({}, '')", self::month(backend, "s.service_date"));
    let department = "COALESCE(a.primary_department_id, 0)";
    let only = match departments {
        // Integers, not text from a request: safe to write into the statement.
        Some(ids) => format!(
            " AND {department} IN ({})",
            ids.iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    let select = format!(
        "SELECT DISTINCT {department} AS department_id, {month} AS month, s.volunteer_id AS volunteer_id \
         FROM service_records s JOIN activities a ON a.id = s.activity_id \
         WHERE s.status = {} AND {}{only} ORDER BY 1, 2, 3",
        crate::db::sql_value(entity::enums::ServiceRecordStatus::Approved),
        super::counted_activity_sql("a")
    );
    // The sets are written after the stream ends: one connection cannot read a stream
    // and write beside it.
    let mut sets: Vec<(i32, String, Vec<u8>)> = Vec::new();
    {
        let rows = db
            .stream_raw(Statement::from_string(backend, select))
            .await?;
        let mut rows = std::pin::pin!(rows);
        let mut current: Option<(i32, String, RoaringBitmap)> = None;
        while let Some(row) = rows.try_next().await? {
            let department: i32 = row.try_get("", "department_id")?;
            let month: String = row.try_get("", "month")?;
            let volunteer: i32 = row.try_get("", "volunteer_id")?;
            match &mut current {
                Some((d, m, set)) if *d == department && *m == month => {
                    set.insert(volunteer as u32);
                }
                _ => {
                    if let Some((d, m, set)) = current.take() {
                        sets.push((d, m, bitmap_bytes(&set)));
                    }
                    current = Some((
                        department,
                        month,
                        RoaringBitmap::from_iter([volunteer as u32]),
                    ));
                }
            }
        }
        if let Some((d, m, set)) = current {
            sets.push((d, m, bitmap_bytes(&set)));
        }
    }
    for (department, month, bytes) in sets {
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "UPDATE rollup_department_months SET volunteers = {} WHERE department_id = {} AND month = {}",
                placeholder(backend, 1),
                placeholder(backend, 2),
                placeholder(backend, 3)
            ),
            [bytes.into(), department.into(), month.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Removes the rows left without a record (after a cancelled activity's hours left them),
/// so that counts of rows (active volunteers, top volunteers) stay counts of people.
pub async fn drop_empty<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    for table in [
        "rollup_department_months",
        "rollup_department_volunteers",
        "rollup_volunteers",
    ] {
        db.execute_unprepared(&format!("DELETE FROM {table} WHERE records <= 0"))
            .await?;
    }
    Ok(())
}

/// `minutes` and `records` more on the row of `table` with these key values, created at
/// zero if missing.
async fn add<C: ConnectionTrait, const N: usize>(
    db: &C,
    table: &str,
    keys: [(&str, Value); N],
    minutes: i64,
    records: i64,
) -> Result<(), DbErr> {
    let total = |column: &str, more: SimpleExpr| {
        Expr::col((Alias::new(table), Alias::new(column))).add(more)
    };
    let (mut columns, mut values): (Vec<Alias>, Vec<SimpleExpr>) = keys
        .iter()
        .map(|(column, value)| (Alias::new(*column), SimpleExpr::from(value.clone())))
        .unzip();
    columns.extend([Alias::new("minutes"), Alias::new("records")]);
    values.extend([minutes.into(), records.into()]);
    let upsert = Query::insert()
        .into_table(Alias::new(table))
        .columns(columns)
        .values_panic(values)
        .on_conflict(
            OnConflict::columns(keys.iter().map(|(column, _)| Alias::new(*column)))
                .value(
                    Alias::new("minutes"),
                    total(
                        "minutes",
                        Expr::col((Alias::new("excluded"), Alias::new("minutes"))),
                    ),
                )
                .value(
                    Alias::new("records"),
                    total(
                        "records",
                        Expr::col((Alias::new("excluded"), Alias::new("records"))),
                    ),
                )
                .to_owned(),
        )
        .to_owned();
    db.execute(&upsert).await?;
    Ok(())
}
