//! `/ranking`: the best-value ranking, as a page or (`format=json`) as data.

use axum::Json;
use axum::response::{IntoResponse, Response};

use crate::web::error::{AppError, AppResult};
use crate::web::exports;
use crate::web::extractors::Query;
use crate::web::extractors::ranking::RankingQuery;
use crate::web::pages::ranking::{RankingPage, ranking_for};

/// `GET /ranking` (and `?format=json`): a control that does not read comes back by its
/// field with a 400 on the page, or as the one JSON error.
pub async fn ranking(query: Query<RankingQuery>) -> AppResult<Response> {
    let Query {
        catalogue,
        value: controls,
        mut errors,
    } = query;
    let ranking = ranking_for(&catalogue, &controls, &mut errors);
    match (controls.json, ranking) {
        (true, Some(r)) => {
            Ok(Json(exports::ranking::json(&catalogue, &controls, &r)).into_response())
        }
        (true, None) => Err(AppError::Invalid(errors)),
        (false, ranking) => {
            Ok(RankingPage::build(&catalogue, controls, errors, ranking.as_ref()).into_response())
        }
    }
}
