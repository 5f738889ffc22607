//! What every part of the crate formats the same way: how moments read and the one rounding
//! rule, on the pages, in the exports, in ingest's messages and in the command line's
//! summaries. Crate-level so that ingest and the CLI follow the same rules as the pages without
//! depending on `web` (which re-exports these from `web::format`, beside the page-only rules).

use chrono::{DateTime, Datelike, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

/// The one rounding rule for everything shown or exported.
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

/// `value` to `dp` decimal places by [`ROUNDING`], without trailing zeros.
pub fn round(value: Decimal, dp: u32) -> Decimal {
    value.round_dp_with_strategy(dp, ROUNDING).normalize()
}

/// Exact-enough plain decimals for the CSV and JSON exports, the same in both: ten places,
/// no trailing zeros, no sign on 0.
pub fn plain(value: Decimal) -> String {
    let rounded = round(value, 10);
    if rounded.is_zero() {
        "0".into()
    } else {
        rounded.to_string()
    }
}

/// A whole number with its digits grouped in threes: 1048576 -> "1,048,576". The one
/// thousands grouping, for pages, exports and messages alike.
pub fn group_thousands(whole: impl std::fmt::Display) -> String {
    let digits = whole.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` shortened to `max_chars` for quoting back in a message, with control characters
/// dropped and "…" where it was cut.
pub fn clip(text: &str, max_chars: usize) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect();
    if text.chars().count() > max_chars {
        out.push('…');
    }
    out
}

/// One CSV field as every CSV we write quotes it (the exports and the usage mix): quoted
/// when it holds a comma, a quote or a line break, and text a spreadsheet would run as a
/// formula guarded by a leading `'` (numbers such as `-1` are left as they are).
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A share (0.625) as a whole percentage, as ingest's messages give it: "63%".
pub fn whole_percent(share: Decimal) -> String {
    let pct = share
        .checked_mul(Decimal::ONE_HUNDRED)
        .unwrap_or(Decimal::MAX);
    format!("{}%", round(pct, 0))
}

/// A moment to the minute: "2026-05-02 06:00 UTC".
pub fn utc_minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A day as ISO 8601 writes it: "2026-05-02". Takes a moment (its UTC date) or a bare date.
pub fn day(date: impl Datelike) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// A day as a sentence says it: "21 Aug 2026".
pub fn prose_day(date: impl Datelike) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.get(date.month0() as usize).copied().unwrap_or("?");
    format!("{} {month} {}", date.day(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_in_prose_read_day_month_year() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap();
        assert_eq!(prose_day(date), "1 Aug 2026");
        let moment = chrono::DateTime::parse_from_rfc3339("2026-12-31T23:59:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(prose_day(moment), "31 Dec 2026");
    }

    #[test]
    fn moments_read_to_the_minute_and_days_as_iso_dates() {
        let t = DateTime::parse_from_rfc3339("2026-05-02T06:00:59Z")
            .unwrap()
            .with_timezone(&Utc);
        // Seconds are dropped, not rounded: 06:00:59 is still 06:00.
        assert_eq!(utc_minute(t), "2026-05-02 06:00 UTC");
        assert_eq!(day(t), "2026-05-02");
        // Single-digit months and days keep their leading zero.
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 9).unwrap();
        assert_eq!(day(date), "2026-01-09");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(1_048_576), "1,048,576");
        assert_eq!(group_thousands("12345678"), "12,345,678");
    }

    #[test]
    fn whole_percentages_round_halves_away_from_zero() {
        let d = |t: &str| t.parse::<Decimal>().unwrap();
        // 5 of 8 = 0.625 = 62.5 %: the half goes up, to 63 (banker's rounding would give 62).
        assert_eq!(whole_percent(d("0.625")), "63%");
        // 1 of 3 = 33.33 %; 12 of 12 = 100 %; a 0.25 threshold reads 25 %.
        assert_eq!(whole_percent(Decimal::ONE / Decimal::from(3)), "33%");
        assert_eq!(whole_percent(Decimal::ONE), "100%");
        assert_eq!(whole_percent(d("0.25")), "25%");
    }
}
