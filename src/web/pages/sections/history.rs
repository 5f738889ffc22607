//! A model's price history, as a section any page can include: a step chart of its input
//! and output prices, the dated changes, and when it was first seen and last changed.
//!
//! A page puts `history: HistorySection` in its template struct (from [`history_section`])
//! and writes `{% include "partials/history.html" %}` where the section should go.

use askama::Template;
use chrono::NaiveDate;

use crate::model::price::{Component, Price, Unit};
use crate::pricing::difference::change_percent;
use crate::store::Catalogue;
use crate::store::changes::{self, ChangeKind, ComponentChange, Direction};
use crate::web::extractors::params::encode;
use crate::web::format;
use crate::web::svg::step::{self as step_chart, Scale, Series, Step, StepChart};

/// Everything the history partial shows for one model.
#[derive(Clone, Debug, Default)]
pub struct HistorySection {
    pub id: String,
    pub name: String,
    /// False when the change log knows nothing of this model.
    pub has_history: bool,
    /// First day listed, `YYYY-MM-DD`.
    pub first_seen: String,
    /// True when it was already listed on the first recorded day, so it may be older.
    pub seen_since_tracking_began: bool,
    /// The last day anything changed (price, delisted, listed again), `YYYY-MM-DD`.
    pub last_changed: Option<String>,
    /// No price change recorded: the chart shows one flat price.
    pub single_price: bool,
    /// One line saying what the single price is.
    pub single_price_text: String,
    /// Not listed on the last recorded day.
    pub delisted: bool,
    /// Server-drawn SVG (our own markup, escaped inside); empty when nothing can be drawn.
    pub chart_svg: String,
    pub log_scale: bool,
    pub legend: Vec<LegendItem>,
    /// Why there is no chart, when there is none.
    pub no_chart_reason: String,
    /// Newest first.
    pub rows: Vec<HistoryRow>,
    pub feed_url: String,
    pub changes_url: String,
}

/// One entry of the chart's legend.
#[derive(Clone, Debug)]
pub struct LegendItem {
    pub class: &'static str,
    pub label: &'static str,
}

/// One dated line of the change table.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub date: String,
    /// Link to the day's section on `/changes`.
    pub day_href: String,
    pub event: &'static str,
    pub component: String,
    pub old: String,
    pub new: String,
    pub percent: String,
    /// `cut`, `increase` or `other`, for the row's class.
    pub direction: &'static str,
    /// Moved 10x or more, or to zero: shown with a flag.
    pub large_move: bool,
}

/// Builds the history section of model `id`. An unknown id gives a section that says
/// there is no history (the model page answers 404 before it gets here).
pub fn history_section(catalogue: &Catalogue, id: &str) -> HistorySection {
    let log = catalogue.changes();
    let timeline = log.timeline(id);
    let name = catalogue
        .get(id)
        .map(|e| e.model.short_name().to_string())
        .unwrap_or_else(|| id.to_string());
    let mut section = HistorySection {
        id: id.to_string(),
        name: name.clone(),
        feed_url: feed_url(id),
        changes_url: format!("/changes?{}", encode([("model", id.to_string())])),
        ..HistorySection::default()
    };
    let (Some(first), Some(last_day)) = (timeline.first(), log.last_date()) else {
        section.no_chart_reason = "No price history has been recorded for this model yet.".into();
        return section;
    };
    section.has_history = true;
    section.first_seen = format::day(first.date);
    section.seen_since_tracking_began = log.days().first().is_some_and(|d| d.date == first.date);
    section.delisted = timeline.last().is_some_and(|p| p.pricing.is_none());

    let changes: Vec<_> = log.changes_of(id).collect();
    section.last_changed = changes.last().map(|(day, _)| format::day(day.date));
    section.single_price = !changes.iter().any(|(_, c)| c.kind == ChangeKind::Price);
    for (day, change) in changes.iter().rev() {
        let day_href = day_href(day.date);
        match change.kind {
            ChangeKind::Added | ChangeKind::Returned | ChangeKind::Removed => {
                section.rows.push(HistoryRow {
                    date: format::day(day.date),
                    day_href,
                    event: match change.kind {
                        ChangeKind::Added => "First listed",
                        ChangeKind::Returned => "Listed again",
                        _ => "Delisted",
                    },
                    component: match change.kind {
                        ChangeKind::Added | ChangeKind::Returned => timeline
                            .iter()
                            .find(|p| p.date == day.date)
                            .and_then(|p| p.pricing.as_ref())
                            .map(|pricing| {
                                format!(
                                    "Listed at {} input, {} output",
                                    format::token_price(pricing.base.prompt),
                                    format::token_price(pricing.base.completion)
                                )
                            })
                            .unwrap_or_default(),
                        _ => "No longer listed".into(),
                    },
                    old: String::new(),
                    new: String::new(),
                    percent: String::new(),
                    direction: "other",
                    large_move: false,
                })
            }
            ChangeKind::Price => {
                for component in &change.components {
                    let view = ComponentView::new(component);
                    section.rows.push(HistoryRow {
                        date: format::day(day.date),
                        day_href: day_href.clone(),
                        event: view.event,
                        component: view.label,
                        old: view.old,
                        new: view.new,
                        percent: view.percent,
                        direction: view.direction,
                        large_move: view.large_move,
                    });
                }
            }
        }
    }

    let prices = |key: &str| -> Vec<Step> {
        let mut steps: Vec<Step> = Vec::new();
        for point in timeline {
            let listed = point.pricing.is_some();
            let value = point
                .pricing
                .as_ref()
                .and_then(|pricing| pricing.base.get(key))
                .and_then(Price::usd)
                .and_then(|usd| f64::try_from(format::per_million(usd)).ok());
            // A point where another component changed is no step of this line.
            let same = steps
                .last()
                .is_some_and(|last: &Step| last.value == value && (listed || last.value.is_none()));
            if !same {
                steps.push(Step {
                    from: point.date,
                    value,
                });
            }
        }
        steps
    };
    let mut series = Vec::new();
    for (key, class, label) in [
        (Component::Prompt.key(), "input", "Input $/M"),
        (Component::Completion.key(), "output", "Output $/M"),
    ] {
        let steps = prices(key);
        if steps.iter().any(|s| s.value.is_some()) {
            section.legend.push(LegendItem { class, label });
            series.push(Series {
                label: label.to_string(),
                class,
                steps,
            });
        }
    }
    // The maker's own list price beside the routed one (issue 18), from the official history.
    let (official, official_last) = official_input_steps(catalogue, id);
    let mut end = last_day;
    if official.iter().any(|s| s.value.is_some()) {
        end = end.max(official_last.unwrap_or(end));
        section.legend.push(LegendItem {
            class: "official",
            label: "Maker's own input $/M",
        });
        series.push(Series {
            label: "Maker's own input $/M".to_string(),
            class: "official",
            steps: official,
        });
    }
    let current = timeline.iter().rev().find_map(|p| p.pricing.as_ref());
    if section.single_price {
        section.single_price_text = match current {
            Some(pricing) => format!(
                "One price since {}: {} input and {} output per million tokens.",
                section.first_seen,
                format::token_price(pricing.base.prompt),
                format::token_price(pricing.base.completion),
            ),
            None => format!("One price since {}.", section.first_seen),
        };
    }
    let chart = StepChart {
        id: format!("history-{}", slug(id)),
        title: format!("{name}: price history"),
        desc: describe(&series, &section.first_seen),
        end,
        series,
    };
    match step_chart::render(&chart) {
        Some(rendered) => {
            section.chart_svg = rendered.svg;
            section.log_scale = rendered.scale == Scale::Log;
        }
        None => {
            section.no_chart_reason = if current.is_some_and(|p| p.is_variable()) {
                "Its price is variable (set by where the router sends each request), so there is no line to draw.".into()
            } else {
                "It lists no per-token input or output price to draw.".into()
            };
        }
    }
    section
}

/// The input price of the maker's own list matched to `id`, as steps: one per stored
/// official price row, each the price in force on its day; and the last day the official
/// feed was read, through which the last step holds.
fn official_input_steps(catalogue: &Catalogue, id: &str) -> (Vec<Step>, Option<NaiveDate>) {
    let official = catalogue.official();
    let Some(maker) = official
        .report
        .for_model(id)
        .find(|m| matches!(m.seller, crate::seller::Seller::FirstParty { .. }))
    else {
        return (Vec::new(), None);
    };
    let mut steps: Vec<Step> = Vec::new();
    for row in official.history(&maker.provider_id, &maker.entry_id) {
        let date = row.as_of.date_naive();
        let value = crate::model::official::in_force(&row.prices.schedule, date)
            .and_then(|pricing| pricing.base.prompt)
            .and_then(Price::usd)
            .and_then(|usd| f64::try_from(format::per_million(usd)).ok());
        if steps.last().is_none_or(|last| last.value != value) {
            steps.push(Step { from: date, value });
        }
    }
    (steps, official.as_of().map(|t| t.date_naive()))
}

impl HistorySection {
    /// The section on its own, exactly as `{% include "partials/history.html" %}` renders
    /// it inside a page.
    pub fn render(&self) -> askama::Result<String> {
        HistoryPartial { history: self }.render()
    }
}

#[derive(Template)]
#[template(source = r#"{% include "partials/history.html" %}"#, ext = "html")]
struct HistoryPartial<'a> {
    history: &'a HistorySection,
}

/// `/feeds/models/{id}`: the model's Atom feed.
pub fn feed_url(id: &str) -> String {
    format!("/feeds/models/{id}")
}

/// The day's section on `/changes`, with a date range so the anchor is on the page
/// however old the day is.
pub fn day_href(date: NaiveDate) -> String {
    let d = format::day(date);
    format!("/changes?from={d}&to={d}#{}", changes::anchor(date))
}

/// Model ids made safe for an element id.
fn slug(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// The chart's `<desc>`: every step in words, so the chart reads without sight.
fn describe(series: &[Series], first_seen: &str) -> String {
    if series.is_empty() {
        return format!("First seen {first_seen}; no per-token price to chart.");
    }
    let mut parts = Vec::new();
    for s in series {
        let steps: Vec<String> = s
            .steps
            .iter()
            .take(12)
            .map(|step| match step.value {
                Some(v) => format!(
                    "{} from {}",
                    rust_decimal::Decimal::try_from(v)
                        .ok()
                        .and_then(|d| d.round_sf(6))
                        .map(format::usd)
                        .unwrap_or_default(),
                    format::day(step.from)
                ),
                None => format!("not listed from {}", format::day(step.from)),
            })
            .collect();
        let more = if s.steps.len() > 12 { ", …" } else { "" };
        parts.push(format!(
            "{} per million tokens: {}{more}.",
            s.label.trim_end_matches(" $/M"),
            steps.join(", ")
        ));
    }
    parts.join(" ")
}

/// One component change, worded for a table row or a feed.
pub struct ComponentView {
    pub event: &'static str,
    pub label: String,
    pub old: String,
    pub new: String,
    pub percent: String,
    pub direction: &'static str,
    pub large_move: bool,
}

impl ComponentView {
    pub fn new(change: &ComponentChange) -> ComponentView {
        let (event, direction) = match change.direction() {
            Direction::Cut => ("Price cut", "cut"),
            Direction::Increase => ("Price increase", "increase"),
            Direction::Other => ("Price change", "other"),
        };
        let (mut old, mut new) = (
            price_text(&change.key, change.old),
            price_text(&change.key, change.new),
        );
        // A move smaller than the shown precision would read "$0.60/M → $0.60/M": show
        // both prices with every digit instead, and say so.
        let below_precision = old == new && change.old != change.new;
        if below_precision {
            old = exact_price_text(&change.key, change.old);
            new = exact_price_text(&change.key, change.new);
        }
        ComponentView {
            event: match (below_precision, direction) {
                (true, "cut") => "Price cut below the shown precision",
                (true, "increase") => "Price increase below the shown precision",
                (true, _) => "Price change below the shown precision",
                (false, _) => event,
            },
            label: component_label(change),
            old,
            new,
            percent: change_percent(change)
                .map(signed_percent)
                .unwrap_or_default(),
            direction,
            large_move: change.is_large_move(),
        }
    }
}

/// "Input", "Cache read, prompts ≥ 272K tokens", or the raw key for one we do not know.
pub fn component_label(change: &ComponentChange) -> String {
    let base = Component::from_key(&change.key)
        .map_or_else(|| change.key.clone(), |c| c.label().to_string());
    match (change.min_prompt_tokens, &change.conditions) {
        (_, Some(_)) => format!("{base} (conditional price)"),
        (Some(min), None) => format!("{base}, prompts ≥ {} tokens", format::tokens_short(min)),
        (None, None) => base,
    }
}

/// A component's price with its unit: "$0.80/M", "$0.01 per request", "not charged".
pub fn price_text(key: &str, price: Option<Price>) -> String {
    let unit = Component::from_key(key).map_or(Unit::Token, Component::unit);
    match price {
        None => "not charged".into(),
        Some(Price::Variable) => "variable".into(),
        Some(price) => match unit {
            Unit::Token => format!("{}/M", format::token_price(Some(price))),
            Unit::Request => format!("{} per request", format::unit_price(Some(price))),
            Unit::Image => format!("{} per image", format::unit_price(Some(price))),
            Unit::Search => format!("{} per search", format::unit_price(Some(price))),
        },
    }
}

/// [`price_text`] with every digit the price has: "$0.599994/M".
pub fn exact_price_text(key: &str, price: Option<Price>) -> String {
    let unit = Component::from_key(key).map_or(Unit::Token, Component::unit);
    match price {
        Some(Price::Usd(v)) => match unit {
            Unit::Token => format!("${}/M", format::per_million(v).normalize()),
            Unit::Request => format!("${} per request", v.normalize()),
            Unit::Image => format!("${} per image", v.normalize()),
            Unit::Search => format!("${} per search", v.normalize()),
        },
        other => price_text(key, other),
    }
}

pub use format::signed_percent;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_carry_their_sign() {
        let d = |t: &str| t.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(signed_percent(d("-20")), "−20%");
        assert_eq!(signed_percent(d("12.5")), "+12.5%");
        assert_eq!(signed_percent(d("-0.000001")), "−<0.1%");
    }

    #[test]
    fn a_move_below_the_shown_precision_shows_every_digit() {
        // $0.60/M → $0.599994/M is −0.001 %: both round to "$0.60/M".
        let change = ComponentChange {
            key: "prompt".into(),
            min_prompt_tokens: None,
            conditions: None,
            old: Price::parse("0.0000006").ok(),
            new: Price::parse("0.000000599994").ok(),
        };
        let view = ComponentView::new(&change);
        assert_eq!(view.old, "$0.6/M");
        assert_eq!(view.new, "$0.599994/M");
        assert_eq!(view.event, "Price cut below the shown precision");
        assert_eq!(view.percent, "−<0.1%");
        // A move that shows keeps the short form.
        let visible = ComponentChange {
            new: Price::parse("0.0000005").ok(),
            ..change
        };
        let view = ComponentView::new(&visible);
        assert_eq!(
            (view.old.as_str(), view.new.as_str()),
            ("$0.60/M", "$0.50/M")
        );
        assert_eq!(view.event, "Price cut");
    }

    #[test]
    fn prices_carry_their_unit() {
        assert_eq!(
            price_text("prompt", Price::parse("0.0000008").ok()),
            "$0.80/M"
        );
        assert_eq!(
            price_text("web_search", Price::parse("0.01").ok()),
            "$0.01 per search"
        );
        assert_eq!(price_text("prompt", None), "not charged");
        assert_eq!(price_text("prompt", Some(Price::Variable)), "variable");
    }
}
