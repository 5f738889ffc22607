//! OpenRouter's activity export: one row per generation, with the whole prompt, the part
//! read from the cache, the completion (reasoning inside it, by our reading), the provider
//! that served it and OpenRouter's own cost.

use super::{CsvFormat, cell, has_all, optional, require};
use crate::usage::cells::{cost, count, day};
use crate::usage::intake::Record;
use crate::usage::mix::{PromptSize, Row, Sums, Tally};
use crate::usage::{Format, FormatReading, RanAt, UsageError};

pub(super) const READING: FormatReading = FormatReading {
    row: "one generation: one request",
    uncached_input: "tokens_prompt minus tokens_cached",
    cache_reads: "tokens_cached (an empty cell is no cache reads)",
    cache_writes: "none: the export has no cache-write column, so any cache writes are inside \
                   the uncached input",
    output: "tokens_completion. We read it as already holding the reasoning tokens \
             (OpenRouter bills reasoning as completion), so tokens_reasoning is not added",
    requests: "one per row",
    batch: "none: the export has no batch column",
    prompt_size: "each row's own tokens_prompt",
    date: "created_at (UTC)",
    ran_at: "OpenRouter, on the provider in provider_name; variant (such as free) is kept \
             beside the model",
    cost: "cost_total, summed exactly",
    caveats: "",
};

/// The columns read, by position in the header.
pub(crate) struct OpenRouter {
    created_at: usize,
    cost_total: usize,
    tokens_prompt: usize,
    tokens_completion: usize,
    tokens_cached: usize,
    model_permaslug: usize,
    provider_name: usize,
    variant: Option<usize>,
}

impl OpenRouter {
    /// The columns of an OpenRouter activity export, when the header is one.
    pub(crate) fn detect(columns: &[String]) -> Result<Option<OpenRouter>, UsageError> {
        if !has_all(columns, &["generation_id", "model_permaslug"]) {
            return Ok(None);
        }
        let [
            created_at,
            cost_total,
            tokens_prompt,
            tokens_completion,
            tokens_cached,
            model_permaslug,
            provider_name,
        ] = require(
            columns,
            Format::OpenRouterActivity,
            [
                "created_at",
                "cost_total",
                "tokens_prompt",
                "tokens_completion",
                "tokens_cached",
                "model_permaslug",
                "provider_name",
            ],
        )?;
        Ok(Some(OpenRouter {
            created_at,
            cost_total,
            tokens_prompt,
            tokens_completion,
            tokens_cached,
            model_permaslug,
            provider_name,
            variant: super::position(columns, "variant"),
        }))
    }
}

impl CsvFormat for OpenRouter {
    fn format(&self) -> Format {
        Format::OpenRouterActivity
    }

    fn read(&self, record: &Record, tally: &mut Tally) -> Result<(), String> {
        let prompt = count(
            cell(record, self.tokens_prompt, "tokens_prompt")?,
            "tokens_prompt",
        )?;
        let cached = match cell(record, self.tokens_cached, "tokens_cached")? {
            "" => 0,
            cached => count(cached, "tokens_cached")?,
        };
        let uncached_input = prompt
            .checked_sub(cached)
            .ok_or("tokens_cached is larger than tokens_prompt")?;
        let output = count(
            cell(record, self.tokens_completion, "tokens_completion")?,
            "tokens_completion",
        )?;
        let cost = cost(cell(record, self.cost_total, "cost_total")?, "cost_total")?;
        let day = day(cell(record, self.created_at, "created_at")?, "created_at")?;
        let provider = optional(record, Some(self.provider_name), "provider_name")?;
        tally.add(Row {
            name: cell(record, self.model_permaslug, "model_permaslug")?,
            variant: optional(record, self.variant, "variant")?,
            ran_at: RanAt::OpenRouter { provider },
            batch: Some(false),
            requests_known: true,
            prompt: PromptSize::Request(prompt),
            sums: Sums {
                requests: 1,
                uncached_input,
                cache_read: cached,
                output,
                ..Sums::default()
            },
            cost: Some(cost),
            days: Some((day, day)),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use crate::usage::formats::testing::{read_text, reading};
    use crate::usage::{Format, RanAt, TierBy, UsageError};

    const HEADER: &str = "generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,byok_usage_inference,tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,provider_name,variant,cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,generation_time_ms,time_to_first_token_ms,api_key_disabled,api_key_name,app_name";

    fn row(prompt: &str, completion: &str, cached: &str, model: &str, provider: &str) -> String {
        format!(
            "gen-1,2026-02-06 18:54:30.040,0.0125,0,0,0,0,{prompt},{completion},40,{cached},{model},{provider},standard,false,true,u1,stop,stop,900,200,false,\"key, main\",app\n"
        )
    }

    #[test]
    fn each_generation_is_one_request_banded_by_its_own_prompt() {
        let text = format!(
            "{HEADER}\n{}{}{}",
            row("1000", "200", "300", "openai/gpt-4o-2024-08-06", "OpenAI"),
            row("300000", "50", "0", "openai/gpt-4o-2024-08-06", "OpenAI"),
            row("500", "10", "", "openai/gpt-4o-2024-08-06", "Azure"),
        );
        let got = reading(&text, &[272_000]);
        assert_eq!(got.format, Format::OpenRouterActivity);
        assert_eq!((got.rows_read, got.rows_skipped), (3, 0));
        assert_eq!(got.traffic.len(), 2, "two providers");
        let azure = &got.traffic[0];
        assert_eq!(
            azure.ran_at,
            RanAt::OpenRouter {
                provider: Some("Azure".into())
            }
        );
        let openai = &got.traffic[1];
        assert_eq!(openai.variant.as_deref(), Some("standard"));
        assert_eq!(openai.bands.len(), 2);
        let (low, high) = (&openai.bands[0], &openai.bands[1]);
        assert_eq!((low.prompt_tokens_from, low.tier_by), (0, TierBy::Request));
        // 1000 prompt tokens, 300 of them cached: 700 uncached.
        assert_eq!(
            (
                low.sums.uncached_input,
                low.sums.cache_read,
                low.sums.output
            ),
            (700, 300, 200)
        );
        assert_eq!(
            (high.prompt_tokens_from, high.sums.uncached_input),
            (272_000, 300_000)
        );
        // Reasoning (40 a row) is inside the completion, not added.
        assert_eq!(openai.total().output, 250);
        // 0.0125 twice, exactly.
        assert_eq!(
            openai.export_cost,
            Some(Decimal::from_str("0.025").unwrap())
        );
        let period = got.period.unwrap();
        assert_eq!(
            (period.from.to_string(), period.days()),
            ("2026-02-06".into(), 1)
        );
    }

    #[test]
    fn a_fractional_or_negative_count_is_a_skipped_row_with_its_line() {
        let text = format!(
            "{HEADER}\n{}{}{}",
            row("12.5", "1", "0", "m/a", "P"),
            row("10", "-3", "0", "m/a", "P"),
            row("10", "1", "11", "m/a", "P"),
        );
        let got = reading(&text, &[]);
        assert_eq!((got.rows_read, got.rows_skipped), (0, 3));
        let lines: Vec<u64> = got.skipped.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![2, 3, 4]);
        assert!(
            got.skipped[0]
                .reason
                .contains("tokens_prompt is not a whole number")
        );
        assert!(
            got.skipped[1]
                .reason
                .contains("tokens_completion is negative")
        );
        assert!(got.skipped[2].reason.contains("larger than tokens_prompt"));
        assert!(got.traffic.is_empty());
    }

    #[test]
    fn a_header_without_a_needed_column_is_named() {
        let header = HEADER.replace(",tokens_cached", "");
        let err = read_text(&format!("{header}\n"), &[]).unwrap_err();
        assert!(
            matches!(&err, UsageError::MissingColumns { columns, .. } if columns == &["tokens_cached"]),
            "{err}"
        );
    }
}
