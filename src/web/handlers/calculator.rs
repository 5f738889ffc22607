//! `/calculator`: the workload cost calculator, as a page or as CSV or JSON, every model at
//! its routed price or (`sellers=all`) at every seller; and `/calculator/bill`, one model's
//! itemised bill at a URL of its own (with `sellers=all`, beside its bill at every other
//! seller). The form is read by [`CalculatorForm`] and [`BillQuery`]; the models are priced by
//! [`crate::pricing::sellers::compute`] over the pure maths in [`crate::pricing::calculator`].
//! Addresses from before `sellers=` redirect ([`crate::web::extractors::calculator::legacy`]).

use axum::Json;
use axum::response::{IntoResponse, Redirect, Response};

use crate::pricing::market::Market;
use crate::pricing::sellers;
use crate::web::error::{AppError, AppResult};
use crate::web::exports;
use crate::web::extractors::Query;
use crate::web::extractors::calculator::{BillQuery, CalcRequest, CalculatorForm, Format};
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::params::clip;
use crate::web::pages::calculator::bill::BillPage;
use crate::web::pages::calculator::{CalculatorPage, LeftOutView, result_view, rows_shown};
use crate::web::today;

/// `GET /calculator`: every chosen model's monthly bill for the workload in the query. A
/// form that does not read comes back with each problem by its field and a 400 (the exports
/// answer with the one error shape instead).
pub async fn calculator(query: Query<CalculatorForm>) -> AppResult<Response> {
    let Query {
        catalogue,
        value: form,
        errors,
    } = query;
    if let Some(to) = &form.moved_to {
        return Ok(Redirect::permanent(to).into_response());
    }
    let Some(request) = form.request.as_ref() else {
        if form.wants_html() {
            return Ok(
                CalculatorPage::build(&catalogue, form.values, errors, None, None).into_response(),
            );
        }
        return Err(AppError::Invalid(errors));
    };
    // The page shows a few rows' bills; the exports carry every row's whole bill.
    let itemise_first = match request.format {
        Format::Html => rows_shown(request),
        Format::Csv | Format::Json => usize::MAX,
    };
    let priced = match price(&catalogue, request, itemise_first) {
        Ok(priced) => priced,
        Err(problem) if form.wants_html() => {
            let errors = FieldErrors::one("form", problem);
            return Ok(
                CalculatorPage::build(&catalogue, form.values, errors, None, None).into_response(),
            );
        }
        Err(problem) => return Err(AppError::invalid("form", problem)),
    };
    Ok(match request.format {
        Format::Csv => exports::calculator::csv(&priced),
        Format::Json => Json(exports::calculator::json(
            &catalogue,
            &form.values,
            request,
            &priced,
        ))
        .into_response(),
        Format::Html => {
            let result = result_view(&catalogue, &form.values, request, priced);
            let errors = FieldErrors::default();
            CalculatorPage::build(&catalogue, form.values, errors, Some(request), Some(result))
                .into_response()
        }
    })
}

/// Every chosen model's bill for the request's workload, at the sellers it asks for.
fn price<'a>(
    market: &'a Market,
    request: &CalcRequest,
    itemise_first: usize,
) -> Result<sellers::Priced<'a>, String> {
    sellers::compute(
        market,
        &request.workload,
        &request.choice(),
        request.sellers,
        &request.filters,
        today(),
        itemise_first,
    )
}

/// `GET /calculator/bill`: one model's itemised bill for the workload in the query, at a
/// URL of its own (the calculator's parameters plus `id`). Every problem is a 400 naming
/// it; an id the calculator does not price is a 404.
pub async fn bill(query: Query<BillQuery>) -> AppResult<Response> {
    let Query {
        catalogue,
        value: query,
        errors,
    } = query;
    if let Some(to) = &query.moved_to {
        return Ok(Redirect::permanent(to).into_response());
    }
    let back_href = query.values.page_href(false);
    let Some(request) = query.request else {
        return Err(AppError::Invalid(errors));
    };
    // The bill is a page; the calculator's own CSV and JSON carry every row's bill.
    if !matches!(request.format, Format::Html) {
        return Err(AppError::invalid(
            "format",
            "The itemised bill is a page only: for its data, ask the calculator itself \
             (/calculator with the same workload and format=csv or format=json).",
        ));
    }
    let id = query.id;
    if id.is_empty() {
        return Err(AppError::invalid(
            "id",
            "Name the model whose bill you want: add id=author/model.",
        ));
    }
    let mut priced = price(&catalogue, &request, 1).map_err(|p| AppError::invalid("form", p))?;
    priced.itemise_bill(&request.workload, &id);
    let outcome = &priced.outcome;
    let shown = &outcome.shown;
    let Some(bill) = shown.bills.iter().find(|b| b.id == id) else {
        // Say why this model has no bill: not priced, left out by a filter, or unknown.
        let why =
            shown
                .unpriced
                .iter()
                .chain(&priced.no_seller)
                .find(|u| u.id == id)
                .map(|u| u.reason.clone())
                .or_else(|| {
                    outcome.left_out.iter().find(|l| l.id == id).map(|l| {
                        format!("left out by your filters: {}", LeftOutView::new(l).reason)
                    })
                });
        return Err(match why {
            Some(why) => AppError::invalid(
                "id",
                format!("{} has no bill for this workload ({why}).", clip(&id)),
            ),
            None => AppError::not_found(format!(
                "No current model priced by the calculator has the id “{}”.",
                clip(&id)
            )),
        });
    };
    Ok(BillPage::build(&catalogue, &priced, bill, &request, back_href).into_response())
}
