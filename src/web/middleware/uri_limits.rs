//! URL limits, checked before any handler parses a thing: absurdly long paths and
//! query strings get a 414 and paths whose percent-escapes are not UTF-8 a 400, each as the
//! site's own error page; a path with a trailing slash is redirected (308) to the one
//! without, its query kept, so every page has one address. (Methods are checked once a
//! request is routed, in `uploads.rs`: POST passes where a route takes uploads.) Ours:
//! tower-http limits bodies, not URIs, and its `NormalizePath` rewrites the path in place,
//! which would answer the second address too.

use axum::extract::Request;
use axum::response::{IntoResponse, Redirect, Response};

use crate::web::AppError;
use crate::web::extractors::params::MAX_QUERY_BYTES;

/// Longest path any page has (model ids are short).
const MAX_PATH_BYTES: usize = 2048;

/// Why a request cannot be answered for its URL (absurdly long, or a path that does not
/// decode to text), if it cannot: checked by the front of the site (`front.rs`) before any
/// handler parses a thing.
pub fn uri_problem(request: &Request) -> Option<AppError> {
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
        return Some(AppError::UriTooLong { part, bytes, limit });
    }
    // Every route decodes its path parameters as UTF-8 (model ids, slugs, files); refused
    // here, the reader gets our error page rather than the extractor's plain-text rejection.
    // A path without escapes decodes to itself, which is text already: nothing to decode.
    if uri.path().contains('%') && std::str::from_utf8(&percent_decode(uri.path())).is_err() {
        return Some(AppError::invalid(
            "path",
            "This address holds percent-escapes that are not UTF-8 text (such as %FF), \
             so it cannot name any page here. Check the link it came from.",
        ));
    }
    None
}

/// The redirect (308) from a path with a trailing slash to the page's one address, if the
/// request's path has one: checked by the front of the site (`front.rs`) before the cache,
/// so `/about/` is never a 404 and `/models/…/` never a second copy of the page.
pub fn trailing_slash_redirect(request: &Request) -> Option<Response> {
    let uri = request.uri();
    without_trailing_slash(uri.path(), uri.query())
        .map(|location| Redirect::permanent(&location).into_response())
}

/// Where a path ending in `/` (but `/` itself) lives: the same path without its trailing
/// slashes, the query as it was. `None` when the path has none.
fn without_trailing_slash(path: &str, query: Option<&str>) -> Option<String> {
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    // `//evil.example/` must not become `//evil.example`, which a browser reads as another
    // host, nor `/\evil.example/` become `/\evil.example`, which it reads the same way (a
    // backslash is a slash to a browser): leading slashes and backslashes collapse to one.
    let trimmed = format!("/{}", trimmed.trim_start_matches(['/', '\\']));
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
        assert_eq!(
            without_trailing_slash("/\\evil.example/", None).as_deref(),
            Some("/evil.example")
        );
        assert_eq!(
            without_trailing_slash("/\\/\\evil.example/", None).as_deref(),
            Some("/evil.example")
        );
        assert_eq!(without_trailing_slash("///", None).as_deref(), Some("/"));
    }
}
