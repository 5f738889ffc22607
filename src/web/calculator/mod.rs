//! `/calculator`: the workload cost calculator. The handler reads the form, picks the
//! models, calls the pure maths in `pricing::calculator`, and renders the result as a page,
//! CSV or JSON. Its query parameters are a public interface: people bookmark them.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::error::render_html;
use super::format;
use super::layout::Layout;
use super::models::csv_field;
pub mod query;

pub mod by_provider;

pub use query::{CalculatorQuery, EXAMPLES, Example};

use super::error::AppError;
use super::form::{self, FieldErrors, NumberField};
use super::params::{Params, clip, encode};
use crate::AppState;
use crate::model::{Model, QualityIndex, Variant};
use crate::pricing::calculator::{
    BatchDeclined, CalculatorResult, LineUnit, MonthlyBill, Part, Savings, Unpriced, Workload,
    WorkloadError, price_all, savings,
};
use crate::store::Catalogue;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;
/// The most models one request may name in `ids`.
pub const MAX_IDS: usize = 50;
const MAX_IDS_CHARS: usize = 4000;

/// The workload fields, in form order: (parameter, label, hint).
const WORKLOAD_FIELDS: &[(&str, &str, &str)] = &[
    ("requests", "Requests per month", "API calls in a month"),
    (
        "input_tokens",
        "Input tokens per request",
        "average prompt size, system prompt and history included; each model counts \
         tokens with its own tokenizer, so the same text is more tokens on some models",
    ),
    (
        "output_tokens",
        "Output tokens per request",
        "average visible answer",
    ),
    (
        "reasoning_tokens",
        "Reasoning tokens per request",
        "thinking tokens, if the model reasons; 0 if not",
    ),
];

const SHARE_FIELDS: &[(&str, &str, &str)] = &[
    (
        "cache_hit",
        "Cache hit rate (%)",
        "share of input tokens read from the prompt cache",
    ),
    (
        "cache_write",
        "Cache write share (%)",
        "share of input tokens written to the cache",
    ),
    (
        "batch",
        "Batch share (%)",
        "share of requests sent through a batch listing",
    ),
    (
        "discount",
        "Committed-use discount (%)",
        "off the whole bill, if you negotiated one",
    ),
];

/// How the result is returned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Html,
    Csv,
    Json,
}

/// Everything the reader typed, as typed, so a rejected form comes back as they left it.
#[derive(Clone, Debug, Default)]
pub struct FormValues {
    /// (parameter, text) for the eight workload fields.
    pub numbers: Vec<(&'static str, String)>,
    pub ids: String,
    pub min_quality: String,
    pub min_context: String,
    pub authors: Vec<String>,
    pub hide_free: bool,
    pub hide_variable: bool,
    /// The quality index the table shows and the floor applies to (`index`), as typed.
    pub index: String,
    /// `all=1`: every paid row, not only the cheapest [`DEFAULT_ROWS`].
    pub all_rows: bool,
    pub format: String,
}

impl FormValues {
    pub fn number(&self, field: &str) -> &str {
        self.numbers
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    /// The query string that reproduces this form, with another `format`.
    pub fn query(&self, format: &str) -> String {
        let mut pairs: Vec<(&str, String)> =
            self.numbers.iter().map(|(k, v)| (*k, v.clone())).collect();
        pairs.push(("ids", self.ids.clone()));
        pairs.push(("min_quality", self.min_quality.clone()));
        pairs.push(("min_context", self.min_context.clone()));
        pairs.extend(self.authors.iter().map(|a| ("author", a.clone())));
        pairs.push(("hide_free", flag_value(self.hide_free)));
        pairs.push(("hide_variable", flag_value(self.hide_variable)));
        pairs.push(("index", self.index.clone()));
        pairs.push(("format", format.to_string()));
        encode(pairs)
    }

    /// The page's own URL for this form with every row shown or only the cheapest.
    pub fn page_href(&self, all_rows: bool) -> String {
        let query = self.query("");
        let all = if all_rows { "&all=1" } else { "" };
        format!("/calculator?{query}{all}")
    }

    /// The shareable URL of one model's itemised bill for this workload.
    pub fn bill_href(&self, id: &str) -> String {
        format!(
            "/calculator/bill?{}&{}",
            self.query(""),
            encode([("id", id.to_string())])
        )
    }
}

fn flag_value(on: bool) -> String {
    if on { "1".into() } else { String::new() }
}

/// A valid calculator request.
#[derive(Clone, Debug)]
pub struct CalcRequest {
    pub workload: Workload,
    /// True when the reader gave no workload and the chat-assistant example is shown.
    pub is_example: bool,
    /// The chosen models, resolved to the ids that are priced; `None` means all.
    pub ids: Option<Vec<String>>,
    pub min_quality: Option<f64>,
    /// The explicit minimum context, if the reader set one.
    pub min_context: Option<u64>,
    pub authors: Vec<String>,
    pub hide_free: bool,
    pub hide_variable: bool,
    /// The quality index shown in the table and used by `min_quality`.
    pub index: QualityIndex,
    pub all_rows: bool,
    pub format: Format,
}

impl CalcRequest {
    /// The context window a model needs: one whole request (input, output and reasoning
    /// tokens all occupy the window), or the reader's minimum when that is larger. A
    /// minimum can raise the floor, never lower it below what one request needs.
    pub fn context_needed(&self) -> u64 {
        let one_request = self.workload.request_tokens();
        self.min_context
            .map_or(one_request, |min| min.max(one_request))
    }
}

/// Reads the whole form. Returns what to re-render and either a valid request or the
/// problems, each filed under its field (`form` for problems with no field).
pub fn parse(
    params: &Params,
    catalogue: &Catalogue,
) -> (FormValues, Result<CalcRequest, FieldErrors>) {
    let mut errors = FieldErrors::default();
    // The site refuses queries over 8 KB before this runs, so every field is short.
    let read = |field: &str| -> String { params.get(field).unwrap_or_default().to_string() };

    let given = WORKLOAD_FIELDS
        .iter()
        .chain(SHARE_FIELDS)
        .any(|(f, _, _)| params.get(f).is_some());
    let example = CalculatorQuery::default_workload().pairs();
    let mut form = FormValues {
        numbers: WORKLOAD_FIELDS
            .iter()
            .chain(SHARE_FIELDS)
            .map(|(f, _, _)| {
                let text = if given {
                    read(f)
                } else {
                    example
                        .iter()
                        .find(|(k, v)| k == f && !v.is_empty())
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| "0".into())
                };
                (*f, clip_long(&text, 60))
            })
            .collect(),
        // `ids=a,b` and `ids=a&ids=b` mean the same; links from other pages may use either.
        ids: clip_long(&params.all("ids").join(","), MAX_IDS_CHARS),
        min_quality: clip_long(&read("min_quality"), 60),
        min_context: clip_long(&read("min_context"), 60),
        authors: Vec::new(),
        hide_free: params.flag("hide_free"),
        hide_variable: params.flag("hide_variable"),
        index: clip_long(&read("index"), 20),
        all_rows: params.flag("all"),
        format: clip_long(&read("format"), 20),
    };

    let mut value = |field: &NumberField, required: bool| {
        let text = form.number(field.name).to_string();
        if text.trim().is_empty() {
            if required {
                errors.add(
                    field.name,
                    format!("Enter the {}.", field.label.to_lowercase()),
                );
            }
            return Decimal::ZERO;
        }
        errors.parse(field, &text).unwrap_or_default()
    };
    let requests = value(&form::REQUESTS, true);
    let input_tokens = value(&form::INPUT_TOKENS, true);
    let output_tokens = value(&form::OUTPUT_TOKENS, true);
    let reasoning_tokens = value(&form::REASONING_TOKENS, false);
    let cache_hit = value(&form::CACHE_HIT, false);
    let cache_write = value(&form::CACHE_WRITE, false);
    let batch = value(&form::BATCH_SHARE, false);
    let discount = value(&form::DISCOUNT, false);
    if cache_hit
        .checked_add(cache_write)
        .is_none_or(|sum| sum > HUNDRED)
    {
        errors.add(
            "cache_write",
            format!(
                "Cache hits ({} %) and cache writes ({} %) add up to more than 100 % of input tokens.",
                cache_hit, cache_write
            ),
        );
    }
    let workload = Workload {
        requests,
        input_tokens,
        output_tokens,
        cache_hit: cache_hit / HUNDRED,
        cache_write: cache_write / HUNDRED,
        batch: batch / HUNDRED,
        discount: discount / HUNDRED,
        reasoning_tokens,
    };

    let ids = parse_ids(&form.ids, catalogue, &mut errors);

    let min_quality = errors
        .number(params, &form::MIN_QUALITY)
        .and_then(|v| v.to_f64());
    let min_context = errors
        .number(params, &form::MIN_CONTEXT)
        .and_then(|v| v.ceil().to_u64());

    let known_authors = catalogue.authors();
    for author in params.all("author") {
        if known_authors.contains(&author) {
            if !form.authors.contains(&author) {
                form.authors.push(author);
            }
        } else {
            errors.add(
                "author",
                format!("No author is called “{}”.", clip(&author)),
            );
        }
    }

    let index = match form.index.as_str() {
        "" => QualityIndex::default(),
        text => QualityIndex::parse(text).unwrap_or_else(|| {
            errors.add(
                "index",
                format!(
                    "The quality index must be intelligence, coding or agentic (got “{}”).",
                    clip(text)
                ),
            );
            QualityIndex::default()
        }),
    };

    let format = match form.format.as_str() {
        "" | "html" => Format::Html,
        "csv" => Format::Csv,
        "json" => Format::Json,
        other => {
            errors.add(
                "format",
                format!("Format must be html, csv or json (got “{}”).", clip(other)),
            );
            Format::Html
        }
    };

    // The parsing above enforces every range; this is the calculator's own check, kept
    // so that the page and the maths can never disagree about what is valid.
    if let (true, Err(problem)) = (errors.is_empty(), workload.validate()) {
        let field = match problem {
            WorkloadError::NoRequests => "requests",
            WorkloadError::WholeDiscount => "discount",
            _ => "form",
        };
        errors.add(field, format!("{}.", capitalise(&problem.to_string())));
    }
    if !errors.is_empty() {
        return (form, Err(errors));
    }
    let request = CalcRequest {
        workload,
        is_example: !given,
        ids,
        min_quality,
        min_context,
        authors: form.authors.clone(),
        hide_free: form.hide_free,
        hide_variable: form.hide_variable,
        index,
        all_rows: form.all_rows,
        format,
    };
    (form, Ok(request))
}

fn clip_long(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Resolves the chosen ids to the listings that are priced as rows: an alias is priced as
/// its target, a `:batch` listing as its base (whose batch share it prices). Unknown or
/// delisted ids are errors naming them.
fn parse_ids(text: &str, catalogue: &Catalogue, errors: &mut FieldErrors) -> Option<Vec<String>> {
    if text.trim().is_empty() {
        return None;
    }
    if text.chars().count() >= MAX_IDS_CHARS {
        errors.add(
            "ids",
            format!("The list of models is too long; name at most {MAX_IDS} ids."),
        );
        return None;
    }
    let mut resolved: Vec<String> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut count = 0;
    for id in text.split(',').map(str::trim).filter(|id| !id.is_empty()) {
        count += 1;
        match catalogue.get(id).filter(|e| e.active) {
            None => unknown.push(clip(id)),
            Some(entry) => {
                let row_id = row_id_for(&entry.model, catalogue);
                if !resolved.contains(&row_id) {
                    resolved.push(row_id);
                }
            }
        }
    }
    if count > MAX_IDS {
        errors.add(
            "ids",
            format!("Choose at most {MAX_IDS} models (you named {count})."),
        );
        return None;
    }
    if !unknown.is_empty() {
        let shown: Vec<String> = unknown
            .iter()
            .take(10)
            .map(|id| format!("“{id}”"))
            .collect();
        let more = unknown.len().saturating_sub(shown.len());
        errors.add(
            "ids",
            format!(
                "No current model has the id {}{}. Ids look like “author/model”, as on the models page.",
                shown.join(", "),
                if more > 0 {
                    format!(" (and {more} more)")
                } else {
                    String::new()
                }
            ),
        );
        return None;
    }
    Some(resolved)
}

/// The id a listing is priced under: itself, unless it is an alias or a batch listing whose
/// active target or base stands in for it.
fn row_id_for(model: &Model, catalogue: &Catalogue) -> String {
    let stand_in = match model.variant {
        Variant::Alias => model.alias_target.as_deref().unwrap_or(&model.base_id),
        Variant::Batch => &model.base_id,
        _ => return model.id.clone(),
    };
    match catalogue.get(stand_in).filter(|e| e.active) {
        Some(target) => target.model.id.clone(),
        None => model.id.clone(),
    }
}

/// A model that was not priced because of the reader's filters.
#[derive(Clone, Debug, Serialize)]
pub struct LeftOut {
    pub id: String,
    pub name: String,
    pub reason: String,
}

/// The models the filters let through (with their batch listings) and those they did not.
pub struct Selection<'a> {
    pub pairs: Vec<(&'a Model, Option<&'a Model>)>,
    pub left_out: Vec<LeftOut>,
}

/// Picks the models to price: the chosen ids, or every active listing that is not an alias
/// (it duplicates its target) or a batch listing (it prices its base's batch share). The
/// quality floor is applied later, so the summary can name the cheapest model below it.
pub fn select<'a>(catalogue: &'a Catalogue, request: &CalcRequest) -> Selection<'a> {
    let candidates: Vec<&Model> = match &request.ids {
        Some(ids) => ids
            .iter()
            .filter_map(|id| catalogue.get(id))
            .map(|e| &e.model)
            .collect(),
        None => catalogue
            .active()
            .map(|e| &e.model)
            .filter(|m| !matches!(m.variant, Variant::Alias | Variant::Batch))
            .collect(),
    };
    let context = request.context_needed();
    let mut selection = Selection {
        pairs: Vec::with_capacity(candidates.len()),
        left_out: Vec::new(),
    };
    for model in candidates {
        let reason = if !request.authors.is_empty() && !request.authors.contains(&model.author) {
            Some("another author".to_string())
        } else if model.context_length.unwrap_or(0) < context {
            Some(match model.context_length {
                Some(window) => format!(
                    "context window {} tokens, under the {} needed",
                    format::count(window),
                    format::count(context)
                ),
                None => "no context window listed".to_string(),
            })
        } else if request.hide_free && model.is_free() {
            Some("free listing (hidden)".to_string())
        } else if request.hide_variable && model.is_variable() {
            Some("variable pricing (hidden)".to_string())
        } else {
            None
        };
        match reason {
            Some(reason) => selection.left_out.push(LeftOut {
                id: model.id.clone(),
                name: model.short_name().to_string(),
                reason,
            }),
            None => selection
                .pairs
                .push((model, catalogue.batch_listing(&model.id))),
        }
    }
    selection
}

/// The priced result, split at the quality floor.
pub struct Outcome {
    /// The rows shown: every model the filters let through, above the quality floor. The
    /// summary describes these rows and no others.
    pub shown: CalculatorResult,
    pub left_out: Vec<LeftOut>,
    /// What caching and batching save on the first paid row shown.
    pub savings: Option<Savings>,
}

/// Prices the request. The workload was validated while parsing, so this cannot fail for
/// the workload's sake; a model that cannot be priced is listed in `unpriced`.
pub fn compute(catalogue: &Catalogue, request: &CalcRequest) -> Result<Outcome, String> {
    let selection = select(catalogue, request);
    let all =
        price_all(&request.workload, selection.pairs.iter().copied()).map_err(|e| e.to_string())?;
    let mut left_out = selection.left_out;
    let quality_of = |id: &str| {
        catalogue
            .get(id)
            .and_then(|e| e.model.quality.get(request.index))
    };
    let above_floor = |id: &str| match request.min_quality {
        None => true,
        Some(floor) => quality_of(id).is_some_and(|q| q >= floor),
    };
    // Bills are moved, not cloned: with no floor set this is every bill.
    let (bills, below): (Vec<_>, Vec<_>) = all.bills.into_iter().partition(|b| above_floor(&b.id));
    let (unpriced, unpriced_below): (Vec<_>, Vec<_>) =
        all.unpriced.into_iter().partition(|u| above_floor(&u.id));
    left_out.extend(
        below
            .iter()
            .map(|b| below_floor(&b.id, &b.name, quality_of(&b.id), request.index)),
    );
    left_out.extend(
        unpriced_below
            .iter()
            .map(|u| below_floor(&u.id, &u.name, quality_of(&u.id), request.index)),
    );
    left_out.sort_by(|a, b| a.id.cmp(&b.id));
    let shown = CalculatorResult { bills, unpriced };
    let savings = shown.cheapest_paid().and_then(|bill| {
        let model = &catalogue.get(&bill.id)?.model;
        savings(&request.workload, model, bill).ok()
    });
    Ok(Outcome {
        shown,
        left_out,
        savings,
    })
}

fn below_floor(id: &str, name: &str, quality: Option<f64>, index: QualityIndex) -> LeftOut {
    let index = index.label().to_lowercase();
    LeftOut {
        id: id.to_string(),
        name: name.to_string(),
        reason: match quality {
            Some(q) => format!("{index} {q:.1}, under your floor"),
            None => format!("no {index} listed"),
        },
    }
}

// ---- Presentation -------------------------------------------------------------------

/// "4:1", "1:2.5", "all input": the input:output ratio of one request.
pub fn ratio_text(input: Decimal, output: Decimal) -> String {
    let one_decimal = |v: Decimal| {
        let rounded = v
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
            .normalize();
        if rounded >= Decimal::ONE_THOUSAND {
            format::quantity(rounded.round())
        } else {
            rounded.to_string()
        }
    };
    match (input.is_zero(), output.is_zero()) {
        (true, true) => "no tokens".into(),
        (false, true) => "all input".into(),
        (true, false) => "all output".into(),
        _ if input >= output => format!("{}:1", one_decimal(input / output)),
        _ => format!("1:{}", one_decimal(output / input)),
    }
}

/// "1.0×", "2.4×", "13×", "1,250×".
pub fn times_text(times: Decimal) -> String {
    if times < Decimal::TEN {
        format!(
            "{:.1}×",
            times.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        )
    } else {
        format!(
            "{}×",
            format::quantity(
                times.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero)
            )
        )
    }
}

/// A share as a percentage for prose: 0.47 -> "47 %".
fn percent_text(share: Decimal) -> String {
    let pct = (share * HUNDRED)
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    format!("{pct} %")
}

/// Exact-enough plain decimals for CSV and JSON: ten places, no trailing zeros, no sign on 0.
pub fn plain(value: Decimal) -> String {
    let rounded = value
        .round_dp_with_strategy(10, RoundingStrategy::MidpointNearestEven)
        .normalize();
    if rounded.is_zero() {
        "0".into()
    } else {
        rounded.to_string()
    }
}

/// One input of the form, ready to render.
pub struct FieldView {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
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
}

fn bill_row(
    rank: usize,
    bill: &MonthlyBill,
    result: &CalculatorResult,
    quality: Option<f64>,
    form: &FormValues,
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
        bill_href: form.bill_href(&bill.id),
        notes: bill.notes.len(),
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
            .map(times_text)
            .unwrap_or_default()
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
                "{} is {} of the list input price {}",
                format::usd(bill.effective_input_per_million),
                times_text(share),
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
                percent_text(w.discount)
            )
        }),
        notes: bill.notes.clone(),
    }
}

/// The workload in one line: "100,000 requests a month of 3,000 input + 800 output tokens;
/// 50 % cache hits; 20 % batch".
fn workload_line(w: &Workload) -> String {
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
            parts.push(format!("{} {what}", percent_text(share)));
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
        ratio: ratio_text(w.input_tokens, w.output_tokens),
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

fn summary(request: &CalcRequest, outcome: &Outcome, catalogue: &Catalogue) -> Summary {
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
    let index = request.index.label().to_lowercase();
    let floor = request.min_quality.map(|floor| {
        let article = if index.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("With {article} {index} of at least {floor}, ")
    });
    match (shown.cheapest_paid(), &floor) {
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
        sentences.push(if same {
            format!(
                "It is also the best value of the {BEST_VALUE_POOL} cheapest: the most {index} \
                 per dollar ({quality:.1})."
            )
        } else {
            let times = shown
                .times_cheapest(best)
                .map(|t| format!(", {} the cheapest", times_text(t)))
                .unwrap_or_default();
            format!(
                "The best value of the {BEST_VALUE_POOL} cheapest, the most {index} per dollar, \
                 is {} (index {quality:.1}){times}.",
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
        sentences.push(savings_sentence(w, bill, saved));
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
fn savings_sentence(w: &Workload, bill: &MonthlyBill, saved: &Savings) -> String {
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
            Some(BatchDeclined::NoListing) => {
                "batching saves nothing, as it has no batch listing".to_string()
            }
            Some(BatchDeclined::NotCheaper) => {
                "batching saves nothing: its batch listing is no cheaper for this workload, \
                 so the batch share is priced on demand"
                    .to_string()
            }
            Some(BatchDeclined::WindowTooSmall { .. }) => {
                "batching saves nothing: its batch listing's window cannot hold one \
                 request, so the batch share is priced on demand"
                    .to_string()
            }
            Some(BatchDeclined::Unpriceable(_)) => {
                "batching saves nothing: its batch listing cannot be priced, so the batch \
                 share is priced on demand"
                    .to_string()
            }
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
                .map(|s| format!(" ({})", percent_text(s)))
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
    pub left_out: Vec<LeftOut>,
    pub csv_href: String,
    pub json_href: String,
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
    pub derived: Option<Derived>,
    pub result: Option<ResultView>,
    pub default_context: String,
}

impl CalculatorPage {
    /// With a workload submitted and priced, the answer comes before the form.
    pub fn answer_first(&self) -> bool {
        self.result.is_some() && !self.is_example
    }

    pub fn index_selected(&self, index: &str) -> bool {
        self.form.index == index || (self.form.index.is_empty() && index == "intelligence")
    }

    pub fn author_selected(&self, author: &str) -> bool {
        self.form.authors.iter().any(|a| a == author)
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn field_views(
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
            hint,
            value: form.number(name).to_string(),
            error: errors.get(name).map(str::to_string),
            inputmode,
        })
        .collect()
}

fn page(
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
        form,
        errors,
    }
}

/// The result section: the answer, the cheapest paid rows, the free strip, the rest.
fn result_view(
    catalogue: &Catalogue,
    form: &FormValues,
    request: &CalcRequest,
    outcome: Outcome,
) -> ResultView {
    let summary = summary(request, &outcome, catalogue);
    let shown = &outcome.shown;
    let quality = |id: &str| {
        catalogue
            .get(id)
            .and_then(|e| e.model.quality.get(request.index))
    };
    let paid: Vec<&MonthlyBill> = shown.bills.iter().filter(|b| !b.free).collect();
    let limit = if request.all_rows {
        paid.len()
    } else {
        DEFAULT_ROWS
    };
    let rows: Vec<BillRow> = paid
        .iter()
        .take(limit)
        .enumerate()
        .map(|(i, bill)| bill_row(i + 1, bill, shown, quality(&bill.id), form))
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
        unpriced: outcome.shown.unpriced,
        left_out: outcome.left_out,
        csv_href: format!("/calculator?{}", form.query("csv")),
        json_href: format!("/calculator?{}", form.query("json")),
    }
}

/// A refused form comes back as the form; a refused export as the one error shape.
fn wants_html(params: &Params) -> bool {
    !matches!(params.get("format"), Some("csv" | "json"))
}

/// `GET /calculator`.
pub async fn calculator(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (form, parsed) = parse(&params, &catalogue);
    let request = match parsed {
        Ok(request) => request,
        Err(errors) if wants_html(&params) => {
            return render_html(
                &page(&catalogue, form, errors, None, None),
                StatusCode::BAD_REQUEST,
            );
        }
        Err(errors) => return AppError::Invalid(errors).into_response(),
    };
    // One model across its providers (issue 17): its own view, the same parsed workload.
    if by_provider::wanted(&params) {
        return by_provider::respond(&catalogue, &params, &form, &request);
    }
    let outcome = match compute(&catalogue, &request) {
        Ok(outcome) => outcome,
        Err(problem) if wants_html(&params) => {
            return render_html(
                &page(
                    &catalogue,
                    form,
                    FieldErrors::one("form", problem),
                    None,
                    None,
                ),
                StatusCode::BAD_REQUEST,
            );
        }
        Err(problem) => return AppError::invalid("form", problem).into_response(),
    };
    match request.format {
        Format::Csv => csv_response(&outcome),
        Format::Json => json_response(&catalogue, &form, &request, &outcome),
        Format::Html => {
            let result = result_view(&catalogue, &form, &request, outcome);
            let page = page(
                &catalogue,
                form,
                FieldErrors::default(),
                Some(&request),
                Some(result),
            );
            render_html(&page, StatusCode::OK)
        }
    }
}

/// `GET /calculator/bill`: one model's itemised bill for the workload in the query, at a
/// URL of its own (the calculator's parameters plus `id`).
#[derive(Template)]
#[template(path = "calculator_bill.html")]
pub struct BillPage {
    pub layout: Layout,
    pub row: BillDetail,
    pub workload_line: String,
    pub back_href: String,
    /// What caching and batching save on this model, as a sentence; empty when unused.
    pub savings: String,
    pub tokenizer: String,
}

pub async fn bill(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (form, parsed) = parse(&params, &catalogue);
    let back_href = form.page_href(false);
    let request = match parsed {
        Ok(request) => request,
        Err(errors) => return AppError::Invalid(errors).into_response(),
    };
    let id = params.get("id").unwrap_or_default().trim().to_string();
    if id.is_empty() {
        return AppError::invalid(
            "id",
            "Name the model whose bill you want: add id=author/model.",
        )
        .into_response();
    }
    let outcome = match compute(&catalogue, &request) {
        Ok(outcome) => outcome,
        Err(problem) => return AppError::invalid("form", problem).into_response(),
    };
    let shown = &outcome.shown;
    let Some(bill) = shown.bills.iter().find(|b| b.id == id) else {
        // Say why this model has no bill: not priced, left out by a filter, or unknown.
        let why = shown
            .unpriced
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.reason.clone())
            .or_else(|| {
                outcome
                    .left_out
                    .iter()
                    .find(|l| l.id == id)
                    .map(|l| format!("left out by your filters: {}", l.reason))
            });
        return match why {
            Some(why) => AppError::invalid(
                "id",
                format!("{} has no bill for this workload ({why}).", clip(&id)),
            )
            .into_response(),
            None => AppError::not_found(format!(
                "No current model priced by the calculator has the id “{}”.",
                clip(&id)
            ))
            .into_response(),
        };
    };
    let model = catalogue.get(&bill.id).map(|e| &e.model);
    let savings = model
        .filter(|_| uses_cache_or_batch(&request.workload))
        .and_then(|m| savings(&request.workload, m, bill).ok())
        .map(|saved| savings_sentence(&request.workload, bill, &saved))
        .unwrap_or_default();
    let page = BillPage {
        layout: Layout::new(
            &catalogue,
            format!("{}: itemised monthly bill", bill.name),
            "/calculator",
        ),
        row: bill_detail(bill, shown, &request.workload),
        workload_line: workload_line(&request.workload),
        back_href,
        savings,
        tokenizer: model.and_then(|m| m.tokenizer.clone()).unwrap_or_default(),
    };
    render_html(&page, StatusCode::OK)
}

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

fn csv_response(outcome: &Outcome) -> Response {
    let result = &outcome.shown;
    let mut out = csv_header();
    out.push('\n');
    for bill in &result.bills {
        let mut fields = vec![
            bill.id.clone(),
            bill.name.clone(),
            plain(bill.monthly_cost),
            plain(bill.cost_per_request),
            plain(bill.effective_input_per_million),
            plain(bill.effective_blended_per_million),
            result.times_cheapest(bill).map(plain).unwrap_or_default(),
            plain(bill.list_input_per_million),
            plain(bill.on_demand_part),
            plain(bill.batch_part),
            plain(bill.discount_amount),
            plain(bill.cache_savings),
            plain(bill.batch_savings),
            bill.long_context_tier
                .map(|t| t.to_string())
                .unwrap_or_default(),
        ];
        for (part, _) in PARTS {
            for (label, _) in LINE_LABELS {
                match bill
                    .lines
                    .iter()
                    .find(|l| l.part == *part && l.label == *label)
                {
                    Some(line) => {
                        fields.push(plain(line.quantity));
                        fields.push(plain(line.unit_price));
                        fields.push(plain(line.amount));
                    }
                    None => fields.extend([String::new(), String::new(), String::new()]),
                }
            }
        }
        fields.push(bill.notes.join("; "));
        push_csv_line(&mut out, &fields);
    }
    // Unpriced models close the file with empty numbers and the reason.
    let width = csv_header().split(',').count();
    for unpriced in &result.unpriced {
        let mut fields = vec![unpriced.id.clone(), unpriced.name.clone()];
        fields.resize(width - 1, String::new());
        fields.push(format!("not priced: {}", unpriced.reason));
        push_csv_line(&mut out, &fields);
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"tokenfare-workload.csv\"",
            ),
        ],
        out,
    )
        .into_response()
}

fn push_csv_line(out: &mut String, fields: &[String]) {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// One bill as JSON: the bill with plain-decimal strings and its multiple of the cheapest.
#[derive(Serialize)]
struct JsonBill<'a> {
    #[serde(flatten)]
    bill: &'a MonthlyBill,
    times_cheapest: Option<String>,
}

fn json_response(
    catalogue: &Catalogue,
    form: &FormValues,
    request: &CalcRequest,
    outcome: &Outcome,
) -> Response {
    let result = &outcome.shown;
    let inputs: serde_json::Map<String, serde_json::Value> = form
        .numbers
        .iter()
        .map(|(k, v)| ((*k).to_string(), serde_json::Value::String(v.clone())))
        .collect();
    let body = serde_json::json!({
        "as_of": catalogue.freshness.as_of().map(|t| t.to_rfc3339()),
        "source": crate::web::about::catalogue_source(catalogue),
        "inputs": inputs,
        "workload": request.workload,
        "context_needed": request.context_needed(),
        "bills": result.bills.iter().map(|bill| JsonBill {
            bill,
            times_cheapest: result.times_cheapest(bill).map(plain),
        }).collect::<Vec<_>>(),
        "unpriced": result.unpriced,
        "left_out": outcome.left_out,
        "savings_on_cheapest": outcome.savings,
    });
    axum::Json(body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse::<Decimal>().unwrap()
    }

    #[test]
    fn ratios_read_as_input_to_output() {
        assert_eq!(ratio_text(d("3000"), d("750")), "4:1");
        assert_eq!(ratio_text(d("100"), d("250")), "1:2.5");
        assert_eq!(ratio_text(d("1000"), d("3")), "333.3:1");
        assert_eq!(ratio_text(d("100000000"), d("1")), "100,000,000:1");
        assert_eq!(ratio_text(d("10"), d("0")), "all input");
        assert_eq!(ratio_text(d("0"), d("0")), "no tokens");
    }

    #[test]
    fn multiples_keep_one_decimal_below_ten() {
        assert_eq!(times_text(d("1")), "1.0×");
        assert_eq!(times_text(d("4.6666")), "4.7×");
        assert_eq!(times_text(d("23.333")), "23×");
        assert_eq!(times_text(d("1250.5")), "1,251×");
    }

    #[test]
    fn plain_decimals_have_no_sign_on_zero_and_at_most_ten_places() {
        assert_eq!(plain(d("-0.00")), "0");
        assert_eq!(plain(d("4.7500000")), "4.75");
        assert_eq!(plain(d("0.59772727272727272727")), "0.5977272727");
        assert_eq!(plain(d("427500000000000")), "427500000000000");
    }
}
