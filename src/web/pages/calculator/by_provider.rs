//! `/calculator?<workload>&ids=ID&by_provider=1`: one model's monthly bill at each of its
//! OpenRouter providers, each at its own input, output and cache prices, beside the routed
//! price, under the same "where to buy" filters as the model page; the cheapest provider
//! that meets them is marked. The page; its CSV and JSON are
//! [`crate::web::exports::by_provider`].
//!
//! Kept apart from the all-models calculator: it reads the same form (workload, `ids`,
//! `format`) and adds the filters; the pricing is `pricing::providers::price_by_provider`.

use askama::Template;
use rust_decimal::Decimal;

use super::{FieldView, field_views};
use crate::pricing::calculator::{LineUnit, MonthlyBill};
use crate::pricing::difference::percent_difference;
use crate::pricing::providers::{ByProvider, ProviderFilters, ProviderListing, price_by_provider};
use crate::store::Catalogue;
use crate::store::catalogue::Entry;
use crate::store::providers::ProviderInfo;
use crate::web::error::{AppError, AppResult};
use crate::web::extractors::calculator::{CalcRequest, FormValues, SHARE_FIELDS, WORKLOAD_FIELDS};
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::params::{clip, encode};
use crate::web::extractors::where_to_buy::FilterQuery;
use crate::web::format;
use crate::web::layout::Layout;
use crate::web::pages::sections::where_to_buy::{
    left_out_summary, offer, places_text, shortfalls_text,
};
use crate::web::pages::sections::where_to_buy_form::FilterForm;
use crate::web::pages::{Page, impl_page};

/// One bill line, formatted.
pub struct LineView {
    pub label: &'static str,
    pub quantity: String,
    pub unit_price: String,
    pub amount: String,
}

/// One row of the page: the routed price or one provider.
pub struct ProviderBillView {
    pub provider: String,
    pub tag: String,
    pub slug: Option<String>,
    pub places: String,
    pub input: String,
    pub output: String,
    pub cache_read: String,
    /// "—" when this provider could not be priced (`unpriced` says why).
    pub monthly: String,
    pub per_request: String,
    pub effective_input: String,
    /// Against the routed bill: "+12.5%", "−20%", "same".
    pub vs_routed: String,
    pub vs_class: &'static str,
    pub cheapest: bool,
    pub left_out: Option<String>,
    pub unpriced: Option<String>,
    pub lines: Vec<LineView>,
    pub notes: Vec<String>,
}

#[derive(Template)]
#[template(path = "calculator_by_provider.html")]
pub struct ByProviderPage {
    pub layout: Layout,
    pub model_id: String,
    pub model_name: String,
    /// The calculator's own workload and share fields, as typed.
    pub workload_fields: Vec<FieldView>,
    pub share_fields: Vec<FieldView>,
    pub form: FilterForm,
    pub filtered: bool,
    pub workload_text: String,
    pub routed: ProviderBillView,
    pub rows: Vec<ProviderBillView>,
    pub kept: usize,
    pub left_out_summary: Option<String>,
    pub cheapest: Option<String>,
    pub model_href: String,
    pub all_models_href: String,
    pub csv_href: String,
    pub json_href: String,
    pub fetched_at: Option<String>,
}

fn query_string(form: &FormValues, id: &str, filters: &FilterQuery, format: &str) -> String {
    let mut pairs: Vec<(&str, String)> =
        form.numbers.iter().map(|(k, v)| (*k, v.clone())).collect();
    pairs.push(("ids", id.to_string()));
    pairs.push(("by_provider", "1".into()));
    pairs.extend(filters.pairs());
    pairs.push(("format", format.to_string()));
    encode(pairs)
}

fn lines(bill: &MonthlyBill) -> Vec<LineView> {
    bill.lines
        .iter()
        .map(|line| LineView {
            label: line.label,
            quantity: match line.unit {
                LineUnit::Tokens => format!("{} tokens", format::quantity(line.quantity)),
                LineUnit::Requests => format!("{} requests", format::quantity(line.quantity)),
            },
            unit_price: match line.unit {
                LineUnit::Tokens => format!("{} / M", format::usd(line.unit_price)),
                LineUnit::Requests => format!("{} / request", format::usd(line.unit_price)),
            },
            amount: format::usd(line.amount),
        })
        .collect()
}

fn versus(cost: Decimal, routed: Option<Decimal>) -> (String, &'static str) {
    match routed {
        Some(r) if r == cost => ("same".into(), ""),
        Some(r) if !r.is_zero() => {
            let pct = percent_difference(cost, r).map(|v| format::round(v, 1));
            match pct {
                Some(p) if p.is_sign_positive() => (format!("+{p}%"), "dearer"),
                Some(p) => (format!("−{}%", p.abs()), "cheaper"),
                None => ("—".into(), ""),
            }
        }
        _ => ("—".into(), ""),
    }
}

#[allow(clippy::too_many_arguments)]
fn bill_view(
    provider: &str,
    tag: &str,
    info: Option<&ProviderInfo>,
    pricing: &crate::model::price::Pricing,
    bill: Option<&MonthlyBill>,
    unpriced: Option<&str>,
    routed: Option<Decimal>,
    cheapest: bool,
    left_out: Option<String>,
) -> ProviderBillView {
    let (vs_routed, vs_class) = match bill {
        Some(b) => versus(b.monthly_cost, routed),
        None => ("—".into(), ""),
    };
    let dash = || "—".to_string();
    ProviderBillView {
        provider: provider.to_string(),
        tag: tag.to_string(),
        slug: info.map(|p| p.slug.clone()),
        places: if info.is_some() || !tag.is_empty() {
            places_text(info)
        } else {
            String::new()
        },
        input: format::token_price(pricing.base.prompt),
        output: format::token_price(pricing.base.completion),
        cache_read: format::token_price(pricing.base.input_cache_read),
        monthly: bill.map_or_else(dash, |b| format::usd(b.monthly_cost)),
        per_request: bill.map_or_else(dash, |b| format::usd(b.cost_per_request)),
        effective_input: bill.map_or_else(dash, |b| format::usd(b.effective_input_per_million)),
        vs_routed,
        vs_class,
        cheapest,
        left_out,
        unpriced: unpriced.map(str::to_string),
        lines: bill.map(lines).unwrap_or_default(),
        notes: bill.map(|b| b.notes.clone()).unwrap_or_default(),
    }
}

/// The model priced, its providers' bills, and how each one's provider is known.
pub struct Priced<'a> {
    pub entry: &'a Entry,
    pub result: ByProvider,
    infos: Vec<(
        String,
        Option<&'a ProviderInfo>,
        &'a crate::model::price::Pricing,
    )>,
}

/// The one model in `request.ids` priced at each of its providers under `filters`; a 400
/// unless `ids` names exactly one model.
pub fn price<'a>(
    catalogue: &'a Catalogue,
    request: &CalcRequest,
    filters: &ProviderFilters,
) -> AppResult<Priced<'a>> {
    let ids = request.ids.as_deref().unwrap_or_default();
    let [id] = ids else {
        return Err(AppError::invalid(
            "ids",
            "The per-provider calculator prices one model at each of its providers: name \
             exactly one model in “ids”, for example ids=openai/gpt-4o.",
        ));
    };
    let Some(entry) = catalogue.get(id) else {
        return Err(AppError::invalid(
            "ids",
            format!("No model has the id “{}”.", clip(id)),
        ));
    };
    let endpoints = catalogue
        .endpoints(id)
        .map(|e| e.endpoints.as_slice())
        .unwrap_or_default();
    let infos: Vec<(String, Option<&ProviderInfo>, &crate::model::price::Pricing)> = endpoints
        .iter()
        .map(|e| {
            (
                e.tag.clone(),
                catalogue.provider_of(e).map(|p| &p.info),
                &e.pricing,
            )
        })
        .collect();
    let listings: Vec<ProviderListing> = endpoints
        .iter()
        .zip(&infos)
        .map(|(e, (_, info, _))| ProviderListing {
            tag: &e.tag,
            provider: &e.provider_name,
            pricing: &e.pricing,
            context_length: e.context_length,
            offer: offer(e, *info),
        })
        .collect();
    let result = price_by_provider(
        &request.workload,
        &entry.model,
        catalogue.batch_listing(id),
        &listings,
        filters,
    )
    .map_err(|e| AppError::invalid("form", e.to_string()))?;
    Ok(Priced {
        entry,
        result,
        infos,
    })
}

/// The provider list's entry for the endpoint `tag`, when the list knows its provider.
pub fn info_of<'a>(priced: &Priced<'a>, tag: &str) -> Option<&'a ProviderInfo> {
    priced
        .infos
        .iter()
        .find(|(t, _, _)| t == tag)
        .and_then(|(_, info, _)| *info)
}

/// The endpoint `tag`'s prices (the routed prices when no endpoint has that tag).
pub fn pricing_of<'a>(priced: &Priced<'a>, tag: &str) -> &'a crate::model::price::Pricing {
    priced
        .infos
        .iter()
        .find(|(t, _, _)| t == tag)
        .map_or(&priced.entry.model.pricing, |(_, _, p)| *p)
}

impl Page for ByProviderPage {}
impl_page!(ByProviderPage);

impl ByProviderPage {
    /// The page for `priced`: the form as typed, the filters as typed (`query`) and as read.
    pub fn build(
        catalogue: &Catalogue,
        priced: &Priced,
        form: &FormValues,
        request: &CalcRequest,
        query: &FilterQuery,
        filters: &ProviderFilters,
    ) -> ByProviderPage {
        let model = &priced.entry.model;
        let routed_cost = priced.result.routed.as_ref().ok().map(|b| b.monthly_cost);
        let routed = bill_view(
            "Routed price",
            "",
            None,
            &model.pricing,
            priced.result.routed.as_ref().ok(),
            priced.result.routed.as_ref().err().map(String::as_str),
            None,
            false,
            None,
        );
        let rows: Vec<ProviderBillView> = priced
            .result
            .providers
            .iter()
            .map(|p| {
                bill_view(
                    &p.provider,
                    &p.tag,
                    info_of(priced, &p.tag),
                    pricing_of(priced, &p.tag),
                    p.bill.as_ref(),
                    p.unpriced.as_deref(),
                    routed_cost,
                    p.cheapest,
                    shortfalls_text(&p.shortfalls, filters),
                )
            })
            .collect();
        let left_out = priced.result.left_out();
        let canonical = FilterQuery::from_filters(filters);
        let cheapest = priced
            .result
            .providers
            .iter()
            .find(|p| p.cheapest)
            .and_then(|p| {
                Some(format!(
                    "{} at {} a month",
                    p.provider,
                    format::usd(p.bill.as_ref()?.monthly_cost)
                ))
            });
        let model_query = encode(canonical.pairs());
        let w = &request.workload;
        let workload_text = format!(
            "{} requests a month of {} input and {} output tokens each",
            format::quantity(w.requests),
            format::quantity(w.input_tokens),
            format::quantity(w.output_tokens),
        );
        ByProviderPage {
            layout: Layout::new(
                catalogue,
                format!("{} at each provider: workload cost", model.short_name()),
                "/calculator",
            ),
            model_id: model.id.clone(),
            model_name: model.short_name().to_string(),
            workload_fields: field_views(WORKLOAD_FIELDS, form, &FieldErrors::default(), "decimal"),
            share_fields: field_views(SHARE_FIELDS, form, &FieldErrors::default(), "decimal"),
            filtered: !filters.is_empty(),
            form: FilterForm::new(
                catalogue,
                "/calculator",
                "by-provider",
                query.clone(),
                FieldErrors::default(),
            ),
            workload_text,
            routed,
            kept: rows.len() - left_out,
            left_out_summary: left_out_summary(left_out, &priced.result.reasons, filters),
            cheapest,
            rows,
            model_href: if model_query.is_empty() {
                format!("/models/{}", model.id)
            } else {
                format!("/models/{}?{model_query}", model.id)
            },
            all_models_href: format!(
                "/calculator?{}",
                encode(form.numbers.iter().map(|(k, v)| (*k, v.clone())))
            ),
            csv_href: format!(
                "/calculator?{}",
                query_string(form, &model.id, &canonical, "csv")
            ),
            json_href: format!(
                "/calculator?{}",
                query_string(form, &model.id, &canonical, "json")
            ),
            fetched_at: catalogue
                .endpoints(&model.id)
                .and_then(|e| e.fetched_at)
                .map(format::utc_minute),
        }
    }
}
