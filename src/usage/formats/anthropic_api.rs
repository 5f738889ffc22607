//! Anthropic's Admin API usage report (`GET /v1/organizations/usage_report/messages`):
//! pages of buckets (`starting_at`, `ending_at` in RFC 3339) whose results hold one
//! grouping's tokens, read as the Console's CSV rows are.

use serde::Deserialize;
use serde_json::Number;

use super::anthropic_csv::{Bucket, add_bucket};
use super::report::Report as ReportShape;
use crate::usage::cells::{json_count, quoted};
use crate::usage::mix::{Sums, Tally};
use crate::usage::{Format, FormatReading};

pub(super) const READING: FormatReading = FormatReading {
    row: "one result of one time bucket (a model, and whatever else the report was grouped by)",
    uncached_input: "uncached_input_tokens",
    cache_reads: "cache_read_input_tokens",
    cache_writes: "cache_creation.ephemeral_5m_input_tokens and \
                   cache_creation.ephemeral_1h_input_tokens",
    output: "output_tokens",
    requests: "unknown: the report has no request count, so per-request fees are left out",
    batch: "service_tier = batch. A null service_tier (a report not grouped by it) counts as \
            on-demand, and the answer says how many results did",
    prompt_size: "context_window (0-200k or 200k-1M); a result without it cannot show whether \
                  the long-context tier applied, and the answer says so",
    date: "the bucket's starting_at to ending_at (the end is not included)",
    ran_at: "Anthropic's own API; speed, when set, is kept beside the model",
    cost: "none in the report",
    caveats: "A result with a null model (a report not grouped by model) is skipped: its \
              tokens cannot be told apart by model. A page that says more follow (has_more) \
              is read as it is, and the answer says so.",
};

#[derive(Deserialize)]
pub(super) struct CacheCreation {
    ephemeral_5m_input_tokens: Option<Number>,
    ephemeral_1h_input_tokens: Option<Number>,
}

/// The result fields read; the rest are skipped unread.
#[derive(Deserialize)]
pub(super) struct Result {
    model: Option<String>,
    uncached_input_tokens: Option<Number>,
    cache_creation: Option<CacheCreation>,
    cache_read_input_tokens: Option<Number>,
    output_tokens: Option<Number>,
    service_tier: Option<String>,
    context_window: Option<String>,
    speed: Option<String>,
}

pub(super) struct Report;

fn or_zero(number: Option<&Number>, field: &str) -> std::result::Result<u64, String> {
    number.map_or(Ok(0), |n| json_count(n, field))
}

impl ReportShape for Report {
    const FORMAT: Format = Format::AnthropicUsageReport;
    const START: &'static str = "starting_at";
    const END: &'static str = "ending_at";
    type Moment = String;
    type Result = Result;

    fn seconds(moment: &String, field: &str) -> std::result::Result<u64, String> {
        chrono::DateTime::parse_from_rfc3339(moment)
            .ok()
            .and_then(|t| u64::try_from(t.timestamp()).ok())
            .ok_or_else(|| format!("{field} is not a moment in time ({})", quoted(moment)))
    }

    fn read_result(result: Result, tally: &mut Tally) -> std::result::Result<(), String> {
        let model = result.model.as_deref().ok_or(
            "model is null: the report was not grouped by model, so its tokens cannot be \
             told apart by model",
        )?;
        let uncached_input = match &result.uncached_input_tokens {
            Some(n) => json_count(n, "uncached_input_tokens")?,
            None => return Err("uncached_input_tokens is missing".into()),
        };
        let output = match &result.output_tokens {
            Some(n) => json_count(n, "output_tokens")?,
            None => return Err("output_tokens is missing".into()),
        };
        let writes = result.cache_creation.as_ref();
        let sums = Sums {
            requests: 0,
            uncached_input,
            cache_read: or_zero(
                result.cache_read_input_tokens.as_ref(),
                "cache_read_input_tokens",
            )?,
            cache_write_5m: or_zero(
                writes.and_then(|w| w.ephemeral_5m_input_tokens.as_ref()),
                "ephemeral_5m_input_tokens",
            )?,
            cache_write_1h: or_zero(
                writes.and_then(|w| w.ephemeral_1h_input_tokens.as_ref()),
                "ephemeral_1h_input_tokens",
            )?,
            output,
        };
        let bucket = Bucket {
            model,
            speed: result.speed.as_deref().filter(|s| !s.is_empty()),
            batch: result.service_tier.as_deref().map(|tier| tier == "batch"),
            context_window: result.context_window.as_deref().filter(|c| !c.is_empty()),
            sums,
        };
        add_bucket(bucket, None, tally)
    }
}

#[cfg(test)]
mod tests {
    use crate::usage::formats::testing::reading;
    use crate::usage::{Format, RanAt, TierBy};

    #[test]
    fn results_carry_both_cache_write_durations_the_tier_and_the_service_tier() {
        let report = r#"{"data": [
  {"starting_at": "2026-03-01T00:00:00Z", "ending_at": "2026-03-02T00:00:00Z", "results": [
    {"uncached_input_tokens": 1200, "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 40},
     "cache_read_input_tokens": 5000, "output_tokens": 700, "server_tool_use": {"web_search_requests": 0},
     "model": "claude-sonnet-4-20250514", "service_tier": "batch", "context_window": "200k-1M",
     "workspace_id": null, "api_key_id": null, "inference_geo": null, "speed": null},
    {"uncached_input_tokens": 10, "cache_creation": null, "cache_read_input_tokens": 0, "output_tokens": 1,
     "model": "claude-sonnet-4-20250514", "service_tier": null, "context_window": null}
  ]}
], "has_more": false, "next_page": null}"#;
        let got = reading(report, &[200_001]);
        assert_eq!(got.format, Format::AnthropicUsageReport);
        assert_eq!((got.rows_read, got.rows_skipped), (2, 0));
        let entry = &got.traffic[0];
        assert_eq!(
            entry.ran_at,
            RanAt::FirstParty {
                provider: "anthropic"
            }
        );
        assert!(!entry.requests_known);
        let unstated = &entry.bands[0];
        assert_eq!(
            (unstated.batch, unstated.tier_by),
            (false, TierBy::Unstated)
        );
        let batch = &entry.bands[1];
        assert_eq!(
            (batch.batch, batch.prompt_tokens_from, batch.tier_by),
            (true, 200_001, TierBy::ExportMarker)
        );
        assert_eq!(
            (
                batch.sums.uncached_input,
                batch.sums.cache_write_5m,
                batch.sums.cache_write_1h,
                batch.sums.cache_read
            ),
            (1200, 300, 40, 5000)
        );
        assert_eq!(got.notes.batch_unstated, 1);
        assert_eq!(got.period.unwrap().days(), 1);
    }
}
