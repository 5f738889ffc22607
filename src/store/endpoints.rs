//! Each model's provider endpoints and how their latest fetch went. A model's rows are only
//! ever replaced as a whole by a successful fetch, in a transaction of their own, so one
//! model's failure never touches another model or the catalogue.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError, parse_ts, pricing_json, ts};
pub use crate::fetch::openrouter::endpoints::Endpoint;

/// How the latest endpoint fetch of one model went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchStatus {
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    /// A short reason fit for readers; `None` when the last attempt succeeded.
    pub last_error: Option<String>,
}

/// One model's endpoints as the catalogue serves them.
#[derive(Clone, Debug, Default)]
pub struct ModelEndpoints {
    pub model_id: String,
    /// In the order OpenRouter listed them.
    pub endpoints: Vec<Endpoint>,
    /// When these rows were fetched; `None` if no fetch has ever succeeded.
    pub fetched_at: Option<DateTime<Utc>>,
    pub status: FetchStatus,
}

impl ModelEndpoints {
    /// True when the most recent attempt failed (the rows, if any, are older).
    pub fn last_attempt_failed(&self) -> bool {
        self.status.last_error.is_some()
    }
}

/// What one successful write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EndpointsWrite {
    pub stored: usize,
    /// Endpoints whose prices differ from their previous history row (new endpoints excluded).
    pub price_changes: usize,
}

fn to_i64(value: Option<u64>) -> Option<i64> {
    value.and_then(|v| i64::try_from(v).ok())
}

fn to_u64(value: Option<i64>) -> Option<u64> {
    value.and_then(|v| u64::try_from(v).ok())
}

fn parse_opt_ts(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.as_deref().map(parse_ts).transpose()
}

impl Store {
    /// Replaces one model's endpoints in one transaction, appends price history for
    /// endpoints whose prices changed, and marks the fetch successful.
    pub async fn write_endpoints(
        &self,
        model_id: &str,
        endpoints: &[Endpoint],
        fetched_at: DateTime<Utc>,
    ) -> Result<EndpointsWrite, StoreError> {
        let at = ts(fetched_at);
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO endpoint_fetches (model_id, last_attempt, last_success, last_error, \
             last_error_detail, endpoint_count) VALUES (?1, ?2, ?2, NULL, NULL, ?3) \
             ON CONFLICT (model_id) DO UPDATE SET last_attempt = ?2, last_success = ?2, \
             last_error = NULL, last_error_detail = NULL, endpoint_count = ?3",
        )
        .bind(model_id)
        .bind(&at)
        .bind(endpoints.len() as i64)
        .execute(tx.conn())
        .await?;
        sqlx::query("DELETE FROM endpoints WHERE model_id = ?")
            .bind(model_id)
            .execute(tx.conn())
            .await?;
        let mut write = EndpointsWrite::default();
        for (position, endpoint) in endpoints.iter().enumerate() {
            let pricing = pricing_json(&endpoint.pricing);
            sqlx::query(
                "INSERT INTO endpoints (model_id, position, provider_name, tag, name, pricing, \
                 context_length, max_completion_tokens, max_prompt_tokens, quantization, status, \
                 uptime_last_5m, uptime_last_30m, uptime_last_1d, fetched_at, \
                 supported_parameters, supports_implicit_caching, latency_last_30m, \
                 throughput_last_30m) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(model_id)
            .bind(position as i64)
            .bind(&endpoint.provider_name)
            .bind(&endpoint.tag)
            .bind(&endpoint.name)
            .bind(&pricing)
            .bind(to_i64(endpoint.context_length))
            .bind(to_i64(endpoint.max_completion_tokens))
            .bind(to_i64(endpoint.max_prompt_tokens))
            .bind(&endpoint.quantization)
            .bind(endpoint.status)
            .bind(endpoint.uptime_last_5m)
            .bind(endpoint.uptime_last_30m)
            .bind(endpoint.uptime_last_1d)
            .bind(&at)
            .bind(serde_json::to_string(&endpoint.supported_parameters).unwrap_or_default())
            .bind(endpoint.supports_implicit_caching)
            .bind(endpoint.latency_last_30m)
            .bind(endpoint.throughput_last_30m)
            .execute(tx.conn())
            .await?;
            let previous: Option<String> = sqlx::query_scalar(
                "SELECT pricing FROM endpoint_price_history WHERE model_id = ? AND tag = ? \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(model_id)
            .bind(&endpoint.tag)
            .fetch_optional(tx.conn())
            .await?;
            if previous.as_deref() != Some(pricing.as_str()) {
                sqlx::query(
                    "INSERT INTO endpoint_price_history (model_id, tag, as_of, pricing) \
                     VALUES (?, ?, ?, ?)",
                )
                .bind(model_id)
                .bind(&endpoint.tag)
                .bind(&at)
                .bind(&pricing)
                .execute(tx.conn())
                .await?;
                if previous.is_some() {
                    write.price_changes += 1;
                }
            }
            write.stored += 1;
        }
        tx.commit().await?;
        Ok(write)
    }

    /// Records a failed fetch; the model's stored endpoints are untouched.
    pub async fn record_endpoints_failure(
        &self,
        model_id: &str,
        attempted_at: DateTime<Utc>,
        reason: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO endpoint_fetches (model_id, last_attempt, last_error, last_error_detail) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (model_id) DO UPDATE SET last_attempt = ?2, \
             last_error = ?3, last_error_detail = ?4",
        )
        .bind(model_id)
        .bind(ts(attempted_at))
        .bind(reason)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The fetch status of every model that has ever been attempted.
    pub async fn load_endpoint_statuses(&self) -> Result<HashMap<String, FetchStatus>, StoreError> {
        let rows = sqlx::query(
            "SELECT model_id, last_attempt, last_success, last_error FROM endpoint_fetches",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("model_id")?,
                    FetchStatus {
                        last_attempt: Some(parse_ts(&row.try_get::<String, _>("last_attempt")?)?),
                        last_success: parse_opt_ts(row.try_get("last_success")?)?,
                        last_error: row.try_get("last_error")?,
                    },
                ))
            })
            .collect()
    }

    /// Every model's stored endpoints with its fetch status, keyed by model id.
    pub async fn load_endpoints(&self) -> Result<HashMap<String, ModelEndpoints>, StoreError> {
        let mut out: HashMap<String, ModelEndpoints> = self
            .load_endpoint_statuses()
            .await?
            .into_iter()
            .map(|(model_id, status)| {
                let entry = ModelEndpoints {
                    model_id: model_id.clone(),
                    status,
                    ..ModelEndpoints::default()
                };
                (model_id, entry)
            })
            .collect();
        let rows = sqlx::query(
            "SELECT model_id, provider_name, tag, name, pricing, context_length, \
             max_completion_tokens, max_prompt_tokens, quantization, status, uptime_last_5m, \
             uptime_last_30m, uptime_last_1d, fetched_at, supported_parameters, \
             supports_implicit_caching, latency_last_30m, throughput_last_30m \
             FROM endpoints ORDER BY model_id, position",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let model_id: String = row.try_get("model_id")?;
            let pricing: String = row.try_get("pricing")?;
            let fetched_at = parse_ts(&row.try_get::<String, _>("fetched_at")?)?;
            let endpoint = Endpoint {
                provider_name: row.try_get("provider_name")?,
                tag: row.try_get("tag")?,
                name: row.try_get("name")?,
                pricing: serde_json::from_str(&pricing)
                    .map_err(|e| StoreError::Corrupt(format!("endpoint pricing: {e}")))?,
                context_length: to_u64(row.try_get("context_length")?),
                max_completion_tokens: to_u64(row.try_get("max_completion_tokens")?),
                max_prompt_tokens: to_u64(row.try_get("max_prompt_tokens")?),
                quantization: row.try_get("quantization")?,
                status: row.try_get("status")?,
                uptime_last_5m: row.try_get("uptime_last_5m")?,
                uptime_last_30m: row.try_get("uptime_last_30m")?,
                uptime_last_1d: row.try_get("uptime_last_1d")?,
                supported_parameters: serde_json::from_str(
                    &row.try_get::<String, _>("supported_parameters")?,
                )
                .map_err(|e| StoreError::Corrupt(format!("endpoint parameters: {e}")))?,
                supports_implicit_caching: row.try_get("supports_implicit_caching")?,
                latency_last_30m: row.try_get("latency_last_30m")?,
                throughput_last_30m: row.try_get("throughput_last_30m")?,
            };
            let entry = out
                .entry(model_id.clone())
                .or_insert_with(|| ModelEndpoints {
                    model_id,
                    ..ModelEndpoints::default()
                });
            entry.fetched_at = Some(entry.fetched_at.map_or(fetched_at, |t| t.max(fetched_at)));
            entry.endpoints.push(endpoint);
        }
        Ok(out)
    }
}
