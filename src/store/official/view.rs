//! The official feed as pages read it: built once per load next to the catalogue, with every
//! catalogue model's matches worked out, so a request never matches anything itself.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{EventRow, HistoryRow, OfficialRun, StoredOfficial};
use crate::model::official::{self, DatedPrices, OfficialModel, PriceList, Provider};
use crate::model::price::Pricing;
use crate::seller::{self, Seller};
use crate::store::changes::{ChangeKind, ComponentChange, diff_pricing};
use crate::store::matching::{self, MatchReport, Rule, overrides};

/// How many runs the view keeps for the methodology page.
const RECENT_RUNS: usize = 10;

/// One official price tag of one model.
#[derive(Clone, Debug)]
pub struct OfficialTag<'a> {
    /// The maker or cloud selling at this price.
    pub seller: Seller,
    pub provider: &'a Provider,
    pub entry: &'a OfficialModel,
    /// The seller's name, for readers.
    pub seller_name: String,
    /// Prices in force on the day asked about.
    pub pricing: &'a Pricing,
    /// The date those prices took effect, when the feed dates them.
    pub since: Option<NaiveDate>,
    /// When a feed last carried this entry (a later one may have listed it unreadably).
    pub as_of: Option<DateTime<Utc>>,
    pub batch: Option<Pricing>,
    /// A price the feed announces for a later date.
    pub announced: Option<(NaiveDate, &'a Pricing)>,
    pub off_peak: Option<&'a DatedPrices>,
    pub rule: &'a Rule,
    /// The list is converted from another currency by the source (Zhipu's CNY list).
    pub cny_derived: bool,
}

impl OfficialTag<'_> {
    /// US-dollar list prices the maker publishes itself: the ones discrepancies compare against.
    pub fn is_first_party_usd(&self) -> bool {
        matches!(self.seller, Seller::FirstParty { .. }) && !self.cny_derived
    }
}

/// One dated official price change (or appearance) of one entry.
#[derive(Clone, Debug)]
pub struct OfficialChange {
    pub as_of: DateTime<Utc>,
    pub run_id: i64,
    pub provider_id: String,
    pub entry_id: String,
    /// `None` when the entry appeared.
    pub before: Option<PriceList>,
    /// `None` when the entry was removed.
    pub after: Option<PriceList>,
}

#[derive(Clone, Debug, Default)]
pub struct OfficialView {
    providers: Vec<Provider>,
    by_id: HashMap<String, usize>,
    pub report: MatchReport,
    pub recent_runs: Vec<OfficialRun>,
    pub last_success: Option<OfficialRun>,
    pub last_failure: Option<OfficialRun>,
    /// Changes after the first successful run, oldest first.
    changes: Vec<OfficialChange>,
    /// The same changes dated and tied to our models, oldest first.
    dated: Vec<DatedChange>,
    /// Every day with a successful run, oldest first.
    success_dates: Vec<NaiveDate>,
    history: HashMap<(String, String), Vec<HistoryRow>>,
    /// When a readable feed last carried each active entry.
    last_seen: HashMap<(String, String), DateTime<Utc>>,
}

impl OfficialView {
    /// Builds the view and matches every id of `catalogue_ids` against it.
    pub fn build<'m>(
        stored: StoredOfficial,
        catalogue_ids: impl IntoIterator<Item = &'m str>,
    ) -> OfficialView {
        let report = matching::match_all(&stored.providers, catalogue_ids, &overrides::shipped());
        let by_id = stored
            .providers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
        let first_run = stored.runs.iter().filter(|r| r.success).map(|r| r.id).min();
        let changes = build_changes(&stored.history, &stored.events, first_run);
        let mut history: HashMap<(String, String), Vec<HistoryRow>> = HashMap::new();
        for row in stored.history {
            history
                .entry((row.provider_id.clone(), row.model_id.clone()))
                .or_default()
                .push(row);
        }
        let dated = dated_changes(&changes, &report, &stored.providers);
        let mut success_dates: Vec<NaiveDate> = stored
            .runs
            .iter()
            .filter(|r| r.success)
            .map(|r| r.as_of.date_naive())
            .collect();
        success_dates.sort();
        success_dates.dedup();
        OfficialView {
            dated,
            success_dates,
            last_success: stored.runs.iter().find(|r| r.success).cloned(),
            last_failure: stored.runs.iter().find(|r| !r.success).cloned(),
            recent_runs: stored.runs.into_iter().take(RECENT_RUNS).collect(),
            providers: stored.providers,
            by_id,
            report,
            changes,
            history,
            last_seen: stored.last_seen,
        }
    }

    /// Changes whenever what pages show of the feed does (a new run, successful or not).
    pub fn version(&self) -> i64 {
        self.recent_runs.first().map_or(0, |r| r.id)
    }

    /// When the served official prices were taken.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.last_success.as_ref().map(|r| r.as_of)
    }

    pub fn providers(&self) -> &[Provider] {
        &self.providers
    }

    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.by_id.get(id).map(|&i| &self.providers[i])
    }

    fn entry(&self, provider_id: &str, entry_id: &str) -> Option<(&Provider, &OfficialModel)> {
        let provider = self.provider(provider_id)?;
        provider
            .models
            .iter()
            .find(|m| m.id == entry_id)
            .map(|m| (provider, m))
    }

    /// The official price tags of a base model on `day`, makers first, then clouds.
    pub fn tags(&self, model_id: &str, day: NaiveDate) -> Vec<OfficialTag<'_>> {
        let mut tags: Vec<OfficialTag<'_>> = self
            .report
            .for_model(model_id)
            .filter_map(|m| {
                let (provider, entry) = self.entry(&m.provider_id, &m.entry_id)?;
                let pricing = entry.prices_on(day)?;
                let seller_name = match &m.seller {
                    Seller::Cloud(cloud) => cloud.label().to_string(),
                    _ => seller::maker_name(&provider.id)
                        .map_or_else(|| provider.name.clone(), str::to_string),
                };
                Some(OfficialTag {
                    seller: m.seller.clone(),
                    seller_name,
                    pricing,
                    since: entry.effective_since(day),
                    as_of: self
                        .last_seen
                        .get(&(provider.id.clone(), entry.id.clone()))
                        .copied()
                        .or_else(|| self.as_of()),
                    batch: entry.batch_on(day),
                    announced: entry.announced_after(day),
                    off_peak: entry.off_peak(),
                    rule: &m.rule,
                    cny_derived: matching::CNY_DERIVED.contains(&provider.id.as_str()),
                    provider,
                    entry,
                })
            })
            .collect();
        // The makers' own lists first (the CNY-converted one last of them), then the clouds.
        tags.sort_by_key(|t| (t.seller.cloud(), t.cny_derived));
        tags
    }

    /// Every dated change of the official prices, oldest first.
    pub fn changes(&self) -> &[OfficialChange] {
        &self.changes
    }

    /// Every official change dated and tied to our models, oldest first.
    pub fn dated_changes(&self) -> &[DatedChange] {
        &self.dated
    }

    /// True when a successful official run took data on `date`.
    pub fn recorded_on(&self, date: NaiveDate) -> bool {
        self.success_dates.binary_search(&date).is_ok()
    }

    /// One entry's stored price rows, oldest first.
    pub fn history(&self, provider_id: &str, entry_id: &str) -> &[HistoryRow] {
        self.history
            .get(&(provider_id.to_string(), entry_id.to_string()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

/// Price changes and entry events after the first run (whose whole content is "added", not news),
/// each with the prices before and after.
fn build_changes(
    history: &[HistoryRow],
    events: &[EventRow],
    first_run: Option<i64>,
) -> Vec<OfficialChange> {
    let mut last: HashMap<(&str, &str), &PriceList> = HashMap::new();
    let mut changes = Vec::new();
    for row in history {
        let key = (row.provider_id.as_str(), row.model_id.as_str());
        let before = last.insert(key, &row.prices).cloned();
        if Some(row.run_id) == first_run {
            continue;
        }
        changes.push(OfficialChange {
            as_of: row.as_of,
            run_id: row.run_id,
            provider_id: row.provider_id.clone(),
            entry_id: row.model_id.clone(),
            before,
            after: Some(row.prices.clone()),
        });
    }
    for event in events
        .iter()
        .filter(|e| !e.added && Some(e.run_id) != first_run)
    {
        let key = (event.provider_id.as_str(), event.model_id.as_str());
        changes.push(OfficialChange {
            as_of: event.as_of,
            run_id: event.run_id,
            provider_id: event.provider_id.clone(),
            entry_id: event.model_id.clone(),
            before: last.get(&key).map(|p| (*p).clone()),
            after: None,
        });
    }
    changes.sort_by(|a, b| {
        (a.run_id, &a.provider_id, &a.entry_id).cmp(&(b.run_id, &b.provider_id, &b.entry_id))
    });
    changes
}

/// One official change as the changes page, its feeds and its JSON show it: dated by its
/// run's data time, tied to the catalogue models matched to that entry.
#[derive(Clone, Debug)]
pub struct DatedChange {
    pub date: NaiveDate,
    pub as_of: DateTime<Utc>,
    pub provider_id: String,
    pub entry_id: String,
    /// Who sells at these prices, as pages name the maker or cloud.
    pub seller: String,
    /// The catalogue models matched to this entry (any channel), sorted; may be empty.
    pub models: Vec<String>,
    /// `Price`, `Added` or `Removed`.
    pub kind: ChangeKind,
    /// What moved in the prices in force that day, then in the batch prices (whose
    /// components carry the condition [`BATCH_CONDITION`]); may be empty when only a
    /// later, announced price or an off-peak window changed.
    pub components: Vec<ComponentChange>,
    /// An announced price was added or changed.
    pub announced: bool,
}

/// The condition official batch-price components carry in a [`DatedChange`].
pub const BATCH_CONDITION: &str = "batch";

/// The standard prices in force on `day` of a stored price list (the feed's rule, as
/// [`OfficialModel::prices_on`]).
fn in_force(list: &PriceList, day: NaiveDate) -> Option<&Pricing> {
    official::in_force(&list.schedule, day)
}

fn dated_changes(
    changes: &[OfficialChange],
    report: &MatchReport,
    providers: &[Provider],
) -> Vec<DatedChange> {
    let mut models_of: HashMap<(&str, &str), Vec<String>> = HashMap::new();
    for m in &report.matches {
        let models = models_of
            .entry((m.provider_id.as_str(), m.entry_id.as_str()))
            .or_default();
        if !models.contains(&m.model_id) {
            models.push(m.model_id.clone());
        }
    }
    changes
        .iter()
        .map(|change| {
            let date = change.as_of.date_naive();
            let kind = match (&change.before, &change.after) {
                (None, _) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(_), Some(_)) => ChangeKind::Price,
            };
            let (mut components, mut announced) = (Vec::new(), false);
            if let (Some(before), Some(after)) = (&change.before, &change.after) {
                components = diff_pricing(in_force(before, date), in_force(after, date));
                let batch = diff_pricing(before.batch.as_ref(), after.batch.as_ref());
                components.extend(batch.into_iter().map(|c| ComponentChange {
                    conditions: Some(BATCH_CONDITION.into()),
                    ..c
                }));
                let later = |list: &PriceList| {
                    list.schedule
                        .iter()
                        .filter(|p| p.start_date.is_some_and(|s| s > date))
                        .cloned()
                        .collect::<Vec<_>>()
                };
                announced = later(before) != later(after);
            }
            let mut models = models_of
                .get(&(change.provider_id.as_str(), change.entry_id.as_str()))
                .cloned()
                .unwrap_or_default();
            models.sort();
            DatedChange {
                date,
                as_of: change.as_of,
                seller: seller_name(providers, &change.provider_id),
                provider_id: change.provider_id.clone(),
                entry_id: change.entry_id.clone(),
                models,
                kind,
                components,
                announced,
            }
        })
        .collect()
}

/// A provider as pages name it: the maker's name, or the feed's name for a cloud.
fn seller_name(providers: &[Provider], id: &str) -> String {
    seller::maker_name(id)
        .map(str::to_string)
        .or_else(|| {
            providers
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.name.clone())
        })
        .unwrap_or_else(|| id.to_string())
}
