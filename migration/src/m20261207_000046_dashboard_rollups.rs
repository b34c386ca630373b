//! Rollups that make the dashboards' headline figures cost the same whatever the size of
//! the data (issue 23, target 6):
//!
//! - `rollup_response_months`: satisfaction answers per (department, month, channel, level),
//!   so response figures over the whole plan or over whole months read a few hundred rows
//!   instead of every response, each key split over 16 rows by the response's id
//!   (`SHARDS`). Department 0 stands for responses without a department,
//!   satisfaction '' for responses without a level; voided responses count nowhere.
//! - `rollup_counts`: how many rows some tables hold, per department: `volunteers` at
//!   department -1 (every enrolled volunteer), `active_volunteers` at -1 (volunteers with
//!   approved hours, the rows of `rollup_volunteers`) and per department (the rows of
//!   `rollup_department_volunteers`, 0 for activities without one). A count of rows that
//!   grows with the data becomes one row read.
//!
//! - `rollup_department_months.volunteers`: who served in the department's month, as a
//!   serialized roaring bitmap of volunteer ids that the approving write keeps with the
//!   minutes (`api::domain::hours::rollups`). Distinct volunteers over whole months are then
//!   the size of a union of sets, not a count over every record of the range. NULL where it
//!   is not known (rows written before this migration, or a month that lost a record): the
//!   dashboards count those months from the records, and `rollups::rebuild` fills them.
//!
//! - `ix_rectifications_open`: the open rectifications (the overview's current workload),
//!   so that counting them reads the open ones, not every rectification ever opened.
//!
//! Unlike the hours rollups, which the approving writes keep in the app, these are kept by
//! triggers: a response is written by the resident's submission (the hottest write of the
//! survey path, which gets no extra round trip), by an organizer's hotline entry, by an
//! upheld appeal that voids it, and by bulk loads; volunteers and hours rows by several
//! paths too. A trigger keeps the counts right on each of them, in the writing transaction,
//! on every instance. On PostgreSQL the triggers are per statement over transition tables:
//! a bulk load moves each rollup row once per statement, not once per row (updating one
//! row many times in one transaction leaves a chain of versions that every later update
//! walks). SQLite's triggers are per row, which costs it nothing of the kind.
//!
//! Filled from the rows already there, as the tables were when it was written.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE: [&str; 3] = [
    // The overview's current workload reads the open rectifications only: a partial index
    // keeps that a read of the open ones, not of every rectification ever opened.
    "CREATE INDEX ix_rectifications_open ON rectifications (department_id, due_at) \
     WHERE status NOT IN ('RESOLVED', 'CLOSED', 'NOT_SUBSTANTIATED', 'VOIDED')",
    "CREATE TABLE rollup_response_months (\
       department_id INTEGER NOT NULL, \
       month VARCHAR(7) NOT NULL, \
       channel VARCHAR(24) NOT NULL, \
       satisfaction VARCHAR(24) NOT NULL, \
       shard SMALLINT NOT NULL, \
       responses BIGINT NOT NULL, \
       CONSTRAINT pk_rollup_response_months PRIMARY KEY (department_id, month, channel, satisfaction, shard))",
    "CREATE TABLE rollup_counts (\
       subject VARCHAR(32) NOT NULL, \
       department_id INTEGER NOT NULL, \
       n BIGINT NOT NULL, \
       CONSTRAINT pk_rollup_counts PRIMARY KEY (subject, department_id))",
];

/// Each key's count is split over this many rows by the response's id. Residents answering
/// at the same time mostly share one key (this month, the mini program, very satisfied);
/// on one row each answer's transaction would hold the row from its insert to its commit
/// and the answers would queue there (the benchmark's survey submissions fell by half).
/// The figures add the shards up.
const SHARDS: i32 = 16;

/// The rollup key of a response (`row` is a row alias: NEW, OLD or a transition table's).
fn response_key(backend: DbBackend, row: &str) -> [String; 5] {
    let month = match backend {
        DbBackend::Postgres => format!("to_char({row}.answered_on, 'YYYY-MM')"),
        _ => format!("substr({row}.answered_on, 1, 7)"),
    };
    [
        format!("COALESCE({row}.department_id, 0)"),
        format!("COALESCE({month}, '')"),
        format!("{row}.channel"),
        format!("COALESCE({row}.satisfaction, '')"),
        format!("{row}.id % {SHARDS}"),
    ]
}

/// Adds the non-voided responses of `source` (a table or transition table, alias `r`),
/// `sign` 1 or -1 times, to their rollup rows.
fn add_responses(backend: DbBackend, source: &str, sign: i32) -> String {
    let [department, month, channel, satisfaction, shard] = response_key(backend, "r");
    format!(
        "INSERT INTO rollup_response_months (department_id, month, channel, satisfaction, shard, responses) \
         SELECT {department}, {month}, {channel}, {satisfaction}, {shard}, {sign} * COUNT(*) \
         FROM {source} r WHERE NOT r.voided \
         GROUP BY {department}, {month}, {channel}, {satisfaction}, {shard} \
         ON CONFLICT (department_id, month, channel, satisfaction, shard) \
         DO UPDATE SET responses = rollup_response_months.responses + excluded.responses"
    )
}

/// Adds the rows of `source` (alias `r`), `sign` 1 or -1 times, to the count `subject`, per
/// `department` (an expression over `r`).
fn add_count(source: &str, subject: &str, department: &str, sign: i32) -> String {
    // A constant department is no grouping (a number in GROUP BY names a column). The
    // WHERE keeps SQLite from reading ON CONFLICT as a join's ON.
    let group = if department.starts_with("r.") {
        format!(" GROUP BY {department}")
    } else {
        String::new()
    };
    format!(
        "INSERT INTO rollup_counts (subject, department_id, n) \
         SELECT '{subject}', {department}, {sign} * COUNT(*) FROM {source} r WHERE 1 = 1{group} \
         ON CONFLICT (subject, department_id) DO UPDATE SET n = rollup_counts.n + excluded.n"
    )
}

/// The counted tables: (table, subject, department of a row).
const COUNTED: [(&str, &str, &str); 3] = [
    ("volunteers", "volunteers", "-1"),
    ("rollup_volunteers", "active_volunteers", "-1"),
    (
        "rollup_department_volunteers",
        "active_volunteers",
        "r.department_id",
    ),
];

fn postgres_triggers() -> Vec<String> {
    let backend = DbBackend::Postgres;
    let mut statements = vec![
        format!(
            "CREATE FUNCTION rollup_responses_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP IN ('UPDATE', 'DELETE') THEN {}; END IF; \
               IF TG_OP IN ('INSERT', 'UPDATE') THEN {}; END IF; \
               RETURN NULL; \
             END $$",
            add_responses(backend, "old_rows", -1),
            add_responses(backend, "new_rows", 1)
        ),
        "CREATE TRIGGER tr_rollup_responses_insert AFTER INSERT ON survey_responses \
         REFERENCING NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION rollup_responses_changed()"
            .to_owned(),
        "CREATE TRIGGER tr_rollup_responses_update AFTER UPDATE ON survey_responses \
         REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION rollup_responses_changed()"
            .to_owned(),
        "CREATE TRIGGER tr_rollup_responses_delete AFTER DELETE ON survey_responses \
         REFERENCING OLD TABLE AS old_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION rollup_responses_changed()"
            .to_owned(),
    ];
    for (table, subject, department) in COUNTED {
        statements.push(format!(
            "CREATE FUNCTION rollup_count_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               IF TG_OP = 'INSERT' THEN {}; ELSE {}; END IF; \
               RETURN NULL; \
             END $$",
            add_count("new_rows", subject, department, 1),
            add_count("old_rows", subject, department, -1),
        ));
        statements.push(format!(
            "CREATE TRIGGER tr_rollup_count_{table}_insert AFTER INSERT ON {table} \
             REFERENCING NEW TABLE AS new_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION rollup_count_{table}()"
        ));
        statements.push(format!(
            "CREATE TRIGGER tr_rollup_count_{table}_delete AFTER DELETE ON {table} \
             REFERENCING OLD TABLE AS old_rows \
             FOR EACH STATEMENT EXECUTE FUNCTION rollup_count_{table}()"
        ));
    }
    statements
}

/// The columns whose change moves a response from one rollup row to another (SQLite's
/// triggers can name them; PostgreSQL's over transition tables cannot).
const KEY_COLUMNS: &str = "voided, department_id, answered_on, channel, satisfaction";

/// SQLite: the same per row. `add_responses`/`add_count` over a one-row `SELECT NEW.…`
/// would need a FROM; the row's own values are written directly instead.
fn sqlite_triggers() -> Vec<String> {
    let backend = DbBackend::Sqlite;
    let responses = |row: &str, sign: i32| {
        let [department, month, channel, satisfaction, shard] = response_key(backend, row);
        format!(
            "INSERT INTO rollup_response_months (department_id, month, channel, satisfaction, shard, responses) \
             VALUES ({department}, {month}, {channel}, {satisfaction}, {shard}, {sign}) \
             ON CONFLICT (department_id, month, channel, satisfaction, shard) \
             DO UPDATE SET responses = responses + excluded.responses"
        )
    };
    let mut statements = vec![
        format!(
            "CREATE TRIGGER tr_rollup_responses_insert AFTER INSERT ON survey_responses \
             WHEN NOT NEW.voided BEGIN {}; END",
            responses("NEW", 1)
        ),
        format!(
            "CREATE TRIGGER tr_rollup_responses_update_old AFTER UPDATE OF {KEY_COLUMNS} ON survey_responses \
             WHEN NOT OLD.voided BEGIN {}; END",
            responses("OLD", -1)
        ),
        format!(
            "CREATE TRIGGER tr_rollup_responses_update_new AFTER UPDATE OF {KEY_COLUMNS} ON survey_responses \
             WHEN NOT NEW.voided BEGIN {}; END",
            responses("NEW", 1)
        ),
        format!(
            "CREATE TRIGGER tr_rollup_responses_delete AFTER DELETE ON survey_responses \
             WHEN NOT OLD.voided BEGIN {}; END",
            responses("OLD", -1)
        ),
    ];
    for (table, subject, department) in COUNTED {
        for (event, row, sign) in [("insert", "NEW", 1), ("delete", "OLD", -1)] {
            let department = department.replace("r.", &format!("{row}."));
            statements.push(format!(
                "CREATE TRIGGER tr_rollup_count_{table}_{event} AFTER {event} ON {table} BEGIN \
                 INSERT INTO rollup_counts (subject, department_id, n) \
                 VALUES ('{subject}', {department}, {sign}) \
                 ON CONFLICT (subject, department_id) DO UPDATE SET n = n + excluded.n; END"
            ));
        }
    }
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        for sql in CREATE {
            db.execute_unprepared(sql).await?;
        }
        let bytes = match backend {
            DbBackend::Postgres => "BYTEA",
            _ => "BLOB",
        };
        db.execute_unprepared(&format!(
            "ALTER TABLE rollup_department_months ADD COLUMN volunteers {bytes}"
        ))
        .await?;
        db.execute_unprepared(&add_responses(backend, "survey_responses", 1))
            .await?;
        for (table, subject, department) in COUNTED {
            db.execute_unprepared(&add_count(table, subject, department, 1))
                .await?;
        }
        let triggers = match backend {
            DbBackend::Postgres => postgres_triggers(),
            _ => sqlite_triggers(),
        };
        for sql in triggers {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let mut statements = Vec::new();
        match backend {
            DbBackend::Postgres => {
                for event in ["insert", "update", "delete"] {
                    statements.push(format!(
                        "DROP TRIGGER tr_rollup_responses_{event} ON survey_responses"
                    ));
                }
                statements.push("DROP FUNCTION rollup_responses_changed()".to_owned());
                for (table, _, _) in COUNTED {
                    for event in ["insert", "delete"] {
                        statements.push(format!(
                            "DROP TRIGGER tr_rollup_count_{table}_{event} ON {table}"
                        ));
                    }
                    statements.push(format!("DROP FUNCTION rollup_count_{table}()"));
                }
            }
            _ => {
                for event in ["insert", "update_old", "update_new", "delete"] {
                    statements.push(format!("DROP TRIGGER tr_rollup_responses_{event}"));
                }
                for (table, _, _) in COUNTED {
                    for event in ["insert", "delete"] {
                        statements.push(format!("DROP TRIGGER tr_rollup_count_{table}_{event}"));
                    }
                }
            }
        }
        statements.push("ALTER TABLE rollup_department_months DROP COLUMN volunteers".to_owned());
        statements.push("DROP INDEX ix_rectifications_open".to_owned());
        statements.push("DROP TABLE rollup_counts".to_owned());
        statements.push("DROP TABLE rollup_response_months".to_owned());
        for sql in statements {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
