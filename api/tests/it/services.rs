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
