//! `/calculator?…&format=csv|json`: the calculator's result as data: CSV with one row per
//! model and every itemised line in fixed columns, and JSON with the bills as plain
//! decimals (rounded as in [`format::plain`]). Under `sellers=all` each bill also names its
//! seller's kind, precision and batch-price source, and the JSON lists every seller priced.

use axum::response::Response;
use serde::Serialize;

use super::csv;
use crate::pricing::calculator::{MonthlyBill, Part};
use crate::pricing::sellers::{Priced, Sellers};
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

/// The columns `sellers=all` adds at the end of every row.
const SELLER_COLUMNS: [&str; 4] = [
    "seller_kind",
    "quantization",
    "batch_price_source",
    "sellers_priced",
];

/// The CSV header at `sellers`: the six public columns first, in this order; every seller
/// column after the lines under `sellers=all`.
pub fn csv_header(sellers: Sellers) -> String {
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
    if sellers == Sellers::All {
        columns.extend(SELLER_COLUMNS.iter().map(|c| c.to_string()));
    }
    columns.join(",")
}

/// Every row's whole bill, one row each.
pub fn csv(priced: &Priced<'_>) -> Response {
    let result = &priced.outcome.shown;
    let all = priced.sellers == Sellers::All;
    let mut out = csv_header(priced.sellers);
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
            seller.name.clone(),
            seller.seller.bill_key(),
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
        if all {
            fields.extend([
                seller.kind().key().to_string(),
                seller.quantization.clone().unwrap_or_default(),
                seller
                    .batch_source
                    .map(|s| s.key().to_string())
                    .unwrap_or_default(),
                priced
                    .sellers_priced(&bill.id)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            ]);
        }
        csv::push_row(&mut out, &fields);
    }
    // Unpriced models close the file with empty numbers and the reason in the notes column.
    let header = csv_header(priced.sellers);
    let notes = header.split(',').position(|c| c == "notes").unwrap_or(0);
    let width = header.split(',').count();
    for unpriced in result.unpriced.iter().chain(&priced.no_seller) {
        let mut fields = vec![unpriced.id.clone(), unpriced.name.clone()];
        fields.resize(width, String::new());
        fields[notes] = format!("not priced: {}", unpriced.reason);
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
    #[serde(flatten)]
    every_seller: Option<JsonSellers>,
}

/// What `sellers=all` adds to a bill: its seller's kind, precision and batch-price source,
/// and every seller priced for the model, cheapest first.
#[derive(Serialize)]
struct JsonSellers {
    seller_kind: &'static str,
    quantization: Option<String>,
    batch_price_source: Option<&'static str>,
    sellers: Vec<JsonSeller>,
}

/// One seller priced for a model.
#[derive(Serialize)]
struct JsonSeller {
    seller: String,
    seller_kind: &'static str,
    seller_key: String,
    quantization: Option<String>,
    monthly_cost: String,
    cheapest: bool,
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
        "price_source": priced.sellers,
        "bills": result.bills.iter().map(|bill| {
            let seller = priced.seller(&bill.id);
            let every_seller = (priced.sellers == Sellers::All).then(|| JsonSellers {
                seller_kind: seller.kind().key(),
                quantization: seller.quantization.clone(),
                batch_price_source: seller.batch_source.map(|s| s.key()),
                sellers: priced
                    .every_seller(&request.workload, &bill.id)
                    .iter()
                    .filter(|s| s.qualifies())
                    .filter_map(|s| {
                        Some(JsonSeller {
                            seller: s.seller.name.clone(),
                            seller_kind: s.seller.kind().key(),
                            seller_key: s.seller.seller.bill_key(),
                            quantization: s.seller.quantization.clone(),
                            monthly_cost: format::plain(s.monthly_cost()?),
                            cheapest: s.cheapest,
                        })
                    })
                    .collect(),
            });
            JsonBill {
                bill,
                times_cheapest: result.times_cheapest(bill).map(format::plain),
                seller_key: seller.seller.bill_key(),
                seller_source: seller.feed.publisher(),
                seller_as_of: seller.as_of.map(|t| t.to_rfc3339()),
                seller_price_since: seller.since.map(|d| d.to_string()),
                seller: seller.name,
                every_seller,
            }
        }).collect::<Vec<_>>(),
        "unpriced": result.unpriced,
        "no_seller": priced.no_seller,
        "left_out": outcome.left_out.iter().map(LeftOutView::new).collect::<Vec<_>>(),
        "savings_on_cheapest": outcome.savings,
    })
}
