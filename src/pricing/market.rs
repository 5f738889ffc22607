//! The catalogue as pages read it: the store's [`Catalogue`] with every seller of every
//! listing indexed beside it ([`SellerIndex`]), built once per load, so that pricing a
//! workload at every seller looks each listing's sellers up instead of assembling them per
//! request.
//!
//! A listing's sellers are OpenRouter's routed price (the listing itself, with its `:batch`
//! listing), each OpenRouter provider's endpoint (its own prices, window and quantization,
//! no batch price), and, for a looked-up base model, the maker's own list and each cloud's
//! (their batch prices from the feed, or from the reviewed table of published batch
//! discounts). Official prices can be dated, so the index keeps one set of official offers
//! per date a price changes on, and a request picks the set in force on its day.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;

use chrono::NaiveDate;

use super::batch_discounts::BatchDiscount;
use super::price_tags::{self, BatchPriceSource, PriceTag};
use crate::model::{Model, Variant};
use crate::seller::{Cloud, Seller, SellerKind};
use crate::store::Catalogue;
use crate::store::matching::is_looked_up;

/// The catalogue as served, with its sellers indexed. Reads as the catalogue it wraps.
pub struct Market {
    catalogue: Catalogue,
    sellers: Arc<SellerIndex>,
}

impl Market {
    /// Indexes the sellers of `catalogue`'s listings.
    pub fn new(catalogue: Catalogue) -> Market {
        let sellers = Arc::new(SellerIndex::build(&catalogue));
        Market { catalogue, sellers }
    }

    /// `catalogue` with this market's sellers: for a copy of the same data whose freshness
    /// alone changed (a failure noted after loading), which changes no seller.
    pub fn with_catalogue(&self, catalogue: Catalogue) -> Market {
        Market {
            catalogue,
            sellers: Arc::clone(&self.sellers),
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn sellers(&self) -> &SellerIndex {
        &self.sellers
    }
}

impl Deref for Market {
    type Target = Catalogue;

    fn deref(&self) -> &Catalogue {
        &self.catalogue
    }
}

/// What a buyer's filters know of where a seller runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Place {
    pub headquarters: Option<String>,
    /// Countries the seller says it runs in; empty when it does not say.
    pub datacenters: Vec<String>,
    /// The buyer picks the region (a cloud's in-region price): it can stay in the EU or the US.
    pub region_of_choice: bool,
}

/// One seller of one listing, with what a bill there needs: its price tag, the facts the
/// filters read, and the listing at its prices (with its batch listing, when it has one).
#[derive(Clone, Debug)]
pub struct Offer {
    pub tag: PriceTag,
    /// Reduced or full precision as the seller states it (`fp8`, `bf16`); `None` when it does
    /// not say.
    pub quantization: Option<String>,
    pub place: Place,
    /// Percent, over the last day, when published.
    pub uptime_last_1d: Option<f64>,
    /// Request parameters the seller lists (`tools`, …); empty when it lists none.
    pub supported_parameters: Vec<String>,
    /// `None` for the routed price, whose listings are the catalogue's own.
    priced: Option<(Model, Option<Model>)>,
}

impl Offer {
    pub fn seller(&self) -> &Seller {
        &self.tag.seller
    }

    pub fn kind(&self) -> SellerKind {
        self.tag.seller.kind()
    }

    pub fn batch_source(&self) -> Option<BatchPriceSource> {
        self.tag.batch_source
    }

    pub fn batch_discount(&self) -> Option<&'static BatchDiscount> {
        self.tag.batch_discount
    }

    /// The context window a bill here is checked against: the endpoint's own, or the
    /// listing's; `None` for the routed price (the catalogue's listing states it).
    pub fn window(&self) -> Option<u64> {
        self.priced
            .as_ref()
            .and_then(|(listing, _)| listing.context_length)
    }

    /// What the place and feature filters know of this seller.
    pub fn facts(&self) -> super::providers::Offer<'_> {
        super::providers::Offer {
            headquarters: self.place.headquarters.as_deref(),
            datacenters: &self.place.datacenters,
            region_of_choice: self.place.region_of_choice,
            uptime_last_1d: self.uptime_last_1d,
            quantization: self.quantization.as_deref(),
            supported_parameters: &self.supported_parameters,
        }
    }
}

/// One way to buy a listing: a seller and the listings a bill there is priced on.
#[derive(Clone, Copy, Debug)]
pub struct Way<'a> {
    pub offer: &'a Offer,
    pub listing: &'a Model,
    pub batch: Option<&'a Model>,
}

/// The sellers of one listing.
#[derive(Clone, Debug)]
struct ListingSellers {
    routed: Offer,
    providers: Vec<Offer>,
    /// Official offers from each date a price changes on (`None`: before any), oldest first.
    official: Vec<(Option<NaiveDate>, Vec<Offer>)>,
}

impl ListingSellers {
    /// The official offers in force on `day`.
    fn official_on(&self, day: NaiveDate) -> &[Offer] {
        self.official
            .iter()
            .rev()
            .find(|(from, _)| from.is_none_or(|from| from <= day))
            .map_or(&[], |(_, offers)| offers.as_slice())
    }
}

/// Listing id → its sellers. The keys are the catalogue's own ids; foldhash hashes them
/// faster than the default, and the calculator looks every priced listing up per request.
#[derive(Clone, Debug, Default)]
pub struct SellerIndex {
    by_listing: HashMap<String, ListingSellers, foldhash::fast::RandomState>,
}

impl SellerIndex {
    /// Every listing, with its sellers. Only base and `-fast` listings have providers (the
    /// endpoints pass fetches no other) and only looked-up base models official prices; a
    /// `:batch` listing or an alias priced as a row of its own has its routed price alone.
    pub fn build(catalogue: &Catalogue) -> SellerIndex {
        let by_listing = catalogue
            .all()
            .iter()
            .filter_map(|e| {
                let sellers = listing_sellers(catalogue, &e.model)?;
                Some((e.model.id.clone(), sellers))
            })
            .collect();
        SellerIndex { by_listing }
    }

    /// The ways to buy `listing` (a catalogue listing, `model` its model) on `day`: the
    /// routed price first, then each provider, then the maker and each cloud. Empty for a
    /// listing the index does not know.
    pub fn ways<'a>(
        &'a self,
        catalogue: &'a Catalogue,
        model: &'a Model,
        day: NaiveDate,
    ) -> impl Iterator<Item = Way<'a>> + 'a {
        let sellers = self.by_listing.get(model.id.as_str());
        let routed = sellers.map(|s| Way {
            offer: &s.routed,
            listing: model,
            batch: catalogue.batch_listing(&model.id),
        });
        let official: &[Offer] = sellers.map_or(&[], |s| s.official_on(day));
        let providers: &[Offer] = sellers.map_or(&[], |s| s.providers.as_slice());
        routed
            .into_iter()
            .chain(providers.iter().chain(official).filter_map(|offer| {
                let (listing, batch) = offer.priced.as_ref()?;
                Some(Way {
                    offer,
                    listing,
                    batch: batch.as_ref(),
                })
            }))
    }

    /// Every seller of the listing `id` on `day`, the routed price first, then each provider,
    /// then the maker and each cloud: those a bill cannot be priced at (a list converted from
    /// another currency) included, for the tables that show every price tag.
    pub fn offers(&self, id: &str, day: NaiveDate) -> Vec<&Offer> {
        let Some(sellers) = self.by_listing.get(id) else {
            return Vec::new();
        };
        std::iter::once(&sellers.routed)
            .chain(&sellers.providers)
            .chain(sellers.official_on(day))
            .collect()
    }

    /// How many sellers `listing` has on `day`, the routed price included.
    pub fn count(&self, catalogue: &Catalogue, model: &Model, day: NaiveDate) -> usize {
        self.ways(catalogue, model, day).count()
    }
}

/// `model` at another seller's prices; everything else (what it makes, its parameters) is
/// the listing's own. The description is left out: no bill shows it.
fn at_prices(model: &Model, tag: &PriceTag, context_length: Option<u64>) -> (Model, Option<Model>) {
    let listing = Model {
        pricing: tag.pricing.clone(),
        context_length,
        description: String::new(),
        ..model.clone()
    };
    // A batch price shares the seller's window: the listing states none of its own.
    let batch = tag.batch.clone().map(|pricing| Model {
        pricing,
        variant: Variant::Batch,
        context_length: None,
        ..listing.clone()
    });
    (listing, batch)
}

fn listing_sellers(catalogue: &Catalogue, model: &Model) -> Option<ListingSellers> {
    let id = model.id.as_str();
    let routed_tag = price_tags::routed_tag(catalogue, id)?;
    let routed = Offer {
        tag: routed_tag,
        quantization: None,
        place: Place::default(),
        uptime_last_1d: None,
        // OpenRouter routes to an endpoint that takes the parameters a request sends.
        supported_parameters: model.supported_parameters.clone(),
        priced: None,
    };
    let providers = catalogue
        .endpoints(id)
        .map(|endpoints| {
            endpoints
                .endpoints
                .iter()
                .map(|endpoint| {
                    let tag = price_tags::provider_tag(id, endpoint, endpoints.fetched_at);
                    let info = catalogue.provider_of(endpoint).map(|p| &p.info);
                    Offer {
                        priced: Some(at_prices(
                            model,
                            &tag,
                            endpoint.context_length.or(model.context_length),
                        )),
                        tag,
                        quantization: endpoint
                            .quantization
                            .clone()
                            .filter(|q| !q.is_empty() && q != "unknown"),
                        place: Place {
                            headquarters: info.and_then(|p| p.headquarters.clone()),
                            datacenters: info.map(|p| p.datacenters.clone()).unwrap_or_default(),
                            region_of_choice: false,
                        },
                        uptime_last_1d: endpoint.uptime_last_1d,
                        supported_parameters: endpoint.supported_parameters.clone(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let official = if is_looked_up(id) {
        official_offers(catalogue, model)
    } else {
        Vec::new()
    };
    Some(ListingSellers {
        routed,
        providers,
        official,
    })
}

/// The official offers of `model` from each date its prices change on. Every day-dependent
/// fact of a list (the price in force, its batch price, since when, what is announced) is
/// constant between two of its start dates, so one snapshot per start date (and one before
/// the first) serves every day. Lists converted from another currency are shown, never billed.
fn official_offers(catalogue: &Catalogue, model: &Model) -> Vec<(Option<NaiveDate>, Vec<Offer>)> {
    let official = catalogue.official();
    let mut dates: Vec<NaiveDate> = official
        .tags(&model.id, NaiveDate::MIN)
        .iter()
        .flat_map(|tag| tag.entry.schedule.iter())
        .filter(|p| p.time_window.is_none())
        .filter_map(|p| p.start_date)
        .collect();
    dates.sort_unstable();
    dates.dedup();
    std::iter::once(None)
        .chain(dates.into_iter().map(Some))
        .map(|from| {
            let day = from.unwrap_or(NaiveDate::MIN);
            let offers = price_tags::official_tags(catalogue, &model.id, day)
                .into_iter()
                .map(|tag| Offer {
                    priced: tag
                        .comparable
                        .then(|| at_prices(model, &tag, model.context_length)),
                    quantization: None,
                    place: Place {
                        region_of_choice: tag.seller.cloud() == Some(Cloud::BedrockInRegion),
                        ..Place::default()
                    },
                    uptime_last_1d: None,
                    supported_parameters: Vec::new(),
                    tag,
                })
                .collect();
            (from, offers)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::{Price, Pricing};

    fn model(id: &str, prompt: &str) -> Model {
        let mut pricing = Pricing::default();
        pricing.base.prompt = Some(Price::parse(prompt).unwrap());
        pricing.base.completion = Some(Price::parse(prompt).unwrap());
        Model::new(id, &format!("Test: {id}"), pricing)
    }

    #[test]
    fn every_listing_is_indexed_with_its_routed_price_first() {
        let catalogue = Catalogue::of_models([
            (model("a/x", "0.000001"), true),
            (model("a/x:batch", "0.0000005"), true),
            (model("~a/x-latest", "0.000001"), true),
            (model("a/y", "0.000002"), false),
        ]);
        let index = SellerIndex::build(&catalogue);
        let mut ids: Vec<&str> = index.by_listing.keys().map(String::as_str).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a/x", "a/x:batch", "a/y", "~a/x-latest"]);
        let x = &catalogue.get("a/x").unwrap().model;
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let ways: Vec<Way> = index.ways(&catalogue, x, day).collect();
        assert_eq!(ways.len(), 1);
        assert_eq!(ways[0].offer.seller(), &Seller::Routed);
        // The routed way is the catalogue's own listing, with its batch listing.
        assert!(std::ptr::eq(ways[0].listing, x));
        assert_eq!(ways[0].batch.map(|b| b.id.as_str()), Some("a/x:batch"));
        assert_eq!(
            ways[0].offer.batch_source(),
            Some(BatchPriceSource::Listing)
        );
    }
}
