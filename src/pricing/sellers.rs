//! Which seller bills a workload. The calculator's `sellers=routed` (the default) bills every
//! model at OpenRouter's routed price, as it always has; `sellers=all` prices each model at
//! every seller the market knows ([`super::market`]: the routed price, each OpenRouter
//! provider, the maker's own API, each cloud), each with its own cache and batch prices, and
//! bills it at the cheapest that meets the reader's filters. [`every_seller`] is one listing's
//! bill at each of its sellers, cheapest first: the bill page, the model page, `/compare` and
//! the price-tags API show it, so every page quotes the same number for the same seller.
//!
//! The maths is the calculator's own ([`Itemiser`]): a seller's prices are a listing of their
//! own, so tiers, cache fallbacks, the batch rules and rounding are the same code.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use super::batch_discounts::BatchDiscount;
use super::calculator::{
    CalculatorResult, Detail, Itemiser, MonthlyBill, Unpriced, Workload, WorkloadError,
    sort_cheapest_first,
};
use super::market::{Market, Offer, Way};
use super::price_tags::BatchPriceSource;
use super::providers::{ProviderFilters, Shortfall, shortfalls};
use super::selection::{self, Choice, Outcome};
use crate::feed::Feed;
use crate::format::group_thousands;
use crate::model::Model;
use crate::seller::{Seller, SellerKind};

/// Which sellers the calculator bills at (its `sellers` parameter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sellers {
    /// OpenRouter's routed price, as the calculator always priced.
    #[default]
    Routed,
    /// Every seller of each model; the cheapest that meets the filters bills it.
    All,
}

impl Sellers {
    pub const ALL: [Sellers; 2] = [Sellers::Routed, Sellers::All];

    /// The value of the `sellers` parameter.
    pub fn key(self) -> &'static str {
        match self {
            Sellers::Routed => "routed",
            Sellers::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<Sellers> {
        Sellers::ALL.into_iter().find(|s| s.key() == text)
    }

    /// The form's option text.
    pub fn label(self) -> &'static str {
        match self {
            Sellers::Routed => "OpenRouter's routed price",
            Sellers::All => "every seller, cheapest first",
        }
    }

    /// What the choice means, in one line.
    pub fn words(self) -> &'static str {
        match self {
            Sellers::Routed => {
                "what OpenRouter charges when it picks the provider for you (the default)"
            }
            Sellers::All => {
                "each model at every seller we know (the routed price, each OpenRouter \
                 provider, the maker's own API, each cloud), each with its own cache and batch \
                 prices, and billed at the cheapest that meets the filters below"
            }
        }
    }
}

/// The narrowing a buyer asks of the sellers: the where-to-buy filters (place, uptime,
/// precision, features) and "the maker and the clouds only".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SellerFilters {
    pub places: ProviderFilters,
    /// Only the maker's own API and the clouds: no reseller, not the routed price.
    pub maker_and_clouds: bool,
}

impl SellerFilters {
    pub fn is_empty(&self) -> bool {
        !self.maker_and_clouds && self.places.is_empty()
    }

    /// Every way `offer` fails the filters, in a fixed order; empty when it qualifies.
    pub fn shortfalls(&self, offer: &Offer) -> Vec<Shortfall> {
        let mut out = Vec::new();
        if self.maker_and_clouds
            && !matches!(offer.kind(), SellerKind::FirstParty | SellerKind::Cloud)
        {
            out.push(Shortfall::Reseller);
        }
        out.extend(shortfalls(&offer.facts(), &self.places));
        out
    }

    pub fn qualifies(&self, offer: &Offer) -> bool {
        self.is_empty() || self.shortfalls(offer).is_empty()
    }
}

/// Who a bill was priced at, and where that price comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct PricedSeller {
    pub seller: Seller,
    /// The seller's name, for readers.
    pub name: String,
    /// Where its price was fetched.
    pub feed: Feed,
    pub source_url: Option<String>,
    /// When the source's data was taken.
    pub as_of: Option<DateTime<Utc>>,
    /// When this price took effect, where the source dates it.
    pub since: Option<NaiveDate>,
    /// The precision the seller states when it is below the 16-bit original (`fp8`), or
    /// `None` (full precision, or not stated).
    pub quantization: Option<String>,
    /// Where the batch price it was billed with comes from, when it has one.
    pub batch_source: Option<BatchPriceSource>,
    /// The reviewed table's line, when the batch price comes from it.
    pub batch_discount: Option<&'static BatchDiscount>,
}

impl PricedSeller {
    pub fn of(offer: &Offer) -> PricedSeller {
        let tag = &offer.tag;
        PricedSeller {
            seller: tag.seller.clone(),
            name: tag.seller_name.clone(),
            feed: tag.feed,
            source_url: tag.source_url.clone(),
            as_of: tag.as_of,
            since: tag.since,
            quantization: offer.quantization.clone().filter(|_| reduced(offer)),
            batch_source: tag.batch_source,
            batch_discount: tag.batch_discount,
        }
    }

    /// OpenRouter's routed price of the listing `id`, for a listing the index lacks.
    pub fn routed(catalogue: &crate::store::Catalogue, id: &str) -> PricedSeller {
        PricedSeller {
            seller: Seller::Routed,
            name: crate::seller::ROUTED_NAME.into(),
            feed: Feed::OpenRouterCatalogue,
            source_url: Some(format!("https://openrouter.ai/{id}")),
            as_of: catalogue.freshness.as_of(),
            since: None,
            quantization: None,
            batch_source: catalogue
                .batch_listing(id)
                .map(|_| BatchPriceSource::Listing),
            batch_discount: None,
        }
    }

    pub fn kind(&self) -> SellerKind {
        self.seller.kind()
    }

    /// "DeepInfra via OpenRouter (fp8)": the name, with a reduced precision said.
    pub fn name_with_precision(&self) -> String {
        match &self.quantization {
            Some(q) => format!("{} ({q})", self.name),
            None => self.name.clone(),
        }
    }
}

/// Why a seller has no bill for the workload: it cannot be priced, or its window cannot hold
/// one request (a provider may serve a smaller window than the routed listing states).
fn price_way(
    pricer: &Itemiser<'_>,
    way: Way<'_>,
    needed: u64,
    detail: Detail,
) -> Result<MonthlyBill, String> {
    if let Some(window) = way.listing.context_length.filter(|w| *w < needed) {
        return Err(format!(
            "its context window ({} tokens) cannot hold one request ({} tokens)",
            group_thousands(window),
            group_thousands(needed)
        ));
    }
    pricer
        .price(way.listing, way.batch, detail)
        .map_err(|why| why.to_string())
}

/// One seller's bill for a workload.
#[derive(Clone, Debug)]
pub struct SellerBill<'a> {
    pub way: Way<'a>,
    pub seller: PricedSeller,
    /// The bill, or why there is none.
    pub bill: Result<MonthlyBill, String>,
    /// Why the filters leave this seller out; empty when it qualifies.
    pub shortfalls: Vec<Shortfall>,
    /// The seller the calculator bills the listing at: the cheapest that qualifies (the
    /// first of a tie, the routed price before the others).
    pub cheapest: bool,
}

impl SellerBill<'_> {
    pub fn qualifies(&self) -> bool {
        self.shortfalls.is_empty()
    }

    pub fn monthly_cost(&self) -> Option<Decimal> {
        self.bill.as_ref().ok().map(|b| b.monthly_cost)
    }
}

/// The listing `model`'s bill at each of its sellers on `day`, each priced to `detail` with
/// the same calculator, for requests that need `needed` tokens of window: those that meet
/// `filters` first, cheapest first, then those without a bill, then those the filters leave
/// out (priced too, so a page can say what they would cost). An error is the calculator's
/// own check on the workload.
pub fn every_seller<'a>(
    market: &'a Market,
    model: &'a Model,
    workload: &Workload,
    filters: &SellerFilters,
    needed: u64,
    day: NaiveDate,
    detail: Detail,
) -> Result<Vec<SellerBill<'a>>, WorkloadError> {
    let pricer = Itemiser::new(workload).map_err(|_| WorkloadError::TooLarge)?;
    let mut rows: Vec<SellerBill<'a>> = market
        .sellers()
        .ways(market, model, day)
        .map(|way| SellerBill {
            way,
            seller: PricedSeller::of(way.offer),
            bill: price_way(&pricer, way, needed, detail),
            shortfalls: filters.shortfalls(way.offer),
            cheapest: false,
        })
        .collect();
    // The calculator's pick: the first of the lowest cost among those that qualify.
    let mut best: Option<(usize, Decimal)> = None;
    for (i, row) in rows.iter().enumerate() {
        if let (true, Some(cost)) = (row.qualifies(), row.monthly_cost())
            && best.is_none_or(|(_, b)| cost < b)
        {
            best = Some((i, cost));
        }
    }
    if let Some((i, _)) = best {
        rows[i].cheapest = true;
    }
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |row: &SellerBill| (!row.qualifies(), row.bill.is_err());
        key(&rows[a])
            .cmp(&key(&rows[b]))
            .then_with(|| rows[a].monthly_cost().cmp(&rows[b].monthly_cost()))
            .then_with(|| a.cmp(&b))
    });
    let mut slots: Vec<Option<SellerBill<'a>>> = rows.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .filter_map(|i| slots.get_mut(i).and_then(Option::take))
        .collect())
}

/// Why a model has no bill under `sellers=all`: none of its sellers meets the filters.
pub const NO_SELLER: &str = "no seller meets your filters";

/// The seller a bill was priced at under `sellers=all`, how many sellers were priced, and
/// the cheapest that serves the model at full precision and from its maker.
#[derive(Clone, Copy, Debug)]
struct Chosen<'a> {
    way: Way<'a>,
    priced: usize,
    full_precision: Option<(Way<'a>, Decimal)>,
    maker: Option<(Way<'a>, Decimal)>,
}

/// A bill at another kind of seller than the cheapest, for the answer's "at full precision"
/// and "from the maker".
#[derive(Clone, Debug, PartialEq)]
pub struct Alternative {
    pub id: String,
    pub name: String,
    pub seller: PricedSeller,
    pub monthly_cost: Decimal,
}

/// Which alternative the answer names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlternativeKind {
    /// Not at a stated reduced precision.
    FullPrecision,
    /// At the maker's own API.
    Maker,
}

/// Keeps the cheaper of `slot` and (`way`, `cost`); the earlier wins a tie.
fn keep_cheaper<'a>(slot: &mut Option<(Way<'a>, Decimal)>, way: Way<'a>, cost: Decimal) {
    if slot.as_ref().is_none_or(|(_, c)| cost < *c) {
        *slot = Some((way, cost));
    }
}

/// Whether a seller states a precision below the 16-bit original.
fn reduced(offer: &Offer) -> bool {
    offer
        .quantization
        .as_deref()
        .is_some_and(super::providers::is_reduced_precision)
}

/// A priced workload with the seller of every bill.
pub struct Priced<'a> {
    pub sellers: Sellers,
    pub filters: SellerFilters,
    pub outcome: Outcome,
    /// Listings no seller meeting the filters could bill (under `sellers=all` only).
    pub no_seller: Vec<Unpriced>,
    /// The seller each bill was priced at under `sellers=all`.
    chosen: HashMap<String, Chosen<'a>, foldhash::fast::RandomState>,
    market: &'a Market,
    day: NaiveDate,
    needed: u64,
}

impl<'a> Priced<'a> {
    /// The seller of the bill of listing `id`.
    pub fn seller(&self, id: &str) -> PricedSeller {
        if let Some(chosen) = self.chosen.get(id) {
            return PricedSeller::of(chosen.way.offer);
        }
        // The routed price: the first way of every indexed listing.
        self.market
            .get(id)
            .and_then(|e| {
                self.market
                    .sellers()
                    .ways(self.market, &e.model, self.day)
                    .next()
            })
            .map_or_else(
                || PricedSeller::routed(self.market, id),
                |way| PricedSeller::of(way.offer),
            )
    }

    /// How many sellers were priced for listing `id` (under `sellers=all`).
    pub fn sellers_priced(&self, id: &str) -> Option<usize> {
        self.chosen.get(id).map(|c| c.priced)
    }

    /// Whether the bill of listing `id` is priced at an endpoint that states a reduced
    /// precision.
    pub fn at_reduced_precision(&self, id: &str) -> bool {
        self.chosen.get(id).is_some_and(|c| reduced(c.way.offer))
    }

    /// The cheapest paid bill shown at `kind` of seller (under `sellers=all`), for the answer.
    pub fn cheapest(&self, kind: AlternativeKind) -> Option<Alternative> {
        self.outcome
            .shown
            .bills
            .iter()
            .filter(|b| !b.free)
            .filter_map(|bill| {
                let chosen = self.chosen.get(&bill.id)?;
                let (way, cost) = match kind {
                    AlternativeKind::FullPrecision => chosen.full_precision?,
                    AlternativeKind::Maker => chosen.maker?,
                };
                Some((bill, way, cost))
            })
            .min_by(|a, b| a.2.cmp(&b.2).then_with(|| a.0.id.cmp(&b.0.id)))
            .map(|(bill, way, cost)| Alternative {
                id: bill.id.clone(),
                name: bill.name.clone(),
                seller: PricedSeller::of(way.offer),
                monthly_cost: cost,
            })
    }

    /// Listing `id`'s bill at each of its sellers, cheapest first, itemised, for the same
    /// workload and filters as this result ([`every_seller`]).
    pub fn every_seller(&self, workload: &Workload, id: &str) -> Vec<SellerBill<'a>> {
        let Some(entry) = self.market.get(id) else {
            return Vec::new();
        };
        every_seller(
            self.market,
            &entry.model,
            workload,
            &self.filters,
            self.needed,
            self.day,
            Detail::Itemised,
        )
        .unwrap_or_default()
    }

    /// Itemises the bill of listing `id`, if it has one, on the listings it was priced at
    /// (the bill page shows one bill of a result priced to its totals), as
    /// [`selection::itemise_where`] does: a bill that cannot be itemised becomes unpriced.
    pub fn itemise_bill(&mut self, w: &Workload, id: &str) {
        let (market, chosen) = (self.market, &self.chosen);
        selection::itemise_where(
            &mut self.outcome.shown,
            w,
            |bill| bill.id == id,
            |id| listings_of(market, chosen, id),
        );
    }

    /// The listing at the prices its bill was worked out with.
    pub fn priced_as(&self, id: &str) -> Option<&'a Model> {
        listings_of(self.market, &self.chosen, id).map(|(model, _)| model)
    }
}

/// The listings a bill for `id` was priced at: the chosen seller's, or the routed ones.
fn listings_of<'a>(
    market: &'a Market,
    chosen: &HashMap<String, Chosen<'a>, foldhash::fast::RandomState>,
    id: &str,
) -> Option<(&'a Model, Option<&'a Model>)> {
    match chosen.get(id) {
        Some(chosen) => Some((chosen.way.listing, chosen.way.batch)),
        None => selection::listing(market, id),
    }
}

/// Prices the workload on the chosen models at `sellers` (see the module docs) on `day`. An
/// error is the calculator's own check on the workload.
///
/// The first `itemise_first` paid bills are itemised and the rest carry their totals, as in
/// [`selection::compute`].
pub fn compute<'a>(
    market: &'a Market,
    workload: &Workload,
    choice: &Choice,
    sellers: Sellers,
    filters: &SellerFilters,
    day: NaiveDate,
    itemise_first: usize,
) -> Result<Priced<'a>, String> {
    let needed = choice.context_needed;
    let mut priced = Priced {
        sellers,
        filters: filters.clone(),
        outcome: Outcome {
            shown: CalculatorResult {
                bills: Vec::new(),
                unpriced: Vec::new(),
            },
            left_out: Vec::new(),
            savings: None,
        },
        no_seller: Vec::new(),
        chosen: HashMap::default(),
        market,
        day,
        needed,
    };
    if sellers == Sellers::Routed {
        priced.outcome = selection::compute(market, workload, choice, itemise_first)?;
        return Ok(priced);
    }
    workload.validate().map_err(|e| e.to_string())?;
    let pricer = Itemiser::new(workload).map_err(|e| e.to_string())?;
    let detail = if itemise_first == usize::MAX {
        Detail::Itemised
    } else {
        Detail::Totals
    };
    let picked = selection::select(market, choice);
    let mut bills = Vec::with_capacity(picked.pairs.len());
    let mut unpriced = Vec::new();
    let mut chosen = HashMap::with_capacity_and_hasher(picked.pairs.len(), Default::default());
    for (model, _) in picked.pairs {
        let mut best: Option<(Way<'a>, MonthlyBill)> = None;
        let (mut full_precision, mut maker) = (None, None);
        let (mut count, mut first_error, mut any_qualifies) = (0, None, false);
        for way in market.sellers().ways(market, model, day) {
            if !filters.qualifies(way.offer) {
                continue;
            }
            any_qualifies = true;
            match price_way(&pricer, way, needed, detail) {
                Ok(bill) => {
                    count += 1;
                    let cost = bill.monthly_cost;
                    if !reduced(way.offer) {
                        keep_cheaper(&mut full_precision, way, cost);
                    }
                    if way.offer.kind() == SellerKind::FirstParty {
                        keep_cheaper(&mut maker, way, cost);
                    }
                    if best.as_ref().is_none_or(|(_, b)| cost < b.monthly_cost) {
                        best = Some((way, bill));
                    }
                }
                Err(why) => {
                    first_error.get_or_insert(why);
                }
            }
        }
        match best {
            Some((way, bill)) => {
                let seat = Chosen {
                    way,
                    priced: count,
                    full_precision,
                    maker,
                };
                chosen.insert(model.id.clone(), seat);
                bills.push(bill);
            }
            None => unpriced.push(Unpriced {
                id: model.id.clone(),
                name: model.short_name().to_string(),
                reason: match (any_qualifies, first_error) {
                    (true, Some(why)) => why,
                    _ => NO_SELLER.into(),
                },
            }),
        }
    }
    sort_cheapest_first(&mut bills);
    unpriced.sort_by(|a, b| a.id.cmp(&b.id));
    let mut outcome = selection::finish(
        market,
        workload,
        choice,
        CalculatorResult { bills, unpriced },
        picked.left_out,
        itemise_first,
        |id| listings_of(market, &chosen, id),
    );
    let (no_seller, unpriced): (Vec<Unpriced>, Vec<Unpriced>) = outcome
        .shown
        .unpriced
        .into_iter()
        .partition(|u| u.reason == NO_SELLER);
    outcome.shown.unpriced = unpriced;
    priced.outcome = outcome;
    priced.no_seller = no_seller;
    priced.chosen = chosen;
    Ok(priced)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;
    use crate::model::price::{Price, Pricing};
    use crate::store::Catalogue;
    use crate::store::endpoints::{Endpoint, ModelEndpoints};

    /// Up to $20/M in steps of $0.01/M: every product exact, so costs compare with `==`.
    fn per_token() -> impl Strategy<Value = Price> {
        (0i64..=2_000).prop_map(|n| Price::Usd(Decimal::new(n, 8)))
    }

    fn pricing() -> impl Strategy<Value = Pricing> {
        (per_token(), per_token(), proptest::option::of(per_token())).prop_map(
            |(prompt, completion, read)| {
                let mut pricing = Pricing::default();
                pricing.base.prompt = Some(prompt);
                pricing.base.completion = Some(completion);
                pricing.base.input_cache_read = read;
                pricing
            },
        )
    }

    fn endpoint() -> impl Strategy<Value = Endpoint> {
        (
            pricing(),
            prop_oneof![
                Just(None),
                Just(Some("fp8")),
                Just(Some("bf16")),
                Just(Some("int4")),
                Just(Some("unknown"))
            ],
            proptest::option::of(1_000u64..=300_000),
            any::<bool>(),
        )
            .prop_map(|(pricing, quantization, window, tools)| Endpoint {
                provider_name: String::new(),
                tag: String::new(),
                name: None,
                pricing,
                context_length: window,
                max_completion_tokens: None,
                max_prompt_tokens: None,
                quantization: quantization.map(str::to_string),
                status: None,
                uptime_last_5m: None,
                uptime_last_30m: None,
                uptime_last_1d: None,
                supported_parameters: if tools {
                    vec!["tools".into()]
                } else {
                    Vec::new()
                },
                supports_implicit_caching: None,
                latency_last_30m: None,
                throughput_last_30m: None,
            })
    }

    fn workload() -> impl Strategy<Value = Workload> {
        (
            1i64..=100_000,
            0i64..=100_000,
            0i64..=5_000,
            0i64..=100,
            0i64..=100,
        )
            .prop_map(|(r, i, o, h, b)| Workload {
                requests: r.into(),
                input_tokens: i.into(),
                output_tokens: o.into(),
                cache_hit: Decimal::new(h, 2),
                batch: Decimal::new(b, 2),
                ..Workload::default()
            })
    }

    fn filters() -> impl Strategy<Value = SellerFilters> {
        (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(full, tools, makers)| {
            SellerFilters {
                places: ProviderFilters {
                    full_precision: full,
                    tools,
                    ..ProviderFilters::default()
                },
                maker_and_clouds: makers,
            }
        })
    }

    /// A model (with a batch listing, perhaps) and its providers' endpoints, as a market.
    fn market(model: Pricing, batch: Option<Pricing>, mut endpoints: Vec<Endpoint>) -> Market {
        let mut listing = Model::new("p/model", "P: Model", model);
        listing.context_length = Some(1_000_000);
        let mut models = vec![(listing, true)];
        if let Some(pricing) = batch {
            models.push((
                Model::new("p/model:batch", "P: Model (batch)", pricing),
                true,
            ));
        }
        for (i, endpoint) in endpoints.iter_mut().enumerate() {
            endpoint.tag = format!("provider-{i}");
            endpoint.provider_name = format!("Provider {i}");
        }
        let endpoints = ModelEndpoints {
            model_id: "p/model".into(),
            endpoints,
            ..ModelEndpoints::default()
        };
        Market::new(
            Catalogue::of_models(models)
                .with_test_endpoints(HashMap::from([("p/model".into(), endpoints)])),
        )
    }

    proptest! {
        #[test]
        fn the_cheapest_seller_is_the_least_of_the_bills_at_every_seller(
            model in pricing(),
            batch in proptest::option::of(pricing()),
            endpoints in proptest::collection::vec(endpoint(), 0..5),
            w in workload(),
            filters in filters(),
        ) {
            let market = market(model, batch, endpoints);
            let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
            let choice = Choice {
                ids: Some(vec!["p/model".into()]),
                context_needed: w.request_tokens(),
                ..Choice::default()
            };
            let priced =
                compute(&market, &w, &choice, Sellers::All, &filters, day, 25).unwrap();
            let entry = market.get("p/model").unwrap();
            let every = every_seller(
                &market,
                &entry.model,
                &w,
                &filters,
                choice.context_needed,
                day,
                Detail::Totals,
            )
            .unwrap();
            let least = every
                .iter()
                .filter(|s| s.qualifies())
                .filter_map(SellerBill::monthly_cost)
                .min();
            let billed = priced.outcome.shown.bills.first().map(|b| b.monthly_cost);
            prop_assert_eq!(billed, least);
            // The seller marked cheapest is the one the calculator bills at.
            let marked: Vec<&SellerBill> = every.iter().filter(|s| s.cheapest).collect();
            prop_assert_eq!(marked.len(), usize::from(least.is_some()));
            if let Some(mark) = marked.first() {
                prop_assert_eq!(&mark.seller, &priced.seller("p/model"));
                prop_assert_eq!(mark.monthly_cost(), billed);
            }
            // A model no seller qualifies for is listed apart, never priced.
            if least.is_none() {
                let apart = priced.no_seller.iter().chain(&priced.outcome.shown.unpriced);
                prop_assert!(apart.into_iter().any(|u| u.id == "p/model"));
            }
        }
    }
}
