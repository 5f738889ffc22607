//! `/changes` (price cuts and increases, new and removed models, day by day), its Atom
//! feeds (`/changes.atom`, and one per model), and `/api/changes.json?date=`.
//!
//! Model feeds are served at `/feeds/models/{id}`. `/models/{id}/changes.atom` belongs to
//! the model page's wildcard route: its handler calls [`strip_feed_suffix`] on the id and,
//! on a match, returns [`model_feed`] for the id it yields.

use std::fmt::Write;

use askama::Template;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::error::{AppError, AppResult, render_html};
use super::history::{self, ComponentView, HistorySection, day_href, ymd};
use super::layout::{Layout, absolute};
use super::params::{FieldErrors, Params, clip, encode};
use super::svg::escape;
use crate::AppState;
use crate::model::author_of;
use crate::official::view::{BATCH_CONDITION, DatedChange};
use crate::store::Catalogue;
use crate::store::changes::{Change, ChangeKind, ComponentChange, Day, Direction};

/// The `source` values of changes, in the filter and in the JSON.
pub const SOURCE_OPENROUTER_KEY: &str = "openrouter";
pub const SOURCE_OFFICIAL_KEY: &str = "official";
const SOURCE_MESSAGE: &str = "Source must be openrouter or official.";

/// The kinds a reader can filter on.
pub const KINDS: &[(&str, &str)] = &[
    ("price", "price changes"),
    ("cut", "price cuts"),
    ("increase", "price increases"),
    ("added", "new models"),
    ("returned", "returned models"),
    ("removed", "removed models"),
];

/// The sources a reader can filter on: (value, label).
pub const SOURCES: &[(&str, &str)] = &[
    ("openrouter", "OpenRouter's catalogue"),
    ("official", "official list prices"),
];

/// Day sections on one page; older days are a link away.
pub const DAYS_PER_PAGE: usize = 60;

/// Entries in a feed.
pub const FEED_DAYS: usize = 50;

/// The tag URI prefix of feed and entry ids: the public host is the authority, as tag URIs
/// require a domain (`tag:tokenfare.example,2026:`).
fn tag() -> String {
    format!("tag:{},2026:", super::layout::public_host())
}

/// The `/changes` filters.
#[derive(Clone, Debug, Default)]
pub struct ChangeFilters {
    pub authors: Vec<String>,
    pub kind: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub model: String,
    /// `openrouter`, `official`, or empty for both.
    pub source: String,
}

impl ChangeFilters {
    pub fn parse(params: &Params, catalogue: &Catalogue) -> (ChangeFilters, FieldErrors) {
        let mut errors = FieldErrors::default();
        let mut authors = params.all("author");
        let known = known_authors(catalogue);
        authors.retain(|a| {
            let ok = known.contains(a);
            if !ok {
                errors.add("author", format!("No author is called “{}”.", clip(a)));
            }
            ok
        });
        let kind = match params.get("kind") {
            None | Some("all") => String::new(),
            Some(k) if KINDS.iter().any(|(key, _)| *key == k) => k.to_string(),
            Some(_) => {
                errors.add(
                    "kind",
                    "Kind must be one of price, cut, increase, added, returned or removed.",
                );
                String::new()
            }
        };
        let mut date = |field: &'static str, label: &str| {
            let text = params.get(field)?;
            match parse_ymd(text) {
                Some(d) => Some(d),
                None => {
                    errors.add(
                        field,
                        format!(
                            "{label} must be a date like 2026-08-01 (got “{}”).",
                            clip(text)
                        ),
                    );
                    None
                }
            }
        };
        let from = date("from", "From");
        let to = date("to", "To");
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.add("to", "To must not be before From.");
        }
        let source = match params.get("source") {
            None | Some("all") => String::new(),
            Some(s) if SOURCES.iter().any(|(key, _)| *key == s) => s.to_string(),
            Some(_) => {
                errors.add("source", SOURCE_MESSAGE);
                String::new()
            }
        };
        let model = params.get("model").unwrap_or_default().to_string();
        if !model.is_empty() && catalogue.get(&model).is_none() {
            errors.add("model", format!("No model has the id “{}”.", clip(&model)));
        }
        (
            ChangeFilters {
                authors,
                kind,
                from,
                to,
                model: if errors.get("model").is_some() {
                    String::new()
                } else {
                    model
                },
                source,
            },
            errors,
        )
    }

    pub fn is_filtered(&self) -> bool {
        !self.authors.is_empty()
            || !self.kind.is_empty()
            || self.from.is_some()
            || self.to.is_some()
            || !self.model.is_empty()
            || !self.source.is_empty()
    }

    /// Filters that drop changes (as opposed to days).
    fn narrows_changes(&self) -> bool {
        !self.authors.is_empty()
            || !self.kind.is_empty()
            || !self.model.is_empty()
            || !self.source.is_empty()
    }

    fn query(&self, to: Option<NaiveDate>) -> String {
        let mut pairs: Vec<(&str, String)> =
            self.authors.iter().map(|a| ("author", a.clone())).collect();
        pairs.push(("kind", self.kind.clone()));
        pairs.push(("from", self.from.map(ymd).unwrap_or_default()));
        pairs.push(("to", to.map(ymd).unwrap_or_default()));
        pairs.push(("model", self.model.clone()));
        pairs.push(("source", self.source.clone()));
        encode(pairs)
    }

    /// The part of `change` these filters keep, if any.
    pub fn apply(&self, catalogue: &Catalogue, change: &Change) -> Option<Change> {
        if self.source == SOURCE_OFFICIAL_KEY {
            return None;
        }
        if !self.model.is_empty() && change.id != self.model {
            return None;
        }
        if !self.authors.is_empty() && !self.authors.contains(&author(catalogue, &change.id)) {
            return None;
        }
        Some(match self.kind_keeps(change.kind, &change.components)? {
            Kept::All => change.clone(),
            Kept::Components(components) => Change {
                components,
                ..change.clone()
            },
        })
    }

    /// What the kind filter keeps of a change of `kind` with `components`: all of it, only
    /// the components that moved the chosen way, or (`None`) nothing.
    fn kind_keeps(&self, kind: ChangeKind, components: &[ComponentChange]) -> Option<Kept> {
        let keep_direction = |wanted: Direction| {
            let kept: Vec<ComponentChange> = components
                .iter()
                .filter(|c| c.direction() == wanted)
                .cloned()
                .collect();
            (kind == ChangeKind::Price && !kept.is_empty()).then_some(Kept::Components(kept))
        };
        let wanted = match self.kind.as_str() {
            "" => return Some(Kept::All),
            "price" => ChangeKind::Price,
            "added" => ChangeKind::Added,
            "returned" => ChangeKind::Returned,
            "removed" => ChangeKind::Removed,
            "cut" => return keep_direction(Direction::Cut),
            "increase" => return keep_direction(Direction::Increase),
            _ => return None,
        };
        (kind == wanted).then_some(Kept::All)
    }

    /// The part of an official change these filters keep, if any. An official change belongs
    /// to the models matched to its entry: the model and author filters look at those.
    pub fn apply_official(
        &self,
        catalogue: &Catalogue,
        change: &DatedChange,
    ) -> Option<DatedChange> {
        if self.source == SOURCE_OPENROUTER_KEY {
            return None;
        }
        if !self.model.is_empty() && !change.models.contains(&self.model) {
            return None;
        }
        if !self.authors.is_empty()
            && !change
                .models
                .iter()
                .any(|m| self.authors.contains(&author(catalogue, m)))
        {
            return None;
        }
        Some(match self.kind_keeps(change.kind, &change.components)? {
            Kept::All => change.clone(),
            Kept::Components(components) => DatedChange {
                components,
                ..change.clone()
            },
        })
    }

    fn in_range(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }
}

/// What a filter keeps of one change.
enum Kept {
    All,
    Components(Vec<ComponentChange>),
}

/// A strict `YYYY-MM-DD` (chrono alone would also take `2026-7-1`).
pub fn parse_ymd(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

fn author(catalogue: &Catalogue, id: &str) -> String {
    catalogue
        .get(id)
        .map_or_else(|| author_of(id), |e| e.model.author.clone())
}

/// Every author with a model in the change log or the catalogue, sorted.
fn known_authors(catalogue: &Catalogue) -> Vec<String> {
    let mut authors: Vec<String> = catalogue
        .all()
        .iter()
        .map(|e| e.model.author.clone())
        .collect();
    authors.sort();
    authors.dedup();
    authors
}

fn model_name(catalogue: &Catalogue, id: &str) -> String {
    catalogue
        .get(id)
        .map_or_else(|| id.to_string(), |e| e.model.short_name().to_string())
}

/// "7 price changes, 2 new models, 1 model back, 1 model removed"; "no changes" when empty.
pub fn summary(changes: &[Change]) -> String {
    let count = |kind| changes.iter().filter(|c| c.kind == kind).count();
    let (price, added, returned, removed) = (
        count(ChangeKind::Price),
        count(ChangeKind::Added),
        count(ChangeKind::Returned),
        count(ChangeKind::Removed),
    );
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if price > 0 {
        parts.push(plural(price, "price change", "price changes"));
    }
    if added > 0 {
        parts.push(plural(added, "new model", "new models"));
    }
    if returned > 0 {
        parts.push(plural(returned, "model returned", "models returned"));
    }
    if removed > 0 {
        parts.push(plural(removed, "model removed", "models removed"));
    }
    if parts.is_empty() {
        "no changes".into()
    } else {
        parts.join(", ")
    }
}

/// "2 official price changes, 1 new official entry"; empty when there are none.
pub fn official_summary(changes: &[DatedChange]) -> String {
    let count = |kind| changes.iter().filter(|c| c.kind == kind).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    for (kind, one, many) in [
        (
            ChangeKind::Price,
            "official price change",
            "official price changes",
        ),
        (
            ChangeKind::Added,
            "new official entry",
            "new official entries",
        ),
        (
            ChangeKind::Removed,
            "official entry removed",
            "official entries removed",
        ),
    ] {
        let n = count(kind);
        if n > 0 {
            parts.push(plural(n, one, many));
        }
    }
    parts.join(", ")
}

/// A component of an official change as a row shows it: its label says when it is the batch
/// price.
pub fn official_component(change: &crate::store::changes::ComponentChange) -> ComponentView {
    let batch = change.conditions.as_deref() == Some(BATCH_CONDITION);
    let mut view = ComponentView::new(&crate::store::changes::ComponentChange {
        conditions: None,
        ..change.clone()
    });
    if batch {
        view.label = format!("{}, batch", view.label);
    }
    view
}

/// One row of a day's official price table.
pub struct OfficialRow {
    pub seller: String,
    pub entry: String,
    pub models: Vec<ModelLink>,
    pub first: bool,
    pub span: usize,
    pub component: String,
    pub old: String,
    pub new: String,
    pub percent: String,
    pub direction: &'static str,
    pub large_move: bool,
}

/// An official entry that appeared or went away.
pub struct OfficialEntryLink {
    pub seller: String,
    pub entry: String,
    pub models: Vec<ModelLink>,
}

fn official_views(
    catalogue: &Catalogue,
    changes: &[DatedChange],
) -> (
    Vec<OfficialRow>,
    Vec<OfficialEntryLink>,
    Vec<OfficialEntryLink>,
) {
    let (mut rows, mut added, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    let links = |change: &DatedChange| -> Vec<ModelLink> {
        change
            .models
            .iter()
            .map(|id| ModelLink {
                id: id.clone(),
                name: model_name(catalogue, id),
            })
            .collect()
    };
    for change in changes {
        match change.kind {
            ChangeKind::Added | ChangeKind::Returned => added.push(OfficialEntryLink {
                seller: change.seller.clone(),
                entry: change.entry_id.clone(),
                models: links(change),
            }),
            ChangeKind::Removed => removed.push(OfficialEntryLink {
                seller: change.seller.clone(),
                entry: change.entry_id.clone(),
                models: links(change),
            }),
            ChangeKind::Price => {
                let span = change.components.len().max(1);
                if change.components.is_empty() {
                    rows.push(OfficialRow {
                        seller: change.seller.clone(),
                        entry: change.entry_id.clone(),
                        models: links(change),
                        first: true,
                        span,
                        component: if change.announced {
                            "an announced price".into()
                        } else {
                            "dated or off-peak prices".into()
                        },
                        old: String::new(),
                        new: String::new(),
                        percent: String::new(),
                        direction: "other",
                        large_move: false,
                    });
                }
                for (i, component) in change.components.iter().enumerate() {
                    let c = official_component(component);
                    rows.push(OfficialRow {
                        seller: change.seller.clone(),
                        entry: change.entry_id.clone(),
                        models: if i == 0 { links(change) } else { Vec::new() },
                        first: i == 0,
                        span,
                        component: c.label,
                        old: c.old,
                        new: c.new,
                        percent: c.percent,
                        direction: c.direction,
                        large_move: c.large_move,
                    });
                }
            }
        }
    }
    (rows, added, removed)
}

/// A model named on the page.
pub struct ModelLink {
    pub id: String,
    pub name: String,
}

/// Said beside a price that moved 10x or more, or to zero, in one step.
pub const LARGE_MOVE_NOTE: &str = "moved 10× or more: worth checking";

/// One component row of a day's price table.
pub struct PriceRow {
    pub id: String,
    pub name: String,
    /// The first row of its model, which carries the model cell spanning `span` rows.
    pub first: bool,
    pub span: usize,
    pub component: String,
    pub old: String,
    pub new: String,
    pub percent: String,
    pub direction: &'static str,
    pub large_move: bool,
}

/// One day's section.
pub struct DayView {
    pub date: String,
    pub heading: String,
    pub anchor: String,
    pub summary: String,
    pub baseline: bool,
    pub listed: usize,
    pub previous: String,
    pub price_rows: Vec<PriceRow>,
    pub added: Vec<ModelLink>,
    /// Listed again after an absence.
    pub returned: Vec<ModelLink>,
    pub removed: Vec<ModelLink>,
    /// False on a day with official changes but no OpenRouter listing taken.
    pub has_catalogue: bool,
    /// The official list prices' changes that day (genai-prices).
    pub official_summary: String,
    pub official_rows: Vec<OfficialRow>,
    pub official_added: Vec<OfficialEntryLink>,
    pub official_removed: Vec<OfficialEntryLink>,
}

fn day_view(
    catalogue: &Catalogue,
    date: NaiveDate,
    day: Option<&Day>,
    changes: &[Change],
    official: &[DatedChange],
) -> DayView {
    let (official_rows, official_added, official_removed) = official_views(catalogue, official);
    let mut view = DayView {
        date: ymd(date),
        heading: date.format("%A %-d %B %Y").to_string(),
        anchor: crate::store::changes::anchor(date),
        summary: match (changes.is_empty(), official.is_empty()) {
            (_, true) => summary(changes),
            (true, false) => official_summary(official),
            (false, false) => format!("{}; {}", summary(changes), official_summary(official)),
        },
        baseline: day.is_some_and(Day::is_baseline),
        listed: day.map_or(0, |d| d.listed),
        previous: day.and_then(|d| d.previous).map(ymd).unwrap_or_default(),
        price_rows: Vec::new(),
        added: Vec::new(),
        returned: Vec::new(),
        removed: Vec::new(),
        has_catalogue: day.is_some(),
        official_summary: official_summary(official),
        official_rows,
        official_added,
        official_removed,
    };
    for change in changes {
        let link = ModelLink {
            id: change.id.clone(),
            name: model_name(catalogue, &change.id),
        };
        match change.kind {
            ChangeKind::Added => view.added.push(link),
            ChangeKind::Returned => view.returned.push(link),
            ChangeKind::Removed => view.removed.push(link),
            ChangeKind::Price => {
                for (i, component) in change.components.iter().enumerate() {
                    let c = ComponentView::new(component);
                    view.price_rows.push(PriceRow {
                        id: link.id.clone(),
                        name: link.name.clone(),
                        first: i == 0,
                        span: change.components.len(),
                        component: c.label,
                        old: c.old,
                        new: c.new,
                        percent: c.percent,
                        direction: c.direction,
                        large_move: c.large_move,
                    });
                }
            }
        }
    }
    view
}

#[derive(Template)]
#[template(path = "changes.html")]
pub struct ChangesPage {
    pub layout: Layout,
    pub filters: ChangeFilters,
    pub errors: FieldErrors,
    pub authors: Vec<String>,
    pub kinds: &'static [(&'static str, &'static str)],
    pub sources: &'static [(&'static str, &'static str)],
    pub days: Vec<DayView>,
    /// `/changes?...` for the days before those shown, when there are more.
    pub older_href: Option<String>,
    pub model_history: Option<HistorySection>,
    pub model_feed: Option<String>,
    pub recorded_days: usize,
    /// One-click views of the latest days: (label, href, selected).
    pub recent: Vec<(&'static str, String, bool)>,
    /// What a range of days adds up to, when the reader chose one.
    pub period: Option<PeriodView>,
}

/// The recent-days views `/changes` offers.
const RECENT_VIEWS: &[(&str, i64)] = &[("Last 7 days", 7), ("Last 30 days", 30)];

/// How many of a period's largest moves its summary names.
const BIGGEST_MOVES: usize = 8;

/// A range of days summed up: counts, and the largest input and output price moves.
pub struct PeriodView {
    pub heading: String,
    pub summary: String,
    pub moves: Vec<PriceRow>,
}

/// The period summary of the shown days' changes: the counts of every kind, and the base
/// input and output moves with the largest percentage either way, largest first.
fn period_view(
    catalogue: &Catalogue,
    heading: String,
    changes: &[(NaiveDate, Change)],
) -> PeriodView {
    let all: Vec<Change> = changes.iter().map(|(_, c)| c.clone()).collect();
    let mut moves: Vec<(
        f64,
        NaiveDate,
        &Change,
        &crate::store::changes::ComponentChange,
    )> = changes
        .iter()
        .filter(|(_, c)| c.kind == ChangeKind::Price)
        .flat_map(|(date, c)| c.components.iter().map(move |comp| (*date, c, comp)))
        .filter(|(_, _, comp)| {
            comp.min_prompt_tokens.is_none()
                && comp.conditions.is_none()
                && matches!(comp.key.as_str(), "prompt" | "completion")
        })
        .filter_map(|(date, c, comp)| comp.percent().map(|p| (p, date, c, comp)))
        .collect();
    moves.sort_by(|a, b| {
        b.0.abs()
            .total_cmp(&a.0.abs())
            .then_with(|| a.2.id.cmp(&b.2.id))
            .then_with(|| b.1.cmp(&a.1))
    });
    PeriodView {
        heading,
        summary: capitalise(&summary(&all)),
        moves: moves
            .into_iter()
            .take(BIGGEST_MOVES)
            .map(|(_, date, change, comp)| {
                let c = ComponentView::new(comp);
                PriceRow {
                    id: change.id.clone(),
                    name: model_name(catalogue, &change.id),
                    first: true,
                    span: 1,
                    component: format!("{} · {}", c.label, ymd(date)),
                    old: c.old,
                    new: c.new,
                    percent: c.percent,
                    direction: c.direction,
                    large_move: c.large_move,
                }
            })
            .collect(),
    }
}

impl ChangesPage {
    pub fn author_selected(&self, author: &str) -> bool {
        self.filters.authors.iter().any(|a| a == author)
    }

    pub fn date_value(date: Option<NaiveDate>) -> String {
        date.map(ymd).unwrap_or_default()
    }
}

/// `GET /changes`.
pub async fn page(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (filters, errors) = ChangeFilters::parse(&params, &catalogue);
    let log = catalogue.changes();
    let mut days = Vec::new();
    let mut older_href = None;
    let mut period_changes: Vec<(NaiveDate, Change)> = Vec::new();
    // The official list prices' changes, by day; their days join the catalogue's.
    let mut official = official_by_date(&catalogue, &filters);
    let mut dates: Vec<NaiveDate> = log
        .days()
        .iter()
        .map(|d| d.date)
        .chain(official.keys().copied())
        .filter(|d| filters.in_range(*d))
        .collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    dates.dedup();
    for date in dates {
        let day = log.day(date);
        let changes: Vec<Change> = day
            .map(|day| {
                day.changes
                    .iter()
                    .filter_map(|c| filters.apply(&catalogue, c))
                    .collect()
            })
            .unwrap_or_default();
        let official_changes = official.remove(&date).unwrap_or_default();
        if changes.is_empty() && official_changes.is_empty() && filters.narrows_changes() {
            continue;
        }
        if days.len() == DAYS_PER_PAGE {
            // This day is the first one left out: the older page ends with it.
            older_href = Some(format!("/changes?{}", filters.query(Some(date))));
            break;
        }
        days.push(day_view(&catalogue, date, day, &changes, &official_changes));
        if day.is_some_and(|d| !d.is_baseline()) {
            period_changes.extend(changes.into_iter().map(|c| (date, c)));
        }
    }
    let last = log.last_date();
    let recent = last
        .map(|last| {
            RECENT_VIEWS
                .iter()
                .map(|(label, n)| {
                    let from = last - Duration::days(n - 1);
                    let view = ChangeFilters {
                        from: Some(from),
                        to: None,
                        ..filters.clone()
                    };
                    let selected =
                        filters.from == Some(from) && filters.to.is_none_or(|t| t >= last);
                    (*label, format!("/changes?{}", view.query(None)), selected)
                })
                .collect()
        })
        .unwrap_or_default();
    // A chosen range is summed up; the unfiltered page is the day-by-day log.
    let period = (filters.from.is_some() && errors.is_empty() && older_href.is_none()).then(|| {
        let first = days.last().map(|d| d.date.clone()).unwrap_or_default();
        let end = days.first().map(|d| d.date.clone()).unwrap_or_default();
        period_view(
            &catalogue,
            if days.len() > 1 {
                format!("{first} to {end}: {} days with data", days.len())
            } else {
                end.to_string()
            },
            &period_changes,
        )
    });
    let model_history =
        (!filters.model.is_empty()).then(|| history::history_section(&catalogue, &filters.model));
    let model_feed = model_history.as_ref().map(|h| h.feed_url.clone());
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = match &model_history {
        Some(h) => format!("Price changes: {}", h.name),
        None => "LLM price changes, day by day".to_string(),
    };
    let description = match &model_history {
        Some(h) => format!(
            "Every recorded price change of {} on OpenRouter, day by day, with a chart and a feed.",
            h.name
        ),
        None => "LLM API price cuts and increases, new, returned and removed models on \
                 OpenRouter, day by day, with feeds."
            .to_string(),
    };
    let canonical = match filters.query(filters.to) {
        q if q.is_empty() => "/changes".to_string(),
        q => format!("/changes?{q}"),
    };
    let page = ChangesPage {
        layout: Layout::new(&catalogue, title, "/changes")
            .describe(description)
            .canonical(canonical),
        authors: known_authors(&catalogue),
        kinds: KINDS,
        sources: SOURCES,
        days,
        older_href,
        model_history,
        model_feed,
        recorded_days: log.days().len(),
        recent,
        period,
        filters,
        errors,
    };
    render_html(&page, status)
}

/// The official changes the filters keep, by day.
fn official_by_date(
    catalogue: &Catalogue,
    filters: &ChangeFilters,
) -> std::collections::BTreeMap<NaiveDate, Vec<DatedChange>> {
    let mut by_date: std::collections::BTreeMap<NaiveDate, Vec<DatedChange>> =
        std::collections::BTreeMap::new();
    for change in catalogue.official().dated_changes() {
        if let Some(kept) = filters.apply_official(catalogue, change) {
            by_date.entry(change.date).or_default().push(kept);
        }
    }
    by_date
}

/// `GET /changes.atom`: one entry per day with changes, newest first.
pub async fn feed(State(state): State<AppState>) -> Response {
    let catalogue = state.catalogue();
    let tag = tag();
    let log = catalogue.changes();
    let mut official: std::collections::BTreeMap<NaiveDate, Vec<DatedChange>> =
        std::collections::BTreeMap::new();
    for change in catalogue.official().dated_changes() {
        official
            .entry(change.date)
            .or_default()
            .push(change.clone());
    }
    let entries = feed_entries(
        log.days()
            .iter()
            .filter(|d| !d.changes.is_empty())
            .map(|d| (d, d.changes.clone()))
            .collect(),
        official,
    );
    atom_response(&AtomFeed {
        id: format!("{tag}changes"),
        title: "tokenfare: LLM price changes".into(),
        subtitle: "Price cuts and increases, new and removed models on OpenRouter, and changes \
                   of the makers' and clouds' own list prices, day by day."
            .into(),
        self_href: "/changes.atom".into(),
        alternate_href: "/changes".into(),
        entry_id_prefix: format!("{tag}changes/"),
        catalogue: &catalogue,
        entries,
        entry_href: day_href,
    })
}

/// `GET /feeds/models/{*id}`: the Atom feed of one model's changes. Also what the model
/// page's handler returns for `/models/{id}/changes.atom` (see [`strip_feed_suffix`]).
pub async fn model_feed(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let catalogue = state.catalogue();
    let id = if catalogue.get(&id).is_none() {
        strip_feed_suffix(&id).unwrap_or(&id).to_string()
    } else {
        id
    };
    if catalogue.get(&id).is_none() {
        return AppError::not_found(format!("No model has the id “{}”.", clip(&id)))
            .into_response();
    }
    let mut official: std::collections::BTreeMap<NaiveDate, Vec<DatedChange>> =
        std::collections::BTreeMap::new();
    for change in catalogue
        .official()
        .dated_changes()
        .iter()
        .filter(|c| c.models.contains(&id))
    {
        official
            .entry(change.date)
            .or_default()
            .push(change.clone());
    }
    let entries = feed_entries(
        catalogue
            .changes()
            .changes_of(&id)
            .map(|(day, change)| (day, vec![change.clone()]))
            .collect(),
        official,
    );
    let name = model_name(&catalogue, &id);
    let encoded_id = tag_escape(&id);
    let tag = tag();
    let model_query = encode([("model", id.clone())]);
    atom_response(&AtomFeed {
        id: format!("{tag}models/{encoded_id}/changes"),
        title: format!("tokenfare: price changes of {name}"),
        subtitle: format!(
            "Price changes and listing changes of {id} on OpenRouter, and of its makers' and \
             clouds' own list prices."
        ),
        self_href: history::feed_url(&id),
        alternate_href: format!("/models/{id}"),
        entry_id_prefix: format!("{tag}models/{encoded_id}/changes/"),
        catalogue: &catalogue,
        entries,
        entry_href: |date| {
            let d = ymd(date);
            format!(
                "/changes?{model_query}&from={d}&to={d}#{}",
                crate::store::changes::anchor(date)
            )
        },
    })
}

/// `openai/gpt-4o/changes.atom` -> `openai/gpt-4o`: for the model page's wildcard route,
/// so `/models/{id}/changes.atom` serves [`model_feed`]. `None` for any other path.
pub fn strip_feed_suffix(path: &str) -> Option<&str> {
    path.strip_suffix("/changes.atom")
        .filter(|id| !id.is_empty())
}

struct AtomFeed<'a, F: Fn(NaiveDate) -> String> {
    id: String,
    title: String,
    subtitle: String,
    self_href: String,
    alternate_href: String,
    entry_id_prefix: String,
    catalogue: &'a Catalogue,
    entries: Vec<FeedEntry<'a>>,
    entry_href: F,
}

/// One day of a feed: the catalogue's changes (when a listing was taken that day) and the
/// official list prices' changes.
struct FeedEntry<'a> {
    date: NaiveDate,
    as_of: DateTime<Utc>,
    day: Option<&'a Day>,
    changes: Vec<Change>,
    official: Vec<DatedChange>,
}

/// The newest [`FEED_DAYS`] days of either source, newest first. `catalogue` is oldest first.
fn feed_entries<'a>(
    catalogue: Vec<(&'a Day, Vec<Change>)>,
    mut official: std::collections::BTreeMap<NaiveDate, Vec<DatedChange>>,
) -> Vec<FeedEntry<'a>> {
    let mut entries: Vec<FeedEntry<'a>> = catalogue
        .into_iter()
        .map(|(day, changes)| FeedEntry {
            date: day.date,
            as_of: day.as_of,
            day: Some(day),
            changes,
            official: official.remove(&day.date).unwrap_or_default(),
        })
        .collect();
    entries.extend(official.into_iter().map(|(date, official)| {
        FeedEntry {
            date,
            as_of: official
                .iter()
                .map(|c| c.as_of)
                .max()
                .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
            day: None,
            changes: Vec::new(),
            official,
        }
    }));
    entries.sort_by_key(|e| std::cmp::Reverse(e.date));
    entries.truncate(FEED_DAYS);
    entries
}

impl FeedEntry<'_> {
    fn summary(&self) -> String {
        match (self.changes.is_empty(), self.official.is_empty()) {
            (_, true) => summary(&self.changes),
            (true, false) => official_summary(&self.official),
            (false, false) => format!(
                "{}; {}",
                summary(&self.changes),
                official_summary(&self.official)
            ),
        }
    }
}

fn atom_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Percent-encodes what a tag URI's specific part may not hold.
fn tag_escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn atom_response<F: Fn(NaiveDate) -> String>(feed: &AtomFeed<'_, F>) -> Response {
    let updated = feed
        .entries
        .iter()
        .map(|e| e.as_of)
        .max()
        .or_else(|| feed.catalogue.changes().days().last().map(|d| d.as_of))
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let mut xml = String::with_capacity(8192);
    xml.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    xml.push('\n');
    let _ = write!(
        xml,
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><id>{}</id><title>{}</title><subtitle>{}</subtitle><updated>{}</updated><author><name>tokenfare</name></author><generator>tokenfare</generator><link rel="self" type="application/atom+xml" href="{}"/><link rel="alternate" type="text/html" href="{}"/>"#,
        escape(&feed.id),
        escape(&feed.title),
        escape(&feed.subtitle),
        atom_time(updated),
        escape(&absolute(&feed.self_href)),
        escape(&absolute(&feed.alternate_href)),
    );
    for entry in &feed.entries {
        let date = ymd(entry.date);
        let _ = write!(
            xml,
            r#"<entry><id>{}{date}</id><title>{date}: {}</title><updated>{}</updated><link rel="alternate" type="text/html" href="{}"/>"#,
            escape(&feed.entry_id_prefix),
            escape(&entry.summary()),
            atom_time(entry.as_of),
            escape(&absolute(&(feed.entry_href)(entry.date))),
        );
        let mut ids: Vec<&str> = entry
            .changes
            .iter()
            .map(|c| c.id.as_str())
            .chain(
                entry
                    .official
                    .iter()
                    .flat_map(|c| c.models.iter().map(String::as_str)),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let _ = write!(
                xml,
                r#"<link rel="related" type="text/html" href="{}" title="{}"/>"#,
                escape(&absolute(&format!("/models/{id}"))),
                escape(id),
            );
        }
        let _ = write!(
            xml,
            r#"<summary type="text">{}</summary><content type="html">{}</content></entry>"#,
            escape(&text_summary(feed.catalogue, entry)),
            escape(&html_content(feed.catalogue, entry)),
        );
    }
    xml.push_str("</feed>\n");
    (
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        xml,
    )
        .into_response()
}

fn compared_with(day: Option<&Day>) -> String {
    let Some(day) = day else {
        return "nothing on OpenRouter (no listing was taken that day)".into();
    };
    match day.previous {
        Some(previous) if previous + Duration::days(1) == day.date => "the day before".into(),
        Some(previous) => format!("{} (the last day with data)", ymd(previous)),
        None => "nothing (the first day on record)".into(),
    }
}

fn text_summary(catalogue: &Catalogue, entry: &FeedEntry<'_>) -> String {
    let names: Vec<String> = entry
        .changes
        .iter()
        .map(|c| model_name(catalogue, &c.id))
        .chain(
            entry
                .official
                .iter()
                .map(|c| format!("{} {} (official)", c.seller, c.entry_id)),
        )
        .collect();
    let more = if names.len() > 10 { ", …" } else { "" };
    format!(
        "{} on {} compared with {}: {}{more}.",
        capitalise(&entry.summary()),
        ymd(entry.date),
        compared_with(entry.day),
        names[..names.len().min(10)].join(", ")
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The entry's content: the day's changes as an HTML list (escaped once more by the caller
/// for `type="html"`).
fn html_content(catalogue: &Catalogue, entry: &FeedEntry<'_>) -> String {
    let mut html = format!(
        "<p>Compared with {}.</p><ul>",
        escape(&compared_with(entry.day))
    );
    for change in &entry.changes {
        let link = format!(
            r#"<a href="{}">{}</a> <code>{}</code>"#,
            escape(&absolute(&format!("/models/{}", change.id))),
            escape(&model_name(catalogue, &change.id)),
            escape(&change.id)
        );
        match change.kind {
            ChangeKind::Added => {
                let _ = write!(html, "<li>New: {link}</li>");
            }
            ChangeKind::Returned => {
                let _ = write!(html, "<li>Returned: {link}</li>");
            }
            ChangeKind::Removed => {
                let _ = write!(html, "<li>Removed: {link}</li>");
            }
            ChangeKind::Price => {
                let parts: Vec<String> = change
                    .components
                    .iter()
                    .map(|c| {
                        let v = ComponentView::new(c);
                        let pct = if v.percent.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", v.percent)
                        };
                        let pct = if v.large_move {
                            format!("{pct} [{LARGE_MOVE_NOTE}]")
                        } else {
                            pct
                        };
                        escape(&format!("{}: {} → {}{pct}", v.label, v.old, v.new))
                    })
                    .collect();
                let _ = write!(html, "<li>{link}: {}</li>", parts.join("; "));
            }
        }
    }
    html.push_str("</ul>");
    if !entry.official.is_empty() {
        html.push_str(
            "<p>Official list prices (the makers' and clouds' own, from genai-prices):</p><ul>",
        );
        for change in &entry.official {
            let models: Vec<String> = change
                .models
                .iter()
                .map(|id| {
                    format!(
                        r#" <a href="{}">{}</a>"#,
                        escape(&absolute(&format!("/models/{id}"))),
                        escape(&model_name(catalogue, id))
                    )
                })
                .collect();
            let what = match change.kind {
                ChangeKind::Added | ChangeKind::Returned => "new entry".to_string(),
                ChangeKind::Removed => "entry removed".to_string(),
                ChangeKind::Price if change.components.is_empty() => {
                    "dated or announced prices changed".to_string()
                }
                ChangeKind::Price => change
                    .components
                    .iter()
                    .map(|c| {
                        let v = official_component(c);
                        let pct = if v.percent.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", v.percent)
                        };
                        format!("{}: {} → {}{pct}", v.label, v.old, v.new)
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            let _ = write!(
                html,
                "<li>Official, {} <code>{}</code>{}: {}</li>",
                escape(&change.seller),
                escape(&change.entry_id),
                models.join(","),
                escape(&what)
            );
        }
        html.push_str("</ul>");
    }
    html
}

/// `GET /api/changes.json?date=YYYY-MM-DD`: that day's changes as data. A day without a
/// successful ingest is 404; a recorded day without changes is an empty list; the first
/// recorded day is the baseline (`"baseline": true`, no changes).
pub async fn api(State(state): State<AppState>, RawQuery(query): RawQuery) -> AppResult<Response> {
    let params = Params::parse(query.as_deref());
    let Some(text) = params.get("date") else {
        return Err(AppError::invalid(
            "date",
            "The date is required, as YYYY-MM-DD.",
        ));
    };
    let Some(date) = parse_ymd(text) else {
        return Err(AppError::invalid(
            "date",
            format!("The date must be YYYY-MM-DD (got “{}”).", clip(text)),
        ));
    };
    // `source` keeps one source's changes, as on the page; absent or `all` keeps both.
    let source = params.get("source").unwrap_or("all");
    if source != "all" && !SOURCES.iter().any(|(key, _)| *key == source) {
        return Err(AppError::invalid("source", SOURCE_MESSAGE));
    }
    let catalogue = state.catalogue();
    let day = catalogue.changes().day(date);
    let official = catalogue.official();
    if day.is_none() && !official.recorded_on(date) {
        return Err(AppError::not_found(format!(
            "No successful ingest is recorded for {}.",
            ymd(date)
        )));
    }
    let mut changes: Vec<serde_json::Value> = day
        .filter(|_| source != SOURCE_OFFICIAL_KEY)
        .map(|d| d.changes.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let components: Vec<serde_json::Value> = c
                .components
                .iter()
                .map(|comp| {
                    let mut value = component_json(comp);
                    if let Some(conditions) = &comp.conditions {
                        value["conditions"] = conditions.clone().into();
                    }
                    value
                })
                .collect();
            serde_json::json!({
                "source": SOURCE_OPENROUTER_KEY,
                "id": c.id,
                "kind": c.kind.as_str(),
                "components": components,
            })
        })
        .collect();
    changes.extend(
        official
            .dated_changes()
            .iter()
            .filter(|c| c.date == date && source != SOURCE_OPENROUTER_KEY)
            .map(official_json),
    );
    Ok(Json(serde_json::json!({
        "date": ymd(date),
        "as_of": day.map(|d| atom_time(d.as_of)),
        "previous_date": day.and_then(|d| d.previous).map(ymd),
        "baseline": day.is_some_and(Day::is_baseline),
        "listed": day.map(|d| d.listed),
        "changes": changes,
    }))
    .into_response())
}

/// One moved component as data, for both sources: its key, old and new price per unit as
/// exact decimal strings, and its long-context tier. Each source adds how it marks conditions.
fn component_json(comp: &ComponentChange) -> serde_json::Value {
    let mut value = serde_json::json!({
        "name": comp.key,
        "old": comp.old.map(|p| p.to_string()),
        "new": comp.new.map(|p| p.to_string()),
    });
    if let Some(min) = comp.min_prompt_tokens {
        value["min_prompt_tokens"] = min.into();
    }
    value
}

/// One official change as data: the feed's provider and entry, the seller, the models matched
/// to it, and each moved component per unit as an exact decimal string (`batch` marks the
/// batch price).
fn official_json(change: &DatedChange) -> serde_json::Value {
    let components: Vec<serde_json::Value> = change
        .components
        .iter()
        .map(|comp| {
            let mut value = component_json(comp);
            if comp.conditions.as_deref() == Some(BATCH_CONDITION) {
                value["batch"] = true.into();
            }
            value
        })
        .collect();
    serde_json::json!({
        "source": SOURCE_OFFICIAL_KEY,
        "provider": change.provider_id,
        "entry": change.entry_id,
        "seller": change.seller,
        "models": change.models,
        "kind": change.kind.as_str(),
        "as_of": atom_time(change.as_of),
        "announced_price_changed": change.announced,
        "components": components,
    })
}
