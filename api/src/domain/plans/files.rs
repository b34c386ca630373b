//! A plan table as a file, the way bureaus save it: CSV in UTF-8, UTF-8 with a BOM, or
//! GB18030/GBK (what Excel and WPS write on Chinese Windows), or an XLSX workbook. Each
//! becomes the CSV text the parser reads, so every way of saving gives the same plan, and
//! errors name the row and column as they do for pasted text.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};

use crate::domain::input::max;
use crate::error::{AppError, AppResult, Reason};

/// The largest plan file accepted, in any format.
pub const MAX_FILE_BYTES: usize = max::TABLE_BYTES;
/// Cells read from a workbook's first sheet at most: 500 rows of a dozen columns and room
/// for title rows; a workbook that claims more is refused before it is read further.
pub const MAX_CELLS: usize = 20_000;

/// The file's table as text. Which encoding: a UTF-8 BOM says UTF-8; bytes that are valid
/// UTF-8 are UTF-8 (GB18030 text of Chinese is practically never valid UTF-8); anything
/// else is read as GB18030, a superset of GBK and GB2312. An XLSX is told by its ZIP
/// signature, not by its name.
pub fn table_text(bytes: &[u8]) -> AppResult<String> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::input(
            "file",
            Reason::TableTooLarge {
                max_kib: MAX_FILE_BYTES / 1024,
            },
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx_text(bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(str::to_owned)
            .map_err(|_| AppError::input("file", Reason::TableUnreadable));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_owned());
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(AppError::input("file", Reason::TableUnreadable));
    }
    Ok(text.into_owned())
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        // A 序号 typed as a number reads as 1.0: whole numbers as integers.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// The first sheet as CSV text (cells by their position; merged and empty cells empty).
fn xlsx_text(bytes: &[u8]) -> AppResult<String> {
    let unreadable = || AppError::input("file", Reason::TableUnreadable);
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let sheet = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(unreadable)?;
    let mut reader = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|_| unreadable())?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cells = 0usize;
    while let Some(cell) = reader.next_cell().map_err(|_| unreadable())? {
        cells += 1;
        if cells > MAX_CELLS {
            return Err(AppError::input(
                "file",
                Reason::TooManyRows {
                    max: max::PLAN_ROWS,
                },
            ));
        }
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        // Positions come from the file: bounded before anything is allocated for them.
        if row > max::PLAN_ROWS + 50 || col > 64 {
            return Err(AppError::input(
                "file",
                Reason::TooManyRows {
                    max: max::PLAN_ROWS,
                },
            ));
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        if rows.len() <= row {
            rows.resize(row + 1, Vec::new());
        }
        if rows[row].len() <= col {
            rows[row].resize(col + 1, String::new());
        }
        rows[row][col] = text;
    }
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.write_record(&row).map_err(|_| unreadable())?;
    }
    let bytes = writer.into_inner().map_err(|_| unreadable())?;
    String::from_utf8(bytes).map_err(|_| unreadable())
}

/// `tongxin import-plan FILE`: the file's bytes, bounded before they are read whole.
pub fn read_table_file(path: &std::path::Path) -> anyhow::Result<String> {
    let size = std::fs::metadata(path)
        .map_err(|err| anyhow::anyhow!("reading {}: {err}", path.display()))?
        .len();
    if size > MAX_FILE_BYTES as u64 {
        anyhow::bail!(
            "{}: {size} bytes; a plan file holds at most {} KiB",
            path.display(),
            MAX_FILE_BYTES / 1024
        );
    }
    let bytes =
        std::fs::read(path).map_err(|err| anyhow::anyhow!("reading {}: {err}", path.display()))?;
    Ok(table_text(&bytes)?)
}
