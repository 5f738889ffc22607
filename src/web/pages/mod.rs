//! The pages: one module per page (its askama template struct and how it is built from the
//! catalogue and the page's query), the sections several pages share ([`sections`]), and
//! the one way a page becomes a response.
//!
//! A page struct implements [`Page`] (its status: 200, or 400 when it shows problems with
//! the reader's input) and, through [`impl_page!`], `IntoResponse`: the template rendered
//! and the status set in one place, [`respond`]. Handlers return page structs as they are.
//!
//! | module                     | page                                                   |
//! | -------------------------- | ------------------------------------------------------ |
//! | [`home`]                   | `/`                                                    |
//! | [`catalogue`]              | `/models`                                              |
//! | [`model`]                  | `/models/{id}`                                         |
//! | [`compare`]                | `/compare`                                             |
//! | [`provider_directory`]     | `/providers`, `/providers/{slug}`                      |
//! | [`calculator`]             | `/calculator` (and `by_provider=1`), `/calculator/bill`|
//! | [`ranking`]                | `/ranking`                                             |
//! | [`changes`]                | `/changes`                                             |
//! | [`discrepancies`]          | `/discrepancies`                                       |
//! | [`about`], [`guide`]       | `/about`, `/guide/why-prices-differ`                   |
//! | [`usage`]                  | `/usage` (the upload form and what was read)           |
//!
//! [`sort`] and [`pager`] are the sortable headers and the pages of the long lists.
//!
//! The error page is rendered by [`super::error`], the one place errors are written.

pub mod about;
pub mod calculator;
pub mod catalogue;
pub mod changes;
pub mod compare;
pub mod discrepancies;
pub mod guide;
pub mod home;
pub mod model;
pub mod pager;
pub mod provider_directory;
pub mod ranking;
pub mod sections;
pub mod sort;
pub mod usage;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// A page of the site: a template that knows the status it answers with.
pub trait Page: Template {
    /// 200, unless the page shows problems with the reader's input.
    fn status(&self) -> StatusCode {
        StatusCode::OK
    }
}

/// Implements `IntoResponse` for page structs, through [`respond`]. (A macro because a
/// blanket implementation of axum's trait for every [`Page`] is not allowed.)
macro_rules! impl_page {
    ($($page:ty),+ $(,)?) => {$(
        impl axum::response::IntoResponse for $page {
            fn into_response(self) -> axum::response::Response {
                $crate::web::pages::respond(&self)
            }
        }
    )+};
}
pub(crate) use impl_page;

/// The one path from a page to a response: rendered, with its status. Its `Cache-Control`
/// is the page cache's, which keeps every page (`super::middleware`). A template that fails
/// to render is logged and answered with a plain 500.
pub fn respond<P: Page>(page: &P) -> Response {
    match page.render() {
        Ok(body) => (page.status(), Html(body)).into_response(),
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
