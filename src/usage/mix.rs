//! The aggregate a reading keeps, and our own mix CSV written from it.
//!
//! Rows are summed per (exported name, variant, place it ran) into bands of request size.
//! The band edges are the sorted union of every long-context threshold the current data has
//! (each a `min_prompt_tokens`: a tier applies to prompts of at least that many tokens), so a
//! band lies wholly below or wholly at or above every model's every threshold: pricing a band
//! at the tier of its lower bound is exact for every model, and memory is names × bands,
//! never rows. Each band records what put its rows there ([`TierBy`]). Every addition is
//! checked: a row that would overflow a sum is a bad row, never a wrap.
//!
//! The mix CSV (`model,requests,input_tokens,cache_read_tokens,cache_write_5m_tokens,
//! cache_write_1h_tokens,output_tokens,batch_requests,prompt_tokens_from`, then `date` and,
//! when any entry has one, `variant`) is one row per name, variant and band; batch and
//! on-demand traffic are separate rows. `input_tokens` is uncached input only;
//! `prompt_tokens_from` is the band's lower bound; an empty `requests` means the export gave
//! no count, and then `batch_requests` is `all` for a batch row; `date` is the period as
//! `from/to` (ISO 8601's interval), or one day. Reading it back gives the same sums.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::format::csv_field;

use super::{Format, MAX_LISTED_SKIPS, NameTraffic, Notes, Period, RanAt, Reading, SkippedRow};

/// The mix CSV's columns, in order (`date` and `variant` follow).
pub const MIX_COLUMNS: [&str; 9] = [
    "model",
    "requests",
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "batch_requests",
    "prompt_tokens_from",
];

/// How many distinct (name, variant, place) entries one reading keeps: far above any real
/// export, and a bound on memory for a file of made-up names.
pub const MAX_ENTRIES: usize = 10_000;

/// The longest model name read.
pub const MAX_NAME_CHARS: usize = 300;

/// The lower bounds of the request-size bands: 0 and every long-context threshold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thresholds(Vec<u64>);

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds(vec![0])
    }
}

impl Thresholds {
    /// Bands from every `min_prompt_tokens` the data has (in any order, repeats allowed).
    pub fn new(thresholds: impl IntoIterator<Item = u64>) -> Thresholds {
        let mut bounds: Vec<u64> = std::iter::once(0).chain(thresholds).collect();
        bounds.sort_unstable();
        bounds.dedup();
        Thresholds(bounds)
    }

    /// The lower bound of the band a prompt of `prompt_tokens` falls in.
    pub fn band_of(&self, prompt_tokens: u64) -> u64 {
        let above = self.0.partition_point(|&bound| bound <= prompt_tokens);
        // The first bound is 0, so at least one is at or below any prompt.
        self.0[above.saturating_sub(1)]
    }

    /// Every band's lower bound, ascending, 0 first.
    pub fn lower_bounds(&self) -> &[u64] {
        &self.0
    }
}

/// What put a band's rows in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TierBy {
    /// Each row is one request, banded by its own prompt.
    Request,
    /// The export's own tier marker (Anthropic's `context_window`, the mix's
    /// `prompt_tokens_from`): the band holding the lowest prompt the marker allows.
    ExportMarker,
    /// A bucket of requests, banded by its average prompt.
    BucketAverage,
    /// Neither a request count nor a marker: the lowest band, and the answer must say the
    /// long-context tier could not be checked.
    Unstated,
}

impl TierBy {
    /// The JSON answer's spelling.
    pub fn key(self) -> &'static str {
        match self {
            TierBy::Request => "request",
            TierBy::ExportMarker => "export-marker",
            TierBy::BucketAverage => "bucket-average",
            TierBy::Unstated => "unstated",
        }
    }
}

/// Token and request sums, exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sums {
    pub requests: u64,
    /// Input not read from or written to a cache.
    pub uncached_input: u64,
    pub cache_read: u64,
    pub cache_write_5m: u64,
    pub cache_write_1h: u64,
    /// Output, reasoning included where the format counts it inside output.
    pub output: u64,
}

impl Sums {
    /// Both added, or `None` if any sum would overflow.
    pub fn checked_add(&self, other: &Sums) -> Option<Sums> {
        Some(Sums {
            requests: self.requests.checked_add(other.requests)?,
            uncached_input: self.uncached_input.checked_add(other.uncached_input)?,
            cache_read: self.cache_read.checked_add(other.cache_read)?,
            cache_write_5m: self.cache_write_5m.checked_add(other.cache_write_5m)?,
            cache_write_1h: self.cache_write_1h.checked_add(other.cache_write_1h)?,
            output: self.output.checked_add(other.output)?,
        })
    }

    pub(crate) fn saturating_add(&self, other: &Sums) -> Sums {
        Sums {
            requests: self.requests.saturating_add(other.requests),
            uncached_input: self.uncached_input.saturating_add(other.uncached_input),
            cache_read: self.cache_read.saturating_add(other.cache_read),
            cache_write_5m: self.cache_write_5m.saturating_add(other.cache_write_5m),
            cache_write_1h: self.cache_write_1h.saturating_add(other.cache_write_1h),
            output: self.output.saturating_add(other.output),
        }
    }

    /// The whole prompt: uncached input, cache reads and cache writes.
    pub fn prompt_tokens(&self) -> Option<u64> {
        self.uncached_input
            .checked_add(self.cache_read)?
            .checked_add(self.cache_write_5m)?
            .checked_add(self.cache_write_1h)
    }

    /// The same tokens with a share of `part` out of `whole` requests: rounded down, so the
    /// share and what is left add up to the whole exactly.
    fn share(&self, part: u64, whole: u64) -> Sums {
        let of = |tokens: u64| {
            let shared = u128::from(tokens) * u128::from(part) / u128::from(whole.max(1));
            u64::try_from(shared).unwrap_or(tokens)
        };
        Sums {
            requests: part,
            uncached_input: of(self.uncached_input),
            cache_read: of(self.cache_read),
            cache_write_5m: of(self.cache_write_5m),
            cache_write_1h: of(self.cache_write_1h),
            output: of(self.output),
        }
    }

    /// What is left after taking `part` (never below zero).
    fn minus(&self, part: &Sums) -> Sums {
        Sums {
            requests: self.requests.saturating_sub(part.requests),
            uncached_input: self.uncached_input.saturating_sub(part.uncached_input),
            cache_read: self.cache_read.saturating_sub(part.cache_read),
            cache_write_5m: self.cache_write_5m.saturating_sub(part.cache_write_5m),
            cache_write_1h: self.cache_write_1h.saturating_sub(part.cache_write_1h),
            output: self.output.saturating_sub(part.output),
        }
    }
}

/// One band of one entry's traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    /// The lowest prompt size of the band: 0 or a long-context threshold.
    pub prompt_tokens_from: u64,
    pub batch: bool,
    pub tier_by: TierBy,
    /// False when its rows gave no request count (`sums.requests` is then 0); such rows
    /// never share a band with counted ones.
    pub requests_known: bool,
    pub sums: Sums,
}

impl Band {
    fn is_for(&self, batch: bool, from: u64, tier_by: TierBy, requests_known: bool) -> bool {
        self.batch == batch
            && self.prompt_tokens_from == from
            && self.tier_by == tier_by
            && self.requests_known == requests_known
    }
}

/// What a row says about the size of its prompts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PromptSize {
    /// One request's whole prompt.
    Request(u64),
    /// The export's tier marker: prompts of at least this many tokens.
    Marker(u64),
    /// A bucket: the whole prompt of its requests, and how many there were (at least one).
    Bucket {
        prompt_tokens: u64,
        requests: u64,
    },
    Unstated,
}

/// One row's traffic, borrowed from the row being read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row<'a> {
    pub name: &'a str,
    pub variant: Option<&'a str>,
    pub ran_at: RanAt<&'a str>,
    /// Whether the row ran as batch; `None` when the export does not say (an export not
    /// grouped by it): read as on-demand, and counted in [`Notes::batch_unstated`].
    pub batch: Option<bool>,
    /// False when the row has no request count (`sums.requests` is then 0).
    pub requests_known: bool,
    pub prompt: PromptSize,
    pub sums: Sums,
    pub cost: Option<Decimal>,
    /// The days the row covers, both included.
    pub days: Option<(chrono::NaiveDate, chrono::NaiveDate)>,
}

impl Row<'_> {
    fn is_batch(&self) -> bool {
        self.batch == Some(true)
    }
}

/// A checked addition, worked out before anything changes.
struct Plan {
    from: u64,
    tier_by: TierBy,
    band: Sums,
    cost: Option<Decimal>,
}

/// The reading being built, row by row.
pub(crate) struct Tally<'t> {
    thresholds: &'t Thresholds,
    format: Format,
    by_name: HashMap<String, Vec<NameTraffic>>,
    entries: usize,
    pub rows_read: u64,
    rows_skipped: u64,
    skipped: Vec<SkippedRow>,
    period: Option<Period>,
    pub notes: Notes,
}

impl<'t> Tally<'t> {
    pub fn new(format: Format, thresholds: &'t Thresholds) -> Tally<'t> {
        Tally {
            thresholds,
            format,
            by_name: HashMap::new(),
            entries: 0,
            rows_read: 0,
            rows_skipped: 0,
            skipped: Vec::new(),
            period: None,
            notes: Notes::default(),
        }
    }

    /// Notes a row that could not be read.
    pub fn skip(&mut self, line: u64, reason: impl Into<String>) {
        self.rows_skipped += 1;
        if self.skipped.len() < MAX_LISTED_SKIPS {
            self.skipped.push(SkippedRow {
                line,
                reason: reason.into(),
            });
        }
    }

    /// Widens the period to take in `days`.
    pub fn cover(&mut self, days: Option<(chrono::NaiveDate, chrono::NaiveDate)>) {
        let Some((from, to)) = days else { return };
        self.period = Some(match self.period {
            None => Period { from, to },
            Some(p) => Period {
                from: p.from.min(from),
                to: p.to.max(to),
            },
        });
    }

    fn band(&self, prompt: PromptSize) -> (u64, TierBy) {
        match prompt {
            PromptSize::Request(tokens) => (self.thresholds.band_of(tokens), TierBy::Request),
            PromptSize::Marker(at_least) => {
                (self.thresholds.band_of(at_least), TierBy::ExportMarker)
            }
            PromptSize::Bucket {
                prompt_tokens,
                requests,
            } if requests > 0 => (
                self.thresholds.band_of(prompt_tokens / requests),
                TierBy::BucketAverage,
            ),
            PromptSize::Bucket { .. } | PromptSize::Unstated => (0, TierBy::Unstated),
        }
    }

    fn entry(&self, row: &Row) -> Option<&NameTraffic> {
        self.by_name
            .get(row.name)?
            .iter()
            .find(|e| e.variant.as_deref() == row.variant && e.ran_at.as_ref() == row.ran_at)
    }

    fn plan(&self, row: &Row) -> Result<Plan, String> {
        if row.name.trim().is_empty() {
            return Err("the model name is empty".into());
        }
        if row.name.chars().count() > MAX_NAME_CHARS {
            return Err(format!(
                "the model name is longer than {MAX_NAME_CHARS} characters"
            ));
        }
        let (from, tier_by) = self.band(row.prompt);
        let entry = self.entry(row);
        if entry.is_none() && self.entries >= MAX_ENTRIES {
            return Err(format!(
                "more than {MAX_ENTRIES} different model names and places: this one is not read"
            ));
        }
        let band = entry
            .and_then(|e| {
                e.bands
                    .iter()
                    .find(|b| b.is_for(row.is_batch(), from, tier_by, row.requests_known))
            })
            .map_or(Sums::default(), |b| b.sums)
            .checked_add(&row.sums)
            .ok_or("its counts overflow the sums read so far")?;
        let cost = match (entry.and_then(|e| e.export_cost), row.cost) {
            (Some(sum), Some(cost)) => Some(
                sum.checked_add(cost)
                    .ok_or("its cost overflows the sum read so far")?,
            ),
            (sum, cost) => sum.or(cost),
        };
        Ok(Plan {
            from,
            tier_by,
            band,
            cost,
        })
    }

    fn commit(&mut self, row: &Row, plan: Plan) {
        if !self.by_name.contains_key(row.name) {
            self.by_name.insert(row.name.to_owned(), Vec::new());
        }
        let Some(list) = self.by_name.get_mut(row.name) else {
            return;
        };
        let at = match list
            .iter()
            .position(|e| e.variant.as_deref() == row.variant && e.ran_at.as_ref() == row.ran_at)
        {
            Some(at) => at,
            None => {
                list.push(NameTraffic {
                    name: row.name.to_owned(),
                    variant: row.variant.map(str::to_owned),
                    ran_at: row.ran_at.to_owned(),
                    export_cost: None,
                    requests_known: true,
                    bands: Vec::new(),
                });
                self.entries += 1;
                list.len() - 1
            }
        };
        let entry = &mut list[at];
        entry.export_cost = plan.cost;
        entry.requests_known &= row.requests_known;
        match entry
            .bands
            .iter_mut()
            .find(|b| b.is_for(row.is_batch(), plan.from, plan.tier_by, row.requests_known))
        {
            Some(band) => band.sums = plan.band,
            None => entry.bands.push(Band {
                prompt_tokens_from: plan.from,
                batch: row.is_batch(),
                tier_by: plan.tier_by,
                requests_known: row.requests_known,
                sums: plan.band,
            }),
        }
        self.cover(row.days);
        if row.batch.is_none() {
            self.notes.batch_unstated += 1;
        }
    }

    /// Adds a row's traffic, or gives the reason it cannot be (then nothing changes).
    pub fn add(&mut self, row: Row) -> Result<(), String> {
        let plan = self.plan(&row)?;
        self.commit(&row, plan);
        Ok(())
    }

    /// Adds a row read in two parts, batch and on-demand, both or neither. Only the
    /// on-demand part may carry the row's cost: it is committed last, so its planned sum is
    /// the one kept (a cost planned for the batch part would be overwritten).
    pub fn add_batch_split(&mut self, batch: Row, on_demand: Row) -> Result<(), String> {
        debug_assert!(batch.cost.is_none());
        debug_assert!(batch.batch == Some(true) && on_demand.batch == Some(false));
        let batch_plan = self.plan(&batch)?;
        let on_demand_plan = self.plan(&on_demand)?;
        self.commit(&batch, batch_plan);
        self.commit(&on_demand, on_demand_plan);
        Ok(())
    }

    /// The reading, with entries and their bands in a stable order.
    pub fn finish(self) -> Reading {
        let mut traffic: Vec<NameTraffic> = self.by_name.into_values().flatten().collect();
        for entry in &mut traffic {
            entry
                .bands
                .sort_by_key(|b| (b.batch, b.prompt_tokens_from, b.tier_by, b.requests_known));
        }
        traffic.sort_by(|a, b| {
            (&a.name, &a.variant, &a.ran_at).cmp(&(&b.name, &b.variant, &b.ran_at))
        });
        Reading {
            format: self.format,
            // A row read but set aside (a proxy's own cache answered it, the request failed)
            // is neither priced nor unresolved: issue 27's `rows_read` leaves it out, and the
            // notes count it.
            rows_read: self
                .rows_read
                .saturating_sub(self.notes.proxy_cache_hits)
                .saturating_sub(self.notes.failed_requests),
            rows_skipped: self.rows_skipped,
            skipped: self.skipped,
            period: self.period,
            traffic,
            notes: self.notes,
        }
    }
}

/// Splits a mix row's sums into its batch and on-demand parts by request count, the
/// tokens rounded down for the batch part so both add up to the row.
pub(crate) fn split_by_requests(sums: &Sums, batch_requests: u64) -> (Sums, Sums) {
    let batch = sums.share(batch_requests, sums.requests);
    (batch, sums.minus(&batch))
}

/// A model name from a mix cell, with [`csv_field`]'s formula guard taken off.
pub(crate) fn unguarded(name: &str) -> &str {
    match name.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => name,
    }
}

/// The period as the mix's `date` cell: `from/to`, or the one day.
fn period_cell(period: Option<Period>) -> String {
    match period {
        Some(p) if p.from == p.to => p.from.to_string(),
        Some(p) => format!("{}/{}", p.from, p.to),
        None => String::new(),
    }
}

/// Where an entry ran, as the mix's `ran_at` cell: the kind (`openrouter`, `first-party`,
/// a Bedrock scope's key, `litellm`), then `:` and who or where when the export said.
pub fn ran_at_cell(ran_at: &RanAt) -> String {
    let (kind, detail) = match ran_at {
        RanAt::OpenRouter { provider } => ("openrouter", provider.as_deref()),
        RanAt::FirstParty { provider } => ("first-party", Some(*provider)),
        RanAt::Bedrock { cloud, region } => (cloud.key(), region.as_deref()),
        RanAt::LiteLlm { provider } => ("litellm", provider.as_deref()),
        RanAt::Unstated => return String::new(),
    };
    match detail {
        Some(detail) => format!("{kind}:{detail}"),
        None => kind.to_string(),
    }
}

/// The makers' own APIs a `first-party` cell may name, by the official feed's provider id.
const FIRST_PARTY: &[&str] = &[
    "anthropic",
    "openai",
    "google",
    "deepseek",
    "mistral",
    "x-ai",
    "moonshotai",
    "minimax",
    "cohere",
    "perplexity",
    "zai",
];

/// A `ran_at` cell read back ([`ran_at_cell`]); empty is unstated.
pub(crate) fn parse_ran_at(cell: &str) -> Result<RanAt<&str>, String> {
    if cell.is_empty() {
        return Ok(RanAt::Unstated);
    }
    let (kind, detail) = match cell.split_once(':') {
        Some((kind, detail)) => (kind, Some(detail).filter(|d| !d.is_empty())),
        None => (cell, None),
    };
    match kind {
        "openrouter" => Ok(RanAt::OpenRouter { provider: detail }),
        "litellm" => Ok(RanAt::LiteLlm { provider: detail }),
        "first-party" => FIRST_PARTY
            .iter()
            .find(|p| Some(**p) == detail)
            .map(|provider| RanAt::FirstParty { provider })
            .ok_or_else(|| format!("ran_at names no maker's API we know: {cell:?}")),
        scope => crate::seller::Cloud::ALL
            .iter()
            .find(|c| c.key() == scope && c.key().starts_with("bedrock"))
            .map(|&cloud| RanAt::Bedrock {
                cloud,
                region: detail,
            })
            .ok_or_else(|| format!("ran_at is not a place we know: {cell:?}")),
    }
}

/// The reading's traffic as our mix CSV: one row per name, variant and band.
pub fn write_mix(reading: &Reading) -> String {
    let with_variant = reading.traffic.iter().any(|e| e.variant.is_some());
    let with_ran_at = reading.traffic.iter().any(|e| e.ran_at != RanAt::Unstated);
    let with_cost = reading.traffic.iter().any(|e| e.export_cost.is_some());
    let mut out = MIX_COLUMNS.join(",");
    out.push_str(",date");
    for (wanted, column) in [
        (with_variant, ",variant"),
        (with_ran_at, ",ran_at"),
        (with_cost, ",export_cost"),
    ] {
        if wanted {
            out.push_str(column);
        }
    }
    out.push('\n');
    let date = period_cell(reading.period);
    for entry in &reading.traffic {
        for (at, band) in entry.bands.iter().enumerate() {
            let requests = if band.requests_known {
                band.sums.requests.to_string()
            } else {
                String::new()
            };
            let batch_requests = match (band.batch, band.requests_known) {
                (false, _) => "0".to_string(),
                (true, true) => requests.clone(),
                (true, false) => "all".to_string(),
            };
            let s = &band.sums;
            let mut cells = vec![
                csv_field(&entry.name),
                requests,
                s.uncached_input.to_string(),
                s.cache_read.to_string(),
                s.cache_write_5m.to_string(),
                s.cache_write_1h.to_string(),
                s.output.to_string(),
                batch_requests,
                band.prompt_tokens_from.to_string(),
                date.clone(),
            ];
            if with_variant {
                cells.push(csv_field(entry.variant.as_deref().unwrap_or("")));
            }
            if with_ran_at {
                cells.push(csv_field(&ran_at_cell(&entry.ran_at)));
            }
            // The entry's cost once, on its first band: reading back sums it once.
            if with_cost {
                cells.push(match (at, entry.export_cost) {
                    (0, Some(cost)) => cost.to_string(),
                    _ => String::new(),
                });
            }
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_prompt_falls_in_the_band_of_the_highest_threshold_it_reaches() {
        let t = Thresholds::new([272_000, 200_001, 200_001, 128_001]);
        assert_eq!(t.lower_bounds(), &[0, 128_001, 200_001, 272_000]);
        assert_eq!(t.band_of(0), 0);
        assert_eq!(t.band_of(128_000), 0);
        assert_eq!(t.band_of(128_001), 128_001);
        assert_eq!(t.band_of(200_000), 128_001);
        assert_eq!(t.band_of(200_001), 200_001);
        assert_eq!(t.band_of(u64::MAX), 272_000);
        assert_eq!(Thresholds::default().band_of(10_000_000), 0);
    }

    fn row(name: &str, prompt: u64, output: u64) -> Row<'_> {
        Row {
            name,
            variant: None,
            ran_at: RanAt::Unstated,
            batch: Some(false),
            requests_known: true,
            prompt: PromptSize::Request(prompt),
            sums: Sums {
                requests: 1,
                uncached_input: prompt,
                output,
                ..Sums::default()
            },
            cost: None,
            days: None,
        }
    }

    #[test]
    fn a_row_that_would_overflow_a_sum_is_refused_and_changes_nothing() {
        let thresholds = Thresholds::default();
        let mut tally = Tally::new(Format::Mix, &thresholds);
        tally.add(row("m", 10, u64::MAX)).unwrap();
        let before = tally.by_name["m"].clone();
        assert!(tally.add(row("m", 10, 1)).unwrap_err().contains("overflow"));
        assert_eq!(tally.by_name["m"], before);
    }

    #[test]
    fn only_the_first_fifty_skips_are_listed_and_all_are_counted() {
        let thresholds = Thresholds::default();
        let mut tally = Tally::new(Format::Mix, &thresholds);
        for line in 2..=81 {
            tally.skip(line, "bad");
        }
        let reading = tally.finish();
        assert_eq!(reading.rows_skipped, 80);
        assert_eq!(reading.skipped.len(), MAX_LISTED_SKIPS);
        assert_eq!(reading.skipped[49].line, 51);
    }

    #[test]
    fn a_batch_share_splits_the_tokens_without_losing_one() {
        let sums = Sums {
            requests: 3,
            uncached_input: 10,
            output: 7,
            ..Sums::default()
        };
        let (batch, rest) = split_by_requests(&sums, 1);
        assert_eq!(
            (batch.requests, batch.uncached_input, batch.output),
            (1, 3, 2)
        );
        assert_eq!(batch.checked_add(&rest), Some(sums));
    }

    #[test]
    fn the_formula_guard_comes_off_again() {
        assert_eq!(csv_field("=cmd"), "'=cmd");
        assert_eq!(unguarded(&csv_field("=cmd")), "=cmd");
        assert_eq!(csv_field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(unguarded("'quoted"), "'quoted");
    }

    #[test]
    fn the_period_is_written_as_an_interval_or_one_day() {
        let d = |day| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        assert_eq!(
            period_cell(Some(Period {
                from: d(1),
                to: d(31)
            })),
            "2026-03-01/2026-03-31"
        );
        assert_eq!(
            period_cell(Some(Period {
                from: d(5),
                to: d(5)
            })),
            "2026-03-05"
        );
    }

    proptest! {
        /// Banding then summing equals summing the rows: every entry's bands add up to its
        /// rows, and each band holds exactly the rows whose prompt lies between its lower
        /// bound and the next threshold.
        #[test]
        fn banding_then_summing_equals_summing_the_rows(
            thresholds in prop::collection::vec(1u64..400_000, 0..5),
            rows in prop::collection::vec((0usize..3, 0u64..500_000, 0u64..10_000), 1..200),
        ) {
            let names = ["a/x", "b/y", "c/z"];
            let bands = Thresholds::new(thresholds);
            let mut tally = Tally::new(Format::Mix, &bands);
            for &(name, prompt, output) in &rows {
                tally.add(row(names[name], prompt, output)).unwrap();
            }
            let reading = tally.finish();
            for entry in &reading.traffic {
                let mine: Vec<_> = rows.iter().filter(|r| names[r.0] == entry.name).collect();
                let total = entry.total();
                prop_assert_eq!(total.requests, mine.len() as u64);
                prop_assert_eq!(total.uncached_input, mine.iter().map(|r| r.1).sum::<u64>());
                prop_assert_eq!(total.output, mine.iter().map(|r| r.2).sum::<u64>());
                for band in &entry.bands {
                    let bounds = bands.lower_bounds();
                    let at = bounds.iter().position(|&b| b == band.prompt_tokens_from).unwrap();
                    let below = bounds.get(at + 1).copied().unwrap_or(u64::MAX);
                    let inside: Vec<_> = mine
                        .iter()
                        .filter(|r| r.1 >= band.prompt_tokens_from && r.1 < below)
                        .collect();
                    prop_assert_eq!(band.sums.requests, inside.len() as u64);
                    prop_assert_eq!(band.sums.uncached_input, inside.iter().map(|r| r.1).sum::<u64>());
                }
            }
            let rows_seen: u64 = reading.traffic.iter().map(|e| e.total().requests).sum();
            prop_assert_eq!(rows_seen, rows.len() as u64);
        }
    }
}
