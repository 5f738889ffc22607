//! Which format a file is, from its content alone (a file's name says nothing reliable:
//! `.csv` files arrive gzipped and JSON arrives as `.txt`). A file that starts with `{` or
//! `[` is JSON: JSON lines when its first line is a whole Bedrock invocation record, else an
//! OpenAI or Anthropic usage document, told apart by the keys of their buckets. Anything
//! else is CSV, known by its header's columns.

use std::io;

use super::formats;
use super::intake::{Intake, Next, Record, Rows};
use super::mix::Thresholds;
use super::{Format, Reading, UsageError};

/// How much of the first line an error quotes.
const FIRST_LINE_CHARS: usize = 200;

/// Reads `intake` in the format its content shows. The outer error is the upload's or the
/// decompression's; the inner one says why the file is not an export we read.
pub(crate) fn read(
    intake: Intake,
    thresholds: &Thresholds,
) -> io::Result<Result<Reading, UsageError>> {
    let Some(&first) = intake.head.iter().find(|b| !b.is_ascii_whitespace()) else {
        return Ok(Err(UsageError::Empty));
    };
    if matches!(first, b'{' | b'[') {
        return match json_format(&intake.head) {
            Some(format) => formats::read_json(format, intake.text, thresholds),
            None => Ok(Err(unknown(&intake.head))),
        };
    }
    let mut rows = Rows::new(intake.text);
    let mut header = Record::default();
    if !matches!(rows.next_record(&mut header)?, Next::Row { .. }) {
        return Ok(Err(unknown(&intake.head)));
    }
    let columns: Vec<String> = header
        .fields()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect();
    match formats::csv_format(&columns) {
        Ok(Some(format)) => {
            formats::read_csv(&mut rows, columns.len(), &*format, thresholds).map(Ok)
        }
        Ok(None) => Ok(Err(unknown(&intake.head))),
        Err(missing) => Ok(Err(missing)),
    }
}

/// The JSON format the head of a file shows, if any.
fn json_format(head: &[u8]) -> Option<Format> {
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    if let Ok(serde_json::Value::Object(record)) = serde_json::from_slice(first_line)
        && (record.get("schemaType").and_then(|t| t.as_str()) == Some("ModelInvocationLog")
            || (record.contains_key("modelId") && record.contains_key("input")))
    {
        return Some(Format::BedrockInvocationLogs);
    }
    let text = String::from_utf8_lossy(head);
    // The bucket keys tell the two documents apart: OpenAI's buckets have `start_time`
    // (Unix seconds), Anthropic's `starting_at` (RFC 3339); their result fields too.
    let openai = ["\"start_time\"", "organization.usage.completions"]
        .iter()
        .filter_map(|marker| text.find(marker))
        .min();
    let anthropic = ["\"starting_at\"", "\"uncached_input_tokens\""]
        .iter()
        .filter_map(|marker| text.find(marker))
        .min();
    match (openai, anthropic) {
        (Some(o), Some(a)) if a < o => Some(Format::AnthropicUsageReport),
        (Some(_), _) => Some(Format::OpenAiUsageApi),
        (None, Some(_)) => Some(Format::AnthropicUsageReport),
        (None, None) => None,
    }
}

/// The error for a file in none of the formats, quoting its first line.
fn unknown(head: &[u8]) -> UsageError {
    let line = head.split(|&b| b == b'\n').next().unwrap_or(head);
    UsageError::UnknownFormat {
        first_line: crate::format::clip(&String::from_utf8_lossy(line), FIRST_LINE_CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_documents_are_told_apart_by_their_bucket_keys() {
        let openai = br#"{"object": "page", "data": [{"object": "bucket", "start_time": 1, "results": []}]}"#;
        assert_eq!(json_format(openai), Some(Format::OpenAiUsageApi));
        let anthropic = br#"{"data": [{"starting_at": "2026-01-01T00:00:00Z", "results": []}]}"#;
        assert_eq!(json_format(anthropic), Some(Format::AnthropicUsageReport));
        let bedrock = b"{\"schemaType\":\"ModelInvocationLog\",\"modelId\":\"m\"}\n{}";
        assert_eq!(json_format(bedrock), Some(Format::BedrockInvocationLogs));
        assert_eq!(json_format(br#"{"hello": "world"}"#), None);
    }

    #[test]
    fn an_unknown_file_is_quoted_by_its_first_line_only() {
        let UsageError::UnknownFormat { first_line } = unknown(b"date;model;tokens\r\n1;2;3\n")
        else {
            panic!("not an unknown-format error")
        };
        assert_eq!(first_line, "date;model;tokens");
    }
}
