//! `/usage`: a reader's own export, uploaded as `multipart/form-data` and read exactly. Each
//! format from our own fixtures (`tests/fixtures/usage/`, written from the documented
//! columns), gzipped or not, named by a file name that says nothing; every bad input with its
//! own answer; the limits of an upload (size, inflated size, two at a time); and nothing of
//! an upload in the answer's cache headers or the request log.

use std::convert::Infallible;
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use http_body::Frame;
use serde_json::Value;
use tokio::sync::mpsc;
use tower::ServiceExt;

use crate::common::{TestApp, TestResponse, with_host};

const BOUNDARY: &str = "tokenfare-test-boundary-7f3a9c";

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/usage/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// One form part: its field, the file name a browser sends with a file, its content.
struct Part<'a> {
    field: &'a str,
    filename: Option<&'a str>,
    content: &'a [u8],
}

/// The parts' head and tail around each part's content, as a browser writes the form.
fn form(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend(format!("--{BOUNDARY}\r\n").bytes());
        match part.filename {
            Some(name) => body.extend(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n",
                    part.field
                )
                .bytes(),
            ),
            None => body.extend(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n\r\n",
                    part.field
                )
                .bytes(),
            ),
        }
        body.extend(part.content);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

fn post(uri: &str, body: Body) -> Request<Body> {
    Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .unwrap()
}

/// Uploads `content` as the file field named `filename`, with the paste box left empty, as
/// a browser sends the form.
pub(crate) async fn upload(
    app: &TestApp,
    uri: &str,
    filename: &str,
    content: &[u8],
) -> TestResponse {
    let body = form(&[
        Part {
            field: "file",
            filename: Some(filename),
            content,
        },
        Part {
            field: "text",
            filename: None,
            content: b"",
        },
    ]);
    app.request(post(uri, Body::from(body))).await
}

/// The JSON reading of `content` uploaded as a file.
async fn reading(app: &TestApp, filename: &str, content: &[u8]) -> Value {
    let response = upload(app, "/usage?format=json", filename, content).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.json()
}

/// The traffic entry of `name` (and, when given, of where it ran).
fn entry<'a>(reading: &'a Value, name: &str, kind: Option<&str>) -> &'a Value {
    reading["traffic"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name && kind.is_none_or(|k| e["ran_at"]["kind"] == k))
        .unwrap_or_else(|| panic!("no entry {name} in {reading:#}"))
}

/// A request body sent a chunk at a time, for as long as the test holds the sender.
struct Trickle(mpsc::Receiver<Bytes>);

impl http_body::Body for Trickle {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| Ok(Frame::data(c))))
    }
}

fn trickle() -> (mpsc::Sender<Bytes>, Body) {
    let (sender, chunks) = mpsc::channel(1);
    (sender, Body::new(Trickle(chunks)))
}

/// An upload that has sent `head` and waits: the sender for the rest, and the answer to come.
type HalfSent = (
    mpsc::Sender<Bytes>,
    tokio::task::JoinHandle<Result<axum::response::Response, Infallible>>,
);

/// The mix fixture as the upload form's body.
fn mix_upload() -> Vec<u8> {
    let mix = fixture("mix.csv");
    form(&[Part {
        field: "file",
        filename: Some("mix.csv"),
        content: &mix,
    }])
}

async fn half_sent_upload(router: &axum::Router, head: &[u8]) -> HalfSent {
    let (sender, body) = trickle();
    let answer = tokio::spawn(
        router
            .clone()
            .oneshot(with_host(post("/usage?format=json", body))),
    );
    sender.send(Bytes::copy_from_slice(head)).await.unwrap();
    (sender, answer)
}

#[tokio::test]
async fn the_form_posts_a_file_or_pasted_text_as_multipart_and_says_nothing_is_kept() {
    let app = TestApp::fixture().await;
    let page = app.get("/usage").await;
    assert_eq!(page.status, StatusCode::OK);
    let form = "form[method=post][action='/usage'][enctype='multipart/form-data']";
    assert_eq!(page.texts(form).len(), 1, "{}", page.body);
    let accept = page.attrs(&format!("{form} input[type=file][name=file]"), "accept");
    assert_eq!(
        accept,
        vec![".csv,.json,.jsonl,.gz,text/csv,application/json,application/gzip"]
    );
    assert_eq!(page.texts(&format!("{form} textarea[name=text]")).len(), 1);
    assert_eq!(page.texts(&format!("{form} button[type=submit]")).len(), 1);
    let privacy = page.texts("#privacy").join(" ");
    assert!(
        privacy.contains("Nothing you upload is stored, logged or cached"),
        "{privacy}"
    );
    // No script: the form works without one.
    assert!(page.texts("script").is_empty());
}

/// Every format, from a file whose name says nothing of it, read as its fixture's rows say
/// (the figures worked out by hand from the fixture, in the comments); and the same file
/// gzipped, named `.csv`, reads the same.
#[tokio::test]
async fn each_format_is_told_from_its_content_and_read_exactly_gzipped_or_not() {
    let app = TestApp::fixture().await;
    struct Case {
        file: &'static str,
        format: &'static str,
        rows_read: u64,
        period: (&'static str, &'static str, u64),
        name: &'static str,
        kind: &'static str,
        /// requests (None: not in the export), uncached input, cache reads, 5-minute
        /// writes, 1-hour writes, output, batch requests.
        sums: (Option<u64>, u64, u64, u64, u64, u64, Option<u64>),
        export_cost: Option<&'static str>,
    }
    let cases = [
        Case {
            file: "openrouter-activity.csv",
            format: "openrouter-activity-csv",
            rows_read: 4,
            period: ("2026-02-01", "2026-02-10", 10),
            name: "openai/gpt-4o-2024-08-06",
            kind: "routed-provider",
            // (1200 − 200) + (5000 − 4096) uncached; 200 + 4096 cached; 350 + 500 out.
            sums: (Some(2), 1904, 4296, 0, 0, 850, Some(0)),
            // 0.00412 + 0.01234
            export_cost: Some("0.01646"),
        },
        Case {
            file: "openai-usage.csv",
            format: "openai-usage-csv",
            rows_read: 3,
            period: ("2025-10-05", "2025-10-06", 2),
            name: "gpt-4o-2024-08-06",
            kind: "first-party",
            // 10 + 5 requests; 53,440 + 1,000 uncached; 5,760 cached; 10,646 + 50 out.
            sums: (Some(15), 54_440, 5_760, 0, 0, 10_696, Some(0)),
            export_cost: None,
        },
        Case {
            file: "openai-usage-api.json",
            format: "openai-usage-api-json",
            rows_read: 2,
            period: ("2025-10-05", "2025-10-06", 2),
            name: "gpt-4.1-2025-04-14",
            kind: "first-party",
            sums: (Some(2), 400, 0, 0, 0, 20, Some(2)),
            export_cost: None,
        },
        Case {
            file: "anthropic-console.csv",
            format: "anthropic-console-csv",
            rows_read: 3,
            period: ("2026-03-22", "2026-03-23", 2),
            name: "claude-sonnet-4-20250514",
            kind: "first-party",
            // 100,000 + 250,000 uncached; 2,000 and 1,000 writes; 5,000 + 700 out.
            sums: (None, 350_000, 40_000, 2_000, 1_000, 5_700, None),
            export_cost: None,
        },
        Case {
            file: "anthropic-console-one-cache-write.csv",
            format: "anthropic-console-csv-one-cache-write",
            rows_read: 2,
            period: ("2025-06-01", "2025-06-02", 2),
            name: "claude-3-5-haiku-20241022",
            kind: "first-party",
            // The single cache-write column (400) counts as 5-minute writes.
            sums: (None, 1_500, 400, 400, 0, 100, None),
            export_cost: None,
        },
        Case {
            file: "anthropic-usage-report.json",
            format: "anthropic-usage-report-json",
            rows_read: 2,
            period: ("2026-03-01", "2026-03-02", 2),
            name: "claude-sonnet-4-20250514",
            kind: "first-party",
            // 1,200 + 260,000 uncached; 700 + 900 out.
            sums: (None, 261_200, 5_000, 300, 40, 1_600, None),
            export_cost: None,
        },
        Case {
            file: "litellm-spend-logs.csv",
            format: "litellm-spend-logs-csv",
            // Five data rows; the proxy's cache hit and the failed request are set aside
            // (counted in the notes), so `rows_read`, rows priced or unresolved, is 3.
            rows_read: 3,
            period: ("2025-01-15", "2025-01-17", 3),
            name: "gpt-4o",
            kind: "litellm",
            // (1,000 − 400 cached, from metadata) + 500 uncached; 300 + 100 out.
            sums: (Some(2), 1_100, 400, 0, 0, 400, Some(0)),
            // 0.0021 + 0.0009
            export_cost: Some("0.003"),
        },
        Case {
            file: "bedrock-invocations.jsonl",
            format: "bedrock-invocation-logs-jsonl",
            rows_read: 4,
            period: ("2026-01-05", "2026-01-07", 3),
            name: "us.anthropic.claude-sonnet-4-20250514-v1:0",
            kind: "cloud",
            // 1,000 + 600 uncached; 300 + 60 out.
            sums: (Some(2), 1_600, 5_000, 200, 0, 360, Some(0)),
            export_cost: None,
        },
        Case {
            file: "mix.csv",
            format: "tokenfare-mix-csv",
            rows_read: 3,
            period: ("2026-04-01", "2026-04-30", 30),
            name: "openai/gpt-4o-2024-08-06",
            kind: "unstated",
            // 120 + 30 requests, the 30 as batch.
            sums: (Some(150), 123_000, 27_000, 0, 0, 24_000, Some(30)),
            export_cost: None,
        },
    ];
    for case in cases {
        let content = fixture(case.file);
        let got = reading(&app, "usage-export.txt", &content).await;
        let file = case.file;
        assert_eq!(got["format"], case.format, "{file}");
        assert_eq!(got["rows_read"], case.rows_read, "{file}");
        assert_eq!(got["rows_skipped"], 0, "{file}: {:#}", got["skipped"]);
        assert_eq!(got["period"]["from"], case.period.0, "{file}");
        assert_eq!(got["period"]["to"], case.period.1, "{file}");
        assert_eq!(got["period"]["days"], case.period.2, "{file}");
        let e = entry(&got, case.name, Some(case.kind));
        let (requests, uncached, read, five, hour, output, batch) = case.sums;
        assert_eq!(e["requests"], serde_json::json!(requests), "{file}");
        assert_eq!(e["requests_known"], requests.is_some(), "{file}");
        assert_eq!(e["input_tokens"], uncached, "{file}");
        assert_eq!(e["cache_read_tokens"], read, "{file}");
        assert_eq!(e["cache_write_5m_tokens"], five, "{file}");
        assert_eq!(e["cache_write_1h_tokens"], hour, "{file}");
        assert_eq!(e["output_tokens"], output, "{file}");
        assert_eq!(e["batch_requests"], serde_json::json!(batch), "{file}");
        assert_eq!(
            e["export_cost"],
            serde_json::json!(case.export_cost),
            "{file}"
        );

        let gzipped = reading(&app, "usage.csv", &gzip(&content)).await;
        assert_eq!(gzipped, got, "{file} gzipped");
    }
}

#[tokio::test]
async fn where_it_ran_bands_and_set_aside_rows_are_read_as_the_exports_state_them() {
    let app = TestApp::fixture().await;
    // The fixture catalogue's only long-context threshold is 200,000 tokens.
    let openrouter = reading(&app, "a.csv", &fixture("openrouter-activity.csv")).await;
    let sonnet = entry(&openrouter, "anthropic/claude-4-sonnet-20250522", None);
    assert_eq!(sonnet["ran_at"]["detail"], "Google Vertex");
    // 300,000 prompt tokens: the band from the threshold, by the request's own prompt; the
    // 400 reasoning tokens are inside the 1,200 completion tokens.
    assert_eq!(sonnet["bands"][0]["prompt_tokens_from"], 200_000);
    assert_eq!(sonnet["bands"][0]["tier_by"], "request");
    assert_eq!(sonnet["output_tokens"], 1_200);
    let free = entry(&openrouter, "meta-llama/llama-3.3-70b-instruct", None);
    assert_eq!(free["variant"], "free");
    assert_eq!(free["export_cost"], "0");

    // "> 200k" is the band holding 200,001 tokens, by the export's own marker.
    let console = reading(&app, "b.csv", &fixture("anthropic-console.csv")).await;
    let bands = &entry(&console, "claude-sonnet-4-20250514", None)["bands"];
    assert_eq!(bands[0]["batch"], false);
    assert_eq!(bands[0]["prompt_tokens_from"], 0);
    assert_eq!(bands[1]["batch"], true);
    assert_eq!(bands[1]["prompt_tokens_from"], 200_000);
    assert_eq!(bands[1]["tier_by"], "export-marker");

    let bedrock = reading(&app, "c.txt", &fixture("bedrock-invocations.jsonl")).await;
    let global = entry(
        &bedrock,
        "global.anthropic.claude-sonnet-4-20250514-v1:0",
        None,
    );
    assert_eq!(global["ran_at"]["kind"], "cloud");
    assert_eq!(global["ran_at"]["seller_key"], "aws:global");
    let arn = "arn:aws:bedrock:eu-west-1:111122223333:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0";
    assert_eq!(entry(&bedrock, arn, None)["ran_at"]["detail"], "eu-west-1");
    // An ARN of a geography's profile is billed in-region.
    assert_eq!(
        entry(&bedrock, arn, None)["ran_at"]["seller_key"],
        "aws:in-region"
    );

    let litellm = reading(&app, "d.csv", &fixture("litellm-spend-logs.csv")).await;
    assert_eq!(litellm["notes"]["proxy_cache_hits"], 1);
    assert_eq!(litellm["notes"]["failed_requests"], 1);

    // 4 of the 4 gpt-4o-mini requests ran as batch; the bucket's average prompt (2,000)
    // decides its band.
    let openai = reading(&app, "e.csv", &fixture("openai-usage.csv")).await;
    let mini = entry(&openai, "gpt-4o-mini-2024-07-18", None);
    assert_eq!(mini["batch_requests"], 4);
    assert_eq!(mini["bands"][0]["tier_by"], "bucket-average");
}

#[tokio::test]
async fn pasted_text_is_read_like_a_file_when_no_file_is_chosen() {
    let app = TestApp::fixture().await;
    let text = fixture("mix.csv");
    // A browser sends the empty file input as a part with an empty file name.
    let body = form(&[
        Part {
            field: "file",
            filename: Some(""),
            content: b"",
        },
        Part {
            field: "text",
            filename: None,
            content: &text,
        },
    ]);
    let response = app.request(post("/usage", Body::from(body))).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(response.texts("#format"), vec!["tokenfare usage mix (CSV)"]);
    assert_eq!(response.texts("#rows-read"), vec!["3"]);
    assert_eq!(
        response.texts("#period"),
        vec!["1 Apr 2026 – 30 Apr 2026 (30 days)"]
    );
    let models = response.texts("table.traffic tbody th code");
    assert_eq!(
        models,
        vec!["claude-sonnet-4-20250514", "openai/gpt-4o-2024-08-06"]
    );

    let empty = form(&[Part {
        field: "text",
        filename: None,
        content: b"",
    }]);
    let response = app.request(post("/usage", Body::from(empty))).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
    assert!(
        response.body.contains("both were empty"),
        "{}",
        response.body
    );
}

const OPENROUTER_HEADER: &str = "generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,byok_usage_inference,tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,provider_name,variant,cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,generation_time_ms,time_to_first_token_ms,api_key_disabled,api_key_name,app_name";

fn openrouter_row(prompt: &str, completion: &str, app_name: &str) -> String {
    format!(
        "gen-1,2026-02-01 09:15:02.120,0.001,0,0,0,0,{prompt},{completion},0,0,openai/gpt-4o-2024-08-06,OpenAI,standard,false,true,u,stop,stop,1,1,false,k,{app_name}\n"
    )
}

#[tokio::test]
async fn fractional_and_negative_counts_are_skipped_rows_listed_by_line_never_guessed() {
    let app = TestApp::fixture().await;
    let text = format!(
        "{OPENROUTER_HEADER}\n{}{}{}",
        openrouter_row("12.5", "10", "a"),
        openrouter_row("100", "-3", "b"),
        openrouter_row("100.0", "10", "c"),
    );
    let got = reading(&app, "a.csv", text.as_bytes()).await;
    assert_eq!(
        (got["rows_read"].as_u64(), got["rows_skipped"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(got["skipped"][0]["line"], 2);
    assert_eq!(
        got["skipped"][0]["reason"],
        "tokens_prompt is not a whole number (12.5): token counts are never fractional"
    );
    assert_eq!(got["skipped"][1]["line"], 3);
    assert_eq!(
        got["skipped"][1]["reason"],
        "tokens_completion is negative (-3)"
    );
    // Only the readable row counts: 100 tokens, read exactly from "100.0".
    assert_eq!(
        entry(&got, "openai/gpt-4o-2024-08-06", None)["input_tokens"],
        100
    );
}

#[tokio::test]
async fn a_row_over_64_kb_is_a_skipped_row_and_the_rows_after_it_are_read() {
    let app = TestApp::fixture().await;
    let long = "x".repeat(70_000);
    let text = format!(
        "{OPENROUTER_HEADER}\n{}{}",
        openrouter_row("100", "10", &format!("\"{long}\"")),
        openrouter_row("200", "10", "after"),
    );
    let got = reading(&app, "a.csv", text.as_bytes()).await;
    assert_eq!(got["rows_read"], 1);
    assert_eq!(got["skipped"][0]["line"], 2);
    assert_eq!(got["skipped"][0]["reason"], "the row is longer than 64 KB");
    assert_eq!(
        entry(&got, "openai/gpt-4o-2024-08-06", None)["input_tokens"],
        200
    );
}

#[tokio::test]
async fn a_file_in_no_format_is_a_400_naming_the_formats_and_its_first_line_escaped() {
    let app = TestApp::fixture().await;
    let file = b"<script>alert(1)</script>;date;tokens\n1;2;3\n";
    let page = upload(&app, "/usage", "usage.csv", file).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    let message = page.texts("main").join(" ");
    assert!(
        message.contains("Its first line is: <script>alert(1)</script>;date;tokens"),
        "{message}"
    );
    for name in [
        "OpenRouter activity export (CSV)",
        "OpenAI Usage API (JSON)",
        "Anthropic Console usage export (CSV)",
        "LiteLLM spend logs (CSV)",
        "Amazon Bedrock model invocation logs (JSON lines)",
        "tokenfare usage mix (CSV)",
    ] {
        assert!(message.contains(name), "{name} in {message}");
    }

    let json = upload(&app, "/usage?format=json", "usage.csv", file).await;
    assert_eq!(json.status, StatusCode::BAD_REQUEST);
    assert!(
        json.json()["error"]["fields"]["file"]
            .as_str()
            .unwrap()
            .ends_with("Its first line is: <script>alert(1)</script>;date;tokens")
    );
}

#[tokio::test]
async fn an_upload_over_64_mb_is_refused_by_its_length_before_any_of_it_is_read() {
    let app = TestApp::fixture().await;
    // A body that never arrives: only an answer that does not wait for it comes back.
    let (_held, body) = trickle();
    let mut request = post("/usage?format=json", body);
    request.headers_mut().insert(
        header::CONTENT_LENGTH,
        (64u64 * 1024 * 1024 + 1).to_string().parse().unwrap(),
    );
    let response = tokio::time::timeout(Duration::from_secs(10), app.request(request))
        .await
        .expect("answered without reading the body");
    assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers[header::CACHE_CONTROL], "no-store");
    let message = response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("This upload is larger than 64 MB"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_streams_past_64_mb_without_saying_its_length_is_cut_off() {
    let app = TestApp::fixture().await;
    let (sender, body) = trickle();
    let request = post("/usage?format=json", body);
    // A mix whose one row never ends: the reader reads on, so the limit is what stops it.
    tokio::spawn(async move {
        let head = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.csv\"\r\n\r\n\
             model,requests,input_tokens,cache_read_tokens,cache_write_5m_tokens,cache_write_1h_tokens,output_tokens,batch_requests,prompt_tokens_from\n\""
        );
        let chunks = std::iter::once(Bytes::from(head))
            .chain(std::iter::repeat_n(Bytes::from(vec![b'x'; 1 << 20]), 66));
        for chunk in chunks {
            if sender.send(chunk).await.is_err() {
                return;
            }
        }
    });
    let response = tokio::time::timeout(Duration::from_secs(120), app.request(request))
        .await
        .expect("answered");
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.body
    );
    assert!(response.body.contains("64 MB"));
}

#[tokio::test]
async fn a_gzip_bomb_is_refused_once_it_inflates_past_512_mb() {
    let app = TestApp::fixture().await;
    // 520 MB of zeros in about half a megabyte: one compressed megabyte repeated as
    // concatenated gzip members, which a gzip reader reads on through.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![0u8; 1 << 20]).unwrap();
    let bomb = encoder.finish().unwrap().repeat(520);
    assert!(bomb.len() < 1 << 20);
    let response = upload(&app, "/usage?format=json", "usage.csv.gz", &bomb).await;
    assert_eq!(
        response.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        response.body
    );
    let message = response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("This file, uncompressed, is larger than 512 MB"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_upload_while_two_are_being_read_is_turned_away_with_retry_after() {
    let app = TestApp::fixture().await;
    // One router, as one server: the two slots are its own.
    let router = tokenfare::router(app.state.clone());
    let whole = mix_upload();
    let (head, tail) = whole.split_at(whole.len() / 2);
    let mut held = Vec::new();
    for _ in 0..2 {
        let (sender, answer) = half_sent_upload(&router, head).await;
        // The channel holds one chunk: this second send returns once the first was taken,
        // that is once the upload is being read.
        sender.send(Bytes::new()).await.unwrap();
        held.push((sender, answer));
    }

    let third = router
        .clone()
        .oneshot(with_host(post(
            "/usage?format=json",
            Body::from(whole.clone()),
        )))
        .await
        .unwrap();
    assert_eq!(third.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(third.headers()[header::RETRY_AFTER], "5");
    assert_eq!(third.headers()[header::CACHE_CONTROL], "no-store");

    for (sender, answer) in held {
        sender.send(Bytes::copy_from_slice(tail)).await.unwrap();
        drop(sender);
        let response = answer.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // Both slots are free again.
    let fourth = router
        .oneshot(with_host(post("/usage?format=json", Body::from(whole))))
        .await
        .unwrap();
    assert_eq!(fourth.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_goes_silent_is_cut_off_and_gives_its_slot_back() {
    let app = TestApp::fixture().await;
    let router = tokenfare::router(app.state.clone());
    let whole = mix_upload();
    let (head, _) = whole.split_at(whole.len() / 2);
    // Two clients send half a file each and then nothing, their connections left open.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        stalled.push(half_sent_upload(&router, head).await);
    }
    // Each is answered after its silence, long before the two minutes an upload may take.
    for (_sender, answer) in stalled {
        let response = tokio::time::timeout(Duration::from_secs(40), answer)
            .await
            .expect("a silent upload is cut off within 40 s")
            .unwrap()
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }
    // And the slots they held take the next upload.
    let next = router
        .oneshot(with_host(post("/usage?format=json", Body::from(whole))))
        .await
        .unwrap();
    assert_eq!(next.status(), StatusCode::OK);
}

/// A client that keeps an upload alive with a byte now and then (a slow-loris trickle) is cut
/// off like a silent one: an upload must send 64 KB in every 10 s until it ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_trickles_a_byte_at_a_time_is_cut_off_too() {
    let app = TestApp::fixture().await;
    let router = tokenfare::router(app.state.clone());
    let whole = mix_upload();
    let (head, tail) = whole.split_at(whole.len() / 2);
    let (sender, answer) = half_sent_upload(&router, head).await;
    let tail = tail.to_vec();
    let trickle = tokio::spawn(async move {
        for byte in tail {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if sender.send(Bytes::from(vec![byte])).await.is_err() {
                break;
            }
        }
    });
    let response = tokio::time::timeout(Duration::from_secs(40), answer)
        .await
        .expect("a trickling upload is cut off within 40 s")
        .unwrap()
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    trickle.abort();
}

#[tokio::test]
async fn every_answer_to_an_upload_is_no_store_and_other_requests_keep_their_16_kb_body() {
    let app = TestApp::fixture().await;
    let mix = fixture("mix.csv");
    for uri in ["/usage", "/usage?format=json"] {
        let response = upload(&app, uri, "mix.csv", &mix).await;
        assert_eq!(response.status, StatusCode::OK);
        assert_eq!(response.headers[header::CACHE_CONTROL], "no-store", "{uri}");
    }
    let bad = app
        .request(post("/usage?format=xml", Body::from(form(&[]))))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.headers[header::CACHE_CONTROL], "no-store");

    // The form page itself is an ordinary page.
    let page = app.get("/usage").await;
    assert!(
        page.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );

    let big = app
        .request(
            Request::get("/about")
                .body(Body::from(vec![b'x'; 17 * 1024]))
                .unwrap(),
        )
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(big.body.contains("larger than 16 KB"), "{}", big.body);
    let other_post = app
        .request(Request::post("/about").body(Body::empty()).unwrap())
        .await;
    assert_eq!(other_post.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// Captures what a log subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every level of every target on this test's thread (see `request_log.rs` for why the
/// call sites are first reached under a subscriber that discards what it gets).
#[tokio::test(flavor = "current_thread")]
async fn the_request_log_never_holds_what_was_uploaded() {
    let app = TestApp::fixture().await;
    let subscriber = |into: Captured| {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(move || into.clone())
            .with_ansi(false)
            .finish()
    };
    let marker = "SECRET-MARKER-4711";
    let file = format!(
        "model,requests,input_tokens,cache_read_tokens,cache_write_5m_tokens,cache_write_1h_tokens,output_tokens,batch_requests,prompt_tokens_from\n{marker},1,2,0,0,0,1,0,0\n"
    );
    let warm_up = tracing::subscriber::set_default(subscriber(Captured::default()));
    upload(&app, "/usage", "warm.csv", file.as_bytes()).await;
    upload(&app, "/usage", "warm.csv", b"no format\n").await;
    drop(warm_up);

    let captured = Captured::default();
    let guard = tracing::subscriber::set_default(subscriber(captured.clone()));
    tracing::callsite::rebuild_interest_cache();
    let answer = upload(&app, "/usage", "usage.csv", file.as_bytes()).await;
    let refused = upload(
        &app,
        "/usage",
        "usage.csv",
        format!("{marker};x\n").as_bytes(),
    )
    .await;
    drop(guard);
    assert_eq!(answer.status, StatusCode::OK);
    assert!(
        answer.body.contains(marker),
        "the answer shows the reader their own data"
    );
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("path=/usage"),
        "the requests were logged: {log}"
    );
    assert!(!log.contains(marker), "{log}");
}

#[test]
fn a_reading_written_as_our_mix_reads_back_to_the_same_traffic() {
    use tokenfare::usage::{Thresholds, read, write_mix};
    let thresholds = Thresholds::new([200_001, 272_000]);
    for file in [
        "openrouter-activity.csv",
        "anthropic-console.csv",
        "bedrock-invocations.jsonl",
        "mix.csv",
    ] {
        let first = read(&fixture(file)[..], &thresholds).unwrap();
        let mix = write_mix(&first);
        let again = read(mix.as_bytes(), &thresholds).unwrap();
        assert_eq!(again.period, first.period, "{file}");
        // The mix does not say where traffic ran, so entries of one name at several
        // places come back as one: compare sums per name, variant, batch and band.
        let by_band = |reading: &tokenfare::usage::Reading| {
            let mut sums = std::collections::BTreeMap::new();
            for entry in &reading.traffic {
                for band in &entry.bands {
                    let key = (
                        entry.name.clone(),
                        entry.variant.clone(),
                        band.batch,
                        band.prompt_tokens_from,
                        band.requests_known,
                    );
                    let total: &mut tokenfare::usage::Sums = sums.entry(key).or_default();
                    *total = total.checked_add(&band.sums).unwrap();
                }
            }
            sums
        };
        assert_eq!(by_band(&again), by_band(&first), "{file}");
        assert!(!by_band(&first).is_empty(), "{file}");
    }
}

/// A POST that is not a form upload (a plain or urlencoded body, or multipart without its
/// boundary) gets the site's 400 page saying how to send the file, not the extractor's
/// one-line plain text.
#[tokio::test]
async fn a_post_that_is_not_a_form_upload_is_told_how_to_send_the_file() {
    let app = TestApp::fixture().await;
    for content_type in [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data",
    ] {
        let response = app
            .request(
                Request::post("/usage")
                    .header(header::CONTENT_TYPE, content_type)
                    .body(Body::from("file=abc"))
                    .unwrap(),
            )
            .await;
        assert_eq!(response.status, StatusCode::BAD_REQUEST, "{content_type}");
        assert!(
            response.body.contains("form upload (multipart/form-data)")
                && response.body.contains("<html"),
            "{content_type}: {}",
            response.body
        );
        assert_eq!(response.headers[header::CACHE_CONTROL], "no-store");
    }
}
