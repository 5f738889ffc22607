//! Which changes a reader asked for: the filters `/changes` and `/changes.atom` share (author,
//! kind, date range, model, source), applied to both sources of changes — OpenRouter's
//! catalogue and the official list prices — and the days they leave, newest first. Plain data
//! in, plain data out; the web layer reads the filters from the query string and words the result.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::{Change, ChangeKind, ChangeLog, ComponentChange, Day, Direction};
use crate::feed::Feed;
use crate::model::author_of;
use crate::store::Catalogue;
use crate::store::official::view::DatedChange;

/// The kinds of change a reader can ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindFilter {
    /// Any price change.
    Price,
    /// Only the components that went down.
    Cut,
    /// Only the components that went up.
    Increase,
    Added,
    Returned,
    Removed,
}

impl KindFilter {
    pub const ALL: [KindFilter; 6] = [
        KindFilter::Price,
        KindFilter::Cut,
        KindFilter::Increase,
        KindFilter::Added,
        KindFilter::Returned,
        KindFilter::Removed,
    ];

    /// The query value (`kind=cut`).
    pub fn key(self) -> &'static str {
        match self {
            KindFilter::Price => "price",
            KindFilter::Cut => "cut",
            KindFilter::Increase => "increase",
            KindFilter::Added => "added",
            KindFilter::Returned => "returned",
            KindFilter::Removed => "removed",
        }
    }

    pub fn parse(key: &str) -> Option<KindFilter> {
        KindFilter::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// The filters; the default keeps everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Only models of these authors, when not empty.
    pub authors: Vec<String>,
    pub kind: Option<KindFilter>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only this model, when not empty.
    pub model: String,
    /// Only the changes of this feed (OpenRouter's catalogue or the official list); `None`
    /// for both.
    pub source: Option<Feed>,
}

/// What a filter keeps of one change.
enum Kept {
    All,
    Components(Vec<ComponentChange>),
}

impl ChangeFilter {
    pub fn is_filtered(&self) -> bool {
        *self != ChangeFilter::default()
    }

    /// Filters that drop changes (as opposed to days).
    pub fn narrows_changes(&self) -> bool {
        !self.authors.is_empty()
            || self.kind.is_some()
            || !self.model.is_empty()
            || self.source.is_some()
    }

    pub fn in_range(&self, date: NaiveDate) -> bool {
        self.from.is_none_or(|f| date >= f) && self.to.is_none_or(|t| date <= t)
    }

    fn keeps_source(&self, source: Feed) -> bool {
        self.source.is_none_or(|s| s == source)
    }

    fn keeps_authors<'a>(
        &self,
        catalogue: &Catalogue,
        mut ids: impl Iterator<Item = &'a str>,
    ) -> bool {
        self.authors.is_empty() || ids.any(|id| self.authors.contains(&author(catalogue, id)))
    }

    /// The part of a catalogue change these filters keep, if any.
    pub fn apply(&self, catalogue: &Catalogue, change: &Change) -> Option<Change> {
        if !self.keeps_source(Feed::OpenRouterCatalogue)
            || (!self.model.is_empty() && change.id != self.model)
            || !self.keeps_authors(catalogue, std::iter::once(change.id.as_str()))
        {
            return None;
        }
        self.narrowed(change, change.kind, &change.components, |c, components| {
            Change { components, ..c }
        })
    }

    /// The part of an official change these filters keep, if any. An official change belongs
    /// to the models matched to its entry: the model and author filters look at those.
    pub fn apply_official(
        &self,
        catalogue: &Catalogue,
        change: &DatedChange,
    ) -> Option<DatedChange> {
        if !self.keeps_source(Feed::Official)
            || (!self.model.is_empty() && !change.models.contains(&self.model))
            || !self.keeps_authors(catalogue, change.models.iter().map(String::as_str))
        {
            return None;
        }
        self.narrowed(change, change.kind, &change.components, |c, components| {
            DatedChange { components, ..c }
        })
    }

    /// What the kind filter keeps of `change` (of `kind`, moving `components`), rebuilt by
    /// `with` when only some components stay.
    fn narrowed<C: Clone>(
        &self,
        change: &C,
        kind: ChangeKind,
        components: &[ComponentChange],
        with: impl FnOnce(C, Vec<ComponentChange>) -> C,
    ) -> Option<C> {
        Some(match self.kind_keeps(kind, components)? {
            Kept::All => change.clone(),
            Kept::Components(kept) => with(change.clone(), kept),
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
        let wanted = match self.kind {
            None => return Some(Kept::All),
            Some(KindFilter::Price) => ChangeKind::Price,
            Some(KindFilter::Added) => ChangeKind::Added,
            Some(KindFilter::Returned) => ChangeKind::Returned,
            Some(KindFilter::Removed) => ChangeKind::Removed,
            Some(KindFilter::Cut) => return keep_direction(Direction::Cut),
            Some(KindFilter::Increase) => return keep_direction(Direction::Increase),
        };
        (kind == wanted).then_some(Kept::All)
    }

    /// The official changes these filters keep, by day.
    pub fn official_by_date(&self, catalogue: &Catalogue) -> BTreeMap<NaiveDate, Vec<DatedChange>> {
        let mut by_date: BTreeMap<NaiveDate, Vec<DatedChange>> = BTreeMap::new();
        for change in catalogue.official().dated_changes() {
            if let Some(kept) = self.apply_official(catalogue, change) {
                by_date.entry(change.date).or_default().push(kept);
            }
        }
        by_date
    }
}

/// A model's author: the catalogue's, or read off the id for a model it no longer has.
pub fn author(catalogue: &Catalogue, id: &str) -> String {
    catalogue
        .get(id)
        .map_or_else(|| author_of(id), |e| e.model.author.clone())
}

/// One day the filters leave: the catalogue's day (`None` when no listing was taken that day)
/// and what is left of each source's changes.
#[derive(Clone, Debug)]
pub struct FilteredDay<'a> {
    pub date: NaiveDate,
    pub day: Option<&'a Day>,
    pub changes: Vec<Change>,
    pub official: Vec<DatedChange>,
}

impl FilteredDay<'_> {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.official.is_empty()
    }
}

/// The days of either source inside the filters' range, newest first. When the filters drop
/// changes, a day left without any is dropped too; otherwise every recorded day stays (the
/// day-by-day log shows quiet days and the baseline).
/// Lazy: a page that shows the newest days reads only those.
pub fn filtered_days<'a>(
    catalogue: &'a Catalogue,
    log: &'a ChangeLog,
    filter: &'a ChangeFilter,
) -> impl Iterator<Item = FilteredDay<'a>> + 'a {
    let mut official = filter.official_by_date(catalogue);
    let mut dates: Vec<NaiveDate> = log
        .days()
        .iter()
        .map(|d| d.date)
        .chain(official.keys().copied())
        .filter(|d| filter.in_range(*d))
        .collect();
    dates.sort_unstable_by(|a, b| b.cmp(a));
    dates.dedup();
    dates
        .into_iter()
        .map(move |date| {
            let day = log.day(date);
            FilteredDay {
                date,
                day,
                changes: day
                    .map(|d| {
                        d.changes
                            .iter()
                            .filter_map(|c| filter.apply(catalogue, c))
                            .collect()
                    })
                    .unwrap_or_default(),
                official: official.remove(&date).unwrap_or_default(),
            }
        })
        .filter(|d| !(d.is_empty() && filter.narrows_changes()))
}

/// Changes as the tests here and `pricing::difference`'s write them.
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::price::Price;

    fn usd(v: &str) -> Option<Price> {
        Some(Price::Usd(v.parse().unwrap()))
    }

    pub(crate) fn component(key: &str, old: &str, new: &str) -> ComponentChange {
        ComponentChange {
            key: key.into(),
            min_prompt_tokens: None,
            conditions: None,
            old: usd(old),
            new: usd(new),
        }
    }

    pub(crate) fn price_change(id: &str, components: Vec<ComponentChange>) -> Change {
        Change {
            id: id.into(),
            kind: ChangeKind::Price,
            components,
        }
    }

    pub(crate) fn date(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    #[test]
    fn kinds_and_sources_read_their_query_values() {
        for kind in KindFilter::ALL {
            assert_eq!(KindFilter::parse(kind.key()), Some(kind));
        }
        assert_eq!(KindFilter::parse("cheaper"), None);
        assert_eq!(Feed::parse_source("official"), Some(Feed::Official));
        assert_eq!(Feed::parse_source("garbage"), None);
    }

    #[test]
    fn a_cut_filter_keeps_only_the_components_that_went_down() {
        let catalogue = Catalogue::default();
        // Input $1 → $0.8 (a cut), output $2 → $3 (a rise).
        let change = price_change(
            "acme/alpha",
            vec![
                component("prompt", "0.000001", "0.0000008"),
                component("completion", "0.000002", "0.000003"),
            ],
        );
        let cuts = ChangeFilter {
            kind: Some(KindFilter::Cut),
            ..ChangeFilter::default()
        };
        let kept = cuts.apply(&catalogue, &change).unwrap();
        assert_eq!(kept.components, vec![change.components[0].clone()]);
        let added = ChangeFilter {
            kind: Some(KindFilter::Added),
            ..ChangeFilter::default()
        };
        assert_eq!(added.apply(&catalogue, &change), None);
        // The official source alone keeps no catalogue change.
        let official = ChangeFilter {
            source: Some(Feed::Official),
            ..ChangeFilter::default()
        };
        assert_eq!(official.apply(&catalogue, &change), None);
        // An author filter reads the author off the id when the catalogue lacks the model.
        let acme = ChangeFilter {
            authors: vec!["acme".into()],
            ..ChangeFilter::default()
        };
        assert_eq!(acme.apply(&catalogue, &change), Some(change.clone()));
    }

    #[test]
    fn the_range_includes_both_ends() {
        let filter = ChangeFilter {
            from: Some(date("2026-07-02")),
            to: Some(date("2026-07-04")),
            ..ChangeFilter::default()
        };
        assert!(!filter.in_range(date("2026-07-01")));
        assert!(filter.in_range(date("2026-07-02")));
        assert!(filter.in_range(date("2026-07-04")));
        assert!(!filter.in_range(date("2026-07-05")));
        // A range alone drops days, not changes.
        assert!(!filter.narrows_changes());
        assert!(filter.is_filtered());
    }
}
