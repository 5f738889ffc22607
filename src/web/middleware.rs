//! What wraps every route: security headers, request limits, conditional GETs, and a cache of
//! rendered (and compressed) pages keyed by URL and data version, so a page is rendered once
//! per refresh, not once per request.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, Weak};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use chrono::{DateTime, Utc};

use super::AppError;
use super::params::MAX_QUERY_BYTES;
use crate::AppState;
use crate::store::Catalogue;
use crate::store::catalogue::STALE_AFTER_HOURS;

/// Bodies larger than this are served but not cached.
const MAX_CACHED_BODY: usize = 2 * 1024 * 1024;
/// The cache is emptied when it grows past this; it refills with what readers actually ask for.
const MAX_CACHE_BYTES: usize = 64 * 1024 * 1024;
/// Longest path any page has (model ids are short).
const MAX_PATH_BYTES: usize = 2048;
/// Below this size compression is not worth a header.
const MIN_COMPRESS: usize = 1024;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response, errors included.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    headers.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    response
}

/// Refuses absurdly long URLs and anything but GET/HEAD before any handler parses them.
pub async fn limit_uri(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let query_len = uri.query().map_or(0, str::len);
    if query_len > MAX_QUERY_BYTES || uri.path().len() > MAX_PATH_BYTES {
        return AppError::UriTooLong {
            bytes: query_len + uri.path().len(),
            limit: MAX_QUERY_BYTES,
        }
        .into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return AppError::MethodNotAllowed.into_response();
    }
    next.run(request).await
}

/// How a response body is encoded for a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// Picks brotli, then gzip, from `Accept-Encoding`, honouring `q=0`.
    pub fn negotiate(headers: &HeaderMap) -> Encoding {
        let Some(accept) = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
        else {
            return Encoding::Identity;
        };
        let accepts = |name: &str| {
            accept.split(',').any(|part| {
                let mut pieces = part.split(';');
                let coding = pieces.next().unwrap_or_default().trim();
                let refused = pieces.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                coding.eq_ignore_ascii_case(name) && !refused
            })
        };
        if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    fn compress(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Encoding::Identity => Ok(body.to_vec()),
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                encoder.write_all(body)?;
                encoder.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                {
                    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
                    writer.write_all(body)?;
                }
                Ok(out)
            }
        }
    }
}

struct CachedPage {
    version: String,
    content_type: HeaderValue,
    extra: Vec<(header::HeaderName, HeaderValue)>,
    body: Bytes,
}

/// The validators of one catalogue, worked out once rather than on every request.
struct Validators {
    catalogue: Weak<Catalogue>,
    /// (version, ETag per encoding) while fresh and once stale.
    fresh: (String, [HeaderValue; 3]),
    stale: (String, [HeaderValue; 3]),
    stale_after: Option<DateTime<Utc>>,
    last_modified: Option<HeaderValue>,
}

impl Validators {
    fn new(catalogue: &Arc<Catalogue>) -> Validators {
        let freshness = &catalogue.freshness;
        let versions = |stale: bool| {
            let version = format!(
                "{}-{}",
                super::layout::BUILD_ID.as_str(),
                freshness.version_tag_with(stale)
            );
            let etag = |suffix: &str| {
                HeaderValue::from_str(&format!("\"{version}{suffix}\""))
                    .unwrap_or(HeaderValue::from_static("\"unversioned\""))
            };
            let etags = [etag(""), etag("-gzip"), etag("-br")];
            (version, etags)
        };
        Validators {
            catalogue: Arc::downgrade(catalogue),
            fresh: versions(false),
            stale: versions(true),
            stale_after: freshness
                .as_of()
                .map(|t| t + chrono::Duration::hours(STALE_AFTER_HOURS)),
            last_modified: freshness.last_success.as_ref().and_then(|r| {
                HeaderValue::from_str(
                    &r.finished_at
                        .format("%a, %d %b %Y %H:%M:%S GMT")
                        .to_string(),
                )
                .ok()
            }),
        }
    }

    fn current(&self, now: DateTime<Utc>) -> &(String, [HeaderValue; 3]) {
        if self.stale_after.is_none_or(|t| now > t) {
            &self.stale
        } else {
            &self.fresh
        }
    }
}

/// Rendered pages by (URL, encoding), valid for one data version.
#[derive(Default)]
pub struct PageCache {
    pages: RwLock<HashMap<(String, Encoding), Arc<CachedPage>>>,
    bytes: AtomicUsize,
    validators: RwLock<Option<Arc<Validators>>>,
}

impl PageCache {
    fn validators(&self, catalogue: &Arc<Catalogue>) -> Arc<Validators> {
        if let Ok(current) = self.validators.read()
            && let Some(v) = current.as_ref()
            && std::ptr::eq(v.catalogue.as_ptr(), Arc::as_ptr(catalogue))
        {
            return v.clone();
        }
        let fresh = Arc::new(Validators::new(catalogue));
        if let Ok(mut slot) = self.validators.write() {
            *slot = Some(fresh.clone());
        }
        fresh
    }

    fn get(&self, key: &(String, Encoding), version: &str) -> Option<Arc<CachedPage>> {
        let pages = self.pages.read().ok()?;
        pages.get(key).filter(|p| p.version == version).cloned()
    }

    fn put(&self, key: (String, Encoding), page: Arc<CachedPage>) {
        let Ok(mut pages) = self.pages.write() else {
            return;
        };
        let size = page.body.len() + key.0.len();
        if self.bytes.load(Ordering::Relaxed) + size > MAX_CACHE_BYTES {
            pages.clear();
            self.bytes.store(0, Ordering::Relaxed);
        }
        self.bytes.fetch_add(size, Ordering::Relaxed);
        pages.insert(key, page);
    }

    /// Drops every page; called when the data changes.
    pub fn clear(&self) {
        if let Ok(mut pages) = self.pages.write() {
            pages.clear();
            self.bytes.store(0, Ordering::Relaxed);
        }
    }
}

fn cacheable_type(content_type: &str) -> bool {
    [
        "text/html",
        "application/json",
        "text/csv",
        "application/atom+xml",
        "image/svg+xml",
    ]
    .iter()
    .any(|t| content_type.starts_with(t))
}

fn etag_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag)
}

/// Conditional GETs, validators, compression and the page cache, for GET pages.
pub async fn cache_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if request.method() != Method::GET || path == "/healthz" || path.starts_with("/static/") {
        return next.run(request).await;
    }
    let catalogue = state.catalogue();
    let validators_memo = state.pages.validators(&catalogue);
    let (version, etags) = validators_memo.current(Utc::now());
    let encoding = Encoding::negotiate(request.headers());
    let etag = &etags[match encoding {
        Encoding::Identity => 0,
        Encoding::Gzip => 1,
        Encoding::Brotli => 2,
    }];
    let validators = |response: &mut Response| {
        let headers = response.headers_mut();
        headers.insert(header::ETAG, etag.clone());
        if let Some(value) = &validators_memo.last_modified {
            headers.insert(header::LAST_MODIFIED, value.clone());
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300, stale-while-revalidate=86400"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    };
    if etag_matches(request.headers(), etag.to_str().unwrap_or_default()) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        validators(&mut response);
        return response;
    }

    let key = (request.uri().to_string(), encoding);
    if let Some(page) = state.pages.get(&key, version) {
        return cached_response(page, encoding, validators);
    }
    let response = next.run(request).await;
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let Some(content_type) = content_type
        .filter(|ct| response.status() == StatusCode::OK && ct.to_str().is_ok_and(cacheable_type))
    else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "could not read a rendered body");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let encoding = if bytes.len() < MIN_COMPRESS {
        Encoding::Identity
    } else {
        encoding
    };
    let body = match encoding.compress(&bytes) {
        Ok(compressed) => Bytes::from(compressed),
        Err(err) => {
            tracing::error!(error = %err, "compression failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let extra: Vec<(header::HeaderName, HeaderValue)> = parts
        .headers
        .iter()
        .filter(|(name, _)| **name == header::CONTENT_DISPOSITION)
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let page = Arc::new(CachedPage {
        version: version.clone(),
        content_type,
        extra,
        body,
    });
    if page.body.len() <= MAX_CACHED_BODY {
        state.pages.put(key, page.clone());
    }
    cached_response(page, encoding, validators)
}

fn cached_response(
    page: Arc<CachedPage>,
    encoding: Encoding,
    validators: impl FnOnce(&mut Response),
) -> Response {
    let mut response = Response::new(Body::from(page.body.clone()));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, page.content_type.clone());
    for (name, value) in &page.extra {
        headers.insert(name.clone(), value.clone());
    }
    if let Some(coding) = encoding.header() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    validators(&mut response);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn encoding_prefers_brotli_then_gzip_and_honours_q_zero() {
        assert_eq!(
            Encoding::negotiate(&with_accept("gzip, deflate, br")),
            Encoding::Brotli
        );
        assert_eq!(Encoding::negotiate(&with_accept("gzip")), Encoding::Gzip);
        assert_eq!(
            Encoding::negotiate(&with_accept("br;q=0, gzip;q=0.5")),
            Encoding::Gzip
        );
        assert_eq!(
            Encoding::negotiate(&with_accept("identity")),
            Encoding::Identity
        );
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), Encoding::Identity);
    }
}
