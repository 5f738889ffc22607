//! Where a calculator request for an unseen workload spends its time, stage by stage, on
//! the real 400-model catalogue (`../shared/data/openrouter/models-2026-08-08.json`).
//!
//!   cargo run --release --example calculator_stages [iterations] [extra query]
//!
//! e.g. `… 300 '&sellers=all'` to price every seller. Each stage is run `iterations` times
//! (default 300) on distinct workloads and the median
//! is printed; the last line is the whole request through the router (cache miss, brotli).
//! A profiling aid, not a test: `bench/run.sh` is where throughput is measured.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use askama::Template;
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

use tokenfare::AppState;
use tokenfare::pricing::sellers;
use tokenfare::store::Store;
use tokenfare::web::extractors::calculator::parse;
use tokenfare::web::extractors::form::FieldErrors;
use tokenfare::web::extractors::params::Params;
use tokenfare::web::pages::calculator::{CalculatorPage, result_view, rows_shown};
use tokenfare::web::today;

const CATALOGUE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/openrouter/models-2026-08-08.json"
);
/// The official lists as `bench/run.sh` imports them, so `sellers=all` prices the makers and
/// clouds as the site does.
const OFFICIAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/official/daily/genai-prices-v2-2026-08-21.json.gz"
);

fn query(n: usize, extra: &str) -> String {
    format!(
        "requests={}&input_tokens={}&output_tokens={}&cache_hit={}&batch={}{extra}",
        100_000 + n,
        2000 + n % 3000,
        300 + n % 700,
        n % 80,
        n % 50
    )
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn report(stage: &str, times: Vec<Duration>) {
    println!("{stage:<44} {:>9.1} µs", median(times).as_secs_f64() * 1e6);
}

fn brotli(body: &[u8], quality: u32, lgwin: u32) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, quality, lgwin);
        writer.write_all(body).expect("in memory");
    }
    out
}

#[tokio::main]
async fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let extra = std::env::args().nth(2).unwrap_or_default();
    if !Path::new(CATALOGUE).exists() {
        eprintln!("{CATALOGUE} is missing: nothing to measure");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&dir.path().join("stages.db"))
        .await
        .expect("store");
    tokenfare::ingest::catalogue::ingest_file(&store, Path::new(CATALOGUE), None)
        .await
        .expect("ingest");
    tokenfare::ingest::official::ingest_file(&store, Path::new(OFFICIAL), None)
        .await
        .expect("official ingest");
    let state = AppState::load(store).await.expect("state");
    let catalogue = state.catalogue();

    let (mut t_parse, mut t_compute, mut t_view, mut t_render) = (vec![], vec![], vec![], vec![]);
    let mut page_html = String::new();
    for n in 0..iterations {
        let q = query(n, &extra);
        let start = Instant::now();
        let params = Params::parse(Some(&q));
        let (form, parsed) = parse(&params, &catalogue);
        let request = parsed.expect("valid workload");
        t_parse.push(start.elapsed());
        let start = Instant::now();
        let outcome = sellers::compute(
            &catalogue,
            &request.workload,
            &request.choice(),
            request.sellers,
            &request.filters,
            today(),
            rows_shown(&request),
        )
        .expect("priced");
        t_compute.push(start.elapsed());
        let start = Instant::now();
        let result = result_view(&catalogue, &form, &request, outcome);
        t_view.push(start.elapsed());
        let start = Instant::now();
        let page = CalculatorPage::build(
            &catalogue,
            form,
            FieldErrors::default(),
            Some(&request),
            Some(result),
        );
        page_html = page.render().expect("renders");
        t_render.push(start.elapsed());
    }
    report("parse the query and the form", t_parse);
    report("select + price (totals; 25 rows itemised)", t_compute);
    report("result_view (rows, summary)", t_view);
    report("CalculatorPage::build + askama render", t_render);
    println!("page: {} bytes of HTML", page_html.len());

    let body = page_html.as_bytes();
    for (quality, lgwin) in [
        (6, 22),
        (5, 22),
        (4, 22),
        (4, 16),
        (3, 16),
        (2, 16),
        (1, 22),
        (1, 16),
        (0, 22),
        (0, 16),
    ] {
        let times = (0..iterations.min(200))
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(brotli(body, quality, lgwin));
                start.elapsed()
            })
            .collect();
        let size = brotli(body, quality, lgwin).len();
        report(
            &format!("brotli q{quality} lgwin {lgwin} -> {size} bytes"),
            times,
        );
    }
    for level in [1, 6] {
        let times = (0..iterations.min(200))
            .map(|_| {
                let start = Instant::now();
                let mut e =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
                e.write_all(body).expect("in memory");
                std::hint::black_box(e.finish().expect("in memory"));
                start.elapsed()
            })
            .collect();
        report(&format!("gzip level {level}"), times);
    }

    let router = tokenfare::router(state.clone());
    let mut whole = vec![];
    for n in 0..iterations {
        let request = Request::get(format!("/calculator?{}", query(1_000_000 + n, &extra)))
            .header("host", "localhost")
            .header("accept-encoding", "br")
            .body(Body::empty())
            .expect("request");
        let start = Instant::now();
        let response = router.clone().oneshot(request).await.expect("infallible");
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        whole.push(start.elapsed());
        std::hint::black_box(bytes);
    }
    report("whole request through the router (miss, br)", whole);
}
