//! `/models/{*id}`: one model, everything we know about it, readable in ten seconds.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use super::calculator::CalculatorQuery;
use super::description::{self, Segment};
use super::error::{AppError, AppResult, Suggestion, render_html};
use super::format;
use super::layout::Layout;
use super::params::{Params, clip};
use super::provider_filters::FilterQuery;
use crate::AppState;
use crate::model::price::{Component, Price, PriceSet, Pricing, Unit};
use crate::model::{Model, QualityIndex, Variant};
use crate::pricing::difference::percent_difference;
use crate::pricing::providers::ProviderFilters;
use crate::pricing::similar;
use crate::store::Catalogue;
use crate::store::catalogue::Entry;

/// Well-known models the "how it compares" line measures against, in order of preference.
/// Any that are missing from the catalogue are skipped.
pub const REFERENCE_MODELS: &[&str] = &[
    "anthropic/claude-opus-4.8",
    "openai/gpt-5.4",
    "google/gemini-3.5-flash",
    "deepseek/deepseek-v4-flash",
];

/// How many reference models the comparison line names at most.
const MAX_REFERENCES: usize = 3;

/// Authors' own public API price lists. Authors we know no page for get no link.
pub const AUTHOR_PRICING: &[(&str, &str, &str)] = &[
    (
        "anthropic",
        "Anthropic",
        "https://www.anthropic.com/pricing#api",
    ),
    ("openai", "OpenAI", "https://openai.com/api/pricing/"),
    (
        "google",
        "Google",
        "https://ai.google.dev/gemini-api/docs/pricing",
    ),
    ("mistralai", "Mistral AI", "https://mistral.ai/pricing"),
    (
        "deepseek",
        "DeepSeek",
        "https://api-docs.deepseek.com/quick_start/pricing",
    ),
    ("x-ai", "xAI", "https://docs.x.ai/docs/models"),
    (
        "qwen",
        "Alibaba Cloud (Qwen)",
        "https://www.alibabacloud.com/help/en/model-studio/model-pricing",
    ),
    ("cohere", "Cohere", "https://cohere.com/pricing"),
    (
        "amazon",
        "Amazon Bedrock",
        "https://aws.amazon.com/bedrock/pricing/",
    ),
    (
        "moonshotai",
        "Moonshot AI",
        "https://platform.moonshot.ai/docs/pricing/chat",
    ),
    ("z-ai", "Z.ai", "https://docs.z.ai/guides/overview/pricing"),
    (
        "minimax",
        "MiniMax",
        "https://platform.minimax.io/docs/guides/pricing-paygo",
    ),
];

/// The author's own price list, as (label, url), when we keep one.
pub fn author_pricing_page(author: &str) -> Option<(&'static str, &'static str)> {
    AUTHOR_PRICING
        .iter()
        .find(|(slug, _, _)| *slug == author)
        .map(|(_, label, url)| (*label, *url))
}

/// One price component as the page lists it.
pub struct PriceLine {
    pub key: String,
    pub label: String,
    /// "$3.00", "variable", "$0".
    pub amount: String,
    /// "per 1M tokens", "per request", ...
    pub unit: &'static str,
    /// OpenRouter's exact string, per token (or per request, image, search).
    pub exact: String,
    pub exact_unit: &'static str,
}

fn unit_of(key: &str) -> Option<Unit> {
    Component::from_key(key).map(Component::unit)
}

fn label_of(key: &str) -> String {
    Component::from_key(key).map_or_else(|| key.replace('_', " "), |c| c.label().to_string())
}

fn price_line(key: &str, price: Price) -> PriceLine {
    let (amount, unit, exact_unit) = match unit_of(key) {
        Some(Unit::Token) => (
            format::token_price(Some(price)),
            "per 1M tokens",
            "per token",
        ),
        Some(Unit::Request) => (format::unit_price(Some(price)), "per request", ""),
        Some(Unit::Image) => (format::unit_price(Some(price)), "per image", ""),
        Some(Unit::Search) => (format::unit_price(Some(price)), "per search", ""),
        // A component OpenRouter added after we wrote this: shown as listed.
        None => (
            format::unit_price(Some(price)),
            "per unit, as listed",
            "as listed",
        ),
    };
    PriceLine {
        key: key.to_string(),
        label: label_of(key),
        amount,
        unit,
        exact: price.to_string(),
        exact_unit,
    }
}

/// Every listed component of a price set, in display order.
pub fn price_lines(set: &PriceSet) -> Vec<PriceLine> {
    set.entries()
        .into_iter()
        .map(|(key, price)| price_line(&key, price))
        .collect()
}

/// One cell of the tier table: the price per million and its exact per-token string.
pub struct TierCell {
    pub amount: String,
    pub exact: String,
}

pub struct TierRow {
    pub label: String,
    pub cells: Vec<TierCell>,
}

/// Long-context tiers: the base row, then one row per tier.
pub struct TierTable {
    pub columns: Vec<String>,
    pub rows: Vec<TierRow>,
    /// Components a tier leaves unchanged, named for the note under the table.
    pub unchanged: Vec<String>,
}

fn tier_cell(price: Option<Price>) -> TierCell {
    TierCell {
        amount: format::token_price(price),
        exact: price.map(|p| p.to_string()).unwrap_or_default(),
    }
}

/// The tier table, or `None` when the model has no long-context tier.
pub fn tier_table(pricing: &Pricing) -> Option<TierTable> {
    let tiers = pricing.tiers();
    if tiers.is_empty() {
        return None;
    }
    // Columns: input and output always, then every per-token component a tier changes.
    let mut keys: Vec<&str> = Vec::new();
    for component in Component::ALL {
        let changed = tiers
            .iter()
            .any(|(_, set)| set.price(component) != pricing.base.price(component));
        let always = matches!(component, Component::Prompt | Component::Completion);
        if component.unit() == Unit::Token && (changed || always) {
            keys.push(component.key());
        }
    }
    let unchanged: Vec<String> = pricing
        .base
        .entries()
        .into_iter()
        .filter(|(key, _)| !keys.contains(&key.as_str()))
        .map(|(key, _)| label_of(&key).to_lowercase())
        .collect();
    let mut rows = vec![TierRow {
        label: format!(
            "Prompt under {} tokens",
            format::count(tiers.first().map(|(min, _)| *min).unwrap_or_default())
        ),
        cells: keys
            .iter()
            .map(|k| tier_cell(pricing.base.get(k)))
            .collect(),
    }];
    for (i, (min, set)) in tiers.iter().enumerate() {
        let label = match tiers.get(i + 1) {
            Some((next, _)) if next > min => format!(
                "Prompt of {} to {} tokens",
                format::count(*min),
                format::count(next - 1)
            ),
            _ => format!("Prompt of {} tokens or more", format::count(*min)),
        };
        rows.push(TierRow {
            label,
            cells: keys.iter().map(|k| tier_cell(set.get(k))).collect(),
        });
    }
    Some(TierTable {
        columns: keys.iter().map(|k| label_of(k)).collect(),
        rows,
        unchanged,
    })
}

/// An override with conditions other than prompt size (such as a time window): shown, not applied.
pub struct ConditionalPrice {
    pub conditions: Vec<(String, String)>,
    pub min_prompt_tokens: Option<String>,
    pub prices: Vec<PriceLine>,
}

fn conditional_prices(pricing: &Pricing) -> Vec<ConditionalPrice> {
    pricing
        .overrides
        .iter()
        .filter(|o| !o.other_conditions.is_empty())
        .map(|o| ConditionalPrice {
            conditions: o
                .other_conditions
                .iter()
                .map(|(k, v)| {
                    // Values are kept as JSON text; a plain string reads better unquoted.
                    let value = serde_json::from_str::<String>(v).unwrap_or_else(|_| v.clone());
                    (k.clone(), value)
                })
                .collect(),
            min_prompt_tokens: o.min_prompt_tokens.map(format::count),
            prices: price_lines(&o.prices),
        })
        .collect()
}

/// Another listing of the same model, with its prices.
pub struct VariantLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub input: String,
    pub output: String,
    pub cache: String,
    /// The change against the base listing, e.g. "−50%", or "" for the base itself.
    pub versus_base: String,
    pub current: bool,
    pub active: bool,
}

/// `(variant − base) / base` in percent, rounded to one decimal; `None` when either is
/// not a plain positive price.
pub fn change_percent(variant: Option<Price>, base: Option<Price>) -> Option<Decimal> {
    let variant = variant?.usd()?;
    let base = base?.usd()?;
    if base <= Decimal::ZERO {
        return None;
    }
    percent_difference(variant, base).map(|change| format::round(change, 1))
}

fn signed_percent(value: Decimal) -> String {
    format::signed_percent(value)
}

/// "−50%" when input and output change alike, "−50% in / −40% out" otherwise.
fn versus(variant: &Model, base: &Model) -> String {
    let (v, b) = (&variant.pricing.base, &base.pricing.base);
    match (
        change_percent(v.prompt, b.prompt),
        change_percent(v.completion, b.completion),
    ) {
        (Some(i), Some(o)) if i == o => signed_percent(i),
        (Some(i), Some(o)) => format!("{} in / {} out", signed_percent(i), signed_percent(o)),
        (Some(i), None) => format!("{} in", signed_percent(i)),
        (None, Some(o)) => format!("{} out", signed_percent(o)),
        (None, None) => String::new(),
    }
}

/// The batch listing's saving against on-demand prices ("50% less"), and what that means
/// for work that can wait, when both are known.
pub fn batch_saving(batch: &Model, base: &Model) -> Option<(String, &'static str)> {
    let (v, b) = (&batch.pricing.base, &base.pricing.base);
    let input = change_percent(v.prompt, b.prompt)?;
    let output = change_percent(v.completion, b.completion).unwrap_or(input);
    // A batch listing is usually cheaper, but not always (some cost more than on demand).
    let verdict = if input <= Decimal::ZERO && output <= Decimal::ZERO {
        if input.is_zero() && output.is_zero() {
            ", so batching saves nothing"
        } else {
            ", for work that can wait"
        }
    } else if input >= Decimal::ZERO && output >= Decimal::ZERO {
        " than on demand, so batching does not save; the calculator prices batch shares on demand"
    } else {
        ": whether batching saves depends on your mix of input and output, and the calculator \
         uses it only where it is cheaper"
    };
    let phrase = |c: Decimal| {
        if c.is_sign_negative() {
            format!("{}% less", -c)
        } else if c.is_zero() {
            "the same".to_string()
        } else {
            format!("{c}% more")
        }
    };
    let text = if input == output {
        phrase(input)
    } else {
        format!(
            "{} on input and {} on output",
            phrase(input),
            phrase(output)
        )
    };
    Some((text, verdict))
}

/// One Artificial Analysis index with where it stands among the catalogue's models.
pub struct QualityLine {
    pub label: &'static str,
    pub value: String,
    pub rank: String,
}

fn quality_lines(model: &Model, catalogue: &Catalogue) -> Vec<QualityLine> {
    [
        QualityIndex::Intelligence,
        QualityIndex::Coding,
        QualityIndex::Agentic,
    ]
    .into_iter()
    .filter_map(|index| {
        let value = model.quality.get(index)?;
        // Rank among distinct active models; variants repeat their base's score.
        let scores: Vec<f64> = catalogue
            .active()
            .filter(|e| e.model.variant == Variant::Base)
            .filter_map(|e| e.model.quality.get(index))
            .collect();
        let above = scores.iter().filter(|s| **s > value).count();
        let rank = if scores.is_empty() {
            String::new()
        } else {
            format!(
                "#{} of {} scored models",
                above + 1,
                scores.len().max(above + 1)
            )
        };
        Some(QualityLine {
            label: index.label(),
            value: format::score(value),
            rank,
        })
    })
    .collect()
}

/// The model's input price as a multiple of a reference model's.
pub struct Comparison {
    pub id: String,
    pub name: String,
    pub multiple: String,
    pub reference_price: String,
}

fn comparisons(model: &Model, catalogue: &Catalogue) -> Vec<Comparison> {
    let Some(own) = model
        .pricing
        .base
        .prompt
        .and_then(Price::usd)
        .filter(|p| *p > Decimal::ZERO)
    else {
        return Vec::new();
    };
    REFERENCE_MODELS
        .iter()
        .filter(|id| **id != model.id)
        .filter_map(|id| catalogue.get(id).filter(|e| e.active))
        .filter_map(|e| {
            let reference = e
                .model
                .pricing
                .base
                .prompt
                .and_then(Price::usd)
                .filter(|p| *p > Decimal::ZERO)?;
            Some(Comparison {
                id: e.model.id.clone(),
                name: e.model.short_name().to_string(),
                multiple: format::multiple(own.checked_div(reference)?),
                reference_price: format::token_price(e.model.pricing.base.prompt),
            })
        })
        .take(MAX_REFERENCES)
        .collect()
}

/// `/compare` with this model and the two closest to it (same author and price band
/// first), so the link never lands on "Pick at least 2 different models".
fn compare_href(model: &Model, catalogue: &Catalogue) -> String {
    let others = similar::comparable(model, catalogue.active().map(|e| &e.model), 2);
    let mut ids = vec![model.id.as_str()];
    ids.extend(others.iter().map(|m| m.id.as_str()));
    super::compare::href(&ids)
}

/// A date OpenRouter says the model goes away.
pub struct Expiry {
    pub date: String,
    pub past: bool,
    /// "in 12 days", "today", "3 days ago"; empty when the date is unreadable.
    pub relative: String,
}

fn expiry(model: &Model) -> Option<Expiry> {
    let text = model.expiration_date.as_deref()?.trim();
    if text.is_empty() {
        return None;
    }
    let today = Utc::now().date_naive();
    let date = NaiveDate::parse_from_str(text.get(..10).unwrap_or(text), "%Y-%m-%d").ok();
    let days = date.map(|d| (d - today).num_days());
    Some(Expiry {
        date: clip(text),
        past: days.is_some_and(|d| d < 0),
        relative: match days {
            None => String::new(),
            Some(0) => "today".into(),
            Some(1) => "tomorrow".into(),
            Some(-1) => "yesterday".into(),
            Some(d) if d > 0 => format!("in {} days", format::count(d.unsigned_abs())),
            Some(d) => format!("{} days ago", format::count(d.unsigned_abs())),
        },
    })
}

/// Where an alias points.
pub struct AliasTarget {
    pub id: String,
    pub name: String,
    pub listed: bool,
}

#[derive(Template)]
#[template(path = "model.html")]
pub struct ModelPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    pub full_name: String,
    pub author: String,
    pub active: bool,
    pub variant: Variant,
    pub free: bool,
    /// Zero token prices on a model billed per item it makes: never called free.
    pub not_per_token: bool,
    pub not_per_token_reason: &'static str,
    pub variable: bool,
    pub headline_input: String,
    pub headline_output: String,
    pub prices: Vec<PriceLine>,
    pub tiers: Option<TierTable>,
    pub conditional: Vec<ConditionalPrice>,
    pub variants: Vec<VariantLine>,
    /// The batch listing's id, its saving ("50% less") and what that means.
    pub batch: Option<(String, String, &'static str)>,
    pub alias: Option<AliasTarget>,
    pub last_seen: String,
    pub facts: Vec<(&'static str, String)>,
    pub parameters: Vec<String>,
    pub expiry: Option<Expiry>,
    pub quality: Vec<QualityLine>,
    pub description: Vec<Vec<Segment>>,
    pub comparisons: Vec<Comparison>,
    pub openrouter_url: String,
    pub author_pricing: Option<(&'static str, &'static str)>,
    pub compare_href: String,
    /// The calculator for this listing; `None` when it is delisted (the calculator prices
    /// current listings only).
    pub calculator_href: Option<String>,
    /// Whether `/models?author=` lists this author: some of their listings are current.
    pub author_listed: bool,
    pub providers: super::providers::ProvidersSection,
    pub history: super::history::HistorySection,
    pub price_tags: super::price_tags::PriceTagsSection,
}

impl ModelPage {
    pub fn build(entry: &Entry, catalogue: &Catalogue) -> ModelPage {
        let model = &entry.model;
        let base = &model.pricing.base;
        let group = catalogue.group_of(&model.id);
        let lead = group
            .first()
            .filter(|e| e.model.variant == Variant::Base && e.model.id != model.id)
            .map(|e| &e.model);
        let batch = if model.variant == Variant::Batch {
            lead.and_then(|base| {
                let (saving, verdict) = batch_saving(model, base)?;
                Some((model.id.clone(), saving, verdict))
            })
        } else if model.variant == Variant::Base {
            group
                .iter()
                .find(|e| e.active && e.model.variant == Variant::Batch)
                .and_then(|b| {
                    let (saving, verdict) = batch_saving(&b.model, model)?;
                    Some((b.model.id.clone(), saving, verdict))
                })
        } else {
            None
        };
        let group_base = group
            .first()
            .filter(|e| e.model.variant == Variant::Base)
            .map(|e| &e.model);
        let variants: Vec<VariantLine> = if group.len() > 1 {
            group
                .iter()
                .map(|e| VariantLine {
                    id: e.model.id.clone(),
                    name: e.model.short_name().to_string(),
                    kind: e.model.variant.label().to_string(),
                    input: format::token_price(e.model.pricing.base.prompt),
                    output: format::token_price(e.model.pricing.base.completion),
                    cache: format::token_price(e.model.pricing.base.input_cache_read),
                    versus_base: match group_base {
                        Some(b) if b.id != e.model.id => versus(&e.model, b),
                        _ => String::new(),
                    },
                    current: e.model.id == model.id,
                    active: e.active,
                })
                .collect()
        } else {
            Vec::new()
        };
        let alias = model
            .alias_target
            .as_ref()
            .filter(|_| model.variant == Variant::Alias)
            .map(|target| match catalogue.get(target) {
                Some(t) => AliasTarget {
                    id: t.model.id.clone(),
                    name: t.model.short_name().to_string(),
                    listed: true,
                },
                None => AliasTarget {
                    id: target.clone(),
                    name: target.clone(),
                    listed: false,
                },
            });
        // The last day it was listed: the day before the change log saw it go (the last
        // price change is usually much older), else the last day it was priced.
        let last_seen = catalogue
            .changes()
            .changes_of(&model.id)
            .filter(|(_, c)| c.kind == crate::store::changes::ChangeKind::Removed)
            .last()
            .and_then(|(day, _)| day.previous)
            .map(format::day)
            .or_else(|| {
                catalogue
                    .history(&model.id)
                    .last()
                    .map(|p| format::day(p.as_of))
            })
            .unwrap_or_default();
        let dash = || "—".to_string();
        let modalities = |list: &[String]| {
            if list.is_empty() {
                dash()
            } else {
                list.join(", ")
            }
        };
        let facts = vec![
            (
                "Context window",
                model
                    .context_length
                    .map(|v| format!("{} tokens", format::count(v)))
                    .unwrap_or_else(dash),
            ),
            (
                "Max output",
                model
                    .max_completion_tokens
                    .map(|v| format!("{} tokens", format::count(v)))
                    .unwrap_or_else(dash),
            ),
            ("Input", modalities(&model.input_modalities)),
            ("Output", modalities(&model.output_modalities)),
            ("Tokenizer", model.tokenizer.clone().unwrap_or_else(dash)),
            (
                "Moderated",
                match model.is_moderated {
                    Some(true) => "yes: the provider filters requests and responses".into(),
                    Some(false) => "no".into(),
                    None => dash(),
                },
            ),
            (
                "Knowledge cutoff",
                model.knowledge_cutoff.clone().unwrap_or_else(dash),
            ),
            (
                "Released on OpenRouter",
                model
                    .created
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map(format::day)
                    .unwrap_or_else(dash),
            ),
            ("First seen by us", format::day(entry.first_seen)),
        ];
        let description =
            description::paragraphs(&model.description, &|id| catalogue.get(id).is_some());
        let headline_input = format::token_price(base.prompt);
        let headline_output = format::token_price(base.completion);
        let title = if model.is_variable() {
            format!("{}: variable price ({})", model.short_name(), model.id)
        } else {
            format!(
                "{}: {} in / {} out per M",
                model.short_name(),
                headline_input,
                headline_output
            )
        };
        let layout = Layout::new(catalogue, title, "/models")
            .describe(format!(
                "{} ({}): {} per million input tokens and {} per million output tokens on \
                 OpenRouter{}, with every price component, long-context tiers, variants and \
                 price history.",
                model.short_name(),
                model.id,
                headline_input,
                headline_output,
                if entry.active {
                    ""
                } else {
                    " when last listed"
                },
            ))
            .canonical(format!("/models/{}", model.id));
        ModelPage {
            layout,
            id: model.id.clone(),
            name: model.short_name().to_string(),
            full_name: model.name.clone(),
            author: model.author.clone(),
            active: entry.active,
            variant: model.variant.clone(),
            free: model.is_free(),
            not_per_token: model.is_not_priced_per_token(),
            not_per_token_reason: crate::model::Charging::NOT_PER_TOKEN_REASON,
            variable: model.is_variable(),
            headline_input,
            headline_output,
            prices: price_lines(base),
            tiers: tier_table(&model.pricing),
            conditional: conditional_prices(&model.pricing),
            variants,
            batch,
            alias,
            last_seen,
            facts,
            parameters: model.supported_parameters.clone(),
            expiry: expiry(model),
            quality: quality_lines(model, catalogue),
            description,
            comparisons: comparisons(model, catalogue),
            openrouter_url: format!("https://openrouter.ai/{}", model.id),
            author_pricing: author_pricing_page(&model.author),
            compare_href: compare_href(model, catalogue),
            calculator_href: entry
                .active
                .then(|| CalculatorQuery::for_models([model.id.clone()]).href()),
            author_listed: catalogue.has_current_author(&model.author),
            providers: super::providers::providers_section(catalogue, &model.id),
            history: super::history::history_section(catalogue, &model.id),
            price_tags: super::price_tags::PriceTagsSection::build(catalogue, &model.id),
        }
    }

    pub fn is_alias(&self) -> bool {
        self.variant == Variant::Alias
    }

    pub fn is_batch(&self) -> bool {
        self.variant == Variant::Batch
    }
}

/// The 404 for an id no model has, with the closest ids.
pub fn unknown_model(catalogue: &Catalogue, id: &str) -> AppError {
    AppError::NotFound {
        message: format!("No model has the id “{}”.", clip(id)),
        suggestions: catalogue
            .suggest(id, 5)
            .into_iter()
            .map(|e| Suggestion {
                id: e.model.id.clone(),
                name: e.model.name.clone(),
            })
            .collect(),
    }
}

/// `GET /models/{*id}`. Axum has already percent-decoded the id, so
/// `/models/anthropic%2Fclaude-opus-4.8%3Abatch` finds the same model.
pub async fn model_page(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let Ok(Path(id)) = id else {
        return Err(AppError::invalid(
            "id",
            "That model address could not be read.",
        ));
    };
    let catalogue = state.catalogue();
    let id = id.trim().trim_end_matches('/');
    if catalogue.get(id).is_none()
        && let Some(model_id) = super::changes::strip_feed_suffix(id)
    {
        return Ok(
            super::changes::model_feed(State(state.clone()), Path(model_id.to_string())).await,
        );
    }
    if let Some(entry) = catalogue.get(id) {
        // The "where to buy" filters; a bad one re-renders the page with its message by
        // the field and a 400.
        let filters = FilterQuery::from_params(&Params::parse(query.as_deref()));
        let (parsed, errors) = match filters.parse() {
            Ok(parsed) => (parsed, Default::default()),
            Err(errors) => (ProviderFilters::default(), errors),
        };
        let status = errors.status();
        let mut page = ModelPage::build(entry, &catalogue);
        page.providers =
            super::providers::where_to_buy(&catalogue, &entry.model.id, filters, &parsed, errors);
        return Ok(render_html(&page, status));
    }
    // OpenRouter ids are lower case; a hand-typed capital should still land.
    let lower = id.to_lowercase();
    if lower != id && catalogue.get(&lower).is_some() {
        return Ok(Redirect::permanent(&format!("/models/{lower}")).into_response());
    }
    Err(unknown_model(&catalogue, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn change_is_a_signed_percentage_of_the_base() {
        let p = |s| Price::parse(s).ok();
        assert_eq!(
            change_percent(p("0.0000015"), p("0.000003")),
            Some(d("-50"))
        );
        assert_eq!(change_percent(p("0.000006"), p("0.000003")), Some(d("100")));
        assert_eq!(change_percent(p("-1"), p("0.000003")), None);
        assert_eq!(change_percent(p("0.000001"), p("0")), None);
        assert_eq!(signed_percent(d("-50")), "−50%");
        assert_eq!(signed_percent(d("12.5")), "+12.5%");
    }

    #[test]
    fn unknown_authors_get_no_pricing_link() {
        assert!(author_pricing_page("anthropic").is_some());
        assert!(author_pricing_page("meta-llama").is_none());
        assert!(author_pricing_page("acme").is_none());
    }
}
