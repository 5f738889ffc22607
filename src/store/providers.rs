//! OpenRouter's provider list and its run log (written through the shared run log,
//! `store::runs`, read back here). The list is written whole in one transaction,
//! only by a run that passes its checks; providers that leave the list are marked inactive,
//! never deleted, so an endpoint that still names one can still say where it runs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{NewRun, Outcome, Store, StoreError, parse_ts, ts};
pub use crate::fetch::openrouter::providers::ProviderInfo;

/// One provider as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredProvider {
    pub info: ProviderInfo,
    /// Listed by the latest successful run.
    pub active: bool,
    pub last_seen: DateTime<Utc>,
}

/// One attempt to refresh the list.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProviderRun {
    pub id: i64,
    pub finished_at: DateTime<Utc>,
    pub source: String,
    pub success: bool,
    pub providers_seen: i64,
    pub providers_stored: i64,
    pub skipped: i64,
    pub error: Option<String>,
}

/// What a write did, or why it refused to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProvidersWrite {
    Written {
        run_id: i64,
        stored: usize,
        added: usize,
        removed: usize,
    },
    /// The list has fewer than half the providers stored as active: nothing was written.
    Shrunk { before: usize, after: usize },
}

/// The stored list with how its refreshes went, as the catalogue serves it.
#[derive(Clone, Debug, Default)]
pub struct ProviderDirectory {
    /// Active and inactive, by slug.
    pub providers: Vec<StoredProvider>,
    pub last_success: Option<ProviderRun>,
    pub last_failure: Option<ProviderRun>,
}

impl ProviderDirectory {
    /// The latest refresh, when it failed: a failure newer than the last success.
    pub fn failing(&self) -> Option<&ProviderRun> {
        self.last_failure
            .as_ref()
            .filter(|f| self.last_success.as_ref().is_none_or(|s| f.id > s.id))
    }

    /// Changes whenever a page showing the list would change.
    pub fn version(&self) -> (i64, i64) {
        (
            self.last_success.as_ref().map_or(0, |r| r.id),
            self.last_failure.as_ref().map_or(0, |r| r.id),
        )
    }
}

fn run_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<ProviderRun, StoreError> {
    Ok(ProviderRun {
        id: row.try_get("id")?,
        finished_at: parse_ts(&row.try_get::<String, _>("finished_at")?)?,
        source: row.try_get("source")?,
        success: row.try_get::<String, _>("outcome")? == "success",
        providers_seen: row.try_get("providers_seen")?,
        providers_stored: row.try_get("providers_stored")?,
        skipped: row.try_get("skipped")?,
        error: row.try_get("error")?,
    })
}

impl Store {
    /// Stores a parsed list in one transaction: the run, every listed provider, and inactive
    /// marks for those no longer listed. Refuses (writing nothing) a list with fewer than
    /// half the active providers; the count is read inside the transaction.
    pub async fn write_providers(
        &self,
        run: &NewRun<'_>,
        providers: &[ProviderInfo],
    ) -> Result<ProvidersWrite, StoreError> {
        let now = ts(Utc::now());
        let mut tx = self.begin_write().await?;
        let run_id = tx.insert_run(run, Outcome::Success, None).await?;
        sqlx::query("UPDATE provider_runs SET providers_stored = ? WHERE id = ?")
            .bind(providers.len() as i64)
            .bind(run_id)
            .execute(tx.conn())
            .await?;
        let active: Vec<String> = sqlx::query_scalar("SELECT slug FROM providers WHERE active = 1")
            .fetch_all(tx.conn())
            .await?;
        if providers.len() * 2 < active.len() {
            // Dropping the transaction rolls the run row back too.
            return Ok(ProvidersWrite::Shrunk {
                before: active.len(),
                after: providers.len(),
            });
        }
        let known: Vec<String> = sqlx::query_scalar("SELECT slug FROM providers")
            .fetch_all(tx.conn())
            .await?;
        let mut added = 0;
        for p in providers {
            if !known.contains(&p.slug) {
                added += 1;
            }
            sqlx::query(
                "INSERT INTO providers (slug, name, headquarters, datacenters, privacy_policy_url, \
                 terms_of_service_url, status_page_url, active, first_seen, last_seen, run_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, ?9) \
                 ON CONFLICT (slug) DO UPDATE SET name = ?2, headquarters = ?3, datacenters = ?4, \
                 privacy_policy_url = ?5, terms_of_service_url = ?6, status_page_url = ?7, \
                 active = 1, last_seen = ?8, run_id = ?9",
            )
            .bind(&p.slug)
            .bind(&p.name)
            .bind(&p.headquarters)
            .bind(serde_json::to_string(&p.datacenters).unwrap_or_else(|_| "[]".into()))
            .bind(&p.privacy_policy_url)
            .bind(&p.terms_of_service_url)
            .bind(&p.status_page_url)
            .bind(&now)
            .bind(run_id)
            .execute(tx.conn())
            .await?;
        }
        let mut removed = 0;
        for slug in active
            .iter()
            .filter(|s| !providers.iter().any(|p| &p.slug == *s))
        {
            sqlx::query("UPDATE providers SET active = 0 WHERE slug = ?")
                .bind(slug)
                .execute(tx.conn())
                .await?;
            removed += 1;
        }
        tx.commit().await?;
        Ok(ProvidersWrite::Written {
            run_id,
            stored: providers.len(),
            added,
            removed,
        })
    }

    /// The stored list (active first, then by name) and the latest run of each outcome.
    pub async fn load_providers(&self) -> Result<ProviderDirectory, StoreError> {
        let rows = sqlx::query(
            "SELECT slug, name, headquarters, datacenters, privacy_policy_url, \
             terms_of_service_url, status_page_url, active, last_seen FROM providers \
             ORDER BY active DESC, name COLLATE NOCASE, slug",
        )
        .fetch_all(&self.pool)
        .await?;
        let providers = rows
            .iter()
            .map(|row| {
                Ok(StoredProvider {
                    info: ProviderInfo {
                        slug: row.try_get("slug")?,
                        name: row.try_get("name")?,
                        headquarters: row.try_get("headquarters")?,
                        datacenters: serde_json::from_str(
                            &row.try_get::<String, _>("datacenters")?,
                        )
                        .map_err(|e| StoreError::Corrupt(format!("provider datacenters: {e}")))?,
                        privacy_policy_url: row.try_get("privacy_policy_url")?,
                        terms_of_service_url: row.try_get("terms_of_service_url")?,
                        status_page_url: row.try_get("status_page_url")?,
                    },
                    active: row.try_get::<i64, _>("active")? != 0,
                    last_seen: parse_ts(&row.try_get::<String, _>("last_seen")?)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut latest: HashMap<bool, ProviderRun> = HashMap::new();
        for outcome in ["success", "failed"] {
            let row = sqlx::query(
                "SELECT id, finished_at, source, outcome, providers_seen, providers_stored, \
                 skipped, error FROM provider_runs WHERE outcome = ? ORDER BY id DESC LIMIT 1",
            )
            .bind(outcome)
            .fetch_optional(&self.pool)
            .await?;
            if let Some(row) = row {
                let run = run_from_row(&row)?;
                latest.insert(run.success, run);
            }
        }
        Ok(ProviderDirectory {
            providers,
            last_success: latest.remove(&true),
            last_failure: latest.remove(&false),
        })
    }

    /// Every provider run, newest first.
    pub async fn provider_runs(&self, limit: i64) -> Result<Vec<ProviderRun>, StoreError> {
        sqlx::query(
            "SELECT id, finished_at, source, outcome, providers_seen, providers_stored, skipped, \
             error FROM provider_runs ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(run_from_row)
        .collect()
    }
}
