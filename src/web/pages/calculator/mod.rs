//! `/calculator`: how a priced workload reads: the form's fields, the derived volumes, the
//! summary sentences (with `sellers=all`, the answer names the seller), and one row per bill.
//! One model's itemised bill (`/calculator/bill`), with its bill at every seller, is [`bill`].

pub mod bill;

use askama::Template;
use axum::http::StatusCode;
use rust_decimal::Decimal;

use super::{Page, impl_page};
use crate::model::QualityIndex;
use crate::pricing::calculator::{
    BatchDeclined, CalculatorResult, MonthlyBill, Savings, Unpriced, Workload,
};
use crate::pricing::selection::{Exclusion, LeftOut};
use crate::pricing::sellers::{Alternative, AlternativeKind, Priced, PricedSeller, Sellers};
use crate::store::Catalogue;
use crate::web::extractors::calculator::{
    CalcRequest, EXAMPLES, FormValues, SHARE_FIELDS, WORKLOAD_FIELDS,
};
use crate::web::extractors::form::{FieldErrors, SUFFIX_HINT, reads_suffixes};
use crate::web::format;
use crate::web::layout::Layout;
use crate::web::pages::sections::where_to_buy_form::FilterForm;
use rust_decimal::prelude::ToPrimitive;

/// A model left out by the reader's filters, with the reason in words.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LeftOutView {
    pub id: String,
    pub name: String,
    pub reason: String,
}

impl LeftOutView {
    pub fn new(left_out: &LeftOut) -> LeftOutView {
        LeftOutView {
            id: left_out.id.clone(),
            name: left_out.name.clone(),
            reason: reason(&left_out.why),
        }
    }
}

/// Why a model was left out, as the page and the JSON say it.
pub fn reason(why: &Exclusion) -> String {
    match why {
        Exclusion::Author => "another author".into(),
        Exclusion::Context {
            window: Some(window),
            needed,
        } => format!(
            "context window {} tokens, under the {} needed",
            format::count(*window),
            format::count(*needed)
        ),
        Exclusion::Context { window: None, .. } => "no context window listed".into(),
        Exclusion::Free => "free listing (hidden)".into(),
        Exclusion::Variable => "variable pricing (hidden)".into(),
        Exclusion::BelowFloor {
            quality: Some(q),
            index,
        } => format!("{} {q:.1}, under your floor", index_words(*index)),
        Exclusion::BelowFloor {
            quality: None,
            index,
        } => format!("no {} listed", index_words(*index)),
    }
}

/// "intelligence index", "coding index": the index as it reads mid-sentence.
fn index_words(index: QualityIndex) -> String {
    index.label().to_lowercase()
}

/// One input of the form, ready to render.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: String,
    pub value: String,
    pub error: Option<String>,
    pub inputmode: &'static str,
}

/// One line of an itemised bill, formatted.
pub struct LineView {
    pub label: &'static str,
    pub part: &'static str,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

/// One row of the result table; its itemised bill is on its own page ([`BillDetail`]).
pub struct BillRow {
    pub rank: usize,
    pub id: String,
    pub name: String,
    pub monthly: String,
    pub per_request: String,
    pub effective_input: String,
    /// The chosen quality index, or "—" when the model has none.
    pub quality: String,
    pub times: String,
    pub cheapest: bool,
    pub bill_href: String,
    /// How many notes the bill carries (fallbacks, tiers, batch declined).
    pub notes: usize,
    /// Who the bill was priced at (its precision said when reduced), under `sellers=all`.
    pub seller: Option<String>,
    /// How many sellers were priced for the model, under `sellers=all`.
    pub sellers_priced: Option<usize>,
    /// The seller states a precision below the 16-bit original.
    pub reduced_precision: bool,
}

pub fn bill_row(
    rank: usize,
    bill: &MonthlyBill,
    result: &CalculatorResult,
    quality: Option<f64>,
    bill_href: String,
) -> BillRow {
    BillRow {
        rank,
        id: bill.id.clone(),
        name: bill.name.clone(),
        monthly: format::usd(bill.monthly_cost),
        per_request: format::usd(bill.cost_per_request),
        effective_input: format::usd(bill.effective_input_per_million),
        quality: quality.map_or_else(|| "—".to_string(), |q| format!("{q:.1}")),
        times: times_cheapest_text(bill, result),
        cheapest: is_cheapest(bill, result),
        bill_href,
        notes: bill.notes.len(),
        seller: None,
        sellers_priced: None,
        reduced_precision: false,
    }
}

fn is_cheapest(bill: &MonthlyBill, result: &CalculatorResult) -> bool {
    result.cheapest_paid().is_some_and(|c| c.id == bill.id)
}

/// "free", "1.0× cheapest" is added by the template for the cheapest, else "2.4×".
fn times_cheapest_text(bill: &MonthlyBill, result: &CalculatorResult) -> String {
    if bill.free {
        "free".into()
    } else {
        result
            .times_cheapest(bill)
            .map(format::times_column)
            .unwrap_or_default()
    }
}

/// The workload in one line: "100,000 requests a month of 3,000 input + 800 output tokens;
/// 50 % cache hits; 20 % batch".
pub fn workload_line(w: &Workload) -> String {
    let mut parts = vec![format!(
        "{} requests a month of {} input + {} output tokens{}",
        format::quantity(w.requests),
        format::quantity(w.input_tokens),
        format::quantity(w.output_tokens),
        if w.reasoning_tokens.is_zero() {
            String::new()
        } else {
            format!(" + {} reasoning", format::quantity(w.reasoning_tokens))
        }
    )];
    let shares = [
        (w.cache_hit, "cache hits"),
        (w.cache_write, "cache writes"),
        (w.batch, "batch"),
        (w.discount, "discount"),
    ];
    for (share, what) in shares {
        if !share.is_zero() {
            parts.push(format!("{} {what}", format::share_percent(share)));
        }
    }
    parts.join("; ")
}

/// The monthly volumes the form implies.
pub struct Derived {
    pub input: String,
    pub output: String,
    pub reasoning: Option<String>,
    pub ratio: String,
    pub context: String,
    pub context_is_default: bool,
}

fn derived(request: &CalcRequest) -> Derived {
    let w = &request.workload;
    let tokens = |v: Option<Decimal>| format::quantity(v.unwrap_or_default());
    Derived {
        input: tokens(w.monthly_input_tokens()),
        output: tokens(w.monthly_output_tokens()),
        reasoning: (!w.reasoning_tokens.is_zero()).then(|| tokens(w.monthly_reasoning_tokens())),
        ratio: format::ratio(w.input_tokens, w.output_tokens),
        context: format::count(request.context_needed()),
        context_is_default: request.context_needed() == w.request_tokens(),
    }
}

/// The plain-language summary above the table, as sentences.
pub struct Summary {
    pub sentences: Vec<String>,
}

/// How many of the cheapest paid rows the best-value sentence chooses from.
const BEST_VALUE_POOL: usize = 10;

/// "the best value of the 10 cheapest", or of as many as there are: "of the 3 priced".
fn best_value_pool(paid: usize) -> String {
    if paid > BEST_VALUE_POOL {
        format!("the best value of the {BEST_VALUE_POOL} cheapest")
    } else if paid == 1 {
        "the best value of the one priced".into()
    } else {
        format!("the best value of the {paid} priced")
    }
}

/// Of the [`BEST_VALUE_POOL`] cheapest paid rows, the one with the most intelligence index
/// per dollar a month, with its index; `None` when none of them has an index and a cost.
fn best_value_of_cheapest<'a>(
    result: &'a CalculatorResult,
    catalogue: &Catalogue,
    index: QualityIndex,
) -> Option<(&'a MonthlyBill, f64)> {
    result
        .bills
        .iter()
        .filter(|b| !b.free)
        .take(BEST_VALUE_POOL)
        .filter_map(|b| {
            let quality = catalogue.get(&b.id)?.model.quality.get(index)?;
            let cost = b.monthly_cost.to_f64().filter(|c| *c > 0.0)?;
            Some((b, quality, quality / cost))
        })
        .max_by(|a, b| a.2.total_cmp(&b.2).then_with(|| b.0.id.cmp(&a.0.id)))
        .map(|(b, quality, _)| (b, quality))
}

/// "DeepSeek V4 Flash at DeepInfra via OpenRouter (fp8), $189.22 a month".
fn at_seller(name: &str, seller: &PricedSeller, cost: Decimal) -> String {
    format!(
        "{name} at {}, {} a month",
        seller.name_with_precision(),
        format::usd(cost)
    )
}

/// The answer under `sellers=all`: the cheapest model at its cheapest seller, and beside it
/// the cheapest at full precision (when the cheapest is not) and from the maker (when the
/// cheapest is not the maker's own API).
fn seller_answer(priced: &Priced<'_>, floor: Option<&str>) -> Option<String> {
    let cheapest = priced.outcome.shown.cheapest_paid()?;
    let seller = priced.seller(&cheapest.id);
    let mut parts = vec![format!(
        "{}heapest for this workload: {}",
        if floor.is_some() { "c" } else { "C" },
        at_seller(&cheapest.name, &seller, cheapest.monthly_cost)
    )];
    let alternative = |kind, label: &str| {
        priced.cheapest(kind).map(
            |Alternative {
                 name,
                 seller,
                 monthly_cost,
                 ..
             }| { format!("{label}: {}", at_seller(&name, &seller, monthly_cost)) },
        )
    };
    if seller.quantization.is_some() {
        parts.extend(alternative(
            AlternativeKind::FullPrecision,
            "at full precision",
        ));
    }
    if seller.kind() != crate::seller::SellerKind::FirstParty {
        parts.extend(alternative(AlternativeKind::Maker, "from the maker"));
    }
    let mut answer = format!("{}{}.", floor.unwrap_or_default(), parts.join(" · "));
    if let Some(q) = &seller.quantization {
        answer.push_str(&format!(
            " That price is for an endpoint serving the model at {q}, below the 16-bit \
             original: its answers can differ."
        ));
    }
    Some(answer)
}

pub fn summary(request: &CalcRequest, priced: &Priced<'_>, catalogue: &Catalogue) -> Summary {
    let outcome = &priced.outcome;
    let mut sentences = Vec::new();
    let describe = |bill: &MonthlyBill| {
        format!(
            "{} ({}) at {} a month, {} per request",
            bill.name,
            bill.id,
            format::usd(bill.monthly_cost),
            format::usd(bill.cost_per_request)
        )
    };
    let shown = &outcome.shown;
    let free = shown.bills.iter().filter(|b| b.free).count();
    let index = index_words(request.index);
    let floor = request.min_quality.map(|floor| {
        let article = if index.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("With {article} {index} of at least {floor}, ")
    });
    let answer = (priced.sellers == Sellers::All)
        .then(|| seller_answer(priced, floor.as_deref()))
        .flatten();
    match (shown.cheapest_paid(), &floor) {
        _ if answer.is_some() => sentences.extend(answer),
        (Some(cheapest), Some(floor)) => sentences.push(format!(
            "{floor}the cheapest paid model for this workload is {}.",
            describe(cheapest)
        )),
        (Some(cheapest), None) => sentences.push(format!(
            "The cheapest paid model for this workload is {}.",
            describe(cheapest)
        )),
        (None, Some(floor)) => sentences.push(format!("{floor}no paid model could be priced.")),
        (None, None) => sentences.push("No paid model could be priced with these filters.".into()),
    }
    if request.min_quality.is_none()
        && let Some((best, quality)) = best_value_of_cheapest(shown, catalogue, request.index)
    {
        let same = shown.cheapest_paid().is_some_and(|c| c.id == best.id);
        let pool = best_value_pool(shown.bills.iter().filter(|b| !b.free).count());
        sentences.push(if same {
            format!("It is also {pool}: the most {index} per dollar (index {quality:.1}).")
        } else {
            let times = shown
                .times_cheapest(best)
                .map(|t| format!(", {} the cheapest", format::times_column(t)))
                .unwrap_or_default();
            format!(
                "{}, the most {index} per dollar, is {} (index {quality:.1}){times}.",
                format::capitalise(&pool),
                describe(best)
            )
        });
    }
    if free > 0 {
        sentences.push(format!(
            "{free} free listing{} nothing, but free listings are rate-limited and not meant for production volumes.",
            if free == 1 { " costs" } else { "s cost" }
        ));
    }
    let w = &request.workload;
    if let (Some(saved), Some(bill), true) = (
        &outcome.savings,
        shown.cheapest_paid(),
        uses_cache_or_batch(w),
    ) {
        let routed = priced.seller(&bill.id).kind() == crate::seller::SellerKind::Routed;
        sentences.push(savings_sentence(w, bill, saved, routed));
    }
    Summary { sentences }
}

/// The paid rows a page shows unless the reader asks for all of them (`all=1`).
pub const DEFAULT_ROWS: usize = 25;

fn uses_cache_or_batch(w: &Workload) -> bool {
    !w.cache_hit.is_zero() || !w.cache_write.is_zero() || !w.batch.is_zero()
}

/// What caching and batching did to `bill`, in one sentence: "On Alpha, caching saves $3.93
/// a month; batching saves nothing: …".
///
/// A bill at OpenRouter's routed price batches through the model's `:batch` listing; one at
/// another seller through that seller's batch price, and the sentence says which.
fn savings_sentence(w: &Workload, bill: &MonthlyBill, saved: &Savings, routed: bool) -> String {
    let listing = if routed {
        "batch listing"
    } else {
        "seller's batch price"
    };
    // Cache writes can cost more than the reads save; say so rather than "saves −$3".
    let effect = |what: &str, amount: Decimal| {
        if amount.is_sign_negative() && !amount.is_zero() {
            format!("{what} adds {} a month", format::usd(-amount))
        } else {
            format!("{what} saves {} a month", format::usd(amount))
        }
    };
    let mut parts = Vec::new();
    if !w.cache_hit.is_zero() || !w.cache_write.is_zero() {
        parts.push(effect("caching", saved.cache));
    }
    if !w.batch.is_zero() {
        parts.push(match &bill.batch_declined {
            Some(BatchDeclined::NoListing) if routed => {
                "batching saves nothing, as it has no batch listing".to_string()
            }
            Some(BatchDeclined::NoListing) => {
                "batching saves nothing, as this seller lists no batch price".to_string()
            }
            Some(BatchDeclined::NotCheaper) => format!(
                "batching saves nothing: its {listing} is no cheaper for this workload, \
                 so the batch share is priced on demand"
            ),
            Some(BatchDeclined::WindowTooSmall { .. }) => format!(
                "batching saves nothing: its {listing}'s window cannot hold one \
                 request, so the batch share is priced on demand"
            ),
            Some(BatchDeclined::Unpriceable(_)) => format!(
                "batching saves nothing: its {listing} cannot be priced, so the batch \
                 share is priced on demand"
            ),
            None => effect("batching", saved.batch),
        });
    }
    let outcome_text = if saved.total.is_zero() {
        "so neither changes its bill".to_string()
    } else if saved.total.is_sign_negative() {
        format!("so together they add {}", format::usd(-saved.total))
    } else {
        format!(
            "so you save {}{} in all",
            format::usd(saved.total),
            saved
                .share()
                .map(|s| format!(" ({})", format::share_percent(s)))
                .unwrap_or_default()
        )
    };
    format!(
        "On {}, {}. Without caching and with every request on demand it would cost {}, \
         {outcome_text}.",
        bill.name,
        parts.join("; "),
        format::usd(saved.baseline),
    )
}

/// The page's result section.
pub struct ResultView {
    pub summary: Summary,
    /// The cheapest [`DEFAULT_ROWS`] paid rows, or all of them.
    pub rows: Vec<BillRow>,
    pub paid_rows: usize,
    pub shown_rows: usize,
    pub default_rows: usize,
    pub all_href: String,
    /// Back to the short table, when every row is shown and there are more than the default.
    pub fewer_href: Option<String>,
    /// The chosen quality index's column heading.
    pub index_label: &'static str,
    pub workload_line: String,
    /// Free listings, (id, name), apart from the paid rows.
    pub free: Vec<(String, String)>,
    pub unpriced: Vec<Unpriced>,
    pub left_out: Vec<LeftOutView>,
    pub csv_href: String,
    pub json_href: String,
    /// True when the rows name their seller (under `sellers=all`).
    pub shows_seller: bool,
    /// Which sellers the bills use, in one sentence; empty at the routed price.
    pub sellers_line: String,
    /// Listings no seller meeting the filters can bill, under `sellers=all`.
    pub no_seller: Vec<Unpriced>,
}

/// Which sellers the bills use, as the result says it.
fn sellers_line(priced: &Priced<'_>) -> String {
    if priced.sellers == Sellers::Routed {
        return String::new();
    }
    let filters = crate::web::pages::sections::where_to_buy::filters_words(&priced.filters);
    format!(
        "Each model is priced at every seller we know (the routed price, each OpenRouter \
         provider, the maker's own API, each cloud){filters}, and billed at the cheapest; the \
         Seller column names it and how many sellers were priced."
    )
}

#[derive(Template)]
#[template(path = "calculator.html")]
pub struct CalculatorPage {
    pub layout: Layout,
    pub workload_fields: Vec<FieldView>,
    pub share_fields: Vec<FieldView>,
    pub form: FormValues,
    pub errors: FieldErrors,
    pub authors: Vec<String>,
    pub presets: Vec<(String, &'static str, &'static str)>,
    pub is_example: bool,
    /// The default request volume the answer is priced at, when the link gave none.
    pub default_requests: Option<String>,
    pub derived: Option<Derived>,
    pub result: Option<ResultView>,
    pub default_context: String,
    /// The `sellers` choices: (value, option text, one line on what it means).
    pub sellers: Vec<(&'static str, &'static str, &'static str)>,
    /// The seller filters (residency, precision, the maker and clouds only).
    pub seller_filters: FilterForm,
}

impl CalculatorPage {
    /// With a workload submitted and priced, the answer comes before the form.
    pub fn answer_first(&self) -> bool {
        self.result.is_some() && !self.is_example
    }

    pub fn index_selected(&self, index: &str) -> bool {
        self.form.index == index || (self.form.index.is_empty() && index == "intelligence")
    }

    /// The default (the routed price) is the empty value, so it never shows in a URL.
    pub fn sellers_selected(&self, value: &str) -> bool {
        self.form.sellers == value || (value.is_empty() && self.form.sellers == "routed")
    }

    pub fn author_selected(&self, author: &str) -> bool {
        self.form.authors.iter().any(|a| a == author)
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

pub fn field_views(
    fields: &[(&'static str, &'static str, &'static str)],
    form: &FormValues,
    errors: &FieldErrors,
    inputmode: &'static str,
) -> Vec<FieldView> {
    fields
        .iter()
        .map(|(name, label, hint)| FieldView {
            name,
            label,
            hint: if reads_suffixes(name) {
                format!("{hint}; {SUFFIX_HINT}")
            } else {
                hint.to_string()
            },
            value: form.number(name).to_string(),
            error: errors.get(name).map(str::to_string),
            inputmode,
        })
        .collect()
}

impl CalculatorPage {
    /// The calculator: the form as typed with each problem by its field, and, for a request
    /// that priced, the derived volumes and the result.
    pub fn build(
        catalogue: &Catalogue,
        form: FormValues,
        errors: FieldErrors,
        request: Option<&CalcRequest>,
        result: Option<ResultView>,
    ) -> CalculatorPage {
        CalculatorPage {
            layout: Layout::new(catalogue, "Workload cost calculator", "/calculator"),
            workload_fields: field_views(WORKLOAD_FIELDS, &form, &errors, "decimal"),
            share_fields: field_views(SHARE_FIELDS, &form, &errors, "decimal"),
            authors: catalogue.authors(),
            presets: EXAMPLES
                .iter()
                .map(|e| (e.query.href(), e.title, e.blurb))
                .collect(),
            is_example: request.is_some_and(|r| r.is_example),
            default_requests: request
                .filter(|r| r.default_requests)
                .map(|r| format::quantity(r.workload.requests)),
            derived: request.map(derived),
            default_context: request
                .map(|r| {
                    format::count(
                        CalcRequest {
                            min_context: None,
                            ..r.clone()
                        }
                        .context_needed(),
                    )
                })
                .unwrap_or_default(),
            result,
            seller_filters: FilterForm::new(
                catalogue,
                "/calculator",
                "sellers",
                form.filters.clone(),
                errors.clone(),
            ),
            form,
            errors,
            sellers: Sellers::ALL
                .into_iter()
                .map(|s| {
                    let value = if s == Sellers::Routed { "" } else { s.key() };
                    (value, s.label(), s.words())
                })
                .collect(),
        }
    }
}

/// How many paid rows the page shows: [`DEFAULT_ROWS`], or all of them with `all=1`. Only
/// these rows need their bills itemised.
pub fn rows_shown(request: &CalcRequest) -> usize {
    if request.all_rows {
        usize::MAX
    } else {
        DEFAULT_ROWS
    }
}

/// The result section: the answer, the cheapest paid rows, the free strip, the rest.
pub fn result_view(
    catalogue: &Catalogue,
    form: &FormValues,
    request: &CalcRequest,
    priced: Priced<'_>,
) -> ResultView {
    let outcome = &priced.outcome;
    let summary = summary(request, &priced, catalogue);
    let shows_seller = priced.sellers == Sellers::All;
    let shown = &outcome.shown;
    let quality = |id: &str| {
        catalogue
            .get(id)
            .and_then(|e| e.model.quality.get(request.index))
    };
    let paid: Vec<&MonthlyBill> = shown.bills.iter().filter(|b| !b.free).collect();
    let limit = rows_shown(request);
    let bill_href = form.bill_hrefs();
    let rows: Vec<BillRow> = paid
        .iter()
        .take(limit)
        .enumerate()
        .map(|(i, bill)| BillRow {
            seller: shows_seller.then(|| priced.seller(&bill.id).name_with_precision()),
            sellers_priced: priced.sellers_priced(&bill.id),
            reduced_precision: priced.at_reduced_precision(&bill.id),
            ..bill_row(i + 1, bill, shown, quality(&bill.id), bill_href(&bill.id))
        })
        .collect();
    ResultView {
        summary,
        paid_rows: paid.len(),
        shown_rows: rows.len(),
        default_rows: DEFAULT_ROWS,
        rows,
        all_href: form.page_href(true),
        fewer_href: (request.all_rows && paid.len() > DEFAULT_ROWS).then(|| form.page_href(false)),
        index_label: request.index.label(),
        workload_line: workload_line(&request.workload),
        free: shown
            .bills
            .iter()
            .filter(|b| b.free)
            .map(|b| (b.id.clone(), b.name.clone()))
            .collect(),
        unpriced: outcome.shown.unpriced.clone(),
        left_out: outcome.left_out.iter().map(LeftOutView::new).collect(),
        csv_href: request.export_href("csv"),
        json_href: request.export_href("json"),
        shows_seller,
        sellers_line: sellers_line(&priced),
        no_seller: priced.no_seller.clone(),
    }
}

impl Page for CalculatorPage {
    /// 400 when the form does not read (each problem is by its field).
    fn status(&self) -> StatusCode {
        self.errors.status()
    }
}
impl_page!(CalculatorPage);
