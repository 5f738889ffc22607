//! Reading a request, in one way for every route: the query string as pairs ([`params`]),
//! the one number parser and the problems filed by field ([`form`]), and each route
//! family's typed query (one module each), all read through one extractor, [`Query`].
//!
//! A query type implements [`PageQuery`]: it names the parameters it reads
//! ([`PageQuery::PARAMS`]) and parses itself, checking values against the catalogue. The
//! route table ([`super::routes`]) registers each route with its query type, so the page
//! cache's key ([`super::canonical`]) keeps exactly those parameters, and nobody lists
//! them a second time. Each query type also writes the links into its page (`href`), so a
//! URL is read and written in one module.
//!
//! | module                      | reads                                                |
//! | --------------------------- | ---------------------------------------------------- |
//! | [`catalogue`]               | `/models` and `/api/models.{json,csv}`               |
//! | [`where_to_buy`]            | `/models/{id}` (the where-to-buy filters)            |
//! | [`calculator`]              | `/calculator`, `/calculator/bill`, and its links     |
//! | [`compare`]                 | `/compare`                                           |
//! | [`ranking`]                 | `/ranking`                                           |
//! | [`changes`]                 | `/changes`, `/changes.atom`, `/api/changes.json`     |
//! | [`price_tags`]              | `/api/price-tags.{json,csv}`                         |
//! | [`usage`], [`upload`]       | `/usage` (its format; a POSTed file or pasted text)  |
//!
//! [`named_model`] reads a model named in a field by its id or as a search would find it;
//! [`paging`] reads which page of a long list (`/models`, `/ranking`) to show.

pub mod calculator;
pub mod catalogue;
pub mod changes;
pub mod compare;
pub mod form;
pub mod named_model;
pub mod paging;
pub mod params;
pub mod price_tags;
pub mod ranking;
pub mod upload;
pub mod usage;
pub mod where_to_buy;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::error::{AppError, AppResult};
use crate::AppState;
use crate::pricing::market::Market;
use crate::store::Catalogue;
pub use form::FieldErrors;
pub use params::Params;

/// A route's query: what it reads and how.
pub trait PageQuery: Sized {
    /// Every parameter the query reads. The page cache keys a URL by these alone (and does
    /// not cache a URL naming any other), and the crawl test fails on a form field or link
    /// naming one its page does not list.
    const PARAMS: &'static [&'static str];

    /// Reads the query. Each problem is filed under its field, and the field is read as if
    /// it were absent, so a page can show the form again with every message by its field.
    fn parse(params: &Params, catalogue: &Catalogue) -> (Self, FieldErrors);
}

/// The typed query of a request, read by `T`'s [`PageQuery::parse`], with the catalogue it
/// was checked against, which is the one the answer must be built from (a refresh may swap
/// the catalogue in the middle of a request).
///
/// Pages that show a form take the problems as they are and answer 400 with the form;
/// answers that have no form to show them by (exports, feeds) call [`Query::checked`].
pub struct Query<T> {
    /// The catalogue with its sellers; it reads as a [`Catalogue`].
    pub catalogue: Arc<Market>,
    pub value: T,
    pub errors: FieldErrors,
}

impl<T> Query<T> {
    /// The query, or a 400 with every problem by its field.
    pub fn checked(self) -> AppResult<Query<T>> {
        if self.errors.is_empty() {
            Ok(self)
        } else {
            Err(AppError::Invalid(self.errors))
        }
    }
}

impl<T: PageQuery> FromRequestParts<AppState> for Query<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Query<T>> {
        #[cfg(debug_assertions)]
        if let Some(route) = parts.extensions.get::<axum::extract::MatchedPath>() {
            // The route table names this route's query type; a handler reading another
            // would leave the page cache keyed by the wrong parameters.
            debug_assert_eq!(
                super::routes::params_of_route(route.as_str()),
                Some(T::PARAMS),
                "{} is registered with another query type than its handler reads",
                route.as_str()
            );
        }
        let catalogue = state.catalogue();
        let (value, errors) = T::parse(
            &Params::parse(parts.uri.query()).listing(T::PARAMS),
            &catalogue,
        );
        Ok(Query {
            catalogue,
            value,
            errors,
        })
    }
}
