//! How moments read, wherever they are shown: on the pages, in the exports and in the command
//! line's summaries. Crate-level so that ingest and the CLI use the same rule as the pages
//! without depending on `web` (which re-exports these from `web::format`).

use chrono::{DateTime, Datelike, Utc};

/// A moment to the minute: "2026-05-02 06:00 UTC".
pub fn utc_minute(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A day as ISO 8601 writes it: "2026-05-02". Takes a moment (its UTC date) or a bare date.
pub fn day(date: impl Datelike) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
