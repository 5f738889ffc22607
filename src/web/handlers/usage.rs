//! `/usage`: a reader's own usage export, uploaded or pasted, and what was read from it.
//! The reading is `crate::usage`'s, on a blocking thread while the body streams in; this
//! only routes the upload there and the reading back out.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::store::Catalogue;
use crate::usage::{self, Thresholds, UsageError};
use crate::web::error::{AppError, AppResult};
use crate::web::exports;
use crate::web::extractors::Query;
use crate::web::extractors::upload::{self, FILE_FIELD, UploadBroke};
use crate::web::extractors::usage::UsageQuery;
use crate::web::pages::usage::UsagePage;

/// `GET /usage`: the upload form.
pub async fn form(State(state): State<AppState>) -> AppResult<UsagePage> {
    Ok(UsagePage::form(&state.catalogue()))
}

/// `POST /usage` (multipart: `file` or `text`; `?format=json` for data): what the export
/// holds, read exactly. Its answer is never stored (`middleware/uploads.rs`).
pub async fn upload(query: Query<UsageQuery>, multipart: Multipart) -> AppResult<Response> {
    let Query {
        catalogue, value, ..
    } = query.checked()?;
    let thresholds = long_context_thresholds(&catalogue);
    let reading = upload::read_upload(multipart, move |upload| usage::read(upload, &thresholds))
        .await?
        .map_err(refusal)?;
    Ok(if value.json {
        Json(exports::usage::json(&reading)).into_response()
    } else {
        UsagePage::answer(&catalogue, &reading).into_response()
    })
}

/// Every long-context threshold the current data has, each a `min_prompt_tokens`: every
/// OpenRouter listing's and provider endpoint's tiers and the official feed's, so a band of
/// the reading lies wholly on one side of each (see `usage::mix`).
fn long_context_thresholds(catalogue: &Catalogue) -> Thresholds {
    let listings = catalogue.all().iter().map(|entry| &entry.model.pricing);
    let endpoints = catalogue
        .all_endpoints()
        .flat_map(|model| model.endpoints.iter().map(|e| &e.pricing));
    let official = catalogue
        .official()
        .providers()
        .iter()
        .flat_map(|provider| &provider.models)
        .flat_map(|model| {
            model
                .schedule
                .iter()
                .map(|dated| &dated.pricing)
                .chain(model.batch.as_ref())
        });
    Thresholds::new(
        listings
            .chain(endpoints)
            .chain(official)
            .flat_map(|pricing| pricing.overrides.iter())
            .filter_map(|tier| tier.min_prompt_tokens),
    )
}

/// The answer to an upload that could not be read.
fn refusal(err: UsageError) -> AppError {
    match err {
        UsageError::InflatedTooLarge { limit } => AppError::TooLarge {
            what: "This file, uncompressed,",
            limit,
            advice: "Export a shorter period, or split the file and send each part.",
        },
        UsageError::Source(err) => match err
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<UploadBroke>())
        {
            Some(broke) => broke.refusal(),
            None => AppError::internal(err),
        },
        other => AppError::invalid(FILE_FIELD, other.explain()),
    }
}
