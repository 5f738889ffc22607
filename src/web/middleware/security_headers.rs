//! The security headers every response carries, errors included: a strict
//! Content-Security-Policy (the site has no inline script or style), no MIME sniffing, no
//! framing, a referrer policy, and no powerful browser features. They are fixed strings, so
//! tower-http's `SetResponseHeaderLayer` sets them, each overriding whatever a handler set.

use axum::http::{HeaderName, HeaderValue, header};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const PERMISSIONS_POLICY: &str =
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()";

type SetHeader = SetResponseHeaderLayer<HeaderValue>;

/// The five header-setting layers, applied as one.
pub type SecurityHeaders = ServiceBuilder<
    Stack<
        SetHeader,
        Stack<SetHeader, Stack<SetHeader, Stack<SetHeader, Stack<SetHeader, Identity>>>>,
    >,
>;

/// Adds the security headers to every response, errors included. Listed outermost first:
/// the innermost sets its header first, so a response carries them in the order the site has
/// always sent them, the policy first.
pub fn security_headers() -> SecurityHeaders {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    ServiceBuilder::new()
        .layer(set(
            HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        ))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        .layer(set(
            header::REFERRER_POLICY,
            "strict-origin-when-cross-origin",
        ))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::CONTENT_SECURITY_POLICY, CSP))
}
