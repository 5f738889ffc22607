//! `/calculator?<workload>&ids=ID&by_provider=1&format=csv|json`: one model's monthly bill at
//! each of its OpenRouter providers, as data (the page is
//! [`crate::web::pages::calculator::by_provider`]).

use axum::response::Response;
use serde::Serialize;

use super::csv;
use crate::pricing::calculator::MonthlyBill;
use crate::pricing::providers::{ProviderBill, ProviderFilters};
use crate::store::Catalogue;
use crate::web::extractors::calculator::CalcRequest;
use crate::web::extractors::where_to_buy::FilterQuery;
use crate::web::format::{self, plain};
use crate::web::pages::calculator::by_provider::{Priced, info_of, pricing_of};
use crate::web::pages::sections::where_to_buy::shortfalls_text;

/// The routed price and each provider, one row each.
pub fn csv(priced: &Priced, filters: &ProviderFilters) -> Response {
    let header = [
        "provider",
        "tag",
        "slug",
        "meets_filters",
        "cheapest_that_qualifies",
        "left_out_because",
        "input_per_million_usd",
        "output_per_million_usd",
        "cache_read_per_million_usd",
        "monthly_cost_usd",
        "cost_per_request_usd",
        "effective_input_per_million_usd",
        "notes",
    ];
    let mut out = header.join(",");
    out.push('\n');
    let per_million = |p: Option<crate::model::price::Price>| {
        p.and_then(|p| p.usd())
            .map(|v| plain(format::per_million(v)))
            .unwrap_or_default()
    };
    let mut push = |fields: Vec<String>| csv::push_row(&mut out, &fields);
    let row = |name: &str,
               tag: &str,
               slug: Option<&str>,
               pricing: &crate::model::price::Pricing,
               bill: Option<&MonthlyBill>,
               unpriced: Option<&str>,
               meets: &str,
               cheapest: bool,
               why: String| {
        let mut notes: Vec<String> = bill.map(|b| b.notes.clone()).unwrap_or_default();
        if let Some(reason) = unpriced {
            notes.push(format!("not priced: {reason}"));
        }
        vec![
            name.to_string(),
            tag.to_string(),
            slug.unwrap_or_default().to_string(),
            meets.to_string(),
            if cheapest { "yes" } else { "" }.to_string(),
            why,
            per_million(pricing.base.prompt),
            per_million(pricing.base.completion),
            per_million(pricing.base.input_cache_read),
            bill.map(|b| plain(b.monthly_cost)).unwrap_or_default(),
            bill.map(|b| plain(b.cost_per_request)).unwrap_or_default(),
            bill.map(|b| plain(b.effective_input_per_million))
                .unwrap_or_default(),
            notes.join("; "),
        ]
    };
    push(row(
        "Routed price",
        "routed",
        None,
        &priced.entry.model.pricing,
        priced.result.routed.as_ref().ok(),
        priced.result.routed.as_ref().err().map(String::as_str),
        "",
        false,
        String::new(),
    ));
    for p in &priced.result.providers {
        push(row(
            &p.provider,
            &p.tag,
            info_of(priced, &p.tag).map(|i| i.slug.as_str()),
            pricing_of(priced, &p.tag),
            p.bill.as_ref(),
            p.unpriced.as_deref(),
            if p.shortfalls.is_empty() { "yes" } else { "no" },
            p.cheapest,
            shortfalls_text(&p.shortfalls, filters).unwrap_or_default(),
        ));
    }
    csv::response(out, "tokenfare-by-provider.csv", csv::Disposition::Inline)
}

#[derive(Serialize)]
struct JsonProvider<'a> {
    #[serde(flatten)]
    bill: &'a ProviderBill,
    slug: Option<&'a str>,
    headquarters: Option<&'a str>,
    datacenters: &'a [String],
    meets_filters: bool,
}

/// The workload, the filters as written in the address, the routed bill and each
/// provider's, and why providers were left out.
pub fn json(
    catalogue: &Catalogue,
    priced: &Priced,
    request: &CalcRequest,
    filters: &ProviderFilters,
) -> serde_json::Value {
    let providers: Vec<JsonProvider> = priced
        .result
        .providers
        .iter()
        .map(|p| {
            let info = info_of(priced, &p.tag);
            JsonProvider {
                bill: p,
                slug: info.map(|i| i.slug.as_str()),
                headquarters: info.and_then(|i| i.headquarters.as_deref()),
                datacenters: info.map_or(&[], |i| i.datacenters.as_slice()),
                meets_filters: p.shortfalls.is_empty(),
            }
        })
        .collect();
    let (routed, routed_unpriced) = match &priced.result.routed {
        Ok(bill) => (Some(bill), None),
        Err(reason) => (None, Some(reason)),
    };
    serde_json::json!({
        "as_of": catalogue.freshness.as_of().map(|t| t.to_rfc3339()),
        "source": "OpenRouter /api/v1/models/{id}/endpoints and /api/v1/providers",
        "model": priced.entry.model.id,
        "workload": request.workload,
        // As they are written in the address: {"dc": "EU", "tools": "1"}.
        "filters": FilterQuery::from_filters(filters)
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
            .collect::<serde_json::Map<_, _>>(),
        "routed": routed,
        "routed_unpriced": routed_unpriced,
        "providers": providers,
        "left_out": priced.result.left_out(),
        "left_out_reasons": priced.result.reasons.iter().map(|(r, n)| serde_json::json!({
            "reason": r, "count": n, "text": r.describe(filters, *n == 1)
        })).collect::<Vec<_>>(),
    })
}
