//! The one run recorder every feed with a run log shares (OpenRouter's catalogue and provider
//! list, the official price feed): how a failed run is recorded, how a failed fetch becomes a
//! run, where dated files are found, and the rules every refresh must pass against what is
//! stored. Each feed states only what differs: its [`Feed`], its file names, its checks and its
//! messages. (The endpoints pass records each model's fetch on its own; see `ingest::endpoints`.)
//!
//! The nothing-lost rule holds for all of them: a failure is recorded as a failed run and
//! leaves the stored data exactly as it was.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::feed::Feed;
use crate::fetch::FetchError;
use crate::store::{Delivery, NewRun, RunRecord, Store, StoreError};

/// Largest body accepted from a file or after decompression.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// How far ahead of the clock a run's date may be (time zones, a clock a little off).
pub fn future_tolerance() -> chrono::Duration {
    chrono::Duration::days(1)
}

/// A saved response or a directory of them could not be read.
#[derive(Debug, thiserror::Error)]
#[error("could not read {}: {source}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl ReadError {
    fn of(path: &Path) -> impl Fn(std::io::Error) -> ReadError + '_ {
        |source| ReadError {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What the recorder needs to know of a feed's error.
pub trait RunFailure: std::fmt::Display {
    /// The store's write lock could not be had: recording the failure would only wait for it
    /// again and fail the same way, later.
    fn is_busy(&self) -> bool;

    /// The feed has already recorded this run itself (a quarantined catalogue).
    fn is_recorded(&self) -> bool {
        false
    }
}

/// Records a failed run. When the database will not take it (disk full, file gone, lock held),
/// a catalogue failure is kept in memory so `/healthz` and `/about` still show it; another
/// feed's is logged.
pub async fn record_failure(store: &Store, run: &NewRun<'_>, err: &impl RunFailure) {
    let error = err.to_string();
    let result = if err.is_busy() {
        Err(StoreError::Busy)
    } else {
        store.record_failure(run, &error).await.map(|_| ())
    };
    if let Err(record_err) = result {
        tracing::error!(feed = run.feed.name(), error = %record_err, failure = %error, "could not record the failed run");
        if run.feed == Feed::OpenRouterCatalogue {
            store.note_unrecorded_failure(run, &error, &record_err);
        }
    }
}

/// Passes `result` on, first recording it as a failed run `run` when it is an error the
/// feed has not recorded itself.
pub async fn recorded<T, E: RunFailure>(
    store: &Store,
    run: &NewRun<'_>,
    result: Result<T, E>,
) -> Result<T, E> {
    if let Err(err) = &result
        && !err.is_recorded()
    {
        tracing::warn!(feed = run.feed.name(), source = run.source, error = %err, "ingest failed; previous data kept");
        record_failure(store, run, err).await;
    }
    result
}

/// [`recorded`] for a run whose skipped records' reasons were gathered beside it (`skipped`),
/// so that a failed run keeps them too.
pub async fn recorded_with<T, E: RunFailure>(
    store: &Store,
    run: NewRun<'_>,
    skipped: &[String],
    result: Result<T, E>,
) -> Result<T, E> {
    let run = NewRun {
        skipped_detail: skipped,
        ..run
    };
    recorded(store, &run, result).await
}

/// A fetch from the live feed that failed: recorded as a failed run (as of now, no body).
pub async fn fetch_failed<E: RunFailure + From<FetchError>>(
    store: &Store,
    feed: Feed,
    source: &str,
    err: FetchError,
) -> E {
    let run = NewRun::new(feed, Delivery::Api, source, Utc::now(), None);
    tracing::warn!(feed = feed.name(), error = %err, "fetch failed; previous data kept");
    let err = E::from(err);
    record_failure(store, &run, &err).await;
    err
}

/// `{prefix}YYYY-MM-DD.json[.gz]` -> that date at 00:00 UTC.
pub fn date_from_file_name(path: &Path, prefix: &str) -> Option<DateTime<Utc>> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix(prefix)?;
    let date = rest.get(..10)?;
    let tail = rest.get(10..)?;
    if tail != ".json" && tail != ".json.gz" {
        return None;
    }
    crate::store::parse_as_of(date)
}

/// The files of `dir` named `{prefix}YYYY-MM-DD.json[.gz]`, oldest first.
pub fn dated_files(dir: &Path, prefix: &str) -> Result<Vec<(DateTime<Utc>, PathBuf)>, ReadError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(ReadError::of(dir))? {
        let path = entry.map_err(ReadError::of(dir))?.path();
        if let Some(date) = date_from_file_name(&path, prefix) {
            files.push((date, path));
        }
    }
    files.sort();
    Ok(files)
}

/// A saved response as one refresh reads it: its body (gunzipped for `.gz`, at most
/// [`MAX_FILE_BYTES`]), the run's source text, and its date: `as_of` if given, else the file
/// name's, else now.
pub fn saved_response(
    path: &Path,
    prefix: &str,
    as_of: Option<DateTime<Utc>>,
) -> Result<(Vec<u8>, String, DateTime<Utc>), ReadError> {
    let bytes = std::fs::read(path).map_err(ReadError::of(path))?;
    let body = if path.extension().is_some_and(|e| e == "gz") {
        crate::store::gunzip_limited(&bytes, MAX_FILE_BYTES).map_err(ReadError::of(path))?
    } else {
        bytes
    };
    let as_of = as_of
        .or_else(|| date_from_file_name(path, prefix))
        .unwrap_or_else(Utc::now);
    Ok((body, format!("file:{}", path.display()), as_of))
}

/// True when a date is more than [`future_tolerance`] ahead of `now`: stored, it would make
/// every later refresh look older and be refused.
pub fn too_far_ahead(as_of: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    as_of > now + future_tolerance()
}

/// Why a date too far ahead is refused, in every feed's words.
pub fn future_message(as_of: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "the date {} is more than a day in the future (it is now {}); give the date the data describes",
        crate::format::utc_minute(as_of),
        crate::format::utc_minute(now)
    )
}

/// True when a refresh listing `seen` records would shrink a stored list of `stored_active`
/// to less than half: refused, the previous data kept.
pub fn shrinks_by_half(stored_active: usize, seen: usize) -> bool {
    seen.saturating_mul(2) < stored_active
}

/// The applied run a refresh is compared against: the newest, unless it is the bundled
/// snapshot, a stand-in that any real data may replace.
pub fn last_real(last_success: Option<&RunRecord>) -> Option<&RunRecord> {
    last_success.filter(|last| last.delivery != Delivery::Snapshot)
}

/// True when data as of `as_of` is older than the stored data's `stored` and must not replace
/// it. A stored date further ahead of `now` than [`future_tolerance`] can only come from
/// before dates were checked; it must not block every refresh after it for good.
pub fn is_older(as_of: DateTime<Utc>, stored: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    as_of < stored && !too_far_ahead(stored, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        crate::store::parse_as_of(text).unwrap()
    }

    fn success(kind: Delivery, as_of: &str) -> RunRecord {
        RunRecord::applied(1, kind, at(as_of))
    }

    #[test]
    fn a_date_may_run_a_day_ahead_of_the_clock_and_no_more() {
        let now = at("2026-08-20T12:00:00Z");
        // now + 24 h = 2026-08-21 12:00; that moment itself is still accepted.
        assert!(!too_far_ahead(at("2026-08-21T12:00:00Z"), now));
        assert!(too_far_ahead(at("2026-08-21T12:01:00Z"), now));
        assert_eq!(
            future_message(at("2099-08-01"), now),
            "the date 2099-08-01 00:00 UTC is more than a day in the future (it is now \
             2026-08-20 12:00 UTC); give the date the data describes"
        );
    }

    #[test]
    fn a_list_may_lose_half_its_records_but_not_more() {
        // 17 stored: 9 is more than half (18 >= 17), 8 is not (16 < 17).
        assert!(!shrinks_by_half(17, 9));
        assert!(shrinks_by_half(17, 8));
        // 400 stored, 200 listed: exactly half is kept.
        assert!(!shrinks_by_half(400, 200));
        assert!(!shrinks_by_half(0, 0));
    }

    #[test]
    fn only_a_real_newer_run_within_the_clock_refuses_an_older_refresh() {
        let now = at("2026-08-22");
        // 08-01 is older than a stored 08-20; the same day is not.
        assert!(is_older(at("2026-08-01"), at("2026-08-20"), now));
        assert!(!is_older(at("2026-08-20"), at("2026-08-20"), now));
        assert!(!is_older(at("2026-08-21"), at("2026-08-20"), now));
        // A stored 2099 date (from before dates were checked) blocks nothing; a stored
        // 2026-08-23 (within a day of the clock's 08-22) still does.
        assert!(!is_older(at("2026-08-01"), at("2099-01-01"), now));
        assert!(is_older(at("2026-08-01"), at("2026-08-23"), now));
        // The snapshot gives way to any real data; a real run does not.
        let snapshot = success(Delivery::Snapshot, "2026-08-20");
        let file = success(Delivery::File, "2026-08-20");
        assert!(last_real(Some(&snapshot)).is_none());
        assert_eq!(last_real(Some(&file)).map(|r| r.id), Some(1));
        assert!(last_real(None).is_none());
    }

    #[test]
    fn both_sources_summaries_read_their_counts_and_minute_the_same_way() {
        let as_of = at("2026-08-08T06:30:00Z");
        let counts = crate::store::WriteCounts {
            stored: 11,
            added: 2,
            removed: 1,
            price_changes: 4,
            kept_unreadable: 1,
            removals_held: 0,
        };
        let catalogue = crate::ingest::catalogue::Summary {
            run_id: 3,
            source: "file:models-2026-08-08.json".into(),
            as_of,
            seen: 13,
            skipped: 2,
            counts: counts.clone(),
            large_moves: Vec::new(),
        };
        assert_eq!(
            catalogue.to_string(),
            "run 3: 11 models stored from file:models-2026-08-08.json (2 skipped), 2 added, \
             1 removed, 4 price changes, as of 2026-08-08 06:30 UTC; 1 unreadable listings kept \
             as they were"
        );
        let official = crate::ingest::official::OfficialSummary {
            run_id: 5,
            source: "feed".into(),
            as_of,
            providers: 9,
            seen: 18,
            skipped: 1,
            counts: counts.totals(),
        };
        assert_eq!(
            official.to_string(),
            "official run 5: 11 entries of 9 providers stored from feed (1 skipped), 2 added, \
             1 removed, 4 price changes, as of 2026-08-08 06:30 UTC"
        );
    }

    #[test]
    fn dated_file_names_carry_their_date_under_each_prefix() {
        let date = |name: &str, prefix: &str| {
            date_from_file_name(Path::new(name), prefix).map(crate::format::day)
        };
        assert_eq!(
            date("dir/models-2026-08-21.json.gz", "models-").as_deref(),
            Some("2026-08-21")
        );
        assert_eq!(date("models-2026-08-21.json", "genai-prices-v2-"), None);
        assert_eq!(date("models-2026-08-21.json.bak", "models-"), None);
        assert_eq!(date("models-2026-8-21.json", "models-"), None);
    }
}
