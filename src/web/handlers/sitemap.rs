//! `/sitemap.xml` and `/robots.txt`: every top-level page, every provider page and every
//! model page, with absolute URLs on the public site, and a robots file that points to the
//! sitemap.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::web::cache_control::CacheControl;
use crate::web::error::AppResult;
use crate::web::layout::{NAV, absolute};
use crate::web::svg::escape;

/// Crawlers may keep the sitemap and the robots file for an hour.
const CACHE: CacheControl = CacheControl::PublicFor(3600);

/// Top-level pages besides the navigation's sections.
const OTHER_PAGES: &[&str] = &["/", "/compare", "/providers"];

/// The site's paths: top-level pages first, then each provider page in the provider list's
/// order (every slug it has, listed now or before, answers 200), then each model page in id
/// order.
fn paths(catalogue: &crate::store::Catalogue) -> Vec<String> {
    let mut paths: Vec<String> = OTHER_PAGES
        .iter()
        .chain(NAV.iter().map(|(href, _)| href))
        .map(|p| p.to_string())
        .collect();
    paths.extend(
        catalogue
            .provider_directory()
            .providers
            .iter()
            .map(|p| format!("/providers/{}", p.info.slug)),
    );
    let mut ids: Vec<&str> = catalogue
        .all()
        .iter()
        .map(|e| e.model.id.as_str())
        .collect();
    ids.sort_unstable();
    paths.extend(ids.into_iter().map(|id| format!("/models/{id}")));
    paths
}

/// `GET /sitemap.xml`.
pub async fn sitemap(State(state): State<AppState>) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let lastmod = catalogue
        .freshness
        .as_of()
        .map(|t| format!("<lastmod>{}</lastmod>", crate::format::day(t)))
        .unwrap_or_default();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in paths(&catalogue) {
        let _ = writeln!(
            xml,
            "<url><loc>{}</loc>{lastmod}</url>",
            escape(&absolute(&path))
        );
    }
    xml.push_str("</urlset>\n");
    let response = (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    );
    Ok(CACHE.apply(response.into_response()))
}

/// `GET /robots.txt`: everything may be crawled; the sitemap says where the pages are.
pub async fn robots() -> AppResult<Response> {
    let body = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        absolute("/sitemap.xml")
    );
    let response = ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body);
    Ok(CACHE.apply(response.into_response()))
}
