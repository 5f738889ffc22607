//! One error type for the web layer. Readers see a plain message in the site's layout;
//! the full chain goes to the log.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use super::layout::Layout;
use crate::AppState;

/// A close match offered on a 404.
#[derive(Clone, Debug)]
pub struct Suggestion {
    pub id: String,
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found: {message}")]
    NotFound {
        layout: Box<Layout>,
        message: String,
        suggestions: Vec<Suggestion>,
    },
    #[error("bad request: {message}")]
    BadRequest {
        layout: Box<Layout>,
        message: String,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn internal(err: impl std::fmt::Display) -> AppError {
        AppError::Internal(err.to_string())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub layout: Layout,
    pub status: u16,
    pub heading: String,
    pub message: String,
    pub suggestions: Vec<Suggestion>,
}

/// Renders a template, falling back to plain text if rendering itself fails.
pub fn render_html(template: &impl Template, status: StatusCode) -> Response {
    match template.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be rendered.",
            )
                .into_response()
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, layout, heading, message, suggestions) = match self {
            AppError::NotFound {
                layout,
                message,
                suggestions,
            } => (
                StatusCode::NOT_FOUND,
                *layout,
                "Not found",
                message,
                suggestions,
            ),
            AppError::BadRequest { layout, message } => (
                StatusCode::BAD_REQUEST,
                *layout,
                "That request needs fixing",
                message,
                Vec::new(),
            ),
            AppError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    Layout::bare("Something went wrong"),
                    "Something went wrong on our side",
                    "The error has been logged. Please try again in a moment.".to_string(),
                    Vec::new(),
                )
            }
        };
        let page = ErrorPage {
            layout: Layout {
                title: heading.to_string(),
                ..layout
            },
            status: status.as_u16(),
            heading: heading.to_string(),
            message,
            suggestions,
        };
        render_html(&page, status)
    }
}

/// Any path no route knows.
pub async fn not_found(State(state): State<AppState>, uri: Uri) -> AppError {
    let catalogue = state.catalogue();
    AppError::NotFound {
        layout: Box::new(Layout::new(&catalogue, "Not found", "")),
        message: format!("There is no page at {}.", super::params::clip(uri.path())),
        suggestions: Vec::new(),
    }
}

/// A bad request in the site's layout.
pub fn bad_request(state: &AppState, message: impl Into<String>) -> AppError {
    AppError::BadRequest {
        layout: Box::new(Layout::new(&state.catalogue(), "Bad request", "")),
        message: message.into(),
    }
}
