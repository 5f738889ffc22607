//! Choosing where to buy beyond price: which of a model's providers meet a reader's
//! conditions (where it runs or is based, uptime, precision, features), why the others do
//! not, the cheapest that qualifies, and one monthly bill per provider. Pure: plain data in,
//! plain data out.
//!
//! The rules a careful reader would insist on:
//! - a provider that does not state a place never passes a filter on that place;
//! - a datacenter filter passes only when *every* country the provider lists is inside the
//!   region: a request may be served from any of them;
//! - an uptime filter needs a published figure over the last day;
//! - "full precision only" leaves out endpoints that state reduced precision (below 16-bit,
//!   or integer weights); an endpoint that states none is kept, and its row says so;
//! - "tools" and "structured outputs" need the endpoint to list that parameter.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use super::calculator::{MonthlyBill, Workload, WorkloadError, price_workload};
use crate::model::Model;
use crate::model::price::Pricing;

/// The 27 member states of the European Union (ISO 3166-1 alpha-2; Greece is `GR`).
pub const EU: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// The European Economic Area: the EU with Iceland, Liechtenstein and Norway.
pub const EEA_EXTRA: &[&str] = &["IS", "LI", "NO"];

/// A place a reader can ask for: one country, or a group of countries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Region {
    /// An upper-case ISO 3166-1 alpha-2 code.
    Country(String),
    Eu,
    Eea,
}

/// Why a region parameter could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a region we know: use a two-letter country code such as US or DE, or EU or EEA"
)]
pub struct RegionError(pub String);

impl Region {
    /// Reads `EU`, `EEA` or a two-letter country code, in any case.
    pub fn parse(text: &str) -> Result<Region, RegionError> {
        let code = text.trim().to_ascii_uppercase();
        match code.as_str() {
            "EU" => Ok(Region::Eu),
            "EEA" => Ok(Region::Eea),
            c if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) => {
                Ok(Region::Country(code))
            }
            _ => Err(RegionError(text.chars().take(20).collect())),
        }
    }

    /// The value the region is written as in a URL.
    pub fn code(&self) -> &str {
        match self {
            Region::Country(code) => code,
            Region::Eu => "EU",
            Region::Eea => "EEA",
        }
    }

    /// How a sentence names it: "the EU", "US".
    pub fn label(&self) -> String {
        match self {
            Region::Country(code) => code.clone(),
            Region::Eu => "the EU".into(),
            Region::Eea => "the EEA".into(),
        }
    }

    pub fn contains(&self, country: &str) -> bool {
        match self {
            Region::Country(code) => code.eq_ignore_ascii_case(country),
            Region::Eu => EU.iter().any(|c| c.eq_ignore_ascii_case(country)),
            Region::Eea => EU
                .iter()
                .chain(EEA_EXTRA)
                .any(|c| c.eq_ignore_ascii_case(country)),
        }
    }
}

/// The conditions a reader sets; the default sets none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProviderFilters {
    /// Every listed datacenter must be inside this region.
    pub datacenter: Option<Region>,
    /// The headquarters must be inside this region.
    pub headquarters: Option<Region>,
    /// Minimum uptime over the last day, in percent (`0..=100`).
    pub min_uptime: Option<Decimal>,
    pub full_precision: bool,
    pub tools: bool,
    pub structured_outputs: bool,
}

impl ProviderFilters {
    pub fn is_empty(&self) -> bool {
        *self == ProviderFilters::default()
    }
}

/// What the filters need to know of one provider's endpoint.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offer<'a> {
    pub headquarters: Option<&'a str>,
    /// Empty when the provider does not say where it runs.
    pub datacenters: &'a [String],
    /// The buyer picks the region (a cloud's in-region price): it passes a datacenter filter
    /// for the EU, the EEA or the US, where the clouds have regions.
    pub region_of_choice: bool,
    /// Percent, over the last day.
    pub uptime_last_1d: Option<f64>,
    pub quantization: Option<&'a str>,
    pub supported_parameters: &'a [String],
}

/// One reason an offer fails the filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    DatacentersNotStated,
    RunsOutsideRegion,
    HeadquartersNotStated,
    HeadquarteredOutsideRegion,
    UptimeNotPublished,
    UptimeBelowMinimum,
    ReducedPrecision,
    NoTools,
    NoStructuredOutputs,
    /// Not the maker's own API or a cloud (under "the maker and the clouds only").
    Reseller,
}

impl Shortfall {
    /// A phrase that completes "3 providers …" (`one` false) or "1 provider …" / "this
    /// provider …" (`one` true), given the filters that were set.
    pub fn describe(self, filters: &ProviderFilters, one: bool) -> String {
        let region = |r: &Option<Region>| r.as_ref().map_or_else(String::new, Region::label);
        let verb = |singular: &str, plural: &str| if one { singular } else { plural }.to_string();
        match self {
            Shortfall::DatacentersNotStated => {
                verb("does not say where it runs", "do not say where they run")
            }
            Shortfall::RunsOutsideRegion => format!(
                "{} outside {}",
                verb("runs", "run"),
                region(&filters.datacenter)
            ),
            Shortfall::HeadquartersNotStated => verb(
                "does not state a headquarters",
                "do not state a headquarters",
            ),
            Shortfall::HeadquarteredOutsideRegion => format!(
                "{} based outside {}",
                verb("is", "are"),
                region(&filters.headquarters)
            ),
            Shortfall::UptimeNotPublished => format!(
                "{} no published uptime for the last day",
                verb("has", "have")
            ),
            Shortfall::UptimeBelowMinimum => format!(
                "{} up less than {}% of the last day",
                verb("was", "were"),
                filters.min_uptime.unwrap_or_default().normalize()
            ),
            Shortfall::ReducedPrecision => format!("{} at reduced precision", verb("runs", "run")),
            Shortfall::NoTools => format!("{} not list tool calling", verb("does", "do")),
            Shortfall::NoStructuredOutputs => {
                format!("{} not list structured outputs", verb("does", "do"))
            }
            Shortfall::Reseller => format!("{} not the maker or a cloud", verb("is", "are")),
        }
    }
}

/// True for a quantization below the 16-bit original: `fp8`, `fp6`, `fp4`, and any integer
/// format (`int8`, `int4`). `bf16`, `fp16`, `fp32`, `unknown` and nothing are not.
pub fn is_reduced_precision(quantization: &str) -> bool {
    let q = quantization.trim().to_ascii_lowercase();
    if q.starts_with("int") || q.starts_with("uint") {
        return true;
    }
    let digits: String = q
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse::<u32>().is_ok_and(|bits| bits < 16)
}

fn lists(parameters: &[String], name: &str) -> bool {
    parameters.iter().any(|p| p == name)
}

/// Every way `offer` fails `filters`, in a fixed order; empty when it qualifies.
pub fn shortfalls(offer: &Offer, filters: &ProviderFilters) -> Vec<Shortfall> {
    let mut out = Vec::new();
    if let Some(region) = &filters.datacenter {
        let choosable = matches!(region, Region::Eu | Region::Eea)
            || matches!(region, Region::Country(code) if code == "US");
        if offer.region_of_choice && choosable {
            // The buyer deploys in a region inside the one asked for.
        } else if offer.datacenters.is_empty() {
            out.push(Shortfall::DatacentersNotStated);
        } else if !offer.datacenters.iter().all(|c| region.contains(c)) {
            out.push(Shortfall::RunsOutsideRegion);
        }
    }
    if let Some(region) = &filters.headquarters {
        match offer.headquarters {
            None => out.push(Shortfall::HeadquartersNotStated),
            Some(hq) if !region.contains(hq) => out.push(Shortfall::HeadquarteredOutsideRegion),
            Some(_) => {}
        }
    }
    if let Some(min) = filters.min_uptime {
        let min = min.to_f64().unwrap_or(100.0);
        match offer.uptime_last_1d {
            None => out.push(Shortfall::UptimeNotPublished),
            Some(up) if up < min => out.push(Shortfall::UptimeBelowMinimum),
            Some(_) => {}
        }
    }
    if filters.full_precision && offer.quantization.is_some_and(is_reduced_precision) {
        out.push(Shortfall::ReducedPrecision);
    }
    if filters.tools && !lists(offer.supported_parameters, "tools") {
        out.push(Shortfall::NoTools);
    }
    if filters.structured_outputs && !lists(offer.supported_parameters, "structured_outputs") {
        out.push(Shortfall::NoStructuredOutputs);
    }
    out
}

/// How a set of offers fares against the filters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Per offer, in input order: why it fails (empty when it qualifies).
    pub shortfalls: Vec<Vec<Shortfall>>,
    /// Indices of the qualifying offers at the lowest price (ties all marked); empty when
    /// none qualifies or none that qualifies has a comparable price.
    pub cheapest: Vec<usize>,
    /// How many offers each reason left out (an offer may count under several), most first.
    pub reasons: Vec<(Shortfall, usize)>,
}

impl Selection {
    pub fn qualifies(&self, i: usize) -> bool {
        self.shortfalls.get(i).is_some_and(Vec::is_empty)
    }

    pub fn left_out(&self) -> usize {
        self.shortfalls.iter().filter(|s| !s.is_empty()).count()
    }
}

/// Applies `filters` to `offers` and marks the cheapest qualifying one by `prices`
/// (`None` for an offer without a comparable price).
pub fn select(
    offers: &[Offer],
    prices: &[Option<Decimal>],
    filters: &ProviderFilters,
) -> Selection {
    let shortfalls: Vec<Vec<Shortfall>> = offers.iter().map(|o| shortfalls(o, filters)).collect();
    let min = shortfalls
        .iter()
        .zip(prices)
        .filter(|(s, _)| s.is_empty())
        .filter_map(|(_, p)| *p)
        .min();
    let cheapest = match min {
        Some(min) => (0..offers.len())
            .filter(|&i| shortfalls[i].is_empty() && prices.get(i).copied().flatten() == Some(min))
            .collect(),
        None => Vec::new(),
    };
    let reasons = tally(shortfalls.iter().flatten());
    Selection {
        shortfalls,
        cheapest,
        reasons,
    }
}

/// How many times each reason occurs, the most frequent first (ties in the reasons' order).
pub fn tally<'a>(shortfalls: impl IntoIterator<Item = &'a Shortfall>) -> Vec<(Shortfall, usize)> {
    let mut reasons: Vec<(Shortfall, usize)> = Vec::new();
    for s in shortfalls {
        match reasons.iter_mut().find(|(r, _)| r == s) {
            Some((_, n)) => *n += 1,
            None => reasons.push((*s, 1)),
        }
    }
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    reasons
}

/// One provider's endpoint as the per-provider calculator needs it.
#[derive(Clone, Debug)]
pub struct ProviderListing<'a> {
    /// OpenRouter's endpoint tag, unique within a model.
    pub tag: &'a str,
    pub provider: &'a str,
    pub pricing: &'a Pricing,
    pub context_length: Option<u64>,
    pub offer: Offer<'a>,
}

/// A month of the workload at one provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProviderBill {
    pub tag: String,
    pub provider: String,
    /// `None` when this provider cannot be priced for the workload; `unpriced` says why.
    pub bill: Option<MonthlyBill>,
    pub unpriced: Option<String>,
    pub shortfalls: Vec<Shortfall>,
    /// The cheapest provider that meets the filters (ties all marked).
    pub cheapest: bool,
}

/// One model's workload priced at every provider, beside the routed price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ByProvider {
    /// The routed price's bill, with the model's batch listing as the calculator uses it.
    pub routed: Result<MonthlyBill, String>,
    /// Qualifying providers first, each group cheapest first; unpriced last.
    pub providers: Vec<ProviderBill>,
    pub reasons: Vec<(Shortfall, usize)>,
}

impl ByProvider {
    pub fn left_out(&self) -> usize {
        self.providers
            .iter()
            .filter(|p| !p.shortfalls.is_empty())
            .count()
    }
}

/// Prices `w` at the routed price of `model` and at each of `listings`, applies `filters`,
/// and marks the cheapest qualifying provider by monthly cost. A provider endpoint has no
/// batch listing of its own, so its whole workload is priced on demand (its bill says so).
pub fn price_by_provider(
    w: &Workload,
    model: &Model,
    batch_listing: Option<&Model>,
    listings: &[ProviderListing],
    filters: &ProviderFilters,
) -> Result<ByProvider, WorkloadError> {
    w.validate()?;
    let routed = price_workload(w, model, batch_listing).map_err(|e| e.to_string());
    let mut bills: Vec<ProviderBill> = listings
        .iter()
        .map(|listing| {
            let mut at_provider = model.clone();
            at_provider.pricing = listing.pricing.clone();
            at_provider.context_length = listing.context_length.or(model.context_length);
            let priced = price_workload(w, &at_provider, None);
            let (bill, unpriced) = match priced {
                Ok(bill) => (Some(bill), None),
                Err(e) => (None, Some(e.to_string())),
            };
            ProviderBill {
                tag: listing.tag.to_string(),
                provider: listing.provider.to_string(),
                bill,
                unpriced,
                shortfalls: Vec::new(),
                cheapest: false,
            }
        })
        .collect();
    let offers: Vec<Offer> = listings.iter().map(|l| l.offer).collect();
    let costs: Vec<Option<Decimal>> = bills
        .iter()
        .map(|b| b.bill.as_ref().map(|b| b.monthly_cost))
        .collect();
    let selection = select(&offers, &costs, filters);
    for (i, bill) in bills.iter_mut().enumerate() {
        bill.shortfalls = selection.shortfalls[i].clone();
        bill.cheapest = selection.cheapest.contains(&i);
    }
    bills.sort_by(|a, b| {
        let key = |p: &ProviderBill| (p.bill.is_none(), !p.shortfalls.is_empty());
        key(a)
            .cmp(&key(b))
            .then_with(|| {
                let cost = |p: &ProviderBill| p.bill.as_ref().map(|b| b.monthly_cost);
                cost(a).cmp(&cost(b))
            })
            .then_with(|| a.provider.to_lowercase().cmp(&b.provider.to_lowercase()))
            .then_with(|| a.tag.cmp(&b.tag))
    });
    Ok(ByProvider {
        routed,
        providers: bills,
        reasons: selection.reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::Price;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    struct Facts {
        hq: Option<&'static str>,
        dcs: Vec<String>,
        uptime: Option<f64>,
        quant: Option<&'static str>,
        params: Vec<String>,
    }

    impl Facts {
        fn offer(&self) -> Offer<'_> {
            Offer {
                headquarters: self.hq,
                datacenters: &self.dcs,
                region_of_choice: false,
                uptime_last_1d: self.uptime,
                quantization: self.quant,
                supported_parameters: &self.params,
            }
        }
    }

    fn facts(hq: Option<&'static str>, dcs: &[&str]) -> Facts {
        Facts {
            hq,
            dcs: strings(dcs),
            uptime: Some(99.9),
            quant: Some("bf16"),
            params: strings(&["tools", "structured_outputs"]),
        }
    }

    fn region(code: &str) -> Option<Region> {
        Some(Region::parse(code).unwrap())
    }

    #[test]
    fn regions_parse_groups_and_countries_and_refuse_the_rest() {
        assert_eq!(Region::parse(" eu "), Ok(Region::Eu));
        assert_eq!(Region::parse("EEA"), Ok(Region::Eea));
        assert_eq!(Region::parse("us"), Ok(Region::Country("US".into())));
        for bad in ["", "U", "USA", "E1", "🇺🇸", "Europe"] {
            assert!(Region::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(Region::Eu.contains("NL") && Region::Eu.contains("fi"));
        assert!(!Region::Eu.contains("NO") && Region::Eea.contains("NO"));
        assert!(!Region::Eu.contains("GB") && !Region::Eu.contains("CH"));
        assert!(!Region::Eu.contains("US") && Region::Country("US".into()).contains("us"));
        assert_eq!(EU.len(), 27);
    }

    #[test]
    fn a_datacenter_filter_needs_every_listed_country_inside_the_region() {
        let filters = ProviderFilters {
            datacenter: region("EU"),
            ..ProviderFilters::default()
        };
        assert!(shortfalls(&facts(Some("SE"), &["FI"]).offer(), &filters).is_empty());
        assert!(shortfalls(&facts(Some("US"), &["NL", "FI"]).offer(), &filters).is_empty());
        // Runs in the Netherlands and Singapore: a request may land outside the EU.
        assert_eq!(
            shortfalls(&facts(Some("CN"), &["SG", "NL"]).offer(), &filters),
            [Shortfall::RunsOutsideRegion]
        );
        let us = ProviderFilters {
            datacenter: region("US"),
            ..ProviderFilters::default()
        };
        assert!(shortfalls(&facts(Some("US"), &["US"]).offer(), &us).is_empty());
        assert_eq!(
            shortfalls(&facts(Some("US"), &["US", "SG"]).offer(), &us),
            [Shortfall::RunsOutsideRegion]
        );
    }

    #[test]
    fn not_stated_never_passes_a_region_filter() {
        let silent = facts(None, &[]);
        for code in ["EU", "EEA", "US", "SG"] {
            let dc = ProviderFilters {
                datacenter: region(code),
                ..ProviderFilters::default()
            };
            assert_eq!(
                shortfalls(&silent.offer(), &dc),
                [Shortfall::DatacentersNotStated]
            );
            let hq = ProviderFilters {
                headquarters: region(code),
                ..ProviderFilters::default()
            };
            assert_eq!(
                shortfalls(&silent.offer(), &hq),
                [Shortfall::HeadquartersNotStated]
            );
        }
        // A headquarters is not a datacenter: a US company that lists no datacenter does
        // not pass "runs in the US".
        let us_hq_only = facts(Some("US"), &[]);
        let dc_us = ProviderFilters {
            datacenter: region("US"),
            ..ProviderFilters::default()
        };
        assert_eq!(
            shortfalls(&us_hq_only.offer(), &dc_us),
            [Shortfall::DatacentersNotStated]
        );
    }

    #[test]
    fn headquarters_filter_checks_the_country() {
        let filters = ProviderFilters {
            headquarters: region("EU"),
            ..ProviderFilters::default()
        };
        assert!(shortfalls(&facts(Some("FR"), &[]).offer(), &filters).is_empty());
        assert_eq!(
            shortfalls(&facts(Some("US"), &["NL"]).offer(), &filters),
            [Shortfall::HeadquarteredOutsideRegion]
        );
    }

    #[test]
    fn minimum_uptime_needs_a_published_figure_at_or_above_it() {
        let filters = ProviderFilters {
            min_uptime: Some(dec("99.5")),
            ..ProviderFilters::default()
        };
        let mut f = facts(Some("US"), &["US"]);
        f.uptime = Some(99.5);
        assert!(shortfalls(&f.offer(), &filters).is_empty());
        f.uptime = Some(99.49);
        assert_eq!(
            shortfalls(&f.offer(), &filters),
            [Shortfall::UptimeBelowMinimum]
        );
        f.uptime = None;
        assert_eq!(
            shortfalls(&f.offer(), &filters),
            [Shortfall::UptimeNotPublished]
        );
    }

    #[test]
    fn full_precision_leaves_out_stated_reduced_precision_only() {
        for low in ["fp8", "FP6", "fp4", "int8", "int4", "uint4"] {
            assert!(is_reduced_precision(low), "{low}");
        }
        for full in ["fp16", "bf16", "fp32", "unknown", ""] {
            assert!(!is_reduced_precision(full), "{full}");
        }
        let filters = ProviderFilters {
            full_precision: true,
            ..ProviderFilters::default()
        };
        let mut f = facts(Some("US"), &["US"]);
        f.quant = Some("fp8");
        assert_eq!(
            shortfalls(&f.offer(), &filters),
            [Shortfall::ReducedPrecision]
        );
        f.quant = Some("int4");
        assert_eq!(
            shortfalls(&f.offer(), &filters),
            [Shortfall::ReducedPrecision]
        );
        f.quant = Some("unknown");
        assert!(shortfalls(&f.offer(), &filters).is_empty());
        f.quant = None;
        assert!(shortfalls(&f.offer(), &filters).is_empty());
    }

    #[test]
    fn tools_and_structured_outputs_need_the_listed_parameter() {
        let both = ProviderFilters {
            tools: true,
            structured_outputs: true,
            ..ProviderFilters::default()
        };
        let mut f = facts(Some("US"), &["US"]);
        assert!(shortfalls(&f.offer(), &both).is_empty());
        // `response_format` (JSON mode) is not structured outputs.
        f.params = strings(&["tools", "response_format"]);
        assert_eq!(
            shortfalls(&f.offer(), &both),
            [Shortfall::NoStructuredOutputs]
        );
        f.params = Vec::new();
        assert_eq!(
            shortfalls(&f.offer(), &both),
            [Shortfall::NoTools, Shortfall::NoStructuredOutputs]
        );
    }

    #[test]
    fn the_cheapest_mark_goes_to_the_cheapest_that_qualifies() {
        let eu = facts(Some("FR"), &["FR"]);
        let us = facts(Some("US"), &["US"]);
        let silent = facts(None, &[]);
        let eu_too = facts(Some("DE"), &["DE"]);
        let offers = [us.offer(), eu.offer(), silent.offer(), eu_too.offer()];
        let prices = [
            Some(dec("0.50")),
            Some(dec("1.20")),
            Some(dec("0.10")),
            Some(dec("1.20")),
        ];
        let none = select(&offers, &prices, &ProviderFilters::default());
        assert_eq!(none.cheapest, [2]);
        assert_eq!(none.left_out(), 0);
        let filters = ProviderFilters {
            datacenter: region("EU"),
            ..ProviderFilters::default()
        };
        let picked = select(&offers, &prices, &filters);
        // The two EU providers tie at 1.20; the cheaper US and unstated ones are left out.
        assert_eq!(picked.cheapest, [1, 3]);
        assert!(picked.qualifies(1) && !picked.qualifies(0) && !picked.qualifies(2));
        assert_eq!(picked.left_out(), 2);
        assert_eq!(
            picked.reasons,
            [
                (Shortfall::DatacentersNotStated, 1),
                (Shortfall::RunsOutsideRegion, 1)
            ]
        );
        // Nobody qualifies: no mark at all, rather than marking a provider that fails.
        let strict = ProviderFilters {
            datacenter: region("JP"),
            ..ProviderFilters::default()
        };
        assert!(select(&offers, &prices, &strict).cheapest.is_empty());
    }

    fn pricing(prompt: &str, completion: &str, cache_read: Option<&str>) -> Pricing {
        let mut p = Pricing::default();
        p.base.prompt = Some(Price::parse(prompt).unwrap());
        p.base.completion = Some(Price::parse(completion).unwrap());
        p.base.input_cache_read = cache_read.map(|c| Price::parse(c).unwrap());
        p
    }

    #[test]
    fn each_provider_gets_its_own_bill_and_the_cheapest_qualifying_is_marked() {
        let model: Model = serde_json::from_value(serde_json::json!({
            "id": "x/y", "base_id": "x/y", "author": "x", "name": "X: Y",
            "variant": "base", "context_length": 100000,
            "pricing": {"base": {"prompt": "0.000002", "completion": "0.000008"}}
        }))
        .unwrap();
        // Provider A: $1/M in, $4/M out, cache reads $0.10/M, runs in the US.
        let a = pricing("0.000001", "0.000004", Some("0.0000001"));
        // Provider B: $1.50/M in, $3/M out, no cache price, runs in Finland.
        let b = pricing("0.0000015", "0.000003", None);
        let (us, fi) = (facts(Some("US"), &["US"]), facts(Some("SE"), &["FI"]));
        let listings = [
            ProviderListing {
                tag: "a",
                provider: "A",
                pricing: &a,
                context_length: None,
                offer: us.offer(),
            },
            ProviderListing {
                tag: "b/fp16",
                provider: "B",
                pricing: &b,
                context_length: None,
                offer: fi.offer(),
            },
        ];
        // 1,000 requests × 10,000 input and 1,000 output tokens; half the input from cache.
        // Tin = 10,000,000, Tout = 1,000,000.
        let w = Workload {
            requests: dec("1000"),
            input_tokens: dec("10000"),
            output_tokens: dec("1000"),
            cache_hit: dec("0.5"),
            ..Workload::default()
        };
        let result =
            price_by_provider(&w, &model, None, &listings, &ProviderFilters::default()).unwrap();
        // Routed: no cache price, so all 10 M input at $2/M = $20, 1 M output at $8/M = $8.
        assert_eq!(result.routed.as_ref().unwrap().monthly_cost, dec("28"));
        // A: 5 M uncached at $1/M = $5, 5 M cached at $0.10/M = $0.50, 1 M out at $4 = $4.
        // B: 10 M at $1.50/M = $15 (no cache price), 1 M out at $3/M = $3.
        let costs: Vec<(&str, Decimal)> = result
            .providers
            .iter()
            .map(|p| (p.provider.as_str(), p.bill.as_ref().unwrap().monthly_cost))
            .collect();
        assert_eq!(costs, [("A", dec("9.5")), ("B", dec("18"))]);
        assert!(result.providers[0].cheapest && !result.providers[1].cheapest);

        let eu = ProviderFilters {
            datacenter: region("EU"),
            ..ProviderFilters::default()
        };
        let result = price_by_provider(&w, &model, None, &listings, &eu).unwrap();
        // B qualifies and comes first; A, cheaper but in the US, is left out and listed after.
        assert_eq!(result.providers[0].provider, "B");
        assert!(result.providers[0].cheapest);
        assert_eq!(
            result.providers[1].shortfalls,
            [Shortfall::RunsOutsideRegion]
        );
        assert!(!result.providers[1].cheapest);
        assert_eq!(result.left_out(), 1);
    }

    #[test]
    fn reasons_read_as_sentences_in_singular_and_plural() {
        let filters = ProviderFilters {
            datacenter: region("EU"),
            min_uptime: Some(dec("99.50")),
            ..ProviderFilters::default()
        };
        assert_eq!(
            Shortfall::RunsOutsideRegion.describe(&filters, false),
            "run outside the EU"
        );
        assert_eq!(
            Shortfall::DatacentersNotStated.describe(&filters, true),
            "does not say where it runs"
        );
        assert_eq!(
            Shortfall::UptimeBelowMinimum.describe(&filters, true),
            "was up less than 99.5% of the last day"
        );
    }
}
