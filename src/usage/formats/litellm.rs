//! A LiteLLM proxy's spend logs (the `LiteLLM_SpendLogs` table as CSV): one row per request,
//! the prompt and completion tokens, the provider the proxy called, and its own cost. Cached
//! tokens are only in `metadata`, where a deployment records them. Rows the proxy's own cache
//! answered, and failed requests, never reached a seller's bill: counted, not priced.

use serde::Deserialize;

use super::{CsvFormat, cell, has_all, optional, require};
use crate::usage::cells::{cost, count, day, flag, json_count};
use crate::usage::intake::Record;
use crate::usage::mix::{PromptSize, Row, Sums, Tally};
use crate::usage::{Format, FormatReading, RanAt, UsageError};

pub(super) const READING: FormatReading = FormatReading {
    row: "one request",
    uncached_input: "prompt_tokens minus the cached tokens metadata records \
                     (usage_object.prompt_tokens_details.cached_tokens), where it does",
    cache_reads: "that metadata value; none where the deployment does not record it",
    cache_writes: "none: the logs have no cache-write count, so any writes are inside the \
                   uncached input",
    output: "completion_tokens",
    requests: "one per row",
    batch: "none",
    prompt_size: "each row's own prompt_tokens",
    date: "startTime",
    ran_at: "the provider the proxy called (custom_llm_provider), as the proxy names it",
    cost: "spend (LiteLLM's own estimate), summed exactly",
    caveats: "Rows the proxy's cache answered (cache_hit) never reached a seller, and rows \
              whose status is not success were not billed: both are counted and left out.",
};

pub(crate) struct LiteLlm {
    model: usize,
    prompt_tokens: usize,
    completion_tokens: usize,
    spend: usize,
    start_time: usize,
    provider: Option<usize>,
    cache_hit: Option<usize>,
    status: Option<usize>,
    metadata: Option<usize>,
}

impl LiteLlm {
    /// The columns of LiteLLM's spend logs, when the header is theirs.
    pub(crate) fn detect(columns: &[String]) -> Result<Option<LiteLlm>, UsageError> {
        if !has_all(columns, &["request_id", "spend"]) {
            return Ok(None);
        }
        let [model, prompt_tokens, completion_tokens, spend, start_time] = require(
            columns,
            Format::LiteLlmSpendLogs,
            [
                "model",
                "prompt_tokens",
                "completion_tokens",
                "spend",
                "startTime",
            ],
        )?;
        Ok(Some(LiteLlm {
            model,
            prompt_tokens,
            completion_tokens,
            spend,
            start_time,
            provider: super::position(columns, "custom_llm_provider"),
            cache_hit: super::position(columns, "cache_hit"),
            status: super::position(columns, "status"),
            metadata: super::position(columns, "metadata"),
        }))
    }
}

/// The part of `metadata` that holds the cached tokens.
#[derive(Deserialize)]
struct Metadata {
    usage_object: Option<UsageObject>,
}

#[derive(Deserialize)]
struct UsageObject {
    prompt_tokens_details: Option<PromptDetails>,
}

#[derive(Deserialize)]
struct PromptDetails {
    cached_tokens: Option<serde_json::Number>,
}

/// The cached prompt tokens `metadata` records, 0 where it records none.
fn cached_tokens(metadata: &str) -> Result<u64, String> {
    let metadata: Metadata = serde_json::from_str(metadata)
        .map_err(|err| format!("metadata is not the JSON LiteLLM writes ({err})"))?;
    match metadata
        .usage_object
        .and_then(|u| u.prompt_tokens_details)
        .and_then(|d| d.cached_tokens)
    {
        Some(cached) => json_count(&cached, "metadata cached_tokens"),
        None => Ok(0),
    }
}

impl CsvFormat for LiteLlm {
    fn format(&self) -> Format {
        Format::LiteLlmSpendLogs
    }

    fn read(&self, record: &Record, tally: &mut Tally) -> Result<(), String> {
        let day = day(cell(record, self.start_time, "startTime")?, "startTime")?;
        let days = Some((day, day));
        let cache_hit = match self.cache_hit {
            Some(at) => flag(cell(record, at, "cache_hit")?, "cache_hit")?,
            None => None,
        };
        if cache_hit == Some(true) {
            tally.notes.proxy_cache_hits += 1;
            tally.cover(days);
            return Ok(());
        }
        let status = optional(record, self.status, "status")?;
        if status.is_some_and(|s| !s.eq_ignore_ascii_case("success")) {
            tally.notes.failed_requests += 1;
            tally.cover(days);
            return Ok(());
        }
        let prompt = count(
            cell(record, self.prompt_tokens, "prompt_tokens")?,
            "prompt_tokens",
        )?;
        let cached = match optional(record, self.metadata, "metadata")? {
            Some(metadata) => cached_tokens(metadata)?,
            None => 0,
        };
        let uncached_input = prompt
            .checked_sub(cached)
            .ok_or("the cached tokens in metadata are more than prompt_tokens")?;
        tally.add(Row {
            name: cell(record, self.model, "model")?,
            variant: None,
            ran_at: RanAt::LiteLlm {
                provider: optional(record, self.provider, "custom_llm_provider")?,
            },
            batch: Some(false),
            requests_known: true,
            prompt: PromptSize::Request(prompt),
            sums: Sums {
                requests: 1,
                uncached_input,
                cache_read: cached,
                output: count(
                    cell(record, self.completion_tokens, "completion_tokens")?,
                    "completion_tokens",
                )?,
                ..Sums::default()
            },
            cost: Some(cost(cell(record, self.spend, "spend")?, "spend")?),
            days,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use rust_decimal::Decimal;

    use crate::usage::formats::testing::reading;
    use crate::usage::{Format, RanAt};

    const HEADER: &str = "request_id,call_type,api_key,spend,total_tokens,prompt_tokens,completion_tokens,startTime,endTime,model,model_id,model_group,custom_llm_provider,api_base,user,metadata,cache_hit,team_id,end_user,session_id,status";

    #[test]
    fn cached_tokens_come_from_metadata_and_proxy_cache_hits_are_set_aside() {
        let metadata =
            r#""{""usage_object"": {""prompt_tokens_details"": {""cached_tokens"": 300}}}""#;
        let text = format!(
            "{HEADER}\n\
             r1,acompletion,hashed,0.00125,1200,1000,200,2025-01-15 10:20:30.123,2025-01-15 10:20:31.5,gpt-4o,id1,gpt-4o,openai,https://api.openai.com,u,{metadata},False,t,,s1,success\n\
             r2,acompletion,hashed,0,1200,1000,200,2025-01-16 10:20:30,2025-01-16 10:20:31,gpt-4o,id1,gpt-4o,openai,https://api.openai.com,u,{{}},True,t,,s1,success\n\
             r3,acompletion,hashed,0,10,10,0,2025-01-17 10:20:30,2025-01-17 10:20:31,gpt-4o,id1,gpt-4o,openai,https://api.openai.com,u,{{}},False,t,,s1,failure\n"
        );
        let got = reading(&text, &[]);
        assert_eq!(got.format, Format::LiteLlmSpendLogs);
        // Three rows read; only r1 is priced, r2 and r3 are set aside and counted apart.
        assert_eq!((got.rows_read, got.rows_skipped), (1, 0));
        assert_eq!(
            (got.notes.proxy_cache_hits, got.notes.failed_requests),
            (1, 1)
        );
        assert_eq!(got.traffic.len(), 1);
        let entry = &got.traffic[0];
        assert_eq!(
            entry.ran_at,
            RanAt::LiteLlm {
                provider: Some("openai".into())
            }
        );
        let sums = entry.total();
        assert_eq!(
            (
                sums.requests,
                sums.uncached_input,
                sums.cache_read,
                sums.output
            ),
            (1, 700, 300, 200)
        );
        assert_eq!(
            entry.export_cost,
            Some(Decimal::from_str("0.00125").unwrap())
        );
        // The period takes in the set-aside rows: they happened in it.
        assert_eq!(got.period.unwrap().days(), 3);
    }
}
