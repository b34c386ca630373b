use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Approved service minutes kept up to date by the writes that change them, so the
/// dashboards' figures over the whole plan read a few thousand rows instead of every
/// approved record (the app's `domain::hours::rollups`). Filled from the records already
/// there by this migration's own SQL, as the tables were when it was written.
#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: [&str; 3] = [
    "rollup_department_months",
    "rollup_department_volunteers",
    "rollup_volunteers",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sql in [
            "CREATE TABLE rollup_department_months (\
               department_id INTEGER NOT NULL, \
               month VARCHAR(7) NOT NULL, \
               minutes BIGINT NOT NULL, \
               records BIGINT NOT NULL, \
               CONSTRAINT pk_rollup_department_months PRIMARY KEY (department_id, month))",
            "CREATE TABLE rollup_department_volunteers (\
               department_id INTEGER NOT NULL, \
               volunteer_id INTEGER NOT NULL, \
               minutes BIGINT NOT NULL, \
               records BIGINT NOT NULL, \
               CONSTRAINT pk_rollup_department_volunteers PRIMARY KEY (department_id, volunteer_id))",
            "CREATE INDEX ix_rollup_department_volunteers_top ON rollup_department_volunteers \
               (department_id, minutes DESC, volunteer_id)",
            "CREATE TABLE rollup_volunteers (\
               volunteer_id INTEGER NOT NULL, \
               minutes BIGINT NOT NULL, \
               records BIGINT NOT NULL, \
               CONSTRAINT pk_rollup_volunteers PRIMARY KEY (volunteer_id))",
            "CREATE INDEX ix_rollup_volunteers_top ON rollup_volunteers (minutes DESC, volunteer_id)",
        ] {
            db.execute_unprepared(sql).await?;
        }
        let month = match db.get_database_backend() {
            DbBackend::Postgres => "COALESCE(to_char(s.service_date, 'YYYY-MM'), '')",
            _ => "COALESCE(substr(s.service_date, 1, 7), '')",
        };
        let department = "COALESCE(a.primary_department_id, 0)";
        for sql in [
            format!(
                "INSERT INTO rollup_department_months (department_id, month, minutes, records) \
                 SELECT {department}, {month}, SUM(s.minutes), COUNT(*) \
                 FROM service_records s JOIN activities a ON a.id = s.activity_id \
                 WHERE s.status = 'APPROVED' GROUP BY {department}, {month}"
            ),
            format!(
                "INSERT INTO rollup_department_volunteers (department_id, volunteer_id, minutes, records) \
                 SELECT {department}, s.volunteer_id, SUM(s.minutes), COUNT(*) \
                 FROM service_records s JOIN activities a ON a.id = s.activity_id \
                 WHERE s.status = 'APPROVED' GROUP BY {department}, s.volunteer_id"
            ),
            "INSERT INTO rollup_volunteers (volunteer_id, minutes, records) \
             SELECT s.volunteer_id, SUM(s.minutes), COUNT(*) FROM service_records s \
             WHERE s.status = 'APPROVED' GROUP BY s.volunteer_id"
                .to_owned(),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for table in TABLES {
            db.execute_unprepared(&format!("DROP TABLE {table}"))
                .await?;
        }
        Ok(())
    }
}
