//! `/sitemap.xml` and `/robots.txt`: every top-level page (with the further pages of the
//! catalogue and the ranking), every provider page and every model page, with absolute URLs
//! on the public site, and a robots file that points to the sitemap.

use std::fmt::Write as _;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::store::Catalogue;
use crate::store::listing;
use crate::web::cache_control::CacheControl;
use crate::web::error::AppResult;
use crate::web::extractors::catalogue::CatalogueQuery;
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::paging::PageChoice;
use crate::web::extractors::ranking::RankingQuery;
use crate::web::layout::{NAV, absolute};
use crate::web::pages::pager::Pager;
use crate::web::pages::ranking::ranking_for;
use crate::web::svg::escape;

/// Crawlers may keep the sitemap and the robots file for an hour.
const CACHE: CacheControl = CacheControl::PublicFor(3600);

/// Top-level pages besides the navigation's sections.
const OTHER_PAGES: &[&str] = &["/", "/compare", "/providers"];

/// The site's paths: top-level pages first, then each provider page in the provider list's
/// order (every slug it has, listed now or before, answers 200), then each model page in id
/// order.
fn paths(catalogue: &Catalogue) -> Vec<String> {
    let mut paths: Vec<String> = OTHER_PAGES
        .iter()
        .chain(NAV.iter().map(|(href, _)| href))
        .map(|p| p.to_string())
        .collect();
    paths.extend(further_pages(catalogue));
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

/// The pages after the first of the unfiltered catalogue and ranking, as their own pages
/// link to them.
fn further_pages(catalogue: &Catalogue) -> Vec<String> {
    let models = CatalogueQuery::default();
    let ranking = RankingQuery::default();
    let lists = [
        (
            listing::select(catalogue, &models).len(),
            Box::new(|page| models.href_on(page)) as Box<dyn Fn(PageChoice) -> String>,
        ),
        (
            ranking_for(catalogue, &ranking, &mut FieldErrors::default())
                .map_or(0, |r| r.ranked.len()),
            Box::new(|page| ranking.href_on(page)),
        ),
    ];
    lists
        .iter()
        .flat_map(|(rows, href)| {
            let pages = Pager::new(*rows, PageChoice::default(), href).pages;
            (2..=pages).map(|n| href(PageChoice::Number(n)))
        })
        .collect()
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
