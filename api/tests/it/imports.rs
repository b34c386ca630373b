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
