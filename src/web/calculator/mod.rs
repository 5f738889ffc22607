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
pub use query::{CalculatorQuery, EXAMPLES, Example};
use view::{LeftOutView, ResultView, bill_row, page, summary};

use super::error::{AppError, render_html};
use super::form::FieldErrors;
use super::params::Params;
use crate::AppState;
use crate::pricing::selection;

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
    let outcome = match selection::compute(&catalogue, &request.workload, &request.choice()) {
        Ok(outcome) => outcome,
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
        Format::Csv => export::csv_response(&outcome),
        Format::Json => export::json_response(&catalogue, &form, &request, &outcome),
        Format::Html => {
            let rows = outcome
                .shown
                .bills
                .iter()
                .enumerate()
                .map(|(i, bill)| bill_row(i + 1, bill, &outcome.shown, &request.workload))
                .collect();
            let result = ResultView {
                summary: summary(&request, &outcome, &catalogue),
                rows,
                unpriced: outcome.shown.unpriced.clone(),
                left_out: outcome.left_out.iter().map(LeftOutView::new).collect(),
                csv_href: format!("/calculator?{}", form.query("csv")),
                json_href: format!("/calculator?{}", form.query("json")),
            };
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
