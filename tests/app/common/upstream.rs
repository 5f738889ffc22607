//! Fake upstreams on loopback for the tests that fetch through the real client: serving a
//! router on an ephemeral port, the replies an OpenRouter route can give, and a client with
//! short timeouts for it.

use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use serde_json::{Value, json};
use tokenfare::fetch::{ClientConfig, UpstreamClient};

/// What the fake answers on one route.
#[derive(Clone)]
pub enum Reply {
    Json(String),
    Status(u16),
    /// JSON cut off part-way (`truncated` is the body sent).
    Malformed,
    /// Holds the request for a minute: longer than any client timeout here.
    Hang,
}

impl Reply {
    /// The response; `truncated` is the body a [`Reply::Malformed`] sends.
    pub async fn respond(self, truncated: &'static str) -> Response {
        match self {
            Reply::Json(body) => json(body),
            Reply::Status(code) => StatusCode::from_u16(code)
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
                .into_response(),
            Reply::Malformed => json(truncated),
            Reply::Hang => {
                tokio::time::sleep(Duration::from_secs(60)).await;
                StatusCode::GATEWAY_TIMEOUT.into_response()
            }
        }
    }
}

/// `body` as an `application/json` response.
pub fn json(body: impl Into<String>) -> Response {
    ([("content-type", "application/json")], body.into()).into_response()
}

/// Serves `app` on an ephemeral loopback port; returns its origin, `http://127.0.0.1:PORT`.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// Serves `app` on an ephemeral loopback port; returns its API base URL (OpenRouter's
/// `/api/v1` under the origin).
pub async fn start(app: Router) -> String {
    format!("{}/api/v1", serve(app).await)
}

/// Serves OpenRouter's routes on loopback: `/models`, `/models/{id}/endpoints` (the handler
/// gets the path after `/models/`) and, when given, `/providers`. Returns the API base URL.
pub async fn start_openrouter<S: Clone + Send + Sync + 'static>(
    state: S,
    models: MethodRouter<S>,
    endpoints: MethodRouter<S>,
    providers: Option<MethodRouter<S>>,
) -> String {
    let mut app = Router::new()
        .route("/api/v1/models", models)
        .route("/api/v1/models/{*rest}", endpoints);
    if let Some(providers) = providers {
        app = app.route("/api/v1/providers", providers);
    }
    start(app.with_state(state)).await
}

/// The real client, pointed at `base`, giving up after `total` per request and retrying once.
pub fn client(base: &str, total: Duration) -> UpstreamClient {
    let mut config = ClientConfig::new(base);
    config.total_timeout = total;
    config.max_attempts = 2;
    config.first_backoff = Duration::from_millis(10);
    UpstreamClient::new(config).expect("client")
}

/// One endpoint as OpenRouter lists it: prices per token (with a cache-read price when
/// given), the quantization, a 200K window and 32K output, status 0, and uptime 100 %,
/// 99.95 % and 99.97 % over 5 minutes, 30 minutes and a day. Tests change what they need.
pub fn endpoint_json(
    provider: &str,
    tag: &str,
    prompt: &str,
    completion: &str,
    cache_read: Option<&str>,
    quantization: &str,
) -> Value {
    let mut pricing = json!({"prompt": prompt, "completion": completion, "discount": 0});
    if let Some(read) = cache_read {
        pricing["input_cache_read"] = json!(read);
    }
    json!({
        "name": format!("{provider} | model"), "provider_name": provider, "tag": tag,
        "pricing": pricing, "quantization": quantization, "context_length": 200000,
        "max_completion_tokens": 32000, "max_prompt_tokens": null, "status": 0,
        "uptime_last_5m": 100.0, "uptime_last_30m": 99.95, "uptime_last_1d": 99.97
    })
}
