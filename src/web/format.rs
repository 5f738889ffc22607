//! How numbers read on the page and in the exports, in one place: prices per million with
//! enough significant digits to tell models apart (never `0.00`), token counts with
//! separators, percentages, multiples ("×"), ratios, and the plain decimals of CSV and JSON.
//!
//! One rounding rule everywhere: [`ROUNDING`], half away from zero (what people do by hand).

use rust_decimal::Decimal;

use crate::model::price::{MILLION, Price};

/// The one rounding rule, shared with ingest and the command line.
pub use crate::format::{ROUNDING, round};

/// `value` to `digits` significant digits by [`ROUNDING`], without trailing zeros.
pub fn round_sf(value: Decimal, digits: u32) -> Decimal {
    value
        .round_sf_with_strategy(digits, ROUNDING)
        .unwrap_or(value)
        .normalize()
}

/// Moments and days read the same on the pages as in the command line's summaries.
pub use crate::format::{day, group_thousands, plain, prose_day, utc_minute};

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
        with_separators(abs.round_dp_with_strategy(2, ROUNDING))
    } else {
        let rounded = round_sf(abs, 4);
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

/// Two decimals, the whole part grouped by the one thousands grouping.
fn with_separators(value: Decimal) -> String {
    let text = format!("{value:.2}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    format!("{}.{frac}", group_thousands(int))
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
    group_thousands(value)
}

/// A decimal quantity (tokens, requests) with separators and no needless fraction.
pub fn quantity(value: Decimal) -> String {
    let text = with_separators(round(value, 2));
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

/// A token window for a table cell: [`tokens_short`], or "—" when it is not known.
pub fn tokens_cell(value: Option<u64>) -> String {
    value.map_or_else(|| "—".into(), tokens_short)
}

/// A percentage to at most one decimal, by [`ROUNDING`]: "12.5%", "20%".
pub fn percent(value: Decimal) -> String {
    format!("{}%", round(value, 1))
}

/// The smallest change [`percent`] can show: anything smaller reads "<0.1%".
const SHOWN_PRECISION: Decimal = Decimal::from_parts(5, 0, 0, false, 2);

/// A signed change in percent, by the one rule of [`percent`]: "+12.5%", "−20%"; "same" for
/// no change, and "+<0.1%" / "−<0.1%" for a change too small to show at that precision.
pub fn signed_percent(value: Decimal) -> String {
    if value.is_zero() {
        return "same".into();
    }
    let sign = if value.is_sign_negative() { "−" } else { "+" };
    if value.abs() < SHOWN_PRECISION {
        format!("{sign}<0.1%")
    } else {
        format!("{sign}{}", percent(value.abs()))
    }
}

/// A quality index score (Artificial Analysis, 0–100) to one decimal: "50.0", "37.4".
pub fn score(value: f64) -> String {
    format!("{value:.1}")
}

/// A share (0.47) as a percentage for prose: "47 %".
pub fn share_percent(share: Decimal) -> String {
    let pct = share
        .checked_mul(Decimal::ONE_HUNDRED)
        .unwrap_or(Decimal::MAX);
    format!("{} %", round(pct, 1))
}

/// A multiple as people say it: "2×", "1.5×", "36×", "0.5×", "0.028×".
pub fn multiple(ratio: Decimal) -> String {
    let rounded = if ratio >= Decimal::TEN {
        round(ratio, 0)
    } else if ratio >= Decimal::ONE {
        round(ratio, 1)
    } else {
        round_sf(ratio, 2)
    };
    format!("{rounded}×")
}

/// A multiple to two decimals, for the worked examples where the exact factor is the point:
/// "1.25×" (a cache write), "0.37×" (a 70 % hit rate on a tenth-price cache read).
pub fn fine_multiple(ratio: Decimal) -> String {
    format!("{}×", round(ratio, 2))
}

/// A multiple in a table column, one decimal kept below ten so the column lines up:
/// "1.0×", "2.4×", "13×", "1,250×".
pub fn times_column(times: Decimal) -> String {
    if times < Decimal::TEN {
        format!("{:.1}×", times.round_dp_with_strategy(1, ROUNDING))
    } else {
        format!("{}×", quantity(round(times, 0)))
    }
}

/// "4:1", "1:2.5", "all input": the input:output ratio of one request.
pub fn ratio(input: Decimal, output: Decimal) -> String {
    let one_decimal = |v: Decimal| {
        let rounded = round(v, 1);
        if rounded >= Decimal::ONE_THOUSAND {
            quantity(round(rounded, 0))
        } else {
            rounded.to_string()
        }
    };
    match (input.is_zero(), output.is_zero()) {
        (true, true) => "no tokens".into(),
        (false, true) => "all input".into(),
        (true, false) => "all output".into(),
        _ if input >= output => format!("{}:1", one_decimal(input / output)),
        _ => format!("1:{}", one_decimal(output / input)),
    }
}

/// `text` with its first letter capitalised, for a sentence built from parts.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {

    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn signed_changes_follow_the_one_percent_rule() {
        assert_eq!(signed_percent(d("0")), "same");
        assert_eq!(signed_percent(d("-20")), "−20%");
        assert_eq!(signed_percent(d("12.5")), "+12.5%");
        // 3.24 shows one decimal; 9.96 rounds to a whole 10.
        assert_eq!(signed_percent(d("3.24")), "+3.2%");
        assert_eq!(signed_percent(d("-9.96")), "−10%");
        assert_eq!(signed_percent(d("0.01")), "+<0.1%");
        assert_eq!(signed_percent(d("-0.000001")), "−<0.1%");
        // A half rounds away from zero, as everywhere else (binary floats gave 12.2 here).
        assert_eq!(signed_percent(d("12.25")), "+12.3%");
        assert_eq!(signed_percent(d("-0.05")), "−0.1%");
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

    #[test]
    fn ratios_read_as_input_to_output() {
        assert_eq!(ratio(d("3000"), d("750")), "4:1");
        assert_eq!(ratio(d("100"), d("250")), "1:2.5");
        assert_eq!(ratio(d("1000"), d("3")), "333.3:1");
        assert_eq!(ratio(d("100000000"), d("1")), "100,000,000:1");
        assert_eq!(ratio(d("10"), d("0")), "all input");
        assert_eq!(ratio(d("0"), d("0")), "no tokens");
    }

    #[test]
    fn multiples_keep_one_decimal_below_ten_in_columns() {
        assert_eq!(times_column(d("1")), "1.0×");
        assert_eq!(times_column(d("4.6666")), "4.7×");
        assert_eq!(times_column(d("23.333")), "23×");
        assert_eq!(times_column(d("1250.5")), "1,251×");
    }

    #[test]
    fn multiples_read_like_speech() {
        assert_eq!(multiple(d("2")), "2×");
        assert_eq!(multiple(d("1.5")), "1.5×");
        assert_eq!(multiple(d("35.714")), "36×");
        assert_eq!(multiple(d("0.5")), "0.5×");
        assert_eq!(multiple(d("0.028")), "0.028×");
        assert_eq!(multiple(d("0.33333")), "0.33×");
        // 20 / 0.1125 = 177.78.
        assert_eq!(multiple(d("177.78")), "178×");
    }

    #[test]
    fn fine_multiples_keep_two_decimals_and_round_halves_up() {
        // $6.25 / $5 cache write; 0.3 + 0.7 × 0.1 = 0.37 of the list price.
        assert_eq!(fine_multiple(d("1.25")), "1.25×");
        assert_eq!(fine_multiple(d("0.37")), "0.37×");
        assert_eq!(fine_multiple(d("2")), "2×");
        // Half away from zero, where `round_dp` alone would round 0.125 to even (0.12).
        assert_eq!(fine_multiple(d("0.125")), "0.13×");
    }

    #[test]
    fn halves_round_away_from_zero_everywhere() {
        assert_eq!(round(d("2.5"), 0), d("3"));
        assert_eq!(quantity(d("0.125")), "0.13");
        assert_eq!(share_percent(d("0.4725")), "47.3 %");
        assert_eq!(plain(d("0.00000000005")), "0.0000000001");
    }

    #[test]
    fn plain_decimals_have_no_sign_on_zero_and_at_most_ten_places() {
        assert_eq!(plain(d("-0.00")), "0");
        assert_eq!(plain(d("4.7500000")), "4.75");
        assert_eq!(plain(d("0.59772727272727272727")), "0.5977272727");
        assert_eq!(plain(d("427500000000000")), "427500000000000");
    }
}
