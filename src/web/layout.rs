//! What every page shares: navigation, the freshness line, and the stylesheet, which is
//! compiled in and served under a content-hashed URL so browsers may cache it for a year
//! (by [`super::handlers::assets`]); and the public URL every absolute link is written from.

use std::net::SocketAddr;
use std::sync::{LazyLock, OnceLock};

use chrono::{DateTime, Utc};

use crate::store::Catalogue;

/// The one stylesheet, compiled in.
pub const STYLE_CSS: &str = include_str!("../../static/style.css");

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `/static/style-<hash>.css`: changes whenever the stylesheet does.
pub static STYLE_URL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "/static/style-{:012x}.css",
        fnv1a(STYLE_CSS.as_bytes()) >> 16
    )
});

/// Identifies this build: the crate version and a hash of what the pages are made from
/// (see `build.rs`), so validators change when the code does and are the same on every
/// machine running the same release: replicas behind one CDN answer one ETag per data version.
pub const BUILD_ID: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "-",
    env!("TOKENFARE_SOURCE_HASH")
);

/// Where readers reach the site, without a trailing slash (`https://tokenfare.example`):
/// the base of every absolute URL we print (canonical links, OpenGraph tags, feeds, the
/// sitemap). Set once at start-up; unset (tests in one process), it is the default address's.
static PUBLIC_URL: OnceLock<String> = OnceLock::new();

/// The public URL when neither `--public-url` nor `--addr` says otherwise.
const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:3000";

/// Checks and normalises a public URL: http(s), a host, no query or fragment; any path is
/// kept (a site served under `/prices`), the trailing slash dropped.
pub fn parse_public_url(text: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(text.trim()).map_err(|e| {
        format!("{text:?} is not a URL ({e}); expected e.g. https://tokenfare.example")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!(
            "{text:?}: the public URL must be http:// or https:// with a host"
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{text:?}: the public URL may not have a query or fragment"
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// The public URL derived from the listening address: an unspecified address (`0.0.0.0`)
/// becomes `localhost`.
pub fn public_url_for(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// Sets the public URL for this process; the first call wins.
pub fn set_public_url(url: String) {
    let _ = PUBLIC_URL.set(url);
}

pub fn public_url() -> &'static str {
    PUBLIC_URL.get().map_or(DEFAULT_PUBLIC_URL, String::as_str)
}

/// `path` (starting with `/`) as an absolute URL on the public site.
pub fn absolute(path: &str) -> String {
    format!("{}{path}", public_url())
}

/// The public host (and port), for tag URIs' authority part.
pub fn public_host() -> String {
    reqwest::Url::parse(public_url())
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "localhost".into())
}

/// The navigation sections.
pub const NAV: &[(&str, &str)] = &[
    ("/models", "Models"),
    ("/calculator", "Calculator"),
    ("/usage", "Your usage"),
    ("/ranking", "Best value"),
    ("/changes", "Changes"),
    ("/guide/why-prices-differ", "Guide"),
    ("/about", "Methodology"),
];

/// The shared part of every page.
#[derive(Clone, Debug)]
pub struct Layout {
    pub title: String,
    pub nav: &'static str,
    pub css: &'static str,
    pub as_of: Option<DateTime<Utc>>,
    pub snapshot: bool,
    pub stale: bool,
    pub model_count: usize,
    /// This page's own summary, for search results and link previews.
    pub description: String,
    /// The canonical path and query of this page (`/models?author=anthropic`), when it has one.
    pub canonical: Option<String>,
}

impl Layout {
    pub fn new(catalogue: &Catalogue, title: impl Into<String>, nav: &'static str) -> Layout {
        let freshness = &catalogue.freshness;
        Layout {
            title: title.into(),
            nav,
            css: STYLE_URL.as_str(),
            as_of: freshness.as_of(),
            snapshot: freshness.is_snapshot(),
            stale: freshness.is_stale(Utc::now()),
            model_count: catalogue.active_count(),
            description: "LLM API prices compared: every model's price per million tokens, \
                          workload costs, and quality per dollar."
                .into(),
            canonical: None,
        }
    }

    /// Sets this page's description (search snippets, link previews).
    pub fn describe(mut self, description: impl Into<String>) -> Layout {
        self.description = description.into();
        self
    }

    /// Sets this page's canonical path and query.
    pub fn canonical(mut self, path: impl Into<String>) -> Layout {
        self.canonical = Some(path.into());
        self
    }

    /// The canonical link, absolute.
    pub fn canonical_url(&self) -> Option<String> {
        self.canonical.as_deref().map(absolute)
    }

    /// For pages rendered without a catalogue at hand (a caught panic).
    pub fn bare(title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            nav: "",
            css: STYLE_URL.as_str(),
            as_of: None,
            snapshot: false,
            stale: false,
            model_count: 0,
            description: String::new(),
            canonical: None,
        }
    }

    pub fn nav_items(&self) -> &'static [(&'static str, &'static str)] {
        NAV
    }

    pub fn as_of_text(&self) -> String {
        self.as_of
            .map(super::format::utc_minute)
            .unwrap_or_else(|| "unknown".into())
    }

    pub fn as_of_date(&self) -> String {
        self.as_of
            .map(crate::format::day)
            .unwrap_or_else(|| "unknown".into())
    }

    pub fn as_of_iso(&self) -> String {
        self.as_of
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    }
}
