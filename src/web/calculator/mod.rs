//! `/calculator`: the workload cost calculator. The handler reads the form ([`form`]),
//! prices the chosen models ([`crate::pricing::selection`] over the pure maths in
//! [`crate::pricing::calculator`]), and renders the result as a page ([`view`]) or as CSV or
//! JSON ([`export`]). Its query parameters are a public interface: people bookmark them
//! ([`query`] builds every link into it).

pub mod export;
pub mod form;
pub mod query;
pub mod view;

/// One model across its providers (issue 17).
pub mod by_provider;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub use form::{CalcRequest, FormValues, Format, MAX_IDS, parse};
pub use query::{CalculatorQuery, EXAMPLES, Example, volume};
use view::{
    BillPage, LeftOutView, bill_detail, page, result_view, rows_shown, savings_sentence,
    seller_line, uses_cache_or_batch, workload_line,
};

use super::error::{AppError, render_html};
use super::form::FieldErrors;
use super::layout::Layout;
use super::params::{Params, clip};
use crate::AppState;
use crate::pricing::calculator::savings;
use crate::pricing::sellers;
use crate::web::price_tags::today;

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
    // The page shows a few rows' bills; the exports carry every row's whole bill.
    let itemise_first = match request.format {
        Format::Html => rows_shown(&request),
        Format::Csv | Format::Json => usize::MAX,
    };
    let priced = match price(&catalogue, &request, itemise_first) {
        Ok(priced) => priced,
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
        Format::Csv => export::csv_response(&priced),
        Format::Json => export::json_response(&catalogue, &form, &request, &priced),
        Format::Html => {
            let result = result_view(&catalogue, &form, &request, priced);
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

/// Every chosen model's bill for the request's workload, from its chosen source of prices.
fn price<'a>(
    catalogue: &'a crate::store::Catalogue,
    request: &CalcRequest,
    itemise_first: usize,
) -> Result<sellers::Priced<'a>, String> {
    sellers::compute(
        catalogue,
        &request.workload,
        &request.choice(),
        request.source,
        today(),
        itemise_first,
    )
}

/// `GET /calculator/bill`: one model's itemised bill for the workload in the query, at a
/// URL of its own (the calculator's parameters plus `id`).
pub async fn bill(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (form, parsed) = parse(&params, &catalogue);
    let back_href = form.page_href(false);
    let request = match parsed {
        Ok(request) => request,
        Err(errors) => return AppError::Invalid(errors).into_response(),
    };
    // The bill is a page; the calculator's own CSV and JSON carry every row's bill.
    if !matches!(request.format, Format::Html) {
        return AppError::invalid(
            "format",
            "The itemised bill is a page only: for its data, ask the calculator itself \
             (/calculator with the same workload and format=csv or format=json).",
        )
        .into_response();
    }
    let id = params.get("id").unwrap_or_default().trim().to_string();
    if id.is_empty() {
        return AppError::invalid(
            "id",
            "Name the model whose bill you want: add id=author/model.",
        )
        .into_response();
    }
    let mut priced = match price(&catalogue, &request, 1) {
        Ok(priced) => priced,
        Err(problem) => return AppError::invalid("form", problem).into_response(),
    };
    priced.itemise_bill(&request.workload, &id);
    let outcome = &priced.outcome;
    let shown = &outcome.shown;
    let Some(bill) = shown.bills.iter().find(|b| b.id == id) else {
        // Say why this model has no bill: not priced, left out by a filter, or unknown.
        let why =
            shown
                .unpriced
                .iter()
                .chain(&priced.no_official)
                .find(|u| u.id == id)
                .map(|u| u.reason.clone())
                .or_else(|| {
                    outcome.left_out.iter().find(|l| l.id == id).map(|l| {
                        format!("left out by your filters: {}", LeftOutView::new(l).reason)
                    })
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
    let savings = priced
        .priced_as(&bill.id)
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
        seller: seller_line(&priced.seller(&bill.id)),
        workload_line: workload_line(&request.workload),
        back_href,
        savings,
        tokenizer: model.and_then(|m| m.tokenizer.clone()).unwrap_or_default(),
    };
    render_html(&page, StatusCode::OK)
}
