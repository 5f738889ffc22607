//! `/`: what the site answers, today's highlights, and the way into everything else.

use axum::extract::State;

use crate::AppState;
use crate::web::error::AppResult;
use crate::web::pages::home::HomePage;

/// `GET /`.
pub async fn home(State(state): State<AppState>) -> AppResult<HomePage> {
    Ok(HomePage::build(&state.catalogue()))
}
