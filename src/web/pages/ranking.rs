//! `/ranking`: the best-value ranking — quality per blended dollar, the Pareto frontier,
//! a server-drawn chart, and the models that cannot be ranked with the reason.
//! The maths, the table's order and the leader are [`crate::pricing::ranking`]; this module
//! reads the [`RankingQuery`], builds the [`RankingPage`] from the ranking, and renders it.

use askama::Template;
use axum::http::StatusCode;
use rust_decimal::prelude::*;

use super::pager::Pager;
use super::sort::SortHeader;
use super::{Page, impl_page};
use crate::model::{QualityIndex, Variant};
use crate::pricing::ranking::{
    ExclusionReason, RankSort, RankedModel, Ranking, RankingError, best_value, rank_listed, sorted,
};
use crate::store::Catalogue;
use crate::web::extractors::calculator::{CalculatorQuery, volume};
use crate::web::extractors::form::{FieldErrors, MAX_TOKENS_PER_REQUEST};
use crate::web::extractors::ranking::RankingQuery;
use crate::web::format;
use crate::web::layout::Layout;
use crate::web::svg::scatter::{Point, ScatterChart};

/// The quality indices a reader can rank by.
pub const INDICES: &[QualityIndex] = &[
    QualityIndex::Intelligence,
    QualityIndex::Coding,
    QualityIndex::Agentic,
];

/// How many of the best-value models the chart labels (frontier members come on top).
const LABEL_TOP: usize = 8;

/// Per-request token counts in the ratio, for a calculator link: 1,000 of the smaller side.
pub fn tokens_for_ratio(ratio: Decimal) -> (u64, u64) {
    let thousand = Decimal::from(1000);
    let cap = Decimal::from(MAX_TOKENS_PER_REQUEST);
    let whole = |v: Option<Decimal>| {
        v.map(|v| v.round().clamp(Decimal::ONE, cap))
            .and_then(|v| v.to_u64())
            .unwrap_or(1000)
    };
    if ratio >= Decimal::ONE {
        let input = ratio.checked_mul(thousand);
        if input.is_some_and(|i| i <= cap) {
            (whole(input), 1000)
        } else {
            (MAX_TOKENS_PER_REQUEST, whole(cap.checked_div(ratio)))
        }
    } else {
        let output = thousand.checked_div(ratio);
        if output.is_some_and(|o| o <= cap) {
            (1000, whole(output))
        } else {
            (whole(cap.checked_mul(ratio)), MAX_TOKENS_PER_REQUEST)
        }
    }
}

/// `/calculator` prefilled with this model and the reader's workload shape. A batch
/// listing is priced as its base model with every request batched.
fn calculator_href(catalogue: &Catalogue, id: &str, controls: &RankingQuery) -> String {
    let (input, output) = tokens_for_ratio(controls.ratio);
    let mut ids = id.to_string();
    let mut batch = None;
    if let Some(entry) = catalogue.get(id) {
        let model = &entry.model;
        let base_listed = catalogue.get(&model.base_id).is_some_and(|b| b.active);
        if model.variant == Variant::Batch && base_listed {
            ids = model.base_id.clone();
            batch = Some(Decimal::ONE_HUNDRED);
        }
    }
    CalculatorQuery {
        ids: vec![ids],
        input_tokens: volume(input),
        output_tokens: volume(output),
        cache_hit: Some(controls.cache_hit),
        batch,
        ..CalculatorQuery::default()
    }
    .href()
}

/// Quality points per blended $/M, as shown.
pub fn value_text(value: f64) -> String {
    if !value.is_finite() {
        "—".into()
    } else if value >= 100.0 {
        format::count(value.round() as u64)
    } else {
        format::score(value)
    }
}

/// One table row, formatted.
pub struct Row {
    pub rank: usize,
    pub id: String,
    pub name: String,
    pub quality: String,
    pub blended: String,
    pub value: String,
    pub frontier: bool,
    pub calculator_href: String,
}

/// Models left out for one reason.
pub struct ExcludedGroup {
    pub key: &'static str,
    pub heading: String,
    pub why: String,
    pub models: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "ranking.html")]
pub struct RankingPage {
    pub layout: Layout,
    pub controls: RankingQuery,
    pub errors: FieldErrors,
    pub authors: Vec<String>,
    pub indices: &'static [QualityIndex],
    pub headers: Vec<SortHeader>,
    pub rows: Vec<Row>,
    pub frontier_count: usize,
    /// Server-generated SVG markup (every piece of data in it is escaped).
    pub chart: String,
    pub excluded: Vec<ExcludedGroup>,
    pub as_of_date: String,
    pub json_href: String,
    /// How many models are ranked, on every page.
    pub ranked: usize,
    pub pager: Pager,
    /// (sort value, words, selected) for the sort control phones use.
    pub sort_options: Vec<(String, String, bool)>,
}

impl RankingPage {
    pub fn author_selected(&self, author: &str) -> bool {
        self.controls.authors.iter().any(|a| a == author)
    }

    pub fn index_label(&self) -> &'static str {
        self.controls.index.label()
    }

    pub fn cache_hit_label(&self) -> String {
        format!("{}%", self.controls.cache_hit.normalize())
    }

    pub fn denominator(&self) -> String {
        (self.controls.ratio + Decimal::ONE).normalize().to_string()
    }
}

/// A sort option in words: "Value, highest first".
fn sort_words(sort: RankSort, desc: bool, index: QualityIndex) -> String {
    let (column, ascending, descending) = match sort {
        RankSort::Rank => ("Rank", "best value first", "best value last"),
        RankSort::Name => ("Name", "A to Z", "Z to A"),
        RankSort::Quality => (
            index.label().trim_end_matches(" index"),
            "lowest first",
            "highest first",
        ),
        RankSort::Price => ("Blended price", "cheapest first", "dearest first"),
        RankSort::Value => ("Value", "lowest first", "highest first"),
    };
    format!("{column}, {}", if desc { descending } else { ascending })
}

fn headers(controls: &RankingQuery, index: QualityIndex) -> Vec<SortHeader> {
    RankSort::ALL
        .into_iter()
        .map(|key| {
            let label = match key {
                RankSort::Rank => "Rank",
                RankSort::Name => "Model",
                RankSort::Quality => index.label().trim_end_matches(" index"),
                RankSort::Price => "Blended $/M",
                RankSort::Value => "Value",
            };
            SortHeader::new(
                label,
                (controls.sort == key).then_some(controls.desc),
                key.first_desc(),
                key != RankSort::Name,
                |desc| format!("/ranking?{}", controls.query_with_sort(key, desc)),
            )
        })
        .collect()
}

/// The rows of one page (`rows`, positions in the sorted table) of the ranking.
fn sorted_rows(
    catalogue: &Catalogue,
    ranked: &[RankedModel],
    controls: &RankingQuery,
    rows: std::ops::Range<usize>,
) -> Vec<Row> {
    let order = sorted(ranked, controls.sort, controls.desc);
    order
        .get(rows)
        .unwrap_or_default()
        .iter()
        .copied()
        .map(|i| (i, &ranked[i]))
        .map(|(i, m)| Row {
            rank: i + 1,
            id: m.id.clone(),
            name: m.name.clone(),
            quality: format::score(m.quality),
            blended: format::usd(m.blended_per_million),
            value: value_text(m.value),
            frontier: m.frontier,
            calculator_href: calculator_href(catalogue, &m.id, controls),
        })
        .collect()
}

/// The chart: every ranked model as a dot, the frontier as a line, the best value and the
/// frontier labelled where there is room.
pub fn chart(ranked: &[RankedModel], index: QualityIndex) -> ScatterChart {
    let points = ranked
        .iter()
        .map(|m| Point {
            x: m.blended_per_million.to_f64().unwrap_or(f64::NAN),
            y: m.quality,
            tooltip: format!(
                "{}: {}/M blended, {} {}, value {}",
                m.name,
                format::usd(m.blended_per_million),
                index.label(),
                format::score(m.quality),
                value_text(m.value)
            ),
            highlight: m.frontier,
        })
        .collect();
    let mut line: Vec<usize> = (0..ranked.len()).filter(|&i| ranked[i].frontier).collect();
    line.sort_by(|&a, &b| {
        ranked[a]
            .blended_per_million
            .cmp(&ranked[b].blended_per_million)
            .then_with(|| ranked[a].quality.total_cmp(&ranked[b].quality))
    });
    let mut by_quality = line.clone();
    by_quality.sort_by(|&a, &b| ranked[b].quality.total_cmp(&ranked[a].quality));
    let mut labelled: Vec<usize> = (0..ranked.len().min(LABEL_TOP)).collect();
    for i in by_quality {
        if !labelled.contains(&i) {
            labelled.push(i);
        }
    }
    let frontier_names: Vec<&str> = line.iter().map(|&i| ranked[i].name.as_str()).collect();
    ScatterChart {
        id: "value-chart".into(),
        class: "value-chart".into(),
        title: format!("{} against blended price", index.label()),
        desc: format!(
            "{} models, one dot each: blended price per million tokens on a logarithmic scale \
             across, {} up. The frontier line joins {}. The ranking table lists the same figures.",
            ranked.len(),
            index.label(),
            frontier_names.join(", ")
        ),
        x_label: "Blended price, $ per million tokens (log scale)".into(),
        y_label: index.label().into(),
        points,
        line,
        labels: labelled
            .into_iter()
            .map(|i| (i, ranked[i].name.clone()))
            .collect(),
    }
}

fn excluded_groups(ranking: &Ranking, controls: &RankingQuery) -> Vec<ExcludedGroup> {
    let reasons = [
        (
            ExclusionReason::Free,
            "free",
            "Free listings".to_string(),
            "They cost nothing, so quality per dollar has no meaning (it would divide by zero). \
             Free variants are rate-limited; their paid listing is ranked when it has a score."
                .to_string(),
        ),
        (
            ExclusionReason::NotPerToken,
            "not-per-token",
            "Not priced per token".to_string(),
            "Their token prices are zero because they are billed per item they make (a song, \
             an image), which the catalogue does not list; they are neither free nor comparable."
                .to_string(),
        ),
        (
            ExclusionReason::Variable,
            "variable",
            "Variable-priced routers".to_string(),
            "Their price depends on which model the router picks for each request.".to_string(),
        ),
        (
            ExclusionReason::NoPrice,
            "no-price",
            "No token price".to_string(),
            "No input or output token price is listed (for example embedding or image models)."
                .to_string(),
        ),
        (
            ExclusionReason::NoQuality,
            "no-quality",
            format!("No {} score", controls.index.label()),
            "Artificial Analysis publishes no score on this index for these models.".to_string(),
        ),
        (
            ExclusionReason::BelowMinQuality,
            "below-min",
            "Below your minimum quality".to_string(),
            format!(
                "They score under {}.",
                controls.min_quality.map(format::score).unwrap_or_default()
            ),
        ),
    ];
    reasons
        .into_iter()
        .filter_map(|(reason, key, heading, why)| {
            let models: Vec<(String, String)> = ranking
                .excluded
                .iter()
                .filter(|e| e.reason == reason)
                .map(|e| (e.id.clone(), e.name.clone()))
                .collect();
            (!models.is_empty()).then_some(ExcludedGroup {
                key,
                heading,
                why,
                models,
            })
        })
        .collect()
}

/// The title names the leader (the answer), the description the settings.
fn ranking_layout(
    catalogue: &Catalogue,
    controls: &RankingQuery,
    ranking: Option<&Ranking>,
    canonical: String,
) -> Layout {
    let title = match ranking.and_then(|r| best_value(&r.ranked)) {
        Some(m) => format!(
            "Best value per dollar: {} ({} {} at {}/M blended)",
            m.name,
            controls.index.label(),
            format::score(m.quality),
            format::usd(m.blended_per_million)
        ),
        None => "Best value: LLM quality per dollar".to_string(),
    };
    Layout::new(catalogue, title, "/ranking")
        .describe(format!(
            "LLMs ranked by {} points per dollar, at a {} input:output blend{}: the \
             frontier of models no other beats on both quality and price.",
            controls.index.label(),
            controls.ratio_label(),
            if controls.batch {
                ", batch listings included"
            } else {
                ""
            }
        ))
        .canonical(canonical)
}

/// The ranking the controls ask for, or the problems with them: parsing checks every
/// field, and the maths' own check is kept so it is never bypassed.
pub fn ranking_for(
    catalogue: &Catalogue,
    controls: &RankingQuery,
    errors: &mut FieldErrors,
) -> Option<Ranking> {
    if !errors.is_empty() {
        return None;
    }
    match rank_listed(catalogue, &controls.authors, &controls.ranking_params()) {
        Ok(r) => Some(r),
        Err(e @ RankingError::Ratio) => {
            errors.add("ratio", e.to_string());
            None
        }
        Err(e @ RankingError::CacheHit) => {
            errors.add("cache_hit", e.to_string());
            None
        }
    }
}

impl RankingPage {
    /// The page for these controls: the table, chart and left-out models of `ranking`, or
    /// the form with its problems when there is none.
    pub fn build(
        catalogue: &Catalogue,
        controls: RankingQuery,
        errors: FieldErrors,
        ranking: Option<&Ranking>,
    ) -> RankingPage {
        let ranked = ranking.map_or(0, |r| r.ranked.len());
        let pager = Pager::new(ranked, controls.page, |page| controls.href_on(page));
        let (rows, chart_svg, excluded, frontier_count) = match ranking {
            Some(r) => (
                sorted_rows(catalogue, &r.ranked, &controls, pager.range()),
                if r.ranked.is_empty() {
                    String::new()
                } else {
                    chart(&r.ranked, controls.index).render()
                },
                excluded_groups(r, &controls),
                r.ranked.iter().filter(|m| m.frontier).count(),
            ),
            None => (Vec::new(), String::new(), Vec::new(), 0),
        };
        let json_query = {
            let base = controls.query_with_sort(RankSort::Rank, false);
            if base.is_empty() {
                "format=json".to_string()
            } else {
                format!("{base}&format=json")
            }
        };
        RankingPage {
            layout: ranking_layout(catalogue, &controls, ranking, pager.href.clone()),
            ranked,
            pager,
            sort_options: RankSort::ALL
                .into_iter()
                .flat_map(|key| {
                    // The way a column is usually read comes first.
                    let first = key.first_desc();
                    [first, !first].map(|desc| {
                        let (value, selected) = controls.sort_value(key, desc);
                        (value, sort_words(key, desc, controls.index), selected)
                    })
                })
                .collect(),
            headers: headers(&controls, controls.index),
            rows,
            frontier_count,
            chart: chart_svg,
            excluded,
            authors: catalogue.authors(),
            indices: INDICES,
            as_of_date: catalogue
                .freshness
                .as_of()
                .map(format::day)
                .unwrap_or_else(|| "unknown".into()),
            json_href: format!("/ranking?{json_query}"),
            controls,
            errors,
        }
    }
}

impl Page for RankingPage {
    /// 400 when a control does not read (its message is by the field).
    fn status(&self) -> StatusCode {
        self.errors.status()
    }
}
impl_page!(RankingPage);

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn calculator_tokens_follow_the_ratio_within_the_calculators_caps() {
        assert_eq!(tokens_for_ratio(d("3")), (3000, 1000));
        assert_eq!(tokens_for_ratio(d("1")), (1000, 1000));
        assert_eq!(tokens_for_ratio(d("2.5")), (2500, 1000));
        assert_eq!(tokens_for_ratio(d("0.25")), (1000, 4000));
        assert_eq!(tokens_for_ratio(d("1000000")), (100_000_000, 100));
        assert_eq!(tokens_for_ratio(d("0.000001")), (100, 100_000_000));
    }

    #[test]
    fn values_read_with_sensible_precision() {
        assert_eq!(value_text(85.714), "85.7");
        assert_eq!(value_text(1234.4), "1,234");
        assert_eq!(value_text(f64::INFINITY), "—");
    }
}
