//! Amazon Bedrock's model invocation logs: one JSON object per line and request, with the
//! model id as called (an inference-profile prefix such as `us.` or `global.`, or a whole
//! ARN), the region, and the token counts of the input (uncached, cache reads, cache writes)
//! and output.

use std::borrow::Cow;
use std::io::{self, BufRead};

use serde::Deserialize;

use crate::seller::Cloud;
use crate::usage::cells::{day, json_count};
use crate::usage::intake::{MAX_ROW_BYTES, Next, Rows};
use crate::usage::mix::{PromptSize, Row, Sums, Tally, Thresholds};
use crate::usage::{Format, FormatReading, RanAt, Reading};

pub(super) const READING: FormatReading = FormatReading {
    row: "one invocation: one request",
    uncached_input: "input.inputTokenCount (Bedrock counts cache reads and writes apart from it)",
    cache_reads: "input.cacheReadInputTokenCount",
    cache_writes: "input.cacheWriteInputTokenCount, counted as 5-minute writes (the log does \
                   not give the duration)",
    output: "output.outputTokenCount",
    requests: "one per line",
    batch: "none",
    prompt_size: "each request's input, cache reads and cache writes together",
    date: "timestamp",
    ran_at: "Amazon Bedrock: a global. prefix is the global cross-region price; us., eu., \
             apac. or none the in-region price, in the log's region",
    cost: "none in the logs",
    caveats: "A line over 64 KB (a log that kept a long prompt inline) is skipped.",
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    #[serde(borrow)]
    schema_type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(borrow)]
    region: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model_id: Option<Cow<'a, str>>,
    input: Option<Input>,
    output: Option<Output>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    input_token_count: Option<serde_json::Number>,
    cache_read_input_token_count: Option<serde_json::Number>,
    cache_write_input_token_count: Option<serde_json::Number>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    output_token_count: Option<serde_json::Number>,
}

/// The Bedrock price list a model id is billed on, by its prefix or its ARN's last part's:
/// `global.` the global cross-region price; `us.`, `eu.`, `apac.` (a geography's
/// cross-region profile) or none the in-region one.
pub fn scope(model_id: &str) -> Cloud {
    let id = model_id.rsplit('/').next().unwrap_or(model_id);
    if id.starts_with("global.") {
        Cloud::BedrockGlobal
    } else {
        Cloud::BedrockInRegion
    }
}

/// Reads every line.
pub(super) fn read<R: BufRead>(text: R, thresholds: &Thresholds) -> io::Result<Reading> {
    let mut tally = Tally::new(Format::BedrockInvocationLogs, thresholds);
    let mut rows = Rows::new(text);
    let mut line = Vec::new();
    loop {
        match rows.next_line(&mut line)? {
            Next::End => return Ok(tally.finish()),
            Next::TooLong { line } => tally.skip(
                line,
                format!("the line is longer than {} KB", MAX_ROW_BYTES / 1024),
            ),
            Next::Unclosed { line } => tally.skip(line, "the line never ends"),
            Next::Row { .. } if line.iter().all(u8::is_ascii_whitespace) => {}
            Next::Row { line: at } => match read_line(&line, &mut tally) {
                Ok(()) => tally.rows_read += 1,
                Err(reason) => tally.skip(at, reason),
            },
        }
    }
}

fn read_line(line: &[u8], tally: &mut Tally) -> Result<(), String> {
    let log: Invocation =
        serde_json::from_slice(line).map_err(|err| format!("not an invocation record ({err})"))?;
    if let Some(schema) = log.schema_type.as_deref()
        && schema != "ModelInvocationLog"
    {
        return Err(format!(
            "schemaType is {}, not ModelInvocationLog",
            crate::usage::cells::quoted(schema)
        ));
    }
    let model = log.model_id.as_deref().ok_or("modelId is missing")?;
    let input = log.input.as_ref().ok_or("input is missing")?;
    let count = |number: &Option<serde_json::Number>, field: &str| match number {
        Some(n) => json_count(n, field),
        None => Ok(0),
    };
    let uncached_input = match &input.input_token_count {
        Some(n) => json_count(n, "inputTokenCount")?,
        None => return Err("input.inputTokenCount is missing".into()),
    };
    let cache_read = count(
        &input.cache_read_input_token_count,
        "cacheReadInputTokenCount",
    )?;
    let cache_write_5m = count(
        &input.cache_write_input_token_count,
        "cacheWriteInputTokenCount",
    )?;
    let output = match log
        .output
        .as_ref()
        .and_then(|o| o.output_token_count.as_ref())
    {
        Some(n) => json_count(n, "outputTokenCount")?,
        None => return Err("output.outputTokenCount is missing".into()),
    };
    let sums = Sums {
        requests: 1,
        uncached_input,
        cache_read,
        cache_write_5m,
        cache_write_1h: 0,
        output,
    };
    let prompt = sums
        .prompt_tokens()
        .ok_or("its input counts overflow when added")?;
    let day = match log.timestamp.as_deref() {
        Some(timestamp) => Some(day(timestamp, "timestamp")?),
        None => None,
    };
    tally.add(Row {
        name: model,
        variant: None,
        ran_at: RanAt::Bedrock {
            cloud: scope(model),
            region: log.region.as_deref().filter(|r| !r.is_empty()),
        },
        batch: Some(false),
        requests_known: true,
        prompt: PromptSize::Request(prompt),
        sums,
        cost: None,
        days: day.map(|d| (d, d)),
    })
}

#[cfg(test)]
mod tests {
    use super::scope;
    use crate::seller::Cloud;
    use crate::usage::formats::testing::reading;
    use crate::usage::{Format, RanAt, TierBy};

    fn line(model: &str, input: u64, read: u64, write: u64, output: u64) -> String {
        format!(
            r#"{{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-01-05T10:00:00Z","accountId":"123","identity":{{"arn":"arn:aws:sts::123:assumed-role/x"}},"region":"us-east-1","requestId":"r","operation":"Converse","modelId":"{model}","input":{{"inputContentType":"application/json","inputTokenCount":{input},"cacheReadInputTokenCount":{read},"cacheWriteInputTokenCount":{write}}},"output":{{"outputContentType":"application/json","outputTokenCount":{output}}}}}"#
        ) + "\n"
    }

    #[test]
    fn the_prefix_or_arn_decides_the_scope() {
        assert_eq!(
            scope("global.anthropic.claude-sonnet-4-20250514-v1:0"),
            Cloud::BedrockGlobal
        );
        assert_eq!(
            scope("us.anthropic.claude-sonnet-4-20250514-v1:0"),
            Cloud::BedrockInRegion
        );
        assert_eq!(
            scope("anthropic.claude-3-5-haiku-20241022-v1:0"),
            Cloud::BedrockInRegion
        );
        assert_eq!(
            scope(
                "arn:aws:bedrock:us-east-1:123:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0"
            ),
            Cloud::BedrockGlobal
        );
    }

    #[test]
    fn each_line_is_a_request_with_its_cache_reads_and_writes() {
        let text = [
            line("us.anthropic.claude-sonnet-4-20250514-v1:0", 1000, 5000, 200, 300),
            "\n".into(),
            line("global.anthropic.claude-sonnet-4-20250514-v1:0", 250_000, 0, 0, 10),
            "{\"schemaType\":\"ModelInvocationLog\",\"modelId\":\"m\",\"input\":{\"inputTokenCount\":1.5},\"output\":{\"outputTokenCount\":1}}\n".into(),
        ]
        .concat();
        let got = reading(&text, &[200_001]);
        assert_eq!(got.format, Format::BedrockInvocationLogs);
        assert_eq!((got.rows_read, got.rows_skipped), (2, 1));
        assert_eq!(got.skipped[0].line, 4);
        assert!(got.skipped[0].reason.contains("not a whole number"));
        let global = &got.traffic[0];
        assert_eq!(
            global.ran_at,
            RanAt::Bedrock {
                cloud: Cloud::BedrockGlobal,
                region: Some("us-east-1".into())
            }
        );
        assert_eq!(
            (global.bands[0].prompt_tokens_from, global.bands[0].tier_by),
            (200_001, TierBy::Request)
        );
        let regional = &got.traffic[1];
        let s = regional.bands[0].sums;
        assert_eq!(
            (s.uncached_input, s.cache_read, s.cache_write_5m, s.output),
            (1000, 5000, 200, 300)
        );
        assert_eq!(regional.bands[0].prompt_tokens_from, 0);
    }
}
