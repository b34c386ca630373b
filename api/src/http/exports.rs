//! Downloads of tables: `GET /exports/service-records.csv|xlsx`, `/exports/rectifications.
//! csv|xlsx`, `/exports/activities/{id}/roster.csv|xlsx`,
//! `/exports/surveys/{id}/answers.csv|xlsx`, with the bearer token of the API.
//! CSV is UTF-8 with a BOM (so Excel on Chinese Windows opens it as UTF-8), streamed page
//! by page as the rows are read; XLSX is written by rust_xlsxwriter in constant-memory mode
//! (rows go to a temporary file as they come) and streamed from its temporary file.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use futures::StreamExt;

use crate::domain::exports::{self, Cell, Export, RecordExport};
use crate::error::{AppError, AppResult, Reason};

use super::AppContext;
use super::files::{answer, id_of, percent_encode, viewer};

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Xlsx,
}

/// `name.csv` / `name.xlsx` → (name, format).
fn split(file: &str) -> AppResult<(&str, Format)> {
    if let Some(name) = file.strip_suffix(".csv") {
        Ok((name, Format::Csv))
    } else if let Some(name) = file.strip_suffix(".xlsx") {
        Ok((name, Format::Xlsx))
    } else {
        Err(AppError::input("file", Reason::InvalidFormat))
    }
}

fn date_param(params: &HashMap<String, String>, name: &str) -> AppResult<Option<NaiveDate>> {
    match params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| AppError::input(name, Reason::InvalidFormat))?;
            if !(2000..=2100).contains(&chrono::Datelike::year(&day)) {
                return Err(AppError::input(name, Reason::YearOutOfRange));
            }
            Ok(Some(day))
        }
    }
}

fn id_param(params: &HashMap<String, String>, name: &str) -> AppResult<Option<i32>> {
    params.get(name).map(|v| id_of(v.trim(), name)).transpose()
}

/// `GET /exports/{file}`: `service-records` (approved hours in Art 7's fields; `from`, `to`,
/// `departmentId`) and `rectifications` (the ledger; `departmentId`).
pub async fn export(
    State(ctx): State<AppContext>,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    download(&headers, async {
        let viewer = viewer(&ctx, &headers)?;
        viewer.require()?;
        let (name, format) = split(&file)?;
        let export = match name {
            "service-records" => {
                let q = RecordExport {
                    from: date_param(&params, "from")?,
                    to: date_param(&params, "to")?,
                    department_id: id_param(&params, "departmentId")?,
                };
                if let (Some(from), Some(to)) = (q.from, q.to)
                    && from > to
                {
                    return Err(AppError::input("to", Reason::TimeOrder));
                }
                exports::service_records(&ctx.state, &viewer, q)?
            }
            "rectifications" => exports::rectification_ledger(
                &ctx.state,
                &viewer,
                id_param(&params, "departmentId")?,
            )?,
            _ => return Err(AppError::input("file", Reason::InvalidFormat)),
        };
        Ok((export, format))
    })
    .await
}

/// `GET /exports/activities/{id}/{file}`: `roster.csv|xlsx`.
pub async fn activity_export(
    State(ctx): State<AppContext>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    download(&headers, async {
        let (viewer, id, format) = one_table(&ctx, &headers, &id, &file, "roster")?;
        Ok((exports::roster(&ctx.state, &viewer, id).await?, format))
    })
    .await
}

/// `GET /exports/surveys/{id}/{file}`: `answers.csv|xlsx`.
pub async fn survey_export(
    State(ctx): State<AppContext>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    download(&headers, async {
        let (viewer, id, format) = one_table(&ctx, &headers, &id, &file, "answers")?;
        Ok((
            exports::survey_answers(&ctx.state, &viewer, id).await?,
            format,
        ))
    })
    .await
}

/// The signed-in viewer, the record's id and the format of a download of one record's
/// table, whose file must be `name.csv` or `name.xlsx`.
fn one_table(
    ctx: &AppContext,
    headers: &HeaderMap,
    id: &str,
    file: &str,
    name: &str,
) -> AppResult<(crate::auth::Viewer, i32, Format)> {
    let viewer = viewer(ctx, headers)?;
    viewer.require()?;
    let id = id_of(id, "id")?;
    let (asked, format) = split(file)?;
    if asked != name {
        return Err(AppError::input("file", Reason::InvalidFormat));
    }
    Ok((viewer, id, format))
}

/// Answers a download in the request's language: the table `make` gives, or its refusal
/// with the error's code.
async fn download(
    headers: &HeaderMap,
    make: impl Future<Output = AppResult<(Export, Format)>>,
) -> Response {
    answer(headers, async {
        let (export, format) = make.await?;
        Ok(respond(export, format).await)
    })
    .await
}

async fn respond(export: Export, format: Format) -> Response {
    let (extension, content_type) = match format {
        Format::Csv => ("csv", "text/csv; charset=utf-8"),
        Format::Xlsx => ("xlsx", XLSX_TYPE),
    };
    // An ASCII name for every client, the Chinese one per RFC 6266.
    let disposition = format!(
        "attachment; filename=\"{}.{extension}\"; filename*=UTF-8''{}",
        export.name,
        percent_encode(&format!("{}.{extension}", export.title))
    );
    let body = match format {
        Format::Csv => csv_body(export),
        Format::Xlsx => xlsx_stream(export),
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            ),
        ],
        body,
    )
        .into_response()
}

/// A text that Excel would take for a formula (`=`, `+`, `-`, `@`, tab, CR first) is
/// prefixed with `'` (OWASP "CSV injection").
fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Number(_) => cell.text(),
        Cell::Text(text) => {
            if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                format!("'{text}")
            } else {
                text.clone()
            }
        }
    }
}

fn csv_chunk(rows: impl IntoIterator<Item = Vec<String>>) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|err| std::io::Error::other(err.to_string()))
}

/// BOM and header line, then one chunk per page as it is read: memory holds one page.
fn csv_body(export: Export) -> Body {
    let head =
        csv_chunk([export.headers.iter().map(|h| (*h).to_owned()).collect()]).map(|mut bytes| {
            let mut out = "\u{feff}".as_bytes().to_vec();
            out.append(&mut bytes);
            out
        });
    let rows = export.pages.map(|page| match page {
        Ok(rows) => csv_chunk(rows.iter().map(|row| row.iter().map(csv_cell).collect())),
        Err(err) => {
            // The status is sent: the body ends short, and the log says why.
            let err = err.into_graphql();
            tracing::error!(message = %err.message, "export failed");
            Err(std::io::Error::other("export failed"))
        }
    });
    Body::from_stream(futures::stream::once(async move { head }).chain(rows))
}

/// The workbook as the response's body: the status and headers go at once, the bytes when
/// the file is finished. A million rows take longer than the request timeout (which
/// covers the response's head, not its body), and the download must not be cut for it; a
/// failure after the head ends the body short, as a CSV's does, and the log says why.
fn xlsx_stream(export: Export) -> Body {
    let file = futures::stream::once(xlsx_body(export)).flat_map(|made| match made {
        Ok(stream) => stream.boxed(),
        Err(err) => {
            let err = err.into_graphql();
            tracing::error!(message = %err.message, "export failed");
            futures::stream::once(async { Err(std::io::Error::other("export failed")) }).boxed()
        }
    });
    Body::from_stream(file)
}

/// Rows go from the database (this task) to the workbook (a blocking thread) through a
/// channel of two pages; the finished file is streamed from a temporary file.
async fn xlsx_body(export: Export) -> AppResult<tokio_util::io::ReaderStream<tokio::fs::File>> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Vec<Cell>>>(2);
    let headers = export.headers.clone();
    let title = export.title.clone();
    let writer = tokio::task::spawn_blocking(move || -> anyhow::Result<std::fs::File> {
        use rust_xlsxwriter::{Format as CellFormat, Workbook};
        let mut workbook = Workbook::new();
        let bold = CellFormat::new().set_bold();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(&title))?;
        for (col, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, col as u16, *header, &bold)?;
        }
        let mut row_index: u32 = 1;
        while let Some(rows) = receiver.blocking_recv() {
            for row in rows {
                for (col, cell) in row.iter().enumerate() {
                    match cell {
                        Cell::Text(text) => sheet.write_string(row_index, col as u16, text)?,
                        Cell::Number(n) => sheet.write_number(row_index, col as u16, *n)?,
                    };
                }
                row_index += 1;
            }
        }
        let mut file = tempfile::tempfile()?;
        workbook.save_to_writer(&mut file)?;
        use std::io::Seek;
        file.rewind()?;
        Ok(file)
    });
    let mut pages = export.pages;
    let mut failed = None;
    while let Some(page) = pages.next().await {
        match page {
            Ok(rows) => {
                if sender.send(rows).await.is_err() {
                    break;
                }
            }
            Err(err) => {
                failed = Some(err);
                break;
            }
        }
    }
    drop(sender);
    let file = writer
        .await
        .map_err(|err| AppError::Internal(err.into()))?
        .map_err(AppError::Internal)?;
    if let Some(err) = failed {
        return Err(err);
    }
    let file = tokio::fs::File::from_std(file);
    Ok(tokio_util::io::ReaderStream::new(file))
}

/// Excel allows 31 characters and none of `[]:*?/\` in a sheet's name.
fn sheet_name(title: &str) -> String {
    let name: String = title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if name.is_empty() {
        "Sheet1".to_owned()
    } else {
        name
    }
}
