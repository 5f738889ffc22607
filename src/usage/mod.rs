//! A reader's own usage export, read exactly: which format it is (from its content, never
//! its name), each row's tokens as whole numbers, the rows that could not be read listed by
//! line with their reason, and the traffic summed per exported model name and place it ran,
//! in request-size bands that keep every model's long-context tier exact (see [`mix`]).
//!
//! Pure: bytes in, a [`Reading`] out. Nothing here resolves names to models or prices them
//! (that reads the catalogue), and nothing is stored. The web layer hands [`read`] the upload
//! as a [`std::io::Read`] on a blocking thread; memory stays at a few buffers and the sums,
//! whatever the number of rows.
//!
//! - `intake.rs`: the bounded byte intake (gzip, byte-order mark, CSV quoting, row caps);
//! - `detect.rs`: which format a file is;
//! - `formats/`: one reader per export format;
//! - `cells.rs`: one cell read exactly (counts, costs, days, flags);
//! - `mix.rs`: the sums and bands, and our own mix CSV written back out;
//! - `share.rs`: the mix as a share link's parameter.

mod cells;
mod detect;
mod formats;
pub mod intake;
pub mod mix;
pub mod share;

use std::io::{self, Read};

use chrono::NaiveDate;
use rust_decimal::Decimal;

pub use mix::{Band, Sums, Thresholds, TierBy, write_mix};

use crate::seller::{Cloud, Seller, SellerKind};

/// How many skipped rows a reading lists; the rest are counted.
pub const MAX_LISTED_SKIPS: usize = 50;

/// The formats read, each with its display name and stable key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// OpenRouter's activity export: one row per generation.
    OpenRouterActivity,
    /// OpenAI's dashboard usage export: one row per time bucket and grouping.
    OpenAiUsageCsv,
    /// OpenAI's Usage API (`/v1/organization/usage/completions`), pages of buckets.
    OpenAiUsageApi,
    /// Anthropic's Console usage export with 5-minute and 1-hour cache-write columns.
    AnthropicConsole,
    /// Anthropic's older Console usage export, with one cache-write column.
    AnthropicConsoleOneCacheWrite,
    /// Anthropic's Admin API usage report (`/v1/organizations/usage_report/messages`).
    AnthropicUsageReport,
    /// A LiteLLM proxy's spend logs: one row per request.
    LiteLlmSpendLogs,
    /// Amazon Bedrock's model invocation logs: one JSON object per line and request.
    BedrockInvocationLogs,
    /// Our own mix CSV, which the answer exports.
    Mix,
}

impl Format {
    /// Every format, in the order the pages list them.
    pub const ALL: [Format; 9] = [
        Format::OpenRouterActivity,
        Format::OpenAiUsageCsv,
        Format::OpenAiUsageApi,
        Format::AnthropicConsole,
        Format::AnthropicConsoleOneCacheWrite,
        Format::AnthropicUsageReport,
        Format::LiteLlmSpendLogs,
        Format::BedrockInvocationLogs,
        Format::Mix,
    ];

    /// How the pages name the format.
    pub fn name(self) -> &'static str {
        match self {
            Format::OpenRouterActivity => "OpenRouter activity export (CSV)",
            Format::OpenAiUsageCsv => "OpenAI dashboard usage export (CSV)",
            Format::OpenAiUsageApi => "OpenAI Usage API (JSON)",
            Format::AnthropicConsole => "Anthropic Console usage export (CSV)",
            Format::AnthropicConsoleOneCacheWrite => {
                "Anthropic Console usage export (CSV, older layout with one cache-write column)"
            }
            Format::AnthropicUsageReport => "Anthropic Admin API usage report (JSON)",
            Format::LiteLlmSpendLogs => "LiteLLM spend logs (CSV)",
            Format::BedrockInvocationLogs => "Amazon Bedrock model invocation logs (JSON lines)",
            Format::Mix => "tokenfare usage mix (CSV)",
        }
    }

    /// The stable spelling in the JSON answer.
    pub fn key(self) -> &'static str {
        match self {
            Format::OpenRouterActivity => "openrouter-activity-csv",
            Format::OpenAiUsageCsv => "openai-usage-csv",
            Format::OpenAiUsageApi => "openai-usage-api-json",
            Format::AnthropicConsole => "anthropic-console-csv",
            Format::AnthropicConsoleOneCacheWrite => "anthropic-console-csv-one-cache-write",
            Format::AnthropicUsageReport => "anthropic-usage-report-json",
            Format::LiteLlmSpendLogs => "litellm-spend-logs-csv",
            Format::BedrockInvocationLogs => "bedrock-invocation-logs-jsonl",
            Format::Mix => "tokenfare-mix-csv",
        }
    }

    /// How we read the format, column by column (for `/about`).
    pub fn reading(self) -> &'static FormatReading {
        formats::reading(self)
    }
}

/// How one format's columns are read: what the methodology page states.
#[derive(Clone, Copy, Debug)]
pub struct FormatReading {
    /// One row is: a request, or a bucket of requests.
    pub row: &'static str,
    pub uncached_input: &'static str,
    pub cache_reads: &'static str,
    pub cache_writes: &'static str,
    pub output: &'static str,
    pub requests: &'static str,
    pub batch: &'static str,
    pub prompt_size: &'static str,
    pub date: &'static str,
    pub ran_at: &'static str,
    pub cost: &'static str,
    /// Rows read but not priced, and anything else a reader of this format should know.
    pub caveats: &'static str,
}

/// A row that could not be read, by the line it starts on (the header is line 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedRow {
    pub line: u64,
    pub reason: String,
}

/// The days the rows cover, in UTC, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// How many days the period spans, counting both ends.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// Where an export says its traffic ran, as far as it says: a [`Seller`] where the export names
/// one (the maker's own API, a Bedrock scope), as exported where only resolution can tell (an
/// OpenRouter provider's display name, a LiteLLM provider). Generic over the text type so a
/// row can be compared with an entry without allocating (`RanAt<&str>`, which is `Copy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RanAt<S = String> {
    /// Through OpenRouter, on the upstream provider the export names.
    OpenRouter { provider: Option<S> },
    /// The maker's own API, by the official feed's provider id (`openai`, `anthropic`), as
    /// [`Seller::FirstParty`] names it.
    FirstParty { provider: &'static str },
    /// Amazon Bedrock in the scope the model id shows ([`Cloud::BedrockGlobal`] or
    /// [`Cloud::BedrockInRegion`]), in the region the log names.
    Bedrock { cloud: Cloud, region: Option<S> },
    /// Through a LiteLLM proxy, to the provider it names (`custom_llm_provider`).
    LiteLlm { provider: Option<S> },
    /// The file does not say (our mix CSV).
    Unstated,
}

impl<S: AsRef<str>> RanAt<S> {
    /// The same place, borrowed.
    pub fn as_ref(&self) -> RanAt<&str> {
        match self {
            RanAt::OpenRouter { provider } => RanAt::OpenRouter {
                provider: provider.as_ref().map(AsRef::as_ref),
            },
            RanAt::FirstParty { provider } => RanAt::FirstParty { provider },
            RanAt::Bedrock { cloud, region } => RanAt::Bedrock {
                cloud: *cloud,
                region: region.as_ref().map(AsRef::as_ref),
            },
            RanAt::LiteLlm { provider } => RanAt::LiteLlm {
                provider: provider.as_ref().map(AsRef::as_ref),
            },
            RanAt::Unstated => RanAt::Unstated,
        }
    }

    /// The kind of seller, as the price tags spell it ([`SellerKind::key`]), or `litellm` (a
    /// proxy: any kind) or `unstated`.
    pub fn kind(&self) -> &'static str {
        match self {
            RanAt::OpenRouter { .. } => SellerKind::RoutedProvider.key(),
            RanAt::FirstParty { .. } => SellerKind::FirstParty.key(),
            RanAt::Bedrock { .. } => SellerKind::Cloud.key(),
            RanAt::LiteLlm { .. } => "litellm",
            RanAt::Unstated => "unstated",
        }
    }

    /// The seller, where the export names it without resolution: the maker's own API, a
    /// Bedrock scope. An OpenRouter provider is named by its display name, which only the
    /// catalogue ties to an endpoint.
    pub fn seller(&self) -> Option<Seller> {
        match self {
            RanAt::FirstParty { provider } => Some(Seller::FirstParty {
                provider: (*provider).to_owned(),
            }),
            RanAt::Bedrock { cloud, .. } => Some(Seller::Cloud(*cloud)),
            _ => None,
        }
    }

    /// Who the export names beside the kind: the provider, the maker or the region.
    pub fn detail(&self) -> Option<&str> {
        match self {
            RanAt::OpenRouter { provider } | RanAt::LiteLlm { provider } => {
                provider.as_ref().map(AsRef::as_ref)
            }
            RanAt::FirstParty { provider } => Some(provider),
            RanAt::Bedrock { region, .. } => region.as_ref().map(AsRef::as_ref),
            RanAt::Unstated => None,
        }
    }
}

impl RanAt<&str> {
    /// An owned copy, for a new entry.
    pub fn to_owned(&self) -> RanAt {
        match *self {
            RanAt::OpenRouter { provider } => RanAt::OpenRouter {
                provider: provider.map(str::to_owned),
            },
            RanAt::FirstParty { provider } => RanAt::FirstParty { provider },
            RanAt::Bedrock { cloud, region } => RanAt::Bedrock {
                cloud,
                region: region.map(str::to_owned),
            },
            RanAt::LiteLlm { provider } => RanAt::LiteLlm {
                provider: provider.map(str::to_owned),
            },
            RanAt::Unstated => RanAt::Unstated,
        }
    }
}

/// The traffic of one exported model name at one place, in request-size bands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameTraffic {
    /// The name as exported: an OpenRouter permaslug, a maker's API name, a Bedrock model id
    /// with its prefix or ARN. Not resolved here.
    pub name: String,
    /// What the export says besides the name that can change the price: OpenRouter's
    /// `variant` (`free`), Anthropic's `speed`. As exported.
    pub variant: Option<String>,
    pub ran_at: RanAt,
    /// The export's own cost for these rows, summed exactly (OpenRouter `cost_total`,
    /// LiteLLM `spend`); `None` where the format has no cost.
    pub export_cost: Option<Decimal>,
    /// False when the export gives no request count for some of these rows (Anthropic's):
    /// per-request fees cannot be priced, and `requests` counts only the rows that had one.
    pub requests_known: bool,
    /// By batch, then lower bound, then how the band was decided.
    pub bands: Vec<Band>,
}

impl NameTraffic {
    /// Every band summed (the sums are checked when rows are added, so this cannot overflow
    /// beyond what a band can hold; it saturates rather than wraps).
    pub fn total(&self) -> Sums {
        self.bands.iter().fold(Sums::default(), |total, band| {
            total.saturating_add(&band.sums)
        })
    }

    /// Requests that ran as batch (of those the export counts).
    pub fn batch_requests(&self) -> u64 {
        self.bands
            .iter()
            .filter(|band| band.batch)
            .fold(0, |total, band| total.saturating_add(band.sums.requests))
    }
}

/// Rows read but left out of the traffic, and readings the answer must say aloud.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Notes {
    /// LiteLLM rows its proxy's own cache answered (`cache_hit`): they never reached a seller.
    pub proxy_cache_hits: u64,
    /// LiteLLM rows whose `status` is not a success: nothing was billed for them.
    pub failed_requests: u64,
    /// Bucketed rows that do not say whether they ran as batch (an ungrouped `batch` or
    /// `service_tier`): counted as on-demand.
    pub batch_unstated: u64,
    /// Mix rows with only part of their requests as batch: tokens shared by request count.
    pub batch_apportioned: u64,
    /// API pages that say more pages follow (`has_more`): only the pages given were read.
    pub pages_with_more: u64,
}

/// Everything read from one export: the one type the pricing half consumes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    pub format: Format,
    /// Data rows read (priced later, or listed as unresolved, or set aside in [`Notes`]).
    pub rows_read: u64,
    /// Data rows that could not be read.
    pub rows_skipped: u64,
    /// The first [`MAX_LISTED_SKIPS`] of them, by line.
    pub skipped: Vec<SkippedRow>,
    /// The days the rows cover; `None` when no row gave a date.
    pub period: Option<Period>,
    /// Sorted by name, variant and place.
    pub traffic: Vec<NameTraffic>,
    pub notes: Notes,
}

/// Why an upload could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("the file has nothing in it")]
    Empty,
    #[error("the file is in none of the formats we read")]
    UnknownFormat {
        /// The first line seen, clipped (as text; the web layer escapes it).
        first_line: String,
    },
    #[error("the file looks like {} but has no column {}", .format.name(), .columns.join(", "))]
    MissingColumns {
        format: Format,
        columns: Vec<&'static str>,
    },
    #[error("the file inflates to more than {limit} bytes")]
    InflatedTooLarge { limit: u64 },
    #[error("the gzip compression is broken: {0}")]
    BrokenGzip(String),
    #[error("the JSON breaks off at line {line}: {message}")]
    BrokenJson { line: u64, message: String },
    /// Reading the upload itself failed (the caller's reader's error, as it gave it).
    #[error("the upload could not be read: {0}")]
    Source(io::Error),
}

impl UsageError {
    /// What the reader is told, in plain words.
    pub fn explain(&self) -> String {
        let names = || {
            Format::ALL
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join("; ")
        };
        match self {
            UsageError::Empty => "The file is empty.".into(),
            UsageError::UnknownFormat { first_line } => format!(
                "This file is in none of the formats we read ({}). Its first line is: {}",
                names(),
                first_line
            ),
            other => format!("{}.", capitalised(&other.to_string())),
        }
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Reads an export: detects its format from its content and reads every row, with
/// long-context bands from `thresholds`.
pub fn read(upload: impl Read, thresholds: &Thresholds) -> Result<Reading, UsageError> {
    let mut gzip = false;
    let result = intake::open(upload).and_then(|intake| {
        gzip = intake.gzip;
        detect::read(intake, thresholds)
    });
    result.unwrap_or_else(|err| Err(classify(err, gzip)))
}

/// Sorts an I/O error out: the inflate limit, the upload's own failure, or broken gzip.
fn classify(err: io::Error, gzip: bool) -> UsageError {
    if let Some(limit) = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<intake::InflateLimit>())
    {
        return UsageError::InflatedTooLarge { limit: limit.limit };
    }
    if err.get_ref().is_some_and(|e| e.is::<intake::SourceError>()) {
        let source = err
            .into_inner()
            .and_then(|e| e.downcast::<intake::SourceError>().ok());
        return match source {
            Some(source) => UsageError::Source(source.0),
            None => UsageError::Source(io::Error::other("the upload failed")),
        };
    }
    if gzip {
        UsageError::BrokenGzip(err.to_string())
    } else {
        UsageError::Source(err)
    }
}
