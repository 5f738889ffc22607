//! The model page's prices: every listed component with OpenRouter's exact string, the
//! long-context tier table, prices under other conditions, and the model's other listings
//! (variants, the batch listing's saving) against its base.

use rust_decimal::Decimal;

use crate::model::Model;
use crate::model::price::{Component, Price, PriceSet, Pricing, Unit};
use crate::pricing::difference::percent_difference;
use crate::web::format;

/// One price component as the page lists it.
pub struct PriceLine {
    pub key: String,
    pub label: String,
    /// "$3.00", "variable", "$0".
    pub amount: String,
    /// "per 1M tokens", "per request", ...
    pub unit: &'static str,
    /// OpenRouter's exact string, per token (or per request, image, search).
    pub exact: String,
    pub exact_unit: &'static str,
}

fn unit_of(key: &str) -> Option<Unit> {
    Component::from_key(key).map(Component::unit)
}

fn label_of(key: &str) -> String {
    Component::from_key(key).map_or_else(|| key.replace('_', " "), |c| c.label().to_string())
}

fn price_line(key: &str, price: Price) -> PriceLine {
    let (amount, unit, exact_unit) = match unit_of(key) {
        Some(Unit::Token) => (
            format::token_price(Some(price)),
            "per 1M tokens",
            "per token",
        ),
        Some(Unit::Request) => (format::unit_price(Some(price)), "per request", ""),
        Some(Unit::Image) => (format::unit_price(Some(price)), "per image", ""),
        Some(Unit::Search) => (format::unit_price(Some(price)), "per search", ""),
        // A component OpenRouter added after we wrote this: shown as listed.
        None => (
            format::unit_price(Some(price)),
            "per unit, as listed",
            "as listed",
        ),
    };
    PriceLine {
        key: key.to_string(),
        label: label_of(key),
        amount,
        unit,
        exact: price.to_string(),
        exact_unit,
    }
}

/// Every listed component of a price set, in display order.
pub fn price_lines(set: &PriceSet) -> Vec<PriceLine> {
    set.entries()
        .into_iter()
        .map(|(key, price)| price_line(&key, price))
        .collect()
}

/// One cell of the tier table: the price per million and its exact per-token string.
pub struct TierCell {
    pub amount: String,
    pub exact: String,
}

pub struct TierRow {
    pub label: String,
    pub cells: Vec<TierCell>,
}

/// Long-context tiers: the base row, then one row per tier.
pub struct TierTable {
    pub columns: Vec<String>,
    pub rows: Vec<TierRow>,
    /// Components a tier leaves unchanged, named for the note under the table.
    pub unchanged: Vec<String>,
}

fn tier_cell(price: Option<Price>) -> TierCell {
    TierCell {
        amount: format::token_price(price),
        exact: price.map(|p| p.to_string()).unwrap_or_default(),
    }
}

/// The tier table, or `None` when the model has no long-context tier.
pub fn tier_table(pricing: &Pricing) -> Option<TierTable> {
    let tiers = pricing.tiers();
    if tiers.is_empty() {
        return None;
    }
    // Columns: input and output always, then every per-token component a tier changes.
    let mut keys: Vec<&str> = Vec::new();
    for component in Component::ALL {
        let changed = tiers
            .iter()
            .any(|(_, set)| set.price(component) != pricing.base.price(component));
        let always = matches!(component, Component::Prompt | Component::Completion);
        if component.unit() == Unit::Token && (changed || always) {
            keys.push(component.key());
        }
    }
    let unchanged: Vec<String> = pricing
        .base
        .entries()
        .into_iter()
        .filter(|(key, _)| !keys.contains(&key.as_str()))
        .map(|(key, _)| label_of(&key).to_lowercase())
        .collect();
    let mut rows = vec![TierRow {
        label: format!(
            "Prompt under {} tokens",
            format::count(tiers.first().map(|(min, _)| *min).unwrap_or_default())
        ),
        cells: keys
            .iter()
            .map(|k| tier_cell(pricing.base.get(k)))
            .collect(),
    }];
    for (i, (min, set)) in tiers.iter().enumerate() {
        let label = match tiers.get(i + 1) {
            Some((next, _)) if next > min => format!(
                "Prompt of {} to {} tokens",
                format::count(*min),
                format::count(next - 1)
            ),
            _ => format!("Prompt of {} tokens or more", format::count(*min)),
        };
        rows.push(TierRow {
            label,
            cells: keys.iter().map(|k| tier_cell(set.get(k))).collect(),
        });
    }
    Some(TierTable {
        columns: keys.iter().map(|k| label_of(k)).collect(),
        rows,
        unchanged,
    })
}

/// An override with conditions other than prompt size (such as a time window): shown, not applied.
pub struct ConditionalPrice {
    pub conditions: Vec<(String, String)>,
    pub min_prompt_tokens: Option<String>,
    pub prices: Vec<PriceLine>,
}

pub fn conditional_prices(pricing: &Pricing) -> Vec<ConditionalPrice> {
    pricing
        .overrides
        .iter()
        .filter(|o| !o.other_conditions.is_empty())
        .map(|o| ConditionalPrice {
            conditions: o
                .other_conditions
                .iter()
                .map(|(k, v)| {
                    // Values are kept as JSON text; a plain string reads better unquoted.
                    let value = serde_json::from_str::<String>(v).unwrap_or_else(|_| v.clone());
                    (k.clone(), value)
                })
                .collect(),
            min_prompt_tokens: o.min_prompt_tokens.map(format::count),
            prices: price_lines(&o.prices),
        })
        .collect()
}

/// Another listing of the same model, with its prices.
pub struct VariantLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub input: String,
    pub output: String,
    pub cache: String,
    /// The change against the base listing, e.g. "−50%", or "" for the base itself.
    pub versus_base: String,
    pub current: bool,
    pub active: bool,
}

/// `(variant − base) / base` in percent, rounded to one decimal; `None` when either is
/// not a plain positive price.
pub fn change_percent(variant: Option<Price>, base: Option<Price>) -> Option<Decimal> {
    let variant = variant?.usd()?;
    let base = base?.usd()?;
    if base <= Decimal::ZERO {
        return None;
    }
    percent_difference(variant, base).map(|change| format::round(change, 1))
}

fn signed_percent(value: Decimal) -> String {
    format::signed_percent(value)
}

/// "−50%" when input and output change alike, "−50% in / −40% out" otherwise.
pub fn versus(variant: &Model, base: &Model) -> String {
    let (v, b) = (&variant.pricing.base, &base.pricing.base);
    match (
        change_percent(v.prompt, b.prompt),
        change_percent(v.completion, b.completion),
    ) {
        (Some(i), Some(o)) if i == o => signed_percent(i),
        (Some(i), Some(o)) => format!("{} in / {} out", signed_percent(i), signed_percent(o)),
        (Some(i), None) => format!("{} in", signed_percent(i)),
        (None, Some(o)) => format!("{} out", signed_percent(o)),
        (None, None) => String::new(),
    }
}

/// The batch listing's saving against on-demand prices ("50% less"), and what that means
/// for work that can wait, when both are known.
pub fn batch_saving(batch: &Model, base: &Model) -> Option<(String, &'static str)> {
    let (v, b) = (&batch.pricing.base, &base.pricing.base);
    let input = change_percent(v.prompt, b.prompt)?;
    let output = change_percent(v.completion, b.completion).unwrap_or(input);
    // A batch listing is usually cheaper, but not always (some cost more than on demand).
    let verdict = if input <= Decimal::ZERO && output <= Decimal::ZERO {
        if input.is_zero() && output.is_zero() {
            ", so batching saves nothing"
        } else {
            ", for work that can wait"
        }
    } else if input >= Decimal::ZERO && output >= Decimal::ZERO {
        " than on demand, so batching does not save; the calculator prices batch shares on demand"
    } else {
        ": whether batching saves depends on your mix of input and output, and the calculator \
         uses it only where it is cheaper"
    };
    let phrase = |c: Decimal| {
        if c.is_sign_negative() {
            format!("{}% less", -c)
        } else if c.is_zero() {
            "the same".to_string()
        } else {
            format!("{c}% more")
        }
    };
    let text = if input == output {
        phrase(input)
    } else {
        format!(
            "{} on input and {} on output",
            phrase(input),
            phrase(output)
        )
    };
    Some((text, verdict))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn change_is_a_signed_percentage_of_the_base() {
        let p = |s| Price::parse(s).ok();
        assert_eq!(
            change_percent(p("0.0000015"), p("0.000003")),
            Some(d("-50"))
        );
        assert_eq!(change_percent(p("0.000006"), p("0.000003")), Some(d("100")));
        assert_eq!(change_percent(p("-1"), p("0.000003")), None);
        assert_eq!(change_percent(p("0.000001"), p("0")), None);
        assert_eq!(signed_percent(d("-50")), "−50%");
        assert_eq!(signed_percent(d("12.5")), "+12.5%");
    }
}
