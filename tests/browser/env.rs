//! The world the browser tests run in: a fake OpenRouter on loopback, a database filled through
//! the real `tokenfare` binary, that binary serving on 127.0.0.1, and chromedriver driving a
//! headless Chromium with a fresh profile per session.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::Path as UrlPath;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tempfile::TempDir;
use thirtyfour::prelude::*;
use thirtyfour::{ChromiumLikeCapabilities, LoggingPrefsLogLevel};

/// Our hand-written fixture catalogue: OpenRouter's `/models` today.
pub const FIXTURE: &str = include_str!("../fixtures/catalogue.json");
/// The hand-written catalogue of real model ids that the official feed fixture prices
/// (Claude Opus 4.8 at the maker, two Bedrock rows and Vertex), and that feed.
const OFFICIAL_CATALOGUE: &str = include_str!("../fixtures/official/catalogue.json");
const OFFICIAL_FEED: &str = include_str!("../fixtures/official/feed.json");
/// The model the official site sells through four OpenRouter providers and its official rows.
pub const OPUS: &str = "anthropic/claude-opus-4.8";

/// Flags that suit a closed network and a container without a GPU or a big /dev/shm.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-extensions",
    // Otherwise a crash handler per browser outlives the session, outside our process group.
    "--disable-crash-reporter",
    "--disable-breakpad",
];

/// The phone the layout flow emulates: an ordinary 390 CSS px wide handset.
pub const PHONE_WIDTH: u32 = 390;
const PHONE_HEIGHT: u32 = 844;
const DESKTOP: (u32, u32) = (1280, 900);

/// How many days before today the older listing is dated, so history has two points.
const HISTORY_DAYS_BACK: i64 = 6;

/// A child process (in a process group of its own, so whatever it starts goes with it) that is
/// stopped, TERM then KILL, when dropped.
struct Process {
    name: &'static str,
    child: Child,
}

impl Process {
    fn spawn(name: &'static str, command: &mut Command) -> Result<Process> {
        let child = command
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {name} ({command:?})"))?;
        Ok(Process { name, child })
    }

    fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if !self.is_running() {
            return;
        }
        // The group's id is the child's id: this reaches chromedriver's browsers too.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !self.is_running() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("{} did not stop on SIGTERM; killing it", self.name);
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// An unused loopback port (free when asked; nothing else on this machine races for it in practice).
fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `name` on the PATH, unless the environment variable `var` names the program.
fn program(var: &str, names: &[&str]) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    bail!(
        "{} not found (set {var}, or install it: `bash .ci/browser.sh` runs apt-get install chromium chromium-driver)",
        names.join(" or ")
    )
}

/// Polls `url` until it answers 200, or fails after `limit`.
async fn wait_until_up(url: &str, limit: Duration, process: &mut Process) -> Result<()> {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(response) = client.get(url).send().await
            && response.status().is_success()
        {
            return Ok(());
        }
        if !process.is_running() {
            bail!("{} exited before answering {url}", process.name);
        }
        if Instant::now() > deadline {
            bail!("{} did not answer {url} within {limit:?}", process.name);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The fixture as it stood a few days ago: Gamma's input was dearer, Beta's output cheaper,
/// and Zeta was not listed yet — so history, the changes page and the chart have something to show.
fn older_listing() -> Result<String> {
    let mut catalogue: Value = serde_json::from_str(FIXTURE)?;
    let models = catalogue["data"]
        .as_array_mut()
        .context("fixture has a data array")?;
    models.retain(|m| m["id"] != "initech/zeta");
    for model in models.iter_mut() {
        match model["id"].as_str() {
            Some("globex/gamma") => model["pricing"]["prompt"] = json!("0.0000035"),
            Some("acme/beta") => model["pricing"]["completion"] = json!("0.0000006"),
            _ => {}
        }
    }
    Ok(catalogue.to_string())
}

fn endpoint(
    provider: &str,
    prompt: &str,
    completion: &str,
    quantization: &str,
    context: &Value,
) -> Value {
    json!({
        "name": format!("{provider} | model"), "provider_name": provider,
        "tag": provider.to_lowercase(),
        "pricing": {"prompt": prompt, "completion": completion, "discount": 0},
        "quantization": quantization, "context_length": context,
        "max_completion_tokens": 64000, "max_prompt_tokens": null, "status": 0,
        "uptime_last_5m": 100.0, "uptime_last_30m": 99.9, "uptime_last_1d": 99.8
    })
}

/// Provider lists the fake returns. Gamma has three providers (one cheaper than the routed
/// price); every other model has one, at its routed price.
fn endpoints_for(id: &str) -> Option<Value> {
    let endpoints = |context: &Value| {
        vec![
            endpoint("Globex", "0.000003", "0.000015", "unknown", context),
            endpoint("Cloudco", "0.0000025", "0.0000125", "bf16", context),
            endpoint("Fastco", "0.000004", "0.00002", "fp8", context),
        ]
    };
    endpoints_in(FIXTURE, id, (id == "globex/gamma").then_some(endpoints))
}

/// The official site's provider lists: Claude Opus 4.8 at four providers, as OpenRouter lists
/// the model at the maker and the clouds (list prices $5/$25 with cache prices) plus Cirrus,
/// an invented European provider a little cheaper; every other model at one, its routed price.
fn official_endpoints_for(id: &str) -> Option<Value> {
    let endpoints = |context: &Value| {
        [
            (
                "Anthropic",
                "anthropic",
                "0.000005",
                "0.000025",
                "0.0000005",
            ),
            (
                "Amazon Bedrock",
                "amazon-bedrock",
                "0.000005",
                "0.000025",
                "0.0000005",
            ),
            (
                "Google",
                "google-vertex",
                "0.000005",
                "0.000025",
                "0.0000005",
            ),
            ("Cirrus", "cirrus", "0.0000045", "0.0000225", "0.00000045"),
        ]
        .into_iter()
        .map(|(provider, tag, prompt, completion, cache_read)| {
            let mut e = endpoint(provider, prompt, completion, "unknown", context);
            e["tag"] = json!(tag);
            e["pricing"]["input_cache_read"] = json!(cache_read);
            e["pricing"]["input_cache_write"] = json!("0.00000625");
            e["supported_parameters"] = json!([
                "max_tokens",
                "reasoning",
                "structured_outputs",
                "tool_choice",
                "tools"
            ]);
            e["supports_implicit_caching"] = json!(false);
            e
        })
        .collect()
    };
    endpoints_in(OFFICIAL_CATALOGUE, id, (id == OPUS).then_some(endpoints))
}

/// Model `id` of `catalogue` at the endpoints `many` builds from its context window, or else at
/// one provider, Origin, at its routed price.
fn endpoints_in(
    catalogue: &str,
    id: &str,
    many: Option<impl Fn(&Value) -> Vec<Value>>,
) -> Option<Value> {
    let catalogue: Value = serde_json::from_str(catalogue).ok()?;
    let model = catalogue["data"]
        .as_array()?
        .iter()
        .find(|m| m["id"] == id)?
        .clone();
    let context = &model["context_length"];
    let endpoints = match many {
        Some(many) => many(context),
        None => {
            let pricing = &model["pricing"];
            vec![endpoint(
                "Origin",
                pricing["prompt"].as_str()?,
                pricing["completion"].as_str()?,
                "unknown",
                context,
            )]
        }
    };
    Some(json!({"data": {"id": id, "name": model["name"], "endpoints": endpoints}}))
}

/// The fake's provider list (invented providers, matched to the endpoints by tag): Fastco
/// runs only in Germany, Cloudco only in the US, Globex does not say, Origin is American.
fn provider_list() -> Value {
    json!({"data": [
        {"name": "Globex", "slug": "globex", "headquarters": null, "datacenters": null,
         "privacy_policy_url": null, "terms_of_service_url": null, "status_page_url": null},
        {"name": "Cloudco", "slug": "cloudco", "headquarters": "US", "datacenters": ["US"],
         "privacy_policy_url": "https://cloudco.example/privacy",
         "terms_of_service_url": "https://cloudco.example/terms", "status_page_url": null},
        {"name": "Fastco", "slug": "fastco", "headquarters": "DE", "datacenters": ["DE"],
         "privacy_policy_url": "https://fastco.example/privacy", "terms_of_service_url": null,
         "status_page_url": "https://status.fastco.example/"},
        {"name": "Origin", "slug": "origin", "headquarters": "US", "datacenters": ["US"],
         "privacy_policy_url": null, "terms_of_service_url": null, "status_page_url": null}
    ]})
}

/// The official site's providers: where they are based, and their policy pages.
fn official_provider_list() -> Value {
    let provider = |name: &str, slug: &str, headquarters: &str, datacenters: Value| {
        json!({"name": name, "slug": slug, "headquarters": headquarters, "datacenters": datacenters,
               "privacy_policy_url": format!("https://{slug}.example/privacy"),
               "terms_of_service_url": format!("https://{slug}.example/terms"),
               "status_page_url": format!("https://status.{slug}.example/")})
    };
    json!({"data": [
        provider("Anthropic", "anthropic", "US", Value::Null),
        provider("Amazon Bedrock", "amazon-bedrock", "US", Value::Null),
        provider("Google", "google-vertex", "US", Value::Null),
        provider("Cirrus", "cirrus", "DE", json!(["DE", "FR"])),
    ]})
}

async fn fake_endpoints(UrlPath(rest): UrlPath<String>) -> Response {
    let Some(body) = rest.strip_suffix("/endpoints").and_then(endpoints_for) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    axum::Json(body).into_response()
}

async fn fake_official_endpoints(UrlPath(rest): UrlPath<String>) -> Response {
    let Some(body) = rest
        .strip_suffix("/endpoints")
        .and_then(official_endpoints_for)
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    axum::Json(body).into_response()
}

/// Authors of the crowded catalogue (invented), with the series each makes.
const CROWD_MAKERS: &[(&str, &str, &str)] = &[
    ("umbrella", "Umbrella", "Hive Reasoner"),
    ("cyberdyne", "Cyberdyne", "Skynet Coder"),
    ("tyrell", "Tyrell", "Nexus Long Context"),
    ("wayland", "Wayland", "Bishop Instruct"),
    ("oscorp", "Oscorp", "Octavius Vision"),
];
/// Models in the crowded catalogue: three pages of the catalogue and of the ranking.
const CROWD_MODELS: u64 = 120;

/// A price per million tokens in ten-thousandths of a dollar, as OpenRouter writes it: per
/// token, exactly (4,300 → $0.43/M → "0.0000004300").
fn per_token(ten_thousandths_per_million: u64) -> String {
    format!("0.{ten_thousandths_per_million:010}")
}

/// The crowded catalogue (issue 25's phone layouts need the real catalogue's crowding: long
/// names, pages of rows, a chart dense enough for labels to collide, a period with big
/// moves), generated by us from a fixed seed. `older` is the listing six days before: every
/// seventh model was dearer, and Hive Reasoner 1.0's input has since risen from $0.43 to
/// $0.93 per million (+116.3 %).
pub fn crowd_catalogue(older: bool) -> String {
    // A small linear congruential generator: the same catalogue on every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as f64 / (1u64 << 31) as f64
    };
    let mut models: Vec<Value> = (0..CROWD_MODELS)
        .map(|i| {
            let (author, maker, series) = CROWD_MAKERS[(i % 5) as usize];
            let version = format!("{}.{}", 1 + i / 5 % 9, i / 45);
            let (suffix, id_suffix) = [
                ("", ""),
                (" Preview", "-preview"),
                (" (Thinking)", "-thinking"),
                (" Long Context Preview", "-long-context-preview"),
            ][(i % 4) as usize];
            let (u, v, w) = (next(), next(), next());
            // $0.02 to about $30 per million input tokens, log-uniform; output 2 to 6 times.
            let mut input = (200.0 * 10f64.powf(3.2 * u)).round() as u64;
            let output = (input as f64 * (2.0 + 4.0 * v)).round() as u64;
            if i == 0 {
                input = if older { 4_300 } else { 9_300 };
            } else if older && i % 7 == 0 {
                input += input / 5;
            }
            // Quality rises with price, with plenty of scatter: a crowded middle.
            let quality = (22.0 + 11.0 * (input as f64 / 200.0).log10() + 18.0 * (w - 0.5))
                .clamp(10.0, 75.0)
                .round();
            json!({
                "id": format!(
                    "{author}/{}-{version}{id_suffix}",
                    series.to_lowercase().replace(' ', "-")
                ),
                "name": format!("{maker}: {series} {version}{suffix}"),
                "context_length": 128_000 * (1 + i % 8),
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "pricing": {"prompt": per_token(input), "completion": per_token(output)},
                "benchmarks": {"artificial_analysis": {"intelligence_index": quality}},
            })
        })
        .collect();
    // One batch listing with a long id, at half its base's price: the model page's "Other
    // listings" table must fit a phone with ids as long as the real catalogue's.
    if let Some(base) = models
        .iter()
        .find(|m| m["id"] == CROWD_LONG_VARIANT_BASE)
        .cloned()
    {
        let half = |key: &str| -> String {
            let per_token: f64 = base["pricing"][key]
                .as_str()
                .and_then(|p| p.parse().ok())
                .unwrap_or(0.0);
            format!("{:.10}", per_token / 2.0)
        };
        let mut batch = base.clone();
        batch["id"] = json!(format!("{CROWD_LONG_VARIANT_BASE}:batch"));
        batch["name"] = json!(format!(
            "{} (batch)",
            base["name"].as_str().unwrap_or_default()
        ));
        batch["pricing"] = json!({"prompt": half("prompt"), "completion": half("completion")});
        models.push(batch);
    }
    json!({"data": models}).to_string()
}

/// The crowded model with a batch listing of its own (a long id, as real ones are).
pub const CROWD_LONG_VARIANT_BASE: &str = "wayland/bishop-instruct-1.0-long-context-preview";

/// A fake OpenRouter API on an ephemeral loopback port; returns its base URL. Under
/// `{base}/official` it is the official site's OpenRouter: the official fixture catalogue,
/// its providers and their endpoints.
async fn start_fake_openrouter() -> Result<String> {
    let app = Router::new()
        .route(
            "/api/v1/models",
            get(|| async { ([("content-type", "application/json")], FIXTURE) }),
        )
        .route("/api/v1/models/{*rest}", get(fake_endpoints))
        .route(
            "/api/v1/providers",
            get(|| async { axum::Json(provider_list()) }),
        )
        .route(
            "/api/v1/official/models",
            get(|| async { ([("content-type", "application/json")], OFFICIAL_CATALOGUE) }),
        )
        .route(
            "/api/v1/official/models/{*rest}",
            get(fake_official_endpoints),
        )
        .route(
            "/api/v1/official/providers",
            get(|| async { axum::Json(official_provider_list()) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(format!("http://{addr}/api/v1"))
}

/// Everything a flow needs: the site's base URL and a way to open browser sessions.
pub struct Env {
    pub base: String,
    /// A second site serving [`crowd_catalogue`]: 120 models with long names (one with a batch
    /// listing), two days apart.
    pub crowd: String,
    /// The day the crowd's older listing is dated (YYYY-MM-DD).
    pub crowd_day_one: String,
    /// A third site: the official fixture catalogue from the fake OpenRouter (Claude Opus 4.8
    /// at four providers) with the official feed fixture, so Opus has every kind of seller.
    pub official: String,
    pub screenshots: PathBuf,
    pub logs: PathBuf,
    chromium: PathBuf,
    driver_url: String,
    /// Every session opened, so the harness can close whatever a failed flow left open.
    sessions: std::sync::Mutex<Vec<WebDriver>>,
    // Dropped in field order: chromedriver and its browsers, the site, then the temporary
    // directory holding the site's database and the browser profiles.
    _chromedriver: Process,
    _server: Process,
    _crowd_server: Process,
    _official_server: Process,
    dir: TempDir,
}

impl Env {
    pub async fn start() -> Result<Env> {
        let dir = tempfile::Builder::new()
            .prefix("tokenfare-browser")
            .tempdir()?;
        // The site under test: the release binary `.ci/browser.sh` built (the one that ships,
        // without the test-only `browser` feature), or this build's own binary when run by hand.
        let bin = std::env::var_os("TOKENFARE_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_tokenfare")));
        let database = dir.path().join("site.db");
        let api = start_fake_openrouter().await?;

        // Day one from a saved file, today from the (fake) API, models and then endpoints.
        let older = dir.path().join("models-older.json");
        std::fs::write(&older, older_listing()?)?;
        let day_one = (chrono::Utc::now() - chrono::Duration::days(HISTORY_DAYS_BACK))
            .format("%Y-%m-%d")
            .to_string();
        run(Command::new(&bin)
            .arg("--database")
            .arg(&database)
            .args(["ingest", "--file"])
            .arg(&older)
            .args(["--as-of", &day_one]))?;
        run(Command::new(&bin).arg("--database").arg(&database).args([
            "--openrouter-url",
            &api,
            "ingest",
        ]))?;

        // Logs stay after the run (overwritten by the next one) for when a flow fails.
        let logs = target_dir().join("browser-logs");
        std::fs::create_dir_all(&logs)?;
        let (base, server) = serve(
            "tokenfare serve",
            &bin,
            &database,
            &api,
            &logs.join("server.log"),
        )
        .await?;

        // The crowded site: its older listing, then today's, both from files.
        let crowd_database = dir.path().join("crowd.db");
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        for (name, older, as_of) in [
            ("crowd-older.json", true, day_one.as_str()),
            ("crowd-today.json", false, today.as_str()),
        ] {
            let file = dir.path().join(name);
            std::fs::write(&file, crowd_catalogue(older))?;
            run(Command::new(&bin)
                .arg("--database")
                .arg(&crowd_database)
                .args(["ingest", "--file"])
                .arg(&file)
                .args(["--as-of", as_of]))?;
        }
        let (crowd, crowd_server) = serve(
            "tokenfare serve (crowd)",
            &bin,
            &crowd_database,
            &api,
            &logs.join("crowd-server.log"),
        )
        .await?;

        let (official, official_server) =
            start_official_site(&bin, dir.path(), &api, &logs).await?;

        let chromium = program(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        )?;
        let chromedriver = program("CHROMEDRIVER", &["chromedriver"])?;
        let driver_port = free_port()?;
        let driver_log = std::fs::File::create(logs.join("chromedriver.log"))?;
        let mut chromedriver = Process::spawn(
            "chromedriver",
            Command::new(&chromedriver)
                .arg(format!("--port={driver_port}"))
                .arg("--log-level=INFO")
                .stdout(Stdio::null())
                .stderr(driver_log),
        )?;
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        wait_until_up(
            &format!("{driver_url}/status"),
            Duration::from_secs(20),
            &mut chromedriver,
        )
        .await?;

        let screenshots = target_dir().join("screenshots");
        std::fs::create_dir_all(&screenshots)?;
        println!(
            "site {base} ({}), {} via {}, screenshots in {}",
            bin.display(),
            chromium.display(),
            driver_url,
            screenshots.display()
        );
        Ok(Env {
            base,
            crowd,
            crowd_day_one: day_one,
            official,
            screenshots,
            logs,
            chromium,
            driver_url,
            sessions: std::sync::Mutex::new(Vec::new()),
            _chromedriver: chromedriver,
            _server: server,
            _crowd_server: crowd_server,
            _official_server: official_server,
            dir,
        })
    }

    /// Closes every browser still open (a flow that failed half-way leaves its sessions open).
    pub async fn quit_sessions(&self) {
        let open: Vec<WebDriver> = match self.sessions.lock() {
            Ok(mut sessions) => sessions.drain(..).collect(),
            Err(_) => return,
        };
        for driver in open {
            // Quitting a session that its flow already quit is a no-op.
            let _ = driver.quit().await;
        }
    }

    /// The server's log so far (shown when a flow fails).
    pub fn server_log(&self) -> String {
        std::fs::read_to_string(self.logs.join("server.log")).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `path` on the crowded site.
    pub fn crowd_url(&self, path: &str) -> String {
        format!("{}{path}", self.crowd)
    }

    /// `path` on the official site.
    pub fn official_url(&self, path: &str) -> String {
        format!("{}{path}", self.official)
    }

    /// A new browser with a fresh profile, console logging on, at desktop or phone size.
    pub async fn session(&self, device: Device) -> Result<Session> {
        let profile = tempfile::Builder::new()
            .prefix("chromium-profile")
            .tempdir_in(self.dir.path())?;
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(&self.chromium.to_string_lossy())?;
        for flag in CHROMIUM_FLAGS {
            caps.add_arg(flag)?;
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))?;
        caps.set_browser_log_level(LoggingPrefsLogLevel::All)?;
        match device {
            Device::Desktop => {
                caps.add_arg(&format!("--window-size={},{}", DESKTOP.0, DESKTOP.1))?;
            }
            Device::Phone => {
                caps.add_experimental_option(
                    "mobileEmulation",
                    json!({"deviceMetrics": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT, "pixelRatio": 2, "mobile": true, "touch": false}}),
                )?;
            }
        }
        let driver = WebDriver::new(&self.driver_url, caps)
            .await
            .context("starting a Chromium session through chromedriver")?;
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.push(driver.clone());
        }
        Ok(Session {
            driver,
            device,
            _profile: profile,
        })
    }
}

/// The official site: its catalogue, providers and endpoints from the fake OpenRouter under
/// `{api}/official`, today's official feed from a dated file, served on a port of its own.
/// Returns its base URL and the serving process.
async fn start_official_site(
    bin: &Path,
    dir: &Path,
    api: &str,
    logs: &Path,
) -> Result<(String, Process)> {
    let database = dir.join("official.db");
    let api = format!("{api}/official");
    run(Command::new(bin).arg("--database").arg(&database).args([
        "--openrouter-url",
        &api,
        "ingest",
    ]))?;
    let feeds = dir.join("official-feed");
    std::fs::create_dir_all(&feeds)?;
    let today = chrono::Utc::now().format("%Y-%m-%d");
    std::fs::write(
        feeds.join(format!("genai-prices-v2-{today}.json")),
        OFFICIAL_FEED,
    )?;
    run(Command::new(bin)
        .arg("--database")
        .arg(&database)
        .args(["import-history", "--source", "official"])
        .arg(&feeds))?;
    serve(
        "tokenfare serve (official)",
        bin,
        &database,
        &api,
        &logs.join("official-server.log"),
    )
    .await
}

/// `tokenfare serve` on `database` at a free loopback port, its stderr in `log`, until it
/// answers; returns its base URL and the process.
async fn serve(
    name: &'static str,
    bin: &Path,
    database: &Path,
    api: &str,
    log: &Path,
) -> Result<(String, Process)> {
    let port = free_port()?;
    let mut server = Process::spawn(
        name,
        Command::new(bin)
            .arg("--database")
            .arg(database)
            .args(["--openrouter-url", api, "serve"])
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .args(["--refresh-every", "off"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log)?),
    )?;
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(
        &format!("{base}/healthz"),
        Duration::from_secs(20),
        &mut server,
    )
    .await?;
    Ok((base, server))
}

fn run(command: &mut Command) -> Result<()> {
    let output = command
        .output()
        .with_context(|| format!("running {command:?}"))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// `target/` (or `$CARGO_TARGET_DIR`), where the screenshots go.
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Device {
    Desktop,
    Phone,
}

impl Device {
    pub fn label(self) -> &'static str {
        match self {
            Device::Desktop => "desktop",
            Device::Phone => "phone",
        }
    }
}

/// One browser; quit it with [`Session::quit`] (the profile directory goes with it).
pub struct Session {
    pub driver: WebDriver,
    pub device: Device,
    _profile: TempDir,
}

impl Session {
    pub async fn quit(self) -> Result<()> {
        self.driver.quit().await?;
        Ok(())
    }
}

/// Shared so that flows can run as spawned tasks (a panicking assertion fails one flow, not the run).
pub type SharedEnv = Arc<Env>;
