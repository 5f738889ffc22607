//! `/providers` and `/providers/{slug}`: OpenRouter's upstream providers, who they are
//! (from OpenRouter's provider list), where they are based and run, and every model each
//! one serves at what price against the routed price and the cheapest alternative.

use std::collections::HashMap;

use askama::Template;
use rust_decimal::Decimal;

use super::sections::where_to_buy::{
    blend, places_text, policy_links, quantization_flag, quantization_label, uptime_text, versus,
};
use super::{Page, impl_page};
use crate::pricing::where_to_buy;
use crate::store::Catalogue;
use crate::store::endpoints::Endpoint;
use crate::store::providers::{ProviderInfo, StoredProvider};
use crate::web::format;
use crate::web::layout::Layout;

/// One provider in the index.
#[derive(Clone, Debug)]
pub struct IndexRow {
    pub slug: String,
    pub name: String,
    pub headquarters: String,
    pub datacenters: String,
    /// Active models it serves through OpenRouter.
    pub models: usize,
    /// Of those, how many it is the cheapest provider for (ties included).
    pub cheapest_for: usize,
    pub policies: Vec<(&'static str, String)>,
}

#[derive(Template)]
#[template(path = "providers.html")]
pub struct ProvidersIndexPage {
    pub layout: Layout,
    pub rows: Vec<IndexRow>,
    /// Providers OpenRouter no longer lists: kept, with what we knew of them.
    pub former: Vec<IndexRow>,
    pub with_headquarters: usize,
    pub with_datacenters: usize,
    pub with_privacy_policy: usize,
    pub fetched_at: Option<String>,
    /// The latest refresh failed after the last success.
    pub failure: Option<String>,
}

/// One model a provider serves.
#[derive(Clone, Debug)]
pub struct ServedModel {
    pub model_id: String,
    pub model_name: String,
    pub tag: String,
    pub input: String,
    pub output: String,
    pub blend: String,
    pub routed_blend: String,
    pub vs_routed: String,
    pub vs_class: &'static str,
    /// This provider has the lowest blend of the model's providers (ties included), and
    /// some provider charges more.
    pub cheapest: bool,
    /// The cheapest other provider of the model: (name, slug if listed, blend).
    pub alternative: Option<(String, Option<String>, String)>,
    pub quantization: String,
    pub low_precision: bool,
    pub uptime_1d: String,
    pub uptime_30m: String,
    pub uptime_5m: String,
    blend_value: Option<Decimal>,
}

#[derive(Template)]
#[template(path = "provider.html")]
pub struct ProviderPage {
    pub layout: Layout,
    pub slug: String,
    pub name: String,
    pub places: String,
    pub headquarters: String,
    pub datacenters: String,
    pub policies: Vec<(&'static str, String)>,
    pub listed: bool,
    pub models: Vec<ServedModel>,
    pub cheapest_count: usize,
    pub fetched_at: Option<String>,
}

fn stated(value: Option<&str>) -> String {
    value.unwrap_or("not stated").to_string()
}

fn countries(info: &ProviderInfo) -> String {
    if info.datacenters.is_empty() {
        "not stated".into()
    } else {
        info.datacenters.join(", ")
    }
}

/// An endpoint with the slug of its provider, when the provider list has it.
type SlugAndEndpoint<'a> = (Option<&'a str>, &'a Endpoint);

/// Every active model with fetched endpoints, by model id, each endpoint with its
/// provider's slug.
fn served(catalogue: &Catalogue) -> Vec<(&str, Vec<SlugAndEndpoint<'_>>)> {
    let mut out: Vec<(&str, Vec<SlugAndEndpoint<'_>>)> = catalogue
        .all_endpoints()
        .filter(|m| catalogue.is_current(&m.model_id))
        .map(|m| {
            let endpoints = m
                .endpoints
                .iter()
                .map(|e| (catalogue.provider_of(e).map(|p| p.info.slug.as_str()), e))
                .collect();
            (m.model_id.as_str(), endpoints)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

fn index_row(p: &StoredProvider, models: usize, cheapest_for: usize) -> IndexRow {
    IndexRow {
        slug: p.info.slug.clone(),
        name: p.info.name.clone(),
        headquarters: stated(p.info.headquarters.as_deref()),
        datacenters: countries(&p.info),
        models,
        cheapest_for,
        policies: policy_links(Some(&p.info)),
    }
}

impl ProvidersIndexPage {
    pub fn build(catalogue: &Catalogue) -> ProvidersIndexPage {
        let directory = catalogue.provider_directory();
        let mut models: HashMap<&str, usize> = HashMap::new();
        let mut cheapest: HashMap<&str, usize> = HashMap::new();
        for (_, endpoints) in served(catalogue) {
            let mut slugs: Vec<&str> = endpoints.iter().filter_map(|(s, _)| *s).collect();
            slugs.sort();
            slugs.dedup();
            for slug in slugs {
                *models.entry(slug).or_default() += 1;
            }
            let blends: Vec<Option<Decimal>> = endpoints
                .iter()
                .map(|(_, e)| blend(&e.pricing.base))
                .collect();
            let mut winners: Vec<&str> = where_to_buy::lowest_when_prices_differ(&blends)
                .into_iter()
                .filter_map(|i| endpoints[i].0)
                .collect();
            winners.dedup();
            for slug in winners {
                *cheapest.entry(slug).or_default() += 1;
            }
        }
        let row = |p: &StoredProvider| {
            let slug = p.info.slug.as_str();
            index_row(
                p,
                models.get(slug).copied().unwrap_or(0),
                cheapest.get(slug).copied().unwrap_or(0),
            )
        };
        let active: Vec<&StoredProvider> =
            directory.providers.iter().filter(|p| p.active).collect();
        let failure = directory.failing().map(|f| {
            format!(
                "The latest refresh of this list, at {}, failed; the list below is from the last one that worked.",
                format::utc_minute(f.finished_at)
            )
        });
        let mut layout = Layout::new(catalogue, "Providers", "/providers");
        layout.description = "Every upstream provider OpenRouter routes to: where each is based \
                              and runs, its policies, and what it serves at what price."
            .into();
        ProvidersIndexPage {
            layout,
            with_headquarters: active
                .iter()
                .filter(|p| p.info.headquarters.is_some())
                .count(),
            with_datacenters: active
                .iter()
                .filter(|p| !p.info.datacenters.is_empty())
                .count(),
            with_privacy_policy: active
                .iter()
                .filter(|p| p.info.privacy_policy_url.is_some())
                .count(),
            rows: active.iter().map(|p| row(p)).collect(),
            former: directory
                .providers
                .iter()
                .filter(|p| !p.active)
                .map(row)
                .collect(),
            fetched_at: directory
                .last_success
                .as_ref()
                .map(|r| format::utc_minute(r.finished_at)),
            failure,
        }
    }
}

fn uptime(value: Option<f64>) -> String {
    value.map_or_else(|| "not published".into(), uptime_text)
}

impl ProviderPage {
    pub fn build(catalogue: &Catalogue, provider: &StoredProvider) -> ProviderPage {
        let slug = provider.info.slug.as_str();
        let mut models: Vec<ServedModel> = Vec::new();
        for (model_id, endpoints) in served(catalogue) {
            let Some(entry) = catalogue.get(model_id) else {
                continue;
            };
            let head = &entry.model.pricing.base;
            let head_blend = blend(head);
            // Every endpoint of the model, and whether it is another provider's (another
            // endpoint of this one under a different tag is not an alternative).
            let offers: Vec<(&str, Option<Decimal>, bool)> = endpoints
                .iter()
                .map(|(s, e)| {
                    (
                        e.provider_name.as_str(),
                        blend(&e.pricing.base),
                        *s != Some(slug),
                    )
                })
                .collect();
            for (_, own) in endpoints.iter().filter(|(s, _)| *s == Some(slug)) {
                let own_blend = blend(&own.pricing.base);
                let placed = where_to_buy::against_others(own_blend, &offers);
                let (vs_routed, vs_class) = versus(&own.pricing.base, own_blend, head, head_blend);
                models.push(ServedModel {
                    model_id: model_id.to_string(),
                    model_name: entry.model.short_name().to_string(),
                    tag: own.tag.clone(),
                    input: format::token_price(own.pricing.base.prompt),
                    output: format::token_price(own.pricing.base.completion),
                    blend: own_blend.map_or_else(|| "—".into(), format::usd),
                    routed_blend: head_blend.map_or_else(|| "—".into(), format::usd),
                    vs_routed,
                    vs_class,
                    cheapest: placed.cheapest,
                    alternative: placed.alternative.map(|i| {
                        let (s, e) = endpoints[i];
                        (
                            e.provider_name.clone(),
                            s.map(str::to_string),
                            offers[i].1.map_or_else(|| "—".into(), format::usd),
                        )
                    }),
                    quantization: quantization_label(own.quantization.as_deref()),
                    low_precision: own
                        .quantization
                        .as_deref()
                        .and_then(quantization_flag)
                        .is_some(),
                    uptime_1d: uptime(own.uptime_last_1d),
                    uptime_30m: uptime(own.uptime_last_30m),
                    uptime_5m: uptime(own.uptime_last_5m),
                    blend_value: own_blend,
                });
            }
        }
        models.sort_by(|a, b| {
            a.model_name
                .to_lowercase()
                .cmp(&b.model_name.to_lowercase())
                .then_with(|| a.model_id.cmp(&b.model_id))
                .then_with(|| a.blend_value.cmp(&b.blend_value))
        });
        let info = &provider.info;
        let mut layout = Layout::new(
            catalogue,
            format!("{} on OpenRouter: models and prices", info.name),
            "/providers",
        );
        layout.description = format!(
            "{}: where it is based and runs, its policies, and the {} models it serves through \
             OpenRouter with each price against the routed price.",
            info.name,
            models.len()
        );
        ProviderPage {
            layout,
            slug: info.slug.clone(),
            name: info.name.clone(),
            places: places_text(Some(info)),
            headquarters: stated(info.headquarters.as_deref()),
            datacenters: countries(info),
            policies: policy_links(Some(info)),
            listed: provider.active,
            cheapest_count: models.iter().filter(|m| m.cheapest).count(),
            models,
            fetched_at: catalogue
                .provider_directory()
                .last_success
                .as_ref()
                .map(|r| format::utc_minute(r.finished_at)),
        }
    }

    /// "1 model" / "3 models".
    pub fn model_count(&self) -> String {
        match self.models.len() {
            1 => "1 model".into(),
            n => format!("{n} models"),
        }
    }
}

impl Page for ProvidersIndexPage {}
impl Page for ProviderPage {}
impl_page!(ProvidersIndexPage, ProviderPage);
