//! `/guide/why-prices-differ`: the guide, quoting today's catalogue.

use axum::extract::State;

use crate::AppState;
use crate::web::error::AppResult;
use crate::web::pages::guide::GuidePage;

/// `GET /guide/why-prices-differ`.
pub async fn why_prices_differ(State(state): State<AppState>) -> AppResult<GuidePage> {
    Ok(GuidePage::build(&state.catalogue()))
}
