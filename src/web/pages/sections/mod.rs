//! Sections more than one page shows, each named for what it shows.
//!
//! - [`where_to_buy`]: a model's OpenRouter providers, cheapest first, under the reader's
//!   where-to-buy filters (the model page, `/compare`, the guide), with its filter form
//!   ([`where_to_buy_form`], also the calculator's seller filters);
//! - [`price_tags`]: every seller's price of a model, routed, providers, the maker's own
//!   API and the clouds (the model page), and what `/about` says of the official feed;
//! - [`history`]: a model's price history, chart and table (the model page, `/changes`);
//! - [`sellers`]: one listing's bill at every seller for a workload (the bill page, the model
//!   page, `/compare`).

pub mod history;
pub mod price_tags;
pub mod sellers;
pub mod where_to_buy;
pub mod where_to_buy_form;
