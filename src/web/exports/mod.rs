//! The answers that are data rather than pages: CSV and JSON exports and Atom feeds, one
//! module per route family, each written from the same query and the same pricing as its
//! page. [`csv`] is the one CSV writer.
//!
//! | module          | answers                                                         |
//! | --------------- | --------------------------------------------------------------- |
//! | [`models`]      | `/api/models.json`, `/api/models.csv`                           |
//! | [`calculator`]  | `/calculator?…&format=csv` and `format=json`                    |
//! | [`ranking`]     | `/ranking?format=json`                                          |
//! | [`changes`]     | `/api/changes.json`                                             |
//! | [`atom`]        | `/changes.atom`, `/feeds/models/{id}`                           |
//! | [`price_tags`]  | `/api/price-tags.json`, `/api/price-tags.csv`, `/api/discrepancies.json` |
//! | [`usage`]       | `POST /usage?format=json`                                        |

pub mod atom;
pub mod calculator;
pub mod changes;
pub mod csv;
pub mod models;
pub mod price_tags;
pub mod ranking;
pub mod usage;
