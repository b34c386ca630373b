//! The benchmark's dataset, written by SQL bulk statements (never through the API):
//! `INSERT … SELECT … FROM generate_series(…)` on PostgreSQL, the same statements over a
//! recursive CTE on SQLite, all in one transaction.
//!
//! Every row is a function of its row number, so two loads at the same scale hold the same
//! data. Ids are written explicitly (sequences are moved past them on PostgreSQL), which
//! lets the benchmark know who is who without asking:
//!
//! - users 1 (admin), 2 (viewer), 3–10 (one organizer per department), then the
//!   volunteers' accounts: volunteer `v` belongs to user `10 + v`;
//! - activities 1..=A dated from 2022-01-01 to the end of 2026 in id order (one in 200
//!   undated), followed by the fixtures: one activity of capacity 50 for the registration
//!   burst and [`SPARE_ACTIVITIES`] published ones that the cold-dashboard runs complete;
//! - surveys 1..=NS closed ones about completed activities (their responses), then
//!   [`BENCH_SURVEYS`] open ones without responses for the submission scenario; survey `s`
//!   has questions `4(s-1)+1 ..= 4s` (satisfaction, single choice, rating, text) and the
//!   single-choice options `3(s-1)+1 ..= 3s`.

use std::time::Instant;

use anyhow::Context as _;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};

pub const DEPARTMENTS: [&str; 8] = [
    "办公室",
    "机关党委",
    "养老科",
    "儿慈科",
    "事务科",
    "救助科",
    "审批科",
    "社会组织管理科",
];
const CATEGORIES: [&str; 5] = ["新风正气", "绿色环保", "便民暖心", "近民有爱", "文明实践"];
pub const SPARE_ACTIVITIES: i64 = 20;
pub const BENCH_SURVEYS: i64 = 20;
pub const BURST_CAPACITY: i64 = 50;
pub const ADMIN_USER: i32 = 1;
pub const VIEWER_USER: i32 = 2;
const COMMUNITIES: i64 = 60;
const PAIRINGS: i64 = 32;

pub fn volunteer_user(volunteer: i64) -> i32 {
    (10 + volunteer) as i32
}

/// Question ids of survey `s`: satisfaction, single choice, rating, text.
pub fn question_ids(survey: i64) -> [i64; 4] {
    let first = (survey - 1) * 4 + 1;
    [first, first + 1, first + 2, first + 3]
}

/// The single-choice options of survey `s`.
pub fn option_ids(survey: i64) -> [i64; 3] {
    let first = (survey - 1) * 3 + 1;
    [first, first + 1, first + 2]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Backend {
    Postgres,
    Sqlite,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Sizes {
    pub activities: i64,
    pub volunteers: i64,
    pub registrations: i64,
    pub service_records: i64,
    pub survey_responses: i64,
    pub surveys: i64,
}

impl Sizes {
    /// 1.0 is the issue's dataset; small scales keep a usable minimum.
    pub fn at(scale: f64) -> Sizes {
        let of = |n: f64, min: i64| ((n * scale).round() as i64).max(min);
        Sizes {
            activities: of(20_000.0, 200),
            volunteers: of(200_000.0, 2_000),
            registrations: of(1_000_000.0, 2_000),
            service_records: of(1_000_000.0, 2_000),
            survey_responses: of(200_000.0, 1_000),
            surveys: of(200.0, 2),
        }
    }
}

/// What the scenarios need to know about the loaded data.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Fixtures {
    pub volunteers: i64,
    pub burst_activity: i32,
    pub spare_activities: Vec<i32>,
    pub bench_surveys: Vec<i64>,
    /// Rows per table after the load.
    pub counts: Vec<(String, i64)>,
    pub load_seconds: f64,
}

/// SQL that differs between the backends.
struct Dialect {
    backend: Backend,
}

const BASE_DAY: &str = "2022-01-01";

impl Dialect {
    /// (statement prefix, FROM item) yielding `n` from 0 to count − 1.
    fn series(&self, count: i64) -> (String, String) {
        match self.backend {
            Backend::Postgres => (
                String::new(),
                format!("generate_series(0, {}) AS seq(n)", count - 1),
            ),
            Backend::Sqlite => (
                format!(
                    "WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {}) ",
                    count - 1
                ),
                "seq".to_owned(),
            ),
        }
    }

    /// 2022-01-01 plus `days`.
    fn day(&self, days: &str) -> String {
        match self.backend {
            Backend::Postgres => format!("(DATE '{BASE_DAY}' + ({days})::int)"),
            Backend::Sqlite => format!("date('{BASE_DAY}', ({days}) || ' days')"),
        }
    }

    fn date_lit(&self, date: NaiveDate) -> String {
        match self.backend {
            Backend::Postgres => format!("DATE '{date}'"),
            Backend::Sqlite => format!("'{date}'"),
        }
    }

    /// A date column plus `days`.
    fn date_plus(&self, column: &str, days: &str) -> String {
        match self.backend {
            Backend::Postgres => format!("({column} + ({days})::int)"),
            Backend::Sqlite => format!("date({column}, ({days}) || ' days')"),
        }
    }

    /// 2022-01-01T00:00:00Z plus `minutes`.
    fn ts(&self, minutes: &str) -> String {
        match self.backend {
            Backend::Postgres => format!(
                "(TIMESTAMPTZ '{BASE_DAY} 00:00:00+00' + ({minutes}) * INTERVAL '1 minute')"
            ),
            // The text sqlx writes for a DateTime<Utc>, so comparisons with bound values hold.
            Backend::Sqlite => format!(
                "strftime('%Y-%m-%dT%H:%M:%S+00:00', '{BASE_DAY} 00:00:00', ({minutes}) || ' minutes')"
            ),
        }
    }

    /// A timestamp column plus `minutes`.
    fn ts_plus(&self, column: &str, minutes: &str) -> String {
        match self.backend {
            Backend::Postgres => format!("({column} + ({minutes}) * INTERVAL '1 minute')"),
            Backend::Sqlite => {
                format!("strftime('%Y-%m-%dT%H:%M:%S+00:00', {column}, ({minutes}) || ' minutes')")
            }
        }
    }

    fn json(&self, literal: &str) -> String {
        match self.backend {
            Backend::Postgres => format!("CAST('{literal}' AS json)"),
            Backend::Sqlite => format!("'{literal}'"),
        }
    }

    fn year(&self, date: &str) -> String {
        match self.backend {
            Backend::Postgres => format!("CAST(EXTRACT(YEAR FROM {date}) AS INTEGER)"),
            Backend::Sqlite => format!("CAST(strftime('%Y', {date}) AS INTEGER)"),
        }
    }

    /// An 11-digit phone number: prefix and `n` zero-padded to 8 digits.
    fn phone(&self, prefix: &str, n: &str) -> String {
        match self.backend {
            Backend::Postgres => format!("'{prefix}' || lpad(CAST({n} AS text), 8, '0')"),
            Backend::Sqlite => format!("'{prefix}' || printf('%08d', {n})"),
        }
    }
}

/// A deterministic 0..999 value from an integer expression (a Weyl sequence: cheap, well
/// spread, and the same on both backends).
fn hash(expr: &str, salt: u32) -> String {
    // All above 2^31: PostgreSQL reads them as BIGINT, so the products cannot overflow.
    const MULTIPLIERS: [u64; 6] = [
        2_246_822_519,
        3_266_489_917,
        2_654_435_761,
        2_869_860_233,
        3_432_918_353,
        2_654_435_769,
    ];
    let m = MULTIPLIERS[salt as usize % MULTIPLIERS.len()];
    format!(
        "((({expr}) * {m} + {}) / 65536 % 1000)",
        12_345 + salt * 7_919
    )
}

/// The local (+08:00) date of today.
pub fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(8)).date_naive()
}

struct Calendar {
    /// Days covered by the activities, from 2022-01-01.
    span_days: i64,
    /// Today's offset from 2022-01-01.
    today: i64,
    today_date: NaiveDate,
    end: NaiveDate,
}

impl Calendar {
    fn now() -> Calendar {
        let base = NaiveDate::from_ymd_opt(2022, 1, 1).expect("date");
        let today = today();
        // 2022 to 2026, and always a month still ahead to register for.
        let end = std::cmp::max(
            NaiveDate::from_ymd_opt(2026, 12, 31).expect("date"),
            today + Duration::days(30),
        );
        Calendar {
            span_days: (end - base).num_days() + 1,
            today: (today - base).num_days(),
            today_date: today,
            end,
        }
    }
}

async fn run(txn: &DatabaseTransaction, what: &str, sql: &str) -> anyhow::Result<u64> {
    let started = Instant::now();
    let result = txn
        .execute_unprepared(sql)
        .await
        .with_context(|| format!("loading {what}: {sql}"))?;
    let rows = result.rows_affected();
    if rows > 0 {
        eprintln!(
            "  {what:<24} {rows:>9} rows  {:>6.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(rows)
}

async fn scalar(txn: &DatabaseTransaction, sql: &str) -> anyhow::Result<i64> {
    let row = txn
        .query_one_raw(sea_orm::Statement::from_string(
            txn.get_database_backend(),
            sql.to_owned(),
        ))
        .await?
        .context("no row")?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Fills an empty, migrated database.
pub async fn load(
    db: &DatabaseConnection,
    backend: Backend,
    sizes: &Sizes,
) -> anyhow::Result<Fixtures> {
    let started = Instant::now();
    let d = Dialect { backend };
    let cal = Calendar::now();
    let a_count = sizes.activities;
    let v_count = sizes.volunteers;
    // The load is the database's only connection: nothing can commit between its reads
    // and its writes.
    #[allow(clippy::disallowed_methods)]
    let txn = db.begin().await?;
    if backend == Backend::Sqlite {
        txn.execute_unprepared("PRAGMA cache_size = -262144")
            .await?;
    }

    // Departments, plans with their special actions, communities, pairings.
    let departments: Vec<String> = DEPARTMENTS
        .iter()
        .enumerate()
        .map(|(i, name)| {
            format!(
                "({}, '{name}', {})",
                i + 1,
                d.ts(&((i as i64) * 1440).to_string())
            )
        })
        .collect();
    run(
        &txn,
        "departments",
        &format!(
            "INSERT INTO departments (id, name, created_at) VALUES {}",
            departments.join(", ")
        ),
    )
    .await?;
    let first_year = 2022;
    let last_year = cal.end.year();
    let mut plans = Vec::new();
    let mut categories = Vec::new();
    for year in first_year..=last_year {
        let plan = year - first_year + 1;
        plans.push(format!(
            "({plan}, '泉州市民政局{year}年度文明创建活动方案', {year}, '泉州市民政局', {})",
            d.ts(&(((year - first_year) as i64) * 365 * 1440).to_string())
        ));
        for (c, name) in CATEGORIES.iter().enumerate() {
            categories.push(format!(
                "({}, {plan}, '{name}', '{year}年{name}专项行动')",
                (plan - 1) * 5 + c as i32 + 1
            ));
        }
    }
    run(
        &txn,
        "plans",
        &format!(
            "INSERT INTO plans (id, title, year, issuer, created_at) VALUES {}",
            plans.join(", ")
        ),
    )
    .await?;
    run(
        &txn,
        "categories",
        &format!(
            "INSERT INTO categories (id, plan_id, name, description) VALUES {}",
            categories.join(", ")
        ),
    )
    .await?;
    let (with, from) = d.series(COMMUNITIES);
    run(
        &txn,
        "communities",
        &format!(
            "{with}INSERT INTO communities (id, name, district, kind, created_at) \
             SELECT n + 1, CASE WHEN n % 4 = 3 THEN '第' || (n + 1) || '村' ELSE '第' || (n + 1) || '社区' END, \
             CASE n % 4 WHEN 0 THEN '鲤城区' WHEN 1 THEN '丰泽区' WHEN 2 THEN '洛江区' ELSE '安溪县' END, \
             CASE WHEN n % 4 = 3 THEN 'VILLAGE' ELSE 'COMMUNITY' END, {} FROM {from}",
            d.ts("0")
        ),
    )
    .await?;
    let (with, from) = d.series(PAIRINGS);
    run(
        &txn,
        "pairings",
        &format!(
            "{with}INSERT INTO pairings (id, kind, department_id, community_id, starts_on, ends_on, \
             commitments, target_activity_count, created_at) \
             SELECT n + 1, CASE WHEN n % 3 = 2 THEN 'ASSISTANCE' ELSE 'CO_BUILDING' END, n % 8 + 1, \
             1 + (n * 7) % {COMMUNITIES}, {}, NULL, {}, 10 + n % 20, {} FROM {from}",
            d.day("(n / 8) * 365"),
            d.json(r#"["开展志愿服务“十个一”行动","每季度走访慰问困难群众"]"#),
            d.ts("0")
        ),
    )
    .await?;

    // Accounts: admin, viewer, one organizer per department, then the volunteers.
    let mut users = vec![
        format!(
            "(1, '13800000000', '系统管理员', 'RESIDENT,ADMIN', NULL, {})",
            d.ts("0")
        ),
        format!(
            "(2, '13800000002', '文明办 观察员', 'RESIDENT,VIEWER', NULL, {})",
            d.ts("0")
        ),
    ];
    for (i, name) in DEPARTMENTS.iter().enumerate() {
        users.push(format!(
            "({}, '1380000010{i}', '{name} 组织员', 'RESIDENT,ORGANIZER', {}, {})",
            3 + i,
            i + 1,
            d.ts("0")
        ));
    }
    run(
        &txn,
        "users (staff)",
        &format!(
            "INSERT INTO users (id, phone, display_name, roles, department_id, created_at) VALUES {}",
            users.join(", ")
        ),
    )
    .await?;
    let (with, from) = d.series(v_count);
    let enrolled = d.ts(&format!("{} * 1440 + n % 1440", hash("n", 1)));
    run(
        &txn,
        "users (volunteers)",
        &format!(
            "{with}INSERT INTO users (id, phone, password_hash, display_name, wechat_openid, roles, department_id, created_at) \
             SELECT n + 11, {}, NULL, '志愿者' || (n + 1), NULL, 'RESIDENT,VOLUNTEER', NULL, {enrolled} FROM {from}",
            d.phone("137", "n + 1"),
        ),
    )
    .await?;
    run(
        &txn,
        "volunteers",
        &format!(
            "{with}INSERT INTO volunteers (id, user_id, real_name, skills, enrolled_at) \
             SELECT n + 1, n + 11, \
             CASE n % 8 WHEN 0 THEN '陈' WHEN 1 THEN '林' WHEN 2 THEN '黄' WHEN 3 THEN '张' \
             WHEN 4 THEN '李' WHEN 5 THEN '王' WHEN 6 THEN '吴' ELSE '刘' END || \
             CASE (n / 8) % 6 WHEN 0 THEN '志明' WHEN 1 THEN '秀英' WHEN 2 THEN '建国' \
             WHEN 3 THEN '丽华' WHEN 4 THEN '文斌' ELSE '美玲' END, \
             CASE n % 4 WHEN 0 THEN {} WHEN 1 THEN {} WHEN 2 THEN {} ELSE {} END, {enrolled} FROM {from}",
            d.json(r#"["助老"]"#),
            d.json(r#"["宣传","摄影"]"#),
            d.json(r#"["环保"]"#),
            d.json("[]"),
        ),
    )
    .await?;

    // Activities, dated in id order over 2022-01-01 .. end, local 08:00–16:00.
    let today_plan = cal.today_date.year() - first_year + 1;
    let (with, from) = d.series(a_count);
    let status = format!(
        "CASE WHEN q.u = 1 THEN 'PUBLISHED' \
         WHEN q.d < {today} THEN (CASE WHEN q.y < 850 THEN 'COMPLETED' WHEN q.y < 910 THEN 'PUBLISHED' \
           WHEN q.y < 960 THEN 'CANCELLED' ELSE 'DRAFT' END) \
         ELSE (CASE WHEN q.y < 920 THEN 'PUBLISHED' ELSE 'DRAFT' END) END",
        today = cal.today
    );
    let department = "CASE WHEN q.x < 220 THEN 3 WHEN q.x < 400 THEN 2 WHEN q.x < 550 THEN 1 \
         WHEN q.x < 680 THEN 4 WHEN q.x < 800 THEN 5 WHEN q.x < 890 THEN 6 WHEN q.x < 950 THEN 7 ELSE 8 END";
    let title = "CASE q.id % 8 WHEN 0 THEN '“学雷锋”志愿服务进社区' WHEN 1 THEN '智慧助老志愿服务' \
         WHEN 2 THEN '垃圾分类宣传' WHEN 3 THEN '关爱留守儿童' WHEN 4 THEN '义务植树' \
         WHEN 5 THEN '敬老院慰问演出' WHEN 6 THEN '文明交通劝导' ELSE '政策法规宣传' END || '（第' || q.id || '期）'";
    let inner = format!(
        "SELECT n + 1 AS id, (n * {span}) / {a_count} AS d, CASE WHEN (n + 1) % 200 = 0 THEN 1 ELSE 0 END AS u, \
         {x} AS x, {y} AS y, {z} AS z FROM {from}",
        span = cal.span_days,
        x = hash("n", 0),
        y = hash("n", 2),
        z = hash("n", 3),
    );
    let mid = format!(
        "SELECT q.id, q.d, q.u, q.x, q.y, q.z, {status} AS status, {department} AS dept, \
         q.d * 1440 + (q.id % 5) * 120 AS m FROM ({inner}) q"
    );
    let plan = format!(
        "CASE WHEN q.u = 1 THEN {today_plan} ELSE {} - {} END",
        d.year(&d.day("q.d")),
        first_year - 1
    );
    run(
        &txn,
        "activities",
        &format!(
            "{with}INSERT INTO activities (id, plan_id, seq_no, title, category_id, time_label, starts_at, ends_at, \
             start_date, status, content_items, primary_department_id, capacity, registered_count, waitlist_count, \
             registration_opens_at, registration_closes_at, service_minutes, pairing_id, published_at, cancel_reason, \
             created_at, updated_at) \
             SELECT q.id, {plan}, q.id, {title}, \
             CASE WHEN q.z % 33 = 0 THEN NULL ELSE ({plan} - 1) * 5 + 1 + q.y % 5 END, \
             CASE WHEN q.u = 1 THEN '全年' ELSE NULL END, \
             CASE WHEN q.u = 1 THEN NULL ELSE {starts} END, \
             CASE WHEN q.u = 1 THEN NULL ELSE {ends} END, \
             CASE WHEN q.u = 1 THEN NULL ELSE {start_date} END, \
             q.status, {content}, q.dept, \
             CASE WHEN q.z % 10 < 3 THEN NULL ELSE 60 + q.z % 91 END, 0, 0, NULL, NULL, 120 + (q.z % 3) * 60, \
             CASE WHEN q.x % 10 = 0 THEN q.dept + 8 * (q.z % 4) ELSE NULL END, \
             CASE WHEN q.status = 'DRAFT' THEN NULL WHEN q.u = 1 THEN {published_undated} ELSE {published} END, \
             CASE WHEN q.status = 'CANCELLED' THEN '因天气原因取消' ELSE NULL END, \
             {created}, {created} \
             FROM ({mid}) q",
            starts = d.ts("q.m"),
            ends = d.ts("q.m + 120 + (q.z % 3) * 60"),
            start_date = d.day("q.d"),
            content = d.json(r#"["志愿服务","政策宣传","走访慰问"]"#),
            published_undated = d.ts(&format!("{} * 1440", cal.today - 60)),
            // Published 45 days ahead, and never later than yesterday.
            published = d.ts(&format!(
                "CASE WHEN q.m - 45 * 1440 < {yesterday} THEN q.m - 45 * 1440 ELSE {yesterday} END",
                yesterday = (cal.today - 1) * 1440
            )),
            created = d.ts(&format!(
                "CASE WHEN q.u = 1 THEN 0 WHEN q.m - 60 * 1440 < {yesterday} THEN q.m - 60 * 1440 ELSE {yesterday} END",
                yesterday = (cal.today - 1) * 1440
            )),
        ),
    )
    .await?;
    // Fixtures: the burst's activity (capacity 50) and spare published ones.
    let (with, from) = d.series(1 + SPARE_ACTIVITIES);
    let starts_minute = format!("{} * 1440 + 120", cal.today + 30);
    run(
        &txn,
        "activities (fixtures)",
        &format!(
            "{with}INSERT INTO activities (id, plan_id, seq_no, title, category_id, time_label, starts_at, ends_at, \
             start_date, status, content_items, primary_department_id, capacity, registered_count, waitlist_count, \
             registration_opens_at, registration_closes_at, service_minutes, pairing_id, published_at, cancel_reason, \
             created_at, updated_at) \
             SELECT {a_count} + n + 1, {today_plan}, NULL, \
             CASE WHEN n = 0 THEN '敬老院重阳节志愿服务（限{BURST_CAPACITY}人）' ELSE '备用活动 ' || n END, \
             ({today_plan} - 1) * 5 + 1, NULL, {starts}, {ends}, {start_date}, 'PUBLISHED', {content}, 3, \
             CASE WHEN n = 0 THEN {BURST_CAPACITY} ELSE NULL END, 0, 0, NULL, NULL, 180, NULL, {published}, NULL, \
             {published}, {published} FROM {from}",
            starts = d.ts(&starts_minute),
            ends = d.ts(&format!("{starts_minute} + 180")),
            start_date = d.day(&(cal.today + 30).to_string()),
            content = d.json(r#"["志愿服务"]"#),
            published = d.ts(&format!("{} * 1440", cal.today - 1)),
        ),
    )
    .await?;
    run(
        &txn,
        "activity_locations",
        &format!(
            "INSERT INTO activity_locations (activity_id, position, name, address, online, tbd, community_id) \
             SELECT a.id, 0, c.name, c.district || c.name || '党群服务中心', FALSE, FALSE, c.id \
             FROM activities a JOIN communities c ON c.id = 1 + (a.id * 7) % {COMMUNITIES}"
        ),
    )
    .await?;
    run(
        &txn,
        "activity_locations (2nd)",
        "INSERT INTO activity_locations (activity_id, position, name, address, online, tbd, community_id) \
         SELECT a.id, 1, '线上直播', NULL, TRUE, FALSE, NULL FROM activities a WHERE a.id % 10 = 0",
    )
    .await?;
    run(
        &txn,
        "activity_departments",
        "INSERT INTO activity_departments (activity_id, department_id, position) \
         SELECT a.id, a.primary_department_id, 0 FROM activities a",
    )
    .await?;
    run(
        &txn,
        "activity_departments (2nd)",
        "INSERT INTO activity_departments (activity_id, department_id, position) \
         SELECT a.id, a.primary_department_id % 8 + 1, 1 FROM activities a WHERE a.id % 5 = 0",
    )
    .await?;

    // Registrations on every activity but drafts, service records on the past published
    // and completed ones. Volunteer k of activity a is 1 + (7919a + k·stride) mod V: distinct
    // within an activity, and the same person for the registration and the hours.
    txn.execute_unprepared(
        "CREATE TEMP TABLE bench_reg_acts (i INTEGER PRIMARY KEY, id INTEGER NOT NULL)",
    )
    .await?;
    txn.execute_unprepared(&format!(
        "INSERT INTO bench_reg_acts (i, id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id \
         FROM activities WHERE id <= {a_count} AND status <> 'DRAFT'"
    ))
    .await?;
    txn.execute_unprepared(
        "CREATE TEMP TABLE bench_hour_acts (i INTEGER PRIMARY KEY, id INTEGER NOT NULL)",
    )
    .await?;
    txn.execute_unprepared(&format!(
        "INSERT INTO bench_hour_acts (i, id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id \
         FROM activities WHERE id <= {a_count} AND status IN ('PUBLISHED', 'COMPLETED') \
         AND (start_date IS NULL OR start_date < {})",
        d.date_lit(cal.today_date)
    ))
    .await?;
    let reg_acts = scalar(&txn, "SELECT COUNT(*) FROM bench_reg_acts").await?;
    let hour_acts = scalar(&txn, "SELECT COUNT(*) FROM bench_hour_acts").await?;
    let per_activity = std::cmp::max(
        (sizes.registrations + reg_acts - 1) / reg_acts,
        (sizes.service_records + hour_acts - 1) / hour_acts,
    );
    anyhow::ensure!(
        per_activity <= v_count,
        "too few volunteers for {per_activity} per activity"
    );
    let stride = v_count / per_activity;
    let volunteer = format!("1 + (q.id * 7919 + q.k * {stride}) % {v_count}");

    let (with, from) = d.series(sizes.registrations);
    run(
        &txn,
        "registrations",
        &format!(
            "{with}INSERT INTO registrations (activity_id, volunteer_id, status, created_at, updated_at) \
             SELECT q.id, {volunteer}, \
             CASE WHEN q.x < 880 THEN 'REGISTERED' WHEN q.x < 950 THEN 'CANCELLED' \
               WHEN a.capacity IS NOT NULL AND a.id % 5 = 0 THEN 'WAITLISTED' ELSE 'REGISTERED' END, \
             {created}, {created} \
             FROM (SELECT t.id, s.k, s.x, s.y FROM (SELECT n % {reg_acts} AS i, n / {reg_acts} AS k, {x} AS x, {y} AS y \
               FROM {from}) s JOIN bench_reg_acts t ON t.i = s.i) q \
             JOIN activities a ON a.id = q.id",
            x = hash("n", 4),
            y = hash("n", 5),
            created = d.ts_plus("a.published_at", "q.k * 53 + q.y"),
        ),
    )
    .await?;
    let (with, from) = d.series(sizes.service_records);
    let recorded = "a.starts_at IS NULL OR q.x % 2 = 1";
    run(
        &txn,
        "service_records",
        &format!(
            "{with}INSERT INTO service_records (activity_id, volunteer_id, source, checked_in_at, checked_out_at, \
             minutes, status, service_date, review_note, reviewed_by, reviewed_at, created_at, updated_at) \
             SELECT q.id, {volunteer}, \
             CASE WHEN {recorded} THEN 'RECORDED' ELSE 'CHECK_IN' END, \
             CASE WHEN {recorded} THEN NULL ELSE a.starts_at END, \
             CASE WHEN {recorded} THEN NULL ELSE {checked_out} END, \
             q.minutes, q.status, a.start_date, \
             CASE WHEN q.status = 'REJECTED' THEN '时长与签到记录不符' ELSE NULL END, \
             CASE WHEN q.status = 'PENDING' THEN NULL ELSE 2 + a.primary_department_id END, \
             CASE WHEN q.status = 'PENDING' THEN NULL ELSE {reviewed} END, \
             COALESCE(a.starts_at, a.created_at), COALESCE(a.starts_at, a.created_at) \
             FROM (SELECT t.id, s.k, s.x, 60 + (s.y % 13) * 15 AS minutes, \
               CASE WHEN s.z < 860 THEN 'APPROVED' WHEN s.z < 950 THEN 'PENDING' ELSE 'REJECTED' END AS status \
               FROM (SELECT n % {hour_acts} AS i, n / {hour_acts} AS k, {x} AS x, {y} AS y, {z} AS z FROM {from}) s \
               JOIN bench_hour_acts t ON t.i = s.i) q \
             JOIN activities a ON a.id = q.id",
            checked_out = d.ts_plus("a.starts_at", "q.minutes"),
            reviewed = d.ts_plus("COALESCE(a.starts_at, a.created_at)", "1440 + q.x"),
            x = hash("n", 1),
            y = hash("n", 3),
            z = hash("n", 0),
        ),
    )
    .await?;
    run(
        &txn,
        "activity counts",
        "UPDATE activities SET registered_count = c.registered, waitlist_count = c.waitlisted \
         FROM (SELECT activity_id, SUM(CASE WHEN status = 'REGISTERED' THEN 1 ELSE 0 END) AS registered, \
           SUM(CASE WHEN status = 'WAITLISTED' THEN 1 ELSE 0 END) AS waitlisted \
           FROM registrations GROUP BY activity_id) c WHERE activities.id = c.activity_id",
    )
    .await?;
    // Popular activities (one in five with a capacity) have a waitlist, and a waitlist
    // only forms when the activity is full.
    run(
        &txn,
        "capacities of full ones",
        "UPDATE activities SET capacity = registered_count WHERE waitlist_count > 0",
    )
    .await?;

    // Surveys: closed ones about completed activities at least five weeks old, evenly
    // spread; then the open ones the submission scenario answers.
    let candidates = txn
        .query_all_raw(sea_orm::Statement::from_string(
            txn.get_database_backend(),
            format!(
                "SELECT id FROM activities WHERE id <= {a_count} AND status = 'COMPLETED' \
                 AND starts_at IS NOT NULL AND start_date < {} ORDER BY id",
                d.date_lit(cal.today_date - Duration::days(35))
            ),
        ))
        .await?
        .into_iter()
        .map(|row| row.try_get_by_index::<i32>(0))
        .collect::<Result<Vec<i32>, _>>()?;
    anyhow::ensure!(!candidates.is_empty(), "no completed activity for surveys");
    let ns = sizes.surveys.min(candidates.len() as i64);
    let picked: Vec<String> = (0..ns)
        .map(|i| candidates[(i as usize * candidates.len()) / ns as usize].to_string())
        .collect();
    run(
        &txn,
        "surveys (closed)",
        &format!(
            "INSERT INTO surveys (id, title, description, status, anonymous, activity_id, department_id, \
             opens_at, closes_at, created_by, created_at) \
             SELECT ROW_NUMBER() OVER (ORDER BY a.id), a.title || '满意度调查', '请对本次活动进行评价。', 'CLOSED', \
             CASE WHEN a.id % 5 = 0 THEN TRUE ELSE FALSE END, a.id, NULL, a.starts_at, {closes}, \
             2 + a.primary_department_id, a.starts_at FROM activities a WHERE a.id IN ({})",
            picked.join(", "),
            closes = d.ts_plus("a.starts_at", "30 * 1440"),
        ),
    )
    .await?;
    let (with, from) = d.series(BENCH_SURVEYS);
    run(
        &txn,
        "surveys (open)",
        &format!(
            "{with}INSERT INTO surveys (id, title, description, status, anonymous, activity_id, department_id, \
             opens_at, closes_at, created_by, created_at) \
             SELECT {ns} + n + 1, '民政服务满意度调查（第' || (n + 1) || '批）', '请对我们的服务进行评价。', 'OPEN', \
             FALSE, NULL, n % 8 + 1, NULL, NULL, 3 + n % 8, {created} FROM {from}",
            created = d.ts(&format!("{} * 1440", cal.today - 1)),
        ),
    )
    .await?;
    let all_surveys = ns + BENCH_SURVEYS;
    let (with, from) = d.series(all_surveys * 4);
    run(
        &txn,
        "questions",
        &format!(
            "{with}INSERT INTO questions (id, survey_id, position, kind, prompt, required, overall) \
             SELECT n + 1, n / 4 + 1, n % 4, \
             CASE n % 4 WHEN 0 THEN 'SATISFACTION' WHEN 1 THEN 'SINGLE_CHOICE' WHEN 2 THEN 'RATING' ELSE 'TEXT' END, \
             CASE n % 4 WHEN 0 THEN '您对本次服务的总体评价' WHEN 1 THEN '您是通过什么渠道了解本次活动的' \
               WHEN 2 THEN '工作人员服务态度评分（1-5分）' ELSE '意见和建议' END, \
             CASE WHEN n % 4 = 3 THEN FALSE ELSE TRUE END, CASE WHEN n % 4 = 0 THEN TRUE ELSE FALSE END FROM {from}"
        ),
    )
    .await?;
    let (with, from) = d.series(all_surveys * 3);
    run(
        &txn,
        "question_options",
        &format!(
            "{with}INSERT INTO question_options (id, question_id, position, label) \
             SELECT n + 1, (n / 3) * 4 + 2, n % 3, \
             CASE n % 3 WHEN 0 THEN '社区通知' WHEN 1 THEN '微信群' ELSE '志愿者上门' END FROM {from}"
        ),
    )
    .await?;
    let (with, from) = d.series(sizes.survey_responses);
    let self_service = "q.c < 850";
    run(
        &txn,
        "survey_responses",
        &format!(
            "{with}INSERT INTO survey_responses (survey_id, respondent_id, respondent_key, idempotency_key, channel, \
             satisfaction, department_id, entered_by, submitted_at, submitted_on, answered_on) \
             SELECT q.sid, \
             CASE WHEN {self_service} AND NOT sv.anonymous THEN 11 + (q.n * 2654435761) % {v_count} ELSE NULL END, \
             CASE WHEN {self_service} THEN 'seed:' || q.n ELSE NULL END, NULL, \
             CASE WHEN q.c < 550 THEN 'MINI_PROGRAM' WHEN q.c < 750 THEN 'MOBILE_APP' WHEN q.c < 850 THEN 'WEB' \
               WHEN q.c < 950 THEN 'HOTLINE' ELSE 'OFFLINE' END, \
             CASE WHEN q.s < 450 THEN 'VERY_SATISFIED' WHEN q.s < 750 THEN 'SATISFIED' \
               WHEN q.s < 870 THEN 'BASICALLY_SATISFIED' WHEN q.s < 950 THEN 'DISSATISFIED' ELSE 'VERY_DISSATISFIED' END, \
             a.primary_department_id, \
             CASE WHEN {self_service} THEN NULL ELSE 2 + a.primary_department_id END, \
             {submitted_at}, {submitted_on}, {submitted_on} \
             FROM (SELECT n, 1 + n % {ns} AS sid, {c} AS c, {s} AS s, {t} AS t FROM {from}) q \
             JOIN surveys sv ON sv.id = q.sid JOIN activities a ON a.id = sv.activity_id",
            c = hash("n", 2),
            s = hash("n", 4),
            t = hash("n", 5),
            submitted_at = d.ts_plus("a.starts_at", "(q.n % 29) * 1440 + 60 + q.t % 300"),
            submitted_on = d.date_plus("a.start_date", "q.n % 29"),
        ),
    )
    .await?;
    run(
        &txn,
        "answers",
        "INSERT INTO answers (response_id, question_id, level, option_id, rating, text) \
         SELECT r.id, (r.survey_id - 1) * 4 + 1, r.satisfaction, NULL, NULL, NULL FROM survey_responses r",
    )
    .await?;
    run(
        &txn,
        "rectifications",
        &format!(
            "INSERT INTO rectifications (response_id, survey_id, activity_id, department_id, level, complaint, status, \
             due_at, resolution, resolved_at, created_at, updated_at) \
             SELECT r.id, r.survey_id, sv.activity_id, r.department_id, r.satisfaction, '服务不及时，等候时间过长。', \
             r.status, {due}, \
             CASE WHEN r.status IN ('RESOLVED', 'CLOSED') THEN '已增设引导人员，分时段服务。' ELSE NULL END, \
             CASE WHEN r.status IN ('RESOLVED', 'CLOSED') THEN {resolved} ELSE NULL END, \
             r.submitted_at, r.submitted_at \
             FROM (SELECT id, survey_id, department_id, satisfaction, submitted_at, \
               CASE WHEN {x} < 40 THEN 'OPEN' WHEN {x} < 80 THEN 'IN_PROGRESS' WHEN {x} < 600 THEN 'RESOLVED' \
               ELSE 'CLOSED' END AS status \
               FROM survey_responses WHERE satisfaction IN ('DISSATISFIED', 'VERY_DISSATISFIED')) r \
             JOIN surveys sv ON sv.id = r.survey_id",
            x = hash("id", 1),
            due = d.ts_plus("r.submitted_at", "15 * 1440"),
            resolved = d.ts_plus("r.submitted_at", "7 * 1440"),
        ),
    )
    .await?;

    txn.execute_unprepared("DROP TABLE bench_reg_acts").await?;
    txn.execute_unprepared("DROP TABLE bench_hour_acts").await?;
    let tables = [
        "departments",
        "users",
        "volunteers",
        "plans",
        "categories",
        "communities",
        "pairings",
        "activities",
        "activity_locations",
        "registrations",
        "service_records",
        "surveys",
        "questions",
        "question_options",
        "survey_responses",
        "answers",
        "rectifications",
    ];
    if backend == Backend::Postgres {
        for table in tables {
            txn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
            ))
            .await?;
        }
    }
    // The hours rollups the server keeps on approval, computed once for the bulk load.
    let started_rollups = Instant::now();
    api::domain::hours::rollups::rebuild(&txn).await?;
    eprintln!(
        "  {:<24} {:>15}  {:>6.1} s",
        "hours rollups",
        "",
        started_rollups.elapsed().as_secs_f64()
    );
    let mut counts = Vec::new();
    for table in tables.iter().chain(["activity_departments"].iter()) {
        counts.push((
            table.to_string(),
            scalar(&txn, &format!("SELECT COUNT(*) FROM {table}")).await?,
        ));
    }
    txn.commit().await?;
    let started_analyze = Instant::now();
    match backend {
        // What autovacuum would have done by the time such a database is in service.
        Backend::Postgres => db.execute_unprepared("VACUUM ANALYZE").await?,
        // The server never runs ANALYZE on SQLite; a checkpoint folds the WAL back.
        Backend::Sqlite => {
            db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?
        }
    };
    eprintln!(
        "  {:<24} {:>15}  {:>6.1} s",
        if backend == Backend::Postgres {
            "VACUUM ANALYZE"
        } else {
            "checkpoint"
        },
        "",
        started_analyze.elapsed().as_secs_f64()
    );
    Ok(Fixtures {
        volunteers: v_count,
        burst_activity: (a_count + 1) as i32,
        spare_activities: (0..SPARE_ACTIVITIES)
            .map(|i| (a_count + 2 + i) as i32)
            .collect(),
        bench_surveys: (ns + 1..=ns + BENCH_SURVEYS).collect(),
        counts,
        load_seconds: started.elapsed().as_secs_f64(),
    })
}
