//! The figures: a table on stdout, JSON in bench/results/, the summary in bench/README.md.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;

use crate::dataset::{Fixtures, Sizes};
use crate::scenarios::{BurstCheck, ScenarioResult};

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub scenario: String,
    pub target: String,
    pub measured: String,
    pub met: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub started_at: String,
    pub commit: String,
    pub backend: String,
    pub scale: f64,
    pub clients: usize,
    pub duration_secs: f64,
    pub warmup_secs: f64,
    pub cpus: usize,
    pub db_max_connections: u32,
    pub sizes: Sizes,
    pub fixtures: Fixtures,
    pub server_startup_ms: f64,
    pub server_rss_high_water_mb: Option<f64>,
    /// This backend's part of the run.
    pub total_seconds: f64,
    /// The whole command (every backend); 0 until it is known.
    pub command_seconds: f64,
    /// Peak RssAnon (heap) of the server, MB: VmRSS also counts mapped database pages.
    pub rss_anon_peak_mb: f64,
    pub feed_sql_by_first: Vec<(i64, u64)>,
    pub detail_sql_warm: Option<u64>,
    pub burst: Option<BurstCheck>,
    pub freshness: Option<String>,
    pub scenarios: Vec<ScenarioResult>,
    pub targets: Vec<Target>,
    /// With --peer: Tongxin against the peer, scenario by scenario.
    pub peer: Option<crate::peer::Comparison>,
}

fn find<'a>(results: &'a [ScenarioResult], name: &str) -> Option<&'a ScenarioResult> {
    results.iter().find(|r| r.name == name)
}

pub fn thousands(n: f64) -> String {
    let n = n.round() as i64;
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

impl Report {
    /// Every target (issues 8 and 23) against what this run measured.
    pub fn evaluate(&mut self) {
        let mut targets = Vec::new();
        let results = &self.scenarios;
        let throughput = |targets: &mut Vec<Target>,
                          name: &str,
                          label: &str,
                          min_rps: f64,
                          max_p99: Option<f64>| {
            if let Some(r) = find(results, name) {
                let rps = r.requests_per_second.unwrap_or(0.0);
                targets.push(Target {
                    scenario: label.to_owned(),
                    target: format!("≥ {} req/s", thousands(min_rps)),
                    measured: format!("{} req/s ({} errors)", thousands(rps), r.errors),
                    met: rps >= min_rps && r.errors == 0,
                });
                if let Some(max_p99) = max_p99 {
                    targets.push(Target {
                        scenario: label.to_owned(),
                        target: format!("p99 ≤ {max_p99} ms at 32 clients"),
                        measured: format!("p99 {:.1} ms at {} clients", r.p99_ms, r.clients),
                        met: r.p99_ms <= max_p99 && r.clients >= 32,
                    });
                }
            }
        };
        // Issue 23's targets are stated against PostgreSQL, with its own for SQLite.
        let postgres = self.backend == "Postgres";
        if postgres {
            throughput(
                &mut targets,
                "feed-signed-in",
                "ActivityFeed (first 20), signed in, uncached",
                6_000.0,
                Some(30.0),
            );
        }
        if let Some(r) = find(results, "feed-signed-in") {
            let worst = self
                .feed_sql_by_first
                .iter()
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(0);
            targets.push(Target {
                scenario: "ActivityFeed (first 20), signed in, uncached".to_owned(),
                target: "≤ 5 SQL statements per request whatever `first`".to_owned(),
                measured: format!(
                    "{} (first {}); {:.2} on average under load",
                    worst,
                    self.feed_sql_by_first
                        .iter()
                        .map(|(first, n)| format!("{first}: {n}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.sql_per_request
                ),
                met: worst <= 5 && r.sql_per_request <= 5.0 && !self.feed_sql_by_first.is_empty(),
            });
        }
        if postgres {
            throughput(
                &mut targets,
                "activity-detail",
                "ActivityDetail, signed in, random activity",
                5_000.0,
                Some(20.0),
            );
        }
        if let (Some(r), Some(warm)) = (find(results, "activity-detail"), self.detail_sql_warm) {
            targets.push(Target {
                scenario: "ActivityDetail, signed in, random activity".to_owned(),
                target: "≤ 2 SQL statements per request once its public part is kept".to_owned(),
                measured: format!(
                    "{warm} for an activity read before; {:.2} on average under load (each activity's first read included)",
                    r.sql_per_request
                ),
                met: warm <= 2,
            });
        }
        let one_user: Vec<&ScenarioResult> = results
            .iter()
            .filter(|r| r.name.starts_with("one-user "))
            .collect();
        if postgres && !one_user.is_empty() {
            let slowest = one_user
                .iter()
                .max_by(|a, b| a.p50_ms.total_cmp(&b.p50_ms))
                .expect("not empty");
            targets.push(Target {
                scenario: "Every volunteer read, one user alone".to_owned(),
                target: "p50 ≤ 1.5 ms at one connection".to_owned(),
                measured: format!(
                    "slowest {} p50 {:.2} ms; {}",
                    slowest.name.trim_start_matches("one-user "),
                    slowest.p50_ms,
                    one_user
                        .iter()
                        .map(|r| format!(
                            "{} {:.2}",
                            r.name.trim_start_matches("one-user "),
                            r.p50_ms
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                met: slowest.p50_ms <= 1.5 && one_user.iter().all(|r| r.errors == 0),
            });
        }
        if let Some(r) = find(results, "survey-submit") {
            let (min_rps, max_p99) = if postgres {
                (2_000.0, None)
            } else {
                (1_000.0, Some(80.0))
            };
            throughput(
                &mut targets,
                "survey-submit",
                "SubmitSurveyResponse, ~10% dissatisfied",
                min_rps,
                max_p99,
            );
            if postgres {
                targets.push(Target {
                    scenario: "SubmitSurveyResponse, ~10% dissatisfied".to_owned(),
                    target: "≤ 4 SQL statements per request".to_owned(),
                    measured: format!("{:.2} on average under load", r.sql_per_request),
                    met: r.sql_per_request <= 4.0,
                });
            }
        }
        throughput(
            &mut targets,
            "feed-anonymous",
            "ActivityFeed (first 20), anonymous",
            10_000.0,
            None,
        );
        if let Some(r) = find(results, "hostile") {
            let attacks = r.tags.get("attacks").copied().unwrap_or(0);
            let refused = r.tags.get("attacks_refused").copied().unwrap_or(0);
            targets.push(Target {
                scenario: "Anonymous feed while 4 clients attack (issue 13)".to_owned(),
                target: "every attack refused with a coded error, no 5xx, feed p99 ≤ 50 ms".to_owned(),
                measured: format!(
                    "{refused} of {attacks} attacks refused, {} errors; feed {} req/s, p99 {:.1} ms, RSS {:.1} MB",
                    r.errors,
                    thousands(r.requests_per_second.unwrap_or(0.0)),
                    r.p99_ms,
                    r.peak_rss_mb
                ),
                met: attacks > 0 && refused == attacks && r.errors == 0 && r.p99_ms <= 50.0,
            });
        }
        throughput(
            &mut targets,
            "dashboard-overview-cached",
            "DashboardOverview, cached",
            10_000.0,
            Some(25.0),
        );
        throughput(
            &mut targets,
            "dashboard-hours-cached",
            "DashboardHours, cached",
            10_000.0,
            Some(25.0),
        );
        if let Some(r) = find(results, "dashboard-hours-cold") {
            targets.push(Target {
                scenario: "DashboardHours, cold, whole dataset".to_owned(),
                target: "≤ 300 ms".to_owned(),
                measured: format!(
                    "median {:.0} ms, worst {:.0} ms of {}",
                    r.p50_ms, r.max_ms, r.requests
                ),
                met: r.max_ms <= 300.0 && r.requests > 0,
            });
        }
        for (name, label) in [
            (
                "dashboard-overview-cold",
                "DashboardOverview, cold, whole dataset",
            ),
            (
                "dashboard-overview-range-cold",
                "DashboardOverview, cold, over 2025 (whole months)",
            ),
        ] {
            if let Some(r) = find(results, name) {
                targets.push(Target {
                    scenario: label.to_owned(),
                    target: "≤ 100 ms".to_owned(),
                    measured: format!(
                        "median {:.0} ms, worst {:.0} ms of {}",
                        r.p50_ms, r.max_ms, r.requests
                    ),
                    met: r.max_ms <= 100.0 && r.requests > 0,
                });
            }
        }
        throughput(
            &mut targets,
            "register-spread",
            "RegisterForActivity over many activities",
            if postgres { 3_000.0 } else { 1_500.0 },
            Some(if postgres { 30.0 } else { 50.0 }),
        );
        if let Some(b) = &self.burst {
            targets.push(Target {
                scenario: "RegisterForActivity burst: 500 at once, capacity 50".to_owned(),
                target: "exactly 50 REGISTERED, 450 WAITLISTED, no errors".to_owned(),
                measured: format!(
                    "{} REGISTERED, {} WAITLISTED, {} errors (counters {}/{}, positions {})",
                    b.registered,
                    b.waitlisted,
                    b.errors,
                    b.registered_count,
                    b.waitlist_count,
                    if b.waitlist_positions_ok {
                        "1..450"
                    } else {
                        "WRONG"
                    }
                ),
                met: b.ok,
            });
        }
        for (name, label) in [
            (
                "export-service-records-csv",
                "Export of all service records, CSV",
            ),
            (
                "export-service-records-xlsx",
                "Export of all service records, XLSX",
            ),
        ] {
            if let Some(r) = find(results, name) {
                let rows = r.tags.get("rows").copied().unwrap_or(0);
                targets.push(Target {
                    scenario: label.to_owned(),
                    target: "streams in bounded memory: peak RSS ≤ 64 MB".to_owned(),
                    measured: format!(
                        "{} rows in {:.1} s: {} rows/s, {:.0} MB; peak RSS {:.1} MB",
                        thousands(rows as f64),
                        r.seconds,
                        thousands(rows as f64 / r.seconds.max(1e-9)),
                        r.tags.get("bytes").copied().unwrap_or(0) as f64 / 1e6,
                        r.peak_rss_mb
                    ),
                    met: rows > 0 && r.peak_rss_mb <= 64.0,
                });
            }
        }
        if let Some(peak) = self.server_rss_high_water_mb {
            // The hostile scenario runs last; its argon2id hashes are reported with it.
            let worst = self
                .scenarios
                .iter()
                .filter(|s| s.name != "hostile")
                .max_by(|a, b| a.peak_rss_mb.total_cmp(&b.peak_rss_mb));
            let peak = if find(results, "hostile").is_some() {
                worst.map_or(peak, |w| w.peak_rss_mb)
            } else {
                peak
            };
            targets.push(Target {
                scenario: "Server memory under all of the above".to_owned(),
                target: "RSS ≤ 64 MB".to_owned(),
                measured: match find(results, "hostile") {
                    Some(hostile) => format!(
                        "peak {:.1} MB (VmRSS of every scenario but hostile{}); hostile, last, {:.1} MB with two argon2id hashes of 19 MiB",
                        peak,
                        worst.map_or(String::new(), |w| format!(", highest during {}", w.name)),
                        hostile.peak_rss_mb
                    ),
                    None => format!(
                        "peak {:.1} MB (VmHWM; heap RssAnon peak {:.1} MB){}",
                        peak,
                        self.rss_anon_peak_mb,
                        worst.map_or(String::new(), |w| format!(", highest during {}", w.name))
                    ),
                },
                met: peak <= 64.0,
            });
        }
        targets.push(Target {
            scenario: "Database pool".to_owned(),
            target: "≤ 16 connections".to_owned(),
            measured: format!("TONGXIN_DB_MAX_CONNECTIONS={}", self.db_max_connections),
            met: self.db_max_connections <= 16,
        });
        let whole = if self.command_seconds > 0.0 {
            self.command_seconds
        } else {
            self.total_seconds
        };
        targets.push(Target {
            scenario: "The whole benchmark".to_owned(),
            target: "one command, < 10 minutes".to_owned(),
            measured: format!(
                "{whole:.0} s for the command; this backend {:.0} s (load {:.0} s)",
                self.total_seconds, self.fixtures.load_seconds
            ),
            met: whole < 600.0,
        });
        self.targets = targets;
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nTongxin benchmark — {} — scale {} — {} clients × {} s — {} CPUs — commit {}",
            self.backend, self.scale, self.clients, self.duration_secs, self.cpus, self.commit
        );
        let _ = writeln!(
            out,
            "{:<26} {:>7} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8} {:>8}",
            "scenario",
            "clients",
            "requests",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "errors",
            "SQL/req",
            "RSS MB"
        );
        let _ = writeln!(out, "{}", "-".repeat(117));
        for r in &self.scenarios {
            let _ = writeln!(
                out,
                "{:<26} {:>7} {:>9} {:>10} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>8.2} {:>8.1}",
                r.name,
                r.clients,
                r.requests,
                r.requests_per_second
                    .map_or("—".to_owned(), |v| format!("{v:.0}")),
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.max_ms,
                r.errors,
                r.sql_per_request,
                r.peak_rss_mb
            );
        }
        if let Some(hwm) = self.server_rss_high_water_mb {
            let _ = writeln!(
                out,
                "server peak RSS (VmHWM): {hwm:.1} MB, of which heap (RssAnon) at most {:.1} MB",
                self.rss_anon_peak_mb
            );
        }
        if let Some(fresh) = &self.freshness {
            let _ = writeln!(out, "{fresh}");
        }
        let _ = writeln!(out, "\n{:<54} {:<50} {:<5} measured", "target", "", "met");
        let _ = writeln!(out, "{}", "-".repeat(117));
        for t in &self.targets {
            let _ = writeln!(
                out,
                "{:<54} {:<50} {:<5} {}",
                t.scenario,
                t.target,
                if t.met { "yes" } else { "NO" },
                t.measured
            );
        }
        out
    }

    /// The summary kept in bench/README.md between its markers.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let counts = |table: &str| {
            self.fixtures
                .counts
                .iter()
                .find(|(t, _)| t == table)
                .map_or(0, |(_, n)| *n)
        };
        let _ = writeln!(
            out,
            "Last run: {} UTC, commit `{}`, {} at scale {} ({} activities, {} volunteers, {} registrations, \
             {} service records, {} survey responses, {} rectifications; loaded in {:.0} s), \
             {} clients × {} s per scenario after {} s of warm-up, {} CPUs, pool of {} connections, \
             this backend {:.0} s.\n",
            self.started_at,
            self.commit,
            self.backend,
            self.scale,
            thousands(counts("activities") as f64),
            thousands(counts("volunteers") as f64),
            thousands(counts("registrations") as f64),
            thousands(counts("service_records") as f64),
            thousands(counts("survey_responses") as f64),
            thousands(counts("rectifications") as f64),
            self.fixtures.load_seconds,
            self.clients,
            self.duration_secs,
            self.warmup_secs,
            self.cpus,
            self.db_max_connections,
            self.total_seconds
        );
        let _ = writeln!(out, "| scenario | target | measured | met? |");
        let _ = writeln!(out, "|---|---|---|---|");
        for t in &self.targets {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                t.scenario,
                t.target,
                t.measured,
                if t.met { "yes" } else { "**no**" }
            );
        }
        let _ = writeln!(
            out,
            "\n| scenario | clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors | SQL/req | peak RSS MB |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for r in &self.scenarios {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {:.2} | {:.1} |",
                r.name,
                r.clients,
                r.requests,
                r.requests_per_second.map_or("—".to_owned(), thousands),
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.max_ms,
                r.errors,
                r.sql_per_request,
                r.peak_rss_mb
            );
        }
        if let Some(fresh) = &self.freshness {
            let _ = writeln!(out, "\nFreshness: {fresh}.");
        }
        out
    }

    pub fn write_json(&self, dir: &Path, stamp: &str) -> anyhow::Result<std::path::PathBuf> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!(
            "{stamp}-{}-scale{}.json",
            self.backend.to_lowercase(),
            self.scale
        ));
        std::fs::write(&path, serde_json::to_string_pretty(self)?)
            .with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// What must stay flat as the data grows (issue 23, target 6), for each backend run at
/// several scales: the first scale of the backend against each later one. Empty when no
/// backend ran at more than one scale.
pub fn scales_side_by_side(reports: &[Report]) -> String {
    let mut out = String::new();
    let mut backends: Vec<&str> = reports.iter().map(|r| r.backend.as_str()).collect();
    backends.dedup();
    for backend in backends {
        let runs: Vec<&Report> = reports.iter().filter(|r| r.backend == backend).collect();
        let Some((base, others)) = runs.split_first() else {
            continue;
        };
        for other in others {
            out.push_str(&format!(
                "{backend}, scale {} against scale {}:\n\n| scenario | scale {} | scale {} | ratio | target | met |\n|---|--:|--:|--:|---|---|\n",
                other.scale, base.scale, base.scale, other.scale
            ));
            for name in ["feed-signed-in", "activity-detail", "register-spread"] {
                let (Some(a), Some(b)) =
                    (find(&base.scenarios, name), find(&other.scenarios, name))
                else {
                    continue;
                };
                let (x, y) = (
                    a.requests_per_second.unwrap_or(0.0),
                    b.requests_per_second.unwrap_or(0.0),
                );
                let ratio = y / x.max(1e-9);
                out.push_str(&format!(
                    "| {name} | {} req/s | {} req/s | {ratio:.2} | within 10 % | {} |\n",
                    thousands(x),
                    thousands(y),
                    if ratio >= 0.9 && a.errors == 0 && b.errors == 0 {
                        "yes"
                    } else {
                        "**no**"
                    }
                ));
            }
            for name in ["dashboard-overview-cold", "dashboard-overview-range-cold"] {
                let (Some(a), Some(b)) =
                    (find(&base.scenarios, name), find(&other.scenarios, name))
                else {
                    continue;
                };
                out.push_str(&format!(
                    "| {name} | median {:.0} ms, worst {:.0} | median {:.0} ms, worst {:.0} | {:.2} | ≤ 100 ms at both | {} |\n",
                    a.p50_ms,
                    a.max_ms,
                    b.p50_ms,
                    b.max_ms,
                    b.p50_ms / a.p50_ms.max(1e-9),
                    if a.max_ms <= 100.0 && b.max_ms <= 100.0 {
                        "yes"
                    } else {
                        "**no**"
                    }
                ));
            }
            out.push('\n');
        }
    }
    out
}

pub const README_START: &str = "<!-- bench:last-run:start -->";
pub const README_END: &str = "<!-- bench:last-run:end -->";

pub const PEER_START: &str = "<!-- bench:peer:start -->";
pub const PEER_END: &str = "<!-- bench:peer:end -->";

/// Replaces the summary between the markers of bench/README.md.
pub fn update_readme(readme: &Path, summary: &str) -> anyhow::Result<()> {
    update_section(readme, README_START, README_END, summary)
}

/// Replaces what lies between two markers of a file.
pub fn update_section(path: &Path, start: &str, end: &str, text: &str) -> anyhow::Result<()> {
    let old =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let updated = replace_section(&old, start, end, text)
        .with_context(|| format!("{} has no {start} … {end} markers", path.display()))?;
    std::fs::write(path, updated).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn replace_section(old: &str, start: &str, end: &str, text: &str) -> Option<String> {
    let from = old.find(start)?;
    let to = from + old[from..].find(end)?;
    Some(format!("{}{start}\n{text}{}", &old[..from], &old[to..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_between_its_markers_only() {
        let old = "intro\n<!-- a -->\nold\n<!-- /a -->\n<!-- b -->\nkept\n<!-- /b -->\n";
        let new = replace_section(old, "<!-- a -->", "<!-- /a -->", "new\n").expect("markers");
        assert_eq!(
            new,
            "intro\n<!-- a -->\nnew\n<!-- /a -->\n<!-- b -->\nkept\n<!-- /b -->\n"
        );
        assert!(replace_section(old, "<!-- c -->", "<!-- /c -->", "x").is_none());
    }
}
