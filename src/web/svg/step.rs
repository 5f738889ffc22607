//! A step chart drawn on the server as inline SVG: values that hold from one date until the
//! next, such as prices. No script and no style attributes: every colour and size comes
//! from classes in the stylesheet's "history chart" section, so it follows dark mode.

use std::fmt::Write;

use chrono::{Datelike, Duration, NaiveDate};

use super::{LinearScale, LogScale, escape, money_label, n};

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
        let py = n(y.position(value));
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{py}" y2="{py}"/><text class="tick" x="{}" y="{py}" text-anchor="end" dominant-baseline="middle">{}</text>"#,
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
        let px = n(x.position(date));
        let _ = write!(
            svg,
            r#"<line class="axis" x1="{px}" x2="{px}" y1="{base}" y2="{}"/><text class="tick" x="{px}" y="{}" text-anchor="middle">{}</text>"#,
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
        scale: y.scale(),
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
        let (x0, x1, py) = (
            n(x.position(step.from)),
            n(x.position(until)),
            n(y.position(value)),
        );
        if drawing {
            let _ = write!(path, "V{py}H{x1}");
        } else {
            let _ = write!(path, "M{x0} {py}H{x1}");
        }
        drawing = true;
        let _ = write!(
            dots,
            r#"<circle class="dot {class}" cx="{x0}" cy="{py}" r="3.5"><title>{}: {} from {}</title></circle>"#,
            escape(&series.label),
            money_label(value),
            crate::format::day(step.from),
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

/// The value axis: linear from zero, or log over whole decades when values are far apart.
enum YAxis {
    Linear(LinearScale),
    Log(LogScale),
}

impl YAxis {
    fn linear(max: f64) -> YAxis {
        YAxis::Linear(LinearScale::from_zero(max, HEIGHT - BOTTOM, TOP))
    }

    fn log(min: f64, max: f64) -> YAxis {
        YAxis::Log(LogScale::covering([min, max], HEIGHT - BOTTOM, TOP))
    }

    fn scale(&self) -> Scale {
        match self {
            YAxis::Linear(_) => Scale::Linear,
            YAxis::Log(_) => Scale::Log,
        }
    }

    fn position(&self, value: f64) -> f64 {
        match self {
            YAxis::Linear(s) => s.map(value),
            YAxis::Log(s) => s.map(value),
        }
    }

    fn ticks(&self) -> Vec<(f64, String)> {
        match self {
            YAxis::Linear(s) => s.ticks().into_iter().map(|v| (v, money_label(v))).collect(),
            YAxis::Log(s) => {
                let decades = s.hi - s.lo;
                // With few decades, 2× and 5× marks keep the axis readable.
                let multiples: &[f64] = if decades <= 2 {
                    &[1.0, 2.0, 5.0]
                } else {
                    &[1.0]
                };
                let top = 10f64.powi(s.hi) * 1.0001;
                (s.lo..=s.hi)
                    .flat_map(|exp| multiples.iter().map(move |m| 10f64.powi(exp) * m))
                    .filter(|v| *v <= top)
                    .map(|v| (v, money_label(v)))
                    .collect()
            }
        }
    }
}

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
        // The path starts at the left edge (x = 60); coordinates are written as the scatter
        // chart writes them, without a needless ".0".
        assert!(rendered.svg.contains(r#"d="M60 "#));
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
