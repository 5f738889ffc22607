//! `/healthz`: 200 with the last successful refresh and the model count; 503 with no data.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;

pub async fn healthz(State(state): State<AppState>) -> Response {
    let catalogue = state.catalogue();
    let count = catalogue.active_count();
    let last = catalogue.freshness.last_success.as_ref();
    let body = json!({
        "status": if count > 0 { "ok" } else { "no data" },
        "models": count,
        "last_success": last.map(|r| r.finished_at.to_rfc3339()),
        "as_of": last.map(|r| r.as_of.to_rfc3339()),
        "source": last.map(|r| r.source_kind.as_str()),
        "stale": catalogue.freshness.is_stale(chrono::Utc::now()),
        "last_failure": catalogue.freshness.last_failure.as_ref().map(|r| json!({
            "at": r.finished_at.to_rfc3339(),
            "error": r.error,
        })),
    });
    let status = if count > 0 {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}
