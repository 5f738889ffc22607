//! `/models/{*id}`: one model's page, and the model's feed at `/models/{id}/changes.atom`.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use axum::response::{IntoResponse, Redirect, Response};

use crate::store::Catalogue;
use crate::web::error::{AppError, AppResult, Suggestion};
use crate::web::exports::atom;
use crate::web::extractors::Query;
use crate::web::extractors::params::clip;
use crate::web::extractors::where_to_buy::WhereToBuyQuery;
use crate::web::pages::model::ModelPage;

/// `GET /models/{*id}`: the model's page under the reader's where-to-buy filters; a filter
/// that does not read comes back by its field with a 400. Axum has already percent-decoded
/// the id, so `/models/anthropic%2Fclaude-opus-4.8%3Abatch` finds the same model. An id no
/// model has but ending in `/changes.atom` is that model's feed; a capitalised id redirects
/// to the lower-case one; any other is a 404 with close matches.
pub async fn model_page(
    id: Result<Path<String>, PathRejection>,
    query: Query<WhereToBuyQuery>,
) -> AppResult<Response> {
    let Ok(Path(id)) = id else {
        return Err(AppError::invalid(
            "id",
            "That model address could not be read.",
        ));
    };
    let Query {
        catalogue,
        value: filters,
        errors,
    } = query;
    let id = id.trim().trim_end_matches('/');
    if catalogue.get(id).is_none()
        && let Some(model_id) = atom::strip_feed_suffix(id)
    {
        return atom::model_feed(&catalogue, model_id);
    }
    if let Some(entry) = catalogue.get(id) {
        return Ok(ModelPage::build(entry, &catalogue, filters, errors).into_response());
    }
    // OpenRouter ids are lower case; a hand-typed capital should still land.
    let lower = id.to_lowercase();
    if lower != id && catalogue.get(&lower).is_some() {
        return Ok(Redirect::permanent(&format!("/models/{lower}")).into_response());
    }
    Err(unknown_model(&catalogue, id))
}

/// The 404 for an id no model has, with the closest ids.
fn unknown_model(catalogue: &Catalogue, id: &str) -> AppError {
    AppError::NotFound {
        message: format!("No model has the id “{}”.", clip(id)),
        suggestions: catalogue
            .suggest(id, 5)
            .into_iter()
            .map(|e| Suggestion {
                id: e.model.id.clone(),
                name: e.model.name.clone(),
            })
            .collect(),
    }
}
