//! `/models`: the catalogue table with filters and sorting, and `/api/models.{json,csv}`,
//! which take the same filters. The handlers read a [`Filters`] query ([`query`]), let
//! [`crate::store::listing`] pick and sort the listings, and render them as rows ([`view`]) or
//! data ([`export`]).

mod export;
pub mod query;
pub mod view;

use axum::extract::{RawQuery, State};
use axum::response::Response;

use super::error::render_html;
use super::params::Params;
use crate::AppState;
pub use export::{export_csv, export_json};
pub use query::{Filters, MODALITIES};
pub use view::CataloguePage;

/// `GET /models`.
pub async fn catalogue(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (filters, errors) = Filters::parse(&params, &catalogue);
    let status = errors.status();
    render_html(&CataloguePage::build(&catalogue, filters, errors), status)
}
