//! The official feed's entries as every layer reads them: a provider (a maker's own API or a
//! cloud) with its model entries, their `match` clauses and their dated price schedules.
//! Parsed in `fetch::official`, stored by `store::official`, matched to our models by
//! `store::matching` and priced in `pricing`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::price::Pricing;

/// One provider of the feed (a maker's own API, or a cloud such as Bedrock).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    pub id: String,
    pub name: String,
    /// The first web address of the provider's pricing pages.
    pub pricing_url: Option<String>,
    /// "If nothing matches here, use that provider's price": never this provider's own price.
    pub fallback_model_providers: Vec<String>,
    pub price_comments: Option<String>,
    pub models: Vec<OfficialModel>,
}

/// A `match` clause, as the feed writes it: applied to a lower-cased API model name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clause {
    Equals(String),
    StartsWith(String),
    EndsWith(String),
    Contains(String),
    Regex(String),
    Or(Vec<Clause>),
    And(Vec<Clause>),
}

impl std::fmt::Display for Clause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Clause::Equals(s) => write!(f, "equals {s:?}"),
            Clause::StartsWith(s) => write!(f, "starts_with {s:?}"),
            Clause::EndsWith(s) => write!(f, "ends_with {s:?}"),
            Clause::Contains(s) => write!(f, "contains {s:?}"),
            Clause::Regex(s) => write!(f, "regex {s:?}"),
            Clause::Or(list) | Clause::And(list) => {
                let word = if matches!(self, Clause::Or(_)) {
                    " or "
                } else {
                    " and "
                };
                f.write_str("(")?;
                for (i, clause) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(word)?;
                    }
                    write!(f, "{clause}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Prices valid from a date (or always), or only in a daily time window (off-peak prices,
/// which we show but never apply).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatedPrices {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_window: Option<(String, String)>,
    /// Per-unit prices under OpenRouter's component names (see `schema`).
    pub pricing: Pricing,
}

/// One model entry of a provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfficialModel {
    pub id: String,
    pub name: Option<String>,
    pub context_window: Option<u64>,
    pub deprecated: bool,
    pub clause: Clause,
    /// In the feed's order: later entries win when their condition holds.
    pub schedule: Vec<DatedPrices>,
    /// Batch prices, key by key over the standard ones, when the feed gives them.
    pub batch: Option<Pricing>,
}

/// The part of a model entry that price history tracks, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceList {
    pub schedule: Vec<DatedPrices>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Pricing>,
}

/// [`PriceList`] borrowed from a model entry; serialises identically.
#[derive(Serialize)]
struct PriceListRef<'a> {
    schedule: &'a [DatedPrices],
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: &'a Option<Pricing>,
}

/// The standard prices of a schedule in force on `day`: the last entry without a condition or
/// whose start date has come (the feed's own rule); daily time windows are never applied.
pub fn in_force(schedule: &[DatedPrices], day: NaiveDate) -> Option<&Pricing> {
    schedule
        .iter()
        .rev()
        .filter(|p| p.time_window.is_none())
        .find(|p| p.start_date.is_none_or(|start| start <= day))
        .or_else(|| schedule.first())
        .map(|p| &p.pricing)
}

impl OfficialModel {
    /// Canonical JSON of the prices (schedule and batch), for storage and change detection.
    pub fn prices_json(&self) -> String {
        serde_json::to_string(&PriceListRef {
            schedule: &self.schedule,
            batch: &self.batch,
        })
        .unwrap_or_default()
    }

    /// The standard prices in force on `day`: the last entry without a condition or whose start
    /// date has come (the feed's own rule); daily time windows are never applied.
    pub fn prices_on(&self, day: NaiveDate) -> Option<&Pricing> {
        in_force(&self.schedule, day)
    }

    /// The date the current prices took effect, when the feed dates them.
    pub fn effective_since(&self, day: NaiveDate) -> Option<NaiveDate> {
        self.schedule
            .iter()
            .rev()
            .filter(|p| p.time_window.is_none())
            .find(|p| p.start_date.is_none_or(|start| start <= day))
            .and_then(|p| p.start_date)
    }

    /// The next announced price change after `day`, if any.
    pub fn announced_after(&self, day: NaiveDate) -> Option<(NaiveDate, &Pricing)> {
        self.schedule
            .iter()
            .filter(|p| p.time_window.is_none())
            .filter_map(|p| {
                p.start_date
                    .filter(|start| *start > day)
                    .map(|s| (s, &p.pricing))
            })
            .min_by_key(|(start, _)| *start)
    }

    /// Batch prices on `day`: the batch variant over that day's standard prices.
    pub fn batch_on(&self, day: NaiveDate) -> Option<Pricing> {
        let batch = self.batch.as_ref()?;
        let standard = self.prices_on(day)?;
        Some(Pricing {
            base: standard.base.overlaid(&batch.base),
            overrides: if batch.overrides.is_empty() {
                Vec::new()
            } else {
                batch.overrides.clone()
            },
        })
    }

    /// An off-peak window and its prices, shown but never applied.
    pub fn off_peak(&self) -> Option<&DatedPrices> {
        self.schedule.iter().find(|p| p.time_window.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::{Price, PriceSet};

    fn prices(input: i64) -> Pricing {
        let mut base = PriceSet::default();
        base.set("prompt", Price::Usd(input.into()));
        Pricing {
            base,
            overrides: Vec::new(),
        }
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_future_start_date_is_announced_not_applied() {
        let model = OfficialModel {
            id: "m".into(),
            name: None,
            context_window: None,
            deprecated: false,
            clause: Clause::Equals("m".into()),
            schedule: vec![
                DatedPrices {
                    start_date: None,
                    time_window: None,
                    pricing: prices(2),
                },
                DatedPrices {
                    start_date: Some(day("2026-09-01")),
                    time_window: None,
                    pricing: prices(3),
                },
                DatedPrices {
                    start_date: None,
                    time_window: Some(("16:30".into(), "00:30".into())),
                    pricing: prices(1),
                },
            ],
            batch: None,
        };
        let before = day("2026-08-21");
        assert_eq!(model.prices_on(before), Some(&prices(2)));
        assert_eq!(
            model.announced_after(before),
            Some((day("2026-09-01"), &prices(3)))
        );
        assert_eq!(model.effective_since(before), None);
        // From the start date on, the new price is the price and nothing is announced.
        let after = day("2026-09-01");
        assert_eq!(model.prices_on(after), Some(&prices(3)));
        assert_eq!(model.effective_since(after), Some(after));
        assert_eq!(model.announced_after(after), None);
        assert!(model.off_peak().is_some());
    }
}
