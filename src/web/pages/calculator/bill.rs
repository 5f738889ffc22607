//! `/calculator/bill`: one model's itemised bill for the calculator's workload, at a URL of
//! its own (the calculator's parameters plus `id`): every line, what caching and batching
//! save, who the bill is priced at and, under `sellers=all`, the bill at every other seller,
//! cheapest first.

use askama::Template;

use super::{
    LineView, is_cheapest, savings_sentence, times_cheapest_text, uses_cache_or_batch,
    workload_line,
};
use crate::feed::Feed;
use crate::pricing::calculator::{CalculatorResult, LineUnit, MonthlyBill, Workload, savings};
use crate::pricing::price_tags::BatchPriceSource;
use crate::pricing::sellers::{Priced, PricedSeller, Sellers};
use crate::store::Catalogue;
use crate::web::extractors::calculator::CalcRequest;
use crate::web::format;
use crate::web::layout::Layout;
use crate::web::pages::sections::sellers::{SellerBillRow, seller_rows};
use crate::web::pages::sections::where_to_buy::filters_words;
use crate::web::pages::{Page, impl_page};

/// `/calculator/bill`: one model's itemised bill for the workload in the query, at a URL
/// of its own (the calculator's parameters plus `id`).
#[derive(Template)]
#[template(path = "calculator_bill.html")]
pub struct BillPage {
    pub layout: Layout,
    pub row: BillDetail,
    pub workload_line: String,
    pub back_href: String,
    /// What caching and batching save on this model, as a sentence; empty when unused.
    pub savings: String,
    /// Who the bill was priced at, with the source and date of that price.
    pub seller: String,
    pub tokenizer: String,
    /// Under `sellers=all`: the bill at every seller, cheapest first.
    pub sellers: Vec<SellerBillRow>,
    /// The filters the sellers were held to, in words (", limited to sellers …").
    pub filters_words: String,
}

impl Page for BillPage {}
impl_page!(BillPage);

impl BillPage {
    /// The page of `bill`, one of `priced`'s bills for `workload`; `back_href` is the
    /// calculator with the same form.
    pub fn build(
        catalogue: &Catalogue,
        priced: &Priced<'_>,
        bill: &MonthlyBill,
        request: &CalcRequest,
        back_href: String,
    ) -> BillPage {
        let workload = &request.workload;
        let model = catalogue.get(&bill.id).map(|e| &e.model);
        let savings = priced
            .priced_as(&bill.id)
            .filter(|_| uses_cache_or_batch(workload))
            .and_then(|m| savings(workload, m, bill).ok())
            .map(|saved| {
                let routed = priced.seller(&bill.id).kind() == crate::seller::SellerKind::Routed;
                savings_sentence(workload, bill, &saved, routed)
            })
            .unwrap_or_default();
        BillPage {
            layout: Layout::new(
                catalogue,
                format!("{}: itemised monthly bill", bill.name),
                "/calculator",
            ),
            row: bill_detail(bill, &priced.outcome.shown, workload),
            seller: seller_line(&priced.seller(&bill.id), bill),
            workload_line: workload_line(workload),
            back_href,
            savings,
            tokenizer: model.and_then(|m| m.tokenizer.clone()).unwrap_or_default(),
            sellers: if priced.sellers == Sellers::All {
                seller_rows(&priced.every_seller(workload, &bill.id), &priced.filters)
            } else {
                Vec::new()
            },
            filters_words: filters_words(&priced.filters),
        }
    }
}

/// One model's itemised bill, for `/calculator/bill`.
pub struct BillDetail {
    pub id: String,
    pub name: String,
    pub monthly: String,
    pub per_request: String,
    pub times: String,
    pub cheapest: bool,
    pub effective_input: String,
    /// The bill over every token billed, per million.
    pub blended: String,
    pub input_vs_list: String,
    pub lines: Vec<LineView>,
    pub on_demand_part: String,
    pub batch_part: Option<String>,
    pub discount: Option<String>,
    pub notes: Vec<String>,
}

fn bill_detail(bill: &MonthlyBill, result: &CalculatorResult, w: &Workload) -> BillDetail {
    BillDetail {
        id: bill.id.clone(),
        name: bill.name.clone(),
        monthly: format::usd(bill.monthly_cost),
        per_request: format::usd(bill.cost_per_request),
        times: times_cheapest_text(bill, result),
        cheapest: is_cheapest(bill, result),
        effective_input: format::usd(bill.effective_input_per_million),
        blended: format::usd(bill.effective_blended_per_million),
        input_vs_list: match bill.input_vs_list() {
            Some(share) => format!(
                "{} is {} the list input price {}",
                format::usd(bill.effective_input_per_million),
                format::multiple(share),
                format::usd(bill.list_input_per_million)
            ),
            None => String::new(),
        },
        lines: bill
            .lines
            .iter()
            .map(|line| LineView {
                label: line.label,
                part: line.part.label(),
                quantity: match line.unit {
                    LineUnit::Tokens => format!("{} tokens", format::quantity(line.quantity)),
                    LineUnit::Requests => format!("{} requests", format::quantity(line.quantity)),
                },
                unit_price: match line.unit {
                    LineUnit::Tokens => format!("{} / M tokens", format::usd(line.unit_price)),
                    LineUnit::Requests => format!("{} / request", format::usd(line.unit_price)),
                },
                amount: format::usd(line.amount),
            })
            .collect(),
        on_demand_part: format::usd(bill.on_demand_part),
        batch_part: (!bill.batch_part.is_zero()).then(|| format::usd(bill.batch_part)),
        discount: (!w.discount.is_zero()).then(|| {
            format!(
                "−{} ({} off)",
                format::usd(bill.discount_amount),
                format::share_percent(w.discount)
            )
        }),
        notes: bill.notes.clone(),
    }
}

/// The bill page's sentence naming the seller, its source and date: "Priced at Anthropic's
/// own list, from genai-prices as of 21 Aug 2026, in force since …", with where a batch
/// price the bill uses comes from when it is our reviewed table of published discounts.
fn seller_line(seller: &PricedSeller, bill: &MonthlyBill) -> String {
    let source = match seller.feed {
        Feed::Official => "the genai-prices database of published list prices",
        _ => "OpenRouter's catalogue",
    };
    let as_of = seller
        .as_of
        .map(|t| format!(" as of {}", format::prose_day(t)))
        .unwrap_or_default();
    let since = seller
        .since
        .map(|d| format!("; this price took effect on {}", format::prose_day(d)))
        .unwrap_or_default();
    let precision = seller
        .quantization
        .as_ref()
        .map(|q| {
            format!(
                " This endpoint serves the model at {q}, below the 16-bit original: its answers \
                 can differ."
            )
        })
        .unwrap_or_default();
    let batch = match (seller.batch_source, seller.batch_discount) {
        (Some(BatchPriceSource::MakerDiscountTable), Some(line)) if !bill.batch_part.is_zero() => {
            format!(
                " The official feed lists no batch price here, so the batch share uses the \
                 discount {} publishes ({}; {}, reviewed {}), from our reviewed table.",
                seller.name,
                line.words(),
                line.source_url,
                format::prose_day(line.reviewed)
            )
        }
        _ => String::new(),
    };
    format!(
        "Priced at {}, from {source}{as_of}{since}.{precision}{batch}",
        seller.name
    )
}
