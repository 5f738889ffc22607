//! `/models`: the catalogue table with filters and sorting, and `/api/models.{json,csv}`,
//! which take the same filters.

use std::cmp::Ordering;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::error::{Suggestion, render_html};
use super::form::{self, FieldErrors};
use super::format;
use super::layout::Layout;
use super::params::{Params, encode};
use crate::AppState;
use crate::model::{Model, Variant};
use crate::pricing::price::{Price, PriceSet};
use crate::search::Needle;
use crate::store::Catalogue;
use crate::store::catalogue::Entry;

/// Input modalities a reader can filter on.
pub const MODALITIES: &[&str] = &["image", "audio", "file", "video"];

/// Sortable columns: (key, header label, default direction is descending).
pub const SORTS: &[(&str, &str, bool)] = &[
    ("name", "Model", false),
    ("author", "Author", false),
    ("input", "Input $/M", false),
    ("output", "Output $/M", false),
    ("cache", "Cached input $/M", false),
    ("context", "Context", true),
    ("max_output", "Max output", true),
    ("intelligence", "Intelligence", true),
];

/// The catalogue filters, as read from the query string.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub q: String,
    pub authors: Vec<String>,
    pub modalities: Vec<String>,
    pub min_context: Option<u64>,
    pub max_input: Option<Decimal>,
    pub max_output: Option<Decimal>,
    /// "only", "hide" or "" (all).
    pub free: String,
    pub has_cache: bool,
    pub has_batch: bool,
    pub include_inactive: bool,
    pub sort: String,
    pub desc: bool,
}

impl Filters {
    /// Reads and checks the filters; problems are collected per field.
    pub fn parse(params: &Params, catalogue: &Catalogue) -> (Filters, FieldErrors) {
        let mut errors = FieldErrors::default();
        let known_authors = catalogue.authors();
        let mut authors = params.all("author");
        authors.retain(|a| {
            let known = known_authors.contains(a);
            if !known {
                errors.add(
                    "author",
                    format!("No author is called “{}”.", super::params::clip(a)),
                );
            }
            known
        });
        let mut modalities = params.all("modality");
        modalities.retain(|m| {
            let known = MODALITIES.contains(&m.as_str());
            if !known {
                errors.add(
                    "modality",
                    format!("Input modality must be one of {}.", MODALITIES.join(", ")),
                );
            }
            known
        });
        let min_context = errors
            .number(params, &form::MIN_CONTEXT)
            .and_then(|v| v.ceil().to_u64());
        let max_input = errors.number(params, &form::MAX_INPUT_PRICE);
        let max_output = errors.number(params, &form::MAX_OUTPUT_PRICE);
        let free = match params.get("free") {
            None | Some("all") => String::new(),
            Some(v @ ("only" | "hide")) => v.to_string(),
            Some(_) => {
                errors.add("free", "Free must be “only” or “hide”.");
                String::new()
            }
        };
        let sort = match params.get("sort") {
            None => "name".to_string(),
            Some(key) if SORTS.iter().any(|(k, _, _)| *k == key) => key.to_string(),
            Some(_) => {
                errors.add("sort", "Unknown sort column.");
                "name".to_string()
            }
        };
        let desc = match params.get("dir") {
            Some("desc") => true,
            Some("asc") => false,
            None => SORTS
                .iter()
                .find(|(k, _, _)| *k == sort)
                .is_some_and(|(_, _, d)| *d),
            Some(_) => {
                errors.add("dir", "Direction must be “asc” or “desc”.");
                false
            }
        };
        let q: String = params
            .get("q")
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect();
        (
            Filters {
                q,
                authors,
                modalities,
                min_context,
                max_input,
                max_output,
                free,
                has_cache: params.flag("has_cache"),
                has_batch: params.flag("has_batch"),
                include_inactive: params.flag("include_inactive"),
                sort,
                desc,
            },
            errors,
        )
    }

    /// The query string that reproduces these filters, with a different sort.
    pub fn query_with_sort(&self, sort: &str, desc: bool) -> String {
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", sort.to_string()));
        pairs.push(("dir", if desc { "desc".into() } else { "asc".into() }));
        encode(pairs)
    }

    /// The filters as query pairs (empty values are dropped by [`encode`]), without the sort.
    fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.q.clone())];
        pairs.extend(self.authors.iter().map(|a| ("author", a.clone())));
        pairs.extend(self.modalities.iter().map(|m| ("modality", m.clone())));
        pairs.push((
            "min_context",
            self.min_context.map(|v| v.to_string()).unwrap_or_default(),
        ));
        pairs.push((
            "max_input",
            self.max_input
                .map(|v| v.normalize().to_string())
                .unwrap_or_default(),
        ));
        pairs.push((
            "max_output",
            self.max_output
                .map(|v| v.normalize().to_string())
                .unwrap_or_default(),
        ));
        pairs.push(("free", self.free.clone()));
        for (key, on) in [
            ("has_cache", self.has_cache),
            ("has_batch", self.has_batch),
            ("include_inactive", self.include_inactive),
        ] {
            pairs.push((key, if on { "1".into() } else { String::new() }));
        }
        pairs
    }

    /// The sort when the reader has not chosen one.
    fn default_sort(&self) -> bool {
        self.sort == "name" && !self.desc
    }

    /// The canonical URL of this view: only the fields the reader set, and the sort only
    /// when it is not the default.
    pub fn href(&self) -> String {
        let query = if self.default_sort() {
            encode(self.filter_pairs())
        } else {
            self.query_with_sort(&self.sort, self.desc)
        };
        if query.is_empty() {
            "/models".into()
        } else {
            format!("/models?{query}")
        }
    }

    /// The filters in words (`“gpt5”, anthropic, input ≤ $3/M`), for titles; empty when none.
    pub fn in_words(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("“{}”", self.q));
        }
        if !self.authors.is_empty() {
            parts.push(self.authors.join(" or "));
        }
        if !self.modalities.is_empty() {
            parts.push(format!("{} input", self.modalities.join(" and ")));
        }
        if let Some(v) = self.min_context {
            parts.push(format!("context ≥ {}", format::tokens_short(v)));
        }
        if let Some(v) = self.max_input {
            parts.push(format!("input ≤ {}/M", format::usd(v)));
        }
        if let Some(v) = self.max_output {
            parts.push(format!("output ≤ {}/M", format::usd(v)));
        }
        match self.free.as_str() {
            "only" => parts.push("free".into()),
            "hide" => parts.push("not free".into()),
            _ => {}
        }
        if self.has_cache {
            parts.push("with cache pricing".into());
        }
        if self.has_batch {
            parts.push("with a batch listing".into());
        }
        if self.include_inactive {
            parts.push("delisted included".into());
        }
        parts.join(", ")
    }

    pub fn is_filtered(&self) -> bool {
        !self.q.is_empty()
            || !self.authors.is_empty()
            || !self.modalities.is_empty()
            || self.min_context.is_some()
            || self.max_input.is_some()
            || self.max_output.is_some()
            || !self.free.is_empty()
            || self.has_cache
            || self.has_batch
            || self.include_inactive
    }
}

/// A base model and its listed variants, as the table shows them.
pub struct Group<'a> {
    pub lead: &'a Entry,
    pub variants: Vec<&'a Entry>,
}

impl Group<'_> {
    fn has_variant(&self, variant: &Variant) -> bool {
        self.variants.iter().any(|v| &v.model.variant == variant)
    }

    pub fn batch(&self) -> Option<&Model> {
        self.variants
            .iter()
            .find(|v| v.model.variant == Variant::Batch)
            .map(|v| &v.model)
    }
}

fn per_million(price: Option<Price>) -> Option<Decimal> {
    price.and_then(Price::usd).map(format::per_million)
}

/// The filters that concern one listing on its own: its search hit, author, input types,
/// window and prices, and its cache pricing. (Free, batch and delisted are decided per row.)
fn listing_passes(m: &Model, f: &Filters, needle: &Needle) -> bool {
    if !needle.matches(m) {
        return false;
    }
    if !f.authors.is_empty() && !f.authors.contains(&m.author) {
        return false;
    }
    if !f
        .modalities
        .iter()
        .all(|wanted| m.input_modalities.iter().any(|have| have == wanted))
    {
        return false;
    }
    if let Some(min) = f.min_context
        && m.context_length.unwrap_or(0) < min
    {
        return false;
    }
    let under = |price: Option<Price>, max: Option<Decimal>| match max {
        None => true,
        Some(max) => per_million(price).is_some_and(|p| p <= max),
    };
    if !under(m.pricing.base.prompt, f.max_input) || !under(m.pricing.base.completion, f.max_output)
    {
        return false;
    }
    !f.has_cache || m.has_cache_pricing()
}

/// Whether a table row (a base and its variants) matches. The search may hit the base or any
/// of its listings; the other filters apply to the base.
fn matches(group: &Group<'_>, f: &Filters, needle: &Needle) -> bool {
    let m = &group.lead.model;
    if !needle.matches(m) && !group.variants.iter().any(|v| needle.matches(&v.model)) {
        return false;
    }
    if !listing_passes(m, f, &Needle::default()) {
        return false;
    }
    let free = m.is_free() || group.has_variant(&Variant::Free);
    match f.free.as_str() {
        "only" if !free => return false,
        "hide" if m.is_free() => return false,
        _ => {}
    }
    !(f.has_batch && group.batch().is_none())
}

/// Whether one exported listing matches every filter on its own prices and window; `group`
/// is the row it belongs to (for "has a batch listing").
fn export_passes(entry: &Entry, group: &Group<'_>, f: &Filters, needle: &Needle) -> bool {
    let m = &entry.model;
    if !(entry.active || f.include_inactive) || !listing_passes(m, f, needle) {
        return false;
    }
    match f.free.as_str() {
        "only" if !m.is_free() => return false,
        "hide" if m.is_free() => return false,
        _ => {}
    }
    !(f.has_batch && m.variant != Variant::Batch && group.batch().is_none())
}

/// A per-million token price to sort by; none for a listing not priced per token, whose
/// zeros are not prices and must not sort as the cheapest.
fn token_price(m: &Model, pick: impl Fn(&PriceSet) -> Option<Price>) -> Option<Decimal> {
    if m.is_not_priced_per_token() {
        return None;
    }
    per_million(pick(&m.pricing.base))
}

fn cmp_option<T: PartialOrd>(a: Option<T>, b: Option<T>, desc: bool) -> Ordering {
    // Unknown values sort last whichever the direction.
    match (a, b) {
        (Some(a), Some(b)) => {
            let ord = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
            if desc { ord.reverse() } else { ord }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn sort_groups(groups: &mut [Group<'_>], sort: &str, desc: bool) {
    groups.sort_by(|a, b| {
        let (x, y) = (&a.lead.model, &b.lead.model);
        let ord = match sort {
            "author" => cmp_option(Some(&x.author), Some(&y.author), desc),
            "input" => cmp_option(
                token_price(x, |p| p.prompt),
                token_price(y, |p| p.prompt),
                desc,
            ),
            "output" => cmp_option(
                token_price(x, |p| p.completion),
                token_price(y, |p| p.completion),
                desc,
            ),
            "cache" => cmp_option(
                per_million(x.pricing.base.input_cache_read),
                per_million(y.pricing.base.input_cache_read),
                desc,
            ),
            "context" => cmp_option(x.context_length, y.context_length, desc),
            "max_output" => cmp_option(x.max_completion_tokens, y.max_completion_tokens, desc),
            "intelligence" => cmp_option(x.quality.intelligence, y.quality.intelligence, desc),
            _ => cmp_option(
                Some(x.short_name().to_lowercase()),
                Some(y.short_name().to_lowercase()),
                desc,
            ),
        };
        ord.then_with(|| x.id.cmp(&y.id))
    });
}

/// Every row the table could show, unfiltered: a base (active, delisted only when asked for,
/// or delisted with a listing still active, which stays visible under it) and its variants.
fn all_groups<'a>(catalogue: &'a Catalogue, include_inactive: bool) -> Vec<Group<'a>> {
    catalogue
        .all()
        .iter()
        .filter(|e| e.group == e.model.id)
        .map(|lead| Group {
            lead,
            variants: catalogue
                .group_of(&lead.model.id)
                .into_iter()
                .filter(|v| v.model.id != lead.model.id && (v.active || include_inactive))
                .collect(),
        })
        .filter(|g| g.lead.active || include_inactive || !g.variants.is_empty())
        .collect()
}

/// The groups matching the filters, sorted.
pub fn select<'a>(catalogue: &'a Catalogue, f: &Filters) -> Vec<Group<'a>> {
    let needle = Needle::new(&f.q);
    let mut groups: Vec<Group<'a>> = all_groups(catalogue, f.include_inactive)
        .into_iter()
        .filter(|g| matches(g, f, &needle))
        .collect();
    sort_groups(&mut groups, &f.sort, f.desc);
    groups
}

/// The listings the exports carry: every listing that itself satisfies the filters (a variant
/// is judged on its own prices and window, not its base's), in the table's order.
pub fn export_listings<'a>(catalogue: &'a Catalogue, f: &Filters) -> Vec<&'a Entry> {
    let needle = Needle::new(&f.q);
    let mut groups = all_groups(catalogue, f.include_inactive);
    sort_groups(&mut groups, &f.sort, f.desc);
    groups
        .iter()
        .flat_map(|g| {
            std::iter::once(g.lead)
                .chain(g.variants.iter().copied())
                .filter(|e| export_passes(e, g, f, &needle))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One variant as a small link under its base.
pub struct VariantChip {
    pub id: String,
    pub label: String,
    pub title: String,
}

/// One table row, formatted.
pub struct Row {
    pub id: String,
    pub name: String,
    pub author: String,
    pub input: String,
    pub output: String,
    pub cache: String,
    pub context: String,
    pub max_output: String,
    pub modalities: String,
    pub intelligence: String,
    pub batch: String,
    pub active: bool,
    /// Listings of this model still active (shown when the base itself is delisted).
    pub active_variants: usize,
    pub variants: Vec<VariantChip>,
}

/// A price cell; a listing billed per item it makes shows why its zeros are not prices.
fn token_cell(m: &Model, price: Option<Price>) -> String {
    if m.is_not_priced_per_token() {
        "not priced per token".into()
    } else {
        format::token_price(price)
    }
}

fn row(group: &Group<'_>) -> Row {
    let m = &group.lead.model;
    let base = &m.pricing.base;
    Row {
        id: m.id.clone(),
        name: m.short_name().to_string(),
        author: m.author.clone(),
        input: token_cell(m, base.prompt),
        output: token_cell(m, base.completion),
        cache: format::token_price(base.input_cache_read),
        context: m
            .context_length
            .map(format::tokens_short)
            .unwrap_or_else(|| "—".into()),
        max_output: m
            .max_completion_tokens
            .map(format::tokens_short)
            .unwrap_or_else(|| "—".into()),
        modalities: m
            .input_modalities
            .iter()
            .filter(|x| *x != "text")
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        intelligence: m
            .quality
            .intelligence
            .map(|v| format!("{v:.1}"))
            .unwrap_or_default(),
        batch: group
            .batch()
            .map(|b| {
                format!(
                    "{} / {}",
                    format::token_price(b.pricing.base.prompt),
                    format::token_price(b.pricing.base.completion)
                )
            })
            .unwrap_or_default(),
        active: group.lead.active,
        active_variants: group.variants.iter().filter(|v| v.active).count(),
        variants: group
            .variants
            .iter()
            .map(|v| VariantChip {
                id: v.model.id.clone(),
                label: match &v.model.variant {
                    Variant::Alias => v.model.id.clone(),
                    other => other.label().to_string(),
                },
                title: format!(
                    "{}: {} in / {} out per M",
                    v.model.id,
                    format::token_price(v.model.pricing.base.prompt),
                    format::token_price(v.model.pricing.base.completion)
                ),
            })
            .collect(),
    }
}

/// A column header link that toggles the sort.
pub struct SortHeader {
    pub label: &'static str,
    pub href: String,
    pub aria_sort: &'static str,
    pub numeric: bool,
}

#[derive(Template)]
#[template(path = "models.html")]
pub struct CataloguePage {
    pub layout: Layout,
    pub filters: Filters,
    pub errors: FieldErrors,
    pub authors: Vec<String>,
    pub modalities: &'static [&'static str],
    pub headers: Vec<SortHeader>,
    pub rows: Vec<Row>,
    pub total: usize,
    pub export_query: String,
    /// Close matches when a search found nothing.
    pub suggestions: Vec<Suggestion>,
    /// The search alone, without the other filters, when those filters hid its matches.
    pub search_only_href: Option<String>,
}

impl CataloguePage {
    pub fn author_selected(&self, author: &str) -> bool {
        self.filters.authors.iter().any(|a| a == author)
    }

    pub fn modality_selected(&self, modality: &str) -> bool {
        self.filters.modalities.iter().any(|m| m == modality)
    }

    pub fn number_value(value: Option<Decimal>) -> String {
        value.map(|v| v.normalize().to_string()).unwrap_or_default()
    }
}

fn headers(f: &Filters) -> Vec<SortHeader> {
    SORTS
        .iter()
        .map(|(key, label, default_desc)| {
            let current = f.sort == *key;
            let next_desc = if current { !f.desc } else { *default_desc };
            SortHeader {
                label,
                href: format!("/models?{}", f.query_with_sort(key, next_desc)),
                aria_sort: match (current, f.desc) {
                    (false, _) => "none",
                    (true, true) => "descending",
                    (true, false) => "ascending",
                },
                numeric: !matches!(*key, "name" | "author"),
            }
        })
        .collect()
}

/// `GET /models`.
pub async fn catalogue(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (filters, errors) = Filters::parse(&params, &catalogue);
    let groups = select(&catalogue, &filters);
    let rows: Vec<Row> = groups.iter().map(row).collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let (suggestions, search_only_href) = if rows.is_empty() && !filters.q.is_empty() {
        let only_q = Filters {
            q: filters.q.clone(),
            sort: "name".into(),
            ..Filters::default()
        };
        let search_only = (!select(&catalogue, &only_q).is_empty()).then(|| only_q.href());
        let suggestions = catalogue
            .suggest(
                &filters.q.split_whitespace().collect::<Vec<_>>().join("-"),
                5,
            )
            .into_iter()
            .map(|e| Suggestion {
                id: e.model.id.clone(),
                name: e.model.short_name().to_string(),
            })
            .collect();
        (suggestions, search_only)
    } else {
        (Vec::new(), None)
    };
    let words = filters.in_words();
    let cheapest = groups
        .iter()
        .filter_map(|g| {
            let m = &g.lead.model;
            per_million(m.pricing.base.prompt).map(|p| (p, m))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    let count = match rows.len() {
        1 => "1 model".to_string(),
        n => format!("{n} models"),
    };
    let answer = cheapest
        .map(|(p, m)| format!(", from {}/M input ({})", format::usd(p), m.short_name()))
        .unwrap_or_default();
    let (title, description) = if words.is_empty() {
        (
            "LLM API prices: every model compared".to_string(),
            format!(
                "The API prices of {count} on OpenRouter per million input and output \
                 tokens{answer}: filter by author, context and price, sort, compare, download."
            ),
        )
    } else {
        (
            format!("LLM prices for {words}: {count}{answer}"),
            format!(
                "{count} on OpenRouter matching {words}, with their API prices per million \
                 tokens{answer}."
            ),
        )
    };
    let page = CataloguePage {
        layout: Layout::new(&catalogue, title, "/models")
            .describe(description)
            .canonical(filters.href()),
        headers: headers(&filters),
        total: rows.len(),
        rows,
        export_query: filters.query_with_sort(&filters.sort, filters.desc),
        authors: catalogue.authors(),
        modalities: MODALITIES,
        suggestions,
        search_only_href,
        filters,
        errors,
    };
    render_html(&page, status)
}

/// One listing as exported data.
#[derive(serde::Serialize)]
pub struct ExportRow {
    pub id: String,
    pub base_id: String,
    pub variant: String,
    pub name: String,
    pub author: String,
    pub active: bool,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub input_modalities: String,
    pub intelligence_index: Option<f64>,
    pub input_per_million_usd: String,
    pub output_per_million_usd: String,
    pub cache_read_per_million_usd: String,
    pub prompt_per_token: String,
    pub completion_per_token: String,
    pub input_cache_read_per_token: String,
}

fn export_price(price: Option<Price>) -> (String, String) {
    match price {
        None => (String::new(), String::new()),
        Some(Price::Variable) => ("variable".into(), "-1".into()),
        Some(Price::Usd(v)) => (format::plain(format::per_million(v)), v.to_string()),
    }
}

fn export_rows(catalogue: &Catalogue, filters: &Filters) -> Vec<ExportRow> {
    export_listings(catalogue, filters)
        .into_iter()
        .map(|e| {
            let m = &e.model;
            let (input_m, input_t) = export_price(m.pricing.base.prompt);
            let (output_m, output_t) = export_price(m.pricing.base.completion);
            let (cache_m, cache_t) = export_price(m.pricing.base.input_cache_read);
            ExportRow {
                id: m.id.clone(),
                base_id: e.group.clone(),
                variant: m.variant.label().to_string(),
                name: m.name.clone(),
                author: m.author.clone(),
                active: e.active,
                context_length: m.context_length,
                max_completion_tokens: m.max_completion_tokens,
                input_modalities: m.input_modalities.join(" "),
                intelligence_index: m.quality.intelligence,
                input_per_million_usd: input_m,
                output_per_million_usd: output_m,
                cache_read_per_million_usd: cache_m,
                prompt_per_token: input_t,
                completion_per_token: output_t,
                input_cache_read_per_token: cache_t,
            }
        })
        .collect()
}

fn parse_or_400(
    state: &AppState,
    query: Option<&str>,
) -> super::AppResult<(Filters, std::sync::Arc<Catalogue>)> {
    let catalogue = state.catalogue();
    let params = Params::parse(query);
    let (filters, errors) = Filters::parse(&params, &catalogue);
    if !errors.is_empty() {
        return Err(super::AppError::Invalid(errors));
    }
    Ok((filters, catalogue))
}

/// `GET /api/models.json`.
pub async fn export_json(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> super::AppResult<Response> {
    let (filters, catalogue) = parse_or_400(&state, query.as_deref())?;
    let rows = export_rows(&catalogue, &filters);
    let body = serde_json::json!({
        "as_of": catalogue.freshness.as_of().map(|t| t.to_rfc3339()),
        "source": super::about::catalogue_source(&catalogue),
        "count": rows.len(),
        "models": rows,
    });
    Ok(axum::Json(body).into_response())
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// `GET /api/models.csv`.
pub async fn export_csv(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> super::AppResult<Response> {
    let (filters, catalogue) = parse_or_400(&state, query.as_deref())?;
    let mut out = String::from(
        "id,base_id,variant,name,author,active,context_length,max_completion_tokens,input_modalities,\
         intelligence_index,input_per_million_usd,output_per_million_usd,cache_read_per_million_usd,\
         prompt_per_token,completion_per_token,input_cache_read_per_token\n",
    );
    for r in export_rows(&catalogue, &filters) {
        let fields = [
            r.id,
            r.base_id,
            r.variant,
            r.name,
            r.author,
            r.active.to_string(),
            r.context_length.map(|v| v.to_string()).unwrap_or_default(),
            r.max_completion_tokens
                .map(|v| v.to_string())
                .unwrap_or_default(),
            r.input_modalities,
            r.intelligence_index
                .map(|v| v.to_string())
                .unwrap_or_default(),
            r.input_per_million_usd,
            r.output_per_million_usd,
            r.cache_read_per_million_usd,
            r.prompt_per_token,
            r.completion_per_token,
            r.input_cache_read_per_token,
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"tokenfare-models.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}
