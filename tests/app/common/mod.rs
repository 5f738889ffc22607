//! What every test module shares: a fresh database per test, in-process requests, parsed
//! HTML, the fixture catalogue and the edits tests make to it, and (in `upstream`) a fake
//! OpenRouter on loopback.

pub mod upstream;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tempfile::TempDir;
use tokenfare::AppState;
use tokenfare::store::{Delivery, Store};
use tower::ServiceExt;

/// Our hand-written fixture catalogue (12 listings, 5 authors).
pub const FIXTURE: &str = include_str!("../../fixtures/catalogue.json");

/// The fixture catalogue with `edit` applied to its list of model records.
pub fn fixture_with(edit: impl FnOnce(&mut Vec<Value>)) -> String {
    let mut value: Value = serde_json::from_str(FIXTURE).unwrap();
    edit(value["data"].as_array_mut().unwrap());
    value.to_string()
}

/// A music model as OpenRouter lists one: it makes audio, so its "0" token prices mean it
/// is billed per song, not that it is free.
const MUSIC: &str = r#"{"id": "tunes/song-1", "name": "Tunes: Song 1", "context_length": 32000,
   "architecture": {"input_modalities": ["text"], "output_modalities": ["text", "audio"]},
   "pricing": {"prompt": "0", "completion": "0"},
   "benchmarks": {"artificial_analysis": {"intelligence_index": 70}}},
  "#;

/// The fixture catalogue with the music model `tunes/song-1` listed first.
pub fn fixture_with_music() -> String {
    let catalogue = FIXTURE.replacen("\"data\": [\n", &format!("\"data\": [\n  {MUSIC}"), 1);
    assert_ne!(catalogue, FIXTURE, "the music model was added");
    catalogue
}

/// The one number `sql` (a `SELECT COUNT(*) …` or the like) returns from the test database.
pub async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.store.pool())
        .await
        .unwrap()
}

pub struct TestApp {
    pub state: AppState,
    pub store: Store,
    pub dir: TempDir,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn html(&self) -> scraper::Html {
        scraper::Html::parse_document(&self.body)
    }

    /// Trimmed, whitespace-collapsed text of every element matching `css`.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).expect("valid selector");
        self.html()
            .select(&selector)
            .map(|e| e.text().collect::<Vec<_>>().join(" "))
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect()
    }

    /// The value of `attr` on every element matching `css`.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let selector = scraper::Selector::parse(css).expect("valid selector");
        self.html()
            .select(&selector)
            .filter_map(|e| e.value().attr(attr).map(str::to_string))
            .collect()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("JSON body")
    }
}

impl TestApp {
    /// An empty, migrated database.
    pub async fn empty() -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(&dir.path().join("test.db"))
            .await
            .expect("open store");
        let state = AppState::load(store.clone()).await.expect("load state");
        TestApp { state, store, dir }
    }

    /// A database holding `body` ingested as of `date`.
    pub async fn with_catalogue(body: &str, date: &str) -> TestApp {
        let app = TestApp::empty().await;
        app.ingest(body, date).await.expect("fixture ingests");
        app
    }

    /// The fixture catalogue as of 2026-08-08.
    pub async fn fixture() -> TestApp {
        TestApp::with_catalogue(FIXTURE, "2026-08-08").await
    }

    pub async fn ingest(
        &self,
        body: &str,
        date: &str,
    ) -> Result<tokenfare::ingest::catalogue::Summary, tokenfare::ingest::catalogue::IngestError>
    {
        let as_of = tokenfare::store::parse_as_of(date).expect("date");
        let result = tokenfare::ingest::catalogue::ingest_body(
            &self.store,
            body.as_bytes(),
            Delivery::File,
            "test fixture",
            as_of,
        )
        .await;
        self.state.reload().await.expect("reload");
        result
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).expect("request"))
            .await
    }

    /// `GET uri` with one request header, e.g. `If-None-Match`.
    pub async fn get_with(&self, uri: &str, name: &str, value: &str) -> TestResponse {
        self.request(
            Request::get(uri)
                .header(name, value)
                .body(Body::empty())
                .expect("request"),
        )
        .await
    }

    /// Sends `request` as a browser would: with a `Host` header unless it has one.
    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let request = with_host(request);
        let response = tokenfare::router(self.state.clone())
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }
}

/// `request` with `Host: localhost` added if it has no Host header (HTTP/1.1 requires one).
pub fn with_host(mut request: Request<Body>) -> Request<Body> {
    if !request.headers().contains_key(axum::http::header::HOST) {
        request.headers_mut().insert(
            axum::http::header::HOST,
            axum::http::HeaderValue::from_static("localhost"),
        );
    }
    request
}
