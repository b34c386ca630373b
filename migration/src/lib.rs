//! Database migrations of Tongxin, one per table in dependency order.
//! They run on both SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20260101_000001_create_settings;
mod m20260101_000002_create_departments;
mod m20260101_000003_create_users;
mod m20260101_000004_create_volunteers;
mod m20260101_000005_create_plans;
mod m20260101_000006_create_categories;
mod m20260101_000007_create_communities;
mod m20260101_000008_create_pairings;
mod m20260101_000009_create_activities;
mod m20260101_000010_create_activity_locations;
mod m20260101_000011_create_activity_departments;
mod m20260101_000012_create_registrations;
mod m20260101_000013_create_service_records;
mod m20260101_000014_create_surveys;
mod m20260101_000015_create_questions;
mod m20260101_000016_create_question_options;
mod m20260101_000017_create_survey_responses;
mod m20260101_000018_create_answers;
mod m20260101_000019_create_rectifications;
mod m20260101_000020_create_refresh_sessions;
mod m20260101_000021_create_audit_entries;
mod m20260102_000022_index_public_feed;
mod m20260103_000023_create_hours_rollups;
mod m20261202_000024_refresh_previous_hash;
mod m20261203_000025_create_calendar_days;
mod m20261203_000026_service_records_per_day;
mod m20261203_000027_record_corrections;
mod m20261203_000028_trainings_commendations;
mod m20261203_000029_rectification_working_days;
mod m20261203_000030_rectification_verification;
mod m20261203_000031_rectification_follow_ups;
mod m20261203_000032_feedback_appeals;
mod m20261203_000033_feedback_indicators_entered;
mod m20261203_000034_check_out_clamp;
mod m20261203_000035_activity_summaries;
mod m20261206_000036_activity_photos;
mod m20261206_000037_pairing_commitments;
mod m20261206_000038_care_recipients;
mod m20261206_000039_pairing_reports_party_members;
mod m20261206_000040_service_proofs;
mod m20261206_000041_calendar_feeds;
mod m20261206_000043_notifications_and_jobs;
mod m20261206_000044_wechat_deliveries;
mod m20261207_000045_care_service_hours;
mod m20261207_000046_dashboard_rollups;
mod m20261207_000047_service_records_minutes_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20260101_000001_create_settings::Migration),
            Box::new(m20260101_000002_create_departments::Migration),
            Box::new(m20260101_000003_create_users::Migration),
            Box::new(m20260101_000004_create_volunteers::Migration),
            Box::new(m20260101_000005_create_plans::Migration),
            Box::new(m20260101_000006_create_categories::Migration),
            Box::new(m20260101_000007_create_communities::Migration),
            Box::new(m20260101_000008_create_pairings::Migration),
            Box::new(m20260101_000009_create_activities::Migration),
            Box::new(m20260101_000010_create_activity_locations::Migration),
            Box::new(m20260101_000011_create_activity_departments::Migration),
            Box::new(m20260101_000012_create_registrations::Migration),
            Box::new(m20260101_000013_create_service_records::Migration),
            Box::new(m20260101_000014_create_surveys::Migration),
            Box::new(m20260101_000015_create_questions::Migration),
            Box::new(m20260101_000016_create_question_options::Migration),
            Box::new(m20260101_000017_create_survey_responses::Migration),
            Box::new(m20260101_000018_create_answers::Migration),
            Box::new(m20260101_000019_create_rectifications::Migration),
            Box::new(m20260101_000020_create_refresh_sessions::Migration),
            Box::new(m20260101_000021_create_audit_entries::Migration),
            Box::new(m20260102_000022_index_public_feed::Migration),
            Box::new(m20260103_000023_create_hours_rollups::Migration),
            Box::new(m20261202_000024_refresh_previous_hash::Migration),
            Box::new(m20261203_000025_create_calendar_days::Migration),
            Box::new(m20261203_000026_service_records_per_day::Migration),
            Box::new(m20261203_000027_record_corrections::Migration),
            Box::new(m20261203_000028_trainings_commendations::Migration),
            Box::new(m20261203_000029_rectification_working_days::Migration),
            Box::new(m20261203_000030_rectification_verification::Migration),
            Box::new(m20261203_000031_rectification_follow_ups::Migration),
            Box::new(m20261203_000032_feedback_appeals::Migration),
            Box::new(m20261203_000033_feedback_indicators_entered::Migration),
            Box::new(m20261203_000034_check_out_clamp::Migration),
            Box::new(m20261203_000035_activity_summaries::Migration),
            Box::new(m20261206_000036_activity_photos::Migration),
            Box::new(m20261206_000037_pairing_commitments::Migration),
            Box::new(m20261206_000038_care_recipients::Migration),
            Box::new(m20261206_000039_pairing_reports_party_members::Migration),
            Box::new(m20261206_000040_service_proofs::Migration),
            Box::new(m20261206_000041_calendar_feeds::Migration),
            Box::new(m20261206_000043_notifications_and_jobs::Migration),
            Box::new(m20261206_000044_wechat_deliveries::Migration),
            Box::new(m20261207_000045_care_service_hours::Migration),
            Box::new(m20261207_000046_dashboard_rollups::Migration),
            Box::new(m20261207_000047_service_records_minutes_index::Migration),
        ]
    }
}
