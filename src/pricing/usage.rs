//! A reader's own traffic ([`crate::usage::Reading`]) priced exactly: at list prices where
//! it ran, at every other seller of the same models, and whole on every other model.
//!
//! The calculator's decimal rules, applied per band of request size (see `usage::mix`): the
//! long-context tier of a band's lower bound (exact for every model, since the bands are cut
//! at every threshold); cache reads and 5-minute and 1-hour cache writes at the seller's own
//! cache prices, or its input price where it has none (said so); per-request fees only where
//! the export counts requests (else left out, said so); the batch traffic at the seller's
//! batch price where it has one and it is cheaper for that traffic, else on demand (said so).
//! Pricing is per band, so a model's cost is bands × sellers whatever the number of rows.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::calculator::{NotPriceable, optional, required};
use super::market::Market;
use crate::model::price::{Price, Pricing};
use crate::model::{Charging, Model, Variant};
use crate::seller::{Cloud, Seller, SellerKind};
use crate::store::matching::names::NameResolver;
use crate::usage::{Band, NameTraffic, RanAt, Reading, Sums, TierBy};

/// How many other models the answer lists.
pub const ALTERNATIVES_SHOWN: usize = 25;

/// One band's traffic, all spellings of one model summed: what the pricing reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priced {
    pub prompt_tokens_from: u64,
    pub batch: bool,
    pub requests_known: bool,
    pub sums: Sums,
}

/// What a cost leaves out or reads in a way the reader must be told.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readings {
    /// Cache reads billed at the input price: the seller lists no cache-read price.
    pub cache_read_as_input: bool,
    /// 5-minute cache writes billed at the input price.
    pub write_5m_as_input: bool,
    /// 1-hour cache writes billed at the input price.
    pub write_1h_as_input: bool,
    /// Per-request fees left out: some traffic has no request count.
    pub request_fees_left_out: bool,
    /// Why batch traffic was billed on demand, when it was.
    pub batch_on_demand: Option<BatchOnDemand>,
}

impl Readings {
    fn merge(&mut self, other: Readings) {
        self.cache_read_as_input |= other.cache_read_as_input;
        self.write_5m_as_input |= other.write_5m_as_input;
        self.write_1h_as_input |= other.write_1h_as_input;
        self.request_fees_left_out |= other.request_fees_left_out;
        self.batch_on_demand = self.batch_on_demand.or(other.batch_on_demand);
    }

    /// Each reading as a short sentence.
    pub fn sentences(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.cache_read_as_input {
            out.push("no cache-read price: cache reads billed as input");
        }
        if self.write_5m_as_input {
            out.push("no 5-minute cache-write price: those writes billed as input");
        }
        if self.write_1h_as_input {
            out.push("no 1-hour cache-write price: those writes billed as input");
        }
        if self.request_fees_left_out {
            out.push("per-request fees left out: the export has no request count");
        }
        if let Some(why) = self.batch_on_demand {
            out.push(why.sentence());
        }
        out
    }
}

/// Why batch traffic was billed at on-demand prices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchOnDemand {
    NoBatchPrice,
    NotCheaper,
    Unpriceable,
}

impl BatchOnDemand {
    pub fn sentence(self) -> &'static str {
        match self {
            BatchOnDemand::NoBatchPrice => "no batch price: batch traffic billed on demand",
            BatchOnDemand::NotCheaper => {
                "the batch price is no cheaper for this traffic: billed on demand"
            }
            BatchOnDemand::Unpriceable => {
                "the batch price cannot be applied: batch traffic billed on demand"
            }
        }
    }
}

/// What one band costs at `pricing`, by the tier of its lower bound.
pub fn band_cost(
    pricing: &Pricing,
    band: &Priced,
    readings: &mut Readings,
) -> Result<Decimal, NotPriceable> {
    let (prices, _tier) = pricing.for_prompt_borrowed(band.prompt_tokens_from);
    let s = &band.sums;
    let prompt = required(prices.prompt, "input")?;
    let completion = required(prices.completion, "output")?;
    let or_input = |price: Option<Price>, tokens: u64, flag: &mut bool| {
        if tokens == 0 {
            return Ok(Decimal::ZERO);
        }
        Ok::<_, NotPriceable>(match optional(price)? {
            Some(price) => price,
            None => {
                *flag = true;
                prompt
            }
        })
    };
    let read = or_input(
        prices.input_cache_read,
        s.cache_read,
        &mut readings.cache_read_as_input,
    )?;
    let write_5m = or_input(
        prices.input_cache_write,
        s.cache_write_5m,
        &mut readings.write_5m_as_input,
    )?;
    let write_1h = or_input(
        prices.input_cache_write_1h,
        s.cache_write_1h,
        &mut readings.write_1h_as_input,
    )?;
    let request = optional(prices.request)?.unwrap_or_default();
    let mut cost = Decimal::ZERO;
    for (tokens, price) in [
        (s.uncached_input, prompt),
        (s.cache_read, read),
        (s.cache_write_5m, write_5m),
        (s.cache_write_1h, write_1h),
        (s.output, completion),
    ] {
        if tokens > 0 {
            cost = add(cost, mul(Decimal::from(tokens), price)?)?;
        }
    }
    if !request.is_zero() {
        if band.requests_known {
            cost = add(cost, mul(Decimal::from(s.requests), request)?)?;
        } else {
            readings.request_fees_left_out = true;
        }
    }
    Ok(cost)
}

/// What `bands` cost at one seller's prices, `batch` its batch prices: on-demand bands at
/// `pricing`; batch bands at `batch` where it applies and is cheaper for them all together,
/// else on demand (the calculator's rule).
pub fn bands_cost(
    pricing: &Pricing,
    batch: Option<&Pricing>,
    bands: &[Priced],
) -> Result<(Decimal, Readings), NotPriceable> {
    let mut readings = Readings::default();
    let mut on_demand = Decimal::ZERO;
    let mut batch_at_list = Decimal::ZERO;
    let mut any_batch = false;
    for band in bands {
        let cost = band_cost(pricing, band, &mut readings)?;
        if band.batch {
            any_batch = true;
            batch_at_list = add(batch_at_list, cost)?;
        } else {
            on_demand = add(on_demand, cost)?;
        }
    }
    if !any_batch {
        return Ok((on_demand, readings));
    }
    let batch_cost = batch.map(|batch| {
        let mut batch_readings = Readings::default();
        bands
            .iter()
            .filter(|b| b.batch)
            .try_fold(Decimal::ZERO, |sum, band| {
                add(sum, band_cost(batch, band, &mut batch_readings)?)
            })
            .map(|cost| (cost, batch_readings))
    });
    let batch_part = match batch_cost {
        None => {
            readings.batch_on_demand = Some(BatchOnDemand::NoBatchPrice);
            batch_at_list
        }
        Some(Err(_)) => {
            readings.batch_on_demand = Some(BatchOnDemand::Unpriceable);
            batch_at_list
        }
        Some(Ok((cost, _))) if cost >= batch_at_list => {
            readings.batch_on_demand = Some(BatchOnDemand::NotCheaper);
            batch_at_list
        }
        Some(Ok((cost, batch_readings))) => {
            readings.merge(batch_readings);
            cost
        }
    };
    Ok((add(on_demand, batch_part)?, readings))
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal, NotPriceable> {
    a.checked_mul(b).ok_or(NotPriceable::Overflow)
}

fn add(a: Decimal, b: Decimal) -> Result<Decimal, NotPriceable> {
    a.checked_add(b).ok_or(NotPriceable::Overflow)
}

/// Adds `band` into `into`, merging with a band of the same lower bound, batch flag and
/// request knowledge (their sums are checked when read, and a model's spellings add up to
/// at most the file's sums, so saturating never changes a real figure).
fn merge_band(into: &mut Vec<Priced>, band: &Band) {
    match into.iter_mut().find(|p| {
        p.prompt_tokens_from == band.prompt_tokens_from
            && p.batch == band.batch
            && p.requests_known == band.requests_known
    }) {
        Some(p) => p.sums = p.sums.saturating_add(&band.sums),
        None => into.push(Priced {
            prompt_tokens_from: band.prompt_tokens_from,
            batch: band.batch,
            requests_known: band.requests_known,
            sums: band.sums,
        }),
    }
}

/// One seller's bill for one model's traffic.
#[derive(Clone, Debug, PartialEq)]
pub struct SellerCost {
    pub seller: Seller,
    pub seller_name: String,
    pub cost: Decimal,
    pub cheapest: bool,
    pub readings: Readings,
}

/// The traffic as exported, at list prices where it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct AsExported {
    /// The seller's key, or `mixed` when the model's spellings ran at several.
    pub seller: String,
    pub seller_name: String,
    pub cost: Decimal,
    /// How the seller was told (a provider the listing does not list, priced routed).
    pub note: Option<String>,
}

/// One resolved model's traffic, priced.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelBill {
    pub id: String,
    pub name: String,
    /// The exported spellings, each with the rule that resolved it.
    pub spellings: Vec<(String, String)>,
    pub total: Sums,
    pub requests_known: bool,
    pub batch_requests: u64,
    pub export_cost: Option<Decimal>,
    /// What decided the long-context tier of its traffic.
    pub tier_by: Vec<TierBy>,
    pub as_exported: Option<AsExported>,
    /// Every seller that could price it, cheapest first.
    pub sellers: Vec<SellerCost>,
    /// Sellers that could not, with the reason.
    pub unpriced: Vec<(String, String)>,
    pub quality: Option<f64>,
    pub bands: Vec<Priced>,
}

impl ModelBill {
    pub fn cheapest(&self) -> Option<&SellerCost> {
        self.sellers.first()
    }
}

/// Traffic of a name that could not be resolved: listed, never priced.
#[derive(Clone, Debug, PartialEq)]
pub struct UnresolvedName {
    pub name: String,
    pub variant: Option<String>,
    /// Every place the export says it ran.
    pub places: Vec<RanAt>,
    pub reason: String,
    pub total: Sums,
    pub requests_known: bool,
    pub export_cost: Option<Decimal>,
}

/// The whole traffic on one other model, at its cheapest seller.
#[derive(Clone, Debug, PartialEq)]
pub struct Alternative {
    pub id: String,
    pub name: String,
    pub seller_name: String,
    pub cost: Decimal,
    pub quality: Option<f64>,
    /// What the cost leaves out or reads specially.
    pub left_out: Vec<&'static str>,
    /// The cheapest model at or above the traffic's current quality.
    pub quality_pick: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    /// At list prices where the traffic ran, over the models whose seller the export tells.
    pub as_exported: Option<Decimal>,
    /// Each model at its cheapest seller.
    pub cheapest_sellers: Option<Decimal>,
    /// The export's own cost over every row read, unresolved included.
    pub export_cost: Option<Decimal>,
}

impl Totals {
    /// Our list-price total against the export's own cost, in per cent of the latter.
    pub fn difference_percent(&self) -> Option<Decimal> {
        let (ours, theirs) = (self.as_exported?, self.export_cost?);
        if theirs.is_zero() {
            return None;
        }
        (ours - theirs)
            .checked_div(theirs)?
            .checked_mul(Decimal::ONE_HUNDRED)
    }

    /// What moving each model to its cheapest seller saves on the as-exported total.
    pub fn saving(&self) -> Option<Decimal> {
        Some(self.as_exported? - self.cheapest_sellers?)
    }
}

/// The priced answer to one reading.
#[derive(Clone, Debug, PartialEq)]
pub struct UsageBill {
    pub models: Vec<ModelBill>,
    pub unresolved: Vec<UnresolvedName>,
    pub totals: Totals,
    pub alternatives: Vec<Alternative>,
    /// How many models could take the whole traffic (the list shows the cheapest).
    pub alternatives_counted: usize,
    /// The best quality index among the models the traffic uses now.
    pub current_quality: Option<f64>,
    /// The largest request-size band the traffic reaches: a model's window must exceed it.
    pub largest_band: u64,
}

/// One seller of a listing, as a bill there reads it.
struct Offer<'m> {
    seller: &'m Seller,
    seller_name: &'m str,
    pricing: &'m Pricing,
    batch: Option<&'m Pricing>,
}

/// Every seller a listing can be billed at on `day`, from the market's index: a variant
/// (`:free`, an alias, a row priced as its own) at its routed price alone, a base or `-fast`
/// listing at every seller. Lists in another currency are shown elsewhere, never billed.
fn offers<'m>(market: &'m Market, model: &'m Model, day: NaiveDate) -> Vec<Offer<'m>> {
    market
        .sellers()
        .ways(market, model, day)
        .filter(|way| way.offer.tag.comparable)
        .map(|way| Offer {
            seller: way.offer.seller(),
            seller_name: &way.offer.tag.seller_name,
            pricing: &way.listing.pricing,
            batch: way.batch.map(|b| &b.pricing),
        })
        .collect()
}

/// Where an entry ran, as one of `offers`, when the export tells; with a note when it is
/// told only roughly.
fn ran_at_offer<'o, 'm>(
    ran_at: &RanAt,
    name: &str,
    offers: &'o [Offer<'m>],
) -> Option<(&'o Offer<'m>, Option<String>)> {
    let find = |seller: &Seller| offers.iter().find(|t| t.seller == seller);
    let routed = || find(&Seller::Routed);
    match ran_at {
        RanAt::OpenRouter { provider: None } => routed().map(|t| (t, None)),
        RanAt::OpenRouter {
            provider: Some(provider),
        } => {
            let named = format!("{provider} via OpenRouter");
            match offers.iter().find(|t| {
                t.seller.kind() == SellerKind::RoutedProvider
                    && t.seller_name.eq_ignore_ascii_case(&named)
            })
            {
                Some(tag) => Some((tag, None)),
                None => routed().map(|t| {
                    (
                        t,
                        Some(format!(
                            "{provider} is not among the listing's providers: priced at OpenRouter's routed price"
                        )),
                    )
                }),
            }
        }
        RanAt::FirstParty { provider } => find(&Seller::FirstParty {
            provider: (*provider).to_string(),
        })
        .map(|t| (t, None)),
        RanAt::Bedrock { cloud, .. } => find(&Seller::Cloud(*cloud))
            .or_else(|| find(&Seller::Cloud(Cloud::Bedrock)))
            .map(|t| (t, None)),
        RanAt::LiteLlm { provider } => {
            let provider = provider.as_deref()?.to_lowercase();
            let seller = match provider.as_str() {
                "openrouter" => Seller::Routed,
                "bedrock" | "bedrock_converse" => Seller::Cloud(if name.contains("global.") {
                    Cloud::BedrockGlobal
                } else {
                    Cloud::BedrockInRegion
                }),
                "vertex_ai" | "vertex_ai_beta" => Seller::Cloud(Cloud::Vertex),
                "azure" | "azure_ai" => Seller::Cloud(Cloud::Azure),
                "gemini" => Seller::FirstParty {
                    provider: "google".into(),
                },
                "mistral" | "openai" | "anthropic" | "deepseek" | "cohere" | "perplexity" => {
                    Seller::FirstParty { provider }
                }
                "xai" => Seller::FirstParty {
                    provider: "x-ai".into(),
                },
                _ => return None,
            };
            find(&seller).map(|t| (t, None))
        }
        RanAt::Unstated => None,
    }
}

/// Prices `reading` at every seller in `market` on `day`.
pub fn price_reading(market: &Market, reading: &Reading, day: NaiveDate) -> UsageBill {
    let resolver = NameResolver::new(market);
    // Resolved id → the entries of the reading it holds.
    let mut by_model: BTreeMap<String, Vec<(&NameTraffic, String)>> = BTreeMap::new();
    let mut unresolved = Vec::new();
    for entry in &reading.traffic {
        match resolver.resolve(&entry.name, entry.variant.as_deref(), entry.ran_at.as_ref()) {
            Ok(found) => by_model
                .entry(found.id)
                .or_default()
                .push((entry, found.rule)),
            Err(reason) => match unresolved
                .iter_mut()
                .find(|u: &&mut UnresolvedName| u.name == entry.name && u.variant == entry.variant)
            {
                // One name at several places is one unresolved name.
                Some(same) => {
                    same.total = same.total.saturating_add(&entry.total());
                    same.requests_known &= entry.requests_known;
                    same.export_cost = sum_known([same.export_cost, entry.export_cost].into_iter());
                    same.places.push(entry.ran_at.clone());
                }
                None => unresolved.push(UnresolvedName {
                    name: entry.name.clone(),
                    variant: entry.variant.clone(),
                    places: vec![entry.ran_at.clone()],
                    reason,
                    total: entry.total(),
                    requests_known: entry.requests_known,
                    export_cost: entry.export_cost,
                }),
            },
        }
    }

    let mut models = Vec::new();
    for (id, entries) in by_model {
        models.push(price_model(market, &id, &entries, day));
    }

    let totals = Totals {
        as_exported: sum_known(
            models
                .iter()
                .map(|m| m.as_exported.as_ref().map(|a| a.cost)),
        ),
        cheapest_sellers: sum_known(models.iter().map(|m| m.cheapest().map(|s| s.cost))),
        export_cost: sum_known(reading.traffic.iter().map(|e| e.export_cost)),
    };

    // The whole traffic, resolved or not, for the other models.
    let mut whole: Vec<Priced> = Vec::new();
    for entry in &reading.traffic {
        for band in &entry.bands {
            merge_band(&mut whole, band);
        }
    }
    let largest_band = whole
        .iter()
        .map(|b| b.prompt_tokens_from)
        .max()
        .unwrap_or(0);
    let current_quality = models
        .iter()
        .filter_map(|m| m.quality)
        .fold(None, |best: Option<f64>, q| {
            Some(best.map_or(q, |b| b.max(q)))
        });
    let (alternatives, alternatives_counted) =
        alternatives(market, &whole, largest_band, current_quality, day);
    UsageBill {
        models,
        unresolved,
        totals,
        alternatives,
        alternatives_counted,
        current_quality,
        largest_band,
    }
}

/// The sum of the known figures; `None` when none is known (or they overflow).
fn sum_known(figures: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    figures
        .flatten()
        .try_fold(None::<Decimal>, |total, figure| {
            Some(Some(total.unwrap_or_default().checked_add(figure)?))
        })
        .flatten()
}

fn price_model(
    market: &Market,
    id: &str,
    entries: &[(&NameTraffic, String)],
    day: NaiveDate,
) -> ModelBill {
    let listing = market.get(id).map(|e| &e.model);
    let offers = listing.map_or_else(Vec::new, |model| offers(market, model, day));
    let mut bands = Vec::new();
    let mut tier_by = Vec::new();
    let mut total = Sums::default();
    let mut export_cost: Option<Decimal> = None;
    for (entry, _) in entries {
        for band in &entry.bands {
            merge_band(&mut bands, band);
            if !tier_by.contains(&band.tier_by) {
                tier_by.push(band.tier_by);
            }
        }
        total = total.saturating_add(&entry.total());
        if let Some(cost) = entry.export_cost {
            export_cost = Some(export_cost.unwrap_or_default().saturating_add(cost));
        }
    }
    tier_by.sort();

    let mut sellers = Vec::new();
    let mut unpriced = Vec::new();
    for offer in &offers {
        match bands_cost(offer.pricing, offer.batch, &bands) {
            Ok((cost, readings)) => sellers.push(SellerCost {
                seller: offer.seller.clone(),
                seller_name: offer.seller_name.to_string(),
                cost,
                cheapest: false,
                readings,
            }),
            Err(why) => unpriced.push((offer.seller_name.to_string(), why.to_string())),
        }
    }
    // Cheapest first; ties keep the index's order (routed, providers, maker, clouds).
    sellers.sort_by_key(|s| s.cost);
    if let Some(low) = sellers.first().map(|s| s.cost) {
        for seller in sellers.iter_mut().filter(|s| s.cost == low) {
            seller.cheapest = true;
        }
    }

    // As exported: each spelling's traffic at the seller it ran at.
    let mut as_exported: Option<AsExported> = None;
    let mut told_all = true;
    for (entry, _) in entries {
        let own: Vec<Priced> = entry.bands.iter().fold(Vec::new(), |mut v, b| {
            merge_band(&mut v, b);
            v
        });
        let Some((offer, note)) = ran_at_offer(&entry.ran_at, &entry.name, &offers) else {
            told_all = false;
            continue;
        };
        let Ok((cost, _)) = bands_cost(offer.pricing, offer.batch, &own) else {
            told_all = false;
            continue;
        };
        as_exported = Some(match as_exported {
            None => AsExported {
                seller: offer.seller.key(),
                seller_name: offer.seller_name.to_string(),
                cost,
                note,
            },
            Some(so_far) => AsExported {
                seller: if so_far.seller == offer.seller.key() {
                    so_far.seller
                } else {
                    "mixed".into()
                },
                seller_name: if so_far.seller_name == offer.seller_name {
                    so_far.seller_name
                } else {
                    "several sellers".into()
                },
                cost: so_far.cost.saturating_add(cost),
                note: so_far.note.or(note),
            },
        });
    }
    if !told_all && let Some(a) = as_exported.as_mut() {
        a.note.get_or_insert_with(|| {
            "part of its traffic does not say where it ran: left out of this figure".into()
        });
    }

    ModelBill {
        id: id.to_string(),
        name: listing.map_or_else(|| id.to_string(), |m| m.name.clone()),
        // One line per spelling, however many places it ran at.
        spellings: entries.iter().fold(Vec::new(), |mut spellings, (e, rule)| {
            if !spellings
                .iter()
                .any(|(name, _): &(String, String)| name == &e.name)
            {
                spellings.push((e.name.clone(), rule.clone()));
            }
            spellings
        }),
        total,
        requests_known: entries.iter().all(|(e, _)| e.requests_known),
        batch_requests: entries
            .iter()
            .fold(0, |n, (e, _)| n.saturating_add(e.batch_requests())),
        export_cost,
        tier_by,
        as_exported,
        sellers,
        unpriced,
        quality: listing.and_then(|m| m.quality.intelligence),
        bands,
    }
}

/// The whole traffic on every active listing whose window exceeds the largest band it
/// reaches, each at its cheapest seller, cheapest first: the first [`ALTERNATIVES_SHOWN`],
/// with the cheapest at or above `quality` marked (and listed, if it is further down).
fn alternatives(
    market: &Market,
    whole: &[Priced],
    largest_band: u64,
    quality: Option<f64>,
    day: NaiveDate,
) -> (Vec<Alternative>, usize) {
    let mut all: Vec<Alternative> = Vec::new();
    for entry in market.active() {
        let model = &entry.model;
        // Free rows, variable prices and models billed per item they make are no yardstick.
        if !matches!(model.variant, Variant::Base | Variant::Fast)
            || model
                .context_length
                .is_none_or(|window| window <= largest_band)
            || model.charging() != Charging::PerToken
        {
            continue;
        }
        let best = offers(market, model, day)
            .into_iter()
            .filter_map(|offer| {
                let (cost, readings) = bands_cost(offer.pricing, offer.batch, whole).ok()?;
                Some((cost, readings, offer.seller_name))
            })
            .min_by(|a, b| a.0.cmp(&b.0));
        if let Some((cost, readings, seller_name)) = best {
            all.push(Alternative {
                id: model.id.clone(),
                name: model.name.clone(),
                seller_name: seller_name.to_string(),
                cost,
                quality: model.quality.intelligence,
                left_out: readings.sentences(),
                quality_pick: false,
            });
        }
    }
    all.sort_by(|a, b| a.cost.cmp(&b.cost).then_with(|| a.id.cmp(&b.id)));
    let counted = all.len();
    let pick = quality.and_then(|q| all.iter().position(|a| a.quality.is_some_and(|aq| aq >= q)));
    if let Some(at) = pick {
        all[at].quality_pick = true;
        if at >= ALTERNATIVES_SHOWN {
            let picked = all.swap_remove(at);
            all.truncate(ALTERNATIVES_SHOWN);
            all.push(picked);
            return (all, counted);
        }
    }
    all.truncate(ALTERNATIVES_SHOWN);
    (all, counted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::{PriceOverride, PriceSet};
    use proptest::prelude::*;

    fn prices(entries: &[(&str, &str)]) -> PriceSet {
        let mut set = PriceSet::default();
        for (key, value) in entries {
            set.set(key, Price::parse(value).unwrap());
        }
        set
    }

    fn d(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    fn band(from: u64, batch: bool, sums: Sums) -> Priced {
        Priced {
            prompt_tokens_from: from,
            batch,
            requests_known: true,
            sums,
        }
    }

    fn tiered() -> Pricing {
        Pricing {
            base: prices(&[
                ("prompt", "0.000003"),
                ("completion", "0.000015"),
                ("input_cache_read", "0.0000003"),
                ("input_cache_write", "0.00000375"),
                ("request", "0.001"),
            ]),
            overrides: vec![PriceOverride {
                min_prompt_tokens: Some(200_001),
                prices: prices(&[("prompt", "0.000006"), ("completion", "0.0000225")]),
                ..PriceOverride::default()
            }],
        }
    }

    #[test]
    fn each_band_is_billed_at_its_own_tier_and_a_missing_cache_price_is_the_input_price() {
        let sums = Sums {
            requests: 2,
            uncached_input: 1_000_000,
            cache_read: 1_000_000,
            cache_write_5m: 1_000_000,
            cache_write_1h: 1_000_000,
            output: 1_000_000,
        };
        let (cost, readings) = bands_cost(
            &tiered(),
            None,
            &[band(0, false, sums), band(200_001, false, sums)],
        )
        .unwrap();
        // Below: 3 + 0.3 + 3.75 + 3 (1 h write at input) + 15 + 0.002 fees.
        // Above: the tier's input 6 and output 22.5; cache prices are the base ones, the 1 h
        // write at the tier's input: 6 + 0.3 + 3.75 + 6 + 22.5 + 0.002.
        assert_eq!(cost, d("25.052") + d("38.552"));
        assert!(readings.write_1h_as_input && !readings.cache_read_as_input);
    }

    #[test]
    fn batch_traffic_takes_the_batch_price_only_when_it_is_cheaper() {
        let sums = Sums {
            requests: 1,
            uncached_input: 1_000_000,
            output: 1_000_000,
            ..Sums::default()
        };
        let half = Pricing {
            base: prices(&[("prompt", "0.0000015"), ("completion", "0.0000075")]),
            overrides: vec![],
        };
        let bands = [band(0, false, sums), band(0, true, sums)];
        let (cost, readings) = bands_cost(&tiered(), Some(&half), &bands).unwrap();
        assert_eq!(cost, d("18.001") + d("9"));
        assert_eq!(readings.batch_on_demand, None);
        let dearer = Pricing {
            base: prices(&[("prompt", "0.00003"), ("completion", "0.00003")]),
            overrides: vec![],
        };
        let (cost, readings) = bands_cost(&tiered(), Some(&dearer), &bands).unwrap();
        assert_eq!(cost, d("18.001") * d("2"));
        assert_eq!(readings.batch_on_demand, Some(BatchOnDemand::NotCheaper));
        let (_, readings) = bands_cost(&tiered(), None, &bands).unwrap();
        assert_eq!(readings.batch_on_demand, Some(BatchOnDemand::NoBatchPrice));
    }

    #[test]
    fn without_a_request_count_per_request_fees_are_left_out_and_said_so() {
        let priced = Priced {
            requests_known: false,
            ..band(
                0,
                false,
                Sums {
                    uncached_input: 1_000_000,
                    ..Sums::default()
                },
            )
        };
        let (cost, readings) = bands_cost(&tiered(), None, &[priced]).unwrap();
        assert_eq!(cost, d("3"));
        assert!(readings.request_fees_left_out);
    }

    #[test]
    fn other_models_are_those_that_take_the_largest_band_and_charge_per_token() {
        use crate::model::Model;
        use crate::usage::Thresholds;
        let window = |mut m: Model, tokens: u64| {
            m.context_length = Some(tokens);
            m
        };
        let mut song = window(Model::at_per_million("tunes/song", 0, 0), 300_000);
        song.output_modalities = vec!["audio".into()];
        let catalogue = crate::store::Catalogue::of_models([
            (window(Model::at_per_million("a/big", 2, 8), 300_000), true),
            (
                window(Model::at_per_million("a/cheap-small", 1, 1), 100_000),
                true,
            ),
            (
                window(Model::at_per_million("a/dear", 5, 20), 1_000_000),
                true,
            ),
            (
                window(Model::at_per_million("a/big:free", 0, 0), 300_000),
                true,
            ),
            (window(Model::at_per_million("a/zero", 0, 0), 300_000), true),
            (song, true),
        ]);
        let mix = "model,requests,input_tokens,cache_read_tokens,cache_write_5m_tokens,\
                   cache_write_1h_tokens,output_tokens,batch_requests,prompt_tokens_from\n\
                   a/big,1,200000,0,0,0,1000,0,200000\n\
                   nobody/knows,1,10,0,0,0,1,0,0\n";
        let reading = crate::usage::read(mix.as_bytes(), &Thresholds::new([200_000])).unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let bill = price_reading(&Market::new(catalogue), &reading, day);
        assert_eq!(bill.largest_band, 200_000);
        let ids: Vec<&str> = bill.alternatives.iter().map(|a| a.id.as_str()).collect();
        // The small window cannot take the largest requests; free rows, a zero-priced text
        // model and a model billed per song are no yardstick.
        assert_eq!(ids, ["a/big", "a/dear"]);
        // The whole traffic, the unresolved name's included: 200,010 input tokens at $2 and
        // 1,001 output tokens at $8 per million.
        assert_eq!(bill.alternatives[0].cost, d("0.40002") + d("0.008008"));
        assert_eq!(bill.unresolved.len(), 1);
        assert_eq!(bill.unresolved[0].name, "nobody/knows");
    }

    /// One request: (prompt uncached, cache read, 5-min write, 1-h write, output, batch).
    type Request = (u64, u64, u64, u64, u64, bool);

    fn request_band(r: &Request, from: u64) -> Priced {
        band(
            from,
            r.5,
            Sums {
                requests: 1,
                uncached_input: r.0,
                cache_read: r.1,
                cache_write_5m: r.2,
                cache_write_1h: r.3,
                output: r.4,
            },
        )
    }

    /// What one request costs at `pricing`, from its own prompt's prices: the reference the
    /// banded pricing must agree with.
    fn one_request(pricing: &Pricing, r: &Request) -> Decimal {
        let prompt_tokens = r.0 + r.1 + r.2 + r.3;
        let (prices, _) = pricing.for_prompt(prompt_tokens);
        let price = |p: Option<Price>| p.and_then(Price::usd);
        let input = price(prices.prompt).unwrap();
        Decimal::from(r.0) * input
            + Decimal::from(r.1) * price(prices.input_cache_read).unwrap_or(input)
            + Decimal::from(r.2) * price(prices.input_cache_write).unwrap_or(input)
            + Decimal::from(r.3) * price(prices.input_cache_write_1h).unwrap_or(input)
            + Decimal::from(r.4) * price(prices.completion).unwrap()
            + price(prices.request).unwrap_or_default()
    }

    proptest! {
        /// Pricing every request on its own (its own tier, the batch decision made once over
        /// all batch requests, as the aggregate makes it) equals pricing the banded sums.
        #[test]
        fn per_request_pricing_equals_the_aggregated_pricing(
            requests in prop::collection::vec(
                (0u64..300_000, 0u64..50_000, 0u64..20_000, 0u64..20_000, 0u64..8_000, any::<bool>()),
                1..120,
            ),
            cheap_batch in any::<bool>(),
        ) {
            let pricing = tiered();
            let batch = Pricing {
                base: prices(if cheap_batch {
                    &[("prompt", "0.0000015"), ("completion", "0.0000075")]
                } else {
                    &[("prompt", "0.00001"), ("completion", "0.00005")]
                }),
                overrides: vec![],
            };
            let thresholds = crate::usage::Thresholds::new([200_001]);
            // Aggregated: banded by each request's whole prompt, as the reader bands them.
            let mut bands: Vec<Priced> = Vec::new();
            for r in &requests {
                let prompt = r.0 + r.1 + r.2 + r.3;
                let from = thresholds.band_of(prompt);
                let one = request_band(r, from);
                match bands.iter_mut().find(|b| b.prompt_tokens_from == from && b.batch == r.5) {
                    Some(b) => b.sums = b.sums.checked_add(&one.sums).unwrap(),
                    None => bands.push(one),
                }
            }
            let (aggregated, _) = bands_cost(&pricing, Some(&batch), &bands).unwrap();

            // Per request, worked out on its own: the tier its own prompt selects, every
            // component at its price or the input price, the request fee.
            let mut on_demand = Decimal::ZERO;
            let mut batch_at_list = Decimal::ZERO;
            let mut batch_at_batch = Decimal::ZERO;
            for r in &requests {
                if r.5 {
                    batch_at_list += one_request(&pricing, r);
                    batch_at_batch += one_request(&batch, r);
                } else {
                    on_demand += one_request(&pricing, r);
                }
            }
            let per_request = on_demand + batch_at_list.min(batch_at_batch);
            prop_assert_eq!(aggregated, per_request);
        }
    }
}
