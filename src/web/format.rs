//! How numbers read on the page: prices per million with enough significant digits to
//! tell models apart (never `0.00`), token counts with separators.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::pricing::price::Price;

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// USD per token -> USD per million tokens.
pub fn per_million(per_token: Decimal) -> Decimal {
    per_token.checked_mul(MILLION).unwrap_or(Decimal::MAX)
}

/// A dollar amount for humans: at least two decimals, four significant digits for small
/// amounts, thousands separators for large ones. `$0` only for exactly zero.
pub fn usd(amount: Decimal) -> String {
    if amount.is_zero() {
        return "$0".into();
    }
    let negative = amount.is_sign_negative();
    let abs = amount.abs();
    let text = if abs >= Decimal::ONE_HUNDRED {
        with_separators(abs.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    } else {
        let rounded = abs
            .round_sf_with_strategy(4, RoundingStrategy::MidpointAwayFromZero)
            .unwrap_or(abs)
            .normalize();
        if rounded.scale() < 2 {
            format!("{rounded:.2}")
        } else {
            rounded.to_string()
        }
    };
    if negative {
        format!("−${text}")
    } else {
        format!("${text}")
    }
}

fn with_separators(value: Decimal) -> String {
    let text = format!("{value:.2}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}.{frac}")
}

/// A per-token price shown per million tokens; "variable" for `-1`, "—" when absent.
pub fn token_price(price: Option<Price>) -> String {
    match price {
        None => "—".into(),
        Some(Price::Variable) => "variable".into(),
        Some(Price::Usd(value)) => usd(per_million(value)),
    }
}

/// A per-unit price (request, image, search) shown as is.
pub fn unit_price(price: Option<Price>) -> String {
    match price {
        None => "—".into(),
        Some(Price::Variable) => "variable".into(),
        Some(Price::Usd(value)) => usd(value),
    }
}

/// 1234567 -> "1,234,567".
pub fn count(value: u64) -> String {
    with_separators(Decimal::from(value))
        .trim_end_matches(".00")
        .to_string()
}

/// A decimal quantity (tokens, requests) with separators and no needless fraction.
pub fn quantity(value: Decimal) -> String {
    let rounded = value.round_dp(2).normalize();
    let text = with_separators(rounded);
    text.trim_end_matches(".00").to_string()
}

/// 1_000_000 -> "1M", 1_050_000 -> "1.05M", 262_144 -> "262K".
pub fn tokens_short(value: u64) -> String {
    if value >= 1_000_000 {
        let text = format!("{:.2}", value as f64 / 1_000_000.0);
        format!("{}M", text.trim_end_matches('0').trim_end_matches('.'))
    } else if value >= 1000 {
        format!("{}K", value / 1000)
    } else {
        value.to_string()
    }
}

/// A percentage with at most one decimal.
pub fn percent(value: f64) -> String {
    if (value - value.round()).abs() < 0.05 {
        format!("{value:.0}%")
    } else {
        format!("{value:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn prices_read_like_a_price_list() {
        assert_eq!(usd(d("0.09")), "$0.09");
        assert_eq!(usd(d("2.5")), "$2.50");
        assert_eq!(usd(d("15")), "$15.00");
        assert_eq!(usd(d("0.0134")), "$0.0134");
        assert_eq!(usd(d("1.875")), "$1.875");
        assert_eq!(usd(d("0.000083333")), "$0.00008333");
        assert_eq!(usd(d("1234.5")), "$1,234.50");
        assert_eq!(usd(d("0")), "$0");
    }

    #[test]
    fn per_token_prices_show_per_million() {
        assert_eq!(token_price(Price::parse("0.000005").ok()), "$5.00");
        assert_eq!(
            token_price(Price::parse("0.0000000833333333333333").ok()),
            "$0.08333"
        );
        assert_eq!(token_price(Some(Price::Variable)), "variable");
        assert_eq!(token_price(None), "—");
    }

    #[test]
    fn token_counts_are_short() {
        assert_eq!(tokens_short(1_000_000), "1M");
        assert_eq!(tokens_short(1_050_000), "1.05M");
        assert_eq!(tokens_short(262_144), "262K");
        assert_eq!(count(1_234_567), "1,234,567");
    }
}
