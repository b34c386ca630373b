//! The release server as a child process: built when missing or older than its sources,
//! started on a free port, watched (RSS from /proc) and killed at the end.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail};

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ lives in the workspace")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        _ => workspace_root().join("target"),
    }
}

fn newest_source(dir: &Path, newest: &mut SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            newest_source(&path, newest);
        } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified())
            && modified > *newest
        {
            *newest = modified;
        }
    }
}

/// `target/release/tongxin`, built first with `cargo build --release -p api` when it is
/// missing or older than the server's sources.
pub fn server_binary(force_build: bool) -> anyhow::Result<PathBuf> {
    let binary = target_dir().join("release").join("tongxin");
    let root = workspace_root();
    let stale = match std::fs::metadata(&binary).and_then(|m| m.modified()) {
        Err(_) => Some("missing"),
        Ok(built) => {
            let mut newest = SystemTime::UNIX_EPOCH;
            for dir in ["api/src", "entity/src", "migration/src"] {
                newest_source(&root.join(dir), &mut newest);
            }
            for file in ["Cargo.lock", "api/Cargo.toml"] {
                if let Ok(modified) = std::fs::metadata(root.join(file)).and_then(|m| m.modified())
                {
                    newest = newest.max(modified);
                }
            }
            (newest > built).then_some("older than its sources")
        }
    };
    if let Some(reason) = stale.or(force_build.then_some("asked to rebuild")) {
        eprintln!(
            "server binary {} is {reason}: cargo build --release -p api",
            binary.display()
        );
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--release", "-p", "api", "--bin", "tongxin"])
            .current_dir(&root)
            .status()
            .context("running cargo build")?;
        if !status.success() {
            bail!("cargo build --release -p api failed");
        }
    }
    if !binary.exists() {
        bail!("{} was not built", binary.display());
    }
    Ok(binary)
}

pub struct ServerConfig {
    pub binary: PathBuf,
    pub database_url: String,
    pub redis_url: String,
    pub redis_prefix: String,
    pub jwt_secret: String,
    pub db_max_connections: u32,
    pub extra_env: Vec<(String, String)>,
    pub log_path: PathBuf,
}

pub struct Server {
    child: Child,
    pub pid: u32,
    pub base: String,
    /// Where the server's /metrics listener is.
    metrics_base: String,
    rss: Arc<RssWatch>,
}

/// The largest VmRSS seen since the last reset, sampled every 20 ms.
struct RssWatch {
    peak_kb: AtomicU64,
    /// The largest RssAnon (heap, not mapped files) since start.
    anon_peak_kb: AtomicU64,
    stop: AtomicBool,
}

fn status_field(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kb| kb.parse().ok())
}

impl Server {
    pub fn start(config: &ServerConfig) -> anyhow::Result<Server> {
        // Both held until both are known, so they differ.
        let first = std::net::TcpListener::bind("127.0.0.1:0")?;
        let second = std::net::TcpListener::bind("127.0.0.1:0")?;
        let (port, metrics_port) = (first.local_addr()?.port(), second.local_addr()?.port());
        drop((first, second));
        let log = std::fs::File::create(&config.log_path)
            .with_context(|| format!("creating {}", config.log_path.display()))?;
        let child = Command::new(&config.binary)
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", &config.database_url)
            .env("REDIS_URL", &config.redis_url)
            .env("TONGXIN_REDIS_PREFIX", &config.redis_prefix)
            .env("JWT_SECRET", &config.jwt_secret)
            .env("TONGXIN_LISTEN", format!("127.0.0.1:{port}"))
            .env(
                "TONGXIN_METRICS_LISTEN",
                format!("127.0.0.1:{metrics_port}"),
            )
            // Every client of the benchmark is this machine: per-address limits off.
            .env("TONGXIN_ADDRESS_LIMITS", "false")
            .env(
                "TONGXIN_DB_MAX_CONNECTIONS",
                config.db_max_connections.to_string(),
            )
            .env("RUST_LOG", "warn")
            .envs(config.extra_env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", config.binary.display()))?;
        let pid = child.id();
        let rss = Arc::new(RssWatch {
            peak_kb: AtomicU64::new(0),
            anon_peak_kb: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let watch = rss.clone();
        std::thread::spawn(move || {
            while !watch.stop.load(Ordering::Relaxed) {
                if let Some(kb) = status_field(pid, "VmRSS:") {
                    watch.peak_kb.fetch_max(kb, Ordering::Relaxed);
                }
                if let Some(kb) = status_field(pid, "RssAnon:") {
                    watch.anon_peak_kb.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        Ok(Server {
            child,
            pid,
            base: format!("http://127.0.0.1:{port}"),
            metrics_base: format!("http://127.0.0.1:{metrics_port}"),
            rss,
        })
    }

    /// Waits until /readyz answers 200 (database and Redis reachable).
    pub async fn wait_ready(&mut self, http: &reqwest::Client) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited during startup ({status}); see its log");
            }
            if let Ok(response) = http.get(format!("{}/readyz", self.base)).send().await
                && response.status().is_success()
            {
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("the server was not ready after 120 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `tongxin_sql_statements` from /metrics: statements run since start.
    pub async fn sql_statements(&self, http: &reqwest::Client) -> anyhow::Result<u64> {
        let text = http
            .get(format!("{}/metrics", self.metrics_base))
            .send()
            .await?
            .text()
            .await?;
        text.lines()
            .find(|line| {
                line.starts_with("tongxin_sql_statements ")
                    || line.starts_with("tongxin_sql_statements{")
            })
            .and_then(|line| line.split_whitespace().last())
            .and_then(|value| value.parse::<f64>().ok())
            .map(|value| value as u64)
            .context("no tongxin_sql_statements in /metrics")
    }

    /// Starts a new peak measurement; returns the current RSS in kB.
    pub fn reset_peak_rss(&self) -> u64 {
        let now = status_field(self.pid, "VmRSS:").unwrap_or(0);
        self.rss.peak_kb.store(now, Ordering::Relaxed);
        now
    }

    /// The largest RSS (kB) since the last reset.
    pub fn peak_rss(&self) -> u64 {
        let now = status_field(self.pid, "VmRSS:").unwrap_or(0);
        self.rss.peak_kb.fetch_max(now, Ordering::Relaxed).max(now)
    }

    /// The largest RssAnon seen since start (kB).
    pub fn anon_peak(&self) -> u64 {
        self.rss.anon_peak_kb.load(Ordering::Relaxed)
    }

    /// VmHWM: the process's peak RSS since it started (kB).
    pub fn high_water_mark(&self) -> Option<u64> {
        status_field(self.pid, "VmHWM:")
    }

    /// The process has not exited.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    pub fn stop(mut self) {
        self.rss.stop.store(true, Ordering::Relaxed);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.rss.stop.store(true, Ordering::Relaxed);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
