//! The Host header check (RFC 9112 §3.2): an HTTP/1.1 request without a Host header, any
//! request with more than one, or one whose Host is not a host (and optional port) gets our
//! 400 page. Ours: tower-http has no Host validation, and the answer is the site's own error
//! page.

use axum::extract::Request;
use axum::http::{HeaderValue, Version, header};

use crate::web::AppError;

/// Why a request cannot be answered for its Host header (missing on HTTP/1.1, repeated, or
/// not a host), if it cannot. Checked by the front of the site (`front.rs`) on every request.
pub fn host_problem(request: &Request) -> Option<AppError> {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let problem = match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => {
            Some("This request names the site in more than one Host header. Send exactly one.")
        }
        (None, None) if request.version() == Version::HTTP_11 => {
            Some("HTTP/1.1 requests must name the site in a Host header.")
        }
        (Some(host), None) if !is_valid_host(host) => {
            Some("The Host header is not a host name with an optional port.")
        }
        _ => None,
    };
    problem.map(|message| AppError::invalid("Host", message))
}

fn is_valid_host(value: &HeaderValue) -> bool {
    value.to_str().ok().is_some_and(|text| {
        !text.is_empty()
            && !text.contains('@')
            && text.parse::<axum::http::uri::Authority>().is_ok()
    })
}
