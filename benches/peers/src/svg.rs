//! Line charts as SVG, written by hand (std only): the scaling curves of
//! `--scaling --svg FILE`.
//!
//! ```text
//!   ┌──────────────── title ────────────────┐
//!   │  ── tokio  ── smol  ── evloop  …      │  legend: every series name once
//!   ├───────────────────┬───────────────────┤
//!   │ panel 1           │ panel 2           │  one panel per workload, two a row
//!   │ y: 0 … nice top   │                   │  y linear from 0 (a flat curve
//!   │ x: decades, log   │                   │  is a constant cost per item)
//!   ├───────────────────┼───────────────────┤
//!   │ panel 3           │ panel 4           │
//!   └───────────────────┴───────────────────┘
//! ```
//!
//! Every panel shares the x range (whole decades covering every point), so
//! the panels line up. The output depends only on the input (coordinates
//! with one decimal, elements in input order), so a re-run with the same
//! figures gives the same file.

use std::fmt::Write as _;

use crate::report::number;

/// A figure of panels sharing one legend.
pub struct Chart {
    pub title: String,
    pub panels: Vec<Panel>,
}

/// One plot: its series over a log-scale x and a linear y from 0.
pub struct Panel {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
}

/// One line with its points, `(x, y)` in x order.
pub struct Series {
    pub name: String,
    /// An SVG colour, such as `#D55E00`.
    pub colour: &'static str,
    pub dashed: bool,
    pub points: Vec<(f64, f64)>,
}

const PANEL_WIDTH: f64 = 460.0;
const PANEL_HEIGHT: f64 = 300.0;
const PANELS_PER_ROW: usize = 2;
const TITLE_HEIGHT: f64 = 34.0;
const LEGEND_HEIGHT: f64 = 30.0;
const LEGEND_ENTRY_WIDTH: f64 = 130.0;
/// The plot area's margins inside a panel: room for the panel title above,
/// tick labels and the axis label left and below.
const MARGIN_LEFT: f64 = 72.0;
const MARGIN_RIGHT: f64 = 18.0;
const MARGIN_TOP: f64 = 30.0;
const MARGIN_BOTTOM: f64 = 48.0;

/// The plot area of one panel and the mapping from data to pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Frame {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    /// The x range, in decades: 10^`decades.0` at the left edge,
    /// 10^`decades.1` at the right.
    decades: (i32, i32),
    /// The y value at the top edge (0 is at the bottom).
    y_top: f64,
}

impl Frame {
    /// The frame of panel `index` (row by row, two a row).
    fn of_panel(index: usize, decades: (i32, i32), y_top: f64) -> Frame {
        let column = (index % PANELS_PER_ROW) as f64;
        let row = (index / PANELS_PER_ROW) as f64;
        Frame {
            left: column * PANEL_WIDTH + MARGIN_LEFT,
            top: TITLE_HEIGHT + LEGEND_HEIGHT + row * PANEL_HEIGHT + MARGIN_TOP,
            width: PANEL_WIDTH - MARGIN_LEFT - MARGIN_RIGHT,
            height: PANEL_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM,
            decades,
            y_top,
        }
    }

    fn x(&self, value: f64) -> f64 {
        let (lo, hi) = (f64::from(self.decades.0), f64::from(self.decades.1));
        self.left + (value.log10() - lo) / (hi - lo) * self.width
    }

    fn y(&self, value: f64) -> f64 {
        self.top + self.height - value / self.y_top * self.height
    }

    fn bottom(&self) -> f64 {
        self.top + self.height
    }

    fn right(&self) -> f64 {
        self.left + self.width
    }
}

/// Whole decades covering every x: `(floor(log10 min), ceil(log10 max))`,
/// at least one decade wide. `(0, 1)` when there is no point.
fn decades(xs: impl Iterator<Item = f64>) -> (i32, i32) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for x in xs {
        lo = lo.min(x.log10());
        hi = hi.max(x.log10());
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (0, 1);
    }
    // A tiny tolerance so that log10(1000) = 2.9999999999999996 is 3.
    let lo = (lo + 1e-9).floor() as i32;
    let hi = (hi - 1e-9).ceil() as i32;
    (lo, hi.max(lo + 1))
}

/// A y axis from 0 that ends on a round number: `(top, step)` with about
/// five steps of 1, 2 or 5 times a power of ten.
fn nice_scale(max: f64) -> (f64, f64) {
    if !(max > 0.0 && max.is_finite()) {
        return (1.0, 0.2);
    }
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * magnitude);
    let steps = (max / step - 1e-9).ceil().max(1.0);
    (steps * step, step)
}

/// A decade's tick label: 1k, 10k, 100k, 1M, …
fn count_label(decade: i32) -> String {
    match decade {
        ..0 => format!("1e{decade}"),
        0..=2 => format!("{}", 10u64.pow(decade as u32)),
        3..=5 => format!("{}k", 10u64.pow(decade as u32 - 3)),
        6..=8 => format!("{}M", 10u64.pow(decade as u32 - 6)),
        _ => format!("1e{decade}"),
    }
}

/// A y tick label with the decimals its step needs.
fn tick_label(value: f64, step: f64) -> String {
    if value >= 1000.0 {
        return number(value);
    }
    let decimals = if step >= 1.0 {
        0
    } else {
        (-step.log10()).ceil() as usize
    };
    format!("{value:.decimals$}")
}

/// Text safe inside an element or an attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn usable(point: &(f64, f64)) -> bool {
    point.0 > 0.0 && point.0.is_finite() && point.1.is_finite()
}

impl Chart {
    /// The chart as an SVG document.
    pub fn to_svg(&self) -> String {
        let rows = self.panels.len().div_ceil(PANELS_PER_ROW).max(1);
        let width = PANELS_PER_ROW as f64 * PANEL_WIDTH;
        let height = TITLE_HEIGHT + LEGEND_HEIGHT + rows as f64 * PANEL_HEIGHT;
        let decades = decades(
            self.panels
                .iter()
                .flat_map(|p| &p.series)
                .flat_map(|s| &s.points)
                .filter(|p| usable(p))
                .map(|p| p.0),
        );
        let mut out = String::new();
        let _ = writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            out,
            r#"<rect width="{width}" height="{height}" fill="white"/>"#
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="22" text-anchor="middle" font-size="15">{}</text>"#,
            width / 2.0,
            escape(&self.title)
        );
        self.legend(&mut out);
        for (index, panel) in self.panels.iter().enumerate() {
            let max = panel
                .series
                .iter()
                .flat_map(|s| &s.points)
                .filter(|p| usable(p))
                .map(|p| p.1)
                .fold(0.0, f64::max);
            let (y_top, step) = nice_scale(max);
            panel.draw(&mut out, Frame::of_panel(index, decades, y_top), step);
        }
        out.push_str("</svg>\n");
        out
    }

    /// Every series name once, in order of first appearance, with its line.
    fn legend(&self, out: &mut String) {
        let mut seen: Vec<&Series> = Vec::new();
        for series in self.panels.iter().flat_map(|p| &p.series) {
            if !seen.iter().any(|s| s.name == series.name) {
                seen.push(series);
            }
        }
        let y = TITLE_HEIGHT + LEGEND_HEIGHT / 2.0;
        out.push_str("<g class=\"legend\">\n");
        for (i, series) in seen.iter().enumerate() {
            let x = 20.0 + i as f64 * LEGEND_ENTRY_WIDTH;
            let _ = writeln!(
                out,
                r#"<line x1="{x:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="2"{}/>"#,
                x + 24.0,
                series.colour,
                dash(series)
            );
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{y:.1}" r="3" fill="{}"/>"#,
                x + 12.0,
                series.colour
            );
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
                x + 30.0,
                y + 4.0,
                escape(&series.name)
            );
        }
        out.push_str("</g>\n");
    }
}

fn dash(series: &Series) -> &'static str {
    if series.dashed {
        r#" stroke-dasharray="6 4""#
    } else {
        ""
    }
}

impl Panel {
    fn draw(&self, out: &mut String, frame: Frame, step: f64) {
        let _ = writeln!(out, r#"<g class="panel">"#);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="13">{}</text>"#,
            frame.left + frame.width / 2.0,
            frame.top - 12.0,
            escape(&self.title)
        );
        // Grid and ticks: every decade on x, every step on y.
        for decade in frame.decades.0..=frame.decades.1 {
            let x = frame.x(10f64.powi(decade));
            let _ = writeln!(
                out,
                r##"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/>"##,
                frame.top,
                frame.bottom()
            );
            let _ = writeln!(
                out,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                frame.bottom() + 16.0,
                count_label(decade)
            );
        }
        let steps = (frame.y_top / step).round() as u32;
        for i in 0..=steps {
            let value = f64::from(i) * step;
            let y = frame.y(value);
            let _ = writeln!(
                out,
                r##"<line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/>"##,
                frame.left,
                frame.right()
            );
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                frame.left - 6.0,
                y + 4.0,
                tick_label(value, step)
            );
        }
        // The axes over the grid.
        let _ = writeln!(
            out,
            r#"<path d="M{:.1},{:.1} V{:.1} H{:.1}" fill="none" stroke="black"/>"#,
            frame.left,
            frame.top,
            frame.bottom(),
            frame.right()
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            frame.left + frame.width / 2.0,
            frame.bottom() + 36.0,
            escape(&self.x_label)
        );
        let (lx, ly) = (frame.left - 52.0, frame.top + frame.height / 2.0);
        let _ = writeln!(
            out,
            r#"<text x="{lx:.1}" y="{ly:.1}" text-anchor="middle" transform="rotate(-90 {lx:.1} {ly:.1})">{}</text>"#,
            escape(&self.y_label)
        );
        for series in &self.series {
            series.draw(out, &frame, &self.y_label);
        }
        out.push_str("</g>\n");
    }
}

impl Series {
    fn draw(&self, out: &mut String, frame: &Frame, unit: &str) {
        let points: Vec<(f64, f64)> = self.points.iter().copied().filter(usable).collect();
        if points.is_empty() {
            return;
        }
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", frame.x(*x), frame.y(*y)))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}/>"#,
            path.join(" "),
            self.colour,
            dash(self)
        );
        for (x, y) in points {
            let _ = writeln!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"><title>{} at {}: {} {}</title></circle>"#,
                frame.x(x),
                frame.y(y),
                self.colour,
                escape(&self.name),
                number(x),
                number(y),
                escape(unit),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(name: &str, points: &[(f64, f64)]) -> Series {
        Series {
            name: name.to_string(),
            colour: "#D55E00",
            dashed: false,
            points: points.to_vec(),
        }
    }

    fn chart(panels: Vec<Vec<Series>>) -> Chart {
        Chart {
            title: "cost per item <as it grows> & more".to_string(),
            panels: panels
                .into_iter()
                .enumerate()
                .map(|(i, series)| Panel {
                    title: format!("panel {i}"),
                    x_label: "tasks (log scale)".to_string(),
                    y_label: "ns/task".to_string(),
                    series,
                })
                .collect(),
        }
    }

    /// Checks that every tag is closed in order and the root is `<svg>`:
    /// returns the element names in document order.
    fn well_formed(svg: &str) -> Vec<String> {
        let body = svg
            .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
            .expect("an XML declaration first");
        let mut open: Vec<String> = Vec::new();
        let mut names = Vec::new();
        let mut rest = body;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            assert!(!text.contains('>'), "a stray `>` in text: {text:?}");
            if let Some(amp) = text.find('&') {
                let entity = &text[amp..];
                assert!(
                    ["&amp;", "&lt;", "&gt;", "&quot;"]
                        .iter()
                        .any(|e| entity.starts_with(e)),
                    "a bare `&` in {text:?}"
                );
            }
            let end = start + rest[start..].find('>').expect("every tag ends");
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "a `<` inside a tag: {tag:?}");
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes: {tag:?}"
            );
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "closing </{name}>");
            } else {
                let name = tag.split_whitespace().next().unwrap().trim_end_matches('/');
                names.push(name.to_string());
                if !tag.ends_with('/') {
                    assert!(
                        !open.is_empty() || name == "svg",
                        "the root element is <svg>, not <{name}>"
                    );
                    open.push(name.to_string());
                }
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "left open: {open:?}");
        assert!(rest.trim().is_empty(), "text after </svg>: {rest:?}");
        names
    }

    #[test]
    fn the_document_is_well_formed_with_escaped_text() {
        let c = chart(vec![
            vec![
                series("evloop", &[(1e3, 10.0), (1e6, 30.0)]),
                series("tokio & co", &[(1e3, 20.0)]),
            ],
            vec![series("evloop", &[(1e4, 0.5)])],
            vec![],
        ]);
        let svg = c.to_svg();
        let names = well_formed(&svg);
        assert_eq!(names[0], "svg");
        assert!(svg.contains("cost per item &lt;as it grows&gt; &amp; more"));
        assert!(svg.contains(">tokio &amp; co</text>"));
        // Three panels, two a row: two rows.
        assert_eq!(svg.matches(r#"<g class="panel">"#).count(), 3);
        assert!(svg.contains(r#"height="664""#), "34 + 30 + 2 × 300");
        assert_eq!(c.to_svg(), svg, "the same figures give the same file");
    }

    #[test]
    fn points_sit_where_their_values_say() {
        // x from 10^3 to 10^6; y from 0 to 100 (the nice top of 100).
        let c = chart(vec![vec![series(
            "evloop",
            &[(1e3, 0.0), (1e4, 50.0), (1e6, 100.0)],
        )]]);
        let svg = c.to_svg();
        let frame = Frame::of_panel(0, (3, 6), 100.0);
        let (left, right, top, bottom) = (72.0, 442.0, 94.0, 316.0);
        assert_eq!(
            (frame.left, frame.right(), frame.top, frame.bottom()),
            (left, right, top, bottom)
        );
        // The first point at the bottom left corner, the last at the top
        // right, 10^4 a third of the way along and halfway up.
        let third = left + (right - left) / 3.0;
        let middle = (top + bottom) / 2.0;
        for (x, y) in [(left, bottom), (third, middle), (right, top)] {
            let circle =
                format!(r##"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="#D55E00"><title>"##);
            assert!(svg.contains(&circle), "no {circle} in\n{svg}");
        }
        let line = format!("{left:.1},{bottom:.1} {third:.1},{middle:.1} {right:.1},{top:.1}");
        assert!(svg.contains(&line), "the polyline joins them in order");
        // Labelled decade ticks, and y ticks every 20.
        for label in [">1k<", ">10k<", ">100k<", ">1M<", ">0<", ">20<", ">100<"] {
            assert!(svg.contains(label), "no tick {label}");
        }
    }

    #[test]
    fn the_legend_names_each_series_once_even_across_panels() {
        let svg = chart(vec![
            vec![
                series("smol", &[(1e3, 1.0)]),
                series("evloop", &[(1e3, 1.0)]),
            ],
            vec![series("evloop", &[(1e3, 1.0)])],
        ])
        .to_svg();
        let legend = &svg[svg.find(r#"<g class="legend">"#).unwrap()..];
        let legend = &legend[..legend.find("</g>").unwrap()];
        assert_eq!(legend.matches(">evloop</text>").count(), 1);
        assert_eq!(legend.matches(">smol</text>").count(), 1);
        assert!(legend.find("smol").unwrap() < legend.find("evloop").unwrap());
    }

    #[test]
    fn unusable_points_are_left_out_and_lines_can_be_dashed() {
        let mut dashed = series("evloop+events", &[(0.0, 1.0), (1e3, f64::NAN), (1e3, 2.0)]);
        dashed.dashed = true;
        let svg = chart(vec![vec![dashed, series("empty", &[])]]).to_svg();
        well_formed(&svg);
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains(r#"stroke-dasharray="6 4"/>"#));
        assert_eq!(
            svg.matches("<circle").count(),
            1 + 2,
            "one point, two legend marks"
        );
    }

    #[test]
    fn axes_cover_whole_decades_and_end_on_round_numbers() {
        assert_eq!(decades([1e3, 1e6].into_iter()), (3, 6));
        assert_eq!(decades([2e3, 5e4].into_iter()), (3, 5));
        assert_eq!(decades([1e3].into_iter()), (3, 4));
        assert_eq!(decades(std::iter::empty()), (0, 1));
        assert_eq!(nice_scale(87.0), (100.0, 20.0));
        assert_eq!(nice_scale(100.0), (100.0, 20.0));
        assert_eq!(nice_scale(1_234.0), (1_500.0, 500.0));
        assert_eq!(nice_scale(0.0), (1.0, 0.2));
        let (top, step) = nice_scale(0.3);
        assert!((top - 0.3).abs() < 1e-12 && (step - 0.1).abs() < 1e-12);
        assert_eq!(tick_label(0.2, 0.1), "0.2");
        assert_eq!(tick_label(2_000.0, 500.0), "2,000");
        let labels: Vec<_> = (2..=7).map(count_label).collect();
        assert_eq!(labels, ["100", "1k", "10k", "100k", "1M", "10M"]);
    }
}
