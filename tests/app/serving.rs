//! The server over real sockets: connection deadlines, shutdown, HEAD, conditional requests,
//! content negotiation, Host checks, the render gate and the page cache's key.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{self, TestApp};
use axum::http::{HeaderMap, HeaderValue};
use tokenfare::server::Limits;
use tokio::sync::watch;

/// A running in-process server; stops when dropped.
struct Served {
    addr: SocketAddr,
    _stop: watch::Sender<bool>,
}

async fn serve_router(router: axum::Router, limits: Limits) -> Served {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stop_rx) = watch::channel(false);
    tokio::spawn(tokenfare::server::serve(listener, router, limits, stop_rx));
    Served { addr, _stop: stop }
}

async fn serve(app: &TestApp, limits: Limits) -> Served {
    serve_router(tokenfare::router(app.state.clone()), limits).await
}

fn quick_limits() -> Limits {
    Limits {
        head_timeout: Duration::from_millis(800),
        stall_timeout: Duration::from_secs(2),
        ..Limits::default()
    }
}

/// One parsed HTTP/1.x response.
#[derive(Debug)]
struct Raw {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Raw {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends `request` as bytes on a new connection and reads one response (the connection is
/// closed by `Connection: close` or by the server).
async fn exchange(addr: SocketAddr, request: String) -> Raw {
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        parse_response(&bytes, request.starts_with("HEAD "))
    })
    .await
    .unwrap()
}

fn parse_response(bytes: &[u8], head: bool) -> Raw {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(bytes)));
    let head_text = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').unwrap();
        headers.append(
            axum::http::HeaderName::from_bytes(name.trim().as_bytes()).unwrap(),
            HeaderValue::from_str(value.trim()).unwrap(),
        );
    }
    let body = if head {
        Vec::new()
    } else {
        bytes[end + 4..].to_vec()
    };
    Raw {
        status,
        headers,
        body,
    }
}

/// A GET (or another method) with a Host, extra header lines, and `Connection: close`.
fn request(method: &str, path: &str, extra: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n")
}

/// How long until the server closes a connection on which `sent` was written; `None` if it
/// was still open after `limit`.
async fn closed_after(addr: SocketAddr, sent: &'static [u8], limit: Duration) -> Option<Duration> {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(limit)).unwrap();
        stream.write_all(sent).unwrap();
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf) {
                // The server may answer (408) before closing; keep reading to the close.
                Ok(0) => return Some(started.elapsed()),
                Ok(_) => continue,
                Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => {
                    return Some(started.elapsed());
                }
                Err(_) => return None,
            }
        }
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_sent_too_slowly_is_cut_off() {
    let app = TestApp::fixture().await;
    let served = serve(&app, quick_limits()).await;
    // Half a head, then nothing: closed once the 0.8 s head timeout passes.
    let half = closed_after(
        served.addr,
        b"GET /models HTTP/1.1\r\nHost: localhost\r\n",
        Duration::from_secs(5),
    )
    .await;
    assert!(
        half.is_some_and(|t| t >= Duration::from_millis(700) && t < Duration::from_secs(4)),
        "{half:?}"
    );
    // A socket that never sends a byte (before HTTP/1 or HTTP/2 is even detected) too.
    let silent = closed_after(served.addr, b"", Duration::from_secs(5)).await;
    assert!(
        silent.is_some_and(|t| t >= Duration::from_millis(700) && t < Duration::from_secs(4)),
        "{silent:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed() {
    let app = TestApp::fixture().await;
    let served = serve(&app, quick_limits()).await;
    let addr = served.addr;
    let (answered, closed) = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(b"GET /about HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 65536];
        let mut answered = None;
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    seen.extend_from_slice(&buf[..n]);
                    if answered.is_none() && seen.starts_with(b"HTTP/1.1 200") {
                        answered = Some(Instant::now());
                    }
                }
                Err(_) => return (answered.is_some(), None),
            }
        }
        (answered.is_some(), answered.map(|t| t.elapsed()))
    })
    .await
    .unwrap();
    assert!(answered, "the request was answered first");
    // Kept alive after the response, then closed by the 0.8 s idle limit (well before 5 s).
    assert!(
        closed.is_some_and(|t| t >= Duration::from_millis(600) && t < Duration::from_secs(4)),
        "{closed:?}"
    );
}

/// A child process, killed (and reaped) if the test ends before it exits.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn sigterm_with_a_stalled_client_exits_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_tokenfare"))
            .args(["--database"])
            .arg(dir.path().join("t.db"))
            .args(["serve", "--refresh-every", "off", "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    let mut up = false;
    while started.elapsed() < Duration::from_secs(30) && !up {
        up = TcpStream::connect(addr).is_ok();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(up, "the server came up (it loads the bundled snapshot)");
    // One client stalls halfway through a request head, another never sends anything.
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /models HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    let _silent = TcpStream::connect(addr).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut status = None;
    while signalled.elapsed() < Duration::from_secs(15) {
        if let Some(exit) = server.0.try_wait().unwrap() {
            status = Some(exit);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let took = signalled.elapsed();
    assert!(
        status.is_some_and(|s| s.success()) && took < Duration::from_secs(10),
        "exit {status:?} after {took:?}"
    );
}

/// Headers that must be the same on a GET and a HEAD of one URL (`date` may tick over).
fn comparable(headers: &HeaderMap) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| name.as_str() != "date" && name.as_str() != "connection")
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn head_answers_with_the_headers_of_get_and_no_body() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    for (path, encoding) in [
        ("/models", "br"),
        ("/models/acme/alpha", "gzip"),
        ("/api/models.csv", "identity"),
        ("/no/such/page", "br"),
        ("/models?sort=bogus", "br"),
    ] {
        let accept = format!("Accept-Encoding: {encoding}\r\n");
        // HEAD first, so it is the one that renders (a miss); then GET, which may be a hit.
        let head = exchange(served.addr, request("HEAD", path, &accept)).await;
        let get = exchange(served.addr, request("GET", path, &accept)).await;
        assert_eq!(head.status, get.status, "{path}");
        assert_eq!(
            comparable(&head.headers),
            comparable(&get.headers),
            "{path}"
        );
        assert_eq!(
            head.header("content-length"),
            Some(get.body.len().to_string().as_str()),
            "{path}: HEAD states the length of GET's body"
        );
        if get.status == 200 {
            assert!(
                head.header("etag").is_some() && head.header("vary").is_some(),
                "{path}"
            );
            assert!(head.header("cache-control").is_some(), "{path}");
            assert!(head.header("last-modified").is_some(), "{path}");
        }
    }
    // HEAD is served from the cache like GET: a page rendered by HEAD is not rendered again.
    let before = app.state.pages.page_count();
    exchange(served.addr, request("HEAD", "/ranking", "")).await;
    let after_head = app.state.pages.page_count();
    exchange(served.addr, request("GET", "/ranking", "")).await;
    assert_eq!(after_head, before + 1);
    assert_eq!(app.state.pages.page_count(), after_head);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_requests_are_judged_after_routing() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    let any = "If-None-Match: *\r\n";
    // No such page: `*` matches no current representation, and a 404 stays a 404.
    let missing = exchange(served.addr, request("GET", "/no/such/page", any)).await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("There is no page at"));
    let unknown_model = exchange(served.addr, request("GET", "/models/acme/nothing", any)).await;
    assert_eq!(unknown_model.status, 404);
    // A bad query is still the reader's mistake to see.
    let invalid = exchange(served.addr, request("GET", "/models?sort=bogus", any)).await;
    assert_eq!(invalid.status, 400);
    // An existing page: `*` matches, before and after it is cached.
    for _ in 0..2 {
        let page = exchange(served.addr, request("GET", "/models", any)).await;
        assert_eq!(page.status, 304);
        assert!(page.body.is_empty());
        assert!(page.header("etag").is_some());
    }
    // A weak form of our tag matches too (If-None-Match uses weak comparison).
    let page = exchange(served.addr, request("GET", "/about", "")).await;
    let etag = page.header("etag").unwrap().to_string();
    let weak = exchange(
        served.addr,
        request("GET", "/about", &format!("If-None-Match: W/{etag}\r\n")),
    )
    .await;
    assert_eq!(weak.status, 304);
    // If-Modified-Since at the Last-Modified time: not modified; a day before: the page.
    let modified = page.header("last-modified").unwrap().to_string();
    let since = exchange(
        served.addr,
        request(
            "GET",
            "/about",
            &format!("If-Modified-Since: {modified}\r\n"),
        ),
    )
    .await;
    assert_eq!(since.status, 304);
    let stale = exchange(
        served.addr,
        request(
            "GET",
            "/about",
            "If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n",
        ),
    )
    .await;
    assert_eq!(stale.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_encoding_is_read_as_rfc_9110_says() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    for (accept, expected) in [
        ("br;Q=0, gzip", Some("gzip")),
        ("br;q=0", None),
        ("gzip;q=1, br;q=0.1", Some("gzip")),
        ("gzip;q=0.5, br", Some("br")),
        ("identity;q=1, br;q=0.5", None),
        ("*", Some("br")),
        ("*;q=0.5, br;q=0", Some("gzip")),
        ("GZIP", Some("gzip")),
    ] {
        let page = exchange(
            served.addr,
            request("GET", "/models", &format!("Accept-Encoding: {accept}\r\n")),
        )
        .await;
        assert_eq!(page.status, 200, "{accept}");
        assert_eq!(page.header("content-encoding"), expected, "{accept}");
        assert_eq!(page.header("vary"), Some("Accept-Encoding"), "{accept}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_or_doubled_host_is_a_400_page() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    let cases = [
        ("GET /models HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
        (
            "GET /models HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n",
            400,
        ),
        (
            "GET /models HTTP/1.1\r\nHost: user@a.example\r\nConnection: close\r\n\r\n",
            400,
        ),
        // HTTP/1.0 predates Host; one valid Host with a port is fine.
        ("GET /models HTTP/1.0\r\n\r\n", 200),
        (
            "GET /models HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nConnection: close\r\n\r\n",
            200,
        ),
    ];
    for (raw, expected) in cases {
        let response = exchange(served.addr, raw.to_string()).await;
        assert_eq!(response.status, expected, "{raw:?}");
        if expected == 400 {
            let page = scraper::Html::parse_document(&response.text());
            let lead = scraper::Selector::parse("main p.lead").unwrap();
            let message: String = page.select(&lead).flat_map(|e| e.text()).collect();
            assert!(message.contains("Host"), "{raw:?}: {message}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_parameters_do_not_grow_the_cache() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    let first = exchange(served.addr, request("GET", "/models/acme/alpha", "")).await;
    assert_eq!(first.status, 200);
    let pages = app.state.pages.page_count();
    for n in 0..40 {
        let path = format!("/models/acme/alpha?junk={n}&utm_source=x{n}");
        let page = exchange(served.addr, request("GET", &path, "")).await;
        assert_eq!(page.status, 200);
        // The very same page, validator and all.
        assert_eq!(page.header("etag"), first.header("etag"));
        assert_eq!(page.body, first.body);
    }
    // Known parameters in another order, and unknown ones beside them, are one entry too.
    for path in [
        "/models?sort=input&author=acme",
        "/models?author=acme&sort=input",
        "/models?junk=1&author=acme&sort=input",
    ] {
        assert_eq!(
            exchange(served.addr, request("GET", path, "")).await.status,
            200
        );
    }
    assert_eq!(app.state.pages.page_count(), pages + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parameter_no_page_reads_is_served_from_the_canonical_pages_entry() {
    let app = TestApp::fixture().await;
    let renders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = renders.clone();
    // A different body per render, so a second render could not pass for the first.
    let counted = axum::routing::get(move || {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move { axum::response::Html(format!("render {n}")) }
    });
    let routes = axum::Router::new()
        .route("/counted", counted.clone())
        .route("/junk-first", counted);
    let router = tokenfare::web::with_layers(routes, app.state.clone());
    let served = serve_router(router, Limits::default()).await;
    let first = exchange(served.addr, request("GET", "/counted", "")).await;
    assert_eq!((first.status, first.text().as_str()), (200, "render 0"));
    for path in [
        "/counted?junk=1",
        "/counted?utm_source=news&utm_medium=mail",
        "/counted?junk",
        "/counted?%6Aunk=2",
    ] {
        let page = exchange(served.addr, request("GET", path, "")).await;
        assert_eq!(page.status, 200, "{path}");
        assert_eq!(page.text(), "render 0", "{path}");
        assert_eq!(page.header("etag"), first.header("etag"), "{path}");
    }
    // A junk URL asked for first renders the canonical page, which the plain URL then gets.
    let junk_first = exchange(served.addr, request("GET", "/junk-first?junk=1", "")).await;
    assert_eq!(junk_first.text(), "render 1");
    let plain = exchange(served.addr, request("GET", "/junk-first", "")).await;
    assert_eq!(plain.text(), "render 1");
    assert_eq!(renders.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_every_render_slot_is_taken_cached_pages_still_answer_and_the_rest_get_a_quick_503() {
    let mut app = TestApp::fixture().await;
    // One render slot, held by a page that takes 1.5 s to render.
    app.state.pages = Arc::new(tokenfare::web::middleware::PageCache::new(1 << 20, 1));
    let routes = axum::Router::new()
        .route(
            "/slow/{n}",
            axum::routing::get(|| async {
                std::thread::sleep(Duration::from_millis(1500));
                "slow"
            }),
        )
        .route(
            "/cached",
            axum::routing::get(|| async { axum::response::Html("cached") }),
        );
    let router = tokenfare::web::with_layers(routes, app.state.clone());
    let served = serve_router(router, Limits::default()).await;
    assert_eq!(
        exchange(served.addr, request("GET", "/cached", ""))
            .await
            .status,
        200
    );
    let addr = served.addr;
    let hog = tokio::spawn(exchange(addr, request("GET", "/slow/1", "")));
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The slot is taken: the cached page is served anyway ...
    let cached = exchange(addr, request("GET", "/cached", "")).await;
    assert_eq!((cached.status, cached.text().as_str()), (200, "cached"));
    // ... and another page that needs rendering waits at most the queue's wait, then is told
    // to retry.
    let started = Instant::now();
    let refused = exchange(addr, request("GET", "/slow/2", "")).await;
    let waited = started.elapsed();
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert!(waited < Duration::from_millis(1400), "{waited:?}");
    assert_eq!(hog.await.unwrap().status, 200);
    // What the metrics report of it: the one refusal (its wait ran out) and the one hit.
    let stats = app.state.pages.stats();
    assert_eq!(
        (
            stats.refused_queue_full,
            stats.refused_timed_out,
            stats.hits
        ),
        (0, 1, 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn characters_xml_forbids_in_a_model_name_leave_the_feed_well_formed() {
    let app = TestApp::fixture().await;
    // A day later alpha's price moves and its name carries U+FFFF, U+FFFE and a control
    // character (all valid in JSON, none allowed in XML 1.0).
    let changed = common::FIXTURE
        .replace("\"Acme: Alpha\"", "\"Acme: Al\\uffffpha\\ufffe\\u0001\"")
        .replace("\"prompt\": \"0.000001\"", "\"prompt\": \"0.000002\"");
    assert_ne!(
        changed,
        common::FIXTURE,
        "the fixture holds alpha's name and price"
    );
    app.ingest(&changed, "2026-08-09").await.unwrap();
    let served = serve(&app, Limits::default()).await;
    for path in ["/changes.atom", "/feeds/models/acme/alpha"] {
        let feed = exchange(served.addr, request("GET", path, "")).await;
        assert_eq!(feed.status, 200, "{path}");
        let text = feed.text();
        let document = roxmltree::Document::parse(&text)
            .unwrap_or_else(|err| panic!("{path} is not well-formed XML: {err}"));
        let all_text: String = document.descendants().filter_map(|n| n.text()).collect();
        assert!(
            all_text.contains("Alpha"),
            "{path}: the name, less what XML forbids"
        );
        assert!(!text.contains(['\u{FFFF}', '\u{FFFE}', '\u{1}']), "{path}");
    }
}

/// The query parameter names a page's forms and links use, by the path they point at.
fn parameters_used(page: &scraper::Html) -> Vec<(String, String)> {
    let mut used = Vec::new();
    let forms = scraper::Selector::parse("form[action]").unwrap();
    let fields = scraper::Selector::parse("input[name], select[name], textarea[name]").unwrap();
    for form in page.select(&forms) {
        let action = form.value().attr("action").unwrap_or_default();
        if !action.starts_with('/') {
            continue;
        }
        for field in form.select(&fields) {
            let name = field.value().attr("name").unwrap_or_default();
            used.push((action.to_string(), name.to_string()));
        }
    }
    let links = scraper::Selector::parse("a[href^='/']").unwrap();
    for link in page.select(&links) {
        let href = link.value().attr("href").unwrap_or_default();
        let href = href.split('#').next().unwrap_or_default();
        if let Some((path, query)) = href.split_once('?') {
            for (name, _) in form_urlencoded::parse(query.as_bytes()) {
                used.push((path.to_string(), name.into_owned()));
            }
        }
    }
    used
}

#[tokio::test]
async fn every_parameter_a_form_or_link_uses_is_one_the_cache_key_keeps() {
    let app = TestApp::fixture().await;
    let pages = [
        "/",
        "/models",
        "/models?author=acme&sort=input&dir=desc",
        "/models/acme/alpha",
        "/models/acme/alpha?tools=1&min_uptime=99",
        "/calculator",
        "/calculator?requests=1000&input_tokens=100&output_tokens=10",
        "/ranking",
        "/changes",
        "/compare?ids=acme/alpha,acme/beta",
        "/about",
        "/guide/why-prices-differ",
    ];
    let mut missing = Vec::new();
    for uri in pages {
        let page = app.get(uri).await;
        for (path, name) in parameters_used(&page.html()) {
            if !tokenfare::web::routes::known_params(&path).contains(&name.as_str()) {
                missing.push(format!("{uri}: {path}?{name}"));
            }
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "parameters missing from their query type's PARAMS (the cache would drop them): {missing:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_that_is_not_utf8_gets_our_error_page() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    for path in [
        "/feeds/models/%ff",
        "/models/acme/%C3%28",
        "/static/%ff.css",
    ] {
        let page = exchange(served.addr, request("GET", path, "")).await;
        assert_eq!(page.status, 400, "{path}");
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        let html = scraper::Html::parse_document(&page.text());
        let lead = scraper::Selector::parse("main p.lead").unwrap();
        let message: String = html.select(&lead).flat_map(|e| e.text()).collect();
        assert!(message.contains("not UTF-8"), "{path}: {message}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_414_page_names_the_part_of_the_address_that_is_too_long() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    let lead = |page: &Raw| {
        let html = scraper::Html::parse_document(&page.text());
        let lead = scraper::Selector::parse("main p.lead").unwrap();
        html.select(&lead)
            .flat_map(|e| e.text())
            .collect::<String>()
    };
    // A 3,000-byte path ("/models/" and 2,992 letters) against the 2,048-byte limit.
    let long_path = format!("/models/{}", "a".repeat(2992));
    let page = exchange(served.addr, request("GET", &long_path, "")).await;
    assert_eq!(page.status, 414);
    let message = lead(&page);
    assert!(
        message.contains("path is too long (3000 bytes)") && message.contains("2048"),
        "{message}"
    );
    // A 9,000-byte query string ("q=" and 8,998 letters) against the 8 KiB limit.
    let long_query = format!("/models?q={}", "a".repeat(8998));
    let page = exchange(served.addr, request("GET", &long_query, "")).await;
    assert_eq!(page.status, 414);
    let message = lead(&page);
    assert!(
        message.contains("query string is too long (9000 bytes)") && message.contains("8192"),
        "{message}"
    );
}

#[tokio::test]
async fn the_exports_name_where_the_served_data_came_from() {
    // The fixture is ingested as a saved file named "test fixture" (see `TestApp::ingest`).
    let app = TestApp::fixture().await;
    for uri in [
        "/api/models.json",
        "/calculator?requests=1000&input_tokens=100&output_tokens=10&format=json",
    ] {
        let source = app.get(uri).await.json()["source"].clone();
        assert_eq!(
            source, "OpenRouter /api/v1/models, from the saved file test fixture",
            "{uri}"
        );
    }
    // With no data at all there is no source to name.
    let empty = TestApp::empty().await;
    assert!(empty.get("/api/models.json").await.json()["source"].is_null());
}

/// What a browser sends when `form` is submitted as the page drew it: every enabled field by
/// name, with its current value (checked boxes only; a select's selected option, or its first
/// for a single select); buttons send nothing unless clicked.
fn submission(form: scraper::ElementRef<'_>) -> Vec<(String, String)> {
    let fields = scraper::Selector::parse("input[name], select[name], textarea[name]").unwrap();
    let options = scraper::Selector::parse("option").unwrap();
    let mut pairs = Vec::new();
    for field in form.select(&fields) {
        let element = field.value();
        let name = element.attr("name").unwrap_or_default().to_string();
        if element.attr("disabled").is_some() {
            continue;
        }
        match element.name() {
            "select" => {
                let all: Vec<_> = field.select(&options).collect();
                let selected: Vec<_> = all
                    .iter()
                    .filter(|o| o.value().attr("selected").is_some())
                    .collect();
                let chosen = match (selected.is_empty(), element.attr("multiple")) {
                    (false, _) => selected.into_iter().copied().collect(),
                    (true, None) => all.first().copied().into_iter().collect(),
                    (true, Some(_)) => Vec::new(),
                };
                for option in chosen {
                    let value = option
                        .value()
                        .attr("value")
                        .map(str::to_string)
                        .unwrap_or_else(|| option.text().collect::<String>().trim().to_string());
                    pairs.push((name.clone(), value));
                }
            }
            "textarea" => pairs.push((name, field.text().collect())),
            _ => {
                let kind = element.attr("type").unwrap_or("text");
                let value = element.attr("value").unwrap_or_default().to_string();
                match kind {
                    "submit" | "button" | "reset" | "image" => {}
                    "checkbox" | "radio" if element.attr("checked").is_none() => {}
                    "checkbox" | "radio" => {
                        pairs.push((name, element.attr("value").unwrap_or("on").to_string()))
                    }
                    _ => pairs.push((name, value)),
                }
            }
        }
    }
    pairs
}

fn url_of(action: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return action.to_string();
    }
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in pairs {
        query.append_pair(name, value);
    }
    format!("{action}?{}", query.finish())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_form_redirects_to_the_url_with_only_the_fields_set() {
    let app = TestApp::fixture().await;
    let served = serve(&app, Limits::default()).await;
    let get = |path: String| exchange(served.addr, request("GET", &path, ""));
    // The example a reader hit: a calculator form sent with blank fields.
    let sent =
        get("/calculator?requests=1000&input_tokens=800&min_context=&cache_hit=".into()).await;
    assert_eq!(sent.status, 303);
    assert_eq!(
        sent.header("location"),
        Some("/calculator?requests=1000&input_tokens=800")
    );
    let head = exchange(
        served.addr,
        request("HEAD", "/ranking?author=&index=&sort=price", ""),
    )
    .await;
    assert_eq!(
        (head.status, head.header("location")),
        (303, Some("/ranking?sort=price"))
    );
    // Every form of every page, submitted as drawn: blank fields go, the rest stay in order,
    // and the page they lead to answers.
    let pages = [
        "/",
        "/models",
        "/models/acme/alpha",
        "/calculator",
        "/calculator?requests=1000&input_tokens=100&output_tokens=10&ids=acme/alpha&sellers=all",
        "/ranking",
        "/changes",
        "/compare?ids=acme/alpha,acme/beta",
    ];
    let form_selector = scraper::Selector::parse("form[method=get][action^='/']").unwrap();
    let mut redirected = std::collections::BTreeSet::new();
    for page in pages {
        let drawn = get(page.to_string()).await;
        assert_eq!(drawn.status, 200, "{page}");
        let html = scraper::Html::parse_document(&drawn.text());
        for form in html.select(&form_selector) {
            // The fragment (`#providers`) stays in the browser; the request has none.
            let action = form.value().attr("action").unwrap_or_default();
            let action = action.split('#').next().unwrap_or_default();
            let pairs = submission(form);
            let set: Vec<_> = pairs
                .iter()
                .filter(|(_, value)| !value.trim().is_empty())
                .cloned()
                .collect();
            let submitted = get(url_of(action, &pairs)).await;
            if set.len() == pairs.len() {
                assert_ne!(submitted.status, 303, "{page}: {action} {pairs:?}");
                continue;
            }
            assert_eq!(submitted.status, 303, "{page}: {action} {pairs:?}");
            let location = url_of(action, &set);
            assert_eq!(
                submitted.header("location"),
                Some(location.as_str()),
                "{page}"
            );
            let landed = get(location.clone()).await;
            assert_eq!(landed.status, 200, "{page}: {location}");
            redirected.insert(action.to_string());
        }
    }
    // Each page with a form that sends blanks was seen to redirect (so none was skipped).
    for action in ["/models", "/calculator", "/ranking", "/changes"] {
        assert!(redirected.contains(action), "{action}: {redirected:?}");
    }
    // The model page's where-to-buy filters (drawn only for a model with provider data,
    // which the fixture's have not): what its form sends with one box ticked.
    let filters = get("/models/acme/alpha?dc=&hq=&min_uptime=&tools=1".into()).await;
    assert_eq!(
        (filters.status, filters.header("location")),
        (303, Some("/models/acme/alpha?tools=1"))
    );
}
