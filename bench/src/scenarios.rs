//! The scenarios of issue 8, each against the running server.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use api::auth::JwtKeys;
use entity::enums::Role;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde::Serialize;
use serde_json::{Value, json};

use crate::dataset::{self, Fixtures};
use crate::driver::{self, MakeRequest, Request, Rng};
use crate::operations::{Operations, body};
use crate::server::Server;

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub clients: usize,
    /// Requests answered in the measured window (or single requests, for cold runs).
    pub requests: u64,
    pub seconds: f64,
    /// `None` for scenarios of single timed requests.
    pub requests_per_second: Option<f64>,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    pub errors: u64,
    pub sql_per_request: f64,
    pub peak_rss_mb: f64,
    pub tags: BTreeMap<String, u64>,
    pub notes: Vec<String>,
    pub error_samples: Vec<String>,
}

pub struct Bench {
    pub http: reqwest::Client,
    pub url: String,
    pub server: Server,
    pub ops: Operations,
    pub jwt: JwtKeys,
    pub fixtures: Fixtures,
    pub db: DatabaseConnection,
    pub clients: usize,
    pub warmup: Duration,
    pub duration: Duration,
    pub burst: usize,
    pub cold_runs: usize,
    pub results: Vec<ScenarioResult>,
    /// Statements per request of the signed-in feed by `first`.
    pub feed_sql_by_first: Vec<(i64, u64)>,
    /// Statements of one signed-in ActivityDetail whose public part was read before.
    pub detail_sql_warm: Option<u64>,
    pub burst_check: Option<BurstCheck>,
    pub freshness_check: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BurstCheck {
    pub registered: i64,
    pub waitlisted: i64,
    pub errors: u64,
    pub registered_count: i64,
    pub waitlist_count: i64,
    pub waitlist_positions_ok: bool,
    pub ok: bool,
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

pub(crate) fn volunteer_roles() -> Vec<Role> {
    vec![Role::Resident, Role::Volunteer]
}

/// A token of the dataset's volunteer (for request makers, which cannot borrow the bench).
pub(crate) fn volunteer_token(jwt: &api::auth::JwtKeys, volunteer: i64) -> String {
    jwt.issue(
        dataset::volunteer_user(volunteer),
        "bench",
        volunteer_roles(),
        None,
    )
    .expect("token")
}

impl Bench {
    fn token(&self, user: i32, roles: Vec<Role>) -> String {
        self.jwt.issue(user, "bench", roles, None).expect("token")
    }

    pub(crate) fn volunteer_token(&self, volunteer: i64) -> String {
        volunteer_token(&self.jwt, volunteer)
    }

    pub(crate) async fn ids(&self, sql: &str) -> anyhow::Result<Vec<i64>> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .with_context(|| sql.to_owned())?;
        rows.into_iter()
            .map(|row| {
                row.try_get_by_index::<i64>(0)
                    .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
                    .map_err(Into::into)
            })
            .collect()
    }

    async fn pairs(&self, sql: &str) -> anyhow::Result<Vec<(i64, i64)>> {
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                self.db.get_database_backend(),
                sql.to_owned(),
            ))
            .await
            .with_context(|| sql.to_owned())?;
        let get = |row: &sea_orm::QueryResult, i: usize| -> anyhow::Result<i64> {
            Ok(row
                .try_get_by_index::<i64>(i)
                .or_else(|_| row.try_get_by_index::<i32>(i).map(i64::from))?)
        };
        rows.iter()
            .map(|row| Ok((get(row, 0)?, get(row, 1)?)))
            .collect()
    }

    /// One request, timed, with the statements it ran.
    async fn single(&self, request: Request) -> anyhow::Result<(Duration, u64, Value)> {
        let before = self.server.sql_statements(&self.http).await?;
        let started = Instant::now();
        let (status, bytes) = driver::send(&self.http, &self.url, request).await?;
        let elapsed = started.elapsed();
        let after = self.server.sql_statements(&self.http).await?;
        let value: Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{status}: {}", String::from_utf8_lossy(&bytes)))?;
        ensure!(
            status == 200 && value.get("errors").is_none(),
            "request failed: {status} {value}"
        );
        Ok((elapsed, after - before, value))
    }

    /// Runs a load and records it.
    async fn measure(
        &mut self,
        name: &str,
        description: &str,
        make: MakeRequest,
        tags: &[&str],
    ) -> anyhow::Result<ScenarioResult> {
        eprintln!(
            "▶ {name}: {} clients, {:.0} s (+{:.0} s warm-up)",
            self.clients,
            self.duration.as_secs_f64(),
            self.warmup.as_secs_f64()
        );
        let before = self.server.sql_statements(&self.http).await?;
        self.server.reset_peak_rss();
        let mut outcome = driver::run(
            &self.http,
            &self.url,
            self.clients,
            self.warmup,
            self.duration,
            make,
            tags,
        )
        .await;
        let after = self.server.sql_statements(&self.http).await?;
        let peak = self.server.peak_rss();
        let stats = driver::stats(&mut outcome.latencies_us);
        let seconds = outcome.measured.as_secs_f64();
        let result = ScenarioResult {
            name: name.to_owned(),
            description: description.to_owned(),
            clients: self.clients,
            requests: outcome.requests,
            seconds,
            requests_per_second: Some(outcome.requests as f64 / seconds),
            p50_ms: stats.p50_ms,
            p95_ms: stats.p95_ms,
            p99_ms: stats.p99_ms,
            max_ms: stats.max_ms,
            mean_ms: stats.mean_ms,
            errors: outcome.errors,
            sql_per_request: (after - before) as f64 / outcome.total_requests.max(1) as f64,
            peak_rss_mb: mb(peak),
            tags: outcome.tags,
            notes: Vec::new(),
            error_samples: outcome.error_samples,
        };
        eprintln!(
            "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} errors, {:.2} SQL/req, RSS {:.1} MB",
            result.requests_per_second.unwrap_or(0.0),
            result.p50_ms,
            result.p99_ms,
            result.errors,
            result.sql_per_request,
            result.peak_rss_mb
        );
        for sample in &result.error_samples {
            eprintln!("  error: {sample}");
        }
        Ok(result)
    }

    pub async fn feed_anonymous(&mut self) -> anyhow::Result<()> {
        let request = body(
            &self.ops.activity_feed,
            "ActivityFeed",
            json!({ "first": 20 }),
        );
        let make: MakeRequest = Arc::new(move |_, _| Request {
            body: request.clone(),
            token: None,
            viewer: None,
        });
        let result = self
            .measure(
                "feed-anonymous",
                "ActivityFeed, first 20, no token",
                make,
                &[],
            )
            .await?;
        self.results.push(result);
        Ok(())
    }

    /// Volunteers with a live registration among the first page of the feed.
    pub(crate) async fn first_page_volunteers(&self) -> anyhow::Result<Vec<i64>> {
        self.ids(
            "SELECT DISTINCT r.volunteer_id FROM registrations r WHERE r.status <> 'CANCELLED' \
             AND r.activity_id IN (SELECT id FROM activities WHERE status IN ('PUBLISHED', 'COMPLETED') \
               ORDER BY CASE WHEN starts_at IS NULL THEN 1 ELSE 0 END, starts_at, seq_no, id LIMIT 20) \
             ORDER BY r.volunteer_id LIMIT 1000",
        )
        .await
    }

    pub async fn feed_signed_in(&mut self) -> anyhow::Result<()> {
        let volunteers = self.first_page_volunteers().await?;
        ensure!(
            !volunteers.is_empty(),
            "no volunteer registered on the first page"
        );
        // Statements per request, whatever `first` is.
        for first in [1, 20, 100] {
            let request = Request {
                body: body(
                    &self.ops.activity_feed,
                    "ActivityFeed",
                    json!({ "first": first }),
                ),
                token: Some(self.volunteer_token(volunteers[0])),
                viewer: None,
            };
            let (_, statements, value) = self.single(request).await?;
            let edges = value["data"]["activities"]["edges"]
                .as_array()
                .map_or(0, Vec::len);
            ensure!(
                edges as i64 == first,
                "feed with first {first} returned {edges} edges"
            );
            self.feed_sql_by_first.push((first, statements));
        }
        let tokens: Arc<Vec<String>> = Arc::new(
            volunteers
                .iter()
                .map(|v| self.volunteer_token(*v))
                .collect(),
        );
        let request = body(
            &self.ops.activity_feed,
            "ActivityFeed",
            json!({ "first": 20 }),
        );
        let make: MakeRequest = Arc::new(move |_, rng: &mut Rng| Request {
            body: request.clone(),
            token: Some(tokens[rng.below(tokens.len() as u64) as usize].clone()),
            viewer: None,
        });
        let mut result = self
            .measure(
                "feed-signed-in",
                "ActivityFeed, first 20, volunteers with registrations on the page (viewerRegistration)",
                make,
                &["\"viewerRegistration\":{"],
            )
            .await?;
        result.notes.push(format!(
            "{} volunteers; SQL statements of one request by first: {}",
            volunteers.len(),
            self.feed_sql_by_first
                .iter()
                .map(|(first, n)| format!("first {first}: {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        self.results.push(result);
        Ok(())
    }

    pub async fn activity_detail(&mut self) -> anyhow::Result<()> {
        let ids = Arc::new(
            self.ids(&format!(
                "SELECT id FROM activities WHERE status IN ('PUBLISHED', 'COMPLETED') AND id <= {} ORDER BY id",
                self.fixtures.burst_activity - 1
            ))
            .await?,
        );
        ensure!(!ids.is_empty(), "no visible activity");
        let count = ids.len();
        let tokens: Arc<Vec<String>> = Arc::new(
            (0..2000)
                .map(|i| self.volunteer_token(1 + (i * 97) % self.fixtures.volunteers))
                .collect(),
        );
        let query = self.ops.activity_detail.clone();
        let make: MakeRequest = Arc::new(move |_, rng: &mut Rng| {
            let id = ids[rng.below(ids.len() as u64) as usize];
            Request {
                body: body(&query, "ActivityDetail", json!({ "id": id.to_string() })),
                token: Some(tokens[rng.below(tokens.len() as u64) as usize].clone()),
                viewer: None,
            }
        });
        let mut result = self
            .measure(
                "activity-detail",
                "ActivityDetail of a random visible activity, signed-in volunteer",
                make,
                &[],
            )
            .await?;
        // One request for an activity whose public part was read before: what the page
        // costs once it is kept (the load above also pays each activity's first read).
        let volunteers = self.first_page_volunteers().await?;
        let volunteer = volunteers.first().copied().unwrap_or(1);
        let request = || Request {
            body: body(
                &self.ops.activity_detail,
                "ActivityDetail",
                json!({ "id": self.fixtures.burst_activity.to_string() }),
            ),
            token: Some(self.volunteer_token(volunteer)),
            viewer: None,
        };
        self.single(request()).await?;
        let (_, warm, _) = self.single(request()).await?;
        self.detail_sql_warm = Some(warm);
        result.notes.push(format!(
            "{count} activities at random; one request for an activity read before: {warm} statements"
        ));
        self.results.push(result);
        Ok(())
    }

    /// One volunteer alone, one connection: each read of the volunteer app in turn, for its
    /// latency (no queueing behind other clients: what is left is the work and any waiting
    /// the server does on its own).
    pub async fn one_user(&mut self) -> anyhow::Result<()> {
        let volunteers = self.first_page_volunteers().await?;
        ensure!(!volunteers.is_empty(), "no volunteer with registrations");
        let token = self.volunteer_token(volunteers[0]);
        let activity = self.fixtures.burst_activity.to_string();
        let survey = self
            .fixtures
            .bench_surveys
            .first()
            .copied()
            .context("no open survey")?
            .to_string();
        let (clients, warmup, duration) = (self.clients, self.warmup, self.duration);
        self.clients = 1;
        self.warmup = Duration::from_millis(500);
        self.duration = Duration::from_secs(2).min(duration);
        let reads = self.ops.volunteer_reads.clone();
        let mut outcome = Ok(());
        for (name, query) in reads {
            let variables = match name {
                "ActivityDetail" => json!({ "id": activity }),
                "Survey" => json!({ "id": survey }),
                "Me" => json!({}),
                _ => json!({ "first": 20 }),
            };
            let request = Request {
                body: body(&query, name, variables),
                token: Some(token.clone()),
                viewer: None,
            };
            let make: MakeRequest = Arc::new(move |_, _| request.clone());
            match self
                .measure(
                    &format!("one-user {name}"),
                    &format!("{name} as one volunteer, one connection"),
                    make,
                    &[],
                )
                .await
            {
                Ok(result) => self.results.push(result),
                Err(err) => {
                    outcome = Err(err);
                    break;
                }
            }
        }
        (self.clients, self.warmup, self.duration) = (clients, warmup, duration);
        outcome
    }

    pub(crate) fn viewer_token(&self) -> String {
        self.token(dataset::VIEWER_USER, vec![Role::Resident, Role::Viewer])
    }

    pub async fn dashboard_cached(&mut self, hours: bool) -> anyhow::Result<()> {
        let (query, operation, name) = if hours {
            (
                &self.ops.dashboard_hours,
                "DashboardHours",
                "dashboard-hours-cached",
            )
        } else {
            (
                &self.ops.dashboard_overview,
                "DashboardOverview",
                "dashboard-overview-cached",
            )
        };
        let request = body(query, operation, json!({}));
        let token = self.viewer_token();
        // One request computes and caches every figure; the load then reads the cache.
        let (first, _, _) = self
            .single(Request {
                body: request.clone(),
                token: Some(token.clone()),
                viewer: None,
            })
            .await?;
        let make: MakeRequest = Arc::new(move |_, _| Request {
            body: request.clone(),
            token: Some(token.clone()),
            viewer: None,
        });
        let mut result = self
            .measure(
                name,
                &format!("{operation}, whole dataset (no range), viewer, answered from the cache"),
                make,
                &[],
            )
            .await?;
        result.notes.push(format!(
            "the request that filled the cache took {:.1} ms",
            first.as_secs_f64() * 1000.0
        ));
        self.results.push(result);
        Ok(())
    }

    pub async fn survey_submit(&mut self) -> anyhow::Result<()> {
        let surveys = Arc::new(self.fixtures.bench_surveys.clone());
        let volunteers = self.fixtures.volunteers as u64;
        let query = self.ops.submit_survey.clone();
        let jwt = self.jwt.clone();
        let make: MakeRequest = Arc::new(move |seq, rng: &mut Rng| {
            // Each (survey, resident) once: a resident answers a survey only once.
            let survey = surveys[((seq / volunteers) % surveys.len() as u64) as usize];
            let volunteer = 1 + (seq % volunteers) as i64;
            let [satisfaction, choice, rating, text] = dataset::question_ids(survey);
            let options = dataset::option_ids(survey);
            let level = match rng.below(100) {
                0..50 => "VERY_SATISFIED",
                50..80 => "SATISFIED",
                80..90 => "BASICALLY_SATISFIED",
                90..97 => "DISSATISFIED",
                _ => "VERY_DISSATISFIED",
            };
            let mut answers = vec![
                json!({ "questionId": satisfaction.to_string(), "level": level }),
                json!({ "questionId": choice.to_string(), "optionIds": [options[rng.below(3) as usize].to_string()] }),
                json!({ "questionId": rating.to_string(), "rating": 1 + rng.below(5) }),
            ];
            if rng.below(3) == 0 {
                answers.push(
                    json!({ "questionId": text.to_string(), "text": "希望多组织类似的活动。" }),
                );
            }
            Request {
                body: body(
                    &query,
                    "SubmitSurveyResponse",
                    json!({ "input": {
                        "surveyId": survey.to_string(),
                        "channel": "MINI_PROGRAM",
                        "answers": answers,
                        "requestId": format!("bench-{seq}"),
                    }}),
                ),
                token: Some(volunteer_token(&jwt, volunteer)),
                viewer: None,
            }
        });
        let result = self
            .measure(
                "survey-submit",
                "SubmitSurveyResponse (MINI_PROGRAM, 3–4 answers, ~10% dissatisfied open a rectification), each resident once",
                make,
                &["\"rectification\":{"],
            )
            .await?;
        self.results.push(result);
        Ok(())
    }

    /// Published activities still open for registration, the spare fixtures included (so
    /// that small scales have enough pairs), the burst's activity not.
    pub(crate) async fn open_activities(&self) -> anyhow::Result<Vec<i64>> {
        self.ids(&format!(
            "SELECT id FROM activities WHERE id <> {} AND status = 'PUBLISHED' AND start_date > '{}' \
             AND published_at IS NOT NULL AND registration_opens_at IS NULL AND registration_closes_at IS NULL \
             ORDER BY id",
            self.fixtures.burst_activity,
            dataset::today()
        ))
        .await
    }

    /// New (activity, volunteer) pairs over the activities open for registration: pairs
    /// (k mod n, k·p mod V) never repeat while gcd(n, V) = 1 and gcd(p, V) = 1, and those
    /// already registered are skipped. Shared by every run that registers, so no run meets
    /// another's registrations.
    pub(crate) async fn registration_pairs(&self) -> anyhow::Result<RegistrationPairs> {
        let mut activities = self.open_activities().await?;
        ensure!(!activities.is_empty(), "no activity open for registration");
        let volunteers = self.fixtures.volunteers;
        while activities.len() > 1 && gcd(activities.len() as i64, volunteers) != 1 {
            activities.pop();
        }
        let stride = [7919, 7927, 7933, 7937]
            .into_iter()
            .find(|p| gcd(*p, volunteers) == 1)
            .context("no stride coprime with the volunteer count")?;
        let taken: HashSet<(i64, i64)> = self
            .pairs(&format!(
                "SELECT activity_id, volunteer_id FROM registrations WHERE status <> 'CANCELLED' \
                 AND activity_id IN ({})",
                activities
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .await?
            .into_iter()
            .collect();
        Ok(RegistrationPairs {
            activities,
            volunteers,
            stride,
            taken,
            counter: AtomicU64::new(0),
        })
    }

    pub async fn register_spread(&mut self) -> anyhow::Result<()> {
        let pairs = Arc::new(self.registration_pairs().await?);
        let count = pairs.activities.len();
        let taken_count = pairs.taken.len();
        let query = self.ops.register.clone();
        let jwt = self.jwt.clone();
        let make: MakeRequest = Arc::new(move |_, _| {
            let (activity, volunteer) = pairs.next();
            register_request(&query, &jwt, activity, volunteer)
        });
        let mut result = self
            .measure(
                "register-spread",
                "RegisterForActivity, a new (volunteer, activity) pair each time, over the activities open for registration",
                make,
                &["\"REGISTERED\"", "\"WAITLISTED\""],
            )
            .await?;
        result.notes.push(format!(
            "{count} open activities, {taken_count} live registrations on them before"
        ));
        self.results.push(result);
        Ok(())
    }

    pub async fn register_burst(&mut self) -> anyhow::Result<()> {
        let activity = self.fixtures.burst_activity;
        let n = self.burst;
        eprintln!("▶ register-burst: {n} volunteers at once on activity {activity} (capacity 50)");
        let requests: Vec<Request> = (0..n as i64)
            .map(|i| Request {
                body: body(
                    &self.ops.register,
                    "RegisterForActivity",
                    json!({ "activityId": activity.to_string() }),
                ),
                token: Some(self.volunteer_token(1 + i)),
                viewer: None,
            })
            .collect();
        let before = self.server.sql_statements(&self.http).await?;
        self.server.reset_peak_rss();
        let barrier = Arc::new(tokio::sync::Barrier::new(n));
        let started = Instant::now();
        let mut handles = Vec::with_capacity(n);
        for request in requests {
            let http = self.http.clone();
            let url = self.url.clone();
            let barrier = barrier.clone();
            handles.push(tokio::spawn(async move {
                barrier.wait().await;
                let sent = Instant::now();
                let result = driver::send(&http, &url, request).await;
                (sent.elapsed(), result)
            }));
        }
        let mut latencies = Vec::with_capacity(n);
        let mut errors = 0u64;
        let mut samples = Vec::new();
        let mut positions = Vec::new();
        let mut tags: BTreeMap<String, u64> = BTreeMap::new();
        for handle in handles {
            let (elapsed, result) = handle.await?;
            latencies.push(elapsed.as_micros() as u32);
            match result {
                Ok((200, bytes)) => {
                    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                    let registration = &value["data"]["registerForActivity"];
                    if value.get("errors").is_some() || registration.is_null() {
                        errors += 1;
                        if samples.len() < 3 {
                            samples.push(value.to_string());
                        }
                        continue;
                    }
                    let status = registration["status"].as_str().unwrap_or("?").to_owned();
                    *tags.entry(status).or_default() += 1;
                    if let Some(position) = registration["waitlistPosition"].as_i64() {
                        positions.push(position);
                    }
                }
                Ok((status, bytes)) => {
                    errors += 1;
                    if samples.len() < 3 {
                        samples.push(format!("{status}: {}", String::from_utf8_lossy(&bytes)));
                    }
                }
                Err(err) => {
                    errors += 1;
                    if samples.len() < 3 {
                        samples.push(format!("transport: {err}"));
                    }
                }
            }
        }
        let wall = started.elapsed();
        let after = self.server.sql_statements(&self.http).await?;
        let peak = self.server.peak_rss();
        let counts = self
            .pairs(&format!(
                "SELECT CASE status WHEN 'REGISTERED' THEN 1 WHEN 'WAITLISTED' THEN 2 ELSE 3 END, COUNT(*) \
                 FROM registrations WHERE activity_id = {activity} GROUP BY status"
            ))
            .await?;
        let count_of = |code: i64| {
            counts
                .iter()
                .find(|(c, _)| *c == code)
                .map_or(0, |(_, n)| *n)
        };
        let stored = self
            .pairs(&format!(
                "SELECT registered_count, waitlist_count FROM activities WHERE id = {activity}"
            ))
            .await?;
        let (registered_count, waitlist_count) = stored.first().copied().unwrap_or((-1, -1));
        let capacity = dataset::BURST_CAPACITY;
        let expected_waitlist = n as i64 - capacity;
        positions.sort_unstable();
        let waitlist_positions_ok = positions == (1..=expected_waitlist).collect::<Vec<_>>();
        let registered = count_of(1);
        let waitlisted = count_of(2);
        let check = BurstCheck {
            registered,
            waitlisted,
            errors,
            registered_count,
            waitlist_count,
            waitlist_positions_ok,
            ok: registered == capacity
                && waitlisted == expected_waitlist
                && errors == 0
                && registered_count == capacity
                && waitlist_count == expected_waitlist
                && waitlist_positions_ok,
        };
        let stats = driver::stats(&mut latencies);
        let result = ScenarioResult {
            name: "register-burst".to_owned(),
            description: format!(
                "{n} RegisterForActivity at once on one activity of capacity {capacity}"
            ),
            clients: n,
            requests: n as u64,
            seconds: wall.as_secs_f64(),
            requests_per_second: Some(n as f64 / wall.as_secs_f64()),
            p50_ms: stats.p50_ms,
            p95_ms: stats.p95_ms,
            p99_ms: stats.p99_ms,
            max_ms: stats.max_ms,
            mean_ms: stats.mean_ms,
            errors,
            sql_per_request: (after - before) as f64 / n as f64,
            peak_rss_mb: mb(peak),
            tags,
            notes: vec![format!(
                "database after the burst: {registered} REGISTERED, {waitlisted} WAITLISTED; \
                 activity counters {registered_count}/{waitlist_count}; waitlist positions 1..{expected_waitlist} each once: {waitlist_positions_ok}; \
                 all {n} answered in {:.0} ms",
                wall.as_secs_f64() * 1000.0
            )],
            error_samples: samples,
        };
        eprintln!(
            "  {registered} REGISTERED, {waitlisted} WAITLISTED, {errors} errors, p99 {:.1} ms, {:.1} SQL/req",
            result.p99_ms, result.sql_per_request
        );
        self.burst_check = Some(check);
        self.results.push(result);
        Ok(())
    }

    /// The first DashboardHours and DashboardOverview after a change, one at a time: each
    /// run completes a spare activity (which bumps the dashboard version) first.
    pub async fn dashboard_cold(&mut self) -> anyhow::Result<()> {
        let runs = self.cold_runs.min(self.fixtures.spare_activities.len());
        eprintln!(
            "▶ dashboard-cold: {runs} runs of completeActivity, then DashboardHours and DashboardOverview"
        );
        let admin = self.token(dataset::ADMIN_USER, vec![Role::Resident, Role::Admin]);
        let viewer = self.viewer_token();
        self.server.reset_peak_rss();
        let mut hours = Vec::new();
        let mut overview = Vec::new();
        let mut overview_range = Vec::new();
        let mut hours_sql = 0;
        let mut overview_sql = 0;
        let mut overview_range_sql = 0;
        for (run, activity) in self.fixtures.spare_activities[..runs]
            .iter()
            .copied()
            .enumerate()
        {
            let anonymous_detail = Request {
                body: body(
                    &self.ops.activity_detail,
                    "ActivityDetail",
                    json!({ "id": activity.to_string() }),
                ),
                token: None,
                viewer: None,
            };
            if run == 0 {
                let (_, _, before) = self.single(anonymous_detail).await?;
                ensure!(
                    before["data"]["activity"]["status"] == "PUBLISHED",
                    "spare activity {activity} is not PUBLISHED: {before}"
                );
            }
            // An activity is completed only once it has started: the spare one started an
            // hour ago (its end stays ahead).
            let backend = self.db.get_database_backend();
            let placeholder = |n: usize| api::db::placeholder(backend, n);
            self.db
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    format!(
                        "UPDATE activities SET starts_at = {} WHERE id = {}",
                        placeholder(1),
                        placeholder(2)
                    ),
                    [
                        (chrono::Utc::now() - chrono::Duration::hours(1)).into(),
                        activity.into(),
                    ],
                ))
                .await
                .context("starting the spare activity")?;
            self.single(Request {
                body: body(
                    &self.ops.complete_activity,
                    "CompleteActivity",
                    json!({ "id": activity.to_string() }),
                ),
                token: Some(admin.clone()),
                viewer: None,
            })
            .await
            .context("completeActivity")?;
            if run == 0 {
                // The anonymous view must show the change at once.
                let (_, _, after) = self
                    .single(Request {
                        body: body(
                            &self.ops.activity_detail,
                            "ActivityDetail",
                            json!({ "id": activity.to_string() }),
                        ),
                        token: None,
                        viewer: None,
                    })
                    .await?;
                let status = after["data"]["activity"]["status"]
                    .as_str()
                    .unwrap_or("?")
                    .to_owned();
                self.freshness_check = Some(format!(
                    "anonymous ActivityDetail right after completeActivity: {status}{}",
                    if status == "COMPLETED" {
                        " (fresh)"
                    } else {
                        " (STALE)"
                    }
                ));
            }
            let (elapsed, statements, value) = self
                .single(Request {
                    body: body(&self.ops.dashboard_hours, "DashboardHours", json!({})),
                    token: Some(viewer.clone()),
                    viewer: None,
                })
                .await?;
            if value["data"]["dashboard"]["hoursByDepartment"]
                .as_array()
                .is_none_or(Vec::is_empty)
            {
                bail!("DashboardHours answered no departments: {value}");
            }
            hours.push(elapsed.as_micros() as u32);
            hours_sql += statements;
            let (elapsed, statements, _) = self
                .single(Request {
                    body: body(&self.ops.dashboard_overview, "DashboardOverview", json!({})),
                    token: Some(viewer.clone()),
                    viewer: None,
                })
                .await?;
            overview.push(elapsed.as_micros() as u32);
            overview_sql += statements;
            // A month-aligned range: the whole of 2025, which the rollups kept per month answer.
            let (elapsed, statements, value) = self
                .single(Request {
                    body: body(
                        &self.ops.dashboard_overview,
                        "DashboardOverview",
                        json!({ "range": { "from": "2025-01-01", "to": "2025-12-31" } }),
                    ),
                    token: Some(viewer.clone()),
                    viewer: None,
                })
                .await?;
            if value["data"]["dashboard"]["overview"]["responseCount"]
                .as_i64()
                .is_none()
            {
                bail!("DashboardOverview over 2025 answered no figures: {value}");
            }
            overview_range.push(elapsed.as_micros() as u32);
            overview_range_sql += statements;
            eprintln!(
                "  run {}: DashboardHours {:.0} ms, DashboardOverview {:.0} ms, over 2025 {:.0} ms",
                run + 1,
                *hours.last().expect("pushed") as f64 / 1000.0,
                *overview.last().expect("pushed") as f64 / 1000.0,
                *overview_range.last().expect("pushed") as f64 / 1000.0
            );
        }
        let peak = self.server.peak_rss();
        for (name, operation, mut latencies, statements) in [
            (
                "dashboard-hours-cold",
                "DashboardHours, whole dataset",
                hours,
                hours_sql,
            ),
            (
                "dashboard-overview-cold",
                "DashboardOverview, whole dataset",
                overview,
                overview_sql,
            ),
            (
                "dashboard-overview-range-cold",
                "DashboardOverview over 2025 (whole months)",
                overview_range,
                overview_range_sql,
            ),
        ] {
            let n = latencies.len();
            let stats = driver::stats(&mut latencies);
            self.results.push(ScenarioResult {
                name: name.to_owned(),
                description: format!(
                    "{operation}, first request after a version bump (completeActivity), one at a time"
                ),
                clients: 1,
                requests: n as u64,
                seconds: 0.0,
                requests_per_second: None,
                p50_ms: stats.p50_ms,
                p95_ms: stats.p95_ms,
                p99_ms: stats.p99_ms,
                max_ms: stats.max_ms,
                mean_ms: stats.mean_ms,
                errors: 0,
                sql_per_request: statements as f64 / n.max(1) as f64,
                peak_rss_mb: mb(peak),
                tags: BTreeMap::new(),
                notes: vec![format!("{n} single requests")],
                error_samples: Vec::new(),
            });
        }
        Ok(())
    }
}

/// See [`Bench::registration_pairs`].
pub struct RegistrationPairs {
    pub activities: Vec<i64>,
    volunteers: i64,
    stride: i64,
    pub taken: HashSet<(i64, i64)>,
    counter: AtomicU64,
}

impl RegistrationPairs {
    /// The next pair nobody holds: (activity, volunteer).
    pub fn next(&self) -> (i64, i64) {
        loop {
            let k = self.counter.fetch_add(1, Ordering::Relaxed) as i64;
            let activity = self.activities[(k % self.activities.len() as i64) as usize];
            let volunteer = 1 + (k * self.stride) % self.volunteers;
            if !self.taken.contains(&(activity, volunteer)) {
                return (activity, volunteer);
            }
        }
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.abs() } else { gcd(b, a % b) }
}

/// What the attackers of the `hostile` scenario sent and got.
#[derive(Debug, Default)]
struct AttackTally {
    sent: AtomicU64,
    refused: AtomicU64,
    server_errors: AtomicU64,
    transport_errors: AtomicU64,
}

/// The attacks of issue 13, in turn: each is a request body and, for some, a token.
fn attack(seq: u64, rng: &mut Rng) -> (String, Option<String>) {
    match seq % 6 {
        // A value literal nested 2,000 deep (it used to overflow a worker's stack).
        0 => {
            let deep = format!("{}1{}", "[".repeat(2_000), "]".repeat(2_000));
            let query = format!("{{ activities(first: 1, filter: {{search: {deep}}}) {{ totalCount }} }}");
            (json!({ "query": query }).to_string(), None)
        }
        // A 60 KB document of aliased lists (refused by complexity after parsing; aliases
        // of `__typename` cost nothing and are not counted).
        1 => {
            let fields: String = (0..1_500)
                .map(|i| format!("a{i}: activities(first: 100) {{ totalCount }} "))
                .collect();
            (json!({ "query": format!("{{ {fields} }}") }).to_string(), None)
        }
        // A wrong password for a random phone (counted, argon2 bounded).
        2 => {
            let phone = format!("139{:08}", rng.below(100_000_000));
            let query = "mutation($p: String!) { login(phone: $p, password: \"guess-guess\") { accessToken } }";
            (json!({ "query": query, "variables": { "p": phone } }).to_string(), None)
        }
        // Variables nested 500 deep.
        3 => {
            let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
            let body = format!(
                r#"{{"query":"query($x: [Int]) {{ __typename }}","variables":{{"x":{deep}}}}}"#
            );
            (body, None)
        }
        // A forged token.
        4 => (
            json!({ "query": "{ me { id } }" }).to_string(),
            Some("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged".to_owned()),
        ),
        // Control characters and a bidi override in a search.
        _ => (
            json!({ "query": "{ activities(first: 1, filter: {search: \"\u{202e}\u{0}x\"}) { totalCount } }" })
                .to_string(),
            None,
        ),
    }
}

impl Bench {
    /// Issue 13: the anonymous feed at full load while four attackers send, in turn, every
    /// attack the issue names. Reports the feed's figures (compare with feed-anonymous) and
    /// what the attackers got; any 5xx or dropped connection is an error.
    pub async fn hostile(&mut self) -> anyhow::Result<()> {
        const ATTACKERS: usize = 4;
        let tally = Arc::new(AttackTally::default());
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut handles = Vec::new();
        for attacker in 0..ATTACKERS {
            let (http, url, tally, stop) = (
                self.http.clone(),
                self.url.clone(),
                tally.clone(),
                stop.clone(),
            );
            handles.push(tokio::spawn(async move {
                let mut rng = Rng::new(1_000 + attacker as u64);
                let mut seq = attacker as u64;
                while !stop.load(Ordering::Relaxed) {
                    let (body, token) = attack(seq, &mut rng);
                    seq += ATTACKERS as u64;
                    tally.sent.fetch_add(1, Ordering::Relaxed);
                    match driver::send(
                        &http,
                        &url,
                        Request {
                            body,
                            token,
                            viewer: None,
                        },
                    )
                    .await
                    {
                        Ok((status, _)) if status >= 500 => {
                            tally.server_errors.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok((status, body)) => {
                            if status >= 400 || driver::contains(&body, b"\"errors\"") {
                                tally.refused.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        Err(_) => {
                            tally.transport_errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }));
        }
        let request = body(
            &self.ops.activity_feed,
            "ActivityFeed",
            json!({ "first": 20 }),
        );
        let make: MakeRequest = Arc::new(move |_, _| Request {
            body: request.clone(),
            token: None,
            viewer: None,
        });
        let measured = self
            .measure(
                "hostile",
                "ActivityFeed (first 20), anonymous, while 4 attackers send nested literals, 60 KB documents, wrong passwords, nested variables, forged tokens and control characters",
                make,
                &[],
            )
            .await;
        stop.store(true, Ordering::Relaxed);
        for handle in handles {
            let _ = handle.await;
        }
        let mut result = measured?;
        let (sent, refused, server_errors, transport_errors) = (
            tally.sent.load(Ordering::Relaxed),
            tally.refused.load(Ordering::Relaxed),
            tally.server_errors.load(Ordering::Relaxed),
            tally.transport_errors.load(Ordering::Relaxed),
        );
        result.notes.push(format!(
            "attackers sent {sent} requests: {refused} refused with a coded error, {server_errors} 5xx, {transport_errors} dropped"
        ));
        eprintln!("  {}", result.notes[0]);
        result.errors += server_errors + transport_errors;
        result.tags.insert("attacks".to_owned(), sent);
        result.tags.insert("attacks_refused".to_owned(), refused);
        self.results.push(result);
        ensure!(
            self.server.is_running(),
            "the server died under the attacks"
        );
        Ok(())
    }
}

/// Counts the records of a CSV as its bytes pass: line ends outside quotes (a quoted
/// field may hold one; `""` inside quotes toggles twice and changes nothing).
#[derive(Default)]
struct CsvCounter {
    quoted: bool,
    records: u64,
}

impl CsvCounter {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.records += 1,
                _ => {}
            }
        }
    }
}

impl Bench {
    /// The approved hours that count, as the export selects them: what it must deliver.
    async fn counted_records(&self) -> anyhow::Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM service_records r JOIN activities a ON a.id = r.activity_id \
             WHERE r.status IN {} AND {}",
            api::db::sql_values([entity::enums::ServiceRecordStatus::Approved]),
            api::domain::hours::counted_activity_sql("a")
        );
        let row = self
            .db
            .query_one_raw(Statement::from_string(self.db.get_database_backend(), sql))
            .await?
            .context("count")?;
        Ok(row.try_get_by_index::<i64>(0)?)
    }

    /// `GET /exports/service-records.csv|xlsx` over the whole dataset as the admin, one
    /// download at a time: rows delivered (checked against the database), rows per second
    /// and the server's peak RSS while it runs. The CSV is counted as it streams; the XLSX
    /// goes to a temporary file and its rows are counted with calamine's cell reader.
    pub async fn export_service_records(&mut self) -> anyhow::Result<()> {
        let expected = self.counted_records().await?;
        let admin = self.token(dataset::ADMIN_USER, vec![Role::Resident, Role::Admin]);
        for format in ["csv", "xlsx"] {
            let name = format!("export-service-records-{format}");
            eprintln!("▶ {name}: all {expected} approved records as the admin");
            let before = self.server.sql_statements(&self.http).await?;
            self.server.reset_peak_rss();
            let started = Instant::now();
            let mut response = self
                .http
                .get(format!(
                    "{}/exports/service-records.{format}",
                    self.server.base
                ))
                .bearer_auth(&admin)
                .timeout(Duration::from_secs(900))
                .send()
                .await
                .with_context(|| format!("{name}: request"))?;
            let status = response.status();
            let first_byte = started.elapsed();
            let mut bytes = 0u64;
            let mut counter = CsvCounter::default();
            let mut file = if format == "xlsx" {
                Some(tempfile::tempfile()?)
            } else {
                None
            };
            while let Some(chunk) = response
                .chunk()
                .await
                .with_context(|| format!("{name}: body"))?
            {
                bytes += chunk.len() as u64;
                match file.as_mut() {
                    Some(file) => std::io::Write::write_all(file, &chunk)?,
                    None => counter.feed(&chunk),
                }
                if status != reqwest::StatusCode::OK && bytes > 4096 {
                    break;
                }
            }
            let elapsed = started.elapsed();
            let peak = self.server.peak_rss();
            let after = self.server.sql_statements(&self.http).await?;
            ensure!(status == 200, "{name}: {status}");
            let rows = match file {
                // The header line is not a row.
                None => counter.records.saturating_sub(1),
                Some(file) => tokio::task::spawn_blocking(move || xlsx_rows(file)).await??,
            };
            ensure!(
                rows == expected as u64,
                "{name}: {rows} rows delivered, {expected} approved records counted"
            );
            let seconds = elapsed.as_secs_f64();
            let ms = seconds * 1000.0;
            let rows_per_second = rows as f64 / seconds;
            eprintln!(
                "  {rows} rows, {:.1} MB in {seconds:.1} s ({rows_per_second:.0} rows/s, first byte after {:.0} ms), peak RSS {:.1} MB",
                bytes as f64 / 1e6,
                first_byte.as_secs_f64() * 1000.0,
                mb(peak)
            );
            let mut tags = BTreeMap::new();
            tags.insert("rows".to_owned(), rows);
            tags.insert("bytes".to_owned(), bytes);
            tags.insert("rows_per_second".to_owned(), rows_per_second.round() as u64);
            tags.insert("first_byte_ms".to_owned(), first_byte.as_millis() as u64);
            self.results.push(ScenarioResult {
                name,
                description: format!(
                    "GET /exports/service-records.{format}, every approved record that counts, as the admin, one download"
                ),
                clients: 1,
                requests: 1,
                seconds,
                requests_per_second: None,
                p50_ms: ms,
                p95_ms: ms,
                p99_ms: ms,
                max_ms: ms,
                mean_ms: ms,
                errors: 0,
                sql_per_request: (after - before) as f64,
                peak_rss_mb: mb(peak),
                tags,
                notes: vec![format!(
                    "{rows} rows, {:.1} MB, {rows_per_second:.0} rows/s",
                    bytes as f64 / 1e6
                )],
                error_samples: Vec::new(),
            });
        }
        Ok(())
    }
}

/// The data rows of the workbook's first sheet (its header row left out), read cell by
/// cell: the reader holds one row's XML at a time.
fn xlsx_rows(mut file: std::fs::File) -> anyhow::Result<u64> {
    use calamine::Reader as _;
    std::io::Seek::rewind(&mut file)?;
    let mut workbook = calamine::Xlsx::new(std::io::BufReader::new(file))?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .context("the workbook has no sheet")?;
    let mut cells = workbook.worksheet_cells_reader(&sheet)?;
    let mut last_row = None;
    let mut rows = 0u64;
    while let Some(cell) = cells.next_cell()? {
        let (row, _) = cell.get_position();
        if last_row != Some(row) {
            last_row = Some(row);
            rows += 1;
        }
    }
    Ok(rows.saturating_sub(1))
}

/// `RegisterForActivity` of this activity, signed in as this volunteer (the register
/// scenario and the peer comparison's Tongxin side).
pub fn register_request(
    query: &str,
    jwt: &api::auth::JwtKeys,
    activity: i64,
    volunteer: i64,
) -> Request {
    Request {
        body: body(
            query,
            "RegisterForActivity",
            json!({ "activityId": activity.to_string() }),
        ),
        token: Some(volunteer_token(jwt, volunteer)),
        viewer: None,
    }
}
