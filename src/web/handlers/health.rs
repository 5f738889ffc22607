//! `/healthz`: 200 with the last successful refresh and the model count; 503 with no data,
//! or when the database file was deleted or replaced under the running server.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::AppState;
use crate::web::error::AppResult;

/// `GET /healthz`: a 503 is an answer here, not an error, so it carries the same JSON.
pub async fn healthz(State(state): State<AppState>) -> AppResult<(StatusCode, Json<Value>)> {
    let catalogue = state.catalogue();
    let freshness = &catalogue.freshness;
    let count = catalogue.active_count();
    let last = freshness.last_success.as_ref();
    // Checked on every call (one stat): a deleted file would otherwise go unnoticed, since
    // SQLite carries on with the unlinked one until the process exits.
    let file = state.store.check_file();
    // A failure the database would not take is kept in memory and shown all the same.
    let last_failure = freshness.latest_failure(state.store.unrecorded_failure());
    let (status, text) = match (&file, count) {
        (Err(_), _) => (StatusCode::SERVICE_UNAVAILABLE, "database missing"),
        (Ok(()), 0) => (StatusCode::SERVICE_UNAVAILABLE, "no data"),
        _ => (StatusCode::OK, "ok"),
    };
    let body = json!({
        "status": text,
        "error": file.err().map(|e| e.to_string()),
        "models": count,
        "last_success": last.map(|r| r.finished_at.to_rfc3339()),
        "as_of": last.map(|r| r.as_of.to_rfc3339()),
        "source": last.map(|r| r.delivery.as_str()),
        "stale": freshness.is_stale(chrono::Utc::now()),
        "last_failure": last_failure.as_ref().map(|r| json!({
            "at": r.finished_at.to_rfc3339(),
            "error": r.error,
            // Unrecorded failures carry no stored run id.
            "recorded": r.id > 0,
        })),
        "quarantined": freshness.quarantined.iter().map(|r| json!({
            "run_id": r.id,
            "at": r.finished_at.to_rfc3339(),
            "as_of": r.as_of.to_rfc3339(),
            "reasons": r.error,
        })).collect::<Vec<_>>(),
    });
    Ok((status, Json(body)))
}
