//! What every page shares: navigation, the freshness line, and the stylesheet, which is
//! compiled in and served under a content-hashed URL so browsers may cache it for a year.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::store::Catalogue;

const STYLE_CSS: &str = include_str!("../../static/style.css");

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

/// Identifies this build: the crate version and the running executable's size and
/// modification time, so validators change when the code does.
pub static BUILD_ID: LazyLock<String> = LazyLock::new(|| {
    let stamp = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|meta| {
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{modified}", meta.len())
        })
        .unwrap_or_default();
    format!(
        "{}-{:08x}",
        env!("CARGO_PKG_VERSION"),
        fnv1a(stamp.as_bytes()) >> 32
    )
});

/// Serves the compiled-in assets; nothing is read from disk, so no path can escape.
pub async fn static_file(Path(path): Path<String>) -> Response {
    let name = format!("/static/{path}");
    if name == *STYLE_URL || name == "/static/style.css" {
        let cache = if name == *STYLE_URL {
            "public, max-age=31536000, immutable"
        } else {
            "public, max-age=300"
        };
        return (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/css; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            STYLE_CSS,
        )
            .into_response();
    }
    super::AppError::not_found(format!(
        "There is no file at {}.",
        super::params::clip(&name)
    ))
    .into_response()
}

/// The navigation sections.
pub const NAV: &[(&str, &str)] = &[
    ("/models", "Models"),
    ("/calculator", "Calculator"),
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
    pub description: String,
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
        }
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
        }
    }

    pub fn nav_items(&self) -> &'static [(&'static str, &'static str)] {
        NAV
    }

    pub fn as_of_text(&self) -> String {
        self.as_of
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "unknown".into())
    }

    pub fn as_of_date(&self) -> String {
        self.as_of
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "unknown".into())
    }

    pub fn as_of_iso(&self) -> String {
        self.as_of
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    }
}
