//! URL limits, checked before any handler parses a thing: absurdly long paths and
//! query strings get a 414 and paths whose percent-escapes are not UTF-8 a 400, each as the
//! site's own error page. (Methods are checked once a request is routed, in `uploads.rs`:
//! POST passes where a route takes uploads.) Ours: tower-http limits bodies, not URIs.

use axum::extract::Request;

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
