//! The change log's routes: `/changes` (price cuts and increases, new and removed models,
//! day by day), its Atom feeds (`/changes.atom`, and one per model), and
//! `/api/changes.json?date=`. Each reads its query, lets [`crate::store::changes::filter`]
//! pick the changes, and answers with the page ([`ChangesPage`]), a feed ([`atom`]) or data
//! ([`exports::changes`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;

use crate::AppState;
use crate::web::error::AppResult;
use crate::web::exports::{self, atom};
use crate::web::extractors::Query;
use crate::web::extractors::changes::{ChangesDayQuery, ChangesQuery};
use crate::web::pages::changes::ChangesPage;

/// `GET /changes`: the day-by-day log under the reader's filters; a filter that does not
/// read comes back by its field with a 400.
pub async fn page(query: Query<ChangesQuery>) -> AppResult<ChangesPage> {
    Ok(ChangesPage::build(
        &query.catalogue,
        query.value,
        query.errors,
    ))
}

/// `GET /changes.atom`: one entry per day with changes, newest first, under the same filters
/// as `/changes`; a filter that does not read is a 400.
pub async fn feed(query: Query<ChangesQuery>) -> AppResult<Response> {
    let query = query.checked()?;
    Ok(atom::changes_feed(&query.catalogue, &query.value))
}

/// `GET /feeds/models/{*id}`: the Atom feed of one model's changes (also served at
/// `/models/{id}/changes.atom`, by the model page's route).
pub async fn model_feed(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    atom::model_feed(&state.catalogue(), &id)
}

/// `GET /api/changes.json?date=YYYY-MM-DD`: that day's changes as data. A day without a
/// successful ingest is 404; a recorded day without changes is an empty list; the first
/// recorded day is the baseline (`"baseline": true`, no changes).
pub async fn api(query: Query<ChangesDayQuery>) -> AppResult<Json<Value>> {
    let query = query.checked()?;
    exports::changes::day(&query.catalogue, &query.value).map(Json)
}
