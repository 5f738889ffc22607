//! `/about`: methodology and data sources, with the ingest status of the catalogue served.

use axum::extract::State;

use crate::AppState;
use crate::web::error::AppResult;
use crate::web::pages::about::AboutPage;

/// `GET /about`.
pub async fn about(State(state): State<AppState>) -> AppResult<AboutPage> {
    Ok(AboutPage::build(&state.catalogue()))
}
