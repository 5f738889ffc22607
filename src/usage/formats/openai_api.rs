//! OpenAI's Usage API for completions (`GET /v1/organization/usage/completions`): pages of
//! buckets (`start_time`, `end_time` in Unix seconds) whose results each hold one grouping's
//! tokens, read as the dashboard's CSV rows are.

use serde::Deserialize;
use serde_json::Number;

use super::openai_csv::{Bucket, add_bucket};
use super::report::Report as ReportShape;
use crate::usage::cells::json_count;
use crate::usage::mix::Tally;
use crate::usage::{Format, FormatReading};

pub(super) const READING: FormatReading = FormatReading {
    row: "one result of one time bucket (a model, and whatever else the report was grouped by)",
    uncached_input: "input_uncached_tokens, or input_tokens minus input_cached_tokens where \
                     it is absent; a result where the three disagree is skipped",
    cache_reads: "input_cached_tokens",
    cache_writes: "none: OpenAI does not bill cache writes",
    output: "output_tokens (reasoning tokens are inside it)",
    requests: "num_model_requests",
    batch: "batch = true. A null batch (a report not grouped by batch) counts as on-demand, \
            and the answer says how many results did",
    prompt_size: "the result's average prompt: input_tokens over num_model_requests",
    date: "the bucket's start_time to end_time (Unix seconds, UTC; the end is not included)",
    ran_at: "OpenAI's own API",
    cost: "none in the report",
    caveats: "A result with a null model (a report not grouped by model) is skipped: its \
              tokens cannot be told apart by model. A page that says more follow (has_more) \
              is read as it is, and the answer says so.",
};

/// The result fields read; the rest are skipped unread.
#[derive(Deserialize)]
pub(super) struct Result {
    model: Option<String>,
    num_model_requests: Option<Number>,
    input_tokens: Option<Number>,
    input_cached_tokens: Option<Number>,
    input_uncached_tokens: Option<Number>,
    output_tokens: Option<Number>,
    batch: Option<bool>,
}

pub(super) struct Report;

fn required(number: Option<&Number>, field: &str) -> std::result::Result<u64, String> {
    match number {
        Some(n) => json_count(n, field),
        None => Err(format!("{field} is missing")),
    }
}

impl ReportShape for Report {
    const FORMAT: Format = Format::OpenAiUsageApi;
    const START: &'static str = "start_time";
    const END: &'static str = "end_time";
    type Moment = Number;
    type Result = Result;

    fn seconds(moment: &Number, field: &str) -> std::result::Result<u64, String> {
        json_count(moment, field)
    }

    fn read_result(result: Result, tally: &mut Tally) -> std::result::Result<(), String> {
        let model = result.model.as_deref().ok_or(
            "model is null: the report was not grouped by model, so its tokens cannot be \
             told apart by model",
        )?;
        let bucket = Bucket {
            model,
            requests: required(result.num_model_requests.as_ref(), "num_model_requests")?,
            input: required(result.input_tokens.as_ref(), "input_tokens")?,
            cached: match &result.input_cached_tokens {
                Some(n) => json_count(n, "input_cached_tokens")?,
                None => 0,
            },
            uncached: result
                .input_uncached_tokens
                .as_ref()
                .map(|n| json_count(n, "input_uncached_tokens"))
                .transpose()?,
            output: required(result.output_tokens.as_ref(), "output_tokens")?,
            batch: result.batch,
        };
        add_bucket(bucket, None, tally)
    }
}

#[cfg(test)]
mod tests {
    use crate::usage::formats::testing::{read_text, reading};
    use crate::usage::{Format, TierBy, UsageError};

    const PAGE: &str = r#"{
  "object": "page",
  "data": [
    {
      "object": "bucket",
      "start_time": 1759622400,
      "end_time": 1759708800,
      "results": [
        {
          "object": "organization.usage.completions.result",
          "input_tokens": 59200.0,
          "output_tokens": 10646,
          "input_cached_tokens": 5760,
          "input_uncached_tokens": 53440,
          "input_audio_tokens": 0,
          "num_model_requests": 10,
          "project_id": null,
          "user_id": null,
          "api_key_id": null,
          "model": "gpt-4o-2024-08-06",
          "batch": true,
          "service_tier": null
        },
        {
          "object": "organization.usage.completions.result",
          "input_tokens": 12.5,
          "output_tokens": 1,
          "num_model_requests": 1,
          "model": "gpt-4o-mini"
        },
        {
          "object": "organization.usage.completions.result",
          "input_tokens": 100,
          "output_tokens": 1,
          "num_model_requests": 1,
          "model": null
        }
      ]
    },
    {"object": "bucket", "start_time": 1759708800, "end_time": 1759795200, "results": []}
  ],
  "has_more": true,
  "next_page": "page_abc"
}"#;

    #[test]
    fn results_are_rows_and_bad_ones_are_named_by_their_first_line() {
        let got = reading(PAGE, &[]);
        assert_eq!(got.format, Format::OpenAiUsageApi);
        assert_eq!((got.rows_read, got.rows_skipped), (1, 2));
        assert_eq!(got.skipped[0].line, 24);
        assert!(got.skipped[0].reason.contains("not a whole number"));
        assert_eq!(got.skipped[1].line, 31);
        assert!(got.skipped[1].reason.contains("model is null"));
        let band = &got.traffic[0].bands[0];
        assert!(band.batch);
        assert_eq!(band.tier_by, TierBy::BucketAverage);
        assert_eq!(
            (
                band.sums.requests,
                band.sums.uncached_input,
                band.sums.cache_read
            ),
            (10, 53_440, 5_760)
        );
        // Two daily buckets, the second empty: both are in the period.
        assert_eq!(got.period.unwrap().days(), 2);
        assert_eq!(got.notes.pages_with_more, 1);
    }

    #[test]
    fn a_list_of_pages_is_read_page_by_page() {
        let got = reading(&format!("[{PAGE}, {PAGE}]"), &[]);
        assert_eq!((got.rows_read, got.rows_skipped), (2, 4));
        assert_eq!(got.traffic[0].total().requests, 20);
    }

    #[test]
    fn a_document_broken_midway_fails_at_its_line() {
        let broken = PAGE.replace("\"output_tokens\": 10646,", "\"output_tokens\": 10646,,");
        let err = read_text(&broken, &[]).unwrap_err();
        assert!(
            matches!(err, UsageError::BrokenJson { line: 12, .. }),
            "{err:?}"
        );
    }
}
