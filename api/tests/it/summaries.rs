//! The plan carried out, as files: photos of completed activities (uploaded as a
//! mini-program's `wx.uploadFile` sends them, kept in the database, served to whoever may
//! read the summary) and the year-end summary as an XLSX document read back with calamine.

use calamine::{Data, Reader, Xlsx};
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, User, run, spawn_app};
use entity::enums::Role;

const TABLE: &str = "序号,活动时间,活动主题,活动地点,活动内容,牵头科室\n\
    1,3月5日,学雷锋志愿服务,源淮社区,助老,养老科\n\
    2,“4·23世界读书日”前后,分享一本书,局机关,读书,养老科\n\
    3,4月10日,清洁家园,局机关,清扫,办公室\n\
    4,待定,敬老慰问,源淮社区,慰问,养老科\n";

/// A PNG's signature and a few bytes after it: only the signature decides the type.
fn png(extra: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..extra).map(|i| (i % 251) as u8));
    bytes
}

struct Plan {
    id: Value,
    /// Activity ids by their plan number.
    activities: Vec<(i64, String)>,
    admin: User,
    organizer: User,
}

impl Plan {
    fn activity(&self, seq: i64) -> &str {
        &self.activities.iter().find(|(s, _)| *s == seq).unwrap().1
    }
}

/// The four-row plan of 2022, rows 1 and 2 completed, row 3 cancelled, row 1 summarized.
async fn plan(app: &TestApp) -> Plan {
    let admin = app.user(&[Role::Admin], None).await;
    let imported = run(
        app,
        "ImportPlan",
        json!({ "input": { "title": "2022年方案", "year": 2022, "csv": TABLE, "publish": true } }),
        Some(&admin.token),
    )
    .await;
    let plan = &imported["data"]["importPlan"]["plan"];
    let activities: Vec<(i64, String)> = plan["activities"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("imported: {imported}"))
        .iter()
        .map(|e| {
            (
                e["node"]["seqNo"].as_i64().unwrap(),
                e["node"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let organizer = app.user(&[Role::Organizer], Some("养老科")).await;
    let plan = Plan {
        id: plan["id"].clone(),
        activities,
        admin,
        organizer,
    };
    for seq in [1, 2] {
        run(
            app,
            "CompleteActivity",
            json!({ "id": plan.activity(seq) }),
            Some(&plan.admin.token),
        )
        .await;
    }
    run(
        app,
        "CancelActivity",
        json!({ "id": plan.activity(3), "reason": "台风" }),
        Some(&plan.admin.token),
    )
    .await;
    app.ok(
        "mutation($a: ID!, $i: ActivitySummaryInput!) { submitActivitySummary(activityId: $a, input: $i) { text } }",
        json!({ "a": plan.activity(1), "i": { "text": "走访独居老人 30 户，帮助打扫卫生。", "servedCount": 30, "servedGroups": ["空巢老人", "困难群众"] } }),
        Some(&plan.organizer.token),
    )
    .await;
    plan
}

/// Uploads `bytes` as the `file` part; the status and the JSON answer.
async fn upload(
    app: &TestApp,
    activity: &str,
    bytes: Vec<u8>,
    token: Option<&str>,
    language: Option<&str>,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("name", "活动照片")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("photo.png")
                .mime_str("image/png")
                .unwrap(),
        );
    let mut request = app
        .http
        .post(format!("{}/activities/{activity}/photos", app.address))
        .multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("sent")
}

fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or("<none>")
}

const PHOTOS: &str = "query($p: ID!) { planSummary(planId: $p) { activities { activity { seqNo } summary { photos { id url contentType size sha256 } } } } }";

async fn photos_in_summary(app: &TestApp, plan: &Plan, token: &str) -> Vec<Value> {
    let data = app.ok(PHOTOS, json!({ "p": plan.id }), Some(token)).await;
    data["planSummary"]["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["activity"]["seqNo"] == 1)
        .unwrap()["summary"]["photos"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn photos_of_a_completed_activity_are_checked_kept_and_served_to_its_readers() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let plan = plan(&app).await;
        let organizer = Some(plan.organizer.token.as_str());
        let done = plan.activity(1).to_owned();

        let (status, body) = upload(&app, &done, png(2_000), organizer, None).await;
        assert_eq!(status, 201, "{backend:?}: {body}");
        assert_eq!(body["contentType"], "image/png");
        assert_eq!(body["size"], 2_008);
        let url = body["url"].as_str().unwrap().to_owned();

        // Refused, and nothing kept: not an image (whatever it says it is), too large, an
        // activity not held, someone else's activity, nobody signed in, a forged token.
        let office = app.user(&[Role::Organizer], Some("办公室")).await;
        let mut too_large = vec![0xFF, 0xD8, 0xFF];
        too_large.resize((4 << 20) + 1, 0);
        for (bytes, activity, token, status, expected) in [
            (
                b"<svg onload=alert(1)>".to_vec(),
                done.as_str(),
                organizer,
                400,
                "NOT_AN_IMAGE",
            ),
            (too_large, done.as_str(), organizer, 413, "FILE_TOO_LARGE"),
            (
                png(10),
                plan.activity(4),
                organizer,
                409,
                "SUMMARY_BEFORE_COMPLETION",
            ),
            (
                png(10),
                done.as_str(),
                Some(office.token.as_str()),
                403,
                "NOT_OWN_DEPARTMENT",
            ),
            (png(10), done.as_str(), None, 401, "LOGIN_REQUIRED"),
            (
                png(10),
                done.as_str(),
                Some("not-a-token"),
                401,
                "TOKEN_INVALID",
            ),
            (png(10), "0", organizer, 400, "INVALID_ID"),
        ] {
            let (got, body) = upload(&app, activity, bytes, token, None).await;
            assert_eq!(
                (got, reason(&body)),
                (status, expected),
                "{backend:?}: {body}"
            );
            assert!(
                body["errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .chars()
                    .any(|c| c > '\u{2e80}'),
                "Chinese by default: {body}"
            );
        }
        let (_, english) = upload(&app, &done, b"GIF89a".to_vec(), organizer, Some("en")).await;
        assert_eq!(
            english["errors"][0]["message"],
            "Only JPEG, PNG or WebP photos can be uploaded"
        );

        // Served to the summary's readers, byte for byte, never sniffed as something else.
        let viewer = app.user(&[Role::Viewer], None).await;
        let served = get(&app, &url, Some(&viewer.token)).await;
        assert_eq!(served.status().as_u16(), 200);
        assert_eq!(served.headers()["content-type"], "image/png");
        assert_eq!(served.headers()["x-content-type-options"], "nosniff");
        assert_eq!(served.bytes().await.unwrap().to_vec(), png(2_000));
        let volunteer = app.user(&[Role::Volunteer], None).await;
        for (token, status) in [
            (Some(office.token.as_str()), 404),
            (Some(volunteer.token.as_str()), 403),
            (None, 401),
        ] {
            let refused = get(&app, &url, token).await;
            assert_eq!(refused.status().as_u16(), status, "{backend:?} {url}");
        }
        assert_eq!(
            get(&app, "/photos/999999", Some(&viewer.token))
                .await
                .status()
                .as_u16(),
            404
        );

        // On the summary, with the nine-photo limit.
        let listed = photos_in_summary(&app, &plan, &viewer.token).await;
        assert_eq!(listed.len(), 1, "{backend:?}: only the photo that was kept");
        assert_eq!(listed[0]["url"], url.as_str());
        assert_eq!(listed[0]["size"], 2_008);
        for _ in 0..8 {
            let (status, body) = upload(&app, &done, png(10), organizer, None).await;
            assert_eq!(status, 201, "{body}");
        }
        let (status, body) = upload(&app, &done, png(10), organizer, None).await;
        assert_eq!((status, reason(&body)), (400, "TOO_MANY"), "{backend:?}");
        assert_eq!(photos_in_summary(&app, &plan, &viewer.token).await.len(), 9);

        // Removed by its organizers, audited; gone for everyone.
        let first_id = listed[0]["id"].clone();
        let refused = app
            .gql(
                "mutation($id: ID!) { deleteActivityPhoto(id: $id) }",
                json!({ "id": first_id }),
                Some(&office.token),
            )
            .await;
        assert_eq!(crate::helpers::code(&refused), "FORBIDDEN", "{refused}");
        app.ok(
            "mutation($id: ID!) { deleteActivityPhoto(id: $id) }",
            json!({ "id": first_id }),
            organizer,
        )
        .await;
        assert_eq!(
            get(&app, &url, Some(&viewer.token)).await.status().as_u16(),
            404
        );
        let audit = app
            .ok(
                "{ auditEntries(first: 5) { edges { node { action } } } }",
                json!({}),
                Some(&plan.admin.token),
            )
            .await;
        let actions: Vec<&str> = audit["auditEntries"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["action"].as_str().unwrap())
            .collect();
        assert!(actions.contains(&"activity.photo.delete"), "{actions:?}");
        assert!(actions.contains(&"activity.photo.upload"), "{actions:?}");
    }
}

/// The rows of the document's one sheet, as text (numbers with one decimal).
fn sheet_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX file");
    let range = workbook.worksheet_range("年度总结").expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => format!("{f:.1}"),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_year_end_summary_downloads_as_a_workbook_with_every_activity_and_the_totals() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let plan = plan(&app).await;
        let (status, _) = upload(
            &app,
            plan.activity(1),
            png(100),
            Some(&plan.organizer.token),
            None,
        )
        .await;
        assert_eq!(status, 201);
        let viewer = app.user(&[Role::Viewer], None).await;
        let path = format!("/plans/{}/summary.xlsx", plan.id.as_str().unwrap());
        let response = get(&app, &path, Some(&viewer.token)).await;
        assert_eq!(response.status().as_u16(), 200, "{backend:?}");
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            disposition.contains("plan-summary-2022.xlsx"),
            "{disposition}"
        );
        let rows = sheet_rows(response.bytes().await.unwrap().to_vec());
        assert_eq!(rows[0][0], "2022年方案（2022年）年度总结", "{backend:?}");
        assert_eq!(
            rows[2],
            [
                "序号",
                "活动名称",
                "牵头科室",
                "日期",
                "状态",
                "志愿服务时长（小时）",
                "服务人数",
                "服务对象",
                "活动总结",
                "照片（张）"
            ]
        );
        let body: Vec<&Vec<String>> = rows[3..7].iter().collect();
        assert_eq!(
            body[0][..10],
            [
                "1.0",
                "学雷锋志愿服务",
                "养老科",
                "2022-03-05",
                "已完成",
                "0.0",
                "30.0",
                "空巢老人、困难群众",
                "走访独居老人 30 户，帮助打扫卫生。",
                "1.0"
            ],
            "{backend:?}"
        );
        assert_eq!(body[1][1], "分享一本书");
        assert_eq!(body[1][4], "已完成");
        assert_eq!(
            body[1][8], "（未提交总结）",
            "held without a summary says so"
        );
        assert_eq!(
            (body[2][2].as_str(), body[2][4].as_str()),
            ("办公室", "已取消")
        );
        assert_eq!(
            (body[3][3].as_str(), body[3][4].as_str()),
            ("待定", "已发布")
        );
        let totals = &rows[7];
        assert_eq!(
            (totals[1].as_str(), totals[4].as_str(), totals[6].as_str()),
            ("合计", "完成 2/4", "30.0")
        );

        // An organizer gets the rows their department leads; the others nothing.
        let office = app.user(&[Role::Organizer], Some("办公室")).await;
        let own = sheet_rows(
            get(&app, &path, Some(&office.token))
                .await
                .bytes()
                .await
                .unwrap()
                .to_vec(),
        );
        assert_eq!(
            own.len(),
            5,
            "{backend:?}: title, blank, header, one row, totals: {own:?}"
        );
        assert_eq!(own[3][1], "清洁家园");
        let volunteer = app.user(&[Role::Volunteer], None).await;
        for (token, status) in [(Some(volunteer.token.as_str()), 403), (None, 401)] {
            assert_eq!(get(&app, &path, token).await.status().as_u16(), status);
        }
        assert_eq!(
            get(&app, "/plans/999999/summary.xlsx", Some(&viewer.token))
                .await
                .status()
                .as_u16(),
            404
        );
    }
}

/// The execution table of the demo plan, against the table as a clerk reads it: each row's
/// first lead department and the month of the day it names; the demo holds rows 2–10.
#[tokio::test]
async fn the_demo_plans_execution_table_counts_each_row_once_where_the_table_puts_it() {
    const ROWS: [(i64, &str, &str); 17] = [
        (1, "养老科", "2022-01"),
        (2, "养老科", "2022-03"),
        (3, "机关党委", "2022-03"),
        (4, "办公室", "2022-03"),
        (5, "事务科", "2022-04"),
        (6, "机关党委", "2022-04"),
        (7, "办公室", "2022-05"),
        (8, "机关党委", "2022-05"),
        (9, "办公室", "2022-05"),
        (10, "儿慈科", "2022-06"),
        (11, "救助科", "2022-06"),
        (12, "办公室", "2022-06"),
        (13, "儿慈科", "2022-07"),
        (14, "事务科", "2022-08"),
        (15, "养老科", "2022-09"),
        (16, "养老科", "2022-10"),
        (17, "审批科", "2022-12"),
    ];
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        api::seed::seed_demo(&app.state).await.expect("demo seeds");
        let office = app
            .login(api::seed::VIEWER_PHONE, api::seed::DEMO_PASSWORD)
            .await;
        let plans = app.ok("{ plans { id year } }", json!({}), None).await;
        let plan_id = plans["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["year"] == 2022)
            .unwrap()["id"]
            .clone();
        let table = app
            .ok(
                "query($p: ID!) { planExecution(planId: $p) { department { name } month plannedCount heldCount cancelledCount undatedCount missingSummaryCount } }",
                json!({ "p": plan_id }),
                Some(&office),
            )
            .await;
        let mut got: Vec<(String, String, i64, i64, i64, i64, i64)> = table["planExecution"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["department"]["name"].as_str().unwrap().to_owned(),
                    r["month"].as_str().unwrap_or("undated").to_owned(),
                    r["plannedCount"].as_i64().unwrap(),
                    r["heldCount"].as_i64().unwrap(),
                    r["cancelledCount"].as_i64().unwrap(),
                    r["undatedCount"].as_i64().unwrap(),
                    r["missingSummaryCount"].as_i64().unwrap(),
                )
            })
            .collect();
        got.sort();
        let mut expected: std::collections::BTreeMap<(String, String), (i64, i64)> =
            Default::default();
        for (seq, department, month) in ROWS {
            let entry = expected
                .entry((department.to_owned(), month.to_owned()))
                .or_default();
            entry.0 += 1;
            entry.1 += i64::from((2..=10).contains(&seq));
        }
        let expected: Vec<(String, String, i64, i64, i64, i64, i64)> = expected
            .into_iter()
            // No summaries in the demo: every held activity misses one.
            .map(|((d, m), (planned, held))| (d, m, planned, held, 0, 0, held))
            .collect();
        assert_eq!(got, expected, "{backend:?}");
    }
}
