//! The test harness: each test gets the real app on a free port with its own fresh
//! database (SQLite always; PostgreSQL when TEST_DATABASE_URL is set) and its own Redis key
//! prefix (when TEST_REDIS_URL is set).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use api::config::{Config, Secret};
use api::context::AppState;
use api::startup::App;
use entity::enums::Role;
use rand::RngCore;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// SQLite always; PostgreSQL too when TEST_DATABASE_URL is set.
    pub fn all() -> Vec<Backend> {
        let mut backends = vec![Backend::Sqlite];
        if postgres_url().is_some() {
            backends.push(Backend::Postgres);
        }
        backends
    }
}

pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub fn redis_url() -> Option<String> {
    std::env::var("TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0u8; 4];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        hex::encode(bytes)
    )
}

/// Where a test's database lives, removed when the test ends.
pub enum Scratch {
    File(std::path::PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for Scratch {
    fn drop(&mut self) {
        match self {
            Scratch::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Scratch::Postgres { admin_url, name } => {
                let admin_url = admin_url.clone();
                let name = name.clone();
                // Drop runs inside the test's runtime: do the async cleanup on a thread of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    if let Ok(rt) = rt {
                        rt.block_on(async {
                            if let Ok(db) = Database::connect(&admin_url).await {
                                let _ = db
                                    .execute_unprepared(&format!(
                                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                    ))
                                    .await;
                                let _ = db.close().await;
                            }
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// A fresh, empty database URL for one test.
pub async fn scratch_database(backend: Backend) -> (String, Scratch) {
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{}.db", unique_name("tongxin_test")));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            (url, Scratch::File(path))
        }
        Backend::Postgres => {
            let admin_url = postgres_url().expect("TEST_DATABASE_URL");
            let name = unique_name("tongxin_test");
            let admin = Database::connect(&admin_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            let _ = admin.close().await;
            let url = replace_database(&admin_url, &name);
            (url, Scratch::Postgres { admin_url, name })
        }
    }
}

/// The same server URL with another database name.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host}/{name}?{q}"),
        None => format!("{host}/{name}"),
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub address: String,
    /// Where /metrics is served (a listener of its own).
    pub metrics_address: String,
    pub http: reqwest::Client,
    pub state: AppState,
    _scratch: Scratch,
}

pub struct Options {
    pub redis: bool,
    pub configure: Box<dyn FnOnce(&mut Config) + Send>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            redis: true,
            configure: Box::new(|_| {}),
        }
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    if std::env::var_os("RUST_LOG").is_some() {
        api::telemetry::init(api::config::LogFormat::Text);
    }
    let (url, scratch) = scratch_database(backend).await;
    let mut config = Config::for_database(Some(url));
    config.listen = "127.0.0.1:0".parse().expect("address");
    config.jwt_secret = Some(Secret::new("test-secret-test-secret-test-secret-0123"));
    config.redis_url = if options.redis { redis_url() } else { None };
    config.redis_prefix = format!("{}:", unique_name("tongxin_test"));
    config.introspection = Some(true);
    config.metrics_listen = "127.0.0.1:0".to_owned();
    // The scheduler ticks only where a test asks for it (or calls `run_due` itself), so
    // that statement counts stay the requests' own.
    config.scheduler_secs = 0;
    (options.configure)(&mut config);
    let app = App::build(config).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port().unwrap_or(0));
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        backend,
        address,
        metrics_address,
        http: reqwest::Client::new(),
        state,
        _scratch: scratch,
    }
}

/// Where a count shared by the instances is tried: the sibling when they share Redis,
/// else the first instance (without Redis each instance counts for itself, by design).
pub fn counting_peer<'a>(first: &'a TestApp, sibling: &'a TestApp) -> &'a TestApp {
    if redis_url().is_some() {
        sibling
    } else {
        first
    }
}

/// A second server instance on the same database and Redis prefix.
pub async fn spawn_sibling(first: &TestApp) -> TestApp {
    let mut config = (*first.state.config).clone();
    config.listen = "127.0.0.1:0".parse().expect("address");
    let app = App::build(config).await.expect("sibling builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = format!("http://127.0.0.1:{}", app.metrics_port().unwrap_or(0));
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        backend: first.backend,
        address,
        metrics_address,
        http: reqwest::Client::new(),
        state,
        _scratch: Scratch::File(std::env::temp_dir().join(unique_name("none"))),
    }
}

pub struct User {
    pub id: i32,
    pub phone: String,
    pub token: String,
}

impl TestApp {
    pub async fn post_json(&self, body: &Value, token: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/graphql", self.address))
            .json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    /// Runs one operation; returns the whole response body (data and errors).
    pub async fn gql(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let response = self
            .post_json(&json!({ "query": query, "variables": variables }), token)
            .await;
        response.json().await.expect("JSON body")
    }

    /// Runs one operation that must succeed; returns its data.
    pub async fn ok(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        let body = self.gql(query, variables, token).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    /// Runs one operation that must succeed; returns its data with every connection
    /// (`{ edges { node } }`) turned into the list of its nodes.
    pub async fn ok_nodes(&self, query: &str, variables: Value, token: Option<&str>) -> Value {
        nodes(self.ok(query, variables, token).await)
    }

    /// A user with these roles, signed in through the real login.
    pub async fn user(&self, roles: &[Role], department: Option<&str>) -> User {
        let phone = format!("139{:08}", rand::random::<u32>() % 100_000_000);
        let department_id = match department {
            Some(name) => Some(
                api::domain::plans::department_by_name(&self.state.db, name)
                    .await
                    .expect("department")
                    .id,
            ),
            None => None,
        };
        let mut all = vec![Role::Resident];
        all.extend(roles.iter().copied().filter(|r| *r != Role::Resident));
        let user = api::domain::users::service::create_user(
            &self.state.db,
            &phone,
            PASSWORD,
            "测试用户",
            &all,
            department_id,
        )
        .await
        .expect("user created");
        if roles.contains(&Role::Volunteer) {
            use sea_orm::{ActiveModelTrait, Set};
            entity::volunteer::ActiveModel {
                user_id: Set(user.id),
                real_name: Set("王小明".to_owned()),
                skills: Set(Default::default()),
                enrolled_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&self.state.db)
            .await
            .expect("volunteer created");
        }
        let token = self.login(&phone, PASSWORD).await;
        User {
            id: user.id,
            phone,
            token,
        }
    }

    /// Many volunteers at once: rows written directly, tokens issued by the app's own keys
    /// (the login path is covered elsewhere; argon2 would dominate the test's time).
    pub async fn volunteers(&self, count: usize) -> Vec<User> {
        use sea_orm::{ActiveModelTrait, Set};
        let mut users = Vec::with_capacity(count);
        for i in 0..count {
            let phone = format!("137{:08}", rand::random::<u32>() % 100_000_000);
            let user = entity::user::ActiveModel {
                phone: Set(Some(phone.clone())),
                password_hash: Set(None),
                display_name: Set(format!("志愿者{i}")),
                wechat_openid: Set(None),
                roles: Set(Role::join(&[Role::Resident, Role::Volunteer])),
                department_id: Set(None),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&self.state.db)
            .await
            .expect("user");
            entity::volunteer::ActiveModel {
                user_id: Set(user.id),
                real_name: Set(format!("志愿者{i}")),
                skills: Set(Default::default()),
                enrolled_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&self.state.db)
            .await
            .expect("volunteer");
            let token = self
                .state
                .jwt
                .issue(user.id, "test", vec![Role::Resident, Role::Volunteer], None)
                .expect("token");
            users.push(User {
                id: user.id,
                phone,
                token,
            });
        }
        users
    }

    pub async fn login(&self, phone: &str, password: &str) -> String {
        let data = self
            .ok(
                "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }",
                json!({ "p": phone, "w": password }),
                None,
            )
            .await;
        data["login"]["accessToken"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// The id of a department, created on first mention.
    pub async fn department(&self, name: &str) -> Value {
        let department = api::domain::plans::department_by_name(&self.state.db, name)
            .await
            .expect("department");
        json!(department.id.to_string())
    }

    /// The server's Prometheus text.
    pub async fn metrics(&self) -> String {
        self.http
            .get(format!("{}/metrics", self.metrics_address))
            .send()
            .await
            .expect("metrics answer")
            .text()
            .await
            .expect("metrics text")
    }

    /// SQL statements the server has run so far.
    /// A gauge of the private `/metrics`, if it is there.
    pub async fn gauge(&self, name: &str) -> Option<f64> {
        let metrics = self.metrics().await;
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .map(|value| value.parse().expect("a number"))
    }

    pub fn statements(&self) -> u64 {
        self.state.statements.load(Ordering::Relaxed)
    }
}

/// The error code of the first error.
pub fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
}

// ---------- fixtures and runners shared by the test modules ----------

/// A contract operation as an app sends it: the operation and the fragments it spreads.
pub fn op(name: &str) -> String {
    crate::contract::operation(name)
}

/// Runs a contract operation by name.
pub async fn run(
    app: &crate::helpers::TestApp,
    name: &str,
    variables: Value,
    token: Option<&str>,
) -> Value {
    app.post_json(
        &json!({ "query": op(name), "operationName": name, "variables": variables }),
        token,
    )
    .await
    .json()
    .await
    .expect("JSON")
}

/// A published activity of 养老科 with this capacity, open for registration.
pub async fn open_activity(app: &TestApp, capacity: Option<i32>) -> (String, crate::helpers::User) {
    published_activity(
        app,
        capacity,
        "2031-01-01T09:00:00+08:00",
        "2031-01-01T12:00:00+08:00",
    )
    .await
}

/// A published activity of 养老科 with this capacity and time, and its organizer.
pub async fn published_activity(
    app: &TestApp,
    capacity: Option<i32>,
    starts_at: &str,
    ends_at: &str,
) -> (String, crate::helpers::User) {
    let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
    let elderly = app.department("养老科").await;
    let created = run(
        app,
        "CreateActivity",
        json!({ "input": { "title": "助老服务", "leadDepartmentIds": [elderly], "capacity": capacity,
                "startsAt": starts_at, "endsAt": ends_at } }),
        Some(&organizer.token),
    )
    .await;
    let id = created["data"]["createActivity"]["id"]
        .as_str()
        .expect("created")
        .to_owned();
    let published = run(
        app,
        "PublishActivity",
        json!({ "id": id }),
        Some(&organizer.token),
    )
    .await;
    assert_eq!(
        published["data"]["publishActivity"]["status"], "PUBLISHED",
        "{published}"
    );
    (id, organizer)
}

/// REGISTERED within capacity, waitlist positions 1..n in arrival order, counters agreeing.
pub async fn assert_invariants(
    app: &TestApp,
    id: &str,
    token: &str,
    capacity: usize,
    expect_live: usize,
) {
    let nodes = roster(app, id, token).await;
    let registered = nodes.iter().filter(|n| n["status"] == "REGISTERED").count();
    let waitlisted: Vec<&Value> = nodes
        .iter()
        .filter(|n| n["status"] == "WAITLISTED")
        .collect();
    assert!(
        registered <= capacity,
        "{registered} registered over capacity {capacity}"
    );
    assert_eq!(
        registered + waitlisted.len(),
        expect_live,
        "live registrations lost or doubled"
    );
    assert_eq!(
        registered,
        capacity.min(expect_live),
        "a free place was left while people wait"
    );
    let positions: Vec<i64> = waitlisted
        .iter()
        .map(|n| n["waitlistPosition"].as_i64().unwrap())
        .collect();
    assert_eq!(
        positions,
        (1..=waitlisted.len() as i64).collect::<Vec<_>>(),
        "positions have gaps"
    );
    let volunteers: HashSet<&Value> = nodes
        .iter()
        .filter(|n| n["status"] != "CANCELLED")
        .map(|n| &n["volunteer"]["id"])
        .collect();
    assert_eq!(
        volunteers.len(),
        expect_live,
        "a volunteer holds two live registrations"
    );
    let counts = run(app, "ActivityDetail", json!({ "id": id }), None).await;
    assert_eq!(
        counts["data"]["activity"]["registeredCount"],
        registered as i64
    );
    assert_eq!(
        counts["data"]["activity"]["waitlistCount"],
        waitlisted.len() as i64
    );
}

/// A published activity of 养老科 starting in 30 minutes, with one registered volunteer.
pub async fn activity_about_to_start(app: &TestApp) -> (String, User, User) {
    let starts = chrono::Utc::now() + chrono::Duration::minutes(30);
    let ends = starts + chrono::Duration::hours(2);
    let (id, organizer) =
        crate::helpers::published_activity(app, None, &starts.to_rfc3339(), &ends.to_rfc3339())
            .await;
    let volunteer = app.volunteers(1).await.remove(0);
    let registered = run(
        app,
        "RegisterForActivity",
        json!({ "activityId": id }),
        Some(&volunteer.token),
    )
    .await;
    assert_eq!(
        registered["data"]["registerForActivity"]["status"], "REGISTERED",
        "{registered}"
    );
    (id, organizer, volunteer)
}

/// A private Redis server on a free port, to stop and start within one test.
pub struct PrivateRedis {
    port: u16,
    child: Option<std::process::Child>,
}

impl PrivateRedis {
    pub fn start(port: u16) -> Option<PrivateRedis> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        std::thread::sleep(std::time::Duration::from_millis(300));
        Some(PrivateRedis {
            port,
            child: Some(child),
        })
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl PrivateRedis {
    /// A private Redis for one test, on a port of this process (`salt` keeps the tests of
    /// one run apart). `None` when redis-server is missing, which CI does not accept.
    pub fn for_test(salt: u32) -> Option<PrivateRedis> {
        let port = 20_000 + ((std::process::id() + salt) % 20_000) as u16;
        let redis = PrivateRedis::start(port);
        assert!(
            redis.is_some() || std::env::var("TONGXIN_REQUIRE_SERVICES").is_err(),
            "redis-server is needed for this test"
        );
        redis
    }

    /// The same Redis, started again empty (it keeps nothing on disk).
    pub fn restart(&mut self) {
        self.stop();
        *self = PrivateRedis::start(self.port).expect("redis restarts");
    }

    /// An app on SQLite that uses this Redis.
    pub async fn app(&self) -> TestApp {
        let url = format!("redis://127.0.0.1:{}/", self.port);
        spawn_app_with(
            Backend::Sqlite,
            Options {
                configure: Box::new(move |config| config.redis_url = Some(url)),
                ..Default::default()
            },
        )
        .await
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The roster of an activity, as its organizer reads it.
pub async fn roster(app: &TestApp, id: &str, token: &str) -> Vec<Value> {
    let body = run(
        app,
        "ActivityRoster",
        json!({ "id": id, "first": 100 }),
        Some(token),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    body["data"]["activity"]["registrations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// A response with every connection (`{ edges { node } }`) turned into its list of nodes.
pub fn nodes(value: Value) -> Value {
    match value {
        Value::Object(mut map) => match map.remove("edges") {
            Some(Value::Array(edges)) => Value::Array(
                edges
                    .into_iter()
                    .map(|mut edge| nodes(edge["node"].take()))
                    .collect(),
            ),
            Some(other) => {
                map.insert("edges".to_owned(), other);
                Value::Object(map.into_iter().map(|(k, v)| (k, nodes(v))).collect())
            }
            None => Value::Object(map.into_iter().map(|(k, v)| (k, nodes(v))).collect()),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(nodes).collect()),
        other => other,
    }
}
