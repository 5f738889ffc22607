//! `/ranking?format=json`: the ranking as data, the controls first.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::pricing::ranking::Ranking;
use crate::store::Catalogue;
use crate::web::extractors::ranking::RankingQuery;
use crate::web::format;

fn number(value: Decimal) -> serde_json::Value {
    serde_json::Number::from_str(&value.normalize().to_string())
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// `/ranking?format=json`: the ranked models and the left-out ones, with the controls.
pub fn json(
    catalogue: &Catalogue,
    controls: &RankingQuery,
    ranking: &Ranking,
) -> serde_json::Value {
    let ranked: Vec<serde_json::Value> = ranking
        .ranked
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.id,
                "quality": m.quality,
                "blended_per_million_usd": format::plain(m.blended_per_million),
                "value": m.value,
                "frontier": m.frontier,
            })
        })
        .collect();
    let excluded: Vec<serde_json::Value> = ranking
        .excluded
        .iter()
        .map(|e| serde_json::json!({ "id": e.id, "reason": e.reason }))
        .collect();
    serde_json::json!({
        "index": controls.index.key(),
        "ratio": number(controls.ratio),
        "cache_hit": number(controls.cache_hit),
        "batch": controls.batch,
        "min_quality": controls.min_quality,
        "author": controls.authors,
        "as_of": catalogue.freshness.as_of().map(|t| t.to_rfc3339()),
        "quality_source": "Artificial Analysis, via OpenRouter",
        "ranked": ranked,
        "excluded": excluded,
    })
}
