//! Connecting, migrating, and the server secret of the embedded default.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use migration::{Migrator, MigratorTrait};
use rand::RngCore;
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{
    ActiveModelTrait, ConnectOptions, Database, DatabaseConnection, DatabaseTransaction,
    EntityTrait, QuerySelect, Set, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use entity::{activity, setting};

use crate::config::{Config, Secret};
use crate::error::{AppError, AppResult, Thing};

mod group_commit;
pub use group_commit::GroupCommit;

/// An enum's value as an SQL literal, for statements written as text. The values are the
/// enums' own fixed upper-case words, so quoting them cannot break out of the literal.
pub fn sql_value<E>(value: E) -> String
where
    E: sea_orm::ActiveEnum<Value = String>,
{
    format!("'{}'", value.to_value())
}

/// Enum values as an SQL list: `('A', 'B')`.
pub fn sql_values<E>(values: impl IntoIterator<Item = E>) -> String
where
    E: sea_orm::ActiveEnum<Value = String>,
{
    let values: Vec<String> = values.into_iter().map(sql_value).collect();
    format!("({})", values.join(", "))
}

/// A transaction that will write: on SQLite it takes the write lock at once, so two
/// transactions never both read and then deadlock on upgrading to write.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    db.begin_with_options(TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    })
    .await
}

/// The `n`th bound value's placeholder in raw SQL: `$n` on PostgreSQL, `?n` on SQLite
/// (numbered, so a statement may name its values in any order on both).
pub fn placeholder(backend: sea_orm::DbBackend, n: usize) -> String {
    match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

/// Reads the activity and holds it until the transaction ends (a row lock on PostgreSQL;
/// on SQLite the transaction's write lock already holds everything).
pub async fn lock_activity(txn: &DatabaseTransaction, id: i32) -> AppResult<activity::Model> {
    activity::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(AppError::not_found(Thing::Activity))
}

/// SQLite readers at most: each is a thread with its own page cache, schema and prepared
/// statements (about 4 MB once warm), and two cores gain nothing from more. The benchmark's
/// peak was 130 MB with 16; with 8 the heap was 60 MB, with 4 it was 44 MB, and the feed,
/// the activity page and registrations were as fast or faster.
const SQLITE_READERS: u32 = 4;

/// Prepared statements kept per SQLite connection (sqlx keeps 100): each holds its
/// compiled program; a request path uses a handful, a connection serves a few dozen.
const SQLITE_STATEMENT_CACHE: usize = 48;

/// SQLite's page cache per connection, in KiB (its default is 2,000). The operating
/// system's page cache holds the file anyway; a connection's own cache only saves the
/// copy from it, and the hot pages (the indexes' upper levels) are few. Six connections
/// (four readers, the writer, the group commit's) at 1 MB each were 6 MB of the server's
/// peak.
const SQLITE_CACHE_KIB: u32 = 512;

/// How long a pooled connection may have been idle before it is pinged when acquired.
const POOL_PING_AFTER_IDLE: Duration = Duration::from_secs(10);

/// Which pool a connection serves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Pool {
    /// Reads and single-statement writes.
    Readers,
    /// Write transactions ([`AppState::writer`](crate::context::AppState::writer)).
    Writer,
    /// Dashboards' figures on SQLite ([`AppState::figures`](crate::context::AppState::figures)).
    Figures,
}

/// How long the dashboards' own SQLite connection stays open unused: sqlx closes it at
/// its next check, every as long, so between 10 and 20 s after the last figure. SQLite's
/// memory for it (page cache, schema, prepared statements) and what its thread kept go
/// back; the next cold dashboard opens it again (`DashboardHours` on the benchmark's data:
/// 115–145 ms instead of 70).
const FIGURES_IDLE: Duration = Duration::from_secs(10);

/// Opens a pool. SQLite gets WAL (readers never wait for the writer) and a busy timeout
/// so that writes outside the writer's queue wait for it instead of failing; its readers
/// are at most [`SQLITE_READERS`] and its writer one connection.
pub async fn connect(
    config: &Config,
    statements: Arc<AtomicU64>,
    pool: Pool,
) -> anyhow::Result<DatabaseConnection> {
    let url = config.database_url();
    let max_connections = match (config.is_sqlite(), pool) {
        (true, Pool::Writer | Pool::Figures) => 1,
        (true, Pool::Readers) => config.db_max_connections.min(SQLITE_READERS),
        (false, _) => config.db_max_connections,
    };
    if config.is_sqlite() {
        // Before the first connection: SQLite takes its allocator only before first use.
        if let Err(code) = memory::sqlite_through_mimalloc() {
            tracing::warn!(
                code,
                "SQLite keeps malloc: it was used before its allocator was set"
            );
        }
    }
    let mut options = ConnectOptions::new(url);
    if pool == Pool::Figures {
        options.idle_timeout(FIGURES_IDLE);
    }
    options
        .max_connections(max_connections)
        // The figures' connection opens at a dashboard computed, and closes when idle.
        .min_connections(u32::from(pool != Pool::Figures))
        .connect_timeout(Duration::from_secs(10))
        // A writer waits for the ones before it, as long as SQLite's busy timeout would;
        // so do figures, which queue for their one connection (a cold `DashboardHours`
        // takes about 0.45 s at five times the benchmark's data).
        .acquire_timeout(Duration::from_secs(match pool {
            Pool::Readers => 10,
            Pool::Writer | Pool::Figures => 30,
        }))
        .sqlx_logging(false)
        // sqlx pings a pooled connection on every acquire by default: a round trip (a hop
        // to SQLite's thread) before every statement or transaction outside one. Only a
        // connection idle long enough to have been dropped (a restart, a proxy) is checked.
        .test_before_acquire_if_idle_for(POOL_PING_AFTER_IDLE)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .pragma("cache_size", format!("-{SQLITE_CACHE_KIB}"))
                .statement_cache_capacity(SQLITE_STATEMENT_CACHE)
        });
    let mut db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to the database at {}", redact(url)))?;
    // TONGXIN_LOG_SQL=1 logs every statement with its time: for profiling, never in production.
    let log_sql = std::env::var_os("TONGXIN_LOG_SQL").is_some();
    db.set_metric_callback(move |info| {
        statements.fetch_add(1, Ordering::Relaxed);
        if log_sql {
            tracing::info!(elapsed_us = info.elapsed.as_micros() as u64, sql = %info.statement.sql, "sql");
        }
    });
    Ok(db)
}

/// A pool of its own for `pool` on SQLite, of one connection, opened after the
/// migrations; on PostgreSQL the readers' pool itself. [`Pool::Writer`]: write
/// transactions. [`Pool::Figures`]: dashboards' figures.
///
/// The figures have their own because SQLite sorts and groups in the server's memory, up
/// to 1 MB per statement, and a connection's thread keeps 1–1.5 MB more in the allocator
/// after it first ran a dashboard's statements (`bench/README.md`, seventh session). On
/// one connection of their own, the figures are computed one at a time and the four
/// readers never hold that memory. A cold `DashboardHours` is about as fast (70–75 ms on
/// the benchmark's data).
pub async fn own_pool(
    config: &Config,
    readers: &DatabaseConnection,
    statements: Arc<AtomicU64>,
    pool: Pool,
) -> anyhow::Result<DatabaseConnection> {
    if config.is_sqlite() {
        connect(config, statements, pool).await
    } else {
        Ok(readers.clone())
    }
}

/// Hides a password in a database URL for logs and errors.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..scheme], &url[at + 1..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The advisory lock's key: "tongxin" in ASCII, any number no other tool takes would do.
const MIGRATION_LOCK: i64 = 0x0074_6f6e_6778_696e;

/// Applies what is pending. Instances starting together must not both apply a migration:
/// on PostgreSQL each takes a session-level advisory lock on a connection of its own
/// first, so the others wait for the first and then find nothing left to do. On SQLite
/// (`tongxin migrate` beside a starting server, say) all of them run in one transaction
/// that takes the write lock at once: the second waits for the first to commit.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        let txn = begin_write(db)
            .await
            .map_err(|err| anyhow::anyhow!("taking the write lock: {err:?}"))?;
        Migrator::up(&txn, None)
            .await
            .context("applying migrations")?;
        return txn.commit().await.context("committing the migrations");
    }
    let mut lock = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .context("a connection for the migration lock")?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await
        .context("taking the migration lock")?;
    let applied = Migrator::up(db, None).await.context("applying migrations");
    // Released on this connection, which goes back to the pool; if the unlock fails the
    // connection is closed instead, which releases the lock as well.
    let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *lock)
        .await;
    if unlocked.is_err() {
        let _ = sea_orm::sqlx::Connection::close(lock.detach()).await;
    }
    applied
}

const JWT_SECRET_KEY: &str = "jwt_secret";
pub const MIN_SECRET_LEN: usize = 32;

/// The signing secret: the configured one; on SQLite without one, a generated secret kept
/// in the database so tokens survive restarts. PostgreSQL deployments must configure it.
pub async fn server_secret(db: &DatabaseConnection, config: &Config) -> anyhow::Result<Secret> {
    if let Some(secret) = &config.jwt_secret {
        if secret.expose().len() < MIN_SECRET_LEN {
            anyhow::bail!("JWT_SECRET must be at least {MIN_SECRET_LEN} characters");
        }
        return Ok(secret.clone());
    }
    if !config.is_sqlite() {
        anyhow::bail!(
            "JWT_SECRET is not set: a server on PostgreSQL needs a secret of at least {MIN_SECRET_LEN} characters shared by all instances"
        );
    }
    if let Some(found) = setting::Entity::find_by_id(JWT_SECRET_KEY.to_owned())
        .one(db)
        .await?
    {
        return Ok(Secret::new(found.value));
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let generated = hex::encode(bytes);
    setting::ActiveModel {
        key: Set(JWT_SECRET_KEY.to_owned()),
        value: Set(generated.clone()),
    }
    .insert(db)
    .await?;
    tracing::info!("generated a signing secret and kept it in the database");
    Ok(Secret::new(generated))
}
