//! `/calculator?<workload>&ids=ID&by_provider=1`: one model's monthly bill at each of its
//! OpenRouter providers, each at its own input, output and cache prices, beside the routed
//! price, under the same "where to buy" filters as the model page; the cheapest provider
//! that meets them is marked. HTML, CSV and JSON.
//!
//! Kept apart from the all-models calculator: it reads the same form (workload, `ids`,
//! `format`) and adds the filters; the pricing is `pricing::providers::price_by_provider`.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde::Serialize;

use super::form::{CalcRequest, FormValues, Format, SHARE_FIELDS, WORKLOAD_FIELDS};
use super::view::{FieldView, field_views};
use crate::pricing::calculator::{LineUnit, MonthlyBill};
use crate::pricing::difference::percent_difference;
use crate::pricing::providers::{
    ByProvider, ProviderBill, ProviderFilters, ProviderListing, price_by_provider,
};
use crate::store::Catalogue;
use crate::store::catalogue::Entry;
use crate::store::providers::ProviderInfo;
use crate::web::error::{AppError, render_html};
use crate::web::form::FieldErrors;
use crate::web::format;
use crate::web::format::plain;
use crate::web::layout::Layout;
use crate::web::params::{Params, encode};
use crate::web::provider_filters::{FilterForm, FilterQuery};
use crate::web::providers::{left_out_summary, offer, places_text, shortfalls_text};

/// True when the request asks for the per-provider view.
pub fn wanted(params: &Params) -> bool {
    params.flag("by_provider")
}

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
struct Priced<'a> {
    entry: &'a Entry,
    result: ByProvider,
    infos: Vec<(
        String,
        Option<&'a ProviderInfo>,
        &'a crate::model::price::Pricing,
    )>,
}

fn price<'a>(
    catalogue: &'a Catalogue,
    request: &CalcRequest,
    filters: &ProviderFilters,
) -> Result<Priced<'a>, AppError> {
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
            format!("No model has the id “{}”.", crate::web::params::clip(id)),
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

/// Answers a per-provider request whose workload already parsed.
pub fn respond(
    catalogue: &Catalogue,
    params: &Params,
    form: &FormValues,
    request: &CalcRequest,
) -> Response {
    let query = FilterQuery::from_params(params);
    let filters = match query.parse() {
        Ok(filters) => filters,
        Err(errors) => return AppError::Invalid(errors).into_response(),
    };
    let priced = match price(catalogue, request, &filters) {
        Ok(priced) => priced,
        Err(err) => return err.into_response(),
    };
    match request.format {
        Format::Csv => csv(&priced, &filters),
        Format::Json => json(catalogue, &priced, request, &filters),
        Format::Html => html(catalogue, &priced, form, request, &query, &filters),
    }
}

fn info_of<'a>(priced: &Priced<'a>, tag: &str) -> Option<&'a ProviderInfo> {
    priced
        .infos
        .iter()
        .find(|(t, _, _)| t == tag)
        .and_then(|(_, info, _)| *info)
}

fn pricing_of<'a>(priced: &Priced<'a>, tag: &str) -> &'a crate::model::price::Pricing {
    priced
        .infos
        .iter()
        .find(|(t, _, _)| t == tag)
        .map_or(&priced.entry.model.pricing, |(_, _, p)| *p)
}

fn html(
    catalogue: &Catalogue,
    priced: &Priced,
    form: &FormValues,
    request: &CalcRequest,
    query: &FilterQuery,
    filters: &ProviderFilters,
) -> Response {
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
    let page = ByProviderPage {
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
    };
    render_html(&page, StatusCode::OK)
}

fn csv(priced: &Priced, filters: &ProviderFilters) -> Response {
    let header = [
        "provider",
        "tag",
        "slug",
        "meets_filters",
        "cheapest_that_qualifies",
        "left_out_because",
        "input_per_million_usd",
        "output_per_million_usd",
        "cache_read_per_million_usd",
        "monthly_cost_usd",
        "cost_per_request_usd",
        "effective_input_per_million_usd",
        "notes",
    ];
    let mut out = header.join(",");
    out.push('\n');
    let per_million = |p: Option<crate::model::price::Price>| {
        p.and_then(|p| p.usd())
            .map(|v| plain(format::per_million(v)))
            .unwrap_or_default()
    };
    let mut push = |fields: Vec<String>| crate::web::csv::push_row(&mut out, &fields);
    let row = |name: &str,
               tag: &str,
               slug: Option<&str>,
               pricing: &crate::model::price::Pricing,
               bill: Option<&MonthlyBill>,
               unpriced: Option<&str>,
               meets: &str,
               cheapest: bool,
               why: String| {
        let mut notes: Vec<String> = bill.map(|b| b.notes.clone()).unwrap_or_default();
        if let Some(reason) = unpriced {
            notes.push(format!("not priced: {reason}"));
        }
        vec![
            name.to_string(),
            tag.to_string(),
            slug.unwrap_or_default().to_string(),
            meets.to_string(),
            if cheapest { "yes" } else { "" }.to_string(),
            why,
            per_million(pricing.base.prompt),
            per_million(pricing.base.completion),
            per_million(pricing.base.input_cache_read),
            bill.map(|b| plain(b.monthly_cost)).unwrap_or_default(),
            bill.map(|b| plain(b.cost_per_request)).unwrap_or_default(),
            bill.map(|b| plain(b.effective_input_per_million))
                .unwrap_or_default(),
            notes.join("; "),
        ]
    };
    push(row(
        "Routed price",
        "routed",
        None,
        &priced.entry.model.pricing,
        priced.result.routed.as_ref().ok(),
        priced.result.routed.as_ref().err().map(String::as_str),
        "",
        false,
        String::new(),
    ));
    for p in &priced.result.providers {
        push(row(
            &p.provider,
            &p.tag,
            info_of(priced, &p.tag).map(|i| i.slug.as_str()),
            pricing_of(priced, &p.tag),
            p.bill.as_ref(),
            p.unpriced.as_deref(),
            if p.shortfalls.is_empty() { "yes" } else { "no" },
            p.cheapest,
            shortfalls_text(&p.shortfalls, filters).unwrap_or_default(),
        ));
    }
    crate::web::csv::response(
        out,
        "tokenfare-by-provider.csv",
        crate::web::csv::Disposition::Inline,
    )
}

#[derive(Serialize)]
struct JsonProvider<'a> {
    #[serde(flatten)]
    bill: &'a ProviderBill,
    slug: Option<&'a str>,
    headquarters: Option<&'a str>,
    datacenters: &'a [String],
    meets_filters: bool,
}

fn json(
    catalogue: &Catalogue,
    priced: &Priced,
    request: &CalcRequest,
    filters: &ProviderFilters,
) -> Response {
    let providers: Vec<JsonProvider> = priced
        .result
        .providers
        .iter()
        .map(|p| {
            let info = info_of(priced, &p.tag);
            JsonProvider {
                bill: p,
                slug: info.map(|i| i.slug.as_str()),
                headquarters: info.and_then(|i| i.headquarters.as_deref()),
                datacenters: info.map_or(&[], |i| i.datacenters.as_slice()),
                meets_filters: p.shortfalls.is_empty(),
            }
        })
        .collect();
    let (routed, routed_unpriced) = match &priced.result.routed {
        Ok(bill) => (Some(bill), None),
        Err(reason) => (None, Some(reason)),
    };
    let body = serde_json::json!({
        "as_of": catalogue.freshness.as_of().map(|t| t.to_rfc3339()),
        "source": "OpenRouter /api/v1/models/{id}/endpoints and /api/v1/providers",
        "model": priced.entry.model.id,
        "workload": request.workload,
        // As they are written in the address: {"dc": "EU", "tools": "1"}.
        "filters": FilterQuery::from_filters(filters)
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
            .collect::<serde_json::Map<_, _>>(),
        "routed": routed,
        "routed_unpriced": routed_unpriced,
        "providers": providers,
        "left_out": priced.result.left_out(),
        "left_out_reasons": priced.result.reasons.iter().map(|(r, n)| serde_json::json!({
            "reason": r, "count": n, "text": r.describe(filters, *n == 1)
        })).collect::<Vec<_>>(),
    });
    axum::Json(body).into_response()
}
