//! `/usage`: a reader's own usage export, uploaded or pasted, read exactly and priced at
//! every seller and on every model; or a share link's mix, priced the same way. Reading and
//! pricing run off the async threads (`crate::usage`, `crate::pricing::usage`); this routes
//! the upload there and the answer back out.

use std::sync::Arc;

use axum::Json;
use axum::extract::Multipart;
use axum::extract::multipart::MultipartRejection;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use crate::pricing::market::Market;
use crate::pricing::usage::{UsageBill, price_reading};
use crate::store::Catalogue;
use crate::usage::{self, Reading, Thresholds, UsageError, share, write_mix};
use crate::web::error::{AppError, AppResult};
use crate::web::exports;
use crate::web::exports::csv::{self, Disposition};
use crate::web::extractors::Query;
use crate::web::extractors::params::MAX_QUERY_BYTES;
use crate::web::extractors::upload::{self, FILE_FIELD, UploadBroke};
use crate::web::extractors::usage::{UsageFormat, UsageQuery};
use crate::web::pages::usage::UsagePage;

/// One reading, priced, with the link that shares it.
pub struct Answer {
    pub reading: Reading,
    pub bill: UsageBill,
    /// `/usage?mix=…`, or `None` when the mix is too long for a link.
    pub share_url: Option<String>,
}

impl Answer {
    /// Prices `reading` at today's prices and writes its share link.
    fn price(market: &Market, reading: Reading) -> Answer {
        let bill = price_reading(market, &reading, Utc::now().date_naive());
        let link = format!("/usage?mix={}", share::encode(&write_mix(&reading)));
        Answer {
            reading,
            bill,
            share_url: (link.len() <= MAX_QUERY_BYTES).then_some(link),
        }
    }
}

/// `GET /usage`: the upload form; with `mix=`, a share link's answer.
pub async fn form(query: Query<UsageQuery>) -> AppResult<Response> {
    let Query {
        catalogue, value, ..
    } = query.checked()?;
    let Some(mix) = value.mix else {
        if value.format != UsageFormat::Page {
            return Err(AppError::invalid(
                "format",
                "Only an answer has a json or csv form: upload an export, or open a share link.",
            ));
        }
        return Ok(UsagePage::form(&catalogue).into_response());
    };
    let mix = share::decode(&mix).map_err(|why| AppError::invalid("mix", why))?;
    let thresholds = long_context_thresholds(&catalogue);
    let priced = Arc::clone(&catalogue);
    let answer = tokio::task::spawn_blocking(move || {
        usage::read(mix.as_slice(), &thresholds).map(|reading| Answer::price(&priced, reading))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(|err| AppError::invalid("mix", err.explain()))?;
    Ok(respond(&catalogue, &answer, value.format))
}

/// `POST /usage` (multipart: `file` or `text`; `?format=json|csv` for data): the export read
/// and priced. Its answer is never stored (`middleware/uploads.rs`).
pub async fn upload(
    query: Query<UsageQuery>,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    let Query {
        catalogue, value, ..
    } = query.checked()?;
    // Not a form upload at all (no multipart body or no boundary): said on our page, not in
    // the extractor's plain-text line.
    let multipart = multipart.map_err(|_| {
        AppError::invalid(
            "file",
            "Send the export as a form upload (multipart/form-data): use the form on /usage, \
             or from a shell `curl -F file=@export.csv …/usage`.",
        )
    })?;
    let thresholds = long_context_thresholds(&catalogue);
    let priced = Arc::clone(&catalogue);
    let answer = upload::read_upload(multipart, move |upload| {
        usage::read(upload, &thresholds).map(|reading| Answer::price(&priced, reading))
    })
    .await?
    .map_err(refusal)?;
    Ok(respond(&catalogue, &answer, value.format))
}

fn respond(catalogue: &Catalogue, answer: &Answer, format: UsageFormat) -> Response {
    match format {
        UsageFormat::Page => UsagePage::answer(catalogue, answer).into_response(),
        UsageFormat::Json => Json(exports::usage::json(answer)).into_response(),
        UsageFormat::Csv => csv::response(
            write_mix(&answer.reading),
            "usage-mix.csv",
            Disposition::Attachment,
        ),
    }
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
