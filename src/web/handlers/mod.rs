//! The handlers: one module per route family, each handler's doc naming its route. A handler
//! reads its request (a typed [`super::extractors::Query`], a path, the state), calls the
//! page or export that answers, and returns it: every handler returns
//! [`AppResult`](super::error::AppResult) of a page struct, a JSON value or a `Response`.
//! Which handler answers which path is [`super::routes`].

pub mod about;
pub mod assets;
pub mod calculator;
pub mod changes;
pub mod compare;
pub mod guide;
pub mod health;
pub mod home;
pub mod model;
pub mod models;
pub mod price_tags;
pub mod provider_directory;
pub mod ranking;
pub mod sitemap;
pub mod usage;
