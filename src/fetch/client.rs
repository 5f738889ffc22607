//! The one HTTP client for every feed (OpenRouter's API and the official price file): named
//! user agent, timeouts, bounded retries with backoff on timeouts, 429 and 5xx, and a cap on
//! the response size.

use std::time::Duration;

use reqwest::StatusCode;

/// Client settings; the defaults suit every feed we fetch (the largest, OpenRouter's
/// catalogue, is under 1 MB).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub base_url: String,
    pub connect_timeout: Duration,
    pub total_timeout: Duration,
    pub max_attempts: u32,
    pub first_backoff: Duration,
    pub max_body_bytes: usize,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            max_attempts: 3,
            first_backoff: Duration::from_millis(500),
            // The real catalogue is under 1 MB; 32 MB leaves room for growth and stops a runaway body.
            max_body_bytes: 32 * 1024 * 1024,
        }
    }
}

/// Why a fetch failed, after its retries.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("request to {url} failed: {source}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url} redirected: {reason}")]
    Redirect { url: String, reason: String },
    #[error("{url} answered HTTP {status}")]
    Status { url: String, status: StatusCode },
    #[error("{url} sent more than {limit} bytes")]
    TooLarge { url: String, limit: usize },
    #[error("could not build the HTTP client: {0}")]
    Build(#[source] reqwest::Error),
}

impl FetchError {
    fn is_retryable(&self) -> bool {
        match self {
            FetchError::Transport { source, .. } => {
                source.is_timeout()
                    || source.is_connect()
                    || source.is_request()
                    || source.is_body()
            }
            FetchError::Status { status, .. } => {
                *status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
            }
            FetchError::TooLarge { .. } | FetchError::Redirect { .. } | FetchError::Build(_) => {
                false
            }
        }
    }
}

/// A fetched body with the URL it came from.
#[derive(Debug)]
pub struct Fetched {
    pub url: String,
    pub body: Vec<u8>,
}

/// Redirects are followed only within the origin the request went to, and only a few times:
/// another host's answer is not the catalogue we asked for.
const MAX_REDIRECTS: usize = 5;

fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let to = attempt.url().origin();
        let first = attempt.previous().first().map(reqwest::Url::origin);
        if first.is_some_and(|from| from != to) {
            let reason = format!(
                "refused a redirect to another host ({})",
                to.ascii_serialization()
            );
            attempt.error(reason)
        } else if attempt.previous().contains(attempt.url())
            || attempt.previous().len() > MAX_REDIRECTS
        {
            attempt.error("redirect loop")
        } else {
            attempt.follow()
        }
    })
}

/// Built once per feed base URL and cloned into every task that fetches: OpenRouter's API for
/// the catalogue, its endpoints and its provider list, the feed's own URL for the official one.
#[derive(Clone, Debug)]
pub struct UpstreamClient {
    http: reqwest::Client,
    config: ClientConfig,
}

impl UpstreamClient {
    pub fn new(config: ClientConfig) -> Result<Self, FetchError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!(
                "tokenfare/",
                env!("CARGO_PKG_VERSION"),
                " (LLM price comparison; daily catalogue refresh)"
            ))
            .redirect(same_origin_redirects())
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .build()
            .map_err(FetchError::Build)?;
        Ok(UpstreamClient { http, config })
    }

    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// `GET {base}/models`.
    pub async fn fetch_models(&self) -> Result<Fetched, FetchError> {
        self.get(&format!("{}/models", self.config.base_url)).await
    }

    /// `GET {base}` itself, for a source that is one file (the official price feed).
    pub async fn fetch_base(&self) -> Result<Fetched, FetchError> {
        self.get(&self.config.base_url).await
    }

    /// `GET {base}/models/{id}/endpoints`.
    pub async fn fetch_endpoints(&self, id: &str) -> Result<Fetched, FetchError> {
        self.get(&format!("{}/models/{}/endpoints", self.config.base_url, id))
            .await
    }

    /// `GET {base}/providers`.
    pub async fn fetch_providers(&self) -> Result<Fetched, FetchError> {
        self.get(&format!("{}/providers", self.config.base_url))
            .await
    }

    async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let mut backoff = self.config.first_backoff;
        let mut attempt = 1;
        loop {
            match self.get_once(url).await {
                Ok(body) => {
                    return Ok(Fetched {
                        url: url.to_string(),
                        body,
                    });
                }
                Err(err) if err.is_retryable() && attempt < self.config.max_attempts => {
                    tracing::warn!(%url, attempt, error = %err, "fetch failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = backoff.saturating_mul(2);
                    attempt += 1;
                }
                Err(err) => return Err(err),
            }
        }
    }

    async fn get_once(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let transport = |source: reqwest::Error| {
            if source.is_redirect() {
                // The policy's own words are the innermost cause.
                let mut reason = source.to_string();
                let mut cause = std::error::Error::source(&source);
                while let Some(inner) = cause {
                    reason = inner.to_string();
                    cause = inner.source();
                }
                return FetchError::Redirect {
                    url: url.to_string(),
                    reason,
                };
            }
            FetchError::Transport {
                url: url.to_string(),
                source,
            }
        };
        let mut response = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url.to_string(),
                status,
            });
        }
        let limit = self.config.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > limit {
                return Err(FetchError::TooLarge {
                    url: url.to_string(),
                    limit,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}
