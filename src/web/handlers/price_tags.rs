//! The price tags' routes: `/discrepancies` (where a routed price and the maker's own
//! disagree) and the data behind it, `/api/price-tags.{json,csv}` and
//! `/api/discrepancies.json`. The model page shows each model's tags as a section.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use crate::AppState;
use crate::web::error::AppResult;
use crate::web::exports;
use crate::web::extractors::Query;
use crate::web::extractors::price_tags::PriceTagsQuery;
use crate::web::pages::discrepancies::DiscrepanciesPage;

/// `GET /api/price-tags.json`: every seller's price of the models the query selects.
pub async fn api_json(query: Query<PriceTagsQuery>) -> AppResult<Json<Value>> {
    let query = query.checked()?;
    exports::price_tags::json(&query.catalogue, &query.value).map(Json)
}

/// `GET /api/price-tags.csv`: the same tags, one row each, as a file.
pub async fn api_csv(query: Query<PriceTagsQuery>) -> AppResult<Response> {
    let query = query.checked()?;
    exports::price_tags::csv(&query.catalogue, &query.value)
}

/// `GET /discrepancies`.
pub async fn page(State(state): State<AppState>) -> AppResult<DiscrepanciesPage> {
    Ok(DiscrepanciesPage::build(&state.catalogue()))
}

/// `GET /api/discrepancies.json`.
pub async fn api_discrepancies(State(state): State<AppState>) -> AppResult<Json<Value>> {
    Ok(Json(exports::price_tags::discrepancies(&state.catalogue())))
}
