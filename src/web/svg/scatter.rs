//! Scatter charts drawn on the server as inline SVG: a log-scaled x axis (prices) against a
//! linear y axis, dots, an optional line through some of them, and labels placed so they
//! never overlap one another or cover a dot.
//!
//! The markup carries no inline styles and no colour attributes: every mark has a class that
//! `static/style.css` colours with the theme's variables, so the chart follows dark mode and
//! survives a CSP that forbids inline styles. Sizes are in viewBox units; the chart scales to
//! its container.

use std::fmt::Write;

use super::{LinearScale, LogScale, dollars_tick, escape, n};

/// The drawing's coordinate system (viewBox units).
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 400.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 62.0;
/// Dot radius in the markup; the stylesheet enlarges dots on narrow screens.
const DOT_RADIUS: f64 = 5.0;

/// The sizes labels are placed for, in viewBox units: the font size and the radius of the
/// dots they must clear. Both a little above what the stylesheet draws, so the estimated
/// boxes contain the real text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LabelStyle {
    pub font: f64,
    pub dot_radius: f64,
}

/// Wide screens: the drawing is shown at about its own size, text at 11 units.
pub const WIDE: LabelStyle = LabelStyle {
    font: 12.0,
    dot_radius: 6.0,
};
/// Phones: the drawing is scaled down, so the stylesheet sets text at 20 units and dots at 7.
pub const NARROW: LabelStyle = LabelStyle {
    font: 20.0,
    dot_radius: 8.0,
};
/// A generous average glyph width in ems, so estimated boxes contain the real text (the
/// bold sans labels measure 0.55–0.65 em per character in Chromium, capitals widest).
const GLYPH_EM: f64 = 0.64;
/// How far text reaches above and below its `y`, in ems, for each baseline, as measured
/// with `getBBox` in Chromium plus a little room for the halo.
const CENTRAL_EXTENT: (f64, f64) = (0.62, 0.62);
const ABOVE_EXTENT: (f64, f64) = (0.96, 0.28);
const BELOW_EXTENT: (f64, f64) = (0.2, 1.0);
/// Longest label shown, in characters.
const MAX_LABEL_CHARS: usize = 24;

/// An axis-aligned box in viewBox units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }

    pub fn contains(&self, other: &Rect) -> bool {
        other.x0 >= self.x0 && other.x1 <= self.x1 && other.y0 >= self.y0 && other.y1 <= self.y1
    }

    fn around(x: f64, y: f64, r: f64) -> Rect {
        Rect {
            x0: x - r,
            y0: y - r,
            x1: x + r,
            y1: y + r,
        }
    }
}

/// Horizontal alignment of a label relative to its `x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// Vertical alignment of a label relative to its `y`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// `y` is the text's vertical centre.
    Central,
    /// `y` is the bottom of the text (it sits above the dot).
    Above,
    /// `y` is the top of the text (it hangs below the dot).
    Below,
}

/// A label that found a free spot.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacedLabel {
    /// Index of the point it names.
    pub point: usize,
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub anchor: Anchor,
    pub baseline: Baseline,
    /// The space the text may occupy at the style's font size.
    pub bbox: Rect,
}

/// Estimated box of `text` drawn at `(x, y)` with the given alignment and font size.
fn text_box(text: &str, x: f64, y: f64, anchor: Anchor, baseline: Baseline, font: f64) -> Rect {
    let width = text.chars().count() as f64 * font * GLYPH_EM;
    let (up, down) = match baseline {
        Baseline::Central => CENTRAL_EXTENT,
        Baseline::Above => ABOVE_EXTENT,
        Baseline::Below => BELOW_EXTENT,
    };
    let x0 = match anchor {
        Anchor::Start => x,
        Anchor::Middle => x - width / 2.0,
        Anchor::End => x - width,
    };
    Rect {
        x0,
        y0: y - up * font,
        x1: x0 + width,
        y1: y + down * font,
    }
}

/// Shortens a label to [`MAX_LABEL_CHARS`].
fn clip_label(text: &str) -> String {
    if text.chars().count() <= MAX_LABEL_CHARS {
        return text.to_string();
    }
    let mut out: String = text.chars().take(MAX_LABEL_CHARS - 1).collect();
    out.push('…');
    out
}

/// Places labels next to their dots, in priority order, without overlaps.
///
/// `dots` are every dot's centre (and whether it is highlighted, which placing no longer
/// needs: no dot may be covered); `wanted` lists `(dot index, text)` most important first.
/// Each label tries twelve spots around its dot (right, left, centred above and below, then
/// skewed, then off the corners); a spot is taken only if its box stays inside `bounds` and
/// touches neither a label placed before it nor any dot. A label with no such spot is left
/// out: a label over another model's dot reads as that model's (the table names every
/// dot, and each dot names itself on hover).
pub fn place_labels(
    dots: &[(f64, f64, bool)],
    wanted: &[(usize, String)],
    bounds: Rect,
    style: LabelStyle,
) -> Vec<PlacedLabel> {
    let font = style.font;
    let gap = style.dot_radius + 3.0;
    let dot_boxes: Vec<Rect> = dots
        .iter()
        .map(|&(x, y, _)| Rect::around(x, y, style.dot_radius))
        .collect();
    let mut placed: Vec<PlacedLabel> = Vec::new();
    for (point, text) in wanted {
        let Some(&(cx, cy, _)) = dots.get(*point) else {
            continue;
        };
        if placed.iter().any(|p| p.point == *point) {
            continue;
        }
        let text = clip_label(text);
        // Beside the dot first, then centred over or under it, then skewed: the nearer
        // the text's middle is to its dot, the less it reads as a neighbour's.
        // Text above sits on its baseline and hangs a descender below it; text below hangs
        // from its baseline but reaches a little above it: both clear the dot.
        let (above, below) = (
            cy - gap - ABOVE_EXTENT.1 * font,
            cy + gap + BELOW_EXTENT.0 * font,
        );
        let candidates = [
            (cx + gap, cy, Anchor::Start, Baseline::Central),
            (cx - gap, cy, Anchor::End, Baseline::Central),
            (cx, above, Anchor::Middle, Baseline::Above),
            (cx, below, Anchor::Middle, Baseline::Below),
            (cx + 2.0, above, Anchor::Start, Baseline::Above),
            (cx + 2.0, below, Anchor::Start, Baseline::Below),
            (cx - 2.0, above, Anchor::End, Baseline::Above),
            (cx - 2.0, below, Anchor::End, Baseline::Below),
            (cx + gap, above, Anchor::Start, Baseline::Above),
            (cx + gap, below, Anchor::Start, Baseline::Below),
            (cx - gap, above, Anchor::End, Baseline::Above),
            (cx - gap, below, Anchor::End, Baseline::Below),
        ];
        let fits = |bbox: &Rect| {
            bounds.contains(bbox)
                && !placed.iter().any(|p| p.bbox.intersects(bbox))
                && !dot_boxes.iter().any(|d| d.intersects(bbox))
        };
        let boxed: Vec<(f64, f64, Anchor, Baseline, Rect)> = candidates
            .iter()
            .map(|&(x, y, anchor, baseline)| {
                (
                    x,
                    y,
                    anchor,
                    baseline,
                    text_box(&text, x, y, anchor, baseline, font),
                )
            })
            .collect();
        let choice = boxed.iter().find(|c| fits(&c.4));
        if let Some(&(x, y, anchor, baseline, bbox)) = choice {
            placed.push(PlacedLabel {
                point: *point,
                text,
                x,
                y,
                anchor,
                baseline,
                bbox,
            });
        }
    }
    placed
}

/// One dot.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Positive; plotted on the log axis.
    pub x: f64,
    pub y: f64,
    /// Shown on hover (the dot's `<title>`).
    pub tooltip: String,
    /// Drawn with the `highlight` class (e.g. frontier members).
    pub highlight: bool,
}

/// A scatter plot with a log x axis; [`ScatterChart::render`] returns the `<svg>` markup.
#[derive(Clone, Debug, Default)]
pub struct ScatterChart {
    /// Prefix for the element ids of the title and description; unique on the page.
    pub id: String,
    /// Extra class on the `<svg>`, next to `chart`.
    pub class: String,
    pub title: String,
    pub desc: String,
    pub x_label: String,
    pub y_label: String,
    pub points: Vec<Point>,
    /// Indices of points joined by a line, in drawing order.
    pub line: Vec<usize>,
    /// `(point index, label)` to label, most important first; crowded ones are skipped.
    pub labels: Vec<(usize, String)>,
}

impl ScatterChart {
    /// The plotting area, inside the axes.
    pub fn plot_area() -> Rect {
        Rect {
            x0: LEFT,
            y0: TOP,
            x1: WIDTH - RIGHT,
            y1: HEIGHT - BOTTOM,
        }
    }

    fn scales(&self) -> (LogScale, LinearScale) {
        let area = Self::plot_area();
        // A little air inside the axes so edge dots are not cut in half.
        let x = LogScale::covering(
            self.points.iter().map(|p| p.x),
            area.x0 + 10.0,
            area.x1 - 10.0,
        );
        let y = LinearScale::covering(
            self.points.iter().map(|p| p.y),
            area.y1 - 6.0,
            area.y0 + 6.0,
        );
        (x, y)
    }

    /// Where each dot lands, in viewBox units.
    pub fn positions(&self) -> Vec<(f64, f64)> {
        let (x, y) = self.scales();
        self.points
            .iter()
            .map(|p| (x.map(p.x), y.map(p.y)))
            .collect()
    }

    /// The labels that fit at `style`, where they go.
    pub fn placed_labels(&self, style: LabelStyle) -> Vec<PlacedLabel> {
        let dots: Vec<(f64, f64, bool)> = self
            .positions()
            .into_iter()
            .zip(&self.points)
            .map(|((x, y), p)| (x, y, p.highlight))
            .collect();
        place_labels(&dots, &self.labels, Self::plot_area(), style)
    }

    pub fn render(&self) -> String {
        let area = Self::plot_area();
        let (xs, ys) = self.scales();
        let positions = self.positions();
        let id = escape(&self.id);
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart {class}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg">"#,
            class = escape(&self.class),
        );
        let _ = write!(
            svg,
            r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.desc)
        );

        svg.push_str(r#"<g class="grid">"#);
        for tick in xs.ticks() {
            let x = n(xs.map(tick));
            let _ = write!(
                svg,
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
                n(area.y0),
                n(area.y1)
            );
        }
        for tick in ys.ticks() {
            let y = n(ys.map(tick));
            let _ = write!(
                svg,
                r#"<line x1="{}" y1="{y}" x2="{}" y2="{y}"/>"#,
                n(area.x0),
                n(area.x1)
            );
        }
        svg.push_str("</g>");

        let _ = write!(
            svg,
            r#"<g class="axis"><line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}"/><line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}"/></g>"#,
            x0 = n(area.x0),
            x1 = n(area.x1),
            y0 = n(area.y0),
            y1 = n(area.y1),
        );
        svg.push_str(r#"<g class="ticks">"#);
        for tick in xs.ticks() {
            let _ = write!(
                svg,
                r#"<text class="tick-x" x="{}" y="{}">{}</text>"#,
                n(xs.map(tick)),
                n(area.y1 + 6.0),
                escape(&dollars_tick(tick))
            );
        }
        for tick in ys.ticks() {
            let _ = write!(
                svg,
                r#"<text class="tick-y" x="{}" y="{}">{}</text>"#,
                n(area.x0 - 6.0),
                n(ys.map(tick)),
                n(tick)
            );
        }
        svg.push_str("</g>");
        let _ = write!(
            svg,
            r#"<text class="axis-title x-title" x="{}" y="{}">{}</text>"#,
            n((area.x0 + area.x1) / 2.0),
            n(HEIGHT - 4.0),
            escape(&self.x_label)
        );
        let (tx, ty) = (14.0, (area.y0 + area.y1) / 2.0);
        let _ = write!(
            svg,
            r#"<text class="axis-title y-title" x="{x}" y="{y}" transform="rotate(-90 {x} {y})">{}</text>"#,
            escape(&self.y_label),
            x = n(tx),
            y = n(ty),
        );

        let line: Vec<String> = self
            .line
            .iter()
            .filter_map(|&i| positions.get(i))
            .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
            .collect();
        if line.len() > 1 {
            let _ = write!(
                svg,
                r#"<polyline class="line" points="{}"/>"#,
                line.join(" ")
            );
        }

        svg.push_str(r#"<g class="dots">"#);
        // Highlighted dots last, so they sit on top.
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by_key(|&i| self.points[i].highlight);
        for i in order {
            let (point, (x, y)) = (&self.points[i], positions[i]);
            let _ = write!(
                svg,
                r#"<circle class="dot{}" cx="{}" cy="{}" r="{DOT_RADIUS}"><title>{}</title></circle>"#,
                if point.highlight { " highlight" } else { "" },
                n(x),
                n(y),
                escape(&point.tooltip)
            );
        }
        svg.push_str("</g>");

        // Two label sets, one placed for each text size; the stylesheet shows the one that
        // matches the screen. Without the stylesheet the wide set shows alone.
        for (class, style, hidden) in [("wide", WIDE, ""), ("narrow", NARROW, r#" display="none""#)]
        {
            let _ = write!(svg, r#"<g class="labels {class}"{hidden}>"#);
            for label in self.placed_labels(style) {
                let anchor = match label.anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let baseline = match label.baseline {
                    Baseline::Central => "central",
                    Baseline::Above => "above",
                    Baseline::Below => "below",
                };
                let _ = write!(
                    svg,
                    r#"<text class="label a-{anchor} b-{baseline}" x="{}" y="{}">{}</text>"#,
                    n(label.x),
                    n(label.y),
                    escape(&label.text)
                );
            }
            svg.push_str("</g>");
        }
        svg.push_str("</svg>");
        svg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area() -> Rect {
        ScatterChart::plot_area()
    }

    #[test]
    fn crowded_labels_never_overlap_and_stay_inside_the_plot() {
        // A tight cluster of twenty dots, all wanting a label.
        let dots: Vec<(f64, f64, bool)> = (0..20)
            .map(|i| {
                (
                    300.0 + f64::from(i % 5) * 6.0,
                    150.0 + f64::from(i / 5) * 6.0,
                    false,
                )
            })
            .collect();
        let wanted: Vec<(usize, String)> =
            (0..20).map(|i| (i, format!("Model number {i}"))).collect();
        let placed = place_labels(&dots, &wanted, area(), NARROW);
        assert!(!placed.is_empty());
        assert!(placed.len() < 20, "some labels must be skipped");
        for (i, a) in placed.iter().enumerate() {
            assert!(area().contains(&a.bbox), "{a:?} leaves the plot");
            for b in &placed[i + 1..] {
                assert!(!a.bbox.intersects(&b.bbox), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn labels_prefer_the_right_of_their_dot_and_move_when_that_spot_is_taken() {
        let dots = [(300.0, 200.0, false), (360.0, 222.0, false)];
        let wanted = vec![(0, "Alpha model".to_string()), (1, "Beta".to_string())];
        let placed = place_labels(&dots, &wanted, area(), NARROW);
        assert_eq!(placed.len(), 2);
        assert_eq!(
            (placed[0].anchor, placed[0].baseline),
            (Anchor::Start, Baseline::Central)
        );
        // Beta's right, left and upper spots all hit Alpha's label; below is free.
        assert_eq!(
            (placed[1].anchor, placed[1].baseline),
            (Anchor::Middle, Baseline::Below)
        );
        assert!(!placed[0].bbox.intersects(&placed[1].bbox));
        // Near the right edge a label flips to the left of its dot.
        let edge = place_labels(
            &[(area().x1 - 10.0, 200.0, false)],
            &[(0, "Edge".to_string())],
            area(),
            NARROW,
        );
        assert_eq!(edge[0].anchor, Anchor::End);
    }

    #[test]
    fn a_label_never_covers_another_dot_and_is_left_out_when_it_cannot_move() {
        // Dots all round the labelled one (a 3 × 3 grid, it in the middle): every spot
        // touches a dot, so the label is left out rather than drawn over a neighbour (issue
        // 25: at 390 px five labels covered 31 dots).
        let mut around = vec![(300.0, 200.0, false)];
        for x in [256.0, 300.0, 344.0] {
            for y in [170.0, 200.0, 230.0] {
                if (x, y) != (300.0, 200.0) {
                    around.push((x, y, false));
                }
            }
        }
        let wanted = vec![(0, "Label".to_string())];
        assert!(place_labels(&around, &wanted, area(), NARROW).is_empty());
        // Take the dot above away: the label goes there, clear of every dot.
        let open_above: Vec<(f64, f64, bool)> = around
            .iter()
            .copied()
            .filter(|d| (d.0, d.1) != (300.0, 170.0))
            .collect();
        let placed = place_labels(&open_above, &wanted, area(), NARROW);
        assert_eq!(placed.len(), 1);
        assert_eq!(placed[0].baseline, Baseline::Above);
        for &(x, y, _) in &open_above {
            assert!(
                !placed[0]
                    .bbox
                    .intersects(&Rect::around(x, y, NARROW.dot_radius))
            );
        }
    }

    #[test]
    fn no_label_of_a_crowded_chart_covers_any_dot() {
        // Forty dots on a grid 18 units apart: labels squeeze in where they can, and none
        // touches a dot or another label.
        let dots: Vec<(f64, f64, bool)> = (0..40)
            .map(|i| {
                (
                    150.0 + f64::from(i % 8) * 18.0,
                    100.0 + f64::from(i / 8) * 18.0,
                    i % 3 == 0,
                )
            })
            .collect();
        let wanted: Vec<(usize, String)> = (0..40).map(|i| (i, format!("Model {i}"))).collect();
        for style in [WIDE, NARROW] {
            let placed = place_labels(&dots, &wanted, area(), style);
            assert!(!placed.is_empty());
            for (i, label) in placed.iter().enumerate() {
                for &(x, y, _) in &dots {
                    assert!(
                        !label.bbox.intersects(&Rect::around(x, y, style.dot_radius)),
                        "{label:?} covers the dot at {x},{y}"
                    );
                }
                for other in &placed[i + 1..] {
                    assert!(!label.bbox.intersects(&other.bbox));
                }
            }
        }
    }

    #[test]
    fn a_label_with_no_room_is_skipped() {
        let wide = "W".repeat(24);
        let band = Rect {
            x0: 0.0,
            y0: 180.0,
            x1: 640.0,
            y1: 220.0,
        };
        let placed = place_labels(
            &[(320.0, 200.0, false), (320.0, 200.0, false)],
            &[(0, wide.clone()), (1, wide.clone())],
            band,
            NARROW,
        );
        // Two dots in one spot: the first label takes the right, the second the left.
        let anchors: Vec<Anchor> = placed.iter().map(|p| p.anchor).collect();
        assert_eq!(anchors, vec![Anchor::Start, Anchor::End]);
        assert!(!placed[0].bbox.intersects(&placed[1].bbox));
        // The band is too thin for a label above or below: a third has nowhere to go.
        let three = place_labels(
            &[
                (320.0, 200.0, false),
                (320.0, 200.0, false),
                (320.0, 200.0, false),
            ],
            &[(0, wide.clone()), (1, wide.clone()), (2, wide.clone())],
            band,
            NARROW,
        );
        assert_eq!(three.len(), 2);
        let none = place_labels(
            &[(50.0, 50.0, false)],
            &[(0, wide)],
            Rect {
                x0: 0.0,
                y0: 0.0,
                x1: 100.0,
                y1: 100.0,
            },
            NARROW,
        );
        assert!(none.is_empty());
    }

    #[test]
    fn log_scale_covers_whole_decades_and_ticks_in_dollars() {
        let scale = LogScale::covering([0.35, 6.0], 0.0, 100.0);
        assert_eq!((scale.lo, scale.hi), (-1, 1));
        assert_eq!(scale.ticks(), vec![0.1, 1.0, 10.0]);
        assert_eq!(scale.map(1.0), 50.0);
        let ticks: Vec<String> = scale.ticks().into_iter().map(dollars_tick).collect();
        assert_eq!(ticks, vec!["$0.10", "$1", "$10"]);
        assert_eq!(dollars_tick(0.01), "$0.01");
        assert_eq!(dollars_tick(0.001), "$0.001");
        assert_eq!(dollars_tick(1000.0), "$1,000");
        // A single price still gets a two-decade axis around it.
        let single = LogScale::covering([1.0], 0.0, 100.0);
        assert_eq!((single.lo, single.hi), (-1, 1));
        // One decade gets intermediate ticks.
        let narrow = LogScale::covering([1.5, 7.0], 0.0, 100.0);
        assert_eq!(narrow.ticks(), vec![1.0, 2.0, 5.0, 10.0]);
        // Bad values do not break the axis.
        let empty = LogScale::covering([0.0, f64::NAN], 0.0, 100.0);
        assert_eq!((empty.lo, empty.hi), (-1, 1));
    }

    #[test]
    fn linear_scale_rounds_to_steps() {
        let scale = LinearScale::covering([30.0, 60.0], 300.0, 0.0);
        assert_eq!(scale.ticks(), vec![30.0, 40.0, 50.0, 60.0]);
        assert_eq!(scale.map(45.0), 150.0);
        let flat = LinearScale::covering([50.0], 100.0, 0.0);
        assert_eq!(flat.ticks(), vec![50.0, 55.0]);
    }

    #[test]
    fn markup_is_escaped_has_one_circle_per_point_and_no_inline_style() {
        let chart = ScatterChart {
            id: "t".into(),
            class: "demo".into(),
            title: "A <chart>".into(),
            desc: "about & more".into(),
            x_label: "Price".into(),
            y_label: "Quality".into(),
            points: vec![
                Point {
                    x: 1.0,
                    y: 10.0,
                    tooltip: "<script>alert(1)</script>".into(),
                    highlight: true,
                },
                Point {
                    x: 10.0,
                    y: 20.0,
                    tooltip: "b".into(),
                    highlight: false,
                },
            ],
            line: vec![0, 1],
            labels: vec![(0, "<img onerror=x>".into())],
        };
        let svg = chart.render();
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(!svg.contains("<script>"));
        assert!(!svg.contains("<img"));
        assert!(svg.contains("&lt;img onerror=x&gt;"));
        assert!(svg.contains(r#"<title id="t-title">A &lt;chart&gt;</title>"#));
        assert!(svg.contains(r#"aria-labelledby="t-title t-desc""#));
        assert!(!svg.contains("style="));
        assert!(!svg.contains("fill="));
        assert!(svg.contains("<polyline"));
    }
}
