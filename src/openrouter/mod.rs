//! OpenRouter's public API: the typed client and the tolerant schema reader.

pub mod client;
pub mod endpoints;
pub mod providers;
pub mod records;
pub mod schema;

pub use client::{ClientConfig, FetchError, OpenRouterClient};
