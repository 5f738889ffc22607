//! `/models/{*id}`: one model, everything we know about it, readable in ten seconds. Its
//! prices are worded by [`prices`], its description by [`description`]; the where-to-buy,
//! price-tag and history sections are shared ([`super::sections`]).

pub mod description;
pub mod prices;

use askama::Template;
use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;

use super::sections::history::{self, HistorySection};
use super::sections::price_tags::PriceTagsSection;
use super::sections::where_to_buy;
use super::{Page, impl_page};
use crate::model::price::Price;
use crate::model::{Model, QualityIndex, Variant};
use crate::pricing::market::Market;
use crate::pricing::similar;
use crate::store::Catalogue;
use crate::store::catalogue::Entry;
use crate::web::extractors::calculator::CalculatorQuery;
use crate::web::extractors::compare;
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::params::clip;
use crate::web::extractors::where_to_buy::WhereToBuyQuery;
use crate::web::format;
use crate::web::layout::Layout;
use description::Segment;
use prices::{
    ConditionalPrice, PriceLine, TierTable, VariantLine, batch_saving, conditional_prices,
    price_lines, tier_table, versus,
};

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
    compare::href(&ids)
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
    pub history: HistorySection,
    pub price_tags: PriceTagsSection,
}

impl ModelPage {
    /// The page of the listing `entry`, its where-to-buy section under the reader's filters
    /// (or, when `errors` has their problems, unfiltered, with each problem by its field).
    pub fn build(
        entry: &Entry,
        market: &Market,
        filters: WhereToBuyQuery,
        errors: FieldErrors,
    ) -> ModelPage {
        let catalogue: &Catalogue = market;
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
            // The reader's workload, when the address carries one.
            calculator_href: entry.active.then(|| {
                CalculatorQuery {
                    ids: vec![model.id.clone()],
                    ..filters
                        .workload
                        .as_ref()
                        .filter(|_| errors.is_empty())
                        .map(|(_, q)| q.clone())
                        .unwrap_or_default()
                }
                .href()
            }),
            author_listed: catalogue.has_current_author(&model.author),
            price_tags: PriceTagsSection::build(
                market,
                &model.id,
                &filters,
                errors.is_empty(),
                where_to_buy::with_form(catalogue, &model.id, filters.clone(), errors),
            ),
            history: history::history_section(catalogue, &model.id),
        }
    }

    pub fn is_alias(&self) -> bool {
        self.variant == Variant::Alias
    }

    pub fn is_batch(&self) -> bool {
        self.variant == Variant::Batch
    }
}

impl Page for ModelPage {
    /// 400 when a where-to-buy filter does not read (its message is by the field).
    fn status(&self) -> StatusCode {
        self.price_tags.providers.form.errors.status()
    }
}
impl_page!(ModelPage);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_authors_get_no_pricing_link() {
        assert!(author_pricing_page("anthropic").is_some());
        assert!(author_pricing_page("meta-llama").is_none());
        assert!(author_pricing_page("acme").is_none());
    }
}
