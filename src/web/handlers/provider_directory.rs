//! `/providers` and `/providers/{slug}`: OpenRouter's provider list, and what each provider
//! serves at what price.

use axum::extract::{Path, State};

use crate::AppState;
use crate::web::error::{AppError, AppResult};
use crate::web::extractors::params::clip;
use crate::web::pages::provider_directory::{ProviderPage, ProvidersIndexPage};

/// `GET /providers`: every provider, where it is based and runs, and what it serves.
pub async fn index(State(state): State<AppState>) -> AppResult<ProvidersIndexPage> {
    Ok(ProvidersIndexPage::build(&state.catalogue()))
}

/// `GET /providers/{slug}`: one provider (any slug the list has had, listed now or before;
/// any case, a trailing slash allowed) and every model it serves.
pub async fn provider(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> AppResult<ProviderPage> {
    let catalogue = state.catalogue();
    let wanted = slug.trim().trim_end_matches('/').to_ascii_lowercase();
    match catalogue.provider(&wanted) {
        Some(p) => Ok(ProviderPage::build(&catalogue, p)),
        None => Err(AppError::not_found(format!(
            "OpenRouter's provider list has no provider “{}”. The providers page lists every one.",
            clip(&slug)
        ))),
    }
}
