//! The calculator's form: its fields, what the reader typed (kept as typed, so a refused
//! form comes back as they left it), and the one reading of it into a [`CalcRequest`].

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::link::CalculatorQuery;
use crate::model::{Model, QualityIndex, Variant};
use crate::pricing::calculator::{Workload, WorkloadError};
use crate::pricing::selection::Choice;
use crate::pricing::sellers::{SellerFilters, Sellers};
use crate::store::Catalogue;
use crate::web::extractors::form::{self, FieldErrors, NumberField};
use crate::web::extractors::params::{Params, clip, encode};
use crate::web::extractors::where_to_buy::FilterQuery;
use crate::web::format::capitalise;

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;
/// The most models one request may name in `ids`.
pub const MAX_IDS: usize = 50;
const MAX_IDS_CHARS: usize = 4000;

/// The workload fields, in form order: (parameter, label, hint).
pub const WORKLOAD_FIELDS: &[(&str, &str, &str)] = &[
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

pub const SHARE_FIELDS: &[(&str, &str, &str)] = &[
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
    /// `separate=1`: a chosen batch listing is a row of its own, not folded into its base.
    pub separate: bool,
    /// The quality index the table shows and the floor applies to (`index`), as typed.
    pub index: String,
    /// `all=1`: every paid row, not only the cheapest [`DEFAULT_ROWS`](super::view::DEFAULT_ROWS).
    pub all_rows: bool,
    /// Which sellers (`sellers`): empty for the default, the routed price, so its links stay
    /// as they always were.
    pub sellers: String,
    /// The seller filters as typed (`full_precision`, `dc`, `maker_and_clouds`, …).
    pub filters: FilterQuery,
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

    /// The query string that reproduces this form as typed, so a page's own links keep
    /// what the reader wrote (the exports are built from the parsed request instead:
    /// [`CalcRequest::export_href`]).
    pub fn query(&self, format: &str) -> String {
        let mut pairs: Vec<(&str, String)> =
            self.numbers.iter().map(|(k, v)| (*k, v.clone())).collect();
        pairs.push(("ids", self.ids.clone()));
        pairs.push(("separate", flag_value(self.separate)));
        pairs.push(("min_quality", self.min_quality.clone()));
        pairs.push(("min_context", self.min_context.clone()));
        pairs.extend(self.authors.iter().map(|a| ("author", a.clone())));
        pairs.push(("hide_free", flag_value(self.hide_free)));
        pairs.push(("hide_variable", flag_value(self.hide_variable)));
        pairs.push(("index", self.index.clone()));
        pairs.push(("sellers", self.sellers.clone()));
        pairs.extend(self.filters.pairs());
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
        self.bill_hrefs()(id)
    }

    /// [`FormValues::bill_href`] for many rows, the workload's query written once.
    pub fn bill_hrefs(&self) -> impl Fn(&str) -> String + use<> {
        let query = self.query("");
        move |id| {
            format!(
                "/calculator/bill?{query}&{}",
                encode([("id", id.to_string())])
            )
        }
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
    /// True when the reader described a workload but not how many requests it makes (a
    /// link naming models and sizes): the default volume is priced, and the answer says so.
    pub default_requests: bool,
    /// The chosen models, resolved to the ids that are priced; `None` means all.
    pub ids: Option<Vec<String>>,
    pub min_quality: Option<f64>,
    /// The explicit minimum context, if the reader set one.
    pub min_context: Option<u64>,
    pub authors: Vec<String>,
    pub hide_free: bool,
    pub hide_variable: bool,
    /// Chosen batch listings are rows of their own (`separate=1`).
    pub separate: bool,
    /// The quality index shown in the table and used by `min_quality`.
    pub index: QualityIndex,
    pub all_rows: bool,
    /// Which sellers each model is priced at.
    pub sellers: Sellers,
    /// Which sellers may bill (under `sellers=all`).
    pub filters: SellerFilters,
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

impl CalcRequest {
    /// The workload and models as parsed, as the calculator's address. Shares go back to
    /// percent; the ids are the resolved ones, which price the same rows.
    pub fn calculator_query(&self) -> CalculatorQuery {
        let w = &self.workload;
        let percent = |share: Decimal| share.checked_mul(HUNDRED);
        CalculatorQuery {
            requests: Some(w.requests),
            input_tokens: Some(w.input_tokens),
            output_tokens: Some(w.output_tokens),
            reasoning_tokens: Some(w.reasoning_tokens),
            cache_hit: percent(w.cache_hit),
            cache_write: percent(w.cache_write),
            batch: percent(w.batch),
            discount: percent(w.discount),
            ids: self.ids.clone().unwrap_or_default(),
            separate: self.separate,
            // Written after the model filters by `export_href`, in the order links always had.
            sellers: Sellers::Routed,
            filters: FilterQuery::default(),
        }
    }

    /// This request in another format (the CSV and JSON links), built from what was
    /// parsed: the [`CalculatorQuery`], then the filters.
    pub fn export_href(&self, format: &str) -> String {
        let mut pairs = self.calculator_query().pairs();
        let text = |v: Option<String>| v.unwrap_or_default();
        pairs.push(("min_quality", text(self.min_quality.map(|q| q.to_string()))));
        pairs.push(("min_context", text(self.min_context.map(|c| c.to_string()))));
        pairs.extend(self.authors.iter().map(|a| ("author", a.clone())));
        pairs.push(("hide_free", flag_value(self.hide_free)));
        pairs.push(("hide_variable", flag_value(self.hide_variable)));
        if self.index != QualityIndex::default() {
            pairs.push(("index", self.index.key().to_string()));
        }
        if self.sellers != Sellers::Routed {
            pairs.push(("sellers", self.sellers.key().to_string()));
        }
        pairs.extend(FilterQuery::from_seller_filters(&self.filters).pairs());
        pairs.push(("format", format.to_string()));
        format!("/calculator?{}", encode(pairs))
    }

    /// The reader's narrowing, for [`selection`](crate::pricing::selection).
    pub fn choice(&self) -> Choice {
        Choice {
            ids: self.ids.clone(),
            authors: self.authors.clone(),
            context_needed: self.context_needed(),
            hide_free: self.hide_free,
            hide_variable: self.hide_variable,
            min_quality: self.min_quality,
            index: self.index,
        }
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
        separate: params.flag("separate"),
        index: clip_long(&read("index"), 20),
        all_rows: params.flag("all"),
        sellers: clip_long(&read("sellers"), 20),
        filters: FilterQuery::from_params(params),
        format: clip_long(&read("format"), 20),
    };

    // A link that names a workload's shape but no volume (`ids=…&input_tokens=3000&
    // output_tokens=1000`) is priced at the default volume, filled into the form and said
    // in the answer, rather than refused.
    let default_requests = given && form.number(form::REQUESTS.name).trim().is_empty();
    if default_requests
        && let Some((_, text)) = form
            .numbers
            .iter_mut()
            .find(|(f, _)| *f == form::REQUESTS.name)
    {
        *text = example
            .iter()
            .find(|(k, _)| *k == form::REQUESTS.name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
    }
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

    let ids = parse_ids(&form.ids, form.separate, catalogue, &mut errors);

    let min_quality = errors
        .number(params, &form::MIN_QUALITY)
        .and_then(|v| v.to_f64());
    let min_context = errors
        .number(params, &form::MIN_CONTEXT)
        .and_then(|v| v.ceil().to_u64());

    let known_authors = catalogue.author_list();
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

    // A seller filter asks for every seller: it means nothing at the routed price alone.
    let sellers = match form.sellers.as_str() {
        "" if !form.filters.is_empty() => Sellers::All,
        "" => Sellers::Routed,
        text => Sellers::parse(text).unwrap_or_else(|| {
            errors.add(
                "sellers",
                format!("Sellers must be routed or all (got “{}”).", clip(text)),
            );
            Sellers::Routed
        }),
    };
    // The default is written by leaving it out, so links keep their old form.
    if errors.get("sellers").is_none() {
        form.sellers = match sellers {
            Sellers::Routed => String::new(),
            Sellers::All => Sellers::All.key().to_string(),
        };
    }
    let filters = form.filters.parse().unwrap_or_else(|problems| {
        for (field, message) in problems.0 {
            errors.add(field, message);
        }
        SellerFilters::default()
    });

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
        default_requests,
        ids,
        min_quality,
        min_context,
        authors: form.authors.clone(),
        hide_free: form.hide_free,
        hide_variable: form.hide_variable,
        separate: form.separate,
        index,
        all_rows: form.all_rows,
        sellers,
        filters,
        format,
    };
    (form, Ok(request))
}

fn clip_long(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// Resolves the chosen ids to the listings that are priced as rows: an alias is priced as
/// its target, a `:batch` listing as its base (whose batch share it prices), unless
/// `separate` asks for it as a row of its own (what `/compare` links to, so a comparison of
/// a model with its batch listing keeps both bills). Unknown or delisted ids are errors
/// naming them.
fn parse_ids(
    text: &str,
    separate: bool,
    catalogue: &Catalogue,
    errors: &mut FieldErrors,
) -> Option<Vec<String>> {
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
                let row_id = if separate && entry.model.variant == Variant::Batch {
                    entry.model.id.clone()
                } else {
                    row_id_for(&entry.model, catalogue)
                };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_link_writes_the_parsed_request_and_only_what_is_not_default() {
        let request = CalcRequest {
            workload: Workload {
                requests: Decimal::from(1000),
                input_tokens: Decimal::new(15005, 1),
                output_tokens: Decimal::from(100),
                cache_hit: Decimal::new(125, 3),
                ..Workload::default()
            },
            is_example: false,
            default_requests: false,
            ids: Some(vec!["a/b".into()]),
            min_quality: None,
            min_context: Some(5000),
            authors: vec!["a".into()],
            hide_free: false,
            hide_variable: true,
            separate: false,
            index: QualityIndex::Coding,
            all_rows: false,
            sellers: Sellers::All,
            filters: SellerFilters {
                maker_and_clouds: true,
                ..SellerFilters::default()
            },
            format: Format::Html,
        };
        // A 0.125 share is 12.5 %; the 1500.5-token average is kept exactly.
        assert_eq!(
            request.export_href("csv"),
            "/calculator?requests=1000&input_tokens=1500.5&output_tokens=100&cache_hit=12.5\
             &ids=a%2Fb&min_context=5000&author=a&hide_variable=1&index=coding&sellers=all\
             &maker_and_clouds=1&format=csv"
        );
    }
}
