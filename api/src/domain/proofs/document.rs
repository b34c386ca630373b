//! The service proof as an A4 PDF: the snapshot kept at issue, set in a CJK font that is
//! read from disk at the first PDF and embedded subset to the characters used (a page of
//! Chinese weighs tens of kilobytes, not the font's megabytes), with a QR code of the
//! verification URL drawn as rectangles.
//!
//! Laid out in two passes: [`layout`] places every mark on its page (the table of days
//! served runs on over as many pages as it needs, its header repeated), then [`render`]
//! paints them, so every footer knows the number of pages.

use std::ops::Range;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::{Context, anyhow};
use chrono::NaiveDate;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

use entity::service_proof;

use crate::domain::calendar::local_date;
use crate::domain::users::types::round_hours;

/// The font proofs are set in: where it is, read once when the first PDF is made.
pub struct ProofFont {
    path: PathBuf,
    index: u32,
    data: OnceLock<Arc<Vec<u8>>>,
    /// PDFs rendered at once on this instance: rendering is CPU work on blocking threads,
    /// and a holder of a code could ask again and again.
    pub renders: tokio::sync::Semaphore,
}

/// PDFs one instance renders at the same time; more wait their turn.
pub const RENDERS_AT_ONCE: usize = 2;

impl ProofFont {
    pub fn new(path: PathBuf, index: u32) -> Self {
        ProofFont {
            path,
            index,
            data: OnceLock::new(),
            renders: tokio::sync::Semaphore::new(RENDERS_AT_ONCE),
        }
    }

    /// At start: whether the file is there (its contents are read at the first PDF, so
    /// an instance that never renders one does not hold the font's megabytes).
    pub fn present(&self) -> Result<(), String> {
        match std::fs::metadata(&self.path) {
            Ok(meta) if meta.is_file() => Ok(()),
            Ok(_) => Err(format!("{} is not a file", self.path.display())),
            Err(err) => Err(format!("{}: {err}", self.path.display())),
        }
    }

    /// The font's bytes, checked to hold the face asked for and Chinese glyphs; read
    /// once, kept while the process lives. A failure is not kept: a font installed later
    /// is found by the next request. Blocking: call it off the async threads.
    fn data(&self) -> Result<Arc<Vec<u8>>, String> {
        if let Some(data) = self.data.get() {
            return Ok(data.clone());
        }
        let bytes =
            std::fs::read(&self.path).map_err(|err| format!("{}: {err}", self.path.display()))?;
        let face = skrifa::FontRef::from_index(&bytes, self.index).map_err(|err| {
            format!(
                "{} (face {}): not a font: {err}",
                self.path.display(),
                self.index
            )
        })?;
        if face.charmap().map('证').is_none() {
            return Err(format!(
                "{} (face {}) has no Chinese glyphs",
                self.path.display(),
                self.index
            ));
        }
        let data = self.data.get_or_init(|| Arc::new(bytes)).clone();
        Ok(data)
    }
}

/// Why no PDF was made: the font (the operator's to fix, said to the client with its own
/// reason) or anything else (internal).
#[derive(Debug)]
pub enum RenderError {
    Font(String),
    Other(anyhow::Error),
}

/// The PDF of `proof`, whose verification code is `code` and whose QR code leads to
/// `url`. Blocking (reads the font the first time, subsets it): run it off the async
/// threads.
pub fn render(
    proof: &service_proof::Model,
    code: &str,
    url: &str,
    font: &ProofFont,
) -> Result<Vec<u8>, RenderError> {
    let data = font.data().map_err(RenderError::Font)?;
    let face = Face::new(data, font.index).map_err(RenderError::Font)?;
    let pages = layout(proof, code, &face);
    paint(proof, url, &face, &pages).map_err(RenderError::Other)
}

// A4 in points, margins of 20 mm.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.7;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Where the table stops and runs on to the next page (the footer is below).
const BOTTOM: f32 = PAGE_H - MARGIN - 14.0;
const QR_SIZE: f32 = 104.0;
const BODY: f32 = 11.0;
const CELL: f32 = 9.0;
const CELL_LINE: f32 = 12.5;
const CELL_PAD: f32 = 4.0;
/// The table's columns: heading and width; 服务内容 takes what the others leave.
const COLUMNS: [(&str, f32); 6] = [
    ("序号", 28.0),
    ("活动名称", 112.0),
    ("服务日期", 62.0),
    ("服务内容", CONTENT_W - 28.0 - 112.0 - 62.0 - 84.0 - 40.0),
    ("记录单位", 84.0),
    ("小时", 40.0),
];
const RED: (u8, u8, u8) = (176, 0, 0);
const GREY: (u8, u8, u8) = (90, 90, 90);

/// One thing on a page, in points from the top left.
#[derive(Debug, Clone)]
enum Mark {
    /// Text from `x` on the baseline `y`.
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        color: (u8, u8, u8),
    },
    /// A thin line.
    Rule { x1: f32, y1: f32, x2: f32, y2: f32 },
    /// A light grey box (the table's header row).
    Shade { x: f32, y: f32, w: f32, h: f32 },
    /// The QR code of the verification URL, `QR_SIZE` square.
    Qr { x: f32, y: f32 },
}

/// The font as both libraries see it: krilla embeds it, skrifa maps characters to
/// glyphs and measures them (Chinese needs no shaping: one character, one glyph).
struct Face {
    font: Font,
    data: Arc<Vec<u8>>,
    index: u32,
    units_per_em: f32,
}

impl Face {
    fn new(data: Arc<Vec<u8>>, index: u32) -> Result<Face, String> {
        let font = Font::new(data.clone().into(), index)
            .ok_or_else(|| format!("face {index} of the proof font cannot be embedded"))?;
        let units_per_em = skrifa::FontRef::from_index(&data, index)
            .map_err(|err| format!("face {index}: {err}"))?
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em as f32;
        Ok(Face {
            font,
            data,
            index,
            units_per_em,
        })
    }

    /// One glyph per character with its advance in ems and its place in `text` (which
    /// becomes the PDF's ToUnicode map, so the text can be copied and searched).
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        let Ok(font) = skrifa::FontRef::from_index(&self.data, self.index) else {
            return Vec::new();
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.char_indices()
            .map(|(at, c)| {
                let glyph = charmap.map(c).unwrap_or_default();
                let advance = metrics.advance_width(glyph).unwrap_or(0.0) / self.units_per_em;
                KrillaGlyph::new(
                    GlyphId::new(glyph.to_u32()),
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    Range {
                        start: at,
                        end: at + c.len_utf8(),
                    },
                    None,
                )
            })
            .collect()
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        self.glyphs(text).iter().map(|g| g.x_advance).sum::<f32>() * size
    }

    /// Lines of at most `width`, broken between any two characters (as Chinese is set),
    /// never before closing punctuation; at least one line.
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut used = 0.0;
        for (c, glyph) in text.chars().zip(self.glyphs(text)) {
            let advance = glyph.x_advance * size;
            let closing = "，。、；：）」』》”’,.;:)!?！？".contains(c);
            if c == '\n' || (used + advance > width && !line.is_empty() && !closing) {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
                if c == '\n' {
                    continue;
                }
            }
            line.push(c);
            used += advance;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

fn hours_text(minutes: i64) -> String {
    let hours = round_hours(minutes);
    let text = format!("{hours:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// The pages being filled, and the baseline reached on the last.
struct Pages<'a> {
    face: &'a Face,
    pages: Vec<Vec<Mark>>,
    y: f32,
}

impl Pages<'_> {
    fn mark(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>) {
        self.colored(x, y, size, text, (0, 0, 0));
    }

    fn colored(&mut self, x: f32, y: f32, size: f32, text: impl Into<String>, color: (u8, u8, u8)) {
        self.mark(Mark::Text {
            x,
            y,
            size,
            text: text.into(),
            color,
        });
    }

    fn centered(&mut self, y: f32, size: f32, text: &str, color: (u8, u8, u8)) {
        let x = (PAGE_W - self.face.width(text, size)) / 2.0;
        self.colored(x, y, size, text, color);
    }

    /// Lines of text from the left margin, `leading` apart, running on to a new page
    /// when the page is full.
    fn paragraph(&mut self, text: &str, size: f32, leading: f32) {
        for line in self.face.wrap(text, size, CONTENT_W) {
            if self.y + leading > BOTTOM {
                self.new_page();
            }
            self.y += leading;
            self.text(MARGIN, self.y, size, line);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// The table's header row at the current height.
    fn table_header(&mut self) {
        let h = CELL_LINE + 2.0 * CELL_PAD;
        self.mark(Mark::Shade {
            x: MARGIN,
            y: self.y,
            w: CONTENT_W,
            h,
        });
        self.row_rules(self.y, h);
        let mut x = MARGIN;
        for (heading, width) in COLUMNS {
            let y = self.y + CELL_PAD + CELL;
            self.text(x + CELL_PAD, y, CELL, heading);
            x += width;
        }
        self.y += h;
    }

    /// The box of a row: its top and bottom, and the lines between the columns.
    fn row_rules(&mut self, top: f32, h: f32) {
        self.mark(Mark::Rule {
            x1: MARGIN,
            y1: top,
            x2: MARGIN + CONTENT_W,
            y2: top,
        });
        self.mark(Mark::Rule {
            x1: MARGIN,
            y1: top + h,
            x2: MARGIN + CONTENT_W,
            y2: top + h,
        });
        let mut x = MARGIN;
        for (_, width) in COLUMNS {
            self.mark(Mark::Rule {
                x1: x,
                y1: top,
                x2: x,
                y2: top + h,
            });
            x += width;
        }
        self.mark(Mark::Rule {
            x1: x,
            y1: top,
            x2: x,
            y2: top + h,
        });
    }
}

/// Every mark of every page, the footers left out.
fn layout(proof: &service_proof::Model, code: &str, face: &Face) -> Vec<Vec<Mark>> {
    let mut pages = Pages {
        face,
        pages: Vec::new(),
        y: MARGIN,
    };
    pages.new_page();
    pages.centered(MARGIN + 28.0, 24.0, "志愿服务证明", (0, 0, 0));
    if let Some(revoked) = proof.revoked_at {
        let notice = format!(
            "本证明已于 {} 撤销，不再有效",
            day_text(local_date(revoked))
        );
        pages.centered(MARGIN + 52.0, 12.0, &notice, RED);
    }
    let hours = hours_text(proof.minutes);
    let period = match (proof.from_date, proof.to_date) {
        (None, None) => "全部服务记录".to_owned(),
        (from, to) => format!(
            "{} 至 {}",
            from.map(day_text).unwrap_or_else(|| "首次服务".to_owned()),
            to.map(day_text)
                .unwrap_or_else(|| day_text(local_date(proof.issued_at)))
        ),
    };
    let fields = [
        ("证明编号", proof.number.clone()),
        ("志愿者姓名", proof.real_name.clone()),
        (
            "身份标识",
            proof
                .masked_id
                .as_ref()
                .map(|id| format!("{id}（手机号，已部分隐去）"))
                .unwrap_or_else(|| "—".to_owned()),
        ),
        ("证明期间", period.clone()),
        ("累计服务时长", format!("{hours} 小时")),
        ("出具单位", proof.issuer.clone()),
        ("出具日期", day_text(local_date(proof.issued_at))),
    ];
    let top = MARGIN + 72.0;
    pages.mark(Mark::Qr {
        x: PAGE_W - MARGIN - QR_SIZE,
        y: top - 12.0,
    });
    let caption = "扫码查验";
    let caption_x = PAGE_W - MARGIN - QR_SIZE + (QR_SIZE - face.width(caption, 8.0)) / 2.0;
    pages.colored(caption_x, top + QR_SIZE + 0.0, 8.0, caption, GREY);
    pages.y = top;
    for (label, value) in fields {
        pages.text(MARGIN, pages.y, BODY, format!("{label}："));
        pages.text(MARGIN + 80.0, pages.y, BODY, value);
        pages.y += 20.0;
    }
    pages.y += 4.0;
    pages.paragraph(
        &format!(
            "兹证明 {} 参加志愿服务，经记录单位审核确认，{}累计志愿服务时长 {} 小时。服务明细如下：",
            proof.real_name,
            if proof.from_date.is_none() && proof.to_date.is_none() {
                String::new()
            } else {
                format!("于 {period} ")
            },
            hours
        ),
        BODY,
        18.0,
    );
    pages.y += 8.0;

    pages.table_header();
    for (n, line) in proof.activities.0.iter().enumerate() {
        let cells = [
            (n + 1).to_string(),
            line.activity.clone(),
            day_text(line.date),
            line.content.clone(),
            line.organizer.clone(),
            hours_text(i64::from(line.minutes)),
        ];
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(COLUMNS)
            .map(|(text, (_, width))| face.wrap(text, CELL, width - 2.0 * CELL_PAD))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let h = lines as f32 * CELL_LINE + 2.0 * CELL_PAD;
        if pages.y + h > BOTTOM {
            pages.new_page();
            pages.table_header();
        }
        let row_top = pages.y;
        pages.row_rules(row_top, h);
        let mut x = MARGIN;
        for (cell, (_, width)) in wrapped.into_iter().zip(COLUMNS) {
            for (i, text) in cell.into_iter().enumerate() {
                let y = row_top + CELL_PAD + CELL + i as f32 * CELL_LINE;
                pages.text(x + CELL_PAD, y, CELL, text);
            }
            x += width;
        }
        pages.y += h;
    }
    let total = format!("合计 {hours} 小时");
    pages.y += 16.0;
    if pages.y > BOTTOM {
        pages.new_page();
    }
    let x = MARGIN + CONTENT_W - face.width(&total, BODY);
    pages.text(x, pages.y, BODY, total);

    pages.y += 10.0;
    pages.paragraph(
        &format!(
            "查验方式：扫描本证明首页的二维码，或通过本系统以证明编号 {} 和验证码 {} 查验（verifyServiceProof），可见证明是否有效、志愿者姓名（部分隐去）、服务时长、出具单位和出具日期。",
            proof.number, code
        ),
        9.0,
        14.0,
    );
    pages.paragraph(
        "本证明依据《志愿服务记录与证明出具办法（试行）》出具，记载出具时经审核的服务记录；此后对服务记录的更正不改变本证明，可另行申请新的证明。",
        9.0,
        14.0,
    );
    pages.y += 14.0;
    if pages.y + 40.0 > BOTTOM {
        pages.new_page();
    }
    let issued = local_date(proof.issued_at);
    for text in [
        format!("出具单位：{}", proof.issuer),
        format!(
            "{}年{}月{}日",
            chrono::Datelike::year(&issued),
            chrono::Datelike::month(&issued),
            chrono::Datelike::day(&issued)
        ),
    ] {
        pages.y += 20.0;
        let x = MARGIN + CONTENT_W - face.width(&text, BODY);
        pages.text(x, pages.y, BODY, text);
    }
    pages.pages
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        ..Default::default()
    }
}

/// The pages painted, each with its footer, and the document's metadata.
fn paint(
    proof: &service_proof::Model,
    url: &str,
    face: &Face,
    pages: &[Vec<Mark>],
) -> anyhow::Result<Vec<u8>> {
    let qr = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .context("the verification URL does not fit a QR code")?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("志愿服务证明 {}", proof.number))
            .creator("同心 Tongxin".to_owned())
            .language("zh-CN".to_owned()),
    );
    let settings = || PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| anyhow!("page size"));
    for (n, marks) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings()?);
        let mut surface = page.surface();
        for mark in marks {
            draw(&mut surface, face, &qr, mark);
        }
        let footer = format!(
            "证明编号 {}　第 {} 页 / 共 {} 页",
            proof.number,
            n + 1,
            pages.len()
        );
        let x = (PAGE_W - face.width(&footer, 8.0)) / 2.0;
        draw(
            &mut surface,
            face,
            &qr,
            &Mark::Text {
                x,
                y: PAGE_H - MARGIN / 2.0,
                size: 8.0,
                text: footer,
                color: GREY,
            },
        );
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|err| anyhow!("writing the proof's PDF: {err:?}"))
}

fn draw(surface: &mut Surface<'_>, face: &Face, qr: &qrcode::QrCode, mark: &Mark) {
    match mark {
        Mark::Text {
            x,
            y,
            size,
            text,
            color,
        } => {
            surface.set_stroke(None);
            surface.set_fill(Some(fill(*color)));
            let glyphs = face.glyphs(text);
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &glyphs,
                face.font.clone(),
                text,
                *size,
                false,
            );
        }
        Mark::Rule { x1, y1, x2, y2 } => {
            let mut path = PathBuilder::new();
            path.move_to(*x1, *y1);
            path.line_to(*x2, *y2);
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: 0.5,
                    ..Default::default()
                }));
                surface.draw_path(&path);
            }
        }
        Mark::Shade { x, y, w, h } => {
            let mut path = PathBuilder::new();
            if let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) {
                path.push_rect(rect);
            }
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill((232, 232, 232))));
                surface.draw_path(&path);
            }
        }
        Mark::Qr { x, y } => {
            // Dark modules as one path, a rectangle per horizontal run; the page around
            // it is the quiet zone.
            let width = qr.width();
            let module = QR_SIZE / width as f32;
            let colors = qr.to_colors();
            let mut path = PathBuilder::new();
            for (row, modules) in colors.chunks(width).enumerate() {
                let mut col = 0;
                while col < width {
                    if modules[col] != qrcode::Color::Dark {
                        col += 1;
                        continue;
                    }
                    let start = col;
                    while col < width && modules[col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    if let Some(rect) = Rect::from_xywh(
                        x + start as f32 * module,
                        y + row as f32 * module,
                        (col - start) as f32 * module,
                        module,
                    ) {
                        path.push_rect(rect);
                    }
                }
            }
            if let Some(path) = path.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(fill((0, 0, 0))));
                surface.draw_path(&path);
            }
        }
    }
}
