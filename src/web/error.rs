//! One error type for the web layer, rendered in one place.
//!
//! Handlers (and the middleware that refuses requests before any handler runs) return an
//! [`AppError`]; its `IntoResponse` only sets the status and headers and attaches the error.
//! [`render_error`], called by the front of the site (`middleware/front.rs`) on every answer,
//! turns it into the body the client asked for: JSON for `/api/` routes and `format=json`,
//! plain lines for `format=csv`, otherwise `error.html` in the site's layout. Readers see a
//! plain message; the detail of an internal error goes to the log only.

use std::sync::Arc;

use askama::Template;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::extractors::form::FieldErrors;
use super::extractors::params::{MAX_QUERY_BYTES, Params, clip};
use super::layout::Layout;
use crate::AppState;

/// A model offered as a close match (on a 404, or for a name that could mean several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, thiserror::Error)]
pub enum AppError {
    /// 404, with close matches when the page can name some.
    #[error("not found: {message}")]
    NotFound {
        message: String,
        suggestions: Vec<Suggestion>,
    },
    /// 400: the reader's input, each problem filed under its field.
    #[error("invalid request: {}", .0.summary())]
    Invalid(FieldErrors),
    /// 414: the address's path or query string (`part`) is longer than any page accepts.
    #[error("URI too long: {part} of {bytes} bytes")]
    UriTooLong {
        part: &'static str,
        bytes: usize,
        limit: usize,
    },
    /// 405: anything but GET and HEAD (and POST where a route takes uploads).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 413: `what` is larger than `limit` bytes, the most the site reads of it.
    #[error("too large: {what} over {limit} bytes")]
    TooLarge {
        /// What was too large, as the start of a sentence: "This upload".
        what: &'static str,
        limit: u64,
        /// What the reader can do instead.
        advice: &'static str,
    },
    /// 503: too many requests in flight.
    #[error("too many requests in flight")]
    Busy,
    /// 500: our fault; the detail is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn internal(err: impl std::fmt::Display) -> AppError {
        AppError::Internal(err.to_string())
    }

    /// A 400 with one problem.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
        AppError::Invalid(FieldErrors::one(field, message))
    }

    /// A 404 with no suggestions.
    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::NotFound {
            message: message.into(),
            suggestions: Vec::new(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page's heading, which says what kind of problem this is.
    pub fn heading(&self) -> &'static str {
        match self {
            AppError::NotFound { .. } => "Not found",
            AppError::Invalid(_) => "That request needs fixing",
            AppError::UriTooLong { .. } => "That address is too long",
            AppError::MethodNotAllowed => "Only GET requests are answered",
            AppError::TooLarge { .. } => "That is more than we read",
            AppError::Busy => "The site is busy",
            AppError::Internal(_) => "Something went wrong on our side",
        }
    }

    /// What the reader is told, in plain words.
    pub fn message(&self) -> String {
        match self {
            AppError::NotFound { message, .. } => message.clone(),
            AppError::Invalid(errors) => errors.summary(),
            AppError::UriTooLong { part, bytes, limit } => {
                let hint = if *part == "query string" {
                    ", for example by naming fewer models"
                } else {
                    ""
                };
                format!(
                    "This address's {part} is too long ({bytes} bytes). Shorten it to at most \
                     {limit} bytes{hint}."
                )
            }
            AppError::MethodNotAllowed => {
                "This address only answers GET requests: every page and form here is a plain \
                 link."
                    .into()
            }
            AppError::TooLarge {
                what,
                limit,
                advice,
            } => format!(
                "{what} is larger than {}, the most we read. {advice}",
                bytes(*limit)
            ),
            AppError::Busy => {
                "The site is busy right now. Please try again in a few seconds.".into()
            }
            AppError::Internal(_) => {
                "The error has been logged. Please try again in a moment.".into()
            }
        }
    }

    /// The one JSON error shape:
    /// `{"error": {"status": 400, "message": "…", "fields": {"cache_hit": "…"}}}`.
    pub fn to_json(&self) -> serde_json::Value {
        let fields = match self {
            AppError::Invalid(errors) => serde_json::to_value(errors).unwrap_or_default(),
            _ => serde_json::json!({}),
        };
        serde_json::json!({
            "error": {
                "status": self.status().as_u16(),
                "message": self.message(),
                "fields": fields,
            }
        })
    }
}

/// A size in the unit it is a whole number of: "64 MB", "16 KB".
fn bytes(count: u64) -> String {
    match count {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// Marks a response whose body [`render_error`] still has to write.
#[derive(Clone)]
struct Unrendered(Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        // A plain-text body in case the response never passes through `render_error`.
        let mut response = (self.status(), self.message()).into_response();
        let headers = response.headers_mut();
        match self {
            AppError::MethodNotAllowed => {
                headers.insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            }
            AppError::Busy => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            _ => {}
        }
        response.extensions_mut().insert(Unrendered(Arc::new(self)));
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    /// "Not Found", "URI Too Long": the status line's words.
    pub reason: &'static str,
    pub heading: &'static str,
    pub message: String,
    pub suggestions: Vec<Suggestion>,
}

/// What kind of body the client asked for, should its answer be an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wants {
    Html,
    Json,
    Text,
}

impl Wants {
    /// Read from the request's URL, before the request goes on (the error comes back later).
    pub fn of(uri: &Uri) -> Wants {
        if uri.path().starts_with("/api/") {
            return Wants::Json;
        }
        // A refused, oversized query is not parsed.
        let query = uri.query().filter(|q| q.len() <= MAX_QUERY_BYTES);
        // Asked on every request: a query that cannot name `format` (not even escaped) is
        // not parsed into pairs.
        if query.is_none_or(|q| !q.contains("format") && !q.contains('%')) {
            return Wants::Html;
        }
        match Params::parse(query).get("format") {
            Some("json") => Wants::Json,
            Some("csv") => Wants::Text,
            _ => Wants::Html,
        }
    }
}

/// Writes the body of an [`AppError`] response (one `IntoResponse` left for later) as the
/// client `wants` it; any other response is returned as it is. The one place errors are
/// rendered.
pub fn render_error(state: &AppState, wants: Wants, mut response: Response) -> Response {
    let Some(Unrendered(error)) = response.extensions_mut().remove::<Unrendered>() else {
        return response;
    };
    let (content_type, body) = match wants {
        Wants::Json => ("application/json", error.to_json().to_string()),
        Wants::Text => ("text/plain; charset=utf-8", text_body(&error)),
        // Under a flood every turned-away request gets this page: render it once per data
        // version rather than thousands of times a second.
        Wants::Html if matches!(*error, AppError::Busy) => (
            "text/html; charset=utf-8",
            state
                .pages
                .busy_page(&state.catalogue(), || html_body(state, &error))
                .unwrap_or_else(|| error.message()),
        ),
        Wants::Html => match html_body(state, &error) {
            Ok(body) => ("text/html; charset=utf-8", body),
            Err(err) => {
                tracing::error!(error = %err, "the error page failed to render");
                ("text/plain; charset=utf-8", error.message())
            }
        },
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    Response::from_parts(parts, Body::from(body))
}

fn text_body(error: &AppError) -> String {
    match error {
        AppError::Invalid(errors) => errors
            .0
            .iter()
            .map(|(field, message)| format!("{field}: {message}\n"))
            .collect(),
        other => format!("{}\n", other.message()),
    }
}

fn html_body(state: &AppState, error: &AppError) -> askama::Result<String> {
    let heading = error.heading();
    let status = error.status();
    ErrorPage {
        layout: Layout::new(&state.catalogue(), heading, ""),
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or_default(),
        heading,
        message: error.message(),
        suggestions: match error {
            AppError::NotFound { suggestions, .. } => suggestions.clone(),
            _ => Vec::new(),
        },
    }
    .render()
}

/// Any path no route knows.
pub async fn not_found(uri: Uri) -> AppError {
    AppError::not_found(format!("There is no page at {}.", clip(uri.path())))
}
