//! A page layout small enough for receipts and statements: lines of text set down A4
//! pages, a label and its amount on one row, rules; wrapped by a rough measure of each
//! character (a Chinese character is an em, the rest a little over half of one).

use std::sync::OnceLock;

use krilla::Document;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::text::{Font, TextDirection};

use crate::error::{Error, Result};
use crate::i18n::Locale;

static FONT_DATA: &[u8] = include_bytes!("../../../assets/fonts/NotoSansCJKhk-Regular.subset.otf");

fn font() -> Result<Font> {
    static FONT: OnceLock<Option<Font>> = OnceLock::new();
    FONT.get_or_init(|| Font::new(FONT_DATA.into(), 0))
        .clone()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("the PDF font does not load")))
}

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 50.0;
/// Where the amounts column starts.
const AMOUNTS: f32 = 430.0;

/// Lines of text laid down a page at a time.
pub(super) struct Sheet {
    font: Font,
    pages: Vec<Vec<Mark>>,
    y: f32,
}

enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    Rule {
        y: f32,
    },
}

impl Sheet {
    pub(super) fn new() -> Result<Sheet> {
        Ok(Sheet {
            font: font()?,
            pages: vec![Vec::new()],
            y: MARGIN,
        })
    }

    fn room(&mut self, height: f32) {
        if self.y + height > HEIGHT - MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    fn mark(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    /// `text` at `size`, wrapped to `width` from `x`.
    fn text_at(&mut self, x: f32, width: f32, size: f32, text: &str) -> f32 {
        let lines = wrap(text, size, width);
        let start = self.y;
        for line in &lines {
            self.room(size * 1.5);
            self.y += size * 1.2;
            let y = self.y;
            self.mark(Mark::Text {
                x,
                y,
                size,
                text: line.clone(),
            });
            self.y += size * 0.3;
        }
        self.y - start
    }

    pub(super) fn line(&mut self, size: f32, text: &str) {
        self.text_at(MARGIN, WIDTH - 2.0 * MARGIN, size, text);
    }

    /// A label and its amount on one row (the label wraps in its column).
    pub(super) fn row(&mut self, size: f32, label: &str, amount: &str) {
        self.room(size * 1.5);
        let top = self.y;
        self.text_at(MARGIN, AMOUNTS - MARGIN - 10.0, size, label);
        let bottom = self.y;
        self.y = top;
        self.text_at(AMOUNTS, WIDTH - MARGIN - AMOUNTS, size, amount);
        self.y = self.y.max(bottom);
    }

    pub(super) fn gap(&mut self, height: f32) {
        self.y += height;
    }

    pub(super) fn rule(&mut self) {
        self.room(8.0);
        self.y += 4.0;
        let y = self.y;
        self.mark(Mark::Rule { y });
        self.y += 4.0;
    }

    pub(super) fn finish(self, title: &str, locale: Locale) -> Result<Vec<u8>> {
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .language(locale.tag().to_owned())
                .creator("datacard".to_owned()),
        );
        for marks in &self.pages {
            let settings = PageSettings::from_wh(WIDTH, HEIGHT)
                .ok_or_else(|| Error::internal(anyhow::anyhow!("page size")))?;
            let mut page = document.start_page_with(settings);
            let mut surface = page.surface();
            for mark in marks {
                match mark {
                    Mark::Text { x, y, size, text } => surface.draw_text(
                        Point::from_xy(*x, *y),
                        self.font.clone(),
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    ),
                    Mark::Rule { y } => {
                        let mut path = PathBuilder::new();
                        path.move_to(MARGIN, *y);
                        path.line_to(WIDTH - MARGIN, *y);
                        if let Some(path) = path.finish() {
                            surface.set_fill(None);
                            surface.set_stroke(Some(Stroke {
                                width: 0.6,
                                ..Stroke::default()
                            }));
                            surface.draw_path(&path);
                            surface.set_stroke(None);
                            surface.set_fill(Some(krilla::paint::Fill::default()));
                        }
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document
            .finish()
            .map_err(|error| Error::internal(anyhow::anyhow!("PDF: {error:?}")))
    }
}

/// Roughly how wide `c` is in ems: Chinese characters and full-width forms a whole
/// em, the rest (Latin, digits) a little over half of one.
fn em(c: char) -> f32 {
    if c >= '\u{2E80}' {
        1.0
    } else if c == ' ' {
        0.25
    } else {
        0.6
    }
}

/// `text` broken into lines no wider than `width` at `size` (at spaces when there are
/// any in reach, anywhere between Chinese characters).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0.0;
        for c in paragraph.chars() {
            let w = em(c) * size;
            if used + w > width && !line.is_empty() {
                let cut = line.rfind(' ').filter(|&at| at > line.len() / 2);
                match cut {
                    Some(at) => {
                        let rest = line[at + 1..].to_owned();
                        line.truncate(at);
                        lines.push(std::mem::take(&mut line));
                        used = rest.chars().map(|c| em(c) * size).sum();
                        line = rest;
                    }
                    None => {
                        lines.push(std::mem::take(&mut line));
                        used = 0.0;
                    }
                }
            }
            line.push(c);
            used += w;
        }
        lines.push(line);
    }
    lines
}
