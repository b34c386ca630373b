//! Downloads of tables as CSV (UTF-8 with BOM) and XLSX: their columns, their rows, and who
//! may download what (the same scope as the API's lists).

use calamine::{Data, Reader, Xlsx};
use serde_json::json;

use entity::enums::Role;

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::proofs::served;
use crate::surveys::{answers, open_survey, submit};

struct Download {
    status: u16,
    content_type: String,
    bytes: Vec<u8>,
}

async fn download(app: &TestApp, path: &str, token: Option<&str>) -> Download {
    let mut request = app.http.get(format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    Download {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap_or("").to_owned())
            .unwrap_or_default(),
        bytes: response.bytes().await.expect("body").to_vec(),
    }
}

/// The CSV's rows after checking its BOM.
fn csv_rows(download: &Download) -> Vec<Vec<String>> {
    assert_eq!(
        download.status,
        200,
        "{}",
        String::from_utf8_lossy(&download.bytes)
    );
    assert!(download.content_type.starts_with("text/csv"));
    assert_eq!(&download.bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with BOM");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&download.bytes[3..]);
    reader
        .records()
        .map(|r| r.expect("CSV row").iter().map(str::to_owned).collect())
        .collect()
}

fn xlsx_rows(download: &Download) -> Vec<Vec<String>> {
    assert_eq!(
        download.status,
        200,
        "{}",
        String::from_utf8_lossy(&download.bytes)
    );
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(download.bytes.clone()))
            .expect("an XLSX file");
    let sheet = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&sheet).expect("the sheet");
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

fn code_of(download: &Download) -> String {
    let body: serde_json::Value = serde_json::from_slice(&download.bytes).expect("JSON error");
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<none>")
        .to_owned()
}

const RECORD_HEADERS: [&str; 8] = [
    "姓名",
    "活动名称",
    "服务日期",
    "服务地点",
    "服务内容",
    "服务时长（小时）",
    "组织单位",
    "活动负责人",
];

#[tokio::test]
async fn approved_service_records_export_in_the_national_fields_within_the_department() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, organizer, _) = served(&app).await;
        let other = app.user(&[Role::Organizer], Some("社会事务科")).await;
        let admin = app.user(&[Role::Admin], None).await;
        let elderly = app.department("养老科").await;
        let elderly = elderly.as_str().expect("id");

        let expected: Vec<Vec<String>> = [
            RECORD_HEADERS.map(str::to_owned).to_vec(),
            [
                "王小明",
                "助老服务",
                "2025-03-05",
                "",
                "",
                "2",
                "养老科",
                "",
            ]
            .map(str::to_owned)
            .to_vec(),
            [
                "王小明",
                "助老服务",
                "2025-03-06",
                "",
                "",
                "3",
                "养老科",
                "",
            ]
            .map(str::to_owned)
            .to_vec(),
        ]
        .to_vec();
        let csv = download(&app, "/exports/service-records.csv", Some(&organizer.token)).await;
        assert_eq!(csv_rows(&csv), expected, "{backend:?}");
        let xlsx = download(
            &app,
            "/exports/service-records.xlsx",
            Some(&organizer.token),
        )
        .await;
        assert!(xlsx.content_type.contains("spreadsheetml"));
        assert_eq!(xlsx_rows(&xlsx), expected, "{backend:?}");
        let by_admin = download(&app, "/exports/service-records.csv", Some(&admin.token)).await;
        assert_eq!(csv_rows(&by_admin).len(), 3, "{backend:?}: admins see all");
        let ranged = download(
            &app,
            "/exports/service-records.csv?from=2025-03-06&to=2025-03-31",
            Some(&organizer.token),
        )
        .await;
        assert_eq!(
            csv_rows(&ranged)[1..],
            expected[2..],
            "{backend:?}: the range"
        );

        // Another department: its own (none), and not 养老科's.
        let theirs = download(&app, "/exports/service-records.csv", Some(&other.token)).await;
        assert_eq!(csv_rows(&theirs), expected[..1].to_vec(), "{backend:?}");
        let asked = download(
            &app,
            &format!("/exports/service-records.xlsx?departmentId={elderly}"),
            Some(&other.token),
        )
        .await;
        assert_eq!(asked.status, 403, "{backend:?}");
        assert_eq!(code_of(&asked), "FORBIDDEN");
        let by_volunteer =
            download(&app, "/exports/service-records.csv", Some(&volunteer.token)).await;
        assert_eq!(by_volunteer.status, 403, "{backend:?}");
        let anonymous = download(&app, "/exports/service-records.csv", None).await;
        assert_eq!(anonymous.status, 401, "{backend:?}");
        let bad = download(
            &app,
            "/exports/service-records.csv?from=2025-13-01",
            Some(&admin.token),
        )
        .await;
        assert_eq!(bad.status, 400, "{backend:?}");
        let unknown = download(&app, "/exports/secrets.csv", Some(&admin.token)).await;
        assert_eq!(unknown.status, 400, "{backend:?}");
    }
}

#[tokio::test]
async fn an_activitys_roster_exports_to_its_organizers_with_phones_masked_but_for_admins() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let (volunteer, organizer, _) = served(&app).await;
        let activity: i32 = {
            use sea_orm::EntityTrait;
            entity::registration::Entity::find()
                .one(&app.state.db)
                .await
                .expect("query")
                .expect("a registration")
                .activity_id
        };
        let path = format!("/exports/activities/{activity}/roster.csv");
        let rows = csv_rows(&download(&app, &path, Some(&organizer.token)).await);
        assert_eq!(
            rows[0],
            ["序号", "姓名", "手机号", "状态", "报名时间"],
            "{backend:?}"
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][1], "王小明");
        let phone = &volunteer.phone;
        assert_eq!(
            rows[1][2],
            format!("{}****{}", &phone[..3], &phone[7..]),
            "{backend:?}"
        );
        assert_eq!(rows[1][3], "已报名");
        let admin = app.user(&[Role::Admin], None).await;
        let xlsx = xlsx_rows(
            &download(
                &app,
                &format!("/exports/activities/{activity}/roster.xlsx"),
                Some(&admin.token),
            )
            .await,
        );
        assert_eq!(xlsx[1][2], *phone, "{backend:?}: admins see the number");
        let other = app.user(&[Role::Organizer], Some("社会事务科")).await;
        let refused = download(&app, &path, Some(&other.token)).await;
        assert_eq!(refused.status, 403, "{backend:?}");
        let missing = download(
            &app,
            "/exports/activities/999999/roster.csv",
            Some(&admin.token),
        )
        .await;
        assert_eq!(missing.status, 404, "{backend:?}");
    }
}

#[tokio::test]
async fn the_rectification_ledger_exports_each_departments_own() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, false).await;
        let resident = app.user(&[], None).await;
        let body = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "VERY_DISSATISFIED", 1, Some("没人来")),
            None,
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        let rows = csv_rows(
            &download(
                &app,
                "/exports/rectifications.csv",
                Some(&f.organizer.token),
            )
            .await,
        );
        assert_eq!(
            rows[0],
            [
                "编号",
                "责任科室",
                "调查",
                "满意度",
                "反映问题",
                "状态",
                "受理时间",
                "整改期限",
                "整改结果",
                "办结时间",
                "是否超期"
            ],
            "{backend:?}"
        );
        assert_eq!(rows.len(), 2, "{backend:?}");
        assert_eq!(rows[1][1], "养老科");
        assert_eq!(rows[1][2], "养老服务满意度");
        assert_eq!(rows[1][3], "非常不满意");
        assert_eq!(rows[1][5], "待处理");
        assert_eq!(rows[1][10], "否");
        let viewer = app.user(&[Role::Viewer], None).await;
        let all =
            xlsx_rows(&download(&app, "/exports/rectifications.xlsx", Some(&viewer.token)).await);
        assert_eq!(
            all[1..],
            rows[1..],
            "{backend:?}: the office reads every department's"
        );
        let other = app.user(&[Role::Organizer], Some("社会事务科")).await;
        let theirs =
            csv_rows(&download(&app, "/exports/rectifications.csv", Some(&other.token)).await);
        assert_eq!(theirs.len(), 1, "{backend:?}: none of 养老科's");
        let volunteer = app.user(&[Role::Volunteer], None).await;
        let refused = download(&app, "/exports/rectifications.csv", Some(&volunteer.token)).await;
        assert_eq!(refused.status, 403, "{backend:?}");
        let _ = json!({});
    }
}

#[tokio::test]
async fn a_surveys_answers_export_to_its_department_and_the_office() {
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let f = open_survey(&app, true).await;
        let resident = app.user(&[], None).await;
        let body = submit(
            &app,
            &f,
            &resident.token,
            answers(&f, "SATISFIED", 4, Some("很好")),
            None,
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
        let path = format!("/exports/surveys/{}/answers.csv", f.survey);
        let rows = csv_rows(&download(&app, &path, Some(&f.organizer.token)).await);
        assert_eq!(
            rows[0],
            ["答卷编号", "回答日期", "渠道", "题号", "题目", "回答"],
            "{backend:?}"
        );
        let answered: Vec<(String, String)> = rows[1..]
            .iter()
            .map(|r| (r[4].clone(), r[5].clone()))
            .collect();
        assert_eq!(
            answered,
            [
                ("总体评价", "满意"),
                ("了解渠道", "社区通知"),
                ("服务态度", "4"),
                ("意见建议", "很好")
            ]
            .map(|(q, a)| (q.to_owned(), a.to_owned()))
            .to_vec(),
            "{backend:?}"
        );
        assert!(rows[1..].iter().all(|r| r[2] == "小程序"));
        let viewer = app.user(&[Role::Viewer], None).await;
        let xlsx = xlsx_rows(
            &download(
                &app,
                &format!("/exports/surveys/{}/answers.xlsx", f.survey),
                Some(&viewer.token),
            )
            .await,
        );
        assert_eq!(xlsx.len(), 5, "{backend:?}");
        let other = app.user(&[Role::Organizer], Some("社会事务科")).await;
        let refused = download(&app, &path, Some(&other.token)).await;
        assert_eq!(refused.status, 403, "{backend:?}");
        assert_eq!(code_of(&refused), "FORBIDDEN");
        let by_resident = download(&app, &path, Some(&resident.token)).await;
        assert_eq!(by_resident.status, 403, "{backend:?}");
    }
}
