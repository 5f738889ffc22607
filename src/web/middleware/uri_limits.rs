//! Request-line limits, checked before any handler parses a thing: absurdly long paths and
//! query strings get a 414, paths whose percent-escapes are not UTF-8 a 400, and any method
//! but GET and HEAD a 405 (POST passes where a route takes uploads, `uploads.rs`), each as the
//! site's own error page; a path with a trailing slash is redirected (308) to the one
//! without, its query kept, so every page has one address. Ours: tower-http limits bodies,
//! not URIs or methods, and its `NormalizePath` rewrites the path in place, which would
//! answer the second address too.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::uploads::Uploads;
use crate::web::AppError;
use crate::web::extractors::params::MAX_QUERY_BYTES;

/// Longest path any page has (model ids are short).
const MAX_PATH_BYTES: usize = 2048;

/// Refuses absurdly long URLs, paths that do not decode to text, and anything but GET/HEAD
/// (or an upload's POST) before any handler parses them.
pub async fn limit_uri(State(uploads): State<Uploads>, request: Request, next: Next) -> Response {
    let uri = request.uri();
    let (path_len, query_len) = (uri.path().len(), uri.query().map_or(0, str::len));
    let too_long = if path_len > MAX_PATH_BYTES {
        Some(("path", path_len, MAX_PATH_BYTES))
    } else if query_len > MAX_QUERY_BYTES {
        Some(("query string", query_len, MAX_QUERY_BYTES))
    } else {
        None
    };
    if let Some((part, bytes, limit)) = too_long {
        return AppError::UriTooLong { part, bytes, limit }.into_response();
    }
    // Every route decodes its path parameters as UTF-8 (model ids, slugs, files); refused
    // here, the reader gets our error page rather than the extractor's plain-text rejection.
    if std::str::from_utf8(&percent_decode(uri.path())).is_err() {
        return AppError::invalid(
            "path",
            "This address holds percent-escapes that are not UTF-8 text (such as %FF), \
             so it cannot name any page here. Check the link it came from.",
        )
        .into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) && !uploads.takes(&request) {
        return AppError::MethodNotAllowed.into_response();
    }
    if let Some(location) = without_trailing_slash(uri.path(), uri.query()) {
        return Redirect::permanent(&location).into_response();
    }
    next.run(request).await
}

/// Where a path ending in `/` (but `/` itself) lives: the same path without its trailing
/// slashes, the query as it was. `None` when the path has none.
fn without_trailing_slash(path: &str, query: Option<&str>) -> Option<String> {
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    // `//evil.example/` must not become `//evil.example`, which a browser reads as another
    // host: leading slashes collapse to one.
    let trimmed = format!("/{}", trimmed.trim_start_matches('/'));
    Some(match query {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed,
    })
}

/// The bytes a percent-encoded path stands for (a `%` not followed by two hex digits is
/// itself, as axum reads it).
fn percent_decode(path: &str) -> Vec<u8> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trailing_slash_is_dropped_and_the_query_kept() {
        assert_eq!(without_trailing_slash("/", None), None);
        assert_eq!(without_trailing_slash("/about", None), None);
        assert_eq!(
            without_trailing_slash("/about/", None).as_deref(),
            Some("/about")
        );
        assert_eq!(
            without_trailing_slash("/models/acme/alpha//", Some("tools=1")).as_deref(),
            Some("/models/acme/alpha?tools=1")
        );
        // Never an address on another host.
        assert_eq!(
            without_trailing_slash("//evil.example/", None).as_deref(),
            Some("/evil.example")
        );
        assert_eq!(without_trailing_slash("///", None).as_deref(), Some("/"));
    }
}
