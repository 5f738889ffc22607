//! How long the calculator takes to price one workload on every model of the real
//! 400-model catalogue (the saved OpenRouter response of 2026-08-08).
//!
//! Run with `cargo bench --bench calculator`. The data file is read from the shared data
//! folder beside the repository; the bench says so and exits if it is missing.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use tokenfare::fetch::openrouter::catalogue::parse_models_body;
use tokenfare::model::Model;
use tokenfare::pricing::calculator::{Workload, pair_batch_listings, price_all};

const CATALOGUE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/openrouter/models-2026-08-08.json"
);

fn load() -> Option<Vec<Model>> {
    let body = std::fs::read(CATALOGUE).ok()?;
    parse_models_body(&body, usize::MAX)
        .ok()
        .map(|parsed| parsed.models)
}

/// A coding agent: large cached prompts, some cache writes, reasoning, part batch, a discount —
/// every rule of the calculator is exercised on every model.
fn workload() -> Workload {
    Workload {
        requests: Decimal::from(200_000),
        input_tokens: Decimal::from(30_000),
        output_tokens: Decimal::from(1_500),
        cache_hit: Decimal::new(80, 2),
        cache_write: Decimal::new(5, 2),
        batch: Decimal::new(25, 2),
        discount: Decimal::new(10, 2),
        reasoning_tokens: Decimal::from(2_000),
    }
}

fn bench(c: &mut Criterion) {
    let Some(models) = load() else {
        eprintln!("{CATALOGUE} is missing: nothing to benchmark");
        return;
    };
    let w = workload();
    let pairs = pair_batch_listings(&models);
    eprintln!(
        "{} listings, {} priced as rows (batch listings price their base's batch share)",
        models.len(),
        pairs.len()
    );
    c.bench_function("price_all: every model, one workload", |b| {
        b.iter(|| price_all(black_box(&w), pairs.iter().copied()))
    });
    c.bench_function("pair batch listings + price_all", |b| {
        b.iter(|| price_all(black_box(&w), pair_batch_listings(black_box(&models))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
