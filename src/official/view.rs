//! The official feed as pages read it: built once per load next to the catalogue, with every
//! catalogue model's matches worked out, so a request never matches anything itself.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::matching::{self, Channel, MatchReport, Rule};
use super::overrides;
use super::store::{EventRow, HistoryRow, OfficialRun, StoredOfficial};
use super::{DatedPrices, OfficialModel, PriceList, Provider};
use crate::pricing::price::Pricing;

/// How many runs the view keeps for the methodology page.
const RECENT_RUNS: usize = 10;

/// Display names of the makers' own lists (the feed's names are terse: "X AI", "Deepseek").
const SELLER_NAMES: &[(&str, &str)] = &[
    ("anthropic", "Anthropic"),
    ("openai", "OpenAI"),
    ("google", "Google (Gemini API and Vertex AI)"),
    ("deepseek", "DeepSeek"),
    ("mistral", "Mistral AI"),
    ("x-ai", "xAI"),
    ("moonshotai", "Moonshot AI"),
    ("minimax", "MiniMax"),
    ("cohere", "Cohere"),
    ("perplexity", "Perplexity"),
    ("zai", "Z.AI"),
    ("zhipuai", "Zhipu AI (China)"),
    ("azure", "Microsoft Azure"),
];

/// One official price tag of one model.
#[derive(Clone, Debug)]
pub struct OfficialTag<'a> {
    pub channel: Channel,
    pub provider: &'a Provider,
    pub entry: &'a OfficialModel,
    /// Who sells it at this price, for readers.
    pub seller: String,
    /// Prices in force on the day asked about.
    pub pricing: &'a Pricing,
    /// The date those prices took effect, when the feed dates them.
    pub since: Option<NaiveDate>,
    pub batch: Option<Pricing>,
    /// A price the feed announces for a later date.
    pub announced: Option<(NaiveDate, &'a Pricing)>,
    pub off_peak: Option<&'a DatedPrices>,
    pub rule: &'a Rule,
    /// The list is converted from another currency by the source (Zhipu's CNY list).
    pub cny_derived: bool,
}

impl OfficialTag<'_> {
    /// A stable key for the seller: `anthropic`, `aws:global`, `aws:in-region`, `google:vertex`…
    pub fn seller_key(&self) -> String {
        match self.channel {
            Channel::Maker => self.provider.id.clone(),
            Channel::BedrockGlobal => "aws:global".into(),
            Channel::BedrockRegional => "aws:in-region".into(),
            Channel::Bedrock => "aws".into(),
            Channel::Vertex => "google:vertex".into(),
            Channel::Azure => "azure".into(),
        }
    }

    /// US-dollar list prices the maker publishes itself: the ones discrepancies compare against.
    pub fn is_first_party_usd(&self) -> bool {
        self.channel == Channel::Maker && !self.cny_derived
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
    history: HashMap<(String, String), Vec<HistoryRow>>,
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
        OfficialView {
            last_success: stored.runs.iter().find(|r| r.success).cloned(),
            last_failure: stored.runs.iter().find(|r| !r.success).cloned(),
            recent_runs: stored.runs.into_iter().take(RECENT_RUNS).collect(),
            providers: stored.providers,
            by_id,
            report,
            changes,
            history,
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
                let seller = match m.channel {
                    Channel::Maker => SELLER_NAMES
                        .iter()
                        .find(|(id, _)| *id == provider.id)
                        .map_or_else(|| provider.name.clone(), |(_, name)| (*name).to_string()),
                    other => other.label().to_string(),
                };
                Some(OfficialTag {
                    channel: m.channel,
                    seller,
                    pricing,
                    since: entry.effective_since(day),
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
        tags.sort_by_key(|t| (t.channel, t.cny_derived));
        tags
    }

    /// Every dated change of the official prices, oldest first.
    pub fn changes(&self) -> &[OfficialChange] {
        &self.changes
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
