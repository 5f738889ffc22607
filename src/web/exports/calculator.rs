//! `/calculator?…&format=csv|json`: the calculator's result as data: CSV with one row per
//! model and every itemised line in fixed columns, and JSON with the bills as plain
//! decimals (rounded as in [`format::plain`]).

use axum::response::Response;
use serde::Serialize;

use super::csv;
use crate::pricing::calculator::{MonthlyBill, Part};
use crate::pricing::sellers::Priced;
use crate::store::Catalogue;
use crate::web::extractors::calculator::{CalcRequest, FormValues};
use crate::web::format;
use crate::web::pages::about::catalogue_source;
use crate::web::pages::calculator::LeftOutView;

/// The itemised columns of the CSV, after the fixed leading ones: every (part, line) pair
/// with its quantity, unit price and amount, so every row has the same columns.
const LINE_LABELS: &[(&str, &str)] = &[
    ("Uncached input", "uncached_input"),
    ("Cache reads", "cache_reads"),
    ("Cache writes", "cache_writes"),
    ("Output", "output"),
    ("Reasoning", "reasoning"),
    ("Request fees", "request_fees"),
];
const PARTS: &[(Part, &str)] = &[(Part::OnDemand, "on_demand"), (Part::Batch, "batch")];

/// The CSV header: the six public columns first, in this order.
pub fn csv_header() -> String {
    let mut columns: Vec<String> = [
        "id",
        "name",
        "monthly_cost_usd",
        "cost_per_request_usd",
        "effective_input_per_million_usd",
        "effective_blended_per_million_usd",
        "times_cheapest",
        "list_input_per_million_usd",
        "on_demand_part_usd",
        "batch_part_usd",
        "discount_usd",
        "cache_savings_usd",
        "batch_savings_usd",
        "long_context_tier_min_prompt_tokens",
        // Who the bill was priced at (always present; the routed price by default).
        "seller",
        "seller_key",
        "seller_source",
        "seller_as_of",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    for (_, part) in PARTS {
        for (_, line) in LINE_LABELS {
            let unit = if *line == "request_fees" {
                "per_request"
            } else {
                "per_million"
            };
            columns.push(format!("{part}_{line}_quantity"));
            columns.push(format!("{part}_{line}_unit_price_{unit}_usd"));
            columns.push(format!("{part}_{line}_usd"));
        }
    }
    columns.push("notes".into());
    columns.join(",")
}

/// Every row's whole bill, one row each.
pub fn csv(priced: &Priced<'_>) -> Response {
    let result = &priced.outcome.shown;
    let mut out = csv_header();
    out.push('\n');
    for bill in &result.bills {
        let mut fields = vec![
            bill.id.clone(),
            bill.name.clone(),
            format::plain(bill.monthly_cost),
            format::plain(bill.cost_per_request),
            format::plain(bill.effective_input_per_million),
            format::plain(bill.effective_blended_per_million),
            result
                .times_cheapest(bill)
                .map(format::plain)
                .unwrap_or_default(),
            format::plain(bill.list_input_per_million),
            format::plain(bill.on_demand_part),
            format::plain(bill.batch_part),
            format::plain(bill.discount_amount),
            format::plain(bill.cache_savings),
            format::plain(bill.batch_savings),
            bill.long_context_tier
                .map(|t| t.to_string())
                .unwrap_or_default(),
        ];
        let seller = priced.seller(&bill.id);
        fields.extend([
            seller.name,
            seller.seller.key(),
            seller.feed.publisher().to_string(),
            seller.as_of.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ]);
        for (part, _) in PARTS {
            for (label, _) in LINE_LABELS {
                match bill
                    .lines
                    .iter()
                    .find(|l| l.part == *part && l.label == *label)
                {
                    Some(line) => {
                        fields.push(format::plain(line.quantity));
                        fields.push(format::plain(line.unit_price));
                        fields.push(format::plain(line.amount));
                    }
                    None => fields.extend([String::new(), String::new(), String::new()]),
                }
            }
        }
        fields.push(bill.notes.join("; "));
        csv::push_row(&mut out, &fields);
    }
    // Unpriced models close the file with empty numbers and the reason.
    let width = csv_header().split(',').count();
    for unpriced in result.unpriced.iter().chain(&priced.no_official) {
        let mut fields = vec![unpriced.id.clone(), unpriced.name.clone()];
        fields.resize(width - 1, String::new());
        fields.push(format!("not priced: {}", unpriced.reason));
        csv::push_row(&mut out, &fields);
    }
    csv::response(out, "tokenfare-workload.csv", csv::Disposition::Inline)
}

/// One bill as JSON: the bill with plain-decimal strings and its multiple of the cheapest.
#[derive(Serialize)]
struct JsonBill<'a> {
    #[serde(flatten)]
    bill: &'a MonthlyBill,
    times_cheapest: Option<String>,
    /// The seller's name, as in the CSV's `seller` column.
    seller: String,
    seller_key: String,
    seller_source: &'static str,
    seller_as_of: Option<String>,
    /// When the seller's price took effect, where the source dates it.
    seller_price_since: Option<String>,
}

/// The inputs as typed, the workload as read, and every bill with its seller.
pub fn json(
    catalogue: &Catalogue,
    form: &FormValues,
    request: &CalcRequest,
    priced: &Priced<'_>,
) -> serde_json::Value {
    let outcome = &priced.outcome;
    let result = &outcome.shown;
    let inputs: serde_json::Map<String, serde_json::Value> = form
        .numbers
        .iter()
        .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::json!({
        "as_of": catalogue.freshness.as_of().map(|t| t.to_rfc3339()),
        "source": catalogue_source(catalogue),
        "inputs": inputs,
        "workload": request.workload,
        "context_needed": request.context_needed(),
        "price_source": priced.source,
        "bills": result.bills.iter().map(|bill| {
            let seller = priced.seller(&bill.id);
            JsonBill {
                bill,
                times_cheapest: result.times_cheapest(bill).map(format::plain),
                seller: seller.name,
                seller_key: seller.seller.key(),
                seller_source: seller.feed.publisher(),
                seller_as_of: seller.as_of.map(|t| t.to_rfc3339()),
                seller_price_since: seller.since.map(|d| d.to_string()),
            }
        }).collect::<Vec<_>>(),
        "unpriced": result.unpriced,
        "no_official_price": priced.no_official,
        "left_out": outcome.left_out.iter().map(LeftOutView::new).collect::<Vec<_>>(),
        "savings_on_cheapest": outcome.savings,
    })
}
