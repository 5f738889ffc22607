//! The model page's one table of price tags, "Where to buy": every seller of the model (the
//! routed price, each OpenRouter provider, the maker's own API, each cloud) in one row each,
//! cheapest first, with the facts a buyer filters on (precision, place, uptime, features,
//! source and date), under the reader's filters, and, when the address carries a workload,
//! each seller's monthly bill, worked out by [`crate::pricing::sellers::every_seller`] so the
//! calculator quotes the same figure. The facts come from the market's seller index and
//! `pricing::discrepancies` (pure); this module only words and formats them. The same tags as
//! data are [`crate::web::exports::price_tags`].

use std::cmp::Ordering;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::where_to_buy::{
    ProviderRow, WhereToBuySection, left_out_summary, quantization_flag, shortfalls_text,
    uptime_text, versus,
};
use crate::feed::Feed;
use crate::model::price::{Component, Price, PriceSet};
use crate::pricing::calculator::{Detail, Workload};
use crate::pricing::discrepancies::{Discrepancy, discrepancies};
use crate::pricing::market::{Market, Offer};
use crate::pricing::price_tags::{PriceTag, base_of};
use crate::pricing::providers::tally;
use crate::pricing::sellers::{SellerBill, SellerFilters, Sellers, every_seller};
use crate::seller::{Seller, SellerKind};
use crate::store::Catalogue;
use crate::store::matching::list_label;
use crate::web::extractors::calculator::CalculatorQuery;
use crate::web::extractors::params::clip;
use crate::web::extractors::where_to_buy::{FilterQuery, WhereToBuyQuery};
use crate::web::format;
use crate::web::today;

use super::sellers::batch_words;

/// One seller's row.
pub struct TagRow {
    pub seller: String,
    /// The published `seller_key` (`openrouter:deepinfra/fp8`, `aws:global`, …).
    pub seller_key: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub region: String,
    /// The provider's page on this site, or the source's own page; empty when neither.
    pub href: String,
    pub external: bool,
    /// How one Bedrock price differs from the others, for a Bedrock row.
    pub scope: String,
    /// Where a provider is based and runs; empty for the others.
    pub places: String,
    pub input: String,
    pub output: String,
    pub cache_read: String,
    pub cache_write: String,
    pub cache_write_1h: String,
    pub batch: String,
    /// Where the batch price comes from, in words; empty when it has none.
    pub batch_source: String,
    pub long_context: Vec<String>,
    pub vs_routed: String,
    /// The 3:1 blend "vs routed" compares and the table is ordered by; empty when none.
    pub blend: String,
    /// "dearer", "cheaper" or "".
    pub vs_class: &'static str,
    pub precision: String,
    pub precision_flag: Option<String>,
    pub context: String,
    /// The last day's uptime.
    pub uptime: String,
    /// The last 5 and 30 minutes', for a provider.
    pub uptime_recent: String,
    pub features: String,
    /// The provider's latency and throughput, for a provider's row.
    pub speed: String,
    /// The provider's own policy pages, for a provider's row.
    pub policies: Vec<(&'static str, String)>,
    /// OpenRouter's endpoint tag, for a provider's row.
    pub endpoint_tag: String,
    pub status_flag: Option<String>,
    pub as_of: String,
    pub since: String,
    pub source: &'static str,
    pub source_url: String,
    pub matched_by: String,
    pub matched_how: &'static str,
    pub note: String,
    pub announced: String,
    /// The monthly bill for the reader's workload ("—" when there is none), empty without
    /// a workload.
    pub monthly: String,
    /// Why this seller has no bill for the workload.
    pub unpriced: String,
    pub cheapest: bool,
    /// Why the reader's filters leave this seller out.
    pub left_out: Option<String>,
}

/// Where the routed price and one seller's own list disagree: one notice per seller,
/// naming every component.
pub struct DisagreementNotice {
    pub seller: String,
    /// "input ($5.00/M here, $15.00/M at Anthropic: 1/3 of …)", one per component.
    pub components: Vec<String>,
}

/// A disagreement, in words (one component; `/discrepancies` lists them so).
pub struct DiscrepancyLine {
    pub model_id: String,
    pub model_name: String,
    pub component: &'static str,
    pub routed: String,
    pub official: String,
    pub seller: String,
    /// "10× the maker's price" or "a tenth of…": how far apart, either way.
    pub spread: String,
    pub dearer: bool,
}

/// The reader's workload as the section prices it.
pub struct SectionWorkload<'a> {
    pub workload: &'a Workload,
    pub query: &'a CalculatorQuery,
}

/// The model page's section.
pub struct PriceTagsSection {
    pub model_name: String,
    pub rows: Vec<TagRow>,
    /// True when no official list matched: the page says so in one line.
    pub unmatched: bool,
    /// Why a close official entry was refused, when one was.
    pub refusals: Vec<String>,
    pub disagreements: Vec<DisagreementNotice>,
    pub official_as_of: String,
    /// The calculator's bill at every seller of this model, for the reader's workload (the
    /// default one without) and filters; `None` for a listing the calculator does not price.
    pub calculator_href: Option<String>,
    /// Said when the sellers' prices were fetched on other days than the routed price.
    pub dates_note: String,
    /// The workload in words, when the address carries one: the table then has a bill column.
    pub workload: Option<String>,
    /// Whether the reader set any seller filter.
    pub filtered: bool,
    /// "5 sellers left out: 3 do not say where they run, 2 run outside the EU."
    pub left_out_summary: Option<String>,
    /// How many sellers meet the filters.
    pub kept: usize,
    /// The cheapest seller that meets the filters, in words.
    pub cheapest_qualifying: Option<String>,
    /// The reader's workload as hidden fields of the filter form, so filtering keeps it.
    pub hidden: Vec<(&'static str, String)>,
    /// The filter form and the provider list's freshness, from the providers' section.
    pub providers: WhereToBuySection,
}

impl PriceTagsSection {
    pub fn has_bills(&self) -> bool {
        self.workload.is_some()
    }

    pub fn has_providers(&self) -> bool {
        self.rows
            .iter()
            .any(|r| r.kind == SellerKind::RoutedProvider.key())
    }
}

/// Sentences built from feed ids: long enough to read whole, bounded so one odd id cannot
/// swamp a page.
pub fn long_text(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(400).collect()
}

fn price(set: &PriceSet, component: Component) -> String {
    format::token_price(set.price(component))
}

fn in_out(set: &PriceSet) -> String {
    format!(
        "{} / {}",
        price(set, Component::Prompt),
        price(set, Component::Completion)
    )
}

/// Long-context tiers: OpenRouter's apply from their threshold, the feed's above its start.
fn long_context(tag: &PriceTag) -> Vec<String> {
    tag.pricing
        .tiers()
        .into_iter()
        .map(|(min, set)| {
            let threshold = if tag.feed == Feed::Official {
                format!("over {}", format::tokens_short(min.saturating_sub(1)))
            } else {
                format!("from {}", format::tokens_short(min))
            };
            format!("{threshold} tokens: {}", in_out(&set))
        })
        .collect()
}

/// "“vs routed” compares prices fetched on different days: the routed price is of
/// 2026-08-08, the providers' of 2026-12-07." when any source's date is more than a day from
/// the routed price's, so a reader knows a comparison spans days; empty otherwise.
fn dates_note(offers: &[&Offer], routed: Option<&PriceTag>) -> String {
    let Some(there) = routed.and_then(|r| r.as_of) else {
        return String::new();
    };
    let mut apart: Vec<String> = Vec::new();
    for (feed, whose) in [
        (Feed::OpenRouterEndpoints, "the providers'"),
        (Feed::Official, "the official lists'"),
    ] {
        let days: std::collections::BTreeSet<String> = offers
            .iter()
            .filter(|o| o.tag.feed == feed)
            .filter_map(|o| o.tag.as_of)
            .filter(|here| (*here - there).num_hours().abs() > 24)
            .map(format::day)
            .collect();
        if !days.is_empty() {
            apart.push(format!(
                "{whose} of {}",
                days.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if apart.is_empty() {
        return String::new();
    }
    format!(
        "“vs routed” compares prices fetched on different days: the routed price is of {}, {}.",
        format::day(there),
        apart.join(", ")
    )
}

/// One seller's row; `blend` is the tag's own 3:1 blend when it is comparable.
fn row(
    offer: &Offer,
    routed: &PriceTag,
    provider: Option<&ProviderRow>,
    blend: Option<Decimal>,
) -> TagRow {
    let tag = &offer.tag;
    let base = &tag.pricing.base;
    let (vs_routed, vs_class) = match tag.seller.kind() {
        SellerKind::Routed => ("baseline".into(), ""),
        _ if !tag.comparable => ("not comparable".into(), ""),
        _ => versus(base, blend, &routed.pricing.base, routed.blended()),
    };
    let (href, external) = match (provider.and_then(|p| p.slug.as_ref()), &tag.source_url) {
        (Some(slug), _) => (format!("/providers/{slug}"), false),
        (None, Some(url)) => (url.clone(), true),
        (None, None) => (String::new(), false),
    };
    let precision = match (&tag.seller, &offer.quantization) {
        (Seller::RoutedProvider { .. }, Some(q)) => q.clone(),
        (Seller::RoutedProvider { .. }, None) => "not stated".into(),
        _ => "—".into(),
    };
    TagRow {
        seller: clip(&tag.seller_name),
        seller_key: tag.seller.key(),
        kind: tag.seller.kind().key(),
        kind_label: tag.seller.kind().label(),
        region: tag.seller.region().unwrap_or_default().to_string(),
        href,
        external,
        scope: tag
            .seller
            .cloud()
            .and_then(|c| c.scope_words())
            .unwrap_or_default()
            .to_string(),
        places: provider.map(|p| p.places.clone()).unwrap_or_default(),
        input: price(base, Component::Prompt),
        output: price(base, Component::Completion),
        cache_read: price(base, Component::InputCacheRead),
        cache_write: price(base, Component::InputCacheWrite),
        cache_write_1h: base
            .price(Component::InputCacheWrite1h)
            .map(|p| format::token_price(Some(p)))
            .unwrap_or_default(),
        batch: tag
            .batch
            .as_ref()
            .map_or_else(|| "—".into(), |b| in_out(&b.base)),
        batch_source: batch_words(&crate::pricing::sellers::PricedSeller::of(offer)),
        long_context: long_context(tag),
        vs_routed,
        blend: blend.map(format::usd).unwrap_or_default(),
        vs_class,
        precision_flag: offer.quantization.as_deref().and_then(quantization_flag),
        precision,
        context: match tag.seller {
            Seller::Routed | Seller::RoutedProvider { .. } => format::tokens_cell(offer.window()),
            _ => "—".into(),
        },
        uptime: match (provider, offer.uptime_last_1d) {
            (Some(p), _) => p.uptime.clone(),
            (None, Some(day)) => uptime_text(day),
            (None, None) => "—".into(),
        },
        uptime_recent: provider
            .map(|p| p.uptime_recent.clone())
            .unwrap_or_default(),
        features: match provider {
            Some(p) => format!(
                "Tools: {} · Structured outputs: {} · Implicit caching: {}",
                p.tools, p.structured_outputs, p.implicit_caching
            ),
            None => "—".into(),
        },
        speed: provider
            .map(|p| {
                if p.latency == p.throughput {
                    p.latency.clone()
                } else {
                    format!("{} · {}", p.latency, p.throughput)
                }
            })
            .unwrap_or_default(),
        policies: provider.map(|p| p.policies.clone()).unwrap_or_default(),
        endpoint_tag: match &tag.seller {
            Seller::RoutedProvider { endpoint_tag } => endpoint_tag.clone(),
            _ => String::new(),
        },
        status_flag: provider.and_then(|p| p.status_flag.clone()),
        as_of: tag.as_of.map(format::day).unwrap_or_default(),
        since: tag.since.map(|d| d.to_string()).unwrap_or_default(),
        source: if tag.feed == Feed::Official {
            "genai-prices"
        } else {
            "OpenRouter"
        },
        source_url: tag.source_url.clone().unwrap_or_default(),
        matched_by: tag.matched_by.as_deref().map(long_text).unwrap_or_default(),
        matched_how: tag.matched_how.unwrap_or_default(),
        note: tag.note.as_deref().map(long_text).unwrap_or_default(),
        announced: tag
            .announced
            .as_ref()
            .map(|(from, p)| format!("from {from}: {}", in_out(&p.base)))
            .unwrap_or_default(),
        monthly: String::new(),
        unpriced: String::new(),
        cheapest: false,
        left_out: None,
    }
}

fn spread_words(d: &Discrepancy) -> (String, bool) {
    let spread = d.spread();
    let dearer = d.factor.is_none_or(|f| f > Decimal::ONE);
    if spread == Decimal::MAX {
        return ("where the maker charges nothing".into(), dearer);
    }
    let times = spread.round_dp(1).normalize();
    if dearer {
        (format!("{times}× the maker's own price"), true)
    } else {
        (format!("1/{times} of the maker's own price"), false)
    }
}

pub fn discrepancy_line(catalogue: &Catalogue, d: &Discrepancy) -> DiscrepancyLine {
    let (spread, dearer) = spread_words(d);
    DiscrepancyLine {
        model_name: catalogue
            .get(&d.model_id)
            .map_or_else(|| d.model_id.clone(), |e| e.model.short_name().to_string()),
        model_id: d.model_id.clone(),
        component: d.component.label(),
        routed: format::token_price(Some(Price::Usd(d.routed))),
        official: format::token_price(Some(Price::Usd(d.official))),
        seller: d.seller_name.clone(),
        spread,
        dearer,
    }
}

/// The disagreements, one notice per seller listing its components.
fn disagreement_notices(lines: Vec<DiscrepancyLine>) -> Vec<DisagreementNotice> {
    let mut notices: Vec<DisagreementNotice> = Vec::new();
    for line in lines {
        let words = format!(
            "{} ({}/M routed, {}/M at {}: {})",
            line.component.to_lowercase(),
            line.routed,
            line.official,
            line.seller,
            line.spread
        );
        match notices.iter_mut().find(|n| n.seller == line.seller) {
            Some(notice) => notice.components.push(words),
            None => notices.push(DisagreementNotice {
                seller: line.seller,
                components: vec![words],
            }),
        }
    }
    notices
}

/// Orders rows without a workload: those that meet the filters first, then by the 3:1 blend
/// (rows without one last); a tie keeps the index's order (routed, providers, maker, clouds),
/// providers among themselves by name.
fn by_blend(a: &(Option<Decimal>, TagRow), b: &(Option<Decimal>, TagRow)) -> Ordering {
    let key = |(blend, row): &(Option<Decimal>, TagRow)| (row.left_out.is_some(), blend.is_none());
    let provider = SellerKind::RoutedProvider.key();
    key(a)
        .cmp(&key(b))
        .then_with(|| a.0.cmp(&b.0))
        .then_with(|| {
            if a.1.kind == provider && b.1.kind == provider {
                a.1.seller.to_lowercase().cmp(&b.1.seller.to_lowercase())
            } else {
                Ordering::Equal
            }
        })
}

/// The cheapest row, "Tidewater AI via OpenRouter at $1.575 per million blended" or, with a
/// workload, "… at $1,800.00 a month"; several at one blend are named together.
fn cheapest_words(
    rows: &[TagRow],
    blends: &[Option<Decimal>],
    tied_on_bill: &[String],
) -> Option<String> {
    let marked: Vec<(&TagRow, Option<Decimal>)> = rows
        .iter()
        .zip(blends)
        .filter(|(r, _)| r.cheapest)
        .map(|(r, b)| (r, *b))
        .collect();
    let (first, blend) = marked.first()?;
    let names: Vec<&str> = marked.iter().map(|(r, _)| r.seller.as_str()).collect();
    // More than three at one price are counted, not listed: the table names them.
    let who = if names.len() > 3 {
        format!("{} sellers", names.len())
    } else {
        names.join(", ")
    };
    Some(if !first.monthly.is_empty() {
        // The calculator bills the first of a tie; the others are named beside it, as a tie
        // on the blend is.
        let same = match tied_on_bill.len() {
            0 => String::new(),
            1..=3 => format!("; the same at {}", tied_on_bill.join(", ")),
            n => format!("; the same at {n} other sellers"),
        };
        format!("{} at {} a month{same}", first.seller, first.monthly)
    } else {
        let price = blend.map(|b| format!(" at {} per million blended", format::usd(b)));
        format!("{who}{}", price.unwrap_or_default())
    })
}

impl PriceTagsSection {
    /// The section for the listing `id` (variants show their base model's sellers) under the
    /// reader's filters and workload; `providers` is the page's provider section (the filter
    /// form, the list's freshness, each provider's place and status).
    pub fn build(
        market: &Market,
        id: &str,
        query: &WhereToBuyQuery,
        filters_read: bool,
        providers: WhereToBuySection,
    ) -> PriceTagsSection {
        Self::build_on(market, id, query, filters_read, providers, today())
    }

    fn build_on(
        market: &Market,
        id: &str,
        query: &WhereToBuyQuery,
        filters_read: bool,
        providers: WhereToBuySection,
        day: NaiveDate,
    ) -> PriceTagsSection {
        let base = base_of(market, id);
        let filters: &SellerFilters = &query.filters;
        let offers = market.sellers().offers(base, day);
        let routed = offers
            .iter()
            .find(|o| o.tag.seller == Seller::Routed)
            .map(|o| &o.tag);
        let provider_of = |offer: &Offer| match &offer.tag.seller {
            Seller::RoutedProvider { endpoint_tag } => {
                providers.rows.iter().find(|p| &p.tag == endpoint_tag)
            }
            _ => None,
        };
        let mut left_out_reasons = Vec::new();
        let mut rows: Vec<(Option<Decimal>, TagRow)> = offers
            .iter()
            .filter_map(|offer| {
                let blend = offer.tag.comparable.then(|| offer.tag.blended()).flatten();
                let mut row = row(offer, routed?, provider_of(offer), blend);
                if !filters.is_empty() {
                    let shortfalls = filters.shortfalls(offer);
                    row.left_out = shortfalls_text(&shortfalls, &filters.places);
                    left_out_reasons.extend(shortfalls);
                }
                Some((blend, row))
            })
            .collect();
        let workload = query.workload.as_ref().filter(|_| filters_read);
        // Sellers whose bill equals the cheapest's, which the calculator does not pick.
        let mut tied_on_bill = Vec::new();
        match (workload, market.get(base)) {
            (Some((w, _)), Some(entry)) => {
                // The calculator's own bills, in its order: cheapest that qualify first.
                let bills = every_seller(
                    market,
                    &entry.model,
                    w,
                    filters,
                    w.request_tokens(),
                    day,
                    Detail::Totals,
                )
                .unwrap_or_default();
                let mut ordered = Vec::with_capacity(rows.len());
                let least = bills
                    .iter()
                    .find(|b| b.cheapest)
                    .and_then(SellerBill::monthly_cost);
                for bill in &bills {
                    let key = bill.seller.seller.key();
                    if let Some(at) = rows.iter().position(|(_, r)| r.seller_key == key) {
                        let (blend, mut row) = rows.remove(at);
                        row.monthly = bill.monthly_cost().map_or_else(|| "—".into(), format::usd);
                        row.unpriced = bill.bill.as_ref().err().cloned().unwrap_or_default();
                        row.cheapest = bill.cheapest;
                        if !bill.cheapest
                            && bill.qualifies()
                            && least.is_some()
                            && bill.monthly_cost() == least
                        {
                            tied_on_bill.push(row.seller.clone());
                        }
                        ordered.push((blend, row));
                    }
                }
                // Sellers no bill can be priced at (a list in another currency) last.
                for (blend, mut row) in rows {
                    row.monthly = "—".into();
                    row.unpriced = "its price is not in US dollars".into();
                    ordered.push((blend, row));
                }
                rows = ordered;
            }
            _ => {
                rows.sort_by(by_blend);
                let least = rows
                    .iter()
                    .filter(|(_, r)| r.left_out.is_none())
                    .filter_map(|(blend, _)| *blend)
                    .min();
                for (blend, row) in &mut rows {
                    row.cheapest = row.left_out.is_none() && least.is_some() && *blend == least;
                }
            }
        }
        let (blends, rows): (Vec<Option<Decimal>>, Vec<TagRow>) = rows.into_iter().unzip();
        let tags: Vec<PriceTag> = offers.iter().map(|o| o.tag.clone()).collect();
        let official = market.official();
        let unmatched = !tags
            .iter()
            .any(|t| matches!(t.seller.kind(), SellerKind::FirstParty | SellerKind::Cloud));
        let canonical = if filters_read {
            FilterQuery::from_seller_filters(filters)
        } else {
            FilterQuery::default()
        };
        let reader = workload.map(|(_, q)| q.clone());
        PriceTagsSection {
            model_name: market
                .get(base)
                .map_or_else(|| base.to_string(), |e| e.model.short_name().to_string()),
            unmatched,
            // The calculator prices current listings only.
            calculator_href: market
                .get(base)
                .filter(|e| market.is_current(base) && !e.model.is_variable())
                .map(|_| {
                    CalculatorQuery {
                        ids: vec![base.to_string()],
                        sellers: Sellers::All,
                        filters: canonical,
                        ..reader
                            .clone()
                            .unwrap_or_else(CalculatorQuery::default_workload)
                    }
                    .bill_href(base)
                }),
            workload: workload.map(|(w, _)| super::super::calculator::workload_line(w)),
            filtered: !filters.is_empty(),
            kept: rows.iter().filter(|r| r.left_out.is_none()).count(),
            left_out_summary: left_out_summary(
                rows.iter().filter(|r| r.left_out.is_some()).count(),
                &tally(&left_out_reasons),
                &filters.places,
                "seller",
            ),
            cheapest_qualifying: cheapest_words(&rows, &blends, &tied_on_bill),
            refusals: official
                .report
                .refusals
                .iter()
                .filter(|r| {
                    r.model_id == base && r.kind == crate::store::matching::RefusalKind::Unexplained
                })
                .map(|r| format!("{}: {}", list_label(r.seller.cloud()), long_text(&r.reason)))
                .collect(),
            disagreements: disagreement_notices(
                discrepancies(&tags)
                    .iter()
                    .map(|d| discrepancy_line(market, d))
                    .collect(),
            ),
            official_as_of: official.as_of().map(format::day).unwrap_or_default(),
            dates_note: dates_note(&offers, routed),
            rows,
            hidden: reader.map(|q| q.workload_pairs()).unwrap_or_default(),
            providers,
        }
    }
}
