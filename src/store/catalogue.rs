//! The immutable in-memory catalogue every page reads from. Ingest builds a new one after
//! each commit and swaps it in atomically; a request never waits on SQLite or the network.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::changes::ChangeLog;
use super::endpoints::{Endpoint, ModelEndpoints};
use super::providers::{ProviderDirectory, StoredProvider};
use super::{
    Delivery, EventRow, Fingerprint, HistoryRow, Outcome, RunRecord, Store, StoreError, StoredModel,
};
use crate::model::price::Pricing;
use crate::model::{Model, Variant};
use crate::search::{self, Resolved, SearchKeys};
use crate::store::official::StoredOfficial;
use crate::store::official::view::OfficialView;

/// Data older than this many hours is called stale on every page (the pages say "48 hours").
pub const STALE_AFTER_HOURS: i64 = 48;

/// One model in the catalogue with what the store knows about it over time.
#[derive(Clone, Debug)]
pub struct Entry {
    pub model: Model,
    pub active: bool,
    pub first_seen: DateTime<Utc>,
    /// The id of the model this one is grouped under (itself for a base model, or for a
    /// variant whose base is not listed).
    pub group: String,
    /// What a search of the catalogue looks in, worked out once per load.
    pub search_keys: SearchKeys,
}

/// A dated price point of one model.
#[derive(Clone, Debug)]
pub struct PricePoint {
    pub as_of: DateTime<Utc>,
    pub run_id: i64,
    pub pricing: Pricing,
}

/// How fresh the data is and where it came from.
#[derive(Clone, Debug, Default)]
pub struct Freshness {
    pub last_success: Option<RunRecord>,
    pub last_failure: Option<RunRecord>,
    /// Run id of the data being served; changes whenever the data does.
    pub data_version: i64,
    /// The latest provider-endpoint fetch attempt (Unix seconds); changes after every pass.
    pub endpoints_version: i64,
    /// The latest successful and failed provider-list runs; changes after every refresh.
    pub providers_version: (i64, i64),
    /// The most recent runs, newest first, for the methodology page.
    pub recent_runs: Vec<RunRecord>,
    /// The latest official-feed run (successful or not); changes whenever the official side does.
    pub official_version: i64,
    /// Quarantined runs that could still be applied (none newer has been), newest first.
    pub quarantined: Vec<RunRecord>,
    /// What the store looked like when this was loaded; see [`Store::fingerprint`].
    pub fingerprint: Fingerprint,
}

/// How many runs the catalogue keeps at hand for display.
pub const RECENT_RUNS: usize = 10;

impl Freshness {
    /// Derives freshness from every recorded run, newest first, and a failure that could
    /// not be recorded (shown as the last failure when it is the newest).
    pub fn from_runs(runs: &[RunRecord], unrecorded: Option<RunRecord>) -> Freshness {
        let last_success = runs.iter().find(|r| r.success).cloned();
        let success_id = last_success.as_ref().map_or(0, |r| r.id);
        let mut freshness = Freshness {
            data_version: success_id,
            last_success,
            last_failure: runs.iter().find(|r| r.outcome == Outcome::Failed).cloned(),
            endpoints_version: 0,
            official_version: 0,
            providers_version: (0, 0),
            recent_runs: runs.iter().take(RECENT_RUNS).cloned().collect(),
            quarantined: runs
                .iter()
                .filter(|r| r.outcome == Outcome::Quarantined && r.id > success_id)
                .cloned()
                .collect(),
            fingerprint: Fingerprint::default(),
        };
        if let Some(failure) = unrecorded {
            freshness.note_unrecorded(failure);
        }
        freshness
    }

    /// Shows a failure the database could not take, if it is newer than the last one shown.
    pub fn note_unrecorded(&mut self, failure: RunRecord) {
        self.last_failure = self.latest_failure(Some(failure));
    }

    /// The newer of the last failure shown and one the database could not take.
    pub fn latest_failure(&self, unrecorded: Option<RunRecord>) -> Option<RunRecord> {
        match (&self.last_failure, unrecorded) {
            (Some(shown), Some(failure)) if shown.finished_at > failure.finished_at => {
                Some(shown.clone())
            }
            (_, Some(failure)) => Some(failure),
            (shown, None) => shown.clone(),
        }
    }

    /// True when the most recent attempt failed (the data served is older than it).
    pub fn failing_now(&self) -> bool {
        match (&self.last_success, &self.last_failure) {
            (Some(ok), Some(failed)) => (failed.finished_at, failed.id) > (ok.finished_at, ok.id),
            (None, Some(_)) => true,
            _ => false,
        }
    }

    /// The moment the served prices describe.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.last_success.as_ref().map(|r| r.as_of)
    }

    pub fn is_snapshot(&self) -> bool {
        self.last_success
            .as_ref()
            .is_some_and(|r| r.delivery == Delivery::Snapshot)
    }

    /// Changes whenever anything a page shows about the data changes: a new successful or
    /// failed run, an endpoints pass, or the data turning stale.
    pub fn version_tag(&self, now: DateTime<Utc>) -> String {
        self.version_tag_with(self.is_stale(now))
    }

    /// The version tag for a given staleness.
    pub fn version_tag_with(&self, stale: bool) -> String {
        format!(
            "{}.{}.q{}.{}.{}.p{}-{}.o{}",
            self.data_version,
            self.last_failure.as_ref().map_or(0, |r| r.id),
            self.quarantined.first().map_or(0, |r| r.id),
            self.endpoints_version,
            u8::from(stale),
            self.providers_version.0,
            self.providers_version.1,
            self.official_version,
        )
    }

    /// Stale when the last successful refresh is older than [`STALE_AFTER_HOURS`].
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        self.as_of().is_none_or(|t| {
            now.signed_duration_since(t) > chrono::Duration::hours(STALE_AFTER_HOURS)
        })
    }
}

/// Id -> entry index. The keys are the catalogue's own ids, not a reader's, and foldhash
/// (randomly seeded) hashes a short id several times faster than the default SipHash: the
/// calculator looks ids up hundreds of times per request.
type IdIndex = HashMap<String, usize, foldhash::fast::RandomState>;

#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    entries: Vec<Entry>,
    by_id: IdIndex,
    /// Group id -> indices of its members (base first, then variants by id).
    groups: HashMap<String, Vec<usize>>,
    history: HashMap<String, Vec<PricePoint>>,
    events: Vec<EventRow>,
    /// Provider endpoints by model id (only models whose endpoints were ever fetched).
    endpoints: HashMap<String, ModelEndpoints>,
    /// OpenRouter's upstream providers.
    providers: ProviderDirectory,
    /// Provider slug -> index in `providers.providers`.
    provider_by_slug: HashMap<String, usize>,
    /// Lower-cased provider name -> index, for endpoints whose tag names no known slug.
    provider_by_name: HashMap<String, usize>,
    /// Day-by-day changes, worked out from the history, the events and the runs.
    changes: ChangeLog,
    /// The official first-party and cloud prices, matched to this catalogue.
    official: Arc<OfficialView>,
    /// Every author with an active model, sorted: worked out once, as several pages (the
    /// calculator on every request) list or check them.
    authors: Vec<String>,
    /// Id -> index of the listing whose id is that id plus `:batch`, so finding a model's
    /// batch listing (the calculator does, per model per request) builds no string.
    batch_of: IdIndex,
    pub freshness: Freshness,
}

impl Catalogue {
    /// Builds the whole catalogue from the store in one call: models, history, events,
    /// endpoints, freshness and the change log. This is the only way to build one, so no
    /// caller can forget a part (a catalogue without its runs has an empty change log).
    pub async fn load(store: &Store) -> Result<Catalogue, StoreError> {
        // Taken first: should a commit land while loading, the catalogue looks older than
        // the store and the next check loads it again.
        let fingerprint = store.fingerprint().await?;
        // Newest first; freshness and the methodology page's run table are derived from it.
        let runs = store.recent_runs(i64::MAX).await?;
        let mut freshness = Freshness::from_runs(&runs, store.unrecorded_failure());
        freshness.fingerprint = fingerprint;
        Ok(Catalogue::build(
            store.load_models().await?,
            store.load_history().await?,
            store.load_events().await?,
            freshness,
        )
        .with_endpoints(store.load_endpoints().await?)
        .with_providers(store.load_providers().await?)
        .with_runs(&runs)
        .with_official(crate::store::official::load(store).await?))
    }

    /// A catalogue of these listings alone, each active or not: for unit tests of the pure
    /// code that reads a catalogue.
    #[cfg(test)]
    pub(crate) fn of_models(models: impl IntoIterator<Item = (Model, bool)>) -> Catalogue {
        let stored = models
            .into_iter()
            .map(|(model, active)| StoredModel {
                model,
                active,
                first_seen: DateTime::UNIX_EPOCH,
            })
            .collect();
        Catalogue::build(stored, Vec::new(), Vec::new(), Freshness::default())
    }

    fn build(
        stored: Vec<StoredModel>,
        history: Vec<HistoryRow>,
        events: Vec<EventRow>,
        freshness: Freshness,
    ) -> Catalogue {
        let mut entries: Vec<Entry> = stored
            .into_iter()
            .map(|s| Entry {
                group: s.model.id.clone(),
                search_keys: SearchKeys::of(&s.model),
                model: s.model,
                active: s.active,
                first_seen: s.first_seen,
            })
            .collect();
        entries.sort_by(|a, b| a.model.id.cmp(&b.model.id));
        let by_id: IdIndex = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.model.id.clone(), i))
            .collect();
        // A variant joins its base's group only when the base is listed, active or not.
        for i in 0..entries.len() {
            let model = &entries[i].model;
            if model.variant != Variant::Base
                && model.base_id != model.id
                && let Some(&base) = by_id.get(&model.base_id)
                && entries[base].model.variant == Variant::Base
            {
                entries[i].group = entries[base].model.id.clone();
            }
        }
        let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            groups.entry(entry.group.clone()).or_default().push(i);
        }
        for members in groups.values_mut() {
            members.sort_by_key(|&i| (entries[i].group != entries[i].model.id, i));
        }
        let mut by_model: HashMap<String, Vec<PricePoint>> = HashMap::new();
        for row in history {
            by_model.entry(row.model_id).or_default().push(PricePoint {
                as_of: row.as_of,
                run_id: row.run_id,
                pricing: row.pricing,
            });
        }
        let authors = entries
            .iter()
            .filter(|e| e.active)
            .map(|e| e.model.author.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let batch_of = entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| Some((e.model.id.strip_suffix(":batch")?.to_string(), i)))
            .collect();
        Catalogue {
            authors,
            batch_of,
            entries,
            by_id,
            groups,
            history: by_model,
            events,
            endpoints: HashMap::new(),
            providers: ProviderDirectory::default(),
            provider_by_slug: HashMap::new(),
            provider_by_name: HashMap::new(),
            changes: ChangeLog::default(),
            official: Arc::default(),
            freshness,
        }
    }

    /// This catalogue with the official feed, matched against its models.
    pub fn with_official(mut self, stored: StoredOfficial) -> Catalogue {
        let view = OfficialView::build(stored, self.entries.iter().map(|e| e.model.id.as_str()));
        self.freshness.official_version = view.version();
        self.official = Arc::new(view);
        self
    }

    /// The official first-party and cloud prices.
    pub fn official(&self) -> &OfficialView {
        &self.official
    }

    /// This catalogue with these provider endpoints: for unit tests of the pure code that
    /// reads a model's providers.
    #[cfg(test)]
    pub(crate) fn with_test_endpoints(
        self,
        endpoints: HashMap<String, ModelEndpoints>,
    ) -> Catalogue {
        self.with_endpoints(endpoints)
    }

    /// This catalogue with the providers' endpoints of each model.
    fn with_endpoints(mut self, endpoints: HashMap<String, ModelEndpoints>) -> Catalogue {
        self.freshness.endpoints_version = endpoints
            .values()
            .filter_map(|e| e.status.last_attempt)
            .map(|t| t.timestamp())
            .max()
            .unwrap_or(0);
        self.endpoints = endpoints;
        self
    }

    /// This catalogue with OpenRouter's provider list.
    fn with_providers(mut self, directory: ProviderDirectory) -> Catalogue {
        self.freshness.providers_version = directory.version();
        self.provider_by_slug = directory
            .providers
            .iter()
            .enumerate()
            .map(|(i, p)| (p.info.slug.clone(), i))
            .collect();
        self.provider_by_name = HashMap::new();
        for (i, p) in directory.providers.iter().enumerate() {
            // Active providers come first, so an active one wins a shared name.
            self.provider_by_name
                .entry(p.info.name.to_lowercase())
                .or_insert(i);
        }
        self.providers = directory;
        self
    }

    /// The provider list with how its refreshes went.
    pub fn provider_directory(&self) -> &ProviderDirectory {
        &self.providers
    }

    /// One provider by slug, listed now or before.
    pub fn provider(&self, slug: &str) -> Option<&StoredProvider> {
        self.provider_by_slug
            .get(slug)
            .map(|&i| &self.providers.providers[i])
    }

    /// The provider behind an endpoint: the slug its tag starts with (`deepinfra/fp8` ->
    /// `deepinfra`), else the provider of the same name.
    pub fn provider_of(&self, endpoint: &Endpoint) -> Option<&StoredProvider> {
        let slug = endpoint.tag.split('/').next().unwrap_or_default();
        self.provider(&slug.to_ascii_lowercase()).or_else(|| {
            self.provider_by_name
                .get(&endpoint.provider_name.to_lowercase())
                .map(|&i| &self.providers.providers[i])
        })
    }

    /// Every model id with fetched endpoints, and its endpoints.
    pub fn all_endpoints(&self) -> impl Iterator<Item = &ModelEndpoints> {
        self.endpoints.values()
    }

    /// The provider endpoints of one model, if they were ever fetched.
    pub fn endpoints(&self, id: &str) -> Option<&ModelEndpoints> {
        self.endpoints.get(id)
    }

    /// Works out the day-by-day change log from the history rows and events already
    /// loaded, given the ingest runs they belong to.
    fn with_runs(mut self, runs: &[RunRecord]) -> Catalogue {
        let prices = self.history.iter().flat_map(|(id, points)| {
            points
                .iter()
                .map(move |p| (p.run_id, id.as_str(), &p.pricing))
        });
        self.changes = ChangeLog::build(runs, prices, &self.events);
        self
    }

    /// What changed, day by day.
    pub fn changes(&self) -> &ChangeLog {
        &self.changes
    }

    /// Every model ever seen, by id.
    pub fn all(&self) -> &[Entry] {
        &self.entries
    }

    pub fn active(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.active)
    }

    pub fn active_count(&self) -> usize {
        self.active().count()
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// The group an entry belongs to: its base first, then the variants.
    /// Whether `id` is a current listing: the pages that price or list only current listings
    /// (the calculator, `/models`) take it.
    pub fn is_current(&self, id: &str) -> bool {
        self.get(id).is_some_and(|e| e.active)
    }

    /// Whether `author` has a current listing, so `/models?author=` lists them.
    pub fn has_current_author(&self, author: &str) -> bool {
        self.authors
            .binary_search_by(|a| a.as_str().cmp(author))
            .is_ok()
    }

    pub fn group_of(&self, id: &str) -> Vec<&Entry> {
        let Some(entry) = self.get(id) else {
            return Vec::new();
        };
        self.groups
            .get(&entry.group)
            .map(|members| members.iter().map(|&i| &self.entries[i]).collect())
            .unwrap_or_default()
    }

    /// The active `:batch` listing of a model, if it has one.
    pub fn batch_listing(&self, id: &str) -> Option<&Model> {
        self.batch_of
            .get(id)
            .map(|&i| &self.entries[i])
            .filter(|e| e.active)
            .map(|e| &e.model)
    }

    /// The price history of one model, oldest first.
    pub fn history(&self, id: &str) -> &[PricePoint] {
        self.history.get(id).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn events(&self) -> &[EventRow] {
        &self.events
    }

    /// Every author with at least one active model, sorted.
    pub fn authors(&self) -> Vec<String> {
        self.authors.clone()
    }

    /// [`Catalogue::authors`] without the copy.
    pub fn author_list(&self) -> &[String] {
        &self.authors
    }

    /// The model a reader named, by its id or as they typed it (`gpt-5.4`, `opus 4.8`, read
    /// as `/models?q=` reads it; see [`search::resolve`]): current listings first, delisted
    /// ones only when no current listing matches.
    pub fn find_model(&self, text: &str) -> Resolved<&Entry> {
        if let Some(entry) = self.get(text) {
            return Resolved::One(entry);
        }
        let mut found = search::resolve(text, self.active().map(|e| (&e.model, &e.search_keys)));
        if matches!(found, Resolved::Nothing) {
            found = search::resolve(
                text,
                self.entries
                    .iter()
                    .filter(|e| !e.active)
                    .map(|e| (&e.model, &e.search_keys)),
            );
        }
        found.filter_map(|m| self.get(&m.id))
    }

    /// Ids closest to `query`, for "did you mean" on a 404.
    pub fn suggest(&self, query: &str, limit: usize) -> Vec<&Entry> {
        let query = query.to_ascii_lowercase();
        let mut scored: Vec<(usize, &Entry)> = self
            .active()
            .map(|e| {
                (
                    similarity_distance(&query, &e.model.id.to_ascii_lowercase()),
                    e,
                )
            })
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.model.id.cmp(&b.1.model.id)));
        scored.into_iter().take(limit).map(|(_, e)| e).collect()
    }
}

/// Edit distance, with a bonus when one string contains the other, so `opus-4.8`
/// finds `anthropic/claude-opus-4.8`.
fn similarity_distance(query: &str, id: &str) -> usize {
    let query: Vec<char> = query.chars().take(200).collect();
    let id_chars: Vec<char> = id.chars().collect();
    let mut prev: Vec<usize> = (0..=id_chars.len()).collect();
    for (i, qc) in query.iter().enumerate() {
        let mut cur = vec![i + 1; id_chars.len() + 1];
        for (j, ic) in id_chars.iter().enumerate() {
            let cost = usize::from(qc != ic);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    let distance = prev[id_chars.len()];
    let tail = id.rsplit('/').next().unwrap_or(id);
    let q: String = query.iter().collect();
    let q_tail = q.rsplit('/').next().unwrap_or(&q);
    if !q_tail.is_empty() && (tail.contains(q_tail) || q_tail.contains(tail)) {
        distance / 4
    } else {
        distance
    }
}
