//! One reader per export format. The CSV formats are known by their header and read a
//! record at a time through [`read_csv`]; the JSON documents share the page walker of
//! `report.rs`; Bedrock's logs are JSON lines. Each format states how it reads its columns
//! in [`reading`], which the methodology page shows.

mod anthropic_api;
mod anthropic_csv;
mod bedrock;
mod litellm;
mod mix;
mod openai_api;
mod openai_csv;
mod openrouter;
mod report;

use std::io::{self, BufRead};

use super::intake::{MAX_ROW_BYTES, Next, Record, Rows};
use super::mix::{Tally, Thresholds};
use super::{Format, FormatReading, Reading, UsageError};

/// A CSV format's reader, set up from the file's header.
pub(crate) trait CsvFormat {
    fn format(&self) -> Format;

    /// Reads one record into `tally` (its traffic, a set-aside row, or nothing but its
    /// days), or says why it cannot be read; a record that fails changes nothing.
    fn read(&self, record: &Record, tally: &mut Tally) -> Result<(), String>;
}

/// The CSV format a header shows: `None` if none, an error if it looks like one format
/// but lacks columns that format needs.
pub(crate) fn csv_format(columns: &[String]) -> Result<Option<Box<dyn CsvFormat>>, UsageError> {
    fn boxed<F: CsvFormat + 'static>(format: F) -> Box<dyn CsvFormat> {
        Box::new(format)
    }
    Ok(if let Some(f) = openrouter::OpenRouter::detect(columns)? {
        Some(boxed(f))
    } else if let Some(f) = openai_csv::OpenAiCsv::detect(columns)? {
        Some(boxed(f))
    } else if let Some(f) = anthropic_csv::AnthropicCsv::detect(columns)? {
        Some(boxed(f))
    } else if let Some(f) = litellm::LiteLlm::detect(columns)? {
        Some(boxed(f))
    } else {
        mix::MixCsv::detect(columns)?.map(boxed)
    })
}

/// Reads every record after the header.
pub(crate) fn read_csv<R: BufRead>(
    rows: &mut Rows<R>,
    width: usize,
    format: &dyn CsvFormat,
    thresholds: &Thresholds,
) -> io::Result<Reading> {
    let mut tally = Tally::new(format.format(), thresholds);
    let mut record = Record::default();
    loop {
        match rows.next_record(&mut record)? {
            Next::End => return Ok(tally.finish()),
            Next::TooLong { line } => tally.skip(
                line,
                format!("the row is longer than {} KB", MAX_ROW_BYTES / 1024),
            ),
            Next::Unclosed { line } => tally.skip(line, "a quoted field never closes"),
            Next::Row { .. } if record.is_blank() => {}
            Next::Row { line } if record.len() != width => tally.skip(
                line,
                format!(
                    "the row has {} fields where the header has {width}",
                    record.len()
                ),
            ),
            Next::Row { line } => match format.read(&record, &mut tally) {
                Ok(()) => tally.rows_read += 1,
                Err(reason) => tally.skip(line, reason),
            },
        }
    }
}

/// Reads a JSON format (documents and lines).
pub(crate) fn read_json<R: BufRead>(
    format: Format,
    text: R,
    thresholds: &Thresholds,
) -> io::Result<Result<Reading, UsageError>> {
    match format {
        Format::BedrockInvocationLogs => bedrock::read(text, thresholds).map(Ok),
        Format::AnthropicUsageReport => report::read::<anthropic_api::Report, _>(text, thresholds),
        _ => report::read::<openai_api::Report, _>(text, thresholds),
    }
}

/// Where each column `format` needs is, or the error naming the ones missing.
fn require<const N: usize>(
    columns: &[String],
    format: Format,
    names: [&'static str; N],
) -> Result<[usize; N], UsageError> {
    let found = names.map(|name| position(columns, name));
    let missing: Vec<&'static str> = names
        .iter()
        .zip(found)
        .filter(|(_, at)| at.is_none())
        .map(|(name, _)| *name)
        .collect();
    if missing.is_empty() {
        Ok(found.map(Option::unwrap_or_default))
    } else {
        Err(UsageError::MissingColumns {
            format,
            columns: missing,
        })
    }
}

/// Where a column is.
fn position(columns: &[String], name: &str) -> Option<usize> {
    columns.iter().position(|c| c == name)
}

/// Whether every one of `names` is a column (a format's signature).
fn has_all(columns: &[String], names: &[&str]) -> bool {
    names.iter().all(|name| position(columns, name).is_some())
}

/// A cell as text, with surrounding spaces trimmed.
fn cell<'r>(record: &'r Record, at: usize, column: &str) -> Result<&'r str, String> {
    super::cells::text(record.get(at), column).map(str::trim)
}

/// An optional cell as text: `None` when the column is absent or the cell empty.
fn optional<'r>(
    record: &'r Record,
    at: Option<usize>,
    column: &str,
) -> Result<Option<&'r str>, String> {
    match at {
        Some(at) => cell(record, at, column).map(|t| Some(t).filter(|t| !t.is_empty())),
        None => Ok(None),
    }
}

/// How each format's columns are read.
pub(crate) fn reading(format: Format) -> &'static FormatReading {
    match format {
        Format::OpenRouterActivity => &openrouter::READING,
        Format::OpenAiUsageCsv => &openai_csv::READING,
        Format::OpenAiUsageApi => &openai_api::READING,
        Format::AnthropicConsole => &anthropic_csv::READING,
        Format::AnthropicConsoleOneCacheWrite => &anthropic_csv::READING_ONE_CACHE_WRITE,
        Format::AnthropicUsageReport => &anthropic_api::READING,
        Format::LiteLlmSpendLogs => &litellm::READING,
        Format::BedrockInvocationLogs => &bedrock::READING,
        Format::Mix => &mix::READING,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Reading a text in a test.

    use crate::usage::{Reading, Thresholds, UsageError, read};

    /// Reads `text` with bands at `thresholds`.
    pub fn read_text(text: &str, thresholds: &[u64]) -> Result<Reading, UsageError> {
        read(
            text.as_bytes(),
            &Thresholds::new(thresholds.iter().copied()),
        )
    }

    /// Reads `text`, which must be readable.
    pub fn reading(text: &str, thresholds: &[u64]) -> Reading {
        match read_text(text, thresholds) {
            Ok(reading) => reading,
            Err(err) => panic!("{err}"),
        }
    }
}
