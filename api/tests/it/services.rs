//! CI sets TONGXIN_REQUIRE_SERVICES: then PostgreSQL and Redis must really be under test,
//! so that a missing variable cannot turn the suite into a SQLite-only run unnoticed.

use redis::AsyncCommands;
use sea_orm::{ConnectionTrait, Database};

use crate::helpers::{postgres_url, redis_url};

#[tokio::test]
async fn postgres_and_redis_are_under_test() {
    let required = std::env::var("TONGXIN_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let (Some(pg), Some(redis_url)) = (postgres_url(), redis_url()) else {
        assert!(
            !required,
            "TEST_DATABASE_URL and TEST_REDIS_URL must be set in CI"
        );
        return;
    };
    let db = Database::connect(&pg).await.expect("PostgreSQL reachable");
    db.execute_unprepared("SELECT 1")
        .await
        .expect("PostgreSQL answers");
    let client = redis::Client::open(redis_url).expect("Redis URL");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("Redis reachable");
    let _: () = conn
        .set("tongxin:ci-probe", 1)
        .await
        .expect("Redis answers");
}

/// Two instances starting together on an empty database: both start, and every migration
/// is applied once (on PostgreSQL the second waits for the first's advisory lock).
#[tokio::test]
async fn two_instances_migrating_at_once_both_start_and_apply_each_migration_once() {
    use migration::MigratorTrait;
    for backend in crate::helpers::Backend::all() {
        let (url, _scratch) = crate::helpers::scratch_database(backend).await;
        let first = Database::connect(&url).await.expect("connects");
        let second = Database::connect(&url).await.expect("connects");
        let (a, b) = tokio::join!(api::db::migrate(&first), api::db::migrate(&second));
        assert!(a.is_ok(), "{backend:?}: {a:?}");
        assert!(b.is_ok(), "{backend:?}: {b:?}");
        let applied = first
            .query_one_raw(sea_orm::Statement::from_string(
                first.get_database_backend(),
                "SELECT COUNT(*) AS n FROM seaql_migrations",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<i64>("", "n")
            .unwrap();
        assert_eq!(
            applied as usize,
            migration::Migrator::migrations().len(),
            "{backend:?}"
        );
    }
}
