//! End-to-end tests in real headless Chromium against the real `tokenfare serve` process
//! (issue 9). Not part of a plain `cargo test`: run them with
//!
//! ```sh
//! bash .ci/browser.sh    # installs chromium + chromium-driver if missing, builds the release
//!                        # binary, then runs with TOKENFARE_BIN set to it:
//! cargo test --features browser --test browser
//! ```
//!
//! A custom harness (no libtest): the site and chromedriver start once, then each flow runs as
//! its own task with its own browser sessions, so one failing (or panicking) flow is reported
//! and the others still run. Pass words as arguments to run only the flows whose names contain
//! them. Screenshots of every page at desktop and phone width land in `target/screenshots/`.

mod crowded;
mod env;
mod flows;
mod layout;
mod page;
mod sellers;
mod tables;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use env::{Env, SharedEnv};

type Flow = fn(SharedEnv) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;

macro_rules! flows {
    ($($path:path),* $(,)?) => {
        &[$((
            stringify!($path),
            (|env| Box::pin($path(env))) as Flow,
        )),*]
    };
}

const FLOWS: &[(&str, Flow)] = flows![
    flows::catalogue_filters_sort_and_shares_its_url,
    flows::model_page_shows_prices_tiers_variants_providers_and_history,
    flows::calculator_prices_a_typed_workload_and_explains_a_bad_value,
    flows::calculator_answer_is_on_a_phones_first_screen,
    flows::usage_upload_answers_on_a_phones_first_screen,
    flows::ranking_reorders_when_index_and_ratio_change,
    flows::about_and_guide_show_freshness_formulas_and_working_examples,
    flows::where_to_buy_filters_mark_the_cheapest_that_qualifies_and_price_it_at_every_seller,
    layout::phone_width_has_no_sideways_scroll_and_a_full_keyboard_path,
    layout::console_is_clean_on_every_page_under_the_csp,
    tables::price_cells_of_the_first_rows_are_in_view_at_both_widths,
    crowded::long_lists_come_in_pages_with_a_sort_control_on_a_phone,
    crowded::period_moves_and_guide_factors_fit_a_phone,
    crowded::chart_labels_never_cover_a_dot,
    crowded::calculator_cards_show_every_amount_on_a_phone,
    crowded::other_listings_fit_a_phone,
    sellers::model_page_with_every_kind_of_seller_fits_a_phone,
];

fn main() -> std::process::ExitCode {
    // Arguments that are not cargo/libtest flags select flows by substring.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let selected: Vec<&(&str, Flow)> = FLOWS
        .iter()
        .filter(|(name, _)| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str())))
        .collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("cannot start a runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let started = Instant::now();
    let failed = runtime.block_on(async {
        let env: SharedEnv = match Env::start().await {
            Ok(env) => Arc::new(env),
            Err(err) => {
                eprintln!("could not set up the browser tests: {err:#}");
                return selected.len().max(1);
            }
        };
        println!("\nrunning {} browser flows", selected.len());
        let run = run_flows(&env, &selected);
        let failed = tokio::select! {
            failed = run => failed,
            _ = interrupted() => {
                eprintln!("interrupted: closing the browsers and stopping the site");
                selected.len()
            }
        };
        env.quit_sessions().await;
        if failed > 0 {
            let log = env.server_log();
            if !log.trim().is_empty() {
                println!("server log:\n{log}");
            }
        }
        failed
    });
    // Stops the site and chromedriver before reporting.
    drop(runtime);
    println!(
        "\nbrowser flows: {} passed, {failed} failed in {:.1} s",
        selected.len().saturating_sub(failed),
        started.elapsed().as_secs_f64()
    );
    if failed == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}

/// Runs each flow as a task of its own, so that a panicking assertion fails that flow only;
/// closes the flow's browsers afterwards whatever happened. Returns how many failed.
async fn run_flows(env: &SharedEnv, selected: &[&(&str, Flow)]) -> usize {
    let mut failed = 0;
    for (name, flow) in selected {
        let flow_started = Instant::now();
        let outcome = tokio::spawn(flow(env.clone())).await;
        env.quit_sessions().await;
        let took = flow_started.elapsed().as_secs_f64();
        let short = name.rsplit("::").next().unwrap_or(name);
        match outcome {
            Ok(Ok(())) => println!("flow {short} ... ok ({took:.1} s)"),
            Ok(Err(err)) => {
                failed += 1;
                println!("flow {short} ... FAILED ({took:.1} s)\n{err:#}\n");
            }
            Err(panic) => {
                failed += 1;
                println!("flow {short} ... PANICKED ({took:.1} s)\n{panic}\n");
            }
        }
    }
    failed
}

/// Ctrl-C or SIGTERM: stop early but still clean up.
async fn interrupted() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        _ = term.recv() => {},
    }
}
