//! OpenAI's dashboard usage export (`completions_usage_<from>_<to>.csv`): one row per time
//! bucket and grouping, counts written as floats (`59200.0`), `input_tokens` including the
//! cached part. A period with no usage has only the four time columns.

use super::report::bucket_days;
use super::{CsvFormat, cell, has_all, optional, require};
use crate::usage::cells::{count, flag};
use crate::usage::intake::Record;
use crate::usage::mix::{PromptSize, Row, Sums, Tally};
use crate::usage::{Format, FormatReading, RanAt, UsageError};

pub(super) const READING: FormatReading = FormatReading {
    row: "one time bucket of one model (and of whatever else the export was grouped by)",
    uncached_input: "input_uncached_tokens, or input_tokens minus input_cached_tokens where \
                     that column is absent; a row where the three disagree is skipped",
    cache_reads: "input_cached_tokens",
    cache_writes: "none: OpenAI does not bill cache writes",
    output: "output_tokens (reasoning tokens are inside it)",
    requests: "num_model_requests",
    batch: "batch = TRUE. An empty batch cell (an export not grouped by batch) counts as \
            on-demand, and the answer says how many rows did",
    prompt_size: "the bucket's average prompt: input_tokens over num_model_requests",
    date: "start_time to end_time (Unix seconds, UTC; the end is not included)",
    ran_at: "OpenAI's own API",
    cost: "none in the export",
    caveats: "A file with only the four time columns is a period with no usage.",
};

/// The columns read when the export has usage.
struct Usage {
    model: usize,
    num_model_requests: usize,
    input_tokens: usize,
    output_tokens: usize,
    input_cached_tokens: usize,
    input_uncached_tokens: Option<usize>,
    batch: Option<usize>,
}

pub(crate) struct OpenAiCsv {
    start_time: usize,
    end_time: usize,
    /// `None` for a period with no usage (only the time columns).
    usage: Option<Usage>,
}

impl OpenAiCsv {
    /// The columns of an OpenAI usage export, when the header is one.
    pub(crate) fn detect(columns: &[String]) -> Result<Option<OpenAiCsv>, UsageError> {
        if !has_all(columns, &["start_time_iso", "end_time_iso"])
            && !has_all(columns, &["start_time", "num_model_requests"])
        {
            return Ok(None);
        }
        let format = Format::OpenAiUsageCsv;
        let [start_time, end_time] = require(columns, format, ["start_time", "end_time"])?;
        let time_only = columns
            .iter()
            .all(|c| c.starts_with("start_time") || c.starts_with("end_time"));
        if time_only {
            return Ok(Some(OpenAiCsv {
                start_time,
                end_time,
                usage: None,
            }));
        }
        let [
            model,
            num_model_requests,
            input_tokens,
            output_tokens,
            input_cached_tokens,
        ] = require(
            columns,
            format,
            [
                "model",
                "num_model_requests",
                "input_tokens",
                "output_tokens",
                "input_cached_tokens",
            ],
        )?;
        Ok(Some(OpenAiCsv {
            start_time,
            end_time,
            usage: Some(Usage {
                model,
                num_model_requests,
                input_tokens,
                output_tokens,
                input_cached_tokens,
                input_uncached_tokens: super::position(columns, "input_uncached_tokens"),
                batch: super::position(columns, "batch"),
            }),
        }))
    }
}

/// What one bucket of OpenAI usage holds, however it was written.
pub(super) struct Bucket<'a> {
    pub model: &'a str,
    pub requests: u64,
    pub input: u64,
    pub cached: u64,
    pub uncached: Option<u64>,
    pub output: u64,
    pub batch: Option<bool>,
}

/// Adds one bucket of OpenAI usage (the CSV's row or the API's result).
pub(super) fn add_bucket(
    bucket: Bucket,
    days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
    tally: &mut Tally,
) -> Result<(), String> {
    let uncached = bucket
        .input
        .checked_sub(bucket.cached)
        .ok_or("input_cached_tokens is larger than input_tokens")?;
    if bucket.uncached.is_some_and(|stated| stated != uncached) {
        return Err("input_uncached_tokens is not input_tokens minus input_cached_tokens".into());
    }
    if bucket.requests == 0 {
        if bucket.input == 0 && bucket.output == 0 {
            tally.cover(days);
            return Ok(());
        }
        return Err("num_model_requests is 0 but tokens were used".into());
    }
    tally.add(Row {
        name: bucket.model,
        variant: None,
        ran_at: RanAt::FirstParty { provider: "openai" },
        batch: bucket.batch,
        requests_known: true,
        prompt: PromptSize::Bucket {
            prompt_tokens: bucket.input,
            requests: bucket.requests,
        },
        sums: Sums {
            requests: bucket.requests,
            uncached_input: uncached,
            cache_read: bucket.cached,
            output: bucket.output,
            ..Sums::default()
        },
        cost: None,
        days,
    })
}

impl CsvFormat for OpenAiCsv {
    fn format(&self) -> Format {
        Format::OpenAiUsageCsv
    }

    fn read(&self, record: &Record, tally: &mut Tally) -> Result<(), String> {
        let start = count(cell(record, self.start_time, "start_time")?, "start_time")?;
        let end = count(cell(record, self.end_time, "end_time")?, "end_time")?;
        let days = bucket_days(start, end)?;
        let Some(usage) = &self.usage else {
            tally.cover(Some(days));
            return Ok(());
        };
        let number = |at: usize, column: &str| count(cell(record, at, column)?, column);
        let bucket = Bucket {
            model: cell(record, usage.model, "model")?,
            requests: number(usage.num_model_requests, "num_model_requests")?,
            input: number(usage.input_tokens, "input_tokens")?,
            cached: number(usage.input_cached_tokens, "input_cached_tokens")?,
            uncached: optional(record, usage.input_uncached_tokens, "input_uncached_tokens")?
                .map(|cell| count(cell, "input_uncached_tokens"))
                .transpose()?,
            output: number(usage.output_tokens, "output_tokens")?,
            batch: match usage.batch {
                Some(at) => flag(cell(record, at, "batch")?, "batch")?,
                None => None,
            },
        };
        add_bucket(bucket, Some(days), tally)
    }
}

#[cfg(test)]
mod tests {
    use crate::usage::formats::testing::reading;
    use crate::usage::{Format, RanAt, TierBy};

    const HEADER: &str = "start_time,end_time,start_time_iso,end_time_iso,project_id,num_model_requests,user_id,api_key_id,model,batch,service_tier,input_tokens,output_tokens,input_cached_tokens,input_uncached_tokens,input_text_tokens,output_text_tokens,input_cached_text_tokens,input_audio_tokens,input_cached_audio_tokens,output_audio_tokens,input_image_tokens,input_cached_image_tokens,output_image_tokens";

    /// A day's bucket from 2025-10-05.
    fn row(
        requests: &str,
        model: &str,
        batch: &str,
        input: &str,
        output: &str,
        cached: &str,
        uncached: &str,
    ) -> String {
        format!(
            "1759622400,1759708800,2025-10-05T00:00:00+00:00,2025-10-06T00:00:00+00:00,proj_x,{requests},user-x,key_x,{model},{batch},default,{input},{output},{cached},{uncached},{input},{output},{cached},0.0,0.0,0.0,0.0,0.0,0.0\n"
        )
    }

    #[test]
    fn float_counts_are_read_exactly_and_buckets_band_by_their_average_prompt() {
        let text = format!(
            "\u{feff}{HEADER}\r\n{}{}",
            row(
                "10.0",
                "gpt-4o-2024-08-06",
                "FALSE",
                "59200.0",
                "10646.0",
                "5760.0",
                "53440.0"
            ),
            row(
                "2.0",
                "gpt-4o-2024-08-06",
                "TRUE",
                "600000.0",
                "10.0",
                "0.0",
                "600000.0"
            ),
        )
        .replace('\n', "\r\n");
        let got = reading(&text, &[272_000]);
        assert_eq!(got.format, Format::OpenAiUsageCsv);
        assert_eq!((got.rows_read, got.rows_skipped), (2, 0));
        let entry = &got.traffic[0];
        assert_eq!(entry.ran_at, RanAt::FirstParty { provider: "openai" });
        let on_demand = &entry.bands[0];
        assert!(!on_demand.batch);
        assert_eq!(
            (on_demand.prompt_tokens_from, on_demand.tier_by),
            (0, TierBy::BucketAverage)
        );
        assert_eq!(
            (
                on_demand.sums.requests,
                on_demand.sums.uncached_input,
                on_demand.sums.cache_read
            ),
            (10, 53_440, 5_760)
        );
        // 600,000 prompt tokens over 2 requests: 300,000 each on average, past 272,000.
        let batch = &entry.bands[1];
        assert!(batch.batch);
        assert_eq!(batch.prompt_tokens_from, 272_000);
        let period = got.period.unwrap();
        assert_eq!(
            (period.from.to_string(), period.to.to_string()),
            ("2025-10-05".into(), "2025-10-05".into())
        );
        assert_eq!(got.notes.batch_unstated, 0);
    }

    #[test]
    fn uncached_tokens_that_disagree_with_the_total_are_a_bad_row() {
        let text = format!(
            "{HEADER}\n{}",
            row("1.0", "gpt-4o", "", "100.0", "1.0", "10.0", "80.0")
        );
        let got = reading(&text, &[]);
        assert_eq!(got.rows_skipped, 1);
        assert!(got.skipped[0].reason.contains("input_uncached_tokens"));
    }

    #[test]
    fn an_unstated_batch_cell_counts_as_on_demand_and_is_noted() {
        let text = format!(
            "{HEADER}\n{}",
            row("1.0", "gpt-4o", "", "100.0", "1.0", "10.0", "90.0")
        );
        let got = reading(&text, &[]);
        assert_eq!(got.notes.batch_unstated, 1);
        assert!(!got.traffic[0].bands[0].batch);
    }

    #[test]
    fn a_period_with_no_usage_has_only_time_columns() {
        let text = "start_time,end_time,start_time_iso,end_time_iso\n1759622400,1759708800,2025-10-05T00:00:00+00:00,2025-10-06T00:00:00+00:00\n1759708800,1759795200,2025-10-06T00:00:00+00:00,2025-10-07T00:00:00+00:00\n";
        let got = reading(text, &[]);
        assert_eq!((got.rows_read, got.traffic.len()), (2, 0));
        assert_eq!(got.period.unwrap().days(), 2);
    }
}
