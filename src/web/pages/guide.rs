//! `/guide/why-prices-differ`: the guide. The prose is fixed; a few sentences quote
//! today's catalogue, and each is left out when the models it needs are not listed.

use askama::Template;
use rust_decimal::Decimal;

use super::sections::where_to_buy;
use super::{Page, impl_page};
use crate::model::price::{Price, cache_read_stats};
use crate::model::{Model, Variant};
use crate::pricing::ranking::{RankedModel, price_spread};
use crate::store::Catalogue;
use crate::web::extractors::calculator::{CalculatorQuery, volume};
use crate::web::extractors::params::encode;
use crate::web::extractors::where_to_buy::FilterQuery;
use crate::web::format;
use crate::web::layout::Layout;

/// The model whose `:batch` listing illustrates batch pricing, and whose cache prices
/// illustrate the worked caching example.
pub const BATCH_EXAMPLE: &str = "anthropic/claude-opus-4.8";
/// The model whose long-context tier illustrates tiered pricing.
pub const TIER_EXAMPLE: &str = "openai/gpt-5.4";
/// Major models whose cache-read price we quote as a share of their input price.
pub const CACHE_EXAMPLES: &[&str] = &[
    "anthropic/claude-sonnet-4.6",
    "openai/gpt-5.4",
    "google/gemini-2.5-pro",
    "deepseek/deepseek-v3.2",
];
/// The intelligence level above which we quote the cheapest-to-dearest spread.
pub const SPREAD_MIN_INTELLIGENCE: f64 = 50.0;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

/// A named example workload for the list at the end of the guide.
pub struct ExampleLink {
    pub title: &'static str,
    pub detail: &'static str,
    pub href: String,
}

/// The guide's example workloads, in the order the text introduces them.
pub fn example_workloads() -> Vec<ExampleLink> {
    let support = CalculatorQuery {
        requests: volume(50_000),
        input_tokens: volume(20_000),
        output_tokens: volume(800),
        cache_hit: Some(Decimal::from(70)),
        ..Default::default()
    };
    vec![
        ExampleLink {
            title: "A support assistant with a long, cached system prompt",
            detail: "50,000 requests a month, 20,000 input and 800 output tokens each, 70% of input read from the cache.",
            href: support.href(),
        },
        ExampleLink {
            title: "The same assistant under a 20% committed-use discount",
            detail: "As above, with 20% off the whole bill.",
            href: CalculatorQuery {
                discount: Some(Decimal::from(20)),
                ..support.clone()
            }
            .href(),
        },
        ExampleLink {
            title: "Overnight classification, all through batch",
            detail: "200,000 short requests a month (1,500 tokens in, 50 out), every one sent as a batch job.",
            href: CalculatorQuery {
                requests: volume(200_000),
                input_tokens: volume(1_500),
                output_tokens: volume(50),
                batch: Some(Decimal::from(100)),
                ..Default::default()
            }
            .href(),
        },
        ExampleLink {
            title: "A coding agent that reasons before it answers",
            detail: "20,000 requests a month, 8,000 input tokens (50% cache hits, 10% cache writes), 1,000 output and 4,000 reasoning tokens each.",
            href: CalculatorQuery {
                requests: volume(20_000),
                input_tokens: volume(8_000),
                output_tokens: volume(1_000),
                cache_hit: Some(Decimal::from(50)),
                cache_write: Some(Decimal::from(10)),
                reasoning_tokens: volume(4_000),
                ..Default::default()
            }
            .href(),
        },
        ExampleLink {
            title: "Long-document analysis past the long-context threshold",
            detail: "1,000 requests a month with 300,000-token prompts and 2,000-token answers.",
            href: CalculatorQuery {
                requests: volume(1_000),
                input_tokens: volume(300_000),
                output_tokens: volume(2_000),
                ..Default::default()
            }
            .href(),
        },
    ]
}

/// A positive USD amount of a price component, per token.
fn usd(price: Option<Price>) -> Option<Decimal> {
    price.and_then(Price::usd).filter(|v| *v > Decimal::ZERO)
}

/// A listed, active model by id.
fn listed<'a>(catalogue: &'a Catalogue, id: &str) -> Option<&'a Model> {
    catalogue.get(id).filter(|e| e.active).map(|e| &e.model)
}

/// `part / whole` as a percentage for display, e.g. "10%".
fn share(part: Decimal, whole: Decimal) -> Option<String> {
    let pct = part.checked_div(whole)?.checked_mul(HUNDRED)?;
    Some(format::percent(pct))
}

/// `a / b` as a multiple for display ([`format::multiple`]); `None` when `b` is zero.
pub fn multiple(a: Decimal, b: Decimal) -> Option<String> {
    a.checked_div(b).map(format::multiple)
}

/// Today's batch saving on [`BATCH_EXAMPLE`].
pub struct BatchFigure {
    pub id: String,
    pub batch_id: String,
    pub base_input: String,
    pub base_output: String,
    pub batch_input: String,
    pub batch_output: String,
    pub saving_input: String,
    pub saving_output: String,
}

pub fn batch_figure(catalogue: &Catalogue, id: &str) -> Option<BatchFigure> {
    let base = listed(catalogue, id)?;
    let batch = catalogue.batch_listing(id)?;
    let (bi, bo) = (
        usd(base.pricing.base.prompt)?,
        usd(base.pricing.base.completion)?,
    );
    let (ti, to) = (
        usd(batch.pricing.base.prompt)?,
        usd(batch.pricing.base.completion)?,
    );
    // Only a real saving makes the sentence true.
    if ti >= bi || to >= bo {
        return None;
    }
    Some(BatchFigure {
        id: base.id.clone(),
        batch_id: batch.id.clone(),
        base_input: format::usd(format::per_million(bi)),
        base_output: format::usd(format::per_million(bo)),
        batch_input: format::usd(format::per_million(ti)),
        batch_output: format::usd(format::per_million(to)),
        saving_input: share(bi - ti, bi)?,
        saving_output: share(bo - to, bo)?,
    })
}

/// Today's first long-context tier of [`TIER_EXAMPLE`].
pub struct TierFigure {
    pub id: String,
    pub threshold: String,
    pub base_input: String,
    pub base_output: String,
    pub tier_input: String,
    pub tier_output: String,
    pub input_multiple: String,
    pub output_multiple: String,
    pub href: String,
}

pub fn tier_figure(catalogue: &Catalogue, id: &str) -> Option<TierFigure> {
    let model = listed(catalogue, id)?;
    let (min, tier) = model.pricing.tiers().into_iter().next()?;
    let (bi, bo) = (
        usd(model.pricing.base.prompt)?,
        usd(model.pricing.base.completion)?,
    );
    let (ti, to) = (usd(tier.prompt)?, usd(tier.completion)?);
    if ti <= bi {
        return None;
    }
    // A prompt comfortably past the threshold, on a round number.
    let example_prompt = (min / 50_000 + 1).saturating_mul(50_000);
    Some(TierFigure {
        id: model.id.clone(),
        threshold: format::count(min),
        base_input: format::usd(format::per_million(bi)),
        base_output: format::usd(format::per_million(bo)),
        tier_input: format::usd(format::per_million(ti)),
        tier_output: format::usd(format::per_million(to)),
        input_multiple: multiple(ti, bi)?,
        output_multiple: multiple(to, bo)?,
        href: CalculatorQuery {
            requests: volume(1_000),
            input_tokens: volume(example_prompt),
            output_tokens: volume(2_000),
            ids: vec![model.id.clone()],
            ..Default::default()
        }
        .href(),
    })
}

/// One end of the quality-at-a-price spread.
pub struct SpreadEnd {
    pub id: String,
    pub name: String,
    pub blended: String,
    pub quality: String,
}

/// Cheapest and dearest models at or above [`SPREAD_MIN_INTELLIGENCE`], blended 3:1.
pub struct SpreadFigure {
    pub min_quality: String,
    pub count: usize,
    pub cheapest: SpreadEnd,
    pub dearest: SpreadEnd,
    pub multiple: String,
}

pub fn spread_figure(catalogue: &Catalogue, min_quality: f64) -> Option<SpreadFigure> {
    let spread = price_spread(catalogue, min_quality)?;
    let end = |m: &RankedModel| SpreadEnd {
        id: m.id.clone(),
        name: m.name.clone(),
        blended: format::usd(m.blended_per_million),
        quality: format::score(m.quality),
    };
    Some(SpreadFigure {
        min_quality: format!("{min_quality}"),
        count: spread.count,
        multiple: multiple(
            spread.dearest.blended_per_million,
            spread.cheapest.blended_per_million,
        )?,
        cheapest: end(&spread.cheapest),
        dearest: end(&spread.dearest),
    })
}

/// A major model's cache-read price as a share of its input price.
pub struct CacheRatio {
    pub id: String,
    pub input: String,
    pub cache_read: String,
    pub ratio: String,
}

pub fn cache_ratios(catalogue: &Catalogue, ids: &[&str]) -> Vec<CacheRatio> {
    ids.iter()
        .filter_map(|id| {
            let model = listed(catalogue, id)?;
            let input = usd(model.pricing.base.prompt)?;
            let read = usd(model.pricing.base.input_cache_read)?;
            Some(CacheRatio {
                id: model.id.clone(),
                input: format::usd(format::per_million(input)),
                cache_read: format::usd(format::per_million(read)),
                ratio: share(read, input)?,
            })
        })
        .collect()
}

/// How cache-read prices relate to input prices across today's catalogue.
pub struct CacheStats {
    /// Listed base models with a positive input price and a cache-read price.
    pub with_cache: usize,
    /// Of those, how many price cache reads at 10–50% of input.
    pub in_band: usize,
    pub lowest: String,
    pub highest: String,
}

pub fn cache_stats(catalogue: &Catalogue) -> Option<CacheStats> {
    let stats = cache_read_stats(
        catalogue
            .active()
            .map(|e| &e.model)
            // Variants repeat their base model's prices.
            .filter(|m| !matches!(m.variant, Variant::Batch | Variant::Free | Variant::Alias))
            .map(|m| &m.pricing.base),
    )?;
    let pct = |r: Decimal| Some(format::percent(r.checked_mul(HUNDRED)?));
    Some(CacheStats {
        with_cache: stats.with_cache,
        in_band: stats.in_band,
        lowest: pct(stats.lowest)?,
        highest: pct(stats.highest)?,
    })
}

/// The worked 70%-hit example on a real model's prices.
pub struct CachedExample {
    pub id: String,
    pub input: String,
    pub cache_read: String,
    pub read_ratio: String,
    pub effective: String,
    pub multiple: String,
    /// The five-minute cache-write price and its multiple of input, when listed.
    pub write: Option<(String, String)>,
    pub href: String,
}

pub fn cached_example(catalogue: &Catalogue, id: &str) -> Option<CachedExample> {
    let model = listed(catalogue, id)?;
    let input = usd(model.pricing.base.prompt)?;
    let read = model.pricing.base.input_cache_read?.usd()?;
    let hit = Decimal::new(7, 1);
    let effective = (Decimal::ONE - hit)
        .checked_mul(input)?
        .checked_add(hit.checked_mul(read)?)?;
    let ratio = effective.checked_div(input)?;
    let write = usd(model.pricing.base.input_cache_write).and_then(|w| {
        Some((
            format::usd(format::per_million(w)),
            format::fine_multiple(w.checked_div(input)?),
        ))
    });
    Some(CachedExample {
        id: model.id.clone(),
        input: format::usd(format::per_million(input)),
        cache_read: format::usd(format::per_million(read)),
        read_ratio: share(read, input)?,
        effective: format::usd(format::per_million(effective)),
        multiple: format::fine_multiple(ratio),
        write,
        href: CalculatorQuery {
            requests: volume(50_000),
            input_tokens: volume(20_000),
            output_tokens: volume(800),
            cache_hit: Some(Decimal::from(70)),
            ids: vec![model.id.clone()],
            ..Default::default()
        }
        .href(),
    })
}

/// Today's catalogue's answer to "which providers keep my data in the EU and call tools":
/// the tracked model with the most providers, filtered the way a reader would.
pub struct ResidencyExample {
    pub id: String,
    pub name: String,
    pub providers: usize,
    pub kept: usize,
    /// "Name at $x per million blended", when a provider qualifies.
    pub cheapest: Option<String>,
    pub left_out: Option<String>,
    /// The model page with the filters set, at its "where to buy" section.
    pub href: String,
    /// The model's bill at every seller, with the same filters.
    pub calculator_href: String,
}

/// The filters of the worked example: every datacenter in the EU, tool calling listed.
fn residency_filters() -> crate::pricing::providers::ProviderFilters {
    crate::pricing::providers::ProviderFilters {
        datacenter: Some(crate::pricing::providers::Region::Eu),
        tools: true,
        ..Default::default()
    }
}

pub fn residency_example(catalogue: &Catalogue) -> Option<ResidencyExample> {
    // Most providers first, then by id, so the example is stable from day to day.
    let busiest = catalogue
        .all_endpoints()
        .filter(|m| catalogue.is_current(&m.model_id))
        .filter(|m| m.endpoints.len() >= 2)
        .max_by(|a, b| {
            a.endpoints
                .len()
                .cmp(&b.endpoints.len())
                .then_with(|| b.model_id.cmp(&a.model_id))
        })?;
    let id = busiest.model_id.clone();
    let filters = residency_filters();
    let section = where_to_buy::section(catalogue, &id, &filters);
    let query = FilterQuery::from_filters(&filters);
    let pairs = encode(query.pairs());
    Some(ResidencyExample {
        name: section.model_name.clone(),
        providers: section.rows.len(),
        kept: section.kept,
        cheapest: section.cheapest_qualifying.clone(),
        left_out: section.left_out_summary.clone(),
        href: format!("/models/{id}?{pairs}#{}", section.anchor),
        calculator_href: where_to_buy::every_seller_href(&id, &query),
        id,
    })
}

#[derive(Template)]
#[template(path = "guide.html")]
pub struct GuidePage {
    pub layout: Layout,
    pub batch: Option<BatchFigure>,
    pub tier: Option<TierFigure>,
    pub spread: Option<SpreadFigure>,
    pub cache_ratios: Vec<CacheRatio>,
    pub cache_stats: Option<CacheStats>,
    pub cached: Option<CachedExample>,
    pub examples: Vec<ExampleLink>,
    /// The first example workload (the 70%-hit support assistant), linked from the text.
    pub support_href: String,
    pub batch_href: String,
    pub residency: Option<ResidencyExample>,
}

impl GuidePage {
    /// The guide with today's figures; a figure whose models are not listed is `None`.
    pub fn build(catalogue: &Catalogue) -> GuidePage {
        let examples = example_workloads();
        GuidePage {
            layout: Layout {
                description: "Why the same LLM costs different amounts on different platforms, \
                              and how to find the cheapest source for your own workload."
                    .into(),
                ..Layout::new(
                    catalogue,
                    "Why one model has several price tags",
                    "/guide/why-prices-differ",
                )
                .canonical("/guide/why-prices-differ")
            },
            batch: batch_figure(catalogue, BATCH_EXAMPLE),
            tier: tier_figure(catalogue, TIER_EXAMPLE),
            spread: spread_figure(catalogue, SPREAD_MIN_INTELLIGENCE),
            cache_ratios: cache_ratios(catalogue, CACHE_EXAMPLES),
            cache_stats: cache_stats(catalogue),
            cached: cached_example(catalogue, BATCH_EXAMPLE),
            support_href: examples[0].href.clone(),
            batch_href: examples[2].href.clone(),
            residency: residency_example(catalogue),
            examples,
        }
    }
}

impl Page for GuidePage {}
impl_page!(GuidePage);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multiples_read_naturally() {
        assert_eq!(
            multiple(Decimal::from(2), Decimal::ONE).as_deref(),
            Some("2×")
        );
        assert_eq!(
            multiple(Decimal::new(225, 1), Decimal::from(15)).as_deref(),
            Some("1.5×")
        );
        assert_eq!(
            multiple(Decimal::from(20), Decimal::new(1125, 4)).as_deref(),
            Some("178×")
        );
        assert_eq!(multiple(Decimal::ONE, Decimal::ZERO), None);
    }
}
