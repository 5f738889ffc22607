//! The web layer: one module per page (handler + template struct), the shared layout,
//! errors, and the router that `main` and the tests both call.

pub mod calculator;
pub mod error;
pub mod format;
pub mod health;
pub mod layout;
pub mod models;
pub mod params;

use axum::Router;
use axum::routing::get;

use crate::AppState;

pub use error::{AppError, AppResult};

/// The whole site.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/models", get(models::catalogue))
        .route("/calculator", get(calculator::calculator))
        .route("/api/models.json", get(models::export_json))
        .route("/api/models.csv", get(models::export_csv))
        .route("/healthz", get(health::healthz))
        .route("/static/{*path}", get(layout::static_file))
        .fallback(error::not_found)
        .with_state(state)
}
