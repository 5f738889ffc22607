//! Validators and conditional GETs for cached pages: one strong ETag per data version and
//! coding (a page's bytes change only when the data, the build or the coding does), a
//! `Last-Modified` from the last successful refresh, and the RFC 9110 §13.2.2 rule for when a
//! request's `If-None-Match` / `If-Modified-Since` earns a 304. Ours: tower-http's
//! conditional handling lives inside `ServeDir` for files on disk; these validators come from
//! the catalogue, not from a file.

use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, Utc};

use super::encoding::Encoding;
use crate::pricing::market::Market;
use crate::store::catalogue::STALE_AFTER_HOURS;

/// A data version and its ETag per coding (identity, gzip, brotli).
pub struct DataVersion {
    pub tag: String,
    etags: [HeaderValue; 3],
}

impl DataVersion {
    /// The ETag of this version's page in `encoding`.
    pub fn etag(&self, encoding: Encoding) -> &HeaderValue {
        &self.etags[match encoding {
            Encoding::Identity => 0,
            Encoding::Gzip => 1,
            Encoding::Brotli => 2,
        }]
    }
}

/// The validators of one catalogue, worked out once rather than on every request.
pub struct Validators {
    catalogue: Weak<Market>,
    /// While fresh and once stale: pages say which, so the two are different versions.
    fresh: DataVersion,
    stale: DataVersion,
    stale_after: Option<DateTime<Utc>>,
    pub last_modified: Option<(HeaderValue, SystemTime)>,
}

impl Validators {
    pub fn new(catalogue: &Arc<Market>) -> Validators {
        let freshness = &catalogue.freshness;
        let versions = |stale: bool| {
            let tag = format!(
                "{}-{}",
                crate::web::layout::BUILD_ID,
                freshness.version_tag_with(stale)
            );
            let etag = |suffix: &str| {
                HeaderValue::from_str(&format!("\"{tag}{suffix}\""))
                    .unwrap_or(HeaderValue::from_static("\"unversioned\""))
            };
            let etags = [etag(""), etag("-gzip"), etag("-br")];
            DataVersion { tag, etags }
        };
        Validators {
            catalogue: Arc::downgrade(catalogue),
            fresh: versions(false),
            stale: versions(true),
            stale_after: freshness
                .as_of()
                .map(|t| t + chrono::Duration::hours(STALE_AFTER_HOURS)),
            last_modified: freshness.last_success.as_ref().and_then(|r| {
                // Whole seconds, as the header carries them, so If-Modified-Since compares equal.
                let seconds = u64::try_from(r.finished_at.timestamp()).ok()?;
                let time = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
                let value = HeaderValue::from_str(&httpdate::fmt_http_date(time)).ok()?;
                Some((value, time))
            }),
        }
    }

    /// Whether these are the validators of `catalogue` (the one being served).
    pub fn are_for(&self, catalogue: &Arc<Market>) -> bool {
        std::ptr::eq(self.catalogue.as_ptr(), Arc::as_ptr(catalogue))
    }

    /// The version pages have at `now`.
    pub fn current(&self, now: DateTime<Utc>) -> &DataVersion {
        if self.stale_after.is_none_or(|t| now > t) {
            &self.stale
        } else {
            &self.fresh
        }
    }
}

/// Whether a GET or HEAD that would answer 200 with these validators answers 304 instead
/// (RFC 9110 §13.2.2): `If-None-Match` by weak comparison, `*` matching any current
/// representation; without it, `If-Modified-Since` against `Last-Modified`.
pub fn not_modified(
    headers: &HeaderMap,
    etag: &HeaderValue,
    last_modified: Option<&(HeaderValue, SystemTime)>,
) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let ours = opaque(etag.to_str().unwrap_or_default());
    let mut if_none_match = headers.get_all(header::IF_NONE_MATCH).iter().peekable();
    if if_none_match.peek().is_some() {
        return if_none_match
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim() == "*" || opaque(tag) == ours);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    matches!((since, last_modified), (Some(since), Some((_, modified))) if *modified <= since)
}
