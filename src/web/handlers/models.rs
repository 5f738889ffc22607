//! `/models`: the catalogue table with filters and sorting, and `/api/models.{json,csv}`,
//! which take the same filters ([`CatalogueQuery`]). [`crate::store::listing`] picks and
//! sorts the listings; the page ([`CataloguePage`]) shows them as rows, the exports
//! ([`exports::models`]) as data.

use axum::Json;
use axum::response::Response;
use serde_json::Value;

use crate::web::error::AppResult;
use crate::web::exports;
use crate::web::extractors::Query;
use crate::web::extractors::catalogue::CatalogueQuery;
use crate::web::pages::catalogue::CataloguePage;

/// `GET /models`: the table under the reader's filters; a filter that does not read comes
/// back by its field with a 400.
pub async fn catalogue(query: Query<CatalogueQuery>) -> AppResult<CataloguePage> {
    Ok(CataloguePage::build(
        &query.catalogue,
        query.value,
        query.errors,
    ))
}

/// `GET /api/models.json`: the listings the filters select, as data.
pub async fn export_json(query: Query<CatalogueQuery>) -> AppResult<Json<Value>> {
    let query = query.checked()?;
    Ok(Json(exports::models::json(&query.catalogue, &query.value)))
}

/// `GET /api/models.csv`: the same listings, one row each.
pub async fn export_csv(query: Query<CatalogueQuery>) -> AppResult<Response> {
    let query = query.checked()?;
    Ok(exports::models::csv(&query.catalogue, &query.value))
}
