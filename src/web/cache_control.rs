//! The `Cache-Control` an answer sets itself: the feeds, the sitemap, `robots.txt` and the
//! stylesheet. Pages set none: the page cache marks every page it keeps
//! (`super::middleware`).

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// How long browsers and shared caches may keep an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheControl {
    /// `public, max-age=N`.
    PublicFor(u32),
    /// `public, max-age=31536000, immutable`: a URL whose content never changes (the
    /// stylesheet under its content hash).
    Immutable,
}

impl CacheControl {
    /// Sets the header on `response`.
    pub fn apply(self, mut response: Response) -> Response {
        let value = match self {
            CacheControl::PublicFor(seconds) => {
                HeaderValue::from_str(&format!("public, max-age={seconds}"))
            }
            CacheControl::Immutable => Ok(HeaderValue::from_static(
                "public, max-age=31536000, immutable",
            )),
        };
        if let Ok(value) = value {
            response.headers_mut().insert(header::CACHE_CONTROL, value);
        }
        response
    }
}
