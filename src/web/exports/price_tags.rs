//! The price tags as data: `/api/price-tags.json` and `.csv` (every seller's price of the
//! models the query selects) and `/api/discrepancies.json`. The facts come from
//! `pricing::price_tags` and `pricing::discrepancies` (pure); this module writes them as exact decimal strings.

use std::collections::HashMap;

use axum::response::Response;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::csv;
use crate::model::price::{Component, Price, PriceSet, Pricing};
use crate::pricing::calculator::{Detail, Workload};
use crate::pricing::discrepancies::all_discrepancies;
use crate::pricing::market::Market;
use crate::pricing::price_tags::{PriceTag, base_of, price_tags};
use crate::pricing::sellers::{SellerFilters, every_seller};
use crate::pricing::where_to_buy::BLEND_RATIO;
use crate::store::Catalogue;
use crate::web::error::{AppError, AppResult};
use crate::web::extractors::params::clip;
use crate::web::extractors::price_tags::PriceTagsQuery;
use crate::web::format;
use crate::web::today;

/// Per-million prices of the components the API reports, as exact decimal strings.
fn per_million_json(set: &PriceSet) -> Value {
    let mut out = serde_json::Map::new();
    for (name, component) in [
        ("input", Component::Prompt),
        ("output", Component::Completion),
        ("cache_read", Component::InputCacheRead),
        ("cache_write_5m", Component::InputCacheWrite),
        ("cache_write_1h", Component::InputCacheWrite1h),
    ] {
        out.insert(
            name.into(),
            per_million_text(set.price(component)).map_or(Value::Null, Value::String),
        );
    }
    Value::Object(out)
}

fn per_million_text(price: Option<Price>) -> Option<String> {
    match price? {
        Price::Usd(value) => Some(format::per_million(value).normalize().to_string()),
        Price::Variable => Some("variable".into()),
    }
}

/// Long-context tiers, each from the prompt size it applies at (the feed's "above 200,000"
/// is stated as 200,001 here, as OpenRouter states its own).
fn tiers_json(pricing: &Pricing) -> Value {
    pricing
        .tiers()
        .into_iter()
        .map(|(min, set)| json!({"min_prompt_tokens": min, "prices_per_million": per_million_json(&set)}))
        .collect()
}

fn tag_json(tag: &PriceTag) -> Value {
    json!({
        "model_id": tag.model_id,
        "seller": tag.seller_name,
        "seller_key": tag.seller.key(),
        "kind": tag.seller.kind().key(),
        "region": tag.seller.region(),
        "prices_per_million": per_million_json(&tag.pricing.base),
        "long_context": tiers_json(&tag.pricing),
        "batch_per_million": tag.batch.as_ref().map(|b| per_million_json(&b.base)),
        "announced": tag.announced.as_ref().map(|(from, p)| json!({"from": from.to_string(), "prices_per_million": per_million_json(&p.base)})),
        "as_of": tag.as_of.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "since": tag.since.map(|d| d.to_string()),
        "source": tag.feed.publisher(),
        "source_url": tag.source_url,
        "matched_by": tag.matched_by,
        "note": tag.note,
        "comparable": tag.comparable,
    })
}

/// Every tag the filters select, model by model (active base models only).
fn selected_tags(catalogue: &Catalogue, filters: &PriceTagsQuery) -> AppResult<Vec<PriceTag>> {
    let day = today();
    let ids: Vec<String> = match &filters.id {
        Some(id) => {
            if catalogue.get(id).is_none() {
                return Err(AppError::invalid(
                    "id",
                    format!("no model has the id {:?}", clip(id)),
                ));
            }
            vec![base_of(catalogue, id).to_string()]
        }
        None => catalogue
            .active()
            .filter(|e| crate::store::matching::is_looked_up(&e.model.id))
            .map(|e| e.model.id.clone())
            .collect(),
    };
    Ok(ids
        .iter()
        .filter(|id| {
            filters
                .author
                .as_ref()
                .is_none_or(|a| catalogue.get(id).is_some_and(|e| &e.model.author == a))
        })
        .flat_map(|id| price_tags(catalogue, id, day))
        .filter(|t| filters.kind.is_none_or(|k| t.seller.kind() == k))
        .collect())
}

/// Each seller's monthly bill for `workload` of the models `tags` are of, by (model id,
/// published seller key): the calculator's own bills ([`every_seller`]), so the figure is
/// the one the calculator and the model page show.
fn bills_of(
    market: &Market,
    tags: &[PriceTag],
    workload: &Workload,
) -> HashMap<(String, String), Decimal> {
    let mut ids: Vec<&str> = tags.iter().map(|t| t.model_id.as_str()).collect();
    ids.dedup();
    let day = today();
    let mut bills = HashMap::new();
    for id in ids {
        let Some(entry) = market.get(id) else {
            continue;
        };
        let every = every_seller(
            market,
            &entry.model,
            workload,
            &SellerFilters::default(),
            workload.request_tokens(),
            day,
            Detail::Totals,
        )
        .unwrap_or_default();
        for bill in every {
            if let Some(cost) = bill.monthly_cost() {
                bills.insert((id.to_string(), bill.seller.seller.key()), cost);
            }
        }
    }
    bills
}

/// `/api/price-tags.json`: the tags `filters` select, with the feeds' dates, and with a
/// workload each seller's monthly bill (`monthly_cost`, null where it cannot be priced).
pub fn json(market: &Market, filters: &PriceTagsQuery) -> AppResult<Value> {
    let catalogue: &Catalogue = market;
    let tags = selected_tags(catalogue, filters)?;
    let bills = filters
        .workload
        .as_ref()
        .map(|w| bills_of(market, &tags, w));
    let rows: Vec<Value> = tags
        .iter()
        .map(|tag| {
            let mut row = tag_json(tag);
            if let (Some(bills), Value::Object(fields)) = (&bills, &mut row) {
                let cost = bills.get(&(tag.model_id.clone(), tag.seller.key()));
                fields.insert(
                    "monthly_cost".into(),
                    cost.map_or(Value::Null, |c| Value::String(format::plain(*c))),
                );
            }
            row
        })
        .collect();
    Ok(json!({
        "workload": filters.workload,
        "as_of": {
            "openrouter": catalogue.freshness.as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "official": catalogue.official().as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        },
        "units": "USD per million tokens, exact decimal strings",
        "count": rows.len(),
        "price_tags": rows,
    }))
}

/// The CSV columns, in order.
pub const CSV_HEADER: &str = "model_id,seller,seller_key,kind,region,input_per_million,output_per_million,\
cache_read_per_million,cache_write_5m_per_million,cache_write_1h_per_million,batch_input_per_million,\
batch_output_per_million,as_of,since,announced_from,source,source_url,matched_by,note\n";

/// `/api/price-tags.csv`: the tags `filters` select, one row each, saved as a file.
pub fn csv(catalogue: &Catalogue, filters: &PriceTagsQuery) -> AppResult<Response> {
    let mut out = String::from(CSV_HEADER);
    for tag in selected_tags(catalogue, filters)? {
        let base = &tag.pricing.base;
        let batch = tag.batch.as_ref().map(|b| &b.base);
        let money = |set: Option<&PriceSet>, c| {
            set.and_then(|s| per_million_text(s.price(c)))
                .unwrap_or_default()
        };
        let fields = [
            tag.model_id.clone(),
            tag.seller_name.clone(),
            tag.seller.key(),
            tag.seller.kind().key().to_string(),
            tag.seller.region().unwrap_or_default().to_string(),
            money(Some(base), Component::Prompt),
            money(Some(base), Component::Completion),
            money(Some(base), Component::InputCacheRead),
            money(Some(base), Component::InputCacheWrite),
            money(Some(base), Component::InputCacheWrite1h),
            money(batch, Component::Prompt),
            money(batch, Component::Completion),
            tag.as_of
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            tag.since.map(|d| d.to_string()).unwrap_or_default(),
            tag.announced
                .as_ref()
                .map(|(d, _)| d.to_string())
                .unwrap_or_default(),
            tag.feed.publisher().to_string(),
            tag.source_url.clone().unwrap_or_default(),
            tag.matched_by.clone().unwrap_or_default(),
            tag.note.clone().unwrap_or_default(),
        ];
        csv::push_row(&mut out, &fields);
    }
    Ok(csv::response(
        out,
        "price-tags.csv",
        csv::Disposition::Attachment,
    ))
}

/// `/api/discrepancies.json`: every disagreement between a routed price and the maker's own.
pub fn discrepancies(catalogue: &Catalogue) -> Value {
    let found = all_discrepancies(catalogue, today());
    let rows: Vec<Value> = found
        .iter()
        .map(|d| {
            json!({
                "model_id": d.model_id,
                "component": d.component.key(),
                "seller": d.seller_name,
                "seller_key": d.seller.key(),
                "routed_per_million": format::per_million(d.routed).normalize().to_string(),
                "official_per_million": format::per_million(d.official).normalize().to_string(),
                "factor": d.factor.map(|f| f.round_dp(4).normalize().to_string()),
            })
        })
        .collect();
    json!({
        "threshold": "routed and the maker's own price differ by more than 25 %, either way",
        "ratio_note": format!("factor = routed ÷ maker's own; blends elsewhere use {BLEND_RATIO}:1 input:output"),
        "as_of": {
            "openrouter": catalogue.freshness.as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            "official": catalogue.official().as_of().map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        },
        "count": rows.len(),
        "discrepancies": rows,
    })
}
