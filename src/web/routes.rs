//! The route table: every path the site answers, with its handler, the query type the
//! handler reads, and whether its answers are pages. The router is built from it, and so is
//! what the page cache needs to know of a route: the parameters each path reads
//! ([`known_params`]), which it keys URLs by ([`super::canonical`]), a route's parameters
//! being its query type's [`PageQuery::PARAMS`], written once, beside the code that reads
//! them; and the few routes it must leave alone ([`cache_policies`]).

use std::sync::LazyLock;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get};

use super::error;
use super::extractors::PageQuery;
use super::extractors::calculator::{BillQuery, CalculatorForm};
use super::extractors::catalogue::CatalogueQuery;
use super::extractors::changes::{ChangesDayQuery, ChangesQuery};
use super::extractors::compare::CompareQuery;
use super::extractors::price_tags::PriceTagsQuery;
use super::extractors::ranking::RankingQuery;
use super::extractors::usage::UsageQuery;
use super::extractors::where_to_buy::WhereToBuyQuery;
use super::handlers::{
    about, assets, calculator, changes, compare, guide, health, home, model, models, price_tags,
    provider_directory, ranking, sitemap, usage,
};
use super::middleware::{CachePolicy, RouteCachePolicies};
use crate::AppState;

/// One route: its path (axum's syntax), the parameters its handler reads, what the page
/// cache does with its answers, whether it takes a POSTed upload, and the handler.
struct Route {
    path: &'static str,
    params: &'static [&'static str],
    cache: CachePolicy,
    uploads: bool,
    handler: MethodRouter<AppState>,
}

impl Route {
    /// A page (or feed, or export) whose handler reads no query parameters.
    fn new(path: &'static str, handler: MethodRouter<AppState>) -> Route {
        Route {
            path,
            params: &[],
            cache: CachePolicy::Page,
            uploads: false,
            handler,
        }
    }

    /// A page whose handler reads the query `Q` (through [`super::extractors::Query`]).
    fn reading<Q: PageQuery>(path: &'static str, handler: MethodRouter<AppState>) -> Route {
        Route {
            params: Q::PARAMS,
            ..Route::new(path, handler)
        }
    }

    /// A route whose answers are not pages: the page cache leaves them to `cache`.
    fn not_a_page(self, cache: CachePolicy) -> Route {
        Route { cache, ..self }
    }

    /// A route that also takes a POSTed upload, under the limits of
    /// `middleware/uploads.rs` (its GET answers stay pages).
    fn taking_uploads(self) -> Route {
        Route {
            uploads: true,
            ..self
        }
    }
}

/// Every route of the site.
fn table() -> Vec<Route> {
    vec![
        Route::new("/", get(home::home)),
        Route::reading::<CatalogueQuery>("/models", get(models::catalogue)),
        Route::reading::<WhereToBuyQuery>("/models/{*id}", get(model::model_page)),
        Route::reading::<CompareQuery>("/compare", get(compare::compare)),
        Route::new("/providers", get(provider_directory::index)),
        Route::new("/providers/{slug}", get(provider_directory::provider)),
        Route::reading::<CalculatorForm>("/calculator", get(calculator::calculator)),
        Route::reading::<BillQuery>("/calculator/bill", get(calculator::bill)),
        Route::reading::<CatalogueQuery>("/api/models.json", get(models::export_json)),
        Route::reading::<CatalogueQuery>("/api/models.csv", get(models::export_csv)),
        Route::reading::<PriceTagsQuery>("/api/price-tags.json", get(price_tags::api_json)),
        Route::reading::<PriceTagsQuery>("/api/price-tags.csv", get(price_tags::api_csv)),
        Route::new("/discrepancies", get(price_tags::page)),
        Route::new(
            "/api/discrepancies.json",
            get(price_tags::api_discrepancies),
        ),
        Route::reading::<RankingQuery>("/ranking", get(ranking::ranking)),
        Route::new("/about", get(about::about)),
        Route::new("/guide/why-prices-differ", get(guide::why_prices_differ)),
        Route::reading::<ChangesQuery>("/changes", get(changes::page)),
        Route::reading::<ChangesQuery>("/changes.atom", get(changes::feed)),
        Route::reading::<ChangesDayQuery>("/api/changes.json", get(changes::api)),
        Route::new("/feeds/models/{*id}", get(changes::model_feed)),
        // It must tell what is true now, and answer even when every render slot is taken.
        Route::new("/healthz", get(health::healthz)).not_a_page(CachePolicy::Never),
        Route::new("/sitemap.xml", get(sitemap::sitemap)),
        Route::new("/robots.txt", get(sitemap::robots)),
        Route::new("/static/{*path}", get(assets::static_file))
            .not_a_page(CachePolicy::StaticAsset),
        Route::reading::<UsageQuery>("/usage", get(usage::form).post(usage::upload))
            .taking_uploads(),
    ]
}

/// Every route, and any other path answered by the 404 page.
pub fn router(state: AppState) -> Router {
    table()
        .into_iter()
        .fold(Router::new(), |router, route| {
            let handler = if route.uploads {
                // The upload middleware bounds the body; axum's 2 MB default for multipart
                // forms would cut a file off before it.
                route.handler.layer(DefaultBodyLimit::disable())
            } else {
                route.handler
            };
            router.route(route.path, handler)
        })
        .fallback(error::not_found)
        .with_state(state)
}

/// (path, parameters) of every route, from the one table.
static PARAMS: LazyLock<Vec<(&'static str, &'static [&'static str])>> = LazyLock::new(|| {
    table()
        .into_iter()
        .map(|route| (route.path, route.params))
        .collect()
});

/// The routes that take uploads, from the one table.
static UPLOADS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    table()
        .into_iter()
        .filter(|route| route.uploads)
        .map(|route| route.path)
        .collect()
});

/// The routes that take a POSTed upload, by the pattern they are routed by.
pub fn upload_routes() -> &'static [&'static str] {
    UPLOADS.as_slice()
}

/// The routes whose answers are not pages, from the one table.
static NOT_PAGES: LazyLock<Vec<(&'static str, CachePolicy)>> = LazyLock::new(|| {
    table()
        .into_iter()
        .filter(|route| route.cache != CachePolicy::Page)
        .map(|route| (route.path, route.cache))
        .collect()
});

/// The routes the page cache, its validators and its render threads leave alone, by the
/// pattern they are routed by; every other route is a page.
pub fn cache_policies() -> RouteCachePolicies {
    RouteCachePolicies(NOT_PAGES.as_slice())
}

/// The parameters `path` reads: those of the route that answers it, none for a path no
/// route takes.
pub fn known_params(path: &str) -> &'static [&'static str] {
    PARAMS
        .iter()
        .find(|(route, _)| answers(route, path))
        .map_or(&[], |(_, params)| params)
}

/// Every route's path as axum writes it (`/models/{*id}`): the metrics' route labels.
pub fn templates() -> impl Iterator<Item = &'static str> {
    PARAMS.iter().map(|(path, _)| *path)
}

/// The parameters of the route written `route` (as axum's `MatchedPath` gives it), for the
/// debug builds' check that each handler reads its route's query type.
#[cfg(debug_assertions)]
pub(crate) fn params_of_route(route: &str) -> Option<&'static [&'static str]> {
    PARAMS
        .iter()
        .find(|(path, _)| *path == route)
        .map(|(_, params)| *params)
}

/// Whether the route written `route` takes `path`: the same text, or the same text up to a
/// `{*wildcard}` (any rest) or a `{segment}` (one segment, no `/`).
fn answers(route: &str, path: &str) -> bool {
    let Some((prefix, capture)) = route.split_once('{') else {
        return route == path;
    };
    let Some(rest) = path.strip_prefix(prefix) else {
        return false;
    };
    capture.starts_with('*') || !rest.contains('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_reads_the_parameters_of_the_route_that_takes_it() {
        assert!(known_params("/models").contains(&"sort"));
        assert_eq!(known_params("/models/acme/alpha"), WhereToBuyQuery::PARAMS);
        assert_eq!(known_params("/calculator/bill"), BillQuery::PARAMS);
        assert!(known_params("/providers/acme").is_empty());
        assert!(known_params("/no-such-page").is_empty());
    }

    #[test]
    fn wildcards_take_any_rest_and_segments_one() {
        assert!(answers("/models/{*id}", "/models/acme/alpha:free"));
        assert!(answers("/providers/{slug}", "/providers/acme"));
        assert!(!answers("/providers/{slug}", "/providers/acme/more"));
        assert!(!answers("/models", "/models/acme"));
    }
}
