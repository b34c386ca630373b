//! Plan tables as files, the way bureaus save them: UTF-8, UTF-8 with BOM, GB18030 (what
//! Excel writes on Chinese Windows) and XLSX all import the demo plan to the same 17
//! activities; errors name the row and column.

use api::domain::plans::{ImportRequest, files, import};
use sea_orm::{EntityTrait, QueryOrder};

use crate::helpers::{Backend, spawn_app};

/// An activity as compared between the ways of saving: seqNo, title, time label.
type Seen = Vec<(Option<i32>, String, Option<String>)>;

const DEMO_CSV: &str = include_str!("../../data/plan-2022.csv");

/// The demo table as a workbook, cell for cell (made with rust_xlsxwriter, as a bureau's
/// Excel would save it: 序号 as numbers).
fn as_xlsx(csv_text: &str) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_text.as_bytes());
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.expect("CSV row").iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) if r > 0 => sheet.write_number(r as u32, c as u16, n),
                _ => sheet.write_string(r as u32, c as u16, cell),
            }
            .expect("cell");
        }
    }
    workbook.save_to_buffer().expect("workbook")
}

fn saved(bytes: &[u8]) -> tempfile::NamedTempFile {
    use std::io::Write;
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("written");
    file
}

#[tokio::test]
async fn the_demo_plan_saved_each_way_imports_to_the_same_17_activities() {
    let (gb18030, _, unmappable) = encoding_rs::GB18030.encode(DEMO_CSV);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gb18030).is_err(), "really not UTF-8");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(DEMO_CSV.as_bytes());
    let ways: Vec<(&str, Vec<u8>)> = vec![
        ("UTF-8", DEMO_CSV.as_bytes().to_vec()),
        ("UTF-8 with BOM", bom),
        ("GB18030", gb18030.into_owned()),
        ("XLSX", as_xlsx(DEMO_CSV)),
    ];
    for backend in Backend::all() {
        let mut seen: Option<Seen> = None;
        for (way, bytes) in &ways {
            let app = spawn_app(backend).await;
            let file = saved(bytes);
            // What `tongxin import-plan FILE` does.
            let csv = files::read_table_file(file.path()).expect("readable");
            let outcome = import(
                &app.state.db,
                None,
                &ImportRequest {
                    title: "2022年文明创建活动方案".to_owned(),
                    year: 2022,
                    issuer: None,
                    csv,
                    publish: false,
                },
            )
            .await
            .unwrap_or_else(|err| panic!("{backend:?} {way}: {err:?}"));
            assert_eq!(outcome.created_count, 17, "{backend:?}: {way}");
            let activities: Seen = entity::activity::Entity::find()
                .order_by_asc(entity::activity::Column::SeqNo)
                .all(&app.state.db)
                .await
                .expect("activities")
                .into_iter()
                .map(|a| (a.seq_no, a.title, a.time_label))
                .collect();
            match &seen {
                None => seen = Some(activities),
                Some(first) => assert_eq!(&activities, first, "{backend:?}: {way} as UTF-8"),
            }
        }
    }
}

#[tokio::test]
async fn a_bad_cell_in_a_workbook_is_named_by_row_and_column() {
    let long_title = "很".repeat(300);
    let table = format!(
        "序号,活动时间,活动主题,活动地点,活动内容,牵头科室\n1,3月5日,学雷锋,源淮社区,助老,养老科\n2,4月1日,{long_title},源淮社区,助老,养老科\n"
    );
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let csv = files::table_text(&as_xlsx(&table)).expect("readable");
        let err = import(
            &app.state.db,
            None,
            &ImportRequest {
                title: "方案".to_owned(),
                year: 2022,
                issuer: None,
                csv,
                publish: false,
            },
        )
        .await
        .err()
        .expect("refused");
        let message = err.into_graphql().message;
        assert!(
            message.starts_with("第2行「活动主题」"),
            "{backend:?}: {message}"
        );
        let plans = entity::plan::Entity::find()
            .all(&app.state.db)
            .await
            .expect("plans");
        assert!(plans.is_empty(), "{backend:?}: nothing stored");
    }
    // Neither UTF-8 nor GB18030, nor a workbook: unreadable, said as such.
    let garbage = files::table_text(b"\x81\x20\xff\xfe\x00").expect_err("refused");
    assert!(matches!(
        garbage,
        api::error::AppError::Refused {
            reason: api::error::Reason::TableUnreadable,
            ..
        }
    ));
    let broken_zip = files::table_text(b"PK\x03\x04garbage").expect_err("refused");
    assert!(matches!(
        broken_zip,
        api::error::AppError::Refused {
            reason: api::error::Reason::TableUnreadable,
            ..
        }
    ));
}

const IMPORT: &str = "mutation($input: ImportPlanInput!, $file: Upload) { importPlan(input: $input, file: $file) { createdCount plan { title } } }";

/// What Apollo's upload link sends: `operations`, `map`, then the file.
async fn upload(
    app: &crate::helpers::TestApp,
    token: &str,
    operations: String,
    map: &str,
    file: Option<(&str, Vec<u8>)>,
) -> (u16, serde_json::Value) {
    let mut form = reqwest::multipart::Form::new()
        .text("operations", operations)
        .text("map", map.to_owned());
    if let Some((name, bytes)) = file {
        form = form.part(
            "0",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/octet-stream")
                .expect("mime"),
        );
    }
    let response = app
        .http
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

fn operations(csv: &str) -> String {
    serde_json::json!({
        "query": IMPORT,
        "variables": { "input": { "title": "2022年方案", "year": 2022, "csv": csv }, "file": null }
    })
    .to_string()
}

#[tokio::test]
async fn import_plan_takes_an_upload_by_the_graphql_multipart_spec() {
    let (gb18030, _, _) = encoding_rs::GB18030.encode(DEMO_CSV);
    for backend in Backend::all() {
        let app = spawn_app(backend).await;
        let admin = app.user(&[entity::enums::Role::Admin], None).await;
        let map = r#"{"0":["variables.file"]}"#;
        for (name, bytes) in [
            ("方案.csv", gb18030.to_vec()),
            ("方案.xlsx", as_xlsx(DEMO_CSV)),
        ] {
            let (status, body) =
                upload(&app, &admin.token, operations(""), map, Some((name, bytes))).await;
            assert_eq!(status, 200, "{backend:?}: {body}");
            assert!(body.get("errors").is_none(), "{backend:?} {name}: {body}");
            assert_eq!(
                body["data"]["importPlan"]["createdCount"], 17,
                "{backend:?}: {name}"
            );
        }

        // Both a text and a file: which one? Refused, nothing stored.
        let (_, both) = upload(
            &app,
            &admin.token,
            operations("序号\n"),
            map,
            Some(("a.csv", DEMO_CSV.as_bytes().to_vec())),
        )
        .await;
        assert_eq!(
            crate::helpers::code(&both),
            "BAD_USER_INPUT",
            "{backend:?}: {both}"
        );
        assert_eq!(both["errors"][0]["extensions"]["field"], "file");
        // The operations part is held to the JSON body's limits: a control character.
        let (status, hostile) = upload(
            &app,
            &admin.token,
            operations("\u{0007}"),
            map,
            Some(("a.csv", DEMO_CSV.as_bytes().to_vec())),
        )
        .await;
        assert_eq!(
            crate::helpers::code(&hostile),
            "BAD_USER_INPUT",
            "{backend:?}: {hostile}"
        );
        assert_ne!(status, 500);
        // A file the map does not name, and a form without a map: not a GraphQL request.
        let (status, _) = upload(
            &app,
            &admin.token,
            operations(""),
            r#"{"1":["variables.file"]}"#,
            Some(("a.csv", vec![b'x'])),
        )
        .await;
        assert_eq!(status, 400, "{backend:?}");
        let form = reqwest::multipart::Form::new().text("operations", operations(""));
        let response = app
            .http
            .post(format!("{}/graphql", app.address))
            .bearer_auth(&admin.token)
            .multipart(form)
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status().as_u16(), 400, "{backend:?}");
        let plans = entity::plan::Entity::find()
            .all(&app.state.db)
            .await
            .expect("plans");
        assert_eq!(plans.len(), 2, "{backend:?}: the two uploads only");
    }
}
