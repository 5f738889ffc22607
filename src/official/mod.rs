//! The second source: the makers' and clouds' own list prices, from the genai-prices database
//! (a reviewed, community-maintained file of published prices). `schema` reads the feed,
//! `matching` ties its entries to our models by the feed's own `match` clauses (strictly: a match
//! must explain the whole id), `overrides` is our reviewed table for what rules cannot decide.

pub mod sellers;
pub mod tags;
