//! Anthropic's Console usage export: one row per day, model, key and workspace, tokens split
//! into uncached input, cache reads, cache writes (5-minute and 1-hour, or one column in
//! older exports) and output, with the long-context tier as a marker and no request count.

use super::{CsvFormat, cell, has_all, optional, require};
use crate::usage::cells::{count, day, quoted};
use crate::usage::intake::Record;
use crate::usage::mix::{PromptSize, Row, Sums, Tally};
use crate::usage::{Format, FormatReading, RanAt, UsageError};

pub(super) const READING: FormatReading = FormatReading {
    row: "one day of one model, API key and workspace",
    uncached_input: "usage_input_tokens_no_cache",
    cache_reads: "usage_input_tokens_cache_read",
    cache_writes: "usage_input_tokens_cache_write_5m and usage_input_tokens_cache_write_1h",
    output: "usage_output_tokens",
    requests: "unknown: the export has no request count, so per-request fees are left out",
    batch: "usage_type = batch",
    prompt_size: "context_window (≤ 200k or > 200k); a row without it cannot show whether the \
                  long-context tier applied, and the answer says so",
    date: "usage_date_utc",
    ran_at: "Anthropic's own API; speed, when set, is kept beside the model",
    cost: "none in the export",
    caveats: "",
};

pub(super) const READING_ONE_CACHE_WRITE: FormatReading = FormatReading {
    cache_writes: "usage_input_tokens_cache_write, counted as 5-minute writes (the older \
                   exports did not tell the two apart, and 5 minutes was the only duration)",
    ..READING
};

/// Where the cache writes are.
enum CacheWrites {
    Split {
        five_minutes: usize,
        one_hour: usize,
    },
    One(usize),
}

pub(crate) struct AnthropicCsv {
    usage_date_utc: usize,
    model_version: usize,
    no_cache: usize,
    cache_read: usize,
    output: usize,
    cache_writes: CacheWrites,
    usage_type: Option<usize>,
    context_window: Option<usize>,
    speed: Option<usize>,
}

impl AnthropicCsv {
    /// The columns of an Anthropic Console export (either layout), when the header is one.
    pub(crate) fn detect(columns: &[String]) -> Result<Option<AnthropicCsv>, UsageError> {
        if !has_all(columns, &["usage_date_utc", "model_version"]) {
            return Ok(None);
        }
        const SPLIT: [&str; 2] = [
            "usage_input_tokens_cache_write_5m",
            "usage_input_tokens_cache_write_1h",
        ];
        let split = has_all(columns, &SPLIT);
        let format = if split {
            Format::AnthropicConsole
        } else {
            Format::AnthropicConsoleOneCacheWrite
        };
        let [usage_date_utc, model_version, no_cache, cache_read, output] = require(
            columns,
            format,
            [
                "usage_date_utc",
                "model_version",
                "usage_input_tokens_no_cache",
                "usage_input_tokens_cache_read",
                "usage_output_tokens",
            ],
        )?;
        let cache_writes = if split {
            let [five_minutes, one_hour] = require(columns, format, SPLIT)?;
            CacheWrites::Split {
                five_minutes,
                one_hour,
            }
        } else {
            let [one] = require(columns, format, ["usage_input_tokens_cache_write"])?;
            CacheWrites::One(one)
        };
        Ok(Some(AnthropicCsv {
            usage_date_utc,
            model_version,
            no_cache,
            cache_read,
            output,
            cache_writes,
            usage_type: super::position(columns, "usage_type"),
            context_window: super::position(columns, "context_window"),
            speed: super::position(columns, "speed"),
        }))
    }
}

/// The lowest prompt a tier marker allows: `≤ 200k`, `0-200k` → 0; `> 200k`,
/// `200k-1M` → 200,001 (a prompt above 200,000 tokens).
pub(super) fn marker_floor(marker: &str) -> Result<u64, String> {
    let unreadable = || format!("context_window {} is not a tier we know", quoted(marker));
    let amount = |text: &str| -> Option<u64> {
        let text = text.trim();
        let (digits, scale) = match text.char_indices().last()? {
            (at, 'k' | 'K') => (&text[..at], 1_000),
            (at, 'm' | 'M') => (&text[..at], 1_000_000),
            _ => (text, 1),
        };
        digits.trim().parse::<u64>().ok()?.checked_mul(scale)
    };
    let marker = marker.trim();
    let floor = if let Some(rest) = marker
        .strip_prefix('≤')
        .or_else(|| marker.strip_prefix("<="))
        .or_else(|| marker.strip_prefix('<'))
    {
        amount(rest).map(|_| 0)
    } else if let Some(rest) = marker.strip_prefix('>') {
        amount(rest).and_then(|n| n.checked_add(1))
    } else if let Some((low, high)) = marker.split_once('-') {
        match (amount(low), amount(high)) {
            (Some(0), Some(_)) => Some(0),
            (Some(low), Some(_)) => low.checked_add(1),
            _ => None,
        }
    } else {
        None
    };
    floor.ok_or_else(unreadable)
}

/// One bucket of Anthropic usage, however it was written.
pub(super) struct Bucket<'a> {
    pub model: &'a str,
    pub speed: Option<&'a str>,
    /// `None` when the export does not say (not grouped by tier).
    pub batch: Option<bool>,
    pub context_window: Option<&'a str>,
    pub sums: Sums,
}

/// Adds one bucket of Anthropic usage (the CSV's row or the API's result).
pub(super) fn add_bucket(
    bucket: Bucket,
    days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    tally: &mut Tally,
) -> Result<(), String> {
    let prompt = match bucket.context_window {
        Some(marker) => PromptSize::Marker(marker_floor(marker)?),
        None => PromptSize::Unstated,
    };
    tally.add(Row {
        name: bucket.model,
        variant: bucket.speed,
        ran_at: RanAt::FirstParty {
            provider: "anthropic",
        },
        batch: bucket.batch,
        requests_known: false,
        prompt,
        sums: bucket.sums,
        cost: None,
        days,
    })
}

impl CsvFormat for AnthropicCsv {
    fn format(&self) -> Format {
        match self.cache_writes {
            CacheWrites::Split { .. } => Format::AnthropicConsole,
            CacheWrites::One(_) => Format::AnthropicConsoleOneCacheWrite,
        }
    }

    fn read(&self, record: &Record, tally: &mut Tally) -> Result<(), String> {
        let number = |at: usize, column: &str| count(cell(record, at, column)?, column);
        let (cache_write_5m, cache_write_1h) = match self.cache_writes {
            CacheWrites::Split {
                five_minutes,
                one_hour,
            } => (
                number(five_minutes, "usage_input_tokens_cache_write_5m")?,
                number(one_hour, "usage_input_tokens_cache_write_1h")?,
            ),
            CacheWrites::One(at) => (number(at, "usage_input_tokens_cache_write")?, 0),
        };
        let sums = Sums {
            requests: 0,
            uncached_input: number(self.no_cache, "usage_input_tokens_no_cache")?,
            cache_read: number(self.cache_read, "usage_input_tokens_cache_read")?,
            cache_write_5m,
            cache_write_1h,
            output: number(self.output, "usage_output_tokens")?,
        };
        let day = day(
            cell(record, self.usage_date_utc, "usage_date_utc")?,
            "usage_date_utc",
        )?;
        let batch = optional(record, self.usage_type, "usage_type")?
            .map(|usage_type| usage_type.eq_ignore_ascii_case("batch"));
        let bucket = Bucket {
            model: cell(record, self.model_version, "model_version")?,
            speed: optional(record, self.speed, "speed")?,
            batch,
            context_window: optional(record, self.context_window, "context_window")?,
            sums,
        };
        add_bucket(bucket, Some((day, day)), tally)
    }
}

#[cfg(test)]
mod tests {
    use super::marker_floor;
    use crate::usage::formats::testing::reading;
    use crate::usage::{Format, TierBy};

    const HEADER: &str = "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,usage_input_tokens_cache_write_5m,usage_input_tokens_cache_write_1h,usage_input_tokens_cache_read,usage_output_tokens,web_search_count,inference_geo,speed";

    #[test]
    fn tier_markers_give_the_lowest_prompt_they_allow() {
        assert_eq!(marker_floor("≤ 200k"), Ok(0));
        assert_eq!(marker_floor("> 200k"), Ok(200_001));
        assert_eq!(marker_floor("0-200k"), Ok(0));
        assert_eq!(marker_floor("200k-1M"), Ok(200_001));
        assert!(marker_floor("huge").is_err());
        assert!(marker_floor("> lots").is_err());
    }

    #[test]
    fn both_cache_write_columns_are_read_and_the_marker_bands_the_row() {
        let text = format!(
            "{HEADER}\n\
             2026-03-22,claude-sonnet-4-20250514,test-key,Default,standard,≤ 200k,100000,2000,3000,40000,5000,10,not_available,\n\
             2026-03-23,claude-sonnet-4-20250514,\"key, second\",Default,batch,> 200k,250000,0,0,0,700,0,not_available,\n"
        );
        let got = reading(&text, &[200_001]);
        assert_eq!(got.format, Format::AnthropicConsole);
        assert_eq!((got.rows_read, got.traffic.len()), (2, 1));
        let entry = &got.traffic[0];
        assert!(!entry.requests_known);
        let standard = &entry.bands[0];
        assert_eq!(
            (
                standard.batch,
                standard.prompt_tokens_from,
                standard.tier_by
            ),
            (false, 0, TierBy::ExportMarker)
        );
        assert_eq!(
            (
                standard.sums.uncached_input,
                standard.sums.cache_write_5m,
                standard.sums.cache_write_1h,
                standard.sums.cache_read,
                standard.sums.output
            ),
            (100_000, 2_000, 3_000, 40_000, 5_000)
        );
        let batch = &entry.bands[1];
        assert_eq!((batch.batch, batch.prompt_tokens_from), (true, 200_001));
        assert_eq!(got.period.unwrap().days(), 2);
    }

    #[test]
    fn the_older_single_cache_write_column_counts_as_five_minute_writes() {
        let text = "usage_date_utc,model_version,api_key,workspace,usage_type,context_window,usage_input_tokens_no_cache,usage_input_tokens_cache_write,usage_input_tokens_cache_read,usage_output_tokens\n\
                    2025-06-01,claude-3-5-haiku-20241022,k,Default,standard,,1000,400,0,90\n";
        let got = reading(text, &[200_001]);
        assert_eq!(got.format, Format::AnthropicConsoleOneCacheWrite);
        let band = &got.traffic[0].bands[0];
        assert_eq!(
            (band.sums.cache_write_5m, band.sums.cache_write_1h),
            (400, 0)
        );
        // No marker and no request count: the tier cannot be checked.
        assert_eq!(band.tier_by, TierBy::Unstated);
    }
}
