//! The calculator's `source=`: whose prices a workload is billed at. `routed` is OpenRouter's
//! routed price (the calculator as it always was); `official` is the cheapest, for this
//! workload, of the maker's own list and each cloud's (Bedrock, Vertex AI, Azure), batch and
//! cache prices included where the feed gives them; `cheapest` is the cheaper of those and the
//! routed price. Every bill names the seller it was priced at.
//!
//! The maths is the calculator's own ([`price_workload`]): a seller's prices are put on a copy
//! of the listing, so tiers, cache fallbacks, the batch rules and rounding are the same code.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::price_tags::{self, PriceTag};
use crate::feed::Feed;
use crate::model::price::Pricing;
use crate::model::{Model, Variant};
use crate::pricing::calculator::{
    CalculatorResult, MonthlyBill, NotPriceable, Unpriced, Workload, price_workload,
    sort_cheapest_first,
};
use crate::pricing::selection::{self, Choice, Outcome};
use crate::seller::{self, Seller};
use crate::store::Catalogue;
use crate::store::matching::is_looked_up;

/// Which sellers the calculator bills at (its `source` parameter, and the exports'
/// `price_source`): a choice of sellers, not a feed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SellerChoice {
    #[default]
    Routed,
    Official,
    Cheapest,
}

impl SellerChoice {
    pub const ALL: [SellerChoice; 3] = [
        SellerChoice::Routed,
        SellerChoice::Official,
        SellerChoice::Cheapest,
    ];

    /// The value of the `source` parameter.
    pub fn key(self) -> &'static str {
        match self {
            SellerChoice::Routed => "routed",
            SellerChoice::Official => "official",
            SellerChoice::Cheapest => "cheapest",
        }
    }

    pub fn parse(text: &str) -> Option<SellerChoice> {
        SellerChoice::ALL.into_iter().find(|s| s.key() == text)
    }

    /// The form's option text.
    pub fn label(self) -> &'static str {
        match self {
            SellerChoice::Routed => "OpenRouter's routed price",
            SellerChoice::Official => "the maker's or a cloud's own list",
            SellerChoice::Cheapest => "the cheapest seller",
        }
    }

    /// What the choice means, in one line.
    pub fn words(self) -> &'static str {
        match self {
            SellerChoice::Routed => {
                "what OpenRouter charges when it picks the provider for you (the default)"
            }
            SellerChoice::Official => {
                "the cheapest for your workload of the maker's own API and the clouds \
                 (Bedrock, Vertex AI, Azure), at their published list prices; models with no \
                 such price are listed apart"
            }
            SellerChoice::Cheapest => {
                "the cheaper for your workload of the routed price and the cheapest \
                 published list, named on each row"
            }
        }
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
}

impl PricedSeller {
    fn of(tag: &PriceTag) -> PricedSeller {
        PricedSeller {
            seller: tag.seller.clone(),
            name: tag.seller_name.clone(),
            feed: tag.feed,
            source_url: tag.source_url.clone(),
            as_of: tag.as_of,
            since: tag.since,
        }
    }

    /// OpenRouter's routed price of the listing `id`.
    pub fn routed(catalogue: &Catalogue, id: &str) -> PricedSeller {
        PricedSeller {
            seller: Seller::Routed,
            name: seller::ROUTED_NAME.into(),
            feed: Feed::OpenRouterCatalogue,
            source_url: Some(format!("https://openrouter.ai/{id}")),
            as_of: catalogue.freshness.as_of(),
            since: None,
        }
    }
}

/// One way to buy a model: a seller, and the listing (with its batch listing) at its prices.
pub struct Offer<'a> {
    pub seller: PricedSeller,
    pub model: Cow<'a, Model>,
    pub batch: Option<Cow<'a, Model>>,
}

/// `model` at another seller's prices; everything else (its window, what it makes) is the
/// listing's own.
fn at_prices(model: &Model, pricing: Pricing, variant: Variant) -> Model {
    Model {
        pricing,
        variant,
        description: String::new(),
        ..model.clone()
    }
}

/// The offers `source` considers for one listing, the routed price first. Only a listing
/// the official feed is looked up for (not a `:free` or other `:` variant, not an alias, not a
/// router) has official offers; a list converted from another currency is never billed.
pub fn offers<'a>(
    catalogue: &Catalogue,
    model: &'a Model,
    batch: Option<&'a Model>,
    source: SellerChoice,
    day: NaiveDate,
) -> Vec<Offer<'a>> {
    let mut offers = Vec::new();
    if source != SellerChoice::Official {
        offers.push(Offer {
            seller: PricedSeller::routed(catalogue, &model.id),
            model: Cow::Borrowed(model),
            batch: batch.map(Cow::Borrowed),
        });
    }
    if source != SellerChoice::Routed && is_looked_up(&model.id) {
        for tag in price_tags::official_tags(catalogue, &model.id, day) {
            if !tag.comparable {
                continue;
            }
            let batch = tag.batch.clone().map(|pricing| {
                // A batch price shares the model's window: the listing states none of its own.
                let mut listing = at_prices(model, pricing, Variant::Batch);
                listing.context_length = None;
                Cow::Owned(listing)
            });
            offers.push(Offer {
                seller: PricedSeller::of(&tag),
                model: Cow::Owned(at_prices(model, tag.pricing, model.variant.clone())),
                batch,
            });
        }
    }
    offers
}

/// The cheapest offer's bill for `w` and its index; a tie goes to the earlier offer (so the
/// routed price, listed first, wins a tie). When no offer can be priced, the first one's
/// reason.
pub fn cheapest_bill(
    w: &Workload,
    offers: &[Offer<'_>],
) -> Option<Result<(usize, MonthlyBill), NotPriceable>> {
    let mut best: Option<(usize, MonthlyBill)> = None;
    let mut first_error = None;
    for (i, offer) in offers.iter().enumerate() {
        match price_workload(w, &offer.model, offer.batch.as_deref()) {
            Ok(bill) => {
                if best
                    .as_ref()
                    .is_none_or(|(_, b)| bill.monthly_cost < b.monthly_cost)
                {
                    best = Some((i, bill));
                }
            }
            Err(why) => {
                first_error.get_or_insert(why);
            }
        }
    }
    match (best, first_error) {
        (Some(best), _) => Some(Ok(best)),
        (None, Some(why)) => Some(Err(why)),
        (None, None) => None,
    }
}

/// Why a model has no bill under `source=official`.
pub const NO_OFFICIAL: &str = "no official price";

/// A priced workload with the seller of every bill.
pub struct Priced<'a> {
    pub source: SellerChoice,
    pub outcome: Outcome,
    /// Listings with no official price (under `source=official` only), by id.
    pub no_official: Vec<Unpriced>,
    /// The offer each bill was priced at; a listing absent here was priced at the routed price.
    chosen: HashMap<String, Offer<'a>>,
    catalogue: &'a Catalogue,
}

impl<'a> Priced<'a> {
    /// The seller of the bill of listing `id`.
    pub fn seller(&self, id: &str) -> PricedSeller {
        match self.chosen.get(id) {
            Some(offer) => offer.seller.clone(),
            None => PricedSeller::routed(self.catalogue, id),
        }
    }

    /// Itemises the bill of listing `id`, if it has one, on the listings it was priced at
    /// (the bill page shows one bill of a result priced to its totals), as
    /// [`selection::itemise_where`] does: a bill that cannot be itemised becomes unpriced.
    pub fn itemise_bill(&mut self, w: &Workload, id: &str) {
        let (catalogue, chosen) = (self.catalogue, &self.chosen);
        selection::itemise_where(
            &mut self.outcome.shown,
            w,
            |bill| bill.id == id,
            |id| listings_of(catalogue, chosen, id),
        );
    }

    /// The listing at the prices its bill was worked out with.
    pub fn priced_as(&self, id: &str) -> Option<&Model> {
        match self.chosen.get(id) {
            Some(offer) => Some(offer.model.as_ref()),
            None => self.catalogue.get(id).map(|e| &e.model),
        }
    }
}

/// The listings a bill for `id` was priced at: the chosen offer's, or the routed ones.
fn listings_of<'a>(
    catalogue: &'a Catalogue,
    chosen: &'a HashMap<String, Offer<'_>>,
    id: &str,
) -> Option<(&'a Model, Option<&'a Model>)> {
    match chosen.get(id) {
        Some(offer) => Some((offer.model.as_ref(), offer.batch.as_deref())),
        None => selection::listing(catalogue, id),
    }
}

/// Prices the workload on the chosen models at `source`'s sellers (see the module docs). An
/// error is the calculator's own check on the workload.
///
/// The first `itemise_first` paid bills are itemised and the rest carry their totals, as
/// in [`selection::compute`]; bills at another seller are always itemised.
pub fn compute<'a>(
    catalogue: &'a Catalogue,
    workload: &Workload,
    choice: &Choice,
    source: SellerChoice,
    day: NaiveDate,
    itemise_first: usize,
) -> Result<Priced<'a>, String> {
    if source == SellerChoice::Routed {
        return Ok(Priced {
            source,
            outcome: selection::compute(catalogue, workload, choice, itemise_first)?,
            no_official: Vec::new(),
            chosen: HashMap::new(),
            catalogue,
        });
    }
    workload.validate().map_err(|e| e.to_string())?;
    let picked = selection::select(catalogue, choice);
    let mut bills = Vec::with_capacity(picked.pairs.len());
    let mut unpriced = Vec::new();
    let mut chosen = HashMap::with_capacity(picked.pairs.len());
    for (model, batch) in picked.pairs {
        let mut offers = offers(catalogue, model, batch, source, day);
        let not_priced = |reason: String| Unpriced {
            id: model.id.clone(),
            name: model.short_name().to_string(),
            reason,
        };
        match cheapest_bill(workload, &offers) {
            Some(Ok((i, bill))) => {
                bills.push(bill);
                chosen.insert(model.id.clone(), offers.swap_remove(i));
            }
            Some(Err(why)) => unpriced.push(not_priced(why.to_string())),
            None => unpriced.push(not_priced(NO_OFFICIAL.into())),
        }
    }
    sort_cheapest_first(&mut bills);
    unpriced.sort_by(|a, b| a.id.cmp(&b.id));
    let mut outcome = selection::finish(
        catalogue,
        workload,
        choice,
        CalculatorResult { bills, unpriced },
        picked.left_out,
        itemise_first,
        |id| listings_of(catalogue, &chosen, id),
    );
    let (no_official, unpriced): (Vec<Unpriced>, Vec<Unpriced>) = outcome
        .shown
        .unpriced
        .into_iter()
        .partition(|u| u.reason == NO_OFFICIAL);
    outcome.shown.unpriced = unpriced;
    Ok(Priced {
        source,
        outcome,
        no_official,
        chosen,
        catalogue,
    })
}
