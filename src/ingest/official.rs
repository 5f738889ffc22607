//! One refresh of the official feed, with the catalogue's rules: every run is recorded with its
//! raw body; a failed fetch, an unparsable, empty or suddenly shrunken feed keeps the previous
//! data; an unreadable entry is skipped, counted, and never changes what we know of it.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};

use tokio::sync::watch;

use super::recorder::{self, ReadError, RunFailure};
use crate::feed::Feed;
use crate::fetch::official::{FeedError, parse_feed};
use crate::fetch::{FetchError, UpstreamClient};
use crate::store::official::{self as official_store, WriteCounts, WriteError};
use crate::store::{Delivery, NewRun, Store, StoreError};

/// The feed's live address (the genai-prices project keeps it stable).
pub const DEFAULT_URL: &str = "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/new_data/v2/data.json";

/// How the saved feed files are named: `genai-prices-v2-YYYY-MM-DD.json[.gz]`.
pub const FILE_PREFIX: &str = "genai-prices-v2-";

/// A feed with more entries than this is refused as implausible (the real one has about 1,500).
pub const MAX_ENTRIES: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum OfficialError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error("the price feed lists no readable model ({skipped} entries skipped)")]
    Empty { skipped: usize },
    #[error("the price feed has {0} entries, more than the {MAX_ENTRIES} we accept")]
    TooMany(usize),
    #[error("{0}; keeping the previous official prices")]
    Refused(String),
    #[error("the refresh was cancelled by shutdown before its response arrived")]
    Cancelled,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RunFailure for OfficialError {
    fn is_busy(&self) -> bool {
        matches!(self, OfficialError::Store(StoreError::Busy))
    }
}

/// What one successful official run did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OfficialSummary {
    pub run_id: i64,
    pub source: String,
    pub as_of: DateTime<Utc>,
    pub providers: usize,
    pub seen: usize,
    pub skipped: usize,
    #[serde(flatten)]
    pub counts: WriteCounts,
}

impl std::fmt::Display for OfficialSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "official run {}: {} entries of {} providers stored from {} ({} skipped), {}, as of {}",
            self.run_id,
            self.counts.stored,
            self.providers,
            self.source,
            self.skipped,
            self.counts,
            crate::format::utc_minute(self.as_of),
        )
    }
}

/// Validates and stores one feed body; on any problem records a failed run and keeps the
/// stored official prices as they were.
pub async fn ingest_body(
    store: &Store,
    body: &[u8],
    delivery: Delivery,
    source: &str,
    as_of: DateTime<Utc>,
) -> Result<OfficialSummary, OfficialError> {
    let mut run = NewRun::new(Feed::Official, delivery, source, as_of, Some(body));
    let mut skipped = Vec::new();
    let result = check_and_write(store, body, &mut run, &mut skipped).await;
    recorder::recorded_with(store, run, &skipped, result).await
}

async fn check_and_write(
    store: &Store,
    body: &[u8],
    run: &mut NewRun<'_>,
    skipped_detail: &mut Vec<String>,
) -> Result<OfficialSummary, OfficialError> {
    let now = Utc::now();
    if recorder::too_far_ahead(run.as_of, now) {
        return Err(OfficialError::Refused(recorder::future_message(
            run.as_of, now,
        )));
    }
    let feed = parse_feed(body)?;
    run.providers_seen = feed.providers.len();
    run.models_seen = feed.seen;
    *skipped_detail = feed.skipped.iter().map(ToString::to_string).collect();
    for reason in skipped_detail.iter().take(20) {
        tracing::warn!(source = run.source, %reason, "official entry skipped");
    }
    if feed.seen > MAX_ENTRIES {
        return Err(OfficialError::TooMany(feed.seen));
    }
    let readable = feed.model_count();
    if readable == 0 {
        return Err(OfficialError::Empty {
            skipped: feed.skipped.len(),
        });
    }
    // Entries we saw but could not read keep what we know of them. When a whole provider was
    // unreadable we cannot tell which entries it held, so nothing is marked removed at all.
    let provider_unreadable = feed.skipped.iter().any(|s| s.model == "*");
    let unreadable: HashSet<(String, String)> = feed
        .skipped
        .iter()
        .map(|s| (s.provider.clone(), s.model.clone()))
        .collect();
    let as_of = run.as_of;
    let write_run = NewRun {
        skipped_detail,
        ..*run
    };
    let check = |state: &official_store::StoredState| {
        // Unreadable entries count as present: the shrink guard is about what the feed lists.
        if recorder::shrinks_by_half(state.active_count, readable + feed.skipped.len()) {
            return Err(format!(
                "the price feed shrank from {} to {} entries (more than half)",
                state.active_count, readable
            ));
        }
        if let Some(last) = recorder::last_real(state.last_success.as_ref())
            && recorder::is_older(as_of, last.as_of, now)
        {
            return Err(format!(
                "the price feed is as of {as_of}, older than the stored one ({})",
                last.as_of
            ));
        }
        Ok(())
    };
    let unreadable = if provider_unreadable {
        // Every stored entry is protected from removal this run.
        official_store::load(store)
            .await?
            .providers
            .iter()
            .flat_map(|p| p.models.iter().map(|m| (p.id.clone(), m.id.clone())))
            .chain(unreadable)
            .collect()
    } else {
        unreadable
    };
    let (run_id, counts) = official_store::write_feed(store, &write_run, &feed, &unreadable, check)
        .await
        .map_err(|err| match err {
            WriteError::Refused(reason) => OfficialError::Refused(reason),
            WriteError::Store(err) => OfficialError::Store(err),
        })?;
    Ok(OfficialSummary {
        run_id,
        source: run.source.to_string(),
        as_of,
        providers: feed.providers.len(),
        seen: feed.seen,
        skipped: feed.skipped.len(),
        counts,
    })
}

/// One refresh from the live feed, as of now. `client` is built with the feed's URL as its base.
pub async fn run_once(
    store: &Store,
    client: &UpstreamClient,
) -> Result<OfficialSummary, OfficialError> {
    run_once_until(store, client, super::never_stop()).await
}

/// [`run_once`], giving up the fetch when `shutdown` turns true (as the catalogue's does).
/// Once the body has arrived the run is finished whatever happens.
pub async fn run_once_until(
    store: &Store,
    client: &UpstreamClient,
    shutdown: watch::Receiver<bool>,
) -> Result<OfficialSummary, OfficialError> {
    let source = client.base_url().to_string();
    let fetched = super::unless_stopped(client.fetch_base(), shutdown).await;
    match fetched.ok_or(OfficialError::Cancelled)? {
        Ok(fetched) => ingest_body(store, &fetched.body, Delivery::Api, &source, Utc::now()).await,
        Err(err) => Err(recorder::fetch_failed(store, Feed::Official, &source, err).await),
    }
}

/// One refresh from a saved feed (`.json` or `.json.gz`).
pub async fn ingest_file(
    store: &Store,
    path: &Path,
    as_of: Option<DateTime<Utc>>,
) -> Result<OfficialSummary, OfficialError> {
    let (body, source, as_of) = recorder::saved_response(path, FILE_PREFIX, as_of)?;
    ingest_body(store, &body, Delivery::File, &source, as_of).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_file_names_carry_their_date() {
        let date = |name: &str| {
            recorder::date_from_file_name(Path::new(name), FILE_PREFIX).map(crate::format::day)
        };
        assert_eq!(
            date("genai-prices-v2-2026-08-21.json").as_deref(),
            Some("2026-08-21")
        );
        assert_eq!(
            date("dir/genai-prices-v2-2026-07-30.json.gz").as_deref(),
            Some("2026-07-30")
        );
        assert_eq!(date("models-2026-08-21.json"), None);
        assert_eq!(date("genai-prices-v2-2026-08-21.json.bak"), None);
        assert_eq!(date("genai-prices-v2-2026-13-01.json"), None);
    }
}
