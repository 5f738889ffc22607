//! The command line: `serve` (the default), `ingest`, `import-history`, `accept-run` and
//! `backup`.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use tokio::sync::watch;

use crate::AppState;
use crate::feed::Feed;
use crate::fetch::{ClientConfig, UpstreamClient};
use crate::ingest;
use crate::ingest::scheduler::{self, Chain};
use crate::store::Store;

#[derive(Parser, Debug)]
#[command(
    name = "tokenfare",
    version,
    about = "LLM API price comparison, served from SQLite"
)]
pub struct Cli {
    /// SQLite database file (created and migrated if missing).
    #[arg(
        long,
        global = true,
        env = "TOKENFARE_DATABASE",
        default_value = "tokenfare.db"
    )]
    pub database: PathBuf,
    /// OpenRouter API base URL.
    #[arg(
        long,
        global = true,
        env = "OPENROUTER_BASE_URL",
        default_value = "https://openrouter.ai/api/v1"
    )]
    pub openrouter_url: String,
    /// Time limit of each pass over the providers' endpoints after a refresh (`10m`), or `off`.
    #[arg(
        long,
        global = true,
        env = "TOKENFARE_ENDPOINTS_TIMEOUT",
        default_value = "10m",
        value_parser = parse_every
    )]
    pub endpoints_timeout: Option<Every>,
    /// The official price feed (genai-prices v2 JSON).
    #[arg(
        long,
        global = true,
        env = "TOKENFARE_OFFICIAL_URL",
        default_value = ingest::official::DEFAULT_URL
    )]
    pub official_url: String,
    /// How log lines are written to stderr: `text`, or `json` (one object a line, for log
    /// shippers; with it, one line per request unless RUST_LOG says otherwise).
    #[arg(
        long,
        global = true,
        env = "TOKENFARE_LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line of text per event.
    #[default]
    Text,
    /// One JSON object per line (tracing-subscriber's JSON format, the event's fields at the
    /// top level).
    Json,
}

impl LogFormat {
    /// What is logged when `RUST_LOG` says nothing: our own events at INFO, and in JSON (for
    /// shippers, which want them) the request lines too (`tokenfare::request`).
    pub fn default_filter(self) -> &'static str {
        match self {
            LogFormat::Text => "tokenfare=info,tokenfare::request=warn,tower_http=warn",
            LogFormat::Json => "tokenfare=info,tower_http=warn",
        }
    }

    /// The subscriber that writes events passing `filter` to `writer` in this format (`ansi`:
    /// colours, for a terminal, in text only).
    pub fn subscriber<W>(
        self,
        filter: tracing_subscriber::EnvFilter,
        writer: W,
        ansi: bool,
    ) -> Box<dyn tracing::Subscriber + Send + Sync>
    where
        W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
    {
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer);
        match self {
            LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
            LogFormat::Json => Box::new(
                builder
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .finish(),
            ),
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate, load data (the bundled snapshot if the database is empty), serve, and refresh in the background.
    Serve(ServeArgs),
    /// One refresh now, from the API or from a saved `/models` response.
    Ingest {
        /// Which source: OpenRouter's catalogue, or the official price feed.
        #[arg(long, value_enum, default_value_t = Feed::OpenRouterCatalogue)]
        source: Feed,
        /// A saved response (`.json` or `.json.gz`) instead of the API.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The date the data describes (YYYY-MM-DD); default: from the file name, else now.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<chrono::DateTime<chrono::Utc>>,
        /// Refresh only the providers' endpoints of the stored catalogue, from the API.
        #[arg(long, conflicts_with_all = ["file", "as_of"])]
        endpoints_only: bool,
    },
    /// Replay saved daily responses named `models-YYYY-MM-DD.json[.gz]` (or, with `--source
    /// official`, `genai-prices-v2-YYYY-MM-DD.json[.gz]`), oldest first.
    ImportHistory {
        #[arg(long, value_enum, default_value_t = Feed::OpenRouterCatalogue)]
        source: Feed,
        dir: PathBuf,
    },
    /// Apply a run that ingest quarantined as implausible, deliberately (see `/about`).
    AcceptRun {
        /// The run's number, as ingest printed it and `/about` and `/healthz` list it.
        run_id: i64,
    },
    /// Write a consistent copy of the database to PATH (a new file), while it serves and
    /// ingests; check it and print its size and the newest run it holds.
    Backup {
        /// Where the copy goes; an existing file is never overwritten.
        path: PathBuf,
    },
}

/// `serve`'s settings alone, for when no subcommand is given.
#[derive(Parser, Debug)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

#[derive(clap::Args, Debug, Default)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TOKENFARE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: Option<SocketAddr>,
    /// How often to refresh from OpenRouter (`24h`, `30m`, `90s`, `1d`), or `off`.
    #[arg(long, env = "TOKENFARE_REFRESH_EVERY", default_value = "24h", value_parser = parse_every)]
    pub refresh_every: Option<Every>,
    /// Where readers reach the site (`https://tokenfare.example`), for absolute links in
    /// canonical tags, link previews, feeds and the sitemap; default: `http://` and `--addr`.
    #[arg(long, env = "TOKENFARE_PUBLIC_URL", value_parser = crate::web::layout::parse_public_url)]
    pub public_url: Option<String>,
    /// Serve a database another process writes (a replica): open it read-only, never
    /// migrate (a schema other than this binary's is refused), never refresh; what the
    /// writer commits is served within seconds.
    #[arg(long, env = "TOKENFARE_READ_ONLY")]
    pub read_only: bool,
    /// Where to serve Prometheus metrics (`GET /metrics`), such as `127.0.0.1:9300`; off
    /// unless set. Never the public address: keep it where only the scraper reaches it.
    #[arg(long, env = "TOKENFARE_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
}

/// A refresh interval, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Every(pub Option<Duration>);

/// Parses `24h`, `30m`, `45s`, `2d` or `off`.
pub fn parse_every(text: &str) -> Result<Every, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("off") {
        return Ok(Every(None));
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?}: expected a number and a unit, such as 24h, or off"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" | "" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    if number == 0 {
        return Err("the interval must be above zero (or `off`)".into());
    }
    number
        .checked_mul(seconds)
        .map(|s| Every(Some(Duration::from_secs(s))))
        .ok_or_else(|| format!("{text:?} is too long"))
}

fn parse_date(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    crate::store::parse_as_of(text).ok_or_else(|| format!("{text:?}: expected YYYY-MM-DD"))
}

fn official_client(cli: &Cli) -> anyhow::Result<UpstreamClient> {
    Ok(UpstreamClient::new(ClientConfig::new(&cli.official_url))?)
}

fn client(cli: &Cli) -> anyhow::Result<UpstreamClient> {
    Ok(UpstreamClient::new(ClientConfig::new(&cli.openrouter_url))?)
}

/// The endpoints pass settings, or `None` when `--endpoints-timeout off`.
fn endpoints_config(cli: &Cli) -> Option<ingest::endpoints::PassConfig> {
    let limit = cli
        .endpoints_timeout
        .unwrap_or(Every(Some(Duration::from_secs(600))))
        .0?;
    Some(ingest::endpoints::PassConfig::with_time_limit(limit))
}

async fn open_store(path: &Path) -> anyhow::Result<Store> {
    Store::open(path)
        .await
        .with_context(|| format!("opening database {}", path.display()))
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match &cli.command {
        // No subcommand means `serve`, still reading its settings from the environment.
        None => serve(&cli, &ServeOnly::try_parse_from(["tokenfare"])?.args).await,
        Some(Command::Serve(args)) => serve(&cli, args).await,
        Some(Command::Ingest {
            source: Feed::Official,
            file,
            as_of,
            endpoints_only,
        }) => {
            if *endpoints_only {
                anyhow::bail!("--endpoints-only is for the OpenRouter source");
            }
            let store = open_store(&cli.database).await?;
            let result = match file {
                Some(path) => ingest::official::ingest_file(&store, path, *as_of).await,
                None => ingest::official::run_once(&store, &official_client(&cli)?).await,
            };
            let coverage = match &result {
                Ok(_) => Some(official_coverage(&store).await),
                Err(_) => None,
            };
            store.close().await;
            println!("{}", result?);
            if let Some(coverage) = coverage {
                println!("{}", coverage?);
            }
            Ok(())
        }
        Some(Command::Ingest {
            endpoints_only: true,
            ..
        }) => {
            let Some(config) = endpoints_config(&cli) else {
                anyhow::bail!("--endpoints-only with --endpoints-timeout off has nothing to do");
            };
            let store = open_store(&cli.database).await?;
            let result =
                ingest::endpoints::run_pass(&store, &client(&cli)?, &config, ingest::never_stop())
                    .await;
            store.close().await;
            let summary = result?;
            println!("{summary}");
            if summary.models == 0 {
                anyhow::bail!(
                    "no stored models to fetch endpoints for; run `tokenfare ingest` first"
                );
            }
            if summary.updated == 0 {
                anyhow::bail!("no model's endpoints could be refreshed");
            }
            Ok(())
        }
        Some(Command::Ingest { file, as_of, .. }) => {
            let store = open_store(&cli.database).await?;
            let summary = match file {
                Some(path) => ingest::catalogue::ingest_file(&store, path, *as_of).await?,
                None => {
                    let client = client(&cli)?;
                    let summary = ingest::catalogue::run_once(&store, &client).await?;
                    println!("{summary}");
                    match ingest::providers::run_once(&store, &client).await {
                        Ok(providers) => println!("{providers}"),
                        Err(err) => eprintln!("provider list not refreshed: {err}"),
                    }
                    // The catalogue is committed; the pass can only add to it.
                    if let Some(config) = endpoints_config(&cli) {
                        match ingest::endpoints::run_pass(
                            &store,
                            &client,
                            &config,
                            ingest::never_stop(),
                        )
                        .await
                        {
                            Ok(pass) => println!("{pass}"),
                            Err(err) => eprintln!("endpoints pass failed: {err}"),
                        }
                    }
                    store.close().await;
                    return Ok(());
                }
            };
            println!("{summary}");
            store.close().await;
            Ok(())
        }
        Some(Command::ImportHistory {
            source: Feed::Official,
            dir,
        }) => {
            let store = open_store(&cli.database).await?;
            let result = import_official_history(&store, dir).await;
            store.close().await;
            result
        }
        Some(Command::ImportHistory { dir, .. }) => {
            let store = open_store(&cli.database).await?;
            import_history(&store, dir).await?;
            store.close().await;
            Ok(())
        }
        Some(Command::AcceptRun { run_id }) => {
            let store = open_store(&cli.database).await?;
            let result = ingest::catalogue::accept_run(&store, *run_id).await;
            store.close().await;
            println!("accepted: {}", result?);
            Ok(())
        }
        Some(Command::Backup { path }) => {
            // Read-only: a backup neither migrates the database nor waits for a writer.
            let store = Store::open_read_only(&cli.database)
                .await
                .with_context(|| format!("opening database {}", cli.database.display()))?;
            let result = store.backup_to(path).await;
            store.close().await;
            println!("{}", result?);
            Ok(())
        }
    }
}

/// Replays every dated catalogue file; a failing day is reported and skipped, the rest go on.
pub async fn import_history(store: &Store, dir: &Path) -> anyhow::Result<()> {
    let how = Replay {
        prefix: ingest::catalogue::FILE_PREFIX,
        files: "files",
        print_each_day: false,
    };
    replay(dir, how, async |path, date| {
        let summary = ingest::catalogue::ingest_file(store, path, Some(date)).await?;
        let changes = summary.counts.price_changes;
        Ok::<_, ingest::catalogue::IngestError>((summary, changes))
    })
    .await
}

/// Replays every dated official feed file; a failing day is reported and skipped.
pub async fn import_official_history(store: &Store, dir: &Path) -> anyhow::Result<()> {
    let how = Replay {
        prefix: ingest::official::FILE_PREFIX,
        files: "official files",
        print_each_day: true,
    };
    replay(dir, how, async |path, date| {
        let summary = ingest::official::ingest_file(store, path, Some(date)).await?;
        let changes = summary.counts.price_changes;
        Ok::<_, ingest::official::OfficialError>((summary, changes))
    })
    .await
}

/// What differs between the two sources' history replays.
struct Replay {
    /// Their dated file names: `{prefix}YYYY-MM-DD.json[.gz]`.
    prefix: &'static str,
    /// What the closing line calls them.
    files: &'static str,
    /// Every day's line on stdout; otherwise a progress bar on a terminal (failures printed
    /// above it), or one log line a day.
    print_each_day: bool,
}

/// Ingests every dated file of `dir`, oldest first, with `ingest_day` (which returns the day's
/// summary and its price changes); a failing day is reported and the rest go on. Fails when
/// there is no such file or none could be imported.
async fn replay<S: std::fmt::Display, E: std::fmt::Display>(
    dir: &Path,
    how: Replay,
    mut ingest_day: impl AsyncFnMut(&Path, DateTime<Utc>) -> Result<(S, usize), E>,
) -> anyhow::Result<()> {
    let files = ingest::recorder::dated_files(dir, how.prefix)?;
    if files.is_empty() {
        anyhow::bail!(
            "no files named {}YYYY-MM-DD.json[.gz] in {}",
            how.prefix,
            dir.display()
        );
    }
    let bar = (!how.print_each_day && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(files.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let (mut ok, mut changes) = (0, 0);
    for (i, (date, path)) in files.iter().enumerate() {
        let result = ingest_day(path, *date).await;
        let day = crate::format::day(*date);
        let line = match &result {
            Ok((summary, price_changes)) => {
                ok += 1;
                changes += price_changes;
                format!("{day}: {summary}")
            }
            Err(err) => format!("{day}: failed: {err}"),
        };
        match &bar {
            _ if how.print_each_day => println!("{line}"),
            Some(bar) => {
                bar.set_message(day);
                bar.inc(1);
                if result.is_err() {
                    bar.println(&line);
                }
            }
            None => tracing::info!("[{}/{}] {line}", i + 1, files.len()),
        }
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!(
        "imported {ok} of {} {} from {} ({} failed), {changes} price changes",
        files.len(),
        how.files,
        dir.display(),
        files.len() - ok
    );
    if ok == 0 {
        anyhow::bail!("no file could be imported");
    }
    Ok(())
}

/// How the stored official prices match the stored catalogue, one line per source.
async fn official_coverage(store: &Store) -> anyhow::Result<String> {
    let catalogue = crate::store::Catalogue::load(store).await?;
    let report = &catalogue.official().report;
    use crate::store::matching::RefusalKind;
    let mut line = format!(
        "official coverage of {} looked-up models:",
        report.looked_up
    );
    for (list, count, refused) in report.coverage() {
        line.push_str(&format!(
            " {} {count} matched / {refused} refused;",
            crate::store::matching::list_key(list)
        ));
    }
    let fallbacks = report
        .refusals
        .iter()
        .filter(|r| r.kind == RefusalKind::Fallback)
        .count();
    let overridden = report
        .matches
        .iter()
        .filter(|m| matches!(m.rule, crate::store::matching::Rule::Override { .. }))
        .count();
    line.push_str(&format!(
        " {fallbacks} fallback prices not shown as the cloud's; {overridden} matches by override"
    ));
    Ok(line)
}

async fn serve(cli: &Cli, args: &ServeArgs) -> anyhow::Result<()> {
    let addr = args
        .addr
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
    // The metrics must never be answered where readers are.
    let overlaps = |m: SocketAddr| {
        m.port() == addr.port()
            && (m.ip() == addr.ip() || m.ip().is_unspecified() || addr.ip().is_unspecified())
    };
    if let Some(metrics_addr) = args.metrics_addr.filter(|m| overlaps(*m)) {
        anyhow::bail!("--metrics-addr {metrics_addr} overlaps the public --addr {addr}");
    }
    crate::web::layout::set_public_url(
        args.public_url
            .clone()
            .unwrap_or_else(|| crate::web::layout::public_url_for(addr)),
    );
    let every = args
        .refresh_every
        .unwrap_or(Every(Some(Duration::from_secs(86_400))));
    let store = if args.read_only {
        open_replica(&cli.database).await?
    } else {
        let store = open_store(&cli.database).await?;
        if let Some(summary) = ingest::catalogue::load_snapshot_if_empty(&store).await? {
            tracing::info!(%summary, "database was empty; loaded the bundled snapshot");
        }
        store
    };
    let state = AppState::load(store.clone()).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding {addr}"))?;
    tracing::info!("serving on http://{addr}");

    let (stop_tx, stop_rx) = watch::channel(false);
    // One scheduler loop per chain of feeds, on the same interval, so neither source's failure
    // holds the other up.
    let chains = match every.0 {
        _ if args.read_only => {
            tracing::info!("read-only: no refresh; serving what the writer commits");
            Vec::new()
        }
        Some(interval) => vec![
            Chain::openrouter(client(cli)?, endpoints_config(cli)),
            Chain::Official {
                client: official_client(cli)?,
            },
        ]
        .into_iter()
        .map(|chain| {
            tokio::spawn(scheduler::run(
                state.clone(),
                chain,
                interval,
                stop_rx.clone(),
            ))
        })
        .collect(),
        None => Vec::new(),
    };
    let watcher = tokio::spawn(scheduler::watch_store(
        state.clone(),
        scheduler::WATCH_EVERY,
        stop_rx.clone(),
    ));
    let metrics = match args.metrics_addr {
        Some(metrics_addr) => {
            let listener = tokio::net::TcpListener::bind(metrics_addr)
                .await
                .with_context(|| format!("binding the metrics address {metrics_addr}"))?;
            tracing::info!("metrics on http://{metrics_addr}/metrics");
            let limits = crate::server::Limits {
                max_connections: 16,
                ..crate::server::Limits::default()
            };
            Some(tokio::spawn(crate::server::serve(
                listener,
                crate::web::metrics::router(state.clone()),
                limits,
                stop_rx.clone(),
            )))
        }
        None => None,
    };
    let app = crate::router(state);
    let server = crate::server::serve(
        listener,
        app,
        crate::server::Limits::for_this_process(),
        stop_rx.clone(),
    );
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests and any ingest");
        let _ = stop_tx.send(true);
    });
    server.await.context("server failed")?;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    for task in chains {
        let _ = task.await;
    }
    let _ = watcher.await;
    store.close().await;
    Ok(())
}

/// Opens the database a replica serves: read-only, and only when its schema is exactly this
/// binary's.
async fn open_replica(path: &Path) -> anyhow::Result<Store> {
    let context = || format!("opening database {} read-only", path.display());
    let store = Store::open_read_only(path).await.with_context(context)?;
    if let Err(err) = store.check_schema().await {
        store.close().await;
        return Err(err).with_context(context);
    }
    Ok(store)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_intervals_parse() {
        assert_eq!(
            parse_every("24h"),
            Ok(Every(Some(Duration::from_secs(86_400))))
        );
        assert_eq!(
            parse_every("30m"),
            Ok(Every(Some(Duration::from_secs(1800))))
        );
        assert_eq!(parse_every("off"), Ok(Every(None)));
        assert!(parse_every("0h").is_err());
        assert!(parse_every("soon").is_err());
        assert!(parse_every("99999999999999999999d").is_err());
    }
}
