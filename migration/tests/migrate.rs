//! Runs the migrations up, down and up again on SQLite (always) and on a fresh
//! PostgreSQL database (when `TEST_DATABASE_URL` is set), and round-trips a row
//! of every table through the entities to catch entity/migration mismatches.

use std::time::{SystemTime, UNIX_EPOCH};

use entity::enums::*;
use entity::{
    activity, activity_department, activity_location, answer, audit_entry, category, community,
    department, pairing, plan, question, question_option, rectification, refresh_session,
    registration, service_record, setting, survey, survey_response, user, volunteer,
};
use migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm::entity::prelude::*;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, QueryOrder, QuerySelect,
    SqlErr,
};

const TABLES: &[&str] = &[
    "settings",
    "departments",
    "users",
    "volunteers",
    "plans",
    "categories",
    "communities",
    "pairings",
    "activities",
    "activity_locations",
    "activity_departments",
    "registrations",
    "service_records",
    "surveys",
    "questions",
    "question_options",
    "survey_responses",
    "answers",
    "rectifications",
    "refresh_sessions",
    "audit_entries",
    "calendar_days",
    "record_corrections",
    "record_changes",
    "trainings",
    "commendations",
    "rectification_follow_ups",
    "feedback_appeals",
    "activity_summaries",
    "activity_photos",
    "service_proofs",
    "calendar_feeds",
    "notifications",
    "notification_mutes",
    "jobs",
    "wechat_subscriptions",
    "notification_deliveries",
    "pairing_commitments",
    "activity_commitments",
    "care_recipients",
    "care_assignments",
    "care_visits",
    "care_service_activities",
    "pairing_reports",
    "party_members",
    "rollup_response_months",
    "rollup_counts",
];

const INDEXES: &[(&str, &str)] = &[
    ("departments", "ux_departments_name"),
    ("users", "ux_users_phone"),
    ("users", "ix_users_department_id"),
    ("activities", "ix_activities_status_starts_at"),
    (
        "activities",
        "ix_activities_primary_department_id_start_date",
    ),
    (
        "activity_departments",
        "ix_activity_departments_department_id_activity_id",
    ),
    ("registrations", "ux_registrations_live"),
    ("registrations", "ix_registrations_activity_id_status_id"),
    (
        "service_records",
        "ux_service_records_activity_volunteer_day",
    ),
    ("record_corrections", "ux_record_corrections_open"),
    ("service_proofs", "ux_service_proofs_year_serial"),
    ("service_proofs", "ux_service_proofs_number"),
    ("pairing_reports", "ux_pairing_reports_quarter"),
    (
        "care_service_activities",
        "ux_care_service_activities_month",
    ),
    (
        "rectification_follow_ups",
        "ux_rectification_follow_ups_resident",
    ),
    ("survey_responses", "ux_survey_responses_respondent"),
    ("audit_entries", "ix_audit_entries_at"),
    ("rectifications", "ix_rectifications_open"),
    (
        "service_records",
        "ix_service_records_activity_id_status_minutes",
    ),
];

#[tokio::test]
async fn migrate_sqlite() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    exercise(&db).await;
    db.close().await.unwrap();
}

#[tokio::test]
async fn migrate_postgres() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("TEST_DATABASE_URL not set; skipping the PostgreSQL migration test");
        return;
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("tongxin_migrate_{}_{nanos}", std::process::id());

    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();

    // Run in a task so that the database is dropped even if an assertion fails.
    let url = with_database(&admin_url, &name);
    let outcome = tokio::spawn(async move {
        let db = Database::connect(&url).await.unwrap();
        exercise(&db).await;
        db.close().await.unwrap();
    })
    .await;

    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
    admin.close().await.unwrap();
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// Replaces the database name (the URL path) of a connection URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    format!("{base}/{name}{query}")
}

async fn exercise(db: &DatabaseConnection) {
    keeps_every_service_record(db).await;
    turns_pairing_texts_into_commitments(db).await;
    Migrator::down(db, None).await.unwrap();
    Migrator::up(db, None).await.unwrap();
    assert_schema(db, true).await;
    round_trip(db).await;

    Migrator::down(db, None).await.unwrap();
    assert_schema(db, false).await;

    Migrator::up(db, None).await.unwrap();
    assert_schema(db, true).await;
    round_trip(db).await;
}

/// The migration to one record per day keeps every record and dates the undated ones by
/// the rule of the time: the day checked in (+08:00), else the activity's start date, else
/// the day the record was made.
async fn keeps_every_service_record(db: &DatabaseConnection) {
    // Every migration before `service_records_per_day`.
    Migrator::up(db, Some(25)).await.unwrap();
    let backend = db.get_database_backend();
    let t0: DateTimeUtc = "2022-03-05T17:30:00Z".parse().unwrap(); // 03-06 01:30 at +08:00
    let u = user::ActiveModel {
        phone: Set(Some("13900000000".to_owned())),
        display_name: Set("王五".to_owned()),
        roles: Set(Role::join(&[Role::Resident, Role::Volunteer])),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let vol = volunteer::ActiveModel {
        user_id: Set(u.id),
        real_name: Set("王五".to_owned()),
        skills: Set(strings(&[])),
        enrolled_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let p = |n: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let insert_activity = |start_date: Option<Date>| {
        sea_orm::Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO activities (title, status, content_items, start_date, registered_count, \
                 waitlist_count, created_at, updated_at) VALUES ({}, 'PUBLISHED', '[]', {}, 0, 0, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4)
            ),
            ["活动".into(), start_date.into(), t0.into(), t0.into()],
        )
    };
    db.execute_raw(insert_activity(Some(day(2022, 3, 1))))
        .await
        .unwrap();
    db.execute_raw(insert_activity(None)).await.unwrap();
    let activities: Vec<i32> = activity::Entity::find()
        .select_only()
        .column(activity::Column::Id)
        .order_by_asc(activity::Column::Id)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    let insert_record = |activity_id: i32,
                         volunteer_id: i32,
                         checked_in: Option<DateTimeUtc>,
                         date: Option<Date>| {
        sea_orm::Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO service_records (activity_id, volunteer_id, source, checked_in_at, minutes, \
                 status, service_date, created_at, updated_at) VALUES ({}, {}, 'RECORDED', {}, 60, 'APPROVED', {}, {}, {})",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5),
                p(6)
            ),
            [
                activity_id.into(),
                volunteer_id.into(),
                checked_in.into(),
                date.into(),
                t0.into(),
                t0.into(),
            ],
        )
    };
    // Checked in: the local day of the check-in; dated activity: its start date; neither:
    // the local day the record was made; already dated: kept.
    db.execute_raw(insert_record(activities[0], vol.id, Some(t0), None))
        .await
        .unwrap();
    db.execute_raw(insert_record(activities[1], vol.id, None, None))
        .await
        .unwrap();
    let u2 = user::ActiveModel {
        phone: Set(Some("13900000001".to_owned())),
        display_name: Set("赵六".to_owned()),
        roles: Set(Role::join(&[Role::Resident, Role::Volunteer])),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let vol2 = volunteer::ActiveModel {
        user_id: Set(u2.id),
        real_name: Set("赵六".to_owned()),
        skills: Set(strings(&[])),
        enrolled_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    db.execute_raw(insert_record(activities[0], vol2.id, None, None))
        .await
        .unwrap();
    db.execute_raw(insert_record(
        activities[1],
        vol2.id,
        None,
        Some(day(2022, 7, 1)),
    ))
    .await
    .unwrap();

    Migrator::up(db, None).await.unwrap();
    let mut dated: Vec<(i32, i32, Option<Date>)> = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::ActivityId)
        .column(service_record::Column::VolunteerId)
        .column(service_record::Column::ServiceDate)
        .into_tuple()
        .all(db)
        .await
        .unwrap();
    dated.sort();
    assert_eq!(
        dated,
        vec![
            (activities[0], vol.id, Some(day(2022, 3, 6))),
            (activities[0], vol2.id, Some(day(2022, 3, 1))),
            (activities[1], vol.id, Some(day(2022, 3, 6))),
            (activities[1], vol2.id, Some(day(2022, 7, 1))),
        ],
        "every record kept and dated"
    );
    // A second day of the same volunteer and activity is a record of its own now.
    db.execute_raw(insert_record(
        activities[0],
        vol.id,
        None,
        Some(day(2022, 3, 2)),
    ))
    .await
    .unwrap();
    assert!(matches!(
        violation(
            db.execute_raw(insert_record(
                activities[0],
                vol.id,
                None,
                Some(day(2022, 3, 2))
            ))
            .await
        ),
        SqlErr::UniqueConstraintViolation(_)
    ));
    // Start the rest of the test from an empty database.
    for table in ["service_records", "activities", "volunteers", "users"] {
        db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }
}

/// The commitments migration makes each text of a pairing's list a commitment of one
/// activity, in the list's order.
async fn turns_pairing_texts_into_commitments(db: &DatabaseConnection) {
    // Back to before `pairing_commitments`, the 37th.
    let after = Migrator::migrations().len() as u32 - 36;
    Migrator::down(db, Some(after)).await.unwrap();
    let t0: DateTimeUtc = "2022-03-05T17:30:00Z".parse().unwrap();
    let dept = department::ActiveModel {
        name: Set("机关党委".to_owned()),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let place = community::ActiveModel {
        name: Set("马厂社区".to_owned()),
        kind: Set(CommunityKind::Community),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut pairings = Vec::new();
    for texts in [&["开展志愿服务“十个一”行动", "每季度走访慰问"][..], &[][..]]
    {
        let p = pairing::ActiveModel {
            kind: Set(PairingKind::CoBuilding),
            department_id: Set(dept.id),
            community_id: Set(place.id),
            starts_on: Set(day(2022, 1, 1)),
            commitments: Set(strings(texts)),
            target_activity_count: Set(10),
            created_at: Set(t0),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        pairings.push(p.id);
    }
    Migrator::up(db, None).await.unwrap();
    let rows: Vec<(i32, i32, String, i32, String)> = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT pairing_id, position, name, target, unit FROM pairing_commitments ORDER BY pairing_id, position",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            (
                row.try_get("", "pairing_id").unwrap(),
                row.try_get("", "position").unwrap(),
                row.try_get("", "name").unwrap(),
                row.try_get("", "target").unwrap(),
                row.try_get("", "unit").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                pairings[0],
                0,
                "开展志愿服务“十个一”行动".to_owned(),
                1,
                "ACTIVITIES".to_owned()
            ),
            (
                pairings[0],
                1,
                "每季度走访慰问".to_owned(),
                1,
                "ACTIVITIES".to_owned()
            ),
        ]
    );
    for table in [
        "pairing_commitments",
        "pairings",
        "communities",
        "departments",
    ] {
        db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }
}

async fn assert_schema(db: &DatabaseConnection, present: bool) {
    let manager = SchemaManager::new(db);
    for table in TABLES {
        assert_eq!(
            manager.has_table(table).await.unwrap(),
            present,
            "table {table}"
        );
    }
    if present {
        for (table, index) in INDEXES {
            assert!(
                manager.has_index(table, index).await.unwrap(),
                "index {index} on {table}"
            );
        }
    }
}

fn ts(s: &str) -> DateTimeUtc {
    s.parse().unwrap()
}

fn day(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).unwrap()
}

fn strings(items: &[&str]) -> entity::TextList {
    entity::TextList(items.iter().map(|item| (*item).to_owned()).collect())
}

fn violation(result: Result<impl std::fmt::Debug, DbErr>) -> SqlErr {
    let err = result.expect_err("expected a constraint violation");
    err.sql_err()
        .unwrap_or_else(|| panic!("not a constraint violation: {err:?}"))
}

/// Inserts a row into every table through the entities and reads it back.
async fn round_trip(db: &DatabaseConnection) {
    let t0 = ts("2026-03-01T08:00:00Z");
    let t1 = ts("2026-03-01T10:30:00Z");

    let s = setting::ActiveModel {
        key: Set("jwt_secret".to_owned()),
        value: Set("c2VjcmV0".to_owned()),
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        setting::Entity::find_by_id("jwt_secret")
            .one(db)
            .await
            .unwrap(),
        Some(s)
    );

    // created_at left to the database default.
    let dept = department::ActiveModel {
        name: Set("Civilisation Office".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        department::Entity::find_by_id(dept.id)
            .one(db)
            .await
            .unwrap(),
        Some(dept.clone())
    );
    let dup = department::ActiveModel {
        name: Set("Civilisation Office".to_owned()),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await;
    assert!(matches!(
        violation(dup),
        SqlErr::UniqueConstraintViolation(_)
    ));

    let roles = [Role::Resident, Role::Volunteer];
    let u = user::ActiveModel {
        phone: Set(Some("13800000000".to_owned())),
        password_hash: Set(Some("$argon2id$v=19$...".to_owned())),
        display_name: Set("Li Lei".to_owned()),
        wechat_openid: Set(None),
        roles: Set(Role::join(&roles)),
        department_id: Set(Some(dept.id)),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let u_read = user::Entity::find_by_id(u.id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u_read, u);
    assert_eq!(Role::parse_list(&u_read.roles), roles);
    assert_eq!(
        u_read
            .find_related(department::Entity)
            .one(db)
            .await
            .unwrap(),
        Some(dept.clone())
    );

    let vol = volunteer::ActiveModel {
        user_id: Set(u.id),
        real_name: Set("李雷".to_owned()),
        skills: Set(strings(&["first aid", "photography"])),
        enrolled_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        volunteer::Entity::find_by_id(vol.id).one(db).await.unwrap(),
        Some(vol.clone())
    );
    assert_eq!(
        u.find_related(volunteer::Entity).one(db).await.unwrap(),
        Some(vol.clone())
    );

    let p = plan::ActiveModel {
        title: Set("2026 plan".to_owned()),
        year: Set(2026),
        issuer: Set(Some("County committee".to_owned())),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        plan::Entity::find_by_id(p.id).one(db).await.unwrap(),
        Some(p.clone())
    );

    let cat = category::ActiveModel {
        plan_id: Set(p.id),
        name: Set("Theory".to_owned()),
        description: Set(Some("Lectures".to_owned())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        category::Entity::find_by_id(cat.id).one(db).await.unwrap(),
        Some(cat.clone())
    );

    let com = community::ActiveModel {
        name: Set("East Village".to_owned()),
        district: Set(None),
        kind: Set(CommunityKind::Village),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        community::Entity::find_by_id(com.id).one(db).await.unwrap(),
        Some(com.clone())
    );

    let pair = pairing::ActiveModel {
        kind: Set(PairingKind::CoBuilding),
        department_id: Set(dept.id),
        community_id: Set(com.id),
        starts_on: Set(day(2026, 1, 1)),
        ends_on: Set(Some(day(2026, 12, 31))),
        commitments: Set(strings(&["monthly visit"])),
        target_activity_count: Set(12),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        pairing::Entity::find_by_id(pair.id).one(db).await.unwrap(),
        Some(pair.clone())
    );

    // registered_count / waitlist_count left to their database default (0).
    let act = activity::ActiveModel {
        plan_id: Set(Some(p.id)),
        seq_no: Set(Some(1)),
        title: Set("Spring lecture".to_owned()),
        category_id: Set(Some(cat.id)),
        time_label: Set(Some("March".to_owned())),
        starts_at: Set(Some(t0)),
        ends_at: Set(Some(t1)),
        start_date: Set(Some(day(2026, 3, 1))),
        status: Set(ActivityStatus::Published),
        content_items: Set(strings(&["lecture", "Q&A"])),
        primary_department_id: Set(Some(dept.id)),
        capacity: Set(Some(30)),
        registration_opens_at: Set(Some(t0)),
        registration_closes_at: Set(Some(t1)),
        service_minutes: Set(Some(150)),
        pairing_id: Set(Some(pair.id)),
        published_at: Set(Some(t0)),
        cancel_reason: Set(None),
        created_at: Set(t0),
        updated_at: Set(t1),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!((act.registered_count, act.waitlist_count), (0, 0));
    assert_eq!(
        activity::Entity::find_by_id(act.id).one(db).await.unwrap(),
        Some(act.clone())
    );

    let loc = activity_location::ActiveModel {
        activity_id: Set(act.id),
        position: Set(0),
        name: Set("Village hall".to_owned()),
        address: Set(Some("1 Main St".to_owned())),
        online: Set(false),
        tbd: Set(false),
        community_id: Set(Some(com.id)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        activity_location::Entity::find_by_id(loc.id)
            .one(db)
            .await
            .unwrap(),
        Some(loc.clone())
    );

    let link = activity_department::ActiveModel {
        activity_id: Set(act.id),
        department_id: Set(dept.id),
        position: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        activity_department::Entity::find_by_id((act.id, dept.id))
            .one(db)
            .await
            .unwrap(),
        Some(link)
    );
    assert_eq!(
        act.find_related(department::Entity).all(db).await.unwrap(),
        vec![dept.clone()]
    );

    // --- registrations and the partial unique index ---
    let reg = registration::ActiveModel {
        activity_id: Set(act.id),
        volunteer_id: Set(vol.id),
        status: Set(RegistrationStatus::Registered),
        created_at: Set(t0),
        updated_at: Set(t0),
        ..Default::default()
    };
    let first = reg.clone().insert(db).await.unwrap();
    assert_eq!(
        registration::Entity::find_by_id(first.id)
            .one(db)
            .await
            .unwrap(),
        Some(first.clone())
    );
    // A second live registration (registered or waitlisted) is refused...
    for status in [
        RegistrationStatus::Registered,
        RegistrationStatus::Waitlisted,
    ] {
        let mut again = reg.clone();
        again.status = Set(status);
        assert!(matches!(
            violation(again.insert(db).await),
            SqlErr::UniqueConstraintViolation(_)
        ));
    }
    // ...but cancelled ones do not count: one can be added next to the live one,
    let mut cancelled = reg.clone();
    cancelled.status = Set(RegistrationStatus::Cancelled);
    cancelled.clone().insert(db).await.unwrap();
    // and once the live one is cancelled a new one is accepted.
    let mut first_am: registration::ActiveModel = first.into();
    first_am.status = Set(RegistrationStatus::Cancelled);
    first_am.update(db).await.unwrap();
    let renewed = reg.clone().insert(db).await.unwrap();
    assert_eq!(renewed.status, RegistrationStatus::Registered);
    assert_eq!(
        registration::Entity::find()
            .filter(registration::Column::ActivityId.eq(act.id))
            .filter(registration::Column::Status.eq(RegistrationStatus::Cancelled))
            .count(db)
            .await
            .unwrap(),
        2
    );
    // Foreign keys are enforced (SQLite included).
    let mut orphan = reg.clone();
    orphan.volunteer_id = Set(vol.id + 1000);
    assert!(matches!(
        violation(orphan.insert(db).await),
        SqlErr::ForeignKeyConstraintViolation(_)
    ));

    let rec = service_record::ActiveModel {
        activity_id: Set(act.id),
        volunteer_id: Set(vol.id),
        source: Set(ServiceRecordSource::CheckIn),
        checked_in_at: Set(Some(t0)),
        checked_out_at: Set(Some(t1)),
        minutes: Set(150),
        status: Set(ServiceRecordStatus::Approved),
        service_date: Set(Some(day(2026, 3, 1))),
        review_note: Set(Some("ok".to_owned())),
        reviewed_by: Set(Some(u.id)),
        reviewed_at: Set(Some(t1)),
        created_at: Set(t0),
        updated_at: Set(t1),
        ..Default::default()
    };
    let rec_row = rec.clone().insert(db).await.unwrap();
    assert_eq!(
        service_record::Entity::find_by_id(rec_row.id)
            .one(db)
            .await
            .unwrap(),
        Some(rec_row)
    );
    assert!(matches!(
        violation(rec.insert(db).await),
        SqlErr::UniqueConstraintViolation(_)
    ));

    let sv = survey::ActiveModel {
        title: Set("Satisfaction".to_owned()),
        description: Set(None),
        status: Set(SurveyStatus::Open),
        anonymous: Set(true),
        activity_id: Set(Some(act.id)),
        department_id: Set(Some(dept.id)),
        opens_at: Set(Some(t0)),
        closes_at: Set(None),
        created_by: Set(Some(u.id)),
        created_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        survey::Entity::find_by_id(sv.id).one(db).await.unwrap(),
        Some(sv.clone())
    );

    let q = question::ActiveModel {
        survey_id: Set(sv.id),
        position: Set(0),
        kind: Set(QuestionKind::MultipleChoice),
        prompt: Set("What did you like?".to_owned()),
        required: Set(true),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        question::Entity::find_by_id(q.id).one(db).await.unwrap(),
        Some(q.clone())
    );

    let opt = question_option::ActiveModel {
        question_id: Set(q.id),
        position: Set(0),
        label: Set("Speaker".to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        question_option::Entity::find_by_id(opt.id)
            .one(db)
            .await
            .unwrap(),
        Some(opt.clone())
    );

    let resp = survey_response::ActiveModel {
        survey_id: Set(sv.id),
        respondent_id: Set(None),
        respondent_key: Set(Some("k".repeat(64))),
        idempotency_key: Set(Some("i".repeat(64))),
        channel: Set(FeedbackChannel::MiniProgram),
        satisfaction: Set(Some(SatisfactionLevel::Dissatisfied)),
        department_id: Set(Some(dept.id)),
        entered_by: Set(None),
        submitted_at: Set(t1),
        submitted_on: Set(day(2026, 3, 1)),
        ..Default::default()
    };
    let resp_row = resp.clone().insert(db).await.unwrap();
    assert_eq!(
        survey_response::Entity::find_by_id(resp_row.id)
            .one(db)
            .await
            .unwrap(),
        Some(resp_row.clone())
    );
    // Same respondent key on the same survey is refused; NULL keys are distinct.
    let mut dup_resp = resp.clone();
    dup_resp.idempotency_key = Set(None);
    assert!(matches!(
        violation(dup_resp.insert(db).await),
        SqlErr::UniqueConstraintViolation(_)
    ));
    for _ in 0..2 {
        let mut hotline = resp.clone();
        hotline.respondent_key = Set(None);
        hotline.idempotency_key = Set(None);
        hotline.channel = Set(FeedbackChannel::Hotline);
        hotline.entered_by = Set(Some(u.id));
        hotline.insert(db).await.unwrap();
    }

    let ans = answer::ActiveModel {
        response_id: Set(resp_row.id),
        question_id: Set(q.id),
        level: Set(None),
        option_id: Set(Some(opt.id)),
        rating: Set(Some(4)),
        text: Set(Some("nice".to_owned())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        answer::Entity::find_by_id(ans.id).one(db).await.unwrap(),
        Some(ans)
    );

    let rect = rectification::ActiveModel {
        response_id: Set(resp_row.id),
        survey_id: Set(sv.id),
        activity_id: Set(Some(act.id)),
        department_id: Set(Some(dept.id)),
        level: Set(SatisfactionLevel::Dissatisfied),
        complaint: Set(Some("too short".to_owned())),
        status: Set(RectificationStatus::InProgress),
        due_at: Set(t1),
        resolution: Set(None),
        resolved_at: Set(None),
        created_at: Set(t0),
        updated_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        rectification::Entity::find_by_id(rect.id)
            .one(db)
            .await
            .unwrap(),
        Some(rect.clone())
    );
    assert_eq!(
        resp_row
            .find_related(rectification::Entity)
            .one(db)
            .await
            .unwrap(),
        Some(rect)
    );

    let sess = refresh_session::ActiveModel {
        id: Set("0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".to_owned()),
        user_id: Set(u.id),
        token_hash: Set("h".repeat(64)),
        expires_at: Set(t1),
        revoked_at: Set(None),
        created_at: Set(t0),
        last_used_at: Set(Some(t0)),
        previous_token_hash: Set(Some("p".repeat(64))),
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        refresh_session::Entity::find_by_id(sess.id.clone())
            .one(db)
            .await
            .unwrap(),
        Some(sess)
    );

    let audit = audit_entry::ActiveModel {
        actor_id: Set(Some(u.id)),
        action: Set("activity.publish".to_owned()),
        target_type: Set("activity".to_owned()),
        target_id: Set(Some(act.id.to_string())),
        detail: Set(Some(
            r#"{"title":"Spring lecture","seats":30}"#.parse().unwrap(),
        )),
        at: Set(t1),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    assert_eq!(
        audit_entry::Entity::find_by_id(audit.id)
            .one(db)
            .await
            .unwrap(),
        Some(audit)
    );

    // Deleting an activity cascades to its locations and department links only.
    let draft = activity::ActiveModel {
        title: Set("Draft".to_owned()),
        status: Set(ActivityStatus::Draft),
        content_items: Set(strings(&[])),
        created_at: Set(t0),
        updated_at: Set(t0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    activity_location::ActiveModel {
        activity_id: Set(draft.id),
        position: Set(0),
        name: Set("Online".to_owned()),
        online: Set(true),
        tbd: Set(false),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    activity_department::ActiveModel {
        activity_id: Set(draft.id),
        department_id: Set(dept.id),
        position: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
    activity::Entity::delete_by_id(draft.id)
        .exec(db)
        .await
        .unwrap();
    assert_eq!(
        activity_location::Entity::find().count(db).await.unwrap(),
        1
    );
    assert_eq!(
        activity_department::Entity::find().count(db).await.unwrap(),
        1
    );
    // ...while an activity with registrations cannot be deleted.
    assert!(matches!(
        violation(activity::Entity::delete_by_id(act.id).exec(db).await),
        SqlErr::ForeignKeyConstraintViolation(_)
    ));
}
