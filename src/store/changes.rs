//! The change log: what changed from one day to the next, worked out once when the
//! catalogue is built so that `/changes`, the feeds, the JSON API and the model pages
//! only read it.
//!
//! A day is the UTC date of one or more successful ingests. Its changes compare the state
//! after the day's last run with the state after the previous day's last run, so a price
//! that moves and moves back within one day is no change, and a day whose ingest failed
//! simply is not a day: the next successful day is compared with the last good one.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{Delivery, EventRow, RunRecord};

pub mod filter;
use crate::model::price::{Price, PriceSet, Pricing};

/// What happened to one model on one day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// At least one price component differs from the previous day.
    Price,
    /// Listed today for the first time.
    Added,
    /// Listed today after an absence: it was listed on an earlier day, not the previous one.
    Returned,
    /// Listed the previous day, gone today.
    Removed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Price => "price",
            ChangeKind::Added => "added",
            ChangeKind::Returned => "returned",
            ChangeKind::Removed => "removed",
        }
    }
}

/// Which way one component moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Cut,
    Increase,
    /// Newly charged, no longer charged, to or from "variable", or a change of notation
    /// only: not a cut and not an increase.
    Other,
}

/// One price component that differs between two days. `None` means the component was
/// not listed on that day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComponentChange {
    /// OpenRouter's key (`prompt`, `completion`, `input_cache_read`, ...).
    pub key: String,
    /// The long-context tier the component belongs to, `None` for the base price.
    pub min_prompt_tokens: Option<u64>,
    /// Other conditions of the override it belongs to, as OpenRouter wrote them.
    pub conditions: Option<String>,
    pub old: Option<Price>,
    pub new: Option<Price>,
}

impl ComponentChange {
    pub fn direction(&self) -> Direction {
        match (self.old.and_then(Price::usd), self.new.and_then(Price::usd)) {
            (Some(old), Some(new)) if new < old => Direction::Cut,
            (Some(old), Some(new)) if new > old => Direction::Increase,
            _ => Direction::Other,
        }
    }

    /// True when the component moved by [`LARGE_MOVE`]x or more, or to zero.
    pub fn is_large_move(&self) -> bool {
        match (self.old.and_then(Price::usd), self.new.and_then(Price::usd)) {
            (Some(old), Some(new)) => is_large_move(old, new),
            _ => false,
        }
    }
}

/// A price moving by this factor, up or down, is a large move: applied, but flagged on the
/// model's page and in the changes feed (and, across a quarter of the catalogue at once, a
/// reason to quarantine a run; see `ingest::plausibility`).
pub const LARGE_MOVE: Decimal = Decimal::TEN;

/// True when `new` is at least [`LARGE_MOVE`] times `old`, at most a tenth of it, or zero
/// where `old` was not. `old` must be positive.
pub fn is_large_move(old: Decimal, new: Decimal) -> bool {
    if old <= Decimal::ZERO || new < Decimal::ZERO {
        return false;
    }
    new.is_zero()
        || old
            .checked_mul(LARGE_MOVE)
            .is_some_and(|limit| new >= limit)
        || new
            .checked_mul(LARGE_MOVE)
            .is_some_and(|limit| limit <= old)
}

/// One model's change on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub id: String,
    pub kind: ChangeKind,
    /// Empty for added and removed models.
    pub components: Vec<ComponentChange>,
}

/// One day with at least one successful ingest.
#[derive(Clone, Debug)]
pub struct Day {
    pub date: NaiveDate,
    /// The as-of time of the day's last successful run.
    pub as_of: DateTime<Utc>,
    /// The day this one is compared with; `None` for the first day, which is the baseline.
    pub previous: Option<NaiveDate>,
    /// Models listed at the end of the day.
    pub listed: usize,
    /// Sorted by model id.
    pub changes: Vec<Change>,
}

impl Day {
    /// The first recorded day: everything on it is where tracking began, not a change.
    pub fn is_baseline(&self) -> bool {
        self.previous.is_none()
    }

    /// The section anchor on `/changes`, e.g. `d-2026-08-01`.
    pub fn anchor(&self) -> String {
        anchor(self.date)
    }
}

/// The `/changes` anchor of a date.
pub fn anchor(date: NaiveDate) -> String {
    format!("d-{}", date.format("%Y-%m-%d"))
}

/// A dated point of one model's own timeline: its prices from that day on, or `None`
/// from the day it stopped being listed.
#[derive(Clone, Debug)]
pub struct TimelinePoint {
    pub date: NaiveDate,
    pub pricing: Option<Pricing>,
}

/// Every day's changes, oldest first, and every model's timeline.
#[derive(Clone, Debug, Default)]
pub struct ChangeLog {
    days: Vec<Day>,
    timelines: HashMap<String, Vec<TimelinePoint>>,
}

impl ChangeLog {
    /// Days oldest first.
    pub fn days(&self) -> &[Day] {
        &self.days
    }

    pub fn day(&self, date: NaiveDate) -> Option<&Day> {
        self.days
            .binary_search_by_key(&date, |d| d.date)
            .ok()
            .map(|i| &self.days[i])
    }

    /// The last recorded day.
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.days.last().map(|d| d.date)
    }

    /// One model's timeline, oldest first: a point whenever it was first seen, changed
    /// price, was delisted or came back.
    pub fn timeline(&self, id: &str) -> &[TimelinePoint] {
        self.timelines
            .get(id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// One model's changes, oldest first, with the day of each.
    pub fn changes_of<'a>(&'a self, id: &'a str) -> impl Iterator<Item = (&'a Day, &'a Change)> {
        self.days.iter().filter_map(move |day| {
            day.changes
                .binary_search_by(|c| c.id.as_str().cmp(id))
                .ok()
                .map(|i| (day, &day.changes[i]))
        })
    }

    /// Replays the stored history run by run. `prices` is every price row as
    /// `(run_id, model_id, pricing)`; `runs` may include failed runs, which are ignored.
    pub fn build<'a>(
        runs: &[RunRecord],
        prices: impl IntoIterator<Item = (i64, &'a str, &'a Pricing)>,
        events: &[EventRow],
    ) -> ChangeLog {
        let mut runs: Vec<&RunRecord> = runs.iter().filter(|r| r.success).collect();
        runs.sort_by_key(|r| r.id);
        // The bundled snapshot is a hand-written stand-in: once real data exists, its runs
        // still shape the state but are not days of their own.
        let real_data = runs.iter().any(|r| r.delivery != Delivery::Snapshot);
        let mut prices_by_run: HashMap<i64, Vec<(&str, &Pricing)>> = HashMap::new();
        for (run, id, pricing) in prices {
            prices_by_run.entry(run).or_default().push((id, pricing));
        }
        let mut events_by_run: HashMap<i64, Vec<&EventRow>> = HashMap::new();
        for event in events {
            events_by_run.entry(event.run_id).or_default().push(event);
        }

        let counts = |run: &RunRecord| !(real_data && run.delivery == Delivery::Snapshot);

        let mut state: HashMap<&str, State<'_>> = HashMap::new();
        let mut log = ChangeLog::default();
        let mut i = 0;
        while i < runs.len() {
            let date = runs[i].as_of.date_naive();
            let counts_as_day = counts(runs[i]);
            // The state of every model touched today, as it was before today's first run.
            let mut before: BTreeMap<&str, State<'_>> = BTreeMap::new();
            let mut as_of = runs[i].as_of;
            while i < runs.len()
                && runs[i].as_of.date_naive() == date
                && counts(runs[i]) == counts_as_day
            {
                let run = runs[i];
                as_of = run.as_of;
                for &(id, pricing) in prices_by_run.get(&run.id).map(Vec::as_slice).unwrap_or(&[]) {
                    let entry = state.entry(id).or_default();
                    before.entry(id).or_insert(*entry);
                    entry.pricing = Some(pricing);
                }
                for event in events_by_run.get(&run.id).map(Vec::as_slice).unwrap_or(&[]) {
                    let entry = state.entry(event.model_id.as_str()).or_default();
                    before.entry(event.model_id.as_str()).or_insert(*entry);
                    entry.listed = event.added;
                }
                i += 1;
            }
            if !counts_as_day {
                continue;
            }
            let previous = log.days.last().map(|d| d.date);
            let mut changes = Vec::new();
            if previous.is_none() {
                for (id, now) in &state {
                    if now.listed {
                        log.point(id, date, now.pricing);
                    }
                }
            } else {
                for (id, was) in before {
                    let now = state.get(id).copied().unwrap_or_default();
                    let change = match (was.listed, now.listed) {
                        (false, true) if log.was_listed(id) => {
                            Some((ChangeKind::Returned, Vec::new()))
                        }
                        (false, true) => Some((ChangeKind::Added, Vec::new())),
                        (true, false) => Some((ChangeKind::Removed, Vec::new())),
                        (true, true) if was.pricing != now.pricing => {
                            let components = diff_pricing(was.pricing, now.pricing);
                            (!components.is_empty()).then_some((ChangeKind::Price, components))
                        }
                        _ => None,
                    };
                    if let Some((kind, components)) = change {
                        log.point(id, date, now.pricing.filter(|_| now.listed));
                        changes.push(Change {
                            id: id.to_string(),
                            kind,
                            components,
                        });
                    }
                }
            }
            let listed = state.values().filter(|s| s.listed).count();
            match log.days.last_mut() {
                // Dates only go forward after the snapshot; should one repeat, the later
                // runs' outcome replaces the earlier day rather than duplicating it.
                Some(last) if last.date >= date => {
                    last.as_of = as_of;
                    last.listed = listed;
                    last.changes.extend(changes);
                    last.changes.sort_by(|a, b| a.id.cmp(&b.id));
                }
                _ => log.days.push(Day {
                    date,
                    as_of,
                    previous,
                    listed,
                    changes,
                }),
            }
        }
        for points in log.timelines.values_mut() {
            points.sort_by_key(|p| p.date);
        }
        log
    }

    /// Whether `id` was listed on some recorded day before (its timeline has a priced point).
    fn was_listed(&self, id: &str) -> bool {
        self.timelines
            .get(id)
            .is_some_and(|points| points.iter().any(|p| p.pricing.is_some()))
    }

    fn point(&mut self, id: &str, date: NaiveDate, pricing: Option<&Pricing>) {
        self.timelines
            .entry(id.to_string())
            .or_default()
            .push(TimelinePoint {
                date,
                pricing: pricing.cloned(),
            });
    }
}

/// A model's state between runs.
#[derive(Clone, Copy, Debug, Default)]
struct State<'a> {
    listed: bool,
    pricing: Option<&'a Pricing>,
}

/// Every component that differs: base prices by key, then each override's prices, with
/// overrides matched by their condition (prompt-size threshold and any other condition).
pub fn diff_pricing(old: Option<&Pricing>, new: Option<&Pricing>) -> Vec<ComponentChange> {
    let empty = Pricing::default();
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let mut out = Vec::new();
    diff_sets(&old.base, &new.base, None, None, &mut out);
    let tiers = |pricing: &Pricing| -> BTreeMap<(Option<u64>, Option<String>), PriceSet> {
        let mut map = BTreeMap::new();
        for o in &pricing.overrides {
            let conditions = (!o.other_conditions.is_empty())
                .then(|| serde_json::to_string(&o.other_conditions).unwrap_or_default());
            // The first override with a given condition wins a clash; OpenRouter never
            // lists two, and this keeps the diff deterministic if it ever does.
            map.entry((o.min_prompt_tokens, conditions))
                .or_insert_with(|| o.prices.clone());
        }
        map
    };
    let (old_tiers, new_tiers) = (tiers(old), tiers(new));
    let mut keys: Vec<&(Option<u64>, Option<String>)> =
        old_tiers.keys().chain(new_tiers.keys()).collect();
    keys.sort();
    keys.dedup();
    let none = PriceSet::default();
    for key in keys {
        diff_sets(
            old_tiers.get(key).unwrap_or(&none),
            new_tiers.get(key).unwrap_or(&none),
            key.0,
            key.1.clone(),
            &mut out,
        );
    }
    out
}

fn diff_sets(
    old: &PriceSet,
    new: &PriceSet,
    min_prompt_tokens: Option<u64>,
    conditions: Option<String>,
    out: &mut Vec<ComponentChange>,
) {
    let mut keys: Vec<String> = old.entries().into_iter().map(|(k, _)| k).collect();
    for (key, _) in new.entries() {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    for key in keys {
        let (was, now) = (old.get(&key), new.get(&key));
        // Compared as written: "0.0000010" and "0.000001" are equal amounts but a
        // different record, and the store keeps a history row for either.
        if was.map(|p| p.to_string()) != now.map(|p| p.to_string()) {
            out.push(ComponentChange {
                key,
                min_prompt_tokens,
                conditions: conditions.clone(),
                old: was,
                new: now,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn p(text: &str) -> Price {
        Price::parse(text).unwrap()
    }

    #[test]
    fn direction_follows_the_amounts() {
        let change = |old: Option<&str>, new: Option<&str>| ComponentChange {
            key: "prompt".into(),
            min_prompt_tokens: None,
            conditions: None,
            old: old.map(p),
            new: new.map(p),
        };
        let cut = change(Some("0.000002"), Some("0.0000015"));
        assert_eq!(cut.direction(), Direction::Cut);
        let rise = change(Some("0.000001"), Some("0.0000015"));
        assert_eq!(rise.direction(), Direction::Increase);
        let from_free = change(Some("0"), Some("0.000001"));
        assert_eq!(from_free.direction(), Direction::Increase);
        let new_component = change(None, Some("0.000001"));
        assert_eq!(new_component.direction(), Direction::Other);
    }

    fn run(id: i64, day: u32, kind: Delivery) -> RunRecord {
        let as_of = NaiveDate::from_ymd_opt(2026, 7, day)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        RunRecord {
            models_seen: 1,
            models_stored: 1,
            ..RunRecord::applied(id, kind, as_of)
        }
    }

    fn event(run: &RunRecord, id: &str, added: bool) -> EventRow {
        EventRow {
            model_id: id.into(),
            as_of: run.as_of,
            run_id: run.id,
            added,
        }
    }

    #[test]
    fn the_bundled_snapshot_is_no_day_once_real_data_exists() {
        let mut cheap = Pricing::default();
        cheap.base.set("prompt", p("0.000001"));
        let mut cheaper = Pricing::default();
        cheaper.base.set("prompt", p("0.0000005"));
        // The snapshot is dated after the real data, as the bundled one can be.
        let runs = [
            run(1, 30, Delivery::Snapshot),
            run(2, 1, Delivery::File),
            run(3, 2, Delivery::File),
        ];
        let prices = [
            (1, "snap/model", &cheap),
            (2, "real/model", &cheap),
            (3, "real/model", &cheaper),
        ];
        let events = [
            event(&runs[0], "snap/model", true),
            event(&runs[1], "snap/model", false),
            event(&runs[1], "real/model", true),
        ];
        let log = ChangeLog::build(&runs, prices, &events);
        let dates: Vec<u32> = log.days().iter().map(|d| d.date.day()).collect();
        assert_eq!(dates, vec![1, 2]);
        assert!(log.days()[0].is_baseline());
        assert!(log.days()[0].changes.is_empty());
        assert_eq!(log.days()[0].listed, 1);
        assert_eq!(log.days()[1].changes.len(), 1);
        assert_eq!(log.days()[1].changes[0].id, "real/model");
        assert!(log.timeline("snap/model").is_empty());
        assert_eq!(log.timeline("real/model").len(), 2);
    }

    #[test]
    fn a_snapshot_alone_is_the_first_day() {
        let mut cheap = Pricing::default();
        cheap.base.set("prompt", p("0.000001"));
        let runs = [run(1, 30, Delivery::Snapshot)];
        let events = [event(&runs[0], "snap/model", true)];
        let log = ChangeLog::build(&runs, [(1, "snap/model", &cheap)], &events);
        assert_eq!(log.days().len(), 1);
        assert_eq!(log.timeline("snap/model").len(), 1);
    }

    #[test]
    fn tiers_are_matched_by_threshold_not_position() {
        let mut old = Pricing::default();
        old.base.set("prompt", p("0.000001"));
        let tier = |min: u64, prompt: &str| {
            let mut prices = PriceSet::default();
            prices.set("prompt", p(prompt));
            crate::model::price::PriceOverride {
                min_prompt_tokens: Some(min),
                prices,
                ..Default::default()
            }
        };
        old.overrides = vec![tier(128_000, "0.000002"), tier(256_000, "0.000003")];
        let mut new = old.clone();
        // Same tiers, listed the other way round, one of them repriced.
        new.overrides = vec![tier(256_000, "0.000004"), tier(128_000, "0.000002")];
        let diff = diff_pricing(Some(&old), Some(&new));
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].min_prompt_tokens, Some(256_000));
        assert_eq!(diff[0].old, Some(p("0.000003")));
        assert_eq!(diff[0].new, Some(p("0.000004")));
    }
}
