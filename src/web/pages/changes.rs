//! `/changes`: each day's section, built once for both sources of changes (each source says
//! only how its changes are named and worded), and the period summary. The Atom feeds word
//! their entries with the same summaries ([`crate::web::exports::atom`]).

use askama::Template;
use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};

use super::sections::history::{self, ComponentView, HistorySection};
use super::{Page, impl_page};
use crate::pricing::difference::biggest_moves;
use crate::store::Catalogue;
use crate::store::changes::filter::{ChangeFilter, FilteredDay, filtered_days};
use crate::store::changes::{Change, ChangeKind, ComponentChange, Day};
use crate::store::official::view::{BATCH_CONDITION, DatedChange};
use crate::web::extractors::changes::{ChangesQuery, known_authors};
use crate::web::extractors::form::FieldErrors;
use crate::web::format;
use crate::web::layout::Layout;

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

/// Said beside a price that moved 10x or more, or to zero, in one step.
pub const LARGE_MOVE_NOTE: &str = "moved 10× or more: worth checking";

/// The recent-days views `/changes` offers.
const RECENT_VIEWS: &[(&str, i64)] = &[("Last 7 days", 7), ("Last 30 days", 30)];

/// How many of a period's largest moves its summary names.
const BIGGEST_MOVES: usize = 8;

pub fn model_name(catalogue: &Catalogue, id: &str) -> String {
    catalogue
        .get(id)
        .map_or_else(|| id.to_string(), |e| e.model.short_name().to_string())
}

/// "7 price changes, 2 new models": the count of each kind in `kinds` that occurs, worded by
/// `labels` (kind, one, many); kinds without a label are not counted.
fn counted(kinds: &[ChangeKind], labels: &[(ChangeKind, &str, &str)]) -> String {
    labels
        .iter()
        .filter_map(|(kind, one, many)| {
            let n = kinds.iter().filter(|k| *k == kind).count();
            (n > 0).then(|| format!("{n} {}", if n == 1 { one } else { many }))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "7 price changes, 2 new models, 1 model returned, 1 model removed"; "no changes" when empty.
pub fn summary(changes: &[Change]) -> String {
    let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
    let text = counted(
        &kinds,
        &[
            (ChangeKind::Price, "price change", "price changes"),
            (ChangeKind::Added, "new model", "new models"),
            (ChangeKind::Returned, "model returned", "models returned"),
            (ChangeKind::Removed, "model removed", "models removed"),
        ],
    );
    if text.is_empty() {
        "no changes".into()
    } else {
        text
    }
}

/// "2 official price changes, 1 new official entry"; empty when there are none.
pub fn official_summary(changes: &[DatedChange]) -> String {
    let kinds: Vec<ChangeKind> = changes.iter().map(|c| c.kind).collect();
    counted(
        &kinds,
        &[
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
        ],
    )
}

/// One day's summary over both sources: the catalogue's, then the official lists' when any.
pub fn day_summary(changes: &[Change], official: &[DatedChange]) -> String {
    match (changes.is_empty(), official.is_empty()) {
        (_, true) => summary(changes),
        (true, false) => official_summary(official),
        (false, false) => format!("{}; {}", summary(changes), official_summary(official)),
    }
}

/// A component of an official change as a row shows it: its label says when it is the batch
/// price.
pub fn official_component(change: &ComponentChange) -> ComponentView {
    let batch = change.conditions.as_deref() == Some(BATCH_CONDITION);
    let mut view = ComponentView::new(&ComponentChange {
        conditions: None,
        ..change.clone()
    });
    if batch {
        view.label = format!("{}, batch", view.label);
    }
    view
}

/// A model named on the page.
#[derive(Clone, Debug)]
pub struct ModelLink {
    pub id: String,
    pub name: String,
}

impl ModelLink {
    pub fn new(catalogue: &Catalogue, id: &str) -> ModelLink {
        ModelLink {
            id: id.to_string(),
            name: model_name(catalogue, id),
        }
    }
}

/// An official entry: who sells at its prices, its id, and the models matched to it.
#[derive(Clone, Debug)]
pub struct OfficialEntryLink {
    pub seller: String,
    pub entry: String,
    pub models: Vec<ModelLink>,
}

/// One moved component as a row of a price table, for either source. `subject` is what the
/// row is about (a model, an official entry); the first row of a change carries its cell,
/// spanning `span` rows.
pub struct MoveRow<S> {
    pub subject: S,
    pub first: bool,
    pub span: usize,
    pub component: String,
    pub old: String,
    pub new: String,
    pub percent: String,
    pub direction: &'static str,
    pub large_move: bool,
}

impl<S> MoveRow<S> {
    fn new(subject: S, view: ComponentView, first: bool, span: usize) -> MoveRow<S> {
        MoveRow {
            subject,
            first,
            span,
            component: view.label,
            old: view.old,
            new: view.new,
            percent: view.percent,
            direction: view.direction,
            large_move: view.large_move,
        }
    }

    /// A row that names what changed without prices to show.
    fn note(subject: S, text: String) -> MoveRow<S> {
        MoveRow {
            subject,
            first: true,
            span: 1,
            component: text,
            old: String::new(),
            new: String::new(),
            percent: String::new(),
            direction: "other",
            large_move: false,
        }
    }
}

/// What a day's section needs to know of one source's changes; the rest is shared.
trait SourceChange {
    /// What a row or a list item is about.
    type Subject: Clone;
    /// The kind as the section files it.
    fn kind(&self) -> ChangeKind;
    fn components(&self) -> &[ComponentChange];
    fn subject(&self, catalogue: &Catalogue) -> Self::Subject;
    /// One component as its row shows it.
    fn view(component: &ComponentChange) -> ComponentView;
    /// The row of a price change without components; `None` for no row.
    fn note(&self) -> Option<String>;
}

impl SourceChange for Change {
    type Subject = ModelLink;
    fn kind(&self) -> ChangeKind {
        self.kind
    }
    fn components(&self) -> &[ComponentChange] {
        &self.components
    }
    fn subject(&self, catalogue: &Catalogue) -> ModelLink {
        ModelLink::new(catalogue, &self.id)
    }
    fn view(component: &ComponentChange) -> ComponentView {
        ComponentView::new(component)
    }
    fn note(&self) -> Option<String> {
        None
    }
}

impl SourceChange for DatedChange {
    type Subject = OfficialEntryLink;
    /// An official entry back after an absence is listed with the new ones.
    fn kind(&self) -> ChangeKind {
        match self.kind {
            ChangeKind::Returned => ChangeKind::Added,
            kind => kind,
        }
    }
    fn components(&self) -> &[ComponentChange] {
        &self.components
    }
    fn subject(&self, catalogue: &Catalogue) -> OfficialEntryLink {
        OfficialEntryLink {
            seller: self.seller.clone(),
            entry: self.entry_id.clone(),
            models: self
                .models
                .iter()
                .map(|id| ModelLink::new(catalogue, id))
                .collect(),
        }
    }
    fn view(component: &ComponentChange) -> ComponentView {
        official_component(component)
    }
    /// Only dated, announced or off-peak prices moved: today's did not.
    fn note(&self) -> Option<String> {
        Some(if self.announced {
            "an announced price".into()
        } else {
            "dated or off-peak prices".into()
        })
    }
}

/// One source's changes of one day: the price table and the lists.
pub struct SourceSection<S> {
    pub rows: Vec<MoveRow<S>>,
    pub added: Vec<S>,
    /// Listed again after an absence.
    pub returned: Vec<S>,
    pub removed: Vec<S>,
}

impl<S> SourceSection<S> {
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
            && self.added.is_empty()
            && self.returned.is_empty()
            && self.removed.is_empty()
    }
}

fn source_section<C: SourceChange>(
    catalogue: &Catalogue,
    changes: &[C],
) -> SourceSection<C::Subject> {
    let mut section = SourceSection {
        rows: Vec::new(),
        added: Vec::new(),
        returned: Vec::new(),
        removed: Vec::new(),
    };
    for change in changes {
        let subject = change.subject(catalogue);
        match change.kind() {
            ChangeKind::Added => section.added.push(subject),
            ChangeKind::Returned => section.returned.push(subject),
            ChangeKind::Removed => section.removed.push(subject),
            ChangeKind::Price => {
                let components = change.components();
                if components.is_empty() {
                    section
                        .rows
                        .extend(change.note().map(|n| MoveRow::note(subject, n)));
                    continue;
                }
                for (i, component) in components.iter().enumerate() {
                    let view = C::view(component);
                    section.rows.push(MoveRow::new(
                        subject.clone(),
                        view,
                        i == 0,
                        components.len(),
                    ));
                }
            }
        }
    }
    section
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
    /// OpenRouter's catalogue.
    pub routed: SourceSection<ModelLink>,
    /// False on a day with official changes but no OpenRouter listing taken.
    pub has_catalogue: bool,
    /// The official list prices' changes that day (genai-prices).
    pub official: SourceSection<OfficialEntryLink>,
}

fn day_view(catalogue: &Catalogue, filtered: &FilteredDay<'_>) -> DayView {
    let (date, day) = (filtered.date, filtered.day);
    DayView {
        date: format::day(date),
        heading: date.format("%A %-d %B %Y").to_string(),
        anchor: crate::store::changes::anchor(date),
        summary: day_summary(&filtered.changes, &filtered.official),
        baseline: day.is_some_and(Day::is_baseline),
        listed: day.map_or(0, |d| d.listed),
        previous: day
            .and_then(|d| d.previous)
            .map(format::day)
            .unwrap_or_default(),
        routed: source_section(catalogue, &filtered.changes),
        has_catalogue: day.is_some(),
        official: source_section(catalogue, &filtered.official),
    }
}

/// A range of days summed up: counts, and the largest input and output price moves.
pub struct PeriodView {
    pub heading: String,
    pub summary: String,
    pub moves: Vec<MoveRow<ModelLink>>,
}

/// The period summary of the shown days' changes: the counts of every kind, and the base
/// input and output moves with the largest percentage either way, largest first.
fn period_view(
    catalogue: &Catalogue,
    heading: String,
    changes: &[(NaiveDate, Change)],
) -> PeriodView {
    let all: Vec<Change> = changes.iter().map(|(_, c)| c.clone()).collect();
    PeriodView {
        heading,
        summary: format::capitalise(&summary(&all)),
        moves: biggest_moves(changes, BIGGEST_MOVES)
            .into_iter()
            .map(|(date, change, comp)| {
                let mut row = MoveRow::new(
                    ModelLink::new(catalogue, &change.id),
                    ComponentView::new(comp),
                    true,
                    1,
                );
                row.component = format!("{} · {}", row.component, format::day(date));
                row
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "changes.html")]
pub struct ChangesPage {
    pub layout: Layout,
    pub filters: ChangesQuery,
    pub errors: FieldErrors,
    pub authors: Vec<String>,
    pub kinds: &'static [(&'static str, &'static str)],
    pub sources: &'static [(&'static str, &'static str)],
    pub days: Vec<DayView>,
    /// `/changes?...` for the days before those shown, when there are more.
    pub older_href: Option<String>,
    pub model_history: Option<HistorySection>,
    pub model_feed: Option<String>,
    /// `/changes.atom` under the page's filters: the feed of what the reader is looking at.
    pub feed_href: String,
    pub recorded_days: usize,
    /// One-click views of the latest days: (label, href, selected).
    pub recent: Vec<(&'static str, String, bool)>,
    /// What a range of days adds up to, when the reader chose one.
    pub period: Option<PeriodView>,
}

impl ChangesPage {
    pub fn author_selected(&self, author: &str) -> bool {
        self.filters.authors.iter().any(|a| a == author)
    }

    /// The model field's text: the id read, or what was typed when it named no one model.
    pub fn model_value(&self) -> &str {
        match &self.filters.model_typed {
            Some(typed) if self.filters.model.is_empty() => typed,
            _ => &self.filters.model,
        }
    }

    /// These filters with the model `id` the reader picked.
    pub fn model_href(&self, id: &str) -> String {
        ChangesQuery::from(ChangeFilter {
            model: id.to_string(),
            ..self.filters.filter.clone()
        })
        .href()
    }

    pub fn date_value(date: Option<NaiveDate>) -> String {
        date.map(format::day).unwrap_or_default()
    }

    /// The page for `filters`: the newest [`DAYS_PER_PAGE`] days they leave, the link to older
    /// ones, the recent-days views, and a period summary when the reader chose a range.
    pub fn build(catalogue: &Catalogue, filters: ChangesQuery, errors: FieldErrors) -> ChangesPage {
        let log = catalogue.changes();
        let mut days = Vec::new();
        let mut older_href = None;
        let mut period_changes: Vec<(NaiveDate, Change)> = Vec::new();
        for filtered in filtered_days(catalogue, log, &filters) {
            if days.len() == DAYS_PER_PAGE {
                // This day is the first one left out: the older page ends with it.
                older_href = Some(filters.with_range(filters.from, Some(filtered.date)).href());
                break;
            }
            days.push(day_view(catalogue, &filtered));
            if filtered.day.is_some_and(|d| !d.is_baseline()) {
                let date = filtered.date;
                period_changes.extend(filtered.changes.into_iter().map(|c| (date, c)));
            }
        }
        let recent = log
            .last_date()
            .map(|last| {
                RECENT_VIEWS
                    .iter()
                    .map(|(label, n)| {
                        let from = last - Duration::days(n - 1);
                        let selected =
                            filters.from == Some(from) && filters.to.is_none_or(|t| t >= last);
                        (
                            *label,
                            filters.with_range(Some(from), None).href(),
                            selected,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        // A chosen range is summed up; the unfiltered page is the day-by-day log.
        let period =
            (filters.from.is_some() && errors.is_empty() && older_href.is_none()).then(|| {
                let first = days.last().map(|d| d.date.clone()).unwrap_or_default();
                let end = days.first().map(|d| d.date.clone()).unwrap_or_default();
                period_view(
                    catalogue,
                    if days.len() > 1 {
                        format!("{first} to {end}: {} days with data", days.len())
                    } else {
                        end.to_string()
                    },
                    &period_changes,
                )
            });
        let model_history = (!filters.model.is_empty())
            .then(|| history::history_section(catalogue, &filters.model));
        let model_feed = model_history.as_ref().map(|h| h.feed_url.clone());
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
        ChangesPage {
            layout: Layout::new(catalogue, title, "/changes")
                .describe(description)
                .canonical(filters.href()),
            authors: known_authors(catalogue),
            kinds: KINDS,
            sources: SOURCES,
            days,
            older_href,
            model_history,
            model_feed,
            feed_href: filters.at("/changes.atom"),
            recorded_days: log.days().len(),
            recent,
            period,
            filters,
            errors,
        }
    }
}

impl Page for ChangesPage {
    /// 400 when a filter does not read (its message is by the field).
    fn status(&self) -> StatusCode {
        self.errors.status()
    }
}
impl_page!(ChangesPage);
