//! One listing's bill at every seller, as rows: the bill page (under `sellers=all`), the model
//! page (with a workload in its address) and `/compare` show the same figures, worked out by
//! [`crate::pricing::sellers::every_seller`]. This module only words and formats them.

use rust_decimal::Decimal;

use super::where_to_buy::shortfalls_text;
use crate::pricing::difference::percent_difference;
use crate::pricing::price_tags::BatchPriceSource;
use crate::pricing::sellers::{PricedSeller, SellerBill, SellerFilters};
use crate::web::format;

/// One seller's bill, formatted.
#[derive(Clone, Debug)]
pub struct SellerBillRow {
    /// The seller's name, with a reduced precision said: "DeepInfra via OpenRouter (fp8)".
    pub seller: String,
    /// `seller_key` (unique with the kind), for tests and scripts.
    pub key: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    /// "—" when it has no bill (`unpriced` says why).
    pub monthly: String,
    pub per_request: String,
    /// Against the cheapest seller that qualifies: "+12.5%", or "" for the cheapest itself.
    pub vs_cheapest: String,
    pub cheapest: bool,
    pub reduced_precision: bool,
    /// Where its batch price comes from, in words; empty when it has none.
    pub batch: String,
    /// Why the filters leave it out.
    pub left_out: Option<String>,
    /// Why it has no bill.
    pub unpriced: Option<String>,
}

/// Where a seller's batch price comes from, in words.
pub fn batch_words(seller: &PricedSeller) -> String {
    match (seller.batch_source, seller.batch_discount) {
        (Some(BatchPriceSource::Listing), _) => "OpenRouter's batch listing".into(),
        (Some(BatchPriceSource::Feed), _) => "its published batch price".into(),
        (Some(BatchPriceSource::MakerDiscountTable), Some(line)) => format!(
            "its published batch discount ({}), from our reviewed table",
            line.words()
        ),
        _ => String::new(),
    }
}

/// The rows of `bills` (cheapest first, as [`crate::pricing::sellers::every_seller`] orders
/// them), worded under `filters`.
pub fn seller_rows(bills: &[SellerBill<'_>], filters: &SellerFilters) -> Vec<SellerBillRow> {
    let cheapest: Option<Decimal> = bills
        .iter()
        .find(|b| b.cheapest)
        .and_then(SellerBill::monthly_cost);
    bills
        .iter()
        .map(|row| {
            let cost = row.monthly_cost();
            let vs_cheapest = match (cost, cheapest) {
                (Some(c), Some(best)) if !row.cheapest && !best.is_zero() => {
                    percent_difference(c, best)
                        .map(|p| format::signed_percent(format::round(p, 1)))
                        .unwrap_or_default()
                }
                _ => String::new(),
            };
            let dash = || "—".to_string();
            SellerBillRow {
                seller: row.seller.name_with_precision(),
                key: row.seller.seller.bill_key(),
                kind: row.seller.kind().key(),
                kind_label: row.seller.kind().label(),
                monthly: cost.map_or_else(dash, format::usd),
                per_request: row
                    .bill
                    .as_ref()
                    .map_or_else(|_| dash(), |b| format::usd(b.cost_per_request)),
                vs_cheapest,
                cheapest: row.cheapest,
                reduced_precision: row.seller.quantization.is_some(),
                batch: batch_words(&row.seller),
                left_out: shortfalls_text(&row.shortfalls, &filters.places),
                unpriced: row.bill.as_ref().err().cloned(),
            }
        })
        .collect()
}
