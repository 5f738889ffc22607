//! The site's integration tests, in one binary: every module links the crate once between
//! them, instead of once per file. Each module is named for the page or the part of the
//! service it tests; `common` holds the set-up they share (a fresh database per test,
//! in-process requests, parsed HTML, a fake OpenRouter on loopback).
//!
//! Run one part with a name filter, e.g. `cargo test --test app calculator::`. The tests
//! against real saved data are `#[ignore]`d and live in `real_data`; `.ci/run` runs them.
//! The browser tests are a binary of their own (`tests/browser`, behind the `browser` feature).

mod common;

mod backup;
mod bad_data;
mod calculator;
mod catalogue;
mod compare;
mod concurrency;
mod endpoints;
mod hardening;
mod history;
mod home;
mod ingest;
mod metrics;
mod model_page;
mod official;
mod paging;
mod price_tags;
mod prose_pages;
mod ranking;
mod real_data;
mod replica;
mod request_log;
mod serving;
mod shareable;
mod usage;
mod usage_pricing;
mod web_shape;
mod where_to_buy;
