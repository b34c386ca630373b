//! Dashboards: every figure against an independent computation over a generated dataset,
//! on every backend; freshness across instances; answering through a Redis outage.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use entity::enums::{
    ActivityStatus, FeedbackChannel, RectificationStatus, RegistrationStatus, Role,
    SatisfactionLevel, ServiceRecordSource, ServiceRecordStatus, SurveyStatus,
};

use crate::helpers::PrivateRedis;
use crate::helpers::run;
use crate::helpers::{Backend, TestApp, code, spawn_app, spawn_sibling};

/// A deterministic pseudo-random sequence, so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[derive(Clone)]
struct Act {
    id: i32,
    department: i32,
    category: i32,
    status: ActivityStatus,
    date: Option<NaiveDate>,
}

struct Rec {
    activity: usize,
    volunteer: i32,
    minutes: i64,
    approved: bool,
    date: NaiveDate,
}

struct Resp {
    department: i32,
    level: Option<SatisfactionLevel>,
    date: NaiveDate,
}

struct Rect {
    department: i32,
    open: bool,
    overdue: bool,
}

struct Dataset {
    departments: Vec<(i32, String)>,
    categories: Vec<(i32, String)>,
    volunteers: Vec<i32>,
    activities: Vec<Act>,
    registrations: Vec<(usize, i32, RegistrationStatus)>,
    records: Vec<Rec>,
    responses: Vec<Resp>,
    rectifications: Vec<Rect>,
}

async fn generate(app: &TestApp) -> Dataset {
    let db = &app.state.db;
    let now = Utc::now();
    let mut rng = Rng(7);
    let mut departments = Vec::new();
    for name in ["养老科", "机关党委", "事务科", "儿慈科"] {
        let d = api::domain::plans::department_by_name(db, name)
            .await
            .unwrap();
        departments.push((d.id, d.name));
    }
    let plan = entity::plan::ActiveModel {
        title: Set("生成的计划".into()),
        year: Set(2024),
        issuer: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut categories = Vec::new();
    for name in ["新风正气", "绿色环保", "便民暖心"] {
        let c = entity::category::ActiveModel {
            plan_id: Set(plan.id),
            name: Set(name.into()),
            description: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        categories.push((c.id, c.name));
    }
    let mut volunteers = Vec::new();
    for i in 0..30 {
        let user = entity::user::ActiveModel {
            phone: Set(Some(format!("1360000{i:04}"))),
            password_hash: Set(None),
            display_name: Set(format!("志愿者{i}")),
            wechat_openid: Set(None),
            roles: Set(Role::join(&[Role::Resident, Role::Volunteer])),
            department_id: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        let v = entity::volunteer::ActiveModel {
            user_id: Set(user.id),
            real_name: Set(format!("志愿者{i}")),
            skills: Set(Default::default()),
            enrolled_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        volunteers.push(v.id);
    }
    let statuses = [
        ActivityStatus::Published,
        ActivityStatus::Completed,
        ActivityStatus::Completed,
        ActivityStatus::Draft,
        ActivityStatus::Cancelled,
    ];
    let mut activities = Vec::new();
    for i in 0..240 {
        let department = departments[rng.next(4) as usize].0;
        let category = categories[rng.next(3) as usize].0;
        let status = statuses[rng.next(5) as usize];
        let date = (rng.next(10) != 0).then(|| {
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(rng.next(200) as i64)
        });
        // 23:30 local time: the UTC date is the day before, so +08:00 bucketing is exercised.
        let starts = date.map(|d| {
            chrono::FixedOffset::east_opt(8 * 3600)
                .unwrap()
                .from_local_datetime(&d.and_hms_opt(23, 30, 0).unwrap())
                .unwrap()
                .to_utc()
        });
        let a = entity::activity::ActiveModel {
            plan_id: Set(Some(plan.id)),
            seq_no: Set(Some(i)),
            title: Set(format!("活动{i}")),
            category_id: Set(Some(category)),
            time_label: Set(None),
            starts_at: Set(starts),
            ends_at: Set(None),
            start_date: Set(date),
            status: Set(status),
            content_items: Set(Default::default()),
            primary_department_id: Set(Some(department)),
            capacity: Set(None),
            registered_count: Set(0),
            waitlist_count: Set(0),
            registration_opens_at: Set(None),
            registration_closes_at: Set(None),
            service_minutes: Set(None),
            pairing_id: Set(None),
            published_at: Set(None),
            cancel_reason: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        entity::activity_department::ActiveModel {
            activity_id: Set(a.id),
            department_id: Set(department),
            position: Set(0),
        }
        .insert(db)
        .await
        .unwrap();
        activities.push(Act {
            id: a.id,
            department,
            category,
            status,
            date,
        });
    }
    let mut registrations = Vec::new();
    let mut records = Vec::new();
    for (index, act) in activities.iter().enumerate() {
        let mut taken = HashSet::new();
        for _ in 0..rng.next(6) {
            let volunteer = volunteers[rng.next(30) as usize];
            if !taken.insert(volunteer) {
                continue;
            }
            let status = [
                RegistrationStatus::Registered,
                RegistrationStatus::Registered,
                RegistrationStatus::Waitlisted,
                RegistrationStatus::Cancelled,
            ][rng.next(4) as usize];
            entity::registration::ActiveModel {
                activity_id: Set(act.id),
                volunteer_id: Set(volunteer),
                status: Set(status),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            registrations.push((index, volunteer, status));
            if status == RegistrationStatus::Registered && rng.next(3) != 0 {
                let minutes = 30 + rng.next(300) as i64;
                let approved = rng.next(4) != 0;
                let date = act
                    .date
                    .unwrap_or(NaiveDate::from_ymd_opt(2024, 3, 15).unwrap())
                    + Duration::days(rng.next(3) as i64);
                entity::service_record::ActiveModel {
                    activity_id: Set(act.id),
                    volunteer_id: Set(volunteer),
                    source: Set(ServiceRecordSource::Recorded),
                    checked_in_at: Set(None),
                    checked_out_at: Set(None),
                    minutes: Set(minutes as i32),
                    status: Set(if approved {
                        ServiceRecordStatus::Approved
                    } else {
                        ServiceRecordStatus::Pending
                    }),
                    service_date: Set(Some(date)),
                    review_note: Set(None),
                    reviewed_by: Set(None),
                    reviewed_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(db)
                .await
                .unwrap();
                records.push(Rec {
                    activity: index,
                    volunteer,
                    minutes,
                    approved,
                    date,
                });
            }
        }
    }
    let survey = entity::survey::ActiveModel {
        title: Set("满意度".into()),
        description: Set(None),
        status: Set(SurveyStatus::Open),
        anonymous: Set(false),
        activity_id: Set(None),
        department_id: Set(None),
        opens_at: Set(None),
        closes_at: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let levels = [
        None,
        Some(SatisfactionLevel::VerySatisfied),
        Some(SatisfactionLevel::Satisfied),
        Some(SatisfactionLevel::BasicallySatisfied),
        Some(SatisfactionLevel::Dissatisfied),
        Some(SatisfactionLevel::VeryDissatisfied),
    ];
    let mut responses = Vec::new();
    let mut rectifications = Vec::new();
    for _ in 0..220 {
        let department = departments[rng.next(4) as usize].0;
        let level = levels[rng.next(6) as usize];
        let date =
            NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(rng.next(200) as i64);
        let submitted = chrono::FixedOffset::east_opt(8 * 3600)
            .unwrap()
            .from_local_datetime(&date.and_hms_opt(7, 0, 0).unwrap())
            .unwrap()
            .to_utc();
        let response = entity::survey_response::ActiveModel {
            survey_id: Set(survey.id),
            respondent_id: Set(None),
            respondent_key: Set(None),
            idempotency_key: Set(None),
            channel: Set(FeedbackChannel::Hotline),
            satisfaction: Set(level),
            department_id: Set(Some(department)),
            entered_by: Set(None),
            submitted_at: Set(submitted),
            submitted_on: Set(date),
            answered_on: Set(date),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
        responses.push(Resp {
            department,
            level,
            date,
        });
        if matches!(
            level,
            Some(SatisfactionLevel::Dissatisfied | SatisfactionLevel::VeryDissatisfied)
        ) {
            let status = [
                RectificationStatus::Open,
                RectificationStatus::InProgress,
                RectificationStatus::Resolved,
                RectificationStatus::Closed,
            ][rng.next(4) as usize];
            let due = if rng.next(2) == 0 {
                now - Duration::days(3)
            } else {
                now + Duration::days(3)
            };
            entity::rectification::ActiveModel {
                response_id: Set(response.id),
                survey_id: Set(survey.id),
                activity_id: Set(None),
                department_id: Set(Some(department)),
                level: Set(level.unwrap()),
                complaint: Set(None),
                status: Set(status),
                due_at: Set(due),
                resolution: Set(None),
                resolved_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await
            .unwrap();
            let open = matches!(
                status,
                RectificationStatus::Open | RectificationStatus::InProgress
            );
            rectifications.push(Rect {
                department,
                open,
                overdue: open && due < now,
            });
        }
    }
    // Written directly, like a bulk load: the activities' place counters (which every
    // registration write keeps, and the overview's registration count reads) are set from
    // the registrations, and the hours rollups rebuilt.
    for (index, act) in activities.iter().enumerate() {
        let count = |wanted: RegistrationStatus| {
            registrations
                .iter()
                .filter(|(i, _, status)| *i == index && *status == wanted)
                .count() as i32
        };
        entity::activity::ActiveModel {
            id: Set(act.id),
            registered_count: Set(count(RegistrationStatus::Registered)),
            waitlist_count: Set(count(RegistrationStatus::Waitlisted)),
            ..Default::default()
        }
        .update(db)
        .await
        .unwrap();
    }
    api::domain::hours::rollups::rebuild(db).await.unwrap();
    Dataset {
        departments,
        categories,
        volunteers,
        activities,
        registrations,
        records,
        responses,
        rectifications,
    }
}

fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 60.0 * 100.0).round() / 100.0
}

fn in_range(date: Option<NaiveDate>, range: Option<(NaiveDate, NaiveDate)>) -> bool {
    match (date, range) {
        (_, None) => true,
        (Some(d), Some((from, to))) => from <= d && d <= to,
        (None, Some(_)) => false,
    }
}

fn rate(levels: &[SatisfactionLevel]) -> Value {
    if levels.is_empty() {
        return Value::Null;
    }
    let good = levels
        .iter()
        .filter(|l| {
            matches!(
                l,
                SatisfactionLevel::VerySatisfied
                    | SatisfactionLevel::Satisfied
                    | SatisfactionLevel::BasicallySatisfied
            )
        })
        .count();
    json!(good as f64 / levels.len() as f64)
}

/// What the dashboard must say, computed from the generated rows alone.
fn expected(
    data: &Dataset,
    range: Option<(NaiveDate, NaiveDate)>,
    department: Option<i32>,
) -> Value {
    let dept_ok = |d: i32| department.is_none_or(|want| want == d);
    let counted: Vec<&Act> = data
        .activities
        .iter()
        .filter(|a| {
            matches!(
                a.status,
                ActivityStatus::Published | ActivityStatus::Completed
            )
        })
        .filter(|a| in_range(a.date, range) && dept_ok(a.department))
        .collect();
    let counted_ids: HashSet<i32> = counted.iter().map(|a| a.id).collect();
    let approved: Vec<&Rec> = data
        .records
        .iter()
        .filter(|r| {
            // Hours count only on published and completed activities.
            r.approved
                && matches!(
                    data.activities[r.activity].status,
                    ActivityStatus::Published | ActivityStatus::Completed
                )
                && in_range(Some(r.date), range)
                && dept_ok(data.activities[r.activity].department)
        })
        .collect();
    let responses: Vec<&Resp> = data
        .responses
        .iter()
        .filter(|r| in_range(Some(r.date), range) && dept_ok(r.department))
        .collect();
    let levels: Vec<SatisfactionLevel> = responses.iter().filter_map(|r| r.level).collect();
    let volunteer_count = match department {
        None => data.volunteers.len(),
        Some(d) => {
            let public = |i: usize| {
                let a = &data.activities[i];
                a.department == d
                    && matches!(
                        a.status,
                        ActivityStatus::Published | ActivityStatus::Completed
                    )
            };
            let mut set: HashSet<i32> = data
                .registrations
                .iter()
                .filter(|(i, _, s)| *s == RegistrationStatus::Registered && public(*i))
                .map(|(_, v, _)| *v)
                .collect();
            set.extend(
                data.records
                    .iter()
                    .filter(|r| r.approved && public(r.activity))
                    .map(|r| r.volunteer),
            );
            set.len()
        }
    };
    let overview = json!({
        "activityCount": counted.len(),
        "completedActivityCount": counted.iter().filter(|a| a.status == ActivityStatus::Completed).count(),
        "registrationCount": data.registrations.iter().filter(|(i, _, s)| *s == RegistrationStatus::Registered && counted_ids.contains(&data.activities[*i].id)).count(),
        "volunteerCount": volunteer_count,
        "activeVolunteerCount": approved.iter().map(|r| r.volunteer).collect::<HashSet<_>>().len(),
        "totalServiceHours": hours(approved.iter().map(|r| r.minutes).sum()),
        "responseCount": responses.len(),
        "satisfactionRate": rate(&levels),
        "openRectificationCount": data.rectifications.iter().filter(|r| r.open && dept_ok(r.department)).count(),
        "overdueRectificationCount": data.rectifications.iter().filter(|r| r.overdue && dept_ok(r.department)).count(),
    });
    let mut by_department: BTreeMap<String, (i64, HashSet<i32>, usize)> = BTreeMap::new();
    for r in &approved {
        let name = data
            .departments
            .iter()
            .find(|(id, _)| *id == data.activities[r.activity].department)
            .unwrap()
            .1
            .clone();
        let entry = by_department.entry(name).or_default();
        entry.0 += r.minutes;
        entry.1.insert(r.volunteer);
    }
    for a in &counted {
        let name = data
            .departments
            .iter()
            .find(|(id, _)| *id == a.department)
            .unwrap()
            .1
            .clone();
        by_department.entry(name).or_default().2 += 1;
    }
    let by_department: BTreeMap<String, Value> = by_department
        .into_iter()
        .map(|(name, (m, v, a))| (name, json!([hours(m), v.len(), a])))
        .collect();
    let mut by_month: BTreeMap<String, (i64, usize)> = BTreeMap::new();
    for r in &approved {
        by_month
            .entry(r.date.format("%Y-%m").to_string())
            .or_default()
            .0 += r.minutes;
    }
    for a in counted.iter().filter(|a| a.date.is_some()) {
        by_month
            .entry(a.date.unwrap().format("%Y-%m").to_string())
            .or_default()
            .1 += 1;
    }
    let by_month: Vec<Value> = by_month
        .into_iter()
        .map(|(m, (min, n))| json!([m, hours(min), n]))
        .collect();
    let mut by_category: BTreeMap<String, usize> = BTreeMap::new();
    for a in &counted {
        *by_category
            .entry(
                data.categories
                    .iter()
                    .find(|(id, _)| *id == a.category)
                    .unwrap()
                    .1
                    .clone(),
            )
            .or_default() += 1;
    }
    let mut per_volunteer: HashMap<i32, i64> = HashMap::new();
    for r in &approved {
        *per_volunteer.entry(r.volunteer).or_default() += r.minutes;
    }
    let mut top: Vec<(i32, i64)> = per_volunteer.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let top: Vec<Value> = top
        .iter()
        .take(10)
        .map(|(v, m)| json!([v.to_string(), hours(*m)]))
        .collect();
    let mut satisfaction: BTreeMap<String, (usize, Vec<SatisfactionLevel>)> = BTreeMap::new();
    for r in &responses {
        let name = data
            .departments
            .iter()
            .find(|(id, _)| *id == r.department)
            .unwrap()
            .1
            .clone();
        let entry = satisfaction.entry(name).or_default();
        entry.0 += 1;
        entry.1.extend(r.level);
    }
    let satisfaction: BTreeMap<String, Value> = satisfaction
        .into_iter()
        .map(|(n, (c, l))| (n, json!([c, rate(&l)])))
        .collect();
    json!({ "overview": overview, "byDepartment": by_department, "byMonth": by_month, "byCategory": by_category, "top": top, "satisfaction": satisfaction })
}

/// The same shape, from the server's answers.
async fn actual(
    app: &TestApp,
    token: &str,
    range: Option<(NaiveDate, NaiveDate)>,
    department: Option<i32>,
) -> Value {
    let variables = json!({
        "range": range.map(|(f, t)| json!({ "from": f.to_string(), "to": t.to_string() })),
        "departmentId": department.map(|d| d.to_string()),
    });
    let overview = run(app, "DashboardOverview", variables.clone(), Some(token)).await;
    assert!(overview.get("errors").is_none(), "{overview:#}");
    let hours_body = run(app, "DashboardHours", variables.clone(), Some(token)).await;
    assert!(hours_body.get("errors").is_none(), "{hours_body:#}");
    let satisfaction = run(app, "DashboardSatisfaction", variables, Some(token)).await;
    assert!(satisfaction.get("errors").is_none(), "{satisfaction:#}");
    let d = &hours_body["data"]["dashboard"];
    let by_department: BTreeMap<String, Value> = d["hoursByDepartment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["department"]["name"].as_str().unwrap().to_owned(),
                json!([r["hours"], r["volunteerCount"], r["activityCount"]]),
            )
        })
        .collect();
    let by_month: Vec<Value> = d["hoursByMonth"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["month"], r["hours"], r["activityCount"]]))
        .collect();
    let by_category: BTreeMap<String, Value> = d["activitiesByCategory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["category"]["name"].as_str().unwrap().to_owned(),
                r["count"].clone(),
            )
        })
        .collect();
    let top: Vec<Value> = d["topVolunteers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| json!([r["volunteer"]["id"], r["hours"]]))
        .collect();
    let sat: BTreeMap<String, Value> =
        satisfaction["data"]["dashboard"]["satisfactionByDepartment"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["department"]["name"].as_str().unwrap().to_owned(),
                    json!([r["responseCount"], r["satisfactionRate"]]),
                )
            })
            .collect();
    let mut overview = overview["data"]["dashboard"]["overview"].clone();
    if let Some(rate) = overview["satisfactionRate"].as_f64() {
        overview["satisfactionRate"] = json!(rate);
    }
    json!({ "overview": overview, "byDepartment": by_department, "byMonth": by_month, "byCategory": by_category, "top": top, "satisfaction": sat })
}

fn close_enough(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => {
            (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| close_enough(x, y))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| close_enough(v, w)))
        }
        _ => expected == actual,
    }
}

#[tokio::test]
async fn every_dashboard_figure_matches_an_independent_count_for_several_ranges_and_departments() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let data = generate(&app).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let d = |m: u32, day: u32| NaiveDate::from_ymd_opt(2024, m, day).unwrap();
        let ranges = [
            None,
            Some((d(1, 1), d(12, 31))),
            Some((d(2, 10), d(4, 20))),
            Some((d(3, 1), d(3, 1))),
        ];
        let departments = [
            None,
            Some(data.departments[0].0),
            Some(data.departments[2].0),
        ];
        for range in ranges {
            for department in departments {
                let want = expected(&data, range, department);
                let got = actual(&app, &viewer.token, range, department).await;
                assert!(
                    close_enough(&want, &got),
                    "{backend:?} range {range:?} department {department:?}\nexpected {want:#}\ngot {got:#}"
                );
            }
        }
        // Organizers see their own department only.
        let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
        let own = actual(&app, &organizer.token, None, None).await;
        assert!(close_enough(
            &expected(&data, None, Some(data.departments[0].0)),
            &own
        ));
        let other = run(
            &app,
            "DashboardOverview",
            json!({ "departmentId": data.departments[1].0.to_string() }),
            Some(&organizer.token),
        )
        .await;
        assert_eq!(code(&other), "FORBIDDEN");
        let resident = app.user(&[], None).await;
        let refused = run(&app, "DashboardOverview", json!({}), Some(&resident.token)).await;
        assert_eq!(code(&refused), "FORBIDDEN");
    }
}

async fn completed_count(app: &TestApp, token: &str) -> i64 {
    let body = run(app, "DashboardOverview", json!({}), Some(token)).await;
    body["data"]["dashboard"]["overview"]["completedActivityCount"]
        .as_i64()
        .expect("count")
}

/// One published activity of 养老科; returns its id and an admin token.
async fn published(app: &TestApp) -> (String, String) {
    let admin = app.user(&[Role::Admin], None).await;
    let dept = api::domain::plans::department_by_name(&app.state.db, "养老科")
        .await
        .unwrap();
    let created = run(app, "CreateActivity", json!({ "input": { "title": "看板", "leadDepartmentIds": [dept.id.to_string()], "startsAt": "2024-05-01T09:00:00+08:00" } }), Some(&admin.token)).await;
    let id = created["data"]["createActivity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    run(
        app,
        "PublishActivity",
        json!({ "id": id }),
        Some(&admin.token),
    )
    .await;
    (id, admin.token)
}

#[tokio::test]
async fn a_change_through_one_instance_shows_at_once_on_another() {
    if crate::helpers::redis_url().is_none() {
        // Without Redis the cache is per process by design; the README says so.
        return;
    }
    for backend in Backend::all() {
        let first = spawn_app(backend).await;
        let second = spawn_sibling(&first).await;
        let (id, admin) = published(&first).await;
        assert_eq!(completed_count(&second, &admin).await, 0);
        assert_eq!(
            completed_count(&second, &admin).await,
            0,
            "now cached on the second instance"
        );
        let before = second.statements();
        completed_count(&second, &admin).await;
        assert_eq!(second.statements(), before, "a cached answer runs no SQL");
        run(
            &first,
            "CompleteActivity",
            json!({ "id": id }),
            Some(&admin),
        )
        .await;
        assert_eq!(
            completed_count(&second, &admin).await,
            1,
            "{backend:?}: the second instance served a stale figure"
        );
    }
}

#[tokio::test]
async fn dashboards_answer_from_the_database_while_redis_is_down_and_use_it_again_after() {
    let Some(mut redis) = PrivateRedis::for_test(0) else {
        return;
    };
    let app = redis.app().await;
    let (id, admin) = published(&app).await;
    assert_eq!(completed_count(&app, &admin).await, 0);
    let before = app.statements();
    assert_eq!(completed_count(&app, &admin).await, 0);
    assert_eq!(app.statements(), before, "served from Redis");

    redis.stop();
    run(&app, "CompleteActivity", json!({ "id": id }), Some(&admin)).await;
    assert_eq!(
        completed_count(&app, &admin).await,
        1,
        "fresh from the database while Redis is down"
    );
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    let metrics = app.metrics().await;
    assert!(metrics.contains("tongxin_cache_errors_total"), "{metrics}");

    redis.restart();
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(completed_count(&app, &admin).await, 1);
    let before = app.statements();
    assert_eq!(completed_count(&app, &admin).await, 1);
    assert_eq!(app.statements(), before, "cached in Redis again");
    redis.stop();
}

/// The whole plan's hours come from rollups the reviews keep; a range reads the records.
/// Over a range that holds every record both must agree, after approvals, a rejection
/// and an activity that moves to another primary department.
#[tokio::test]
async fn whole_plan_hours_from_the_rollups_agree_with_the_records() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let viewer = app.user(&[Role::Viewer], None).await;
        let admin = app.user(&[Role::Admin], None).await;
        let (id, organizer) = crate::helpers::published_activity(
            &app,
            None,
            "2030-05-01T09:00:00+08:00",
            "2030-05-01T12:00:00+08:00",
        )
        .await;
        let volunteers = app.volunteers(3).await;
        let mut records = Vec::new();
        for (user, hours) in volunteers.iter().zip([2.0, 3.5, 1.0]) {
            let volunteer = entity::volunteer::Entity::find()
                .filter(entity::volunteer::Column::UserId.eq(user.id))
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
            let recorded = run(
                &app,
                "RecordServiceHours",
                json!({ "input": { "activityId": id, "volunteerId": volunteer.id.to_string(), "hours": hours } }),
                Some(&organizer.token),
            )
            .await;
            records.push(recorded["data"]["recordServiceHours"]["id"].clone());
        }
        let review = |ids: Value, decision: &str, note: Option<&str>| {
            let app = &app;
            let token = organizer.token.clone();
            let variables = json!({ "ids": ids, "decision": decision, "note": note });
            async move {
                let body = run(app, "ReviewServiceRecords", variables, Some(&token)).await;
                assert!(body.get("errors").is_none(), "{body:#}");
            }
        };
        review(json!([records[0], records[1]]), "APPROVE", None).await;
        review(json!([records[2]]), "REJECT", Some("未到场")).await;

        // Whole months (the month rollups and their sets of volunteers) and the same span
        // cut a day short at each end (the records themselves).
        let months = json!({ "from": "2000-01-01", "to": "2099-12-31" });
        let days = json!({ "from": "2000-01-02", "to": "2099-12-30" });
        let compare = |department: Option<Value>| {
            let app = &app;
            let token = viewer.token.clone();
            let ranges = [Value::Null, months.clone(), days.clone()];
            async move {
                let mut answers = Vec::new();
                for range in ranges {
                    let variables = json!({ "range": range, "departmentId": department });
                    let hours = run(app, "DashboardHours", variables.clone(), Some(&token)).await;
                    let overview = run(app, "DashboardOverview", variables, Some(&token)).await;
                    assert!(hours.get("errors").is_none(), "{hours:#}");
                    let figures = &overview["data"]["dashboard"]["overview"];
                    answers.push(json!({
                        "hours": hours["data"]["dashboard"],
                        "totalServiceHours": figures["totalServiceHours"],
                        "activeVolunteerCount": figures["activeVolunteerCount"],
                    }));
                }
                assert_eq!(
                    answers[0], answers[1],
                    "{backend:?}: whole plan vs whole months over everything"
                );
                assert_eq!(
                    answers[1], answers[2],
                    "{backend:?}: whole months vs days over everything"
                );
                answers.remove(0)
            }
        };
        let elderly = app.department("养老科").await;
        let party = app.department("机关党委").await;
        let all = compare(None).await;
        assert_eq!(all["totalServiceHours"], 5.5, "{all:#}");
        assert_eq!(all["activeVolunteerCount"], 2);
        assert_eq!(
            all["hours"]["hoursByDepartment"][0]["department"]["name"],
            "养老科"
        );
        assert_eq!(all["hours"]["topVolunteers"][0]["hours"], 3.5);
        compare(Some(elderly.clone())).await;

        // A second activity the same month: the first volunteer again, and the third.
        let (second, second_organizer) = crate::helpers::published_activity(
            &app,
            None,
            "2030-05-02T09:00:00+08:00",
            "2030-05-02T12:00:00+08:00",
        )
        .await;
        let mut more = Vec::new();
        for (user, hours) in [(&volunteers[0], 1.0), (&volunteers[2], 2.0)] {
            let volunteer = entity::volunteer::Entity::find()
                .filter(entity::volunteer::Column::UserId.eq(user.id))
                .one(&app.state.db)
                .await
                .unwrap()
                .unwrap();
            let recorded = run(
                &app,
                "RecordServiceHours",
                json!({ "input": { "activityId": second, "volunteerId": volunteer.id.to_string(), "hours": hours } }),
                Some(&second_organizer.token),
            )
            .await;
            more.push(recorded["data"]["recordServiceHours"]["id"].clone());
        }
        let approved = run(
            &app,
            "ReviewServiceRecords",
            json!({ "ids": more, "decision": "APPROVE", "note": null }),
            Some(&second_organizer.token),
        )
        .await;
        assert!(approved.get("errors").is_none(), "{approved:#}");
        let all = compare(None).await;
        assert_eq!(all["totalServiceHours"], 8.5, "{all:#}");
        assert_eq!(all["activeVolunteerCount"], 3, "{all:#}");
        // Cancelled, its hours leave: the third volunteer served nowhere else that month,
        // the first did.
        let cancelled = run(
            &app,
            "CancelActivity",
            json!({ "id": second, "reason": "天气原因" }),
            Some(&second_organizer.token),
        )
        .await;
        assert!(cancelled.get("errors").is_none(), "{cancelled:#}");
        let all = compare(None).await;
        assert_eq!(all["totalServiceHours"], 5.5, "{all:#}");
        assert_eq!(all["activeVolunteerCount"], 2, "{all:#}");
        compare(Some(elderly.clone())).await;

        // The activity moves to 机关党委: so do its hours.
        let moved = run(
            &app,
            "UpdateActivity",
            json!({ "id": id, "input": { "leadDepartmentIds": [party.clone()] } }),
            Some(&admin.token),
        )
        .await;
        assert!(moved.get("errors").is_none(), "{moved:#}");
        let all = compare(None).await;
        let by_department = all["hours"]["hoursByDepartment"].as_array().unwrap();
        assert_eq!(by_department.len(), 1, "{all:#}");
        assert_eq!(by_department[0]["department"]["name"], "机关党委");
        assert_eq!(by_department[0]["hours"], 5.5);
        assert_eq!(compare(Some(elderly)).await["totalServiceHours"], 0.0);
        assert_eq!(compare(Some(party)).await["totalServiceHours"], 5.5);
    }
}
