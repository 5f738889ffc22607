//! Reading one cell exactly: token counts as whole numbers (`59200.0` is 59200, `12.5` and
//! `-3` are refused), costs as decimals, days, and yes/no flags. Every reader here returns the
//! reason a cell cannot be read, in words the skipped-rows list shows as they are.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// How much of a cell a reason quotes back.
const QUOTED_CHARS: usize = 40;

/// `text` for a reason: clipped, with control characters dropped.
pub fn quoted(text: &str) -> String {
    crate::format::clip(text, QUOTED_CHARS)
}

/// Bytes of a cell as text: the reason names the column when they are not UTF-8.
pub fn text<'a>(bytes: &'a [u8], column: &str) -> Result<&'a str, String> {
    std::str::from_utf8(bytes).map_err(|_| format!("{column} is not UTF-8 text"))
}

/// A token or request count, exactly: plain digits (the common case, read without a
/// detour), or a decimal whose fraction is zero (`59200.0`, OpenAI's way), or scientific
/// notation that comes to a whole number (`1e3`). A fraction, a sign other than on zero,
/// and anything past `u64` are refused, never rounded.
pub fn count(cell: &str, column: &str) -> Result<u64, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(format!("{column} is empty"));
    }
    if cell.bytes().all(|b| b.is_ascii_digit()) {
        return cell.bytes().try_fold(0u64, |total, digit| {
            total
                .checked_mul(10)
                .and_then(|t| t.checked_add(u64::from(digit - b'0')))
                .ok_or_else(|| format!("{column} is too large ({})", quoted(cell)))
        });
    }
    let value = Decimal::from_str_exact(cell)
        .or_else(|_| Decimal::from_scientific(cell))
        .map_err(|_| format!("{column} is not a number ({})", quoted(cell)))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("{column} is negative ({})", quoted(cell)));
    }
    if !value.fract().is_zero() {
        return Err(format!(
            "{column} is not a whole number ({}): token counts are never fractional",
            quoted(cell)
        ));
    }
    value
        .to_u64()
        .ok_or_else(|| format!("{column} is too large ({})", quoted(cell)))
}

/// A JSON number as a count, by the same rules as a CSV cell (a plain integer without a
/// detour through its text).
pub fn json_count(number: &serde_json::Number, field: &str) -> Result<u64, String> {
    match number.as_u64() {
        Some(value) => Ok(value),
        None => count(&number.to_string(), field),
    }
}

/// A cost in USD, exactly as written; negative costs are refused.
pub fn cost(cell: &str, column: &str) -> Result<Decimal, String> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Err(format!("{column} is empty"));
    }
    let value = Decimal::from_str(cell)
        .or_else(|_| Decimal::from_scientific(cell))
        .map_err(|_| format!("{column} is not a decimal amount ({})", quoted(cell)))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("{column} is negative ({})", quoted(cell)));
    }
    Ok(value)
}

/// The day a timestamp falls on, from its leading `YYYY-MM-DD` (exports write UTC moments
/// as `2026-02-06 18:54:30.040`, `2026-02-06T18:54:30Z` or just the day).
pub fn day(cell: &str, column: &str) -> Result<NaiveDate, String> {
    let cell = cell.trim();
    cell.get(..10)
        .filter(|_| cell.len() == 10 || matches!(cell.as_bytes()[10], b' ' | b'T' | b't'))
        .and_then(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d").ok())
        .ok_or_else(|| format!("{column} is not a date ({})", quoted(cell)))
}

/// The UTC day of a moment given in Unix seconds (OpenAI writes `1759622400` or
/// `1759622400.0`).
pub fn unix_day(seconds: u64, column: &str) -> Result<NaiveDate, String> {
    i64::try_from(seconds)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map(|t| t.date_naive())
        .ok_or_else(|| format!("{column} is not a moment in time ({seconds})"))
}

/// A yes/no cell as exports spell it (`TRUE`, `true`, `1`; `FALSE`, `false`, `0`); an empty
/// cell is `None`, anything else a reason.
pub fn flag(cell: &str, column: &str) -> Result<Option<bool>, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "1" | "yes" | "t" => Ok(Some(true)),
        "false" | "0" | "no" | "f" => Ok(Some(false)),
        _ => Err(format!(
            "{column} is neither true nor false ({})",
            quoted(cell)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_whole_numbers_however_they_are_written() {
        assert_eq!(count("59200", "c"), Ok(59200));
        assert_eq!(count("59200.0", "c"), Ok(59200));
        assert_eq!(count(" 59200.000 ", "c"), Ok(59200));
        assert_eq!(count("1e3", "c"), Ok(1000));
        assert_eq!(count("-0", "c"), Ok(0));
        assert_eq!(count("18446744073709551615", "c"), Ok(u64::MAX));
    }

    #[test]
    fn fractional_negative_and_oversized_counts_are_refused_with_their_reason() {
        assert!(
            count("12.5", "tokens_prompt")
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(
            count("1.5e0", "c")
                .unwrap_err()
                .contains("not a whole number")
        );
        assert!(count("-3", "c").unwrap_err().contains("negative"));
        assert!(
            count("18446744073709551616", "c")
                .unwrap_err()
                .contains("too large")
        );
        assert!(count("1e40", "c").is_err());
        assert!(
            count("12 tokens", "c")
                .unwrap_err()
                .contains("not a number")
        );
        assert_eq!(
            count("", "input_tokens"),
            Err("input_tokens is empty".into())
        );
    }

    #[test]
    fn json_numbers_follow_the_same_rules() {
        let n = |text: &str| serde_json::from_str::<serde_json::Number>(text).unwrap();
        assert_eq!(json_count(&n("7"), "f"), Ok(7));
        assert_eq!(json_count(&n("7.0"), "f"), Ok(7));
        assert!(json_count(&n("7.25"), "f").is_err());
        assert!(json_count(&n("-7"), "f").is_err());
    }

    #[test]
    fn costs_are_exact_decimals() {
        assert_eq!(
            cost("0.0000000833333333333333", "cost_total")
                .unwrap()
                .to_string(),
            "0.0000000833333333333333"
        );
        assert!(cost("-0.01", "spend").is_err());
        assert!(cost("", "spend").is_err());
    }

    #[test]
    fn days_come_from_the_leading_date_of_a_moment() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 6).unwrap();
        assert_eq!(day("2026-02-06 18:54:30.040", "c"), Ok(d));
        assert_eq!(day("2026-02-06T18:54:30Z", "c"), Ok(d));
        assert_eq!(day("2026-02-06", "c"), Ok(d));
        assert!(day("2026-02-30", "c").is_err());
        assert!(day("2026-02-061", "c").is_err());
        assert!(day("06/02/2026", "c").is_err());
        assert_eq!(
            unix_day(1_759_622_400, "c"),
            Ok(NaiveDate::from_ymd_opt(2025, 10, 5).unwrap())
        );
    }

    #[test]
    fn flags_read_the_spellings_exports_use() {
        assert_eq!(flag("TRUE", "batch"), Ok(Some(true)));
        assert_eq!(flag("False", "batch"), Ok(Some(false)));
        assert_eq!(flag("", "batch"), Ok(None));
        assert!(flag("maybe", "batch").is_err());
    }
}
