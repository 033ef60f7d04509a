//! Charts drawn on the server as SVG, no script: each is an `img` with a title and a
//! description, followed by the same figures as a table (the text alternative). The
//! colours keep at least 3:1 against the white card and each other's edges are
//! parted by a white line, so bars stay apart without colour too.

use maud::{Markup, html};

/// Series colours, each at least 3:1 against white (#1f5fa8 6.6:1, #b3541e 4.9:1,
/// #2e7d32 5.1:1, #6a3d9a 8.0:1, #9c2f5c 7.0:1).
pub const COLOURS: [&str; 5] = ["#1f5fa8", "#b3541e", "#2e7d32", "#6a3d9a", "#9c2f5c"];

/// Axis and label ink: #57606a is 6.2:1 on white.
const INK: &str = "#57606a";

pub fn colour(index: usize) -> &'static str {
    COLOURS[index % COLOURS.len()]
}

/// A stacked column per category (a day), one segment per series (a method).
pub struct Columns<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// Under each column; `None` leaves that column unlabelled (long ranges).
    pub labels: Vec<Option<String>>,
    /// Per column, the value of each series (minor units or counts).
    pub values: Vec<Vec<i64>>,
    /// The largest stack, as people read it (for the axis).
    pub max_label: String,
}

pub fn columns(chart: &Columns) -> Markup {
    let (width, height, left, bottom, top) = (720.0_f64, 240.0_f64, 8.0, 28.0, 16.0);
    let count = chart.values.len().max(1) as f64;
    let max = chart
        .values
        .iter()
        .map(|stack| stack.iter().filter(|v| **v > 0).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = (width - left) / count;
    let bar = (slot * 0.7).max(1.0);
    let plot = height - bottom - top;
    let mut rects: Vec<(f64, f64, f64, usize)> = Vec::new();
    for (i, stack) in chart.values.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = height - bottom;
        for (s, value) in stack.iter().enumerate().filter(|(_, v)| **v > 0) {
            let h = plot * (*value as f64) / max;
            base -= h;
            rects.push((x, base, h, s));
        }
    }
    html! {
        svg.chart viewBox={ "0 0 " (width) " " (height) } role="img" aria-labelledby={ (chart.id) "-t " (chart.id) "-d" } data-testid=(chart.id) preserveAspectRatio="xMidYMid meet" {
            title id={ (chart.id) "-t" } { (chart.title) }
            desc id={ (chart.id) "-d" } { (chart.description) }
            line x1=(left) y1=(height - bottom) x2=(width) y2=(height - bottom) stroke=(INK) stroke-width="1" {}
            text x=(left) y="12" fill=(INK) font-size="12" { (chart.max_label) }
            line x1=(left) y1=(top) x2=(width) y2=(top) stroke=(INK) stroke-width="0.5" stroke-dasharray="4 4" {}
            @for (x, y, h, s) in &rects {
                rect x=(fmt(*x)) y=(fmt(*y)) width=(fmt(bar)) height=(fmt(*h)) fill=(colour(*s)) stroke="#fff" stroke-width="1" {}
            }
            @for (i, label) in chart.labels.iter().enumerate() {
                @if let Some(label) = label {
                    // The first label starts at the axis, so it is never cut at the edge.
                    @if i == 0 {
                        text x=(left) y=(height - 8.0) fill=(INK) font-size="12" { (label) }
                    } @else {
                        text x=(fmt(left + slot * i as f64 + slot / 2.0)) y=(height - 8.0) fill=(INK) font-size="12" text-anchor="middle" { (label) }
                    }
                }
            }
        }
    }
}

/// One horizontal bar per row, each its own colour, its value written beside it.
pub struct Bars<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub description: &'a str,
    /// (label, value, value as people read it)
    pub rows: Vec<(String, i64, String)>,
}

pub fn bars(chart: &Bars) -> Markup {
    let row_height = 34.0_f64;
    let (width, label_width, value_width) = (720.0_f64, 200.0_f64, 130.0_f64);
    let height = row_height * chart.rows.len().max(1) as f64 + 8.0;
    let max = chart.rows.iter().map(|r| r.1).max().unwrap_or(0).max(1) as f64;
    let span = width - label_width - value_width;
    html! {
        svg.chart viewBox={ "0 0 " (width) " " (fmt(height)) } role="img" aria-labelledby={ (chart.id) "-t " (chart.id) "-d" } data-testid=(chart.id) preserveAspectRatio="xMidYMid meet" {
            title id={ (chart.id) "-t" } { (chart.title) }
            desc id={ (chart.id) "-d" } { (chart.description) }
            @for (i, (label, value, shown)) in chart.rows.iter().enumerate() {
                @let y = 4.0 + row_height * i as f64;
                @let w = if *value > 0 { (span * (*value as f64) / max).max(2.0) } else { 0.0 };
                text x="0" y=(fmt(y + 21.0)) fill="#1b1f24" font-size="14" { (label) }
                rect x=(label_width) y=(fmt(y + 4.0)) width=(fmt(w)) height="24" fill=(colour(i)) {}
                text x=(fmt(label_width + w + 8.0)) y=(fmt(y + 21.0)) fill="#1b1f24" font-size="14" { (shown) }
            }
        }
    }
}

fn fmt(value: f64) -> String {
    format!("{value:.1}")
}
