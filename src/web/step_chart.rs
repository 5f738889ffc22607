//! A step chart drawn on the server as inline SVG: values that hold from one date until the
//! next, such as prices. No script and no style attributes: every colour and size comes
//! from classes in the stylesheet's "history chart" section, so it follows dark mode.

use std::fmt::Write;

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;

/// One value that holds from `from` until the next step (or the end of the chart).
/// `None` is a gap: the series was not listed then.
#[derive(Clone, Debug)]
pub struct Step {
    pub from: NaiveDate,
    pub value: Option<f64>,
}

/// One line of the chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    /// A CSS class naming the line (`input`, `output`); the stylesheet gives it a colour
    /// and a dash pattern, so the lines differ without colour too.
    pub class: &'static str,
    pub steps: Vec<Step>,
}

/// Which vertical scale the chart used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

/// Everything a chart needs.
#[derive(Clone, Debug)]
pub struct StepChart {
    /// Unique on the page: prefixes the ids of `<title>` and `<desc>`.
    pub id: String,
    pub title: String,
    pub desc: String,
    /// The last date the chart covers (the last day with data); the final step is drawn
    /// through that whole day.
    pub end: NaiveDate,
    pub series: Vec<Series>,
}

/// Values spreading over more than this factor go on a log scale, so a cut from $0.30 to
/// $0.25 stays visible next to a $15 output price.
pub const LOG_RATIO: f64 = 20.0;

const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 34.0;

/// The rendered chart and the scale chosen for it.
pub struct Rendered {
    pub svg: String,
    pub scale: Scale,
}

/// Draws the chart; `None` when no series has a single value to draw.
pub fn render(chart: &StepChart) -> Option<Rendered> {
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.steps.iter().filter_map(|p| p.value))
        .filter(|v| v.is_finite() && *v >= 0.0)
        .collect();
    let start = chart
        .series
        .iter()
        .filter_map(|s| s.steps.first().map(|p| p.from))
        .min()?;
    if values.is_empty() {
        return None;
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(0.0, f64::max);
    let y = if min > 0.0 && max / min >= LOG_RATIO {
        YAxis::log(min, max)
    } else {
        YAxis::linear(max)
    };
    // The last day's value is drawn through that day, so even one day has some width.
    let end = chart.end.max(start) + Duration::days(1);
    let x = XAxis { start, end };

    let mut svg = String::with_capacity(4096);
    let id = escape(&chart.id);
    let _ = write!(
        svg,
        r#"<svg class="chart step-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        escape(&chart.title),
        escape(&chart.desc),
    );
    svg.push_str(r#"<g class="y-ticks">"#);
    for (value, label) in y.ticks() {
        let py = y.position(value);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{py:.1}" y2="{py:.1}"/><text class="tick" x="{}" y="{py:.1}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            escape(&label),
        );
    }
    svg.push_str("</g>");
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r#"<g class="x-ticks"><line class="axis" x1="{LEFT}" x2="{}" y1="{base}" y2="{base}"/>"#,
        WIDTH - RIGHT
    );
    for (date, label) in x.ticks() {
        let px = x.position(date);
        let _ = write!(
            svg,
            r#"<line class="axis" x1="{px:.1}" x2="{px:.1}" y1="{base}" y2="{}"/><text class="tick" x="{px:.1}" y="{}" text-anchor="middle">{}</text>"#,
            base + 5.0,
            base + 20.0,
            escape(&label),
        );
    }
    svg.push_str("</g>");
    for series in &chart.series {
        draw_series(&mut svg, series, &x, &y);
    }
    svg.push_str("</svg>");
    Some(Rendered {
        svg,
        scale: y.scale,
    })
}

fn draw_series(svg: &mut String, series: &Series, x: &XAxis, y: &YAxis) {
    let class = escape(series.class);
    let mut path = String::new();
    let mut dots = String::new();
    let mut drawing = false;
    for (i, step) in series.steps.iter().enumerate() {
        let until = series.steps.get(i + 1).map_or(x.end, |next| next.from);
        let Some(value) = step.value.filter(|v| v.is_finite() && *v >= 0.0) else {
            drawing = false;
            continue;
        };
        let (x0, x1, py) = (x.position(step.from), x.position(until), y.position(value));
        if drawing {
            let _ = write!(path, "V{py:.1}H{x1:.1}");
        } else {
            let _ = write!(path, "M{x0:.1} {py:.1}H{x1:.1}");
        }
        drawing = true;
        let _ = write!(
            dots,
            r#"<circle class="dot {class}" cx="{x0:.1}" cy="{py:.1}" r="3.5"><title>{}: {} from {}</title></circle>"#,
            escape(&series.label),
            money_label(value),
            step.from.format("%Y-%m-%d"),
        );
    }
    if !path.is_empty() {
        let _ = write!(
            svg,
            r#"<path class="series {class}" d="{path}"><title>{}</title></path>"#,
            escape(&series.label)
        );
    }
    svg.push_str(&dots);
}

struct XAxis {
    start: NaiveDate,
    end: NaiveDate,
}

impl XAxis {
    fn position(&self, date: NaiveDate) -> f64 {
        let span = (self.end - self.start).num_days().max(1) as f64;
        let offset = (date - self.start).num_days() as f64;
        LEFT + (offset / span).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
    }

    /// At most five dated ticks at a round day interval; month names once the span is long.
    fn ticks(&self) -> Vec<(NaiveDate, String)> {
        let days = (self.end - self.start).num_days().max(1);
        let last = self.end - Duration::days(1);
        if days > 180 {
            // Monthly ticks on the first of a month, every so many months.
            let every = [1, 2, 3, 6, 12]
                .into_iter()
                .find(|m| days / 30 / m <= 5)
                .unwrap_or(12);
            let mut out = Vec::new();
            let mut month = NaiveDate::from_ymd_opt(self.start.year(), self.start.month(), 1);
            while let Some(date) = month {
                if date > last {
                    break;
                }
                if date >= self.start && i64::from(date.month0()) % every == 0 {
                    out.push((date, date.format("%b %Y").to_string()));
                }
                month = date.checked_add_months(chrono::Months::new(1));
            }
            return out;
        }
        let every = [1, 2, 7, 14, 28]
            .into_iter()
            .find(|d| days / d < 5)
            .unwrap_or(28);
        let mut out = Vec::new();
        let mut date = self.start;
        while date <= last {
            out.push((date, date.format("%b %-d").to_string()));
            date += Duration::days(every);
        }
        out
    }
}

struct YAxis {
    scale: Scale,
    lo: f64,
    hi: f64,
}

impl YAxis {
    fn linear(max: f64) -> YAxis {
        let step = nice_step(if max > 0.0 { max / 4.0 } else { 0.25 });
        let hi = (max / step).ceil().max(1.0) * step;
        YAxis {
            scale: Scale::Linear,
            lo: 0.0,
            hi,
        }
    }

    fn log(min: f64, max: f64) -> YAxis {
        let lo = min.log10().floor();
        let mut hi = max.log10().ceil();
        if hi <= lo {
            hi = lo + 1.0;
        }
        YAxis {
            scale: Scale::Log,
            lo,
            hi,
        }
    }

    fn position(&self, value: f64) -> f64 {
        let t = match self.scale {
            Scale::Linear => (value - self.lo) / (self.hi - self.lo),
            Scale::Log => (value.max(1e-12).log10() - self.lo) / (self.hi - self.lo),
        };
        HEIGHT - BOTTOM - t.clamp(0.0, 1.0) * (HEIGHT - BOTTOM - TOP)
    }

    fn ticks(&self) -> Vec<(f64, String)> {
        match self.scale {
            Scale::Linear => {
                let step = nice_step((self.hi - self.lo) / 4.0);
                let count = ((self.hi - self.lo) / step).round() as i64;
                (0..=count)
                    .map(|i| {
                        let v = self.lo + i as f64 * step;
                        (v, money_label(v))
                    })
                    .collect()
            }
            Scale::Log => {
                let decades = (self.hi - self.lo) as i64;
                // With few decades, 2× and 5× marks keep the axis readable.
                let multiples: &[f64] = if decades <= 2 {
                    &[1.0, 2.0, 5.0]
                } else {
                    &[1.0]
                };
                let mut out = Vec::new();
                for d in 0..=decades {
                    let power = 10f64.powf(self.lo + d as f64);
                    for m in multiples {
                        let v = power * m;
                        if v <= 10f64.powf(self.hi) * 1.0001 {
                            out.push((v, money_label(v)));
                        }
                    }
                }
                out
            }
        }
    }
}

/// 1, 2, 2.5 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw * 0.999)
        .unwrap_or(10.0 * power)
}

/// A dollar amount for an axis or tooltip, formatted like the rest of the site.
fn money_label(value: f64) -> String {
    Decimal::from_f64(value)
        .and_then(|d| d.round_sf(6))
        .map(super::format::usd)
        .unwrap_or_else(|| format!("${value}"))
}

pub use super::chart::escape;

#[cfg(test)]
mod tests {
    use super::*;

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 7, d).unwrap()
    }

    fn chart(series: Vec<Series>, end: u32) -> StepChart {
        StepChart {
            id: "t".into(),
            title: "A <b> & c".into(),
            desc: "desc".into(),
            end: date(end),
            series,
        }
    }

    fn steps(points: &[(u32, Option<f64>)]) -> Vec<Step> {
        points
            .iter()
            .map(|(d, v)| Step {
                from: date(*d),
                value: *v,
            })
            .collect()
    }

    #[test]
    fn close_values_use_a_linear_scale_from_zero() {
        let rendered = render(&chart(
            vec![Series {
                label: "Input".into(),
                class: "input",
                steps: steps(&[(1, Some(2.0)), (11, Some(1.5))]),
            }],
            20,
        ))
        .unwrap();
        assert_eq!(rendered.scale, Scale::Linear);
        assert!(rendered.svg.contains(">$0<"), "{}", rendered.svg);
        assert!(rendered.svg.contains(">$2.00<"));
        // Escaped title, and the first step reaches from the left edge.
        assert!(rendered.svg.contains("A &lt;b&gt; &amp; c"));
        assert!(rendered.svg.contains(r#"d="M60.0 "#));
    }

    #[test]
    fn values_far_apart_use_a_log_scale() {
        let rendered = render(&chart(
            vec![
                Series {
                    label: "Input".into(),
                    class: "input",
                    steps: steps(&[(1, Some(0.1))]),
                },
                Series {
                    label: "Output".into(),
                    class: "output",
                    steps: steps(&[(1, Some(15.0))]),
                },
            ],
            3,
        ))
        .unwrap();
        assert_eq!(rendered.scale, Scale::Log);
        assert!(rendered.svg.contains(">$0.10<"));
        assert!(rendered.svg.contains(">$100.00<"));
    }

    #[test]
    fn a_gap_breaks_the_line_into_two_moves() {
        let rendered = render(&chart(
            vec![Series {
                label: "Input".into(),
                class: "input",
                steps: steps(&[(1, Some(1.0)), (5, None), (8, Some(1.0))]),
            }],
            10,
        ))
        .unwrap();
        let path = rendered
            .svg
            .split(r#" d=""#)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert_eq!(rendered.svg.matches("<circle").count(), 2);
    }

    #[test]
    fn nothing_to_draw_gives_no_chart() {
        let empty = chart(
            vec![Series {
                label: "Input".into(),
                class: "input",
                steps: steps(&[(1, None)]),
            }],
            2,
        );
        assert!(render(&empty).is_none());
    }
}
