//! The upstream layer: fetching every feed and reading what arrives. One HTTP client
//! ([`UpstreamClient`]: user agent, timeouts, bounded retries, a size cap, same-origin
//! redirects) serves every feed; each feed has its tolerant wire reader, which turns a body
//! into our domain types (`crate::model`) and the reasons for what it skipped. Nothing here
//! stores, matches or prices anything.

pub mod client;
pub mod official;
pub mod openrouter;

pub use client::{ClientConfig, FetchError, Fetched, UpstreamClient};
