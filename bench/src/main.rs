//! `tongxin-bench`: fills a database with a large dataset by SQL bulk loads, starts the
//! release server against it with Redis, drives concurrent clients through the scenarios of
//! issue 8 and reports throughput, latency, errors, SQL statements per request and the
//! server's memory. See bench/README.md.

mod dataset;
mod driver;
mod operations;
mod peer;
mod report;
mod scenarios;
mod server;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use clap::Parser;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use dataset::{Backend, Sizes};

/// Without TLS, like the project's docker-compose PostgreSQL: over loopback, sqlx's default
/// `sslmode=prefer` would encrypt every statement (25–45% of the server's throughput here).
const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable";

#[derive(Debug, Parser)]
#[command(
    name = "tongxin-bench",
    about = "Loads a large dataset, starts the release server and measures the issue-8 scenarios"
)]
struct Args {
    /// An empty database to fill (postgres://… or sqlite://…). Default: the PostgreSQL
    /// database `tongxin_bench` on --postgres-admin-url, dropped and created anew.
    #[arg(long)]
    database_url: Option<String>,
    /// The name of the database recreated on --postgres-admin-url (and of the SQLite file in
    /// the temporary directory): two checkouts benchmarking at once need different names,
    /// or each drops the other's database mid-run. Lowercase letters, digits and `_`.
    #[arg(long, env = "TONGXIN_BENCH_DATABASE", default_value = "tongxin_bench",
          value_parser = bench_database_name)]
    bench_database: String,
    /// The PostgreSQL server where `tongxin_bench` is recreated (its query string, such as
    /// `sslmode`, is kept for the server's URL).
    #[arg(long, default_value = DEFAULT_ADMIN_URL)]
    postgres_admin_url: String,
    /// Which backends to run: PostgreSQL, SQLite (a new file, the embedded default's
    /// engine) or both, one after the other. Targets are stated against PostgreSQL.
    #[arg(long, value_enum, default_value_t = BackendChoice::Both)]
    backend: BackendChoice,
    /// Shorthand for --backend sqlite.
    #[arg(long, conflicts_with_all = ["database_url", "backend"])]
    sqlite: bool,
    #[arg(long, default_value = "redis://127.0.0.1:6379/")]
    redis_url: String,
    /// Concurrent clients per scenario.
    #[arg(long, default_value_t = 32)]
    clients: usize,
    /// Measured seconds per scenario.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Unmeasured seconds before each scenario's measurement.
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// Dataset size: 1.0 is the (20,000 activities, 200,000 volunteers, 1,000,000
    /// registrations and service records, 200,000 responses); 0.01 for a smoke run.
    /// Several, comma-separated (`--scale 1,5`), run one after the other on each backend and
    /// printed side by side: what must stay flat as the data grows (issue 23, target 6).
    #[arg(long, default_value = "1", value_delimiter = ',')]
    scale: Vec<f64>,
    /// Registrations fired at once on the activity of capacity 50.
    #[arg(long, default_value_t = 500)]
    burst: usize,
    /// Cold dashboard measurements (each after a completeActivity), at most 20.
    #[arg(long, default_value_t = 5)]
    cold_runs: usize,
    /// The server's database pool (TONGXIN_DB_MAX_CONNECTIONS).
    #[arg(long, default_value_t = 16)]
    db_max_connections: u32,
    /// Threads of the load generator (it shares the machine with the server).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Only these scenarios (comma-separated): feed-anonymous, hostile, feed-signed-in,
    /// activity-detail, dashboard-overview-cached, dashboard-hours-cached, survey-submit,
    /// register-spread, register-burst, dashboard-cold, export-service-records (run only when
    /// named).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Write the summary of this run into bench/README.md.
    #[arg(long)]
    update_readme: bool,
    /// Extra environment for the server, KEY=VALUE (repeatable), e.g. MALLOC_ARENA_MAX=2
    /// or TONGXIN_LOG_SQL=1 (with RUST_LOG=warn,api=info) for experiments.
    #[arg(long = "server-env", value_parser = parse_env)]
    server_env: Vec<(String, String)>,
    /// Rebuild the release server even when it looks up to date.
    #[arg(long)]
    rebuild_server: bool,
    /// Run this server binary instead of target/release/tongxin (not built nor checked):
    /// for worktrees that share one CARGO_TARGET_DIR, whose builds replace each other's.
    #[arg(long, conflicts_with = "rebuild_server")]
    server_binary: Option<PathBuf>,
    /// Where the JSON results go.
    #[arg(long)]
    results_dir: Option<PathBuf>,
    /// Also start this peer on the same PostgreSQL database (PostGraphile 5, installed by
    /// `npm ci` in bench/peer/postgraphile when missing) and measure the scenarios it has an
    /// equivalent for (feed-signed-in, activity-detail, register-spread,
    /// dashboard-hours-cached), Tongxin and the peer in turn, at --clients and at 1
    /// connection, with the ratio per scenario. PostgreSQL only.
    #[arg(long, value_enum)]
    peer: Option<peer::PeerKind>,
    /// Rounds per server in the peer comparison (each --warmup + --duration).
    #[arg(long, default_value_t = 2)]
    peer_rounds: usize,
}

fn parse_env(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("{text}: expected KEY=VALUE"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum BackendChoice {
    Postgres,
    Sqlite,
    Both,
}

pub(crate) const SCENARIOS: [&str; 12] = [
    "feed-anonymous",
    "hostile",
    "feed-signed-in",
    "activity-detail",
    "one-user",
    "dashboard-overview-cached",
    "dashboard-hours-cached",
    "survey-submit",
    "register-spread",
    "register-burst",
    "dashboard-cold",
    "export-service-records",
];

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    for name in &args.only {
        ensure!(
            SCENARIOS.contains(&name.as_str()),
            "unknown scenario {name}; known: {}",
            SCENARIOS.join(", ")
        );
    }
    ensure!(args.clients > 0, "--clients must be at least 1");
    if args.peer.is_some() {
        ensure!(
            backends(&args)?
                .iter()
                .any(|(_, backend)| *backend == Backend::Postgres),
            "--peer postgraphile runs on PostgreSQL only: use --backend postgres"
        );
        ensure!(args.peer_rounds > 0, "--peer-rounds must be at least 1");
    }
    ensure!(args.duration > 0.0, "--duration must be positive");
    ensure!(
        !args.scale.is_empty() && args.scale.iter().all(|scale| *scale > 0.0),
        "--scale must be positive"
    );
    ensure!(
        args.burst as i64 >= dataset::BURST_CAPACITY,
        "--burst must be at least the capacity"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads.max(1))
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

fn database_name_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (admin_url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

/// The databases to fill, in order: the URL for the server (None: create it) and the backend.
fn backends(args: &Args) -> anyhow::Result<Vec<(Option<String>, Backend)>> {
    if let Some(url) = &args.database_url {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            bail!("--database-url must be postgres://… or sqlite://…");
        };
        return Ok(vec![(Some(url.clone()), backend)]);
    }
    Ok(match (args.sqlite, args.backend) {
        (true, _) | (false, BackendChoice::Sqlite) => vec![(None, Backend::Sqlite)],
        (false, BackendChoice::Postgres) => vec![(None, Backend::Postgres)],
        (false, BackendChoice::Both) => vec![(None, Backend::Postgres), (None, Backend::Sqlite)],
    })
}

/// A database name that is safe to write into `DROP DATABASE` / `CREATE DATABASE`.
fn bench_database_name(name: &str) -> Result<String, String> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err("1–63 lowercase letters, digits or _, starting with a letter".to_owned())
    }
}

/// A new, empty database for the backend: `tongxin_bench` recreated on PostgreSQL, a new
/// file in the temporary directory for SQLite.
async fn prepare_database(args: &Args, backend: Backend) -> anyhow::Result<String> {
    if backend == Backend::Sqlite {
        let path = std::env::temp_dir().join(format!("{}.db", args.bench_database));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        return Ok(format!("sqlite://{}?mode=rwc", path.display()));
    }
    let admin = Database::connect(&args.postgres_admin_url)
        .await
        .with_context(|| format!("connecting to {}", args.postgres_admin_url))?;
    admin
        .execute_unprepared(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            args.bench_database
        ))
        .await?;
    admin
        .execute_unprepared(&format!("CREATE DATABASE {}", args.bench_database))
        .await?;
    admin.close().await?;
    Ok(database_name_url(
        &args.postgres_admin_url,
        &args.bench_database,
    ))
}

async fn connect(url: &str, backend: Backend, max: u32) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(if backend == Backend::Sqlite { 1 } else { max })
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    Database::connect(options)
        .await
        .with_context(|| format!("connecting to {url}"))
}

fn git_commit() -> String {
    let root = server::workspace_root();
    let output = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(&root)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = output(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty =
        output(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    if dirty {
        format!("{commit}+changes")
    } else {
        commit
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let results_dir = args
        .results_dir
        .clone()
        .unwrap_or_else(|| server::workspace_root().join("bench").join("results"));
    std::fs::create_dir_all(&results_dir)?;
    let binary = match &args.server_binary {
        Some(binary) => binary.clone(),
        None => server::server_binary(args.rebuild_server)?,
    };
    let mut reports = Vec::new();
    let databases = backends(&args)?;
    ensure!(
        args.scale.len() == 1 || databases.iter().all(|(url, _)| url.is_none()),
        "several scales need a database recreated for each: leave out --database-url"
    );
    for (url, backend) in databases {
        for &scale in &args.scale {
            let mut report = run_backend(
                &args,
                scale,
                &binary,
                &results_dir,
                &stamp,
                url.clone(),
                backend,
            )
            .await?;
            report.evaluate();
            println!("{}", report.table());
            if let Some(comparison) = &report.peer {
                println!("{}", comparison.table());
            }
            reports.push(report);
        }
    }
    let side_by_side = report::scales_side_by_side(&reports);
    if !side_by_side.is_empty() {
        println!("{side_by_side}");
    }
    let total = started.elapsed().as_secs_f64();
    println!("whole command: {total:.0} s");
    let mut summary = format!(
        "Whole command: {total:.0} s ({}).\n\n",
        if total < 600.0 {
            "under 10 minutes"
        } else {
            "**over 10 minutes**"
        }
    );
    let mut peer_summary = None;
    for report in &mut reports {
        if let Some(comparison) = &report.peer {
            peer_summary = Some(comparison.markdown());
        }
        report.command_seconds = total;
        report.evaluate();
        let path = report.write_json(&results_dir, &stamp)?;
        println!("JSON: {}", path.display());
        summary.push_str(&format!(
            "### {} at scale {}\n\n",
            report.backend, report.scale
        ));
        summary.push_str(&report.markdown());
        summary.push('\n');
    }
    if !side_by_side.is_empty() {
        summary.push_str("### Scales side by side\n\n");
        summary.push_str(&side_by_side);
        summary.push('\n');
    }
    if args.update_readme {
        let readme = server::workspace_root().join("bench").join("README.md");
        // A peer run of some scenarios keeps the last full run's summary.
        if args.peer.is_none() || args.only.is_empty() {
            report::update_readme(&readme, &summary)?;
            println!("summary written to {}", readme.display());
        }
        if let Some(peer_summary) = peer_summary {
            report::update_section(&readme, report::PEER_START, report::PEER_END, &peer_summary)?;
            println!("peer comparison written to {}", readme.display());
        }
    }
    Ok(())
}

async fn run_backend(
    args: &Args,
    scale: f64,
    binary: &std::path::Path,
    results_dir: &std::path::Path,
    stamp: &str,
    url: Option<String>,
    backend: Backend,
) -> anyhow::Result<report::Report> {
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let database_url = match url {
        Some(url) => url,
        None => prepare_database(args, backend).await?,
    };
    let sizes = Sizes::at(scale);
    eprintln!(
        "loading {backend:?} ({}) at scale {}: {sizes:?}",
        database_url, scale
    );
    let db = connect(&database_url, backend, 2).await?;
    Migrator::up(&db, None)
        .await
        .context("applying migrations")?;
    let existing = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) FROM users".to_owned(),
        ))
        .await?
        .context("count")?
        .try_get_by_index::<i64>(0)?;
    ensure!(
        existing == 0,
        "the database already holds data; give an empty one"
    );
    let fixtures = dataset::load(&db, backend, &sizes).await?;
    let with_peer = args.peer.is_some() && backend == Backend::Postgres;
    if with_peer {
        peer::install_sql(&db).await?;
    }
    db.close().await?;
    eprintln!("loaded in {:.1} s", fixtures.load_seconds);

    let secret = format!(
        "tongxin-bench-{}-{}-0123456789abcdef",
        started_at.timestamp_nanos_opt().unwrap_or_default(),
        std::process::id()
    );
    let redis_prefix = format!("tongxin-bench:{stamp}:{backend:?}:{scale}:");
    let mut server = server::Server::start(&server::ServerConfig {
        binary: binary.to_path_buf(),
        database_url: database_url.clone(),
        redis_url: args.redis_url.clone(),
        redis_prefix: redis_prefix.clone(),
        jwt_secret: secret.clone(),
        db_max_connections: args.db_max_connections,
        extra_env: args.server_env.clone(),
        log_path: results_dir.join(format!(
            "{stamp}-{}-scale{scale}-server.log",
            format!("{backend:?}").to_lowercase()
        )),
    })?;
    let http = reqwest::Client::builder()
        .http1_only()
        .pool_idle_timeout(Duration::from_secs(60))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let startup = server.wait_ready(&http).await?;
    eprintln!(
        "server pid {} ready on {} in {:.0} ms (RSS {:.1} MB)",
        server.pid,
        server.base,
        startup.as_secs_f64() * 1000.0,
        server.reset_peak_rss() as f64 / 1024.0
    );

    let url = format!("{}/graphql", server.base);
    let mut bench = scenarios::Bench {
        http,
        url,
        server,
        ops: operations::Operations::load(),
        jwt: api::auth::JwtKeys::new(secret.as_bytes()),
        fixtures,
        db: connect(&database_url, backend, 2).await?,
        clients: args.clients,
        warmup: Duration::from_secs_f64(args.warmup),
        duration: Duration::from_secs_f64(args.duration),
        burst: args.burst,
        cold_runs: args.cold_runs,
        results: Vec::new(),
        feed_sql_by_first: Vec::new(),
        detail_sql_warm: None,
        burst_check: None,
        freshness_check: None,
    };
    let selected = |name: &str| args.only.is_empty() || args.only.iter().any(|o| o == name);
    // With the peer, its scenarios are measured in the comparison (Tongxin included) only.
    let compared: Vec<&'static str> = peer::COMPARED
        .into_iter()
        .filter(|name| with_peer && selected(name))
        .collect();
    let wanted = |name: &str| selected(name) && !compared.contains(&name);
    let mut comparison = None;
    let outcome: anyhow::Result<()> = async {
        if wanted("feed-anonymous") {
            bench.feed_anonymous().await?;
        }
        if wanted("feed-signed-in") {
            bench.feed_signed_in().await?;
        }
        if wanted("activity-detail") {
            bench.activity_detail().await?;
        }
        if wanted("one-user") {
            bench.one_user().await?;
        }
        if wanted("dashboard-overview-cached") {
            bench.dashboard_cached(false).await?;
        }
        if wanted("dashboard-hours-cached") {
            bench.dashboard_cached(true).await?;
        }
        if wanted("survey-submit") {
            bench.survey_submit().await?;
        }
        if wanted("register-spread") {
            bench.register_spread().await?;
        }
        if wanted("register-burst") {
            bench.register_burst().await?;
        }
        if wanted("dashboard-cold") {
            bench.dashboard_cold().await?;
        }
        // Only when named: a million rows take one to two minutes per backend, and after
        // every other scenario its peak would be the whole run's memory, not its own.
        if args.only.iter().any(|o| o == "export-service-records") {
            bench.export_service_records().await?;
        }
        // Last: its wrong passwords run argon2id (19 MiB per hash, two at once), memory the
        // allocator keeps for a while, which would otherwise show in every later scenario.
        if wanted("hostile") {
            bench.hostile().await?;
        }
        if !compared.is_empty() {
            comparison = Some(
                compare_with_peer(
                    args,
                    scale,
                    &mut bench,
                    &database_url,
                    results_dir,
                    stamp,
                    &compared,
                )
                .await?,
            );
        }
        Ok(())
    }
    .await;
    let high_water = bench.server.high_water_mark().map(|kb| kb as f64 / 1024.0);
    let rss_anon_peak_mb = bench.server.anon_peak() as f64 / 1024.0;
    let scenarios::Bench {
        server,
        db,
        fixtures,
        results,
        feed_sql_by_first,
        detail_sql_warm,
        burst_check,
        freshness_check,
        ..
    } = bench;
    server.stop();
    let _ = db.close().await;
    clean_redis(&args.redis_url, &redis_prefix).await;
    outcome?;

    Ok(report::Report {
        started_at: started_at.format("%Y-%m-%d %H:%M").to_string(),
        commit: git_commit(),
        backend: format!("{backend:?}"),
        scale,
        clients: args.clients,
        duration_secs: args.duration,
        warmup_secs: args.warmup,
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        db_max_connections: args.db_max_connections,
        sizes,
        fixtures,
        server_startup_ms: startup.as_secs_f64() * 1000.0,
        server_rss_high_water_mb: high_water,
        total_seconds: started.elapsed().as_secs_f64(),
        rss_anon_peak_mb,
        feed_sql_by_first,
        detail_sql_warm,
        burst: burst_check,
        freshness: freshness_check,
        scenarios: results,
        targets: Vec::new(),
        command_seconds: 0.0,
        peer: comparison,
    })
}

/// Starts the peer on the loaded database, runs the compared scenarios on both servers in
/// turn, stops it.
async fn compare_with_peer(
    args: &Args,
    scale: f64,
    bench: &mut scenarios::Bench,
    database_url: &str,
    results_dir: &std::path::Path,
    stamp: &str,
    compared: &[&'static str],
) -> anyhow::Result<peer::Comparison> {
    let started_at = chrono::Utc::now();
    let log = results_dir.join(format!("{stamp}-scale{scale}-postgraphile.log"));
    let mut postgraphile = peer::Postgraphile::start(database_url, args.db_max_connections, &log)?;
    let ready = postgraphile.wait_ready(&bench.http).await?;
    eprintln!(
        "{} (pid {}) ready on {} in {:.1} s; log {}",
        postgraphile.label,
        postgraphile.pid,
        postgraphile.url,
        ready.as_secs_f64(),
        log.display()
    );
    let rows = bench
        .compare_with_peer(&postgraphile.url, compared, args.peer_rounds)
        .await;
    let peer_rss = postgraphile.high_water_mb();
    let label = postgraphile.label.clone();
    postgraphile.stop();
    let rows = rows?;
    let mut notes = vec![
        "dashboard-hours-cached: Tongxin answers DashboardHours from its cache (as in \
         service); PostGraphile has no cache and runs the four dashboard functions over the \
         same rollup tables on every request."
            .to_owned(),
        "PostGraphile runs in one Node process (one core for JavaScript); Tongxin on tokio's \
         threads over both cores."
            .to_owned(),
    ];
    if let Some(rss) = peer_rss {
        notes.push(format!("PostGraphile's peak RSS (VmHWM): {rss:.1} MB."));
    }
    for row in &rows {
        for (server, side) in [("Tongxin", &row.tongxin), ("PostGraphile", &row.peer)] {
            if let Some(sample) = side.error_samples.first() {
                notes.push(format!(
                    "{} at {} on {server}: {} errors, e.g. {}",
                    row.scenario,
                    row.connections,
                    side.errors,
                    sample.replace('|', "\\|").replace('\n', " ")
                ));
            }
        }
    }
    Ok(peer::Comparison {
        peer: label,
        started_at: started_at.format("%Y-%m-%d %H:%M").to_string(),
        commit: git_commit(),
        scale,
        rounds: args.peer_rounds,
        duration_secs: args.duration,
        warmup_secs: args.warmup,
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        pool: args.db_max_connections,
        peer_rss_high_water_mb: peer_rss,
        rows,
        notes,
    })
}

/// Removes this run's keys (its own prefix) from Redis.
async fn clean_redis(url: &str, prefix: &str) {
    let Ok(client) = redis::Client::open(url) else {
        return;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = match redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
    {
        Ok(keys) => keys,
        Err(_) => return,
    };
    if !keys.is_empty() {
        let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
    }
}
