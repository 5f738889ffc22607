//! `/models`: the catalogue table with filters and sorting, and `/api/models.{json,csv}`,
//! which take the same filters. The handlers read a [`Filters`] query, let
//! [`crate::store::listing`] pick and sort the listings, and format them as rows or data.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::csv;
use super::error::{Suggestion, render_html};
use super::form::{self, FieldErrors};
use super::format;
use super::layout::Layout;
use super::params::{Params, encode};
use super::sort::SortHeader;
use crate::AppState;
use crate::model::{Model, Variant};
use crate::pricing::price::Price;
use crate::store::Catalogue;
use crate::store::listing::{
    self, FreeListings, Group, ListingFilter, SortKey, cheapest_input, export_listings,
};

/// Input modalities a reader can filter on.
pub const MODALITIES: &[&str] = &["image", "audio", "file", "video"];

/// A sortable column's header label.
fn sort_label(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Name => "Model",
        SortKey::Author => "Author",
        SortKey::Input => "Input $/M",
        SortKey::Output => "Output $/M",
        SortKey::Cache => "Cached input $/M",
        SortKey::Context => "Context",
        SortKey::MaxOutput => "Max output",
        SortKey::Intelligence => "Intelligence",
    }
}

/// The page's query: the catalogue filters and sort, read from the query string by the one
/// form layer, with the URL builder every link to `/models` uses.
#[derive(Clone, Debug, Default)]
pub struct Filters(pub ListingFilter);

impl std::ops::Deref for Filters {
    type Target = ListingFilter;
    fn deref(&self) -> &ListingFilter {
        &self.0
    }
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
            None | Some("all") => FreeListings::Include,
            Some("only") => FreeListings::Only,
            Some("hide") => FreeListings::Hide,
            Some(_) => {
                errors.add("free", "Free must be “only” or “hide”.");
                FreeListings::Include
            }
        };
        let sort = match params.get("sort") {
            None => SortKey::Name,
            Some(key) => SortKey::parse(key).unwrap_or_else(|| {
                errors.add("sort", "Unknown sort column.");
                SortKey::Name
            }),
        };
        let desc = match params.get("dir") {
            Some("desc") => true,
            Some("asc") => false,
            None => sort.descending_by_default(),
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
            Filters(ListingFilter {
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
            }),
            errors,
        )
    }

    /// The query string that reproduces these filters, with a different sort.
    pub fn query_with_sort(&self, sort: SortKey, desc: bool) -> String {
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", sort.key().to_string()));
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
        pairs.push(("free", self.free.key().to_string()));
        for (key, on) in [
            ("has_cache", self.has_cache),
            ("has_batch", self.has_batch),
            ("include_inactive", self.include_inactive),
        ] {
            pairs.push((key, if on { "1".into() } else { String::new() }));
        }
        pairs
    }

    /// The canonical URL of this view: only the fields the reader set, and the sort only
    /// when it is not the default.
    pub fn href(&self) -> String {
        let query = if self.is_default_sort() {
            encode(self.filter_pairs())
        } else {
            self.query_with_sort(self.sort, self.desc)
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
        match self.free {
            FreeListings::Only => parts.push("free".into()),
            FreeListings::Hide => parts.push("not free".into()),
            FreeListings::Include => {}
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
            .map(format::score)
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
    SortKey::ALL
        .into_iter()
        .map(|key| {
            SortHeader::new(
                sort_label(key),
                (f.sort == key).then_some(f.desc),
                key.descending_by_default(),
                key.is_numeric(),
                |desc| format!("/models?{}", f.query_with_sort(key, desc)),
            )
        })
        .collect()
}

/// `GET /models`.
pub async fn catalogue(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (filters, errors) = Filters::parse(&params, &catalogue);
    let groups = listing::select(&catalogue, &filters);
    let rows: Vec<Row> = groups.iter().map(row).collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let (suggestions, search_only_href) = if rows.is_empty() && !filters.q.is_empty() {
        let only_q = Filters(ListingFilter {
            q: filters.q.clone(),
            ..ListingFilter::default()
        });
        let search_only = (!listing::select(&catalogue, &only_q).is_empty()).then(|| only_q.href());
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
    let cheapest = cheapest_input(&groups);
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
        export_query: filters.query_with_sort(filters.sort, filters.desc),
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
        csv::push_row(&mut out, &fields);
    }
    Ok(csv::response(
        out,
        "tokenfare-models.csv",
        csv::Disposition::Inline,
    ))
}
