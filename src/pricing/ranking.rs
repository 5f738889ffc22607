//! The best-value ranking: quality per dollar, following the reference semantics in
//! PRODUCT.md ("The best-value ranking").

use std::cmp::Ordering;
use std::collections::HashSet;

use rust_decimal::prelude::*;
use serde::Serialize;

use crate::model::price::{Price, PriceSet};
use crate::model::{Charging, Model, QualityIndex, Variant};

use crate::model::price::MILLION;
/// Far beyond any real workload; the bound keeps every blended price calculable.
const MAX_RATIO: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// What the reader ranks by.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankingParams {
    pub index: QualityIndex,
    /// Input tokens per output token, in `(0, 1_000_000]`.
    pub ratio: Decimal,
    /// Share of input tokens read from the cache, in `0..=1`.
    pub cache_hit: Decimal,
    /// Rank `:batch` listings alongside the rest.
    pub include_batch: bool,
    /// Models scoring below this are excluded as [`ExclusionReason::BelowMinQuality`].
    pub min_quality: Option<f64>,
}

impl Default for RankingParams {
    fn default() -> Self {
        RankingParams {
            index: QualityIndex::Intelligence,
            ratio: Decimal::from(3),
            cache_hit: Decimal::ZERO,
            include_batch: false,
            min_quality: None,
        }
    }
}

/// Parameters the ranking cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RankingError {
    #[error("the input:output ratio must be greater than 0 and at most 1,000,000")]
    Ratio,
    #[error("the cache hit rate must be between 0 % and 100 %")]
    CacheHit,
}

impl RankingParams {
    pub fn validate(&self) -> Result<(), RankingError> {
        if self.ratio <= Decimal::ZERO || self.ratio > MAX_RATIO {
            return Err(RankingError::Ratio);
        }
        if self.cache_hit < Decimal::ZERO || self.cache_hit > Decimal::ONE {
            return Err(RankingError::CacheHit);
        }
        Ok(())
    }
}

/// Why a model is listed apart instead of ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// A `:free` listing or a zero blended price: value would be a division by zero.
    Free,
    /// Token prices all zero on a model billed per item it makes
    /// ([`crate::model::Charging::NotPerToken`]).
    NotPerToken,
    /// Variable pricing (router models).
    Variable,
    /// No input or output price, or one too large to calculate.
    NoPrice,
    /// No score for the chosen quality index.
    NoQuality,
    /// Scored below the reader's `min_quality`.
    BelowMinQuality,
}

impl ExclusionReason {
    pub fn label(self) -> &'static str {
        match self {
            ExclusionReason::Free => "free",
            ExclusionReason::NotPerToken => "not priced per token",
            ExclusionReason::Variable => "variable pricing",
            ExclusionReason::NoPrice => "no token price",
            ExclusionReason::NoQuality => "no quality score",
            ExclusionReason::BelowMinQuality => "below the minimum quality",
        }
    }
}

/// One ranked model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedModel {
    pub id: String,
    /// The short display name (without the "Author: " prefix).
    pub name: String,
    pub author: String,
    pub quality: f64,
    pub blended_per_million: Decimal,
    /// Quality points per dollar per million blended tokens.
    pub value: f64,
    /// On the Pareto frontier: no other ranked model is at least as good and at most as
    /// dear, and strictly better on one of the two.
    pub frontier: bool,
}

/// A model listed apart, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub id: String,
    pub name: String,
    pub reason: ExclusionReason,
}

/// Ranked models, best value first (ties: higher quality, then id), and the models left out
/// grouped by reason, then by id. Aliases of a listed model and (unless asked for) batch
/// listings appear in neither: they duplicate another listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    pub ranked: Vec<RankedModel>,
    pub excluded: Vec<Excluded>,
}

/// `(ratio·P_in + P_out) / (ratio + 1)` in USD per million tokens, where
/// `P_in = (1−h)·prompt + h·cache_read` (cache reads fall back to the input price).
/// `None` if a needed price is variable or missing, or the parameters are out of range.
pub fn blended_price_per_million(
    pricing: &PriceSet,
    ratio: Decimal,
    cache_hit: Decimal,
) -> Option<Decimal> {
    blended(pricing, ratio, cache_hit).ok()
}

fn blended(
    pricing: &PriceSet,
    ratio: Decimal,
    cache_hit: Decimal,
) -> Result<Decimal, ExclusionReason> {
    if ratio <= Decimal::ZERO || cache_hit < Decimal::ZERO || cache_hit > Decimal::ONE {
        return Err(ExclusionReason::NoPrice);
    }
    let usd = |price: Option<Price>| match price {
        None => Ok(None),
        Some(Price::Usd(value)) => Ok(Some(value)),
        Some(Price::Variable) => Err(ExclusionReason::Variable),
    };
    let prompt = usd(pricing.prompt)?.ok_or(ExclusionReason::NoPrice)?;
    let completion = usd(pricing.completion)?.ok_or(ExclusionReason::NoPrice)?;
    let cache_read = if cache_hit.is_zero() {
        prompt
    } else {
        usd(pricing.input_cache_read)?.unwrap_or(prompt)
    };
    let input = Decimal::ONE
        .checked_sub(cache_hit)
        .and_then(|uncached| uncached.checked_mul(prompt))
        .and_then(|v| v.checked_add(cache_hit.checked_mul(cache_read)?));
    // Scale to per-million before dividing so the division's rounding lands far below
    // the digits anyone reads.
    input
        .and_then(|input| ratio.checked_mul(input))
        .and_then(|v| v.checked_add(completion))
        .and_then(|v| v.checked_mul(MILLION))
        .and_then(|v| v.checked_div(ratio.checked_add(Decimal::ONE)?))
        .ok_or(ExclusionReason::NoPrice)
}

/// Ranks `models` by quality per dollar for `params`. See [`Ranking`] for what is left out.
pub fn rank<'a>(
    models: impl IntoIterator<Item = &'a Model>,
    params: &RankingParams,
) -> Result<Ranking, RankingError> {
    params.validate()?;
    let models: Vec<&Model> = models.into_iter().collect();
    let ids: HashSet<&str> = models.iter().map(|m| m.id.as_str()).collect();

    let mut ranked = Vec::new();
    let mut excluded = Vec::new();
    for model in models {
        let duplicate = match model.variant {
            Variant::Batch => !params.include_batch,
            Variant::Alias => model.base_id != model.id && ids.contains(model.base_id.as_str()),
            _ => false,
        };
        if duplicate {
            continue;
        }
        match assess(model, params) {
            Ok((quality, blended_per_million)) => ranked.push(RankedModel {
                id: model.id.clone(),
                name: model.short_name().to_string(),
                author: model.author.clone(),
                quality,
                value: quality / blended_per_million.to_f64().unwrap_or(f64::INFINITY),
                blended_per_million,
                frontier: false,
            }),
            Err(reason) => excluded.push(Excluded {
                id: model.id.clone(),
                name: model.short_name().to_string(),
                reason,
            }),
        }
    }

    let frontier: Vec<bool> = ranked
        .iter()
        .map(|m| !ranked.iter().any(|other| dominates(other, m)))
        .collect();
    for (model, on_frontier) in ranked.iter_mut().zip(frontier) {
        model.frontier = on_frontier;
    }
    ranked.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| b.quality.total_cmp(&a.quality))
            .then_with(|| a.id.cmp(&b.id))
    });
    excluded.sort_by(|a, b| a.reason.cmp(&b.reason).then_with(|| a.id.cmp(&b.id)));
    Ok(Ranking { ranked, excluded })
}

/// The model's quality and blended price, or why it cannot be ranked. The blended price
/// returned is always positive, so value never divides by zero.
fn assess(model: &Model, params: &RankingParams) -> Result<(f64, Decimal), ExclusionReason> {
    match model.charging() {
        Charging::Free => return Err(ExclusionReason::Free),
        Charging::NotPerToken => return Err(ExclusionReason::NotPerToken),
        Charging::PerToken | Charging::Variable => {}
    }
    // Tiers only apply to very long prompts; the ranking describes the ordinary case.
    let price = blended(&model.pricing.base, params.ratio, params.cache_hit)?;
    if price <= Decimal::ZERO {
        return Err(ExclusionReason::Free);
    }
    let quality = model
        .quality
        .get(params.index)
        .ok_or(ExclusionReason::NoQuality)?;
    if params.min_quality.is_some_and(|min| quality < min) {
        return Err(ExclusionReason::BelowMinQuality);
    }
    Ok((quality, price))
}

/// `a` is at least as good and at most as dear as `b`, and strictly better on one.
fn dominates(a: &RankedModel, b: &RankedModel) -> bool {
    let quality = a.quality.total_cmp(&b.quality);
    let price = a.blended_per_million.cmp(&b.blended_per_million);
    quality != Ordering::Less
        && price != Ordering::Greater
        && (quality == Ordering::Greater || price == Ordering::Less)
}

/// The active listings of `catalogue`, narrowed to `authors` when any are given, ranked.
pub fn rank_listed(
    catalogue: &crate::store::Catalogue,
    authors: &[String],
    params: &RankingParams,
) -> Result<Ranking, RankingError> {
    let models = catalogue
        .active()
        .map(|e| &e.model)
        .filter(|m| authors.is_empty() || authors.contains(&m.author));
    rank(models, params)
}

/// The cheapest and dearest of the ranked models, blended, and how many were ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    pub count: usize,
    pub cheapest: RankedModel,
    pub dearest: RankedModel,
}

/// The spread of blended prices among the active models scoring at least `min_quality`
/// on the intelligence index; `None` when fewer than two prices differ.
pub fn price_spread(catalogue: &crate::store::Catalogue, min_quality: f64) -> Option<Spread> {
    let params = RankingParams {
        min_quality: Some(min_quality),
        ..RankingParams::default()
    };
    let ranking = rank(catalogue.active().map(|e| &e.model), &params).ok()?;
    let cheapest = ranking
        .ranked
        .iter()
        .min_by(|a, b| a.blended_per_million.cmp(&b.blended_per_million))?;
    let dearest = ranking
        .ranked
        .iter()
        .max_by(|a, b| a.blended_per_million.cmp(&b.blended_per_million))?;
    (dearest.blended_per_million > cheapest.blended_per_million).then(|| Spread {
        count: ranking.ranked.len(),
        cheapest: cheapest.clone(),
        dearest: dearest.clone(),
    })
}

/// The columns the ranking table sorts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RankSort {
    /// The ranking's own order: best value first.
    #[default]
    Rank,
    Name,
    Quality,
    Price,
    Value,
}

impl RankSort {
    pub const ALL: [RankSort; 5] = [
        RankSort::Rank,
        RankSort::Name,
        RankSort::Quality,
        RankSort::Price,
        RankSort::Value,
    ];

    /// The query value (`sort=price`, `sort=-value`).
    pub fn key(self) -> &'static str {
        match self {
            RankSort::Rank => "rank",
            RankSort::Name => "name",
            RankSort::Quality => "quality",
            RankSort::Price => "price",
            RankSort::Value => "value",
        }
    }

    pub fn parse(key: &str) -> Option<RankSort> {
        RankSort::ALL.into_iter().find(|s| s.key() == key)
    }

    /// More is better for quality and value, so a first click sorts them largest first.
    pub fn first_desc(self) -> bool {
        matches!(self, RankSort::Quality | RankSort::Value)
    }
}

/// Positions in `ranked` (the ranking's order) sorted by `sort`, reversed when `desc`; ties
/// keep the ranking's order.
pub fn sorted(ranked: &[RankedModel], sort: RankSort, desc: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..ranked.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&ranked[i], &ranked[j]);
        let ord = match sort {
            RankSort::Rank => i.cmp(&j),
            RankSort::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            RankSort::Quality => a.quality.total_cmp(&b.quality),
            RankSort::Price => a.blended_per_million.cmp(&b.blended_per_million),
            RankSort::Value => a.value.total_cmp(&b.value),
        };
        let ord = if desc { ord.reverse() } else { ord };
        ord.then_with(|| i.cmp(&j))
    });
    order
}

/// The model with the most quality per dollar (the first by id among equals).
pub fn best_value(ranked: &[RankedModel]) -> Option<&RankedModel> {
    ranked
        .iter()
        .max_by(|a, b| a.value.total_cmp(&b.value).then_with(|| b.id.cmp(&a.id)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::Pricing;
    use crate::model::{Quality, classify};

    fn d(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    /// A model priced per million tokens (converted to OpenRouter's per-token strings),
    /// with an intelligence score when given.
    fn model(id: &str, per_million: &[(&str, &str)], intelligence: Option<f64>) -> Model {
        let mut base = PriceSet::default();
        for (key, value) in per_million {
            let price = match *value {
                "-1" => Price::Variable,
                v => Price::Usd(d(v) / MILLION),
            };
            base.set(key, price);
        }
        Model {
            quality: Quality {
                intelligence,
                ..Quality::default()
            },
            ..Model::new(
                id,
                &format!("Test: {id}"),
                Pricing {
                    base,
                    overrides: vec![],
                },
            )
        }
    }

    fn alias(id: &str, target: &str, per_million: &[(&str, &str)], q: f64) -> Model {
        let (variant, base_id) = classify(id, Some(target));
        Model {
            variant,
            base_id,
            alias_target: Some(target.to_string()),
            ..model(id, per_million, Some(q))
        }
    }

    fn io(input: &'static str, output: &'static str) -> [(&'static str, &'static str); 2] {
        [("prompt", input), ("completion", output)]
    }

    /// Blended prices at the default 3:1, by hand: (3·in + out) / 4.
    fn fixture() -> Vec<Model> {
        vec![
            // 1.75/M; has a cache price for the cache-hit test.
            model(
                "a/alpha",
                &[
                    ("prompt", "1"),
                    ("completion", "4"),
                    ("input_cache_read", "0.1"),
                ],
                Some(60.0),
            ),
            model("b/beta", &io("3", "15"), Some(70.0)), // 6/M
            model("b/beta:batch", &io("1.5", "7.5"), Some(70.0)), // 3/M
            alias("~b/beta-latest", "b/beta", &io("3", "15"), 70.0),
            model("c/gamma", &io("0.5", "2"), Some(40.0)), // 0.875/M
            model("d/delta", &io("1", "4"), Some(60.0)),   // 1.75/M: ties alpha exactly
            model("e/eps", &io("2", "8"), Some(55.0)),     // 3.5/M
            model("f/fee", &io("1", "4"), Some(50.0)),     // 1.75/M, worse than alpha
            alias("~z/zeta-latest", "z/zeta", &io("2", "2"), 30.0), // 2/M, target absent
            model("g/gee:free", &io("0", "0"), Some(50.0)),
            model("j/zero", &io("0", "0"), Some(45.0)),
            model("openrouter/auto", &io("-1", "-1"), None),
            model("h/noscore", &io("1", "1"), None),
            model("i/embed", &[("prompt", "0.1")], Some(10.0)),
        ]
    }

    fn summary(ranking: &Ranking) -> Vec<(&str, Decimal, bool)> {
        ranking
            .ranked
            .iter()
            .map(|m| (m.id.as_str(), m.blended_per_million, m.frontier))
            .collect()
    }

    #[test]
    fn ranks_by_value_and_marks_the_frontier_including_exact_ties() {
        let ranking = rank(&fixture(), &RankingParams::default()).unwrap();
        assert_eq!(
            summary(&ranking),
            vec![
                ("c/gamma", d("0.875"), true),     // 45.71 per $
                ("a/alpha", d("1.75"), true),      // 34.29, tie broken by id
                ("d/delta", d("1.75"), true),      // 34.29
                ("f/fee", d("1.75"), false),       // 28.57, alpha is better at the price
                ("e/eps", d("3.5"), false),        // 15.71
                ("~z/zeta-latest", d("2"), false), // 15.00, gamma is better and cheaper
                ("b/beta", d("6"), true),          // 11.67, best quality
            ]
        );
        let gamma = &ranking.ranked[0];
        assert_eq!(gamma.name, "c/gamma");
        assert_eq!(gamma.author, "c");
        assert!((gamma.value - 40.0 / 0.875).abs() < 1e-9);
    }

    #[test]
    fn excluded_models_are_listed_with_reasons_and_alias_duplicates_are_not() {
        let ranking = rank(&fixture(), &RankingParams::default()).unwrap();
        let excluded: Vec<(&str, ExclusionReason)> = ranking
            .excluded
            .iter()
            .map(|e| (e.id.as_str(), e.reason))
            .collect();
        assert_eq!(
            excluded,
            vec![
                ("g/gee:free", ExclusionReason::Free),
                ("j/zero", ExclusionReason::Free),
                ("openrouter/auto", ExclusionReason::Variable),
                ("i/embed", ExclusionReason::NoPrice),
                ("h/noscore", ExclusionReason::NoQuality),
            ]
        );
        let everywhere = ranking
            .ranked
            .iter()
            .map(|m| m.id.as_str())
            .chain(excluded.iter().map(|(id, _)| *id));
        assert!(everywhere.clone().all(|id| id != "~b/beta-latest"));
        assert!(everywhere.clone().all(|id| id != "b/beta:batch"));
    }

    #[test]
    fn batch_listings_are_ranked_on_request_and_can_push_others_off_the_frontier() {
        let params = RankingParams {
            include_batch: true,
            ..RankingParams::default()
        };
        let ranking = rank(&fixture(), &params).unwrap();
        let summary = summary(&ranking);
        // 70 / 3 = 23.33 per $: between fee (28.57) and eps (15.71).
        assert_eq!(summary[4], ("b/beta:batch", d("3"), true));
        assert_eq!(summary[7], ("b/beta", d("6"), false));
    }

    #[test]
    fn ratio_and_cache_hit_change_the_blended_price() {
        let alpha = &fixture()[0].pricing.base;
        let blended = |ratio: &str, hit: &str| blended_price_per_million(alpha, d(ratio), d(hit));
        assert_eq!(blended("3", "0"), Some(d("1.75")));
        assert_eq!(blended("7", "0"), Some(d("1.375"))); // (7·1 + 4) / 8
        assert_eq!(blended("1", "0"), Some(d("2.5"))); // (1 + 4) / 2
        // P_in = 0.5·1 + 0.5·0.1 = 0.55; (3·0.55 + 4) / 4
        assert_eq!(blended("3", "0.5"), Some(d("1.4125")));
        // No cache price: hits are billed as input.
        let beta = &fixture()[1].pricing.base;
        assert_eq!(
            blended_price_per_million(beta, d("3"), d("0.5")),
            Some(d("6"))
        );
        assert_eq!(blended("0", "0"), None);
        assert_eq!(blended("3", "1.5"), None);
    }

    #[test]
    fn cache_hits_can_reorder_the_ranking() {
        let params = RankingParams {
            cache_hit: d("0.9"),
            ..RankingParams::default()
        };
        let ranking = rank(&fixture(), &params).unwrap();
        // alpha: P_in = 0.1·1 + 0.9·0.1 = 0.19; (0.57 + 4) / 4 = 1.1425 → 52.52 per $,
        // overtaking gamma (45.71), and now strictly cheaper than its former twin delta.
        assert_eq!(ranking.ranked[0].id, "a/alpha");
        assert_eq!(ranking.ranked[0].blended_per_million, d("1.1425"));
        let delta = ranking.ranked.iter().find(|m| m.id == "d/delta").unwrap();
        assert!(!delta.frontier);
    }

    #[test]
    fn minimum_quality_excludes_and_the_frontier_is_over_what_remains() {
        let params = RankingParams {
            min_quality: Some(50.0),
            ..RankingParams::default()
        };
        let ranking = rank(&fixture(), &params).unwrap();
        assert_eq!(
            summary(&ranking),
            vec![
                ("a/alpha", d("1.75"), true),
                ("d/delta", d("1.75"), true),
                ("f/fee", d("1.75"), false),
                ("e/eps", d("3.5"), false),
                ("b/beta", d("6"), true),
            ]
        );
        let below: Vec<&str> = ranking
            .excluded
            .iter()
            .filter(|e| e.reason == ExclusionReason::BelowMinQuality)
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(below, vec!["c/gamma", "~z/zeta-latest"]);
    }

    #[test]
    fn the_chosen_index_is_the_quality() {
        let mut models = fixture();
        models[4].quality.coding = Some(20.0); // gamma
        let params = RankingParams {
            index: QualityIndex::Coding,
            ..RankingParams::default()
        };
        let ranking = rank(&models, &params).unwrap();
        assert_eq!(summary(&ranking), vec![("c/gamma", d("0.875"), true)]);
        assert_eq!(ranking.ranked[0].quality, 20.0);
    }

    #[test]
    fn out_of_range_parameters_are_refused() {
        let bad_ratio = RankingParams {
            ratio: Decimal::ZERO,
            ..RankingParams::default()
        };
        assert_eq!(rank(&fixture(), &bad_ratio), Err(RankingError::Ratio));
        let bad_hit = RankingParams {
            cache_hit: d("-0.1"),
            ..RankingParams::default()
        };
        assert_eq!(rank(&fixture(), &bad_hit), Err(RankingError::CacheHit));
    }

    fn ranked(id: &str, quality: f64, blended: &str, value: f64) -> RankedModel {
        RankedModel {
            id: id.into(),
            name: id.into(),
            author: "a".into(),
            quality,
            blended_per_million: d(blended),
            value,
            frontier: false,
        }
    }

    #[test]
    fn the_table_sorts_by_any_column_and_ties_keep_the_ranking_order() {
        let list = [
            ranked("b", 40.0, "1", 40.0),
            ranked("a", 60.0, "2", 30.0),
            ranked("c", 40.0, "4", 10.0),
        ];
        assert_eq!(sorted(&list, RankSort::Rank, false), [0, 1, 2]);
        assert_eq!(sorted(&list, RankSort::Rank, true), [2, 1, 0]);
        assert_eq!(sorted(&list, RankSort::Name, false), [1, 0, 2]);
        // b and c tie on 40 and keep their ranking order either way.
        assert_eq!(sorted(&list, RankSort::Quality, true), [1, 0, 2]);
        assert_eq!(sorted(&list, RankSort::Quality, false), [0, 2, 1]);
        assert_eq!(sorted(&list, RankSort::Price, true), [2, 1, 0]);
        assert_eq!(RankSort::parse("price"), Some(RankSort::Price));
        assert_eq!(RankSort::parse("-price"), None);
    }

    #[test]
    fn the_best_value_is_the_most_points_per_dollar_first_by_id_on_a_tie() {
        let list = [
            ranked("z", 50.0, "1", 50.0),
            ranked("y", 50.0, "1", 50.0),
            ranked("x", 80.0, "4", 20.0),
        ];
        assert_eq!(best_value(&list).map(|m| m.id.as_str()), Some("y"));
        assert_eq!(best_value(&[]), None);
    }
}
