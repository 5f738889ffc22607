//! Our own mix CSV read back (its layout is in `usage/mix.rs`, beside the writer): each row a
//! band of one model's traffic, already summed.

use chrono::NaiveDate;

use super::{CsvFormat, cell, has_all, optional, require};
use crate::usage::cells::{cost, count, day, quoted};
use crate::usage::intake::Record;
use crate::usage::mix::{
    MIX_COLUMNS, PromptSize, Row, Sums, Tally, parse_ran_at, split_by_requests, unguarded,
};
use crate::usage::{Format, FormatReading, RanAt, UsageError};

pub(super) const READING: FormatReading = FormatReading {
    row: "one band of one model's traffic, already summed",
    uncached_input: "input_tokens (uncached input only)",
    cache_reads: "cache_read_tokens",
    cache_writes: "cache_write_5m_tokens and cache_write_1h_tokens",
    output: "output_tokens",
    requests: "requests; an empty cell means the export it came from gave no count",
    batch: "batch_requests out of requests (all when the count is unknown). A row with only \
            part of its requests as batch has its tokens shared out by request count, and the \
            answer says so",
    prompt_size: "prompt_tokens_from: the lowest prompt of the row's band",
    date: "date, one day or from/to, when present",
    ran_at: "ran_at, when present: openrouter, first-party, a Bedrock scope or litellm, then \
             after a colon the provider, maker or region the export named",
    cost: "export_cost, when present: the export's own cost of that model's traffic",
    caveats: "",
};

pub(crate) struct MixCsv {
    columns: [usize; 9],
    date: Option<usize>,
    variant: Option<usize>,
    ran_at: Option<usize>,
    export_cost: Option<usize>,
}

impl MixCsv {
    /// The columns of our mix CSV, when the header is one.
    pub(crate) fn detect(columns: &[String]) -> Result<Option<MixCsv>, UsageError> {
        if !has_all(columns, &["model", "prompt_tokens_from"]) {
            return Ok(None);
        }
        Ok(Some(MixCsv {
            columns: require(columns, Format::Mix, MIX_COLUMNS)?,
            date: super::position(columns, "date"),
            variant: super::position(columns, "variant"),
            ran_at: super::position(columns, "ran_at"),
            export_cost: super::position(columns, "export_cost"),
        }))
    }
}

/// A `date` cell: one day, or `from/to`.
fn days(cell: &str) -> Result<(NaiveDate, NaiveDate), String> {
    match cell.split_once('/') {
        Some((from, to)) => {
            let (from, to) = (day(from, "date")?, day(to, "date")?);
            if to < from {
                return Err(format!("date {} ends before it starts", quoted(cell)));
            }
            Ok((from, to))
        }
        None => day(cell, "date").map(|d| (d, d)),
    }
}

impl CsvFormat for MixCsv {
    fn format(&self) -> Format {
        Format::Mix
    }

    fn read(&self, record: &Record, tally: &mut Tally) -> Result<(), String> {
        let [
            model,
            requests,
            input,
            cache_read,
            write_5m,
            write_1h,
            output,
            batch,
            from,
        ] = self.columns;
        let number = |at: usize, column: &str| count(cell(record, at, column)?, column);
        let requests = match cell(record, requests, "requests")? {
            "" => None,
            stated => Some(count(stated, "requests")?),
        };
        let sums = Sums {
            requests: requests.unwrap_or(0),
            uncached_input: number(input, "input_tokens")?,
            cache_read: number(cache_read, "cache_read_tokens")?,
            cache_write_5m: number(write_5m, "cache_write_5m_tokens")?,
            cache_write_1h: number(write_1h, "cache_write_1h_tokens")?,
            output: number(output, "output_tokens")?,
        };
        // How many of the row's requests ran as batch; `None` is all of them.
        let batch_requests = match (cell(record, batch, "batch_requests")?, requests) {
            ("" | "0", _) => Some(0),
            ("all", None) => None,
            ("all", Some(_)) => {
                return Err(
                    "batch_requests is all but requests gives a count: write the count".into(),
                );
            }
            (stated, Some(requests)) => {
                let batch = count(stated, "batch_requests")?;
                if batch > requests {
                    return Err("batch_requests is more than requests".into());
                }
                Some(batch)
            }
            (_, None) => {
                return Err("batch_requests needs a request count; write all when every request ran as batch".into());
            }
        };
        let row = Row {
            name: unguarded(cell(record, model, "model")?),
            variant: optional(record, self.variant, "variant")?,
            ran_at: optional(record, self.ran_at, "ran_at")?
                .map_or(Ok(RanAt::Unstated), parse_ran_at)?,
            batch: Some(match (batch_requests, requests) {
                (None, _) => true,
                (Some(part), Some(whole)) => part > 0 && part == whole,
                (Some(_), None) => false,
            }),
            requests_known: requests.is_some(),
            prompt: PromptSize::Marker(number(from, "prompt_tokens_from")?),
            sums,
            cost: optional(record, self.export_cost, "export_cost")?
                .map(|c| cost(c, "export_cost"))
                .transpose()?,
            days: optional(record, self.date, "date")?.map(days).transpose()?,
        };
        match (batch_requests, requests) {
            (Some(part), Some(whole)) if part > 0 && part < whole => {
                let (batch, on_demand) = split_by_requests(&sums, part);
                tally.add_batch_split(
                    Row {
                        batch: Some(true),
                        sums: batch,
                        cost: None,
                        ..row
                    },
                    Row {
                        batch: Some(false),
                        sums: on_demand,
                        ..row
                    },
                )?;
                tally.notes.batch_apportioned += 1;
                Ok(())
            }
            _ => tally.add(row),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::usage::formats::testing::{read_text, reading};
    use crate::usage::{Format, TierBy, UsageError, write_mix};

    const HEADER: &str = "model,requests,input_tokens,cache_read_tokens,cache_write_5m_tokens,cache_write_1h_tokens,output_tokens,batch_requests,prompt_tokens_from";

    #[test]
    fn a_partly_batch_row_is_shared_out_by_request_count_and_noted() {
        let text = format!("{HEADER}\nopenai/gpt-4o,4,1000,0,0,0,400,1,0\n");
        let got = reading(&text, &[]);
        assert_eq!(got.format, Format::Mix);
        assert_eq!(got.notes.batch_apportioned, 1);
        let bands = &got.traffic[0].bands;
        // One request in four: a quarter of the tokens, rounded down, for batch.
        assert_eq!(
            (
                bands[0].batch,
                bands[0].sums.requests,
                bands[0].sums.uncached_input,
                bands[0].sums.output
            ),
            (false, 3, 750, 300)
        );
        assert_eq!(
            (
                bands[1].batch,
                bands[1].sums.requests,
                bands[1].sums.uncached_input,
                bands[1].sums.output
            ),
            (true, 1, 250, 100)
        );
        assert!(bands.iter().all(|b| b.tier_by == TierBy::ExportMarker));
    }

    #[test]
    fn an_unknown_request_count_is_kept_unknown() {
        let text = format!(
            "{HEADER},date\nclaude-sonnet-4-20250514,,100,0,0,0,10,all,200001,2026-03-01/2026-03-31\n"
        );
        let got = reading(&text, &[200_001]);
        let entry = &got.traffic[0];
        assert!(!entry.requests_known);
        assert!(entry.bands[0].batch);
        assert_eq!(entry.bands[0].prompt_tokens_from, 200_001);
        assert_eq!(got.period.unwrap().days(), 31);
    }

    #[test]
    fn batch_requests_beyond_requests_is_a_bad_row() {
        let text = format!("{HEADER}\nm,2,1,0,0,0,1,3,0\nm,,1,0,0,0,1,2,0\n");
        let got = reading(&text, &[]);
        assert_eq!(got.rows_skipped, 2);
        assert!(got.skipped[0].reason.contains("more than requests"));
        assert!(got.skipped[1].reason.contains("needs a request count"));
    }

    #[test]
    fn a_mix_missing_a_column_names_it() {
        let err = read_text("model,requests,prompt_tokens_from\n", &[]).unwrap_err();
        assert!(matches!(
            err,
            UsageError::MissingColumns {
                format: Format::Mix,
                ..
            }
        ));
        assert!(err.to_string().contains("input_tokens"), "{err}");
    }

    #[test]
    fn where_it_ran_and_the_exports_cost_survive_the_mix() {
        let text = format!(
            "{HEADER},date,ran_at,export_cost\n\
             a/x,4,100,0,0,0,10,1,0,2026-01-02,openrouter:Google Vertex,0.25\n\
             us.anthropic.claude-x-v1:0,2,50,0,0,0,5,0,0,2026-01-02,bedrock-in-region:us-east-1,\n\
             gpt-x,1,5,0,0,0,1,0,0,2026-01-02,first-party:openai,\n\
             odd,1,5,0,0,0,1,0,0,2026-01-02,somewhere,\n"
        );
        let first = reading(&text, &[]);
        assert_eq!(first.rows_skipped, 1, "{:?}", first.skipped);
        assert!(first.skipped[0].reason.contains("somewhere"));
        let x = first.traffic.iter().find(|e| e.name == "a/x").unwrap();
        assert_eq!(x.export_cost, Some("0.25".parse().unwrap()));
        assert_eq!(
            x.ran_at,
            crate::usage::RanAt::OpenRouter {
                provider: Some("Google Vertex".into())
            }
        );
        let again = reading(&write_mix(&first), &[]);
        assert_eq!(again.traffic, first.traffic);
    }

    #[test]
    fn what_the_writer_writes_reads_back_the_same() {
        let text = format!(
            "{HEADER},date,variant\n\
             \"=odd, name\",3,10,2,1,0,5,3,0,2026-01-02,free\n\
             b/c,,7,0,4,4,1,all,272000,2026-01-05\n\
             b/c,1,1,0,0,0,1,0,0,2026-01-01\n"
        );
        let first = reading(&text, &[272_000]);
        let written = write_mix(&first);
        let again = reading(&written, &[272_000]);
        assert_eq!(again.traffic, first.traffic);
        assert_eq!(again.period, first.period);
        assert_eq!(again.traffic[0].name, "=odd, name");
    }
}
