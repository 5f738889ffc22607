//! Checks against the real saved upstream data in `../shared/data` (beside the repository,
//! never copied into it). Every test here is `#[ignore]`d, so a plain `cargo test` passes
//! without the data; `.ci/run` runs each with `--ignored`.

mod exports;
mod history;
mod provider_list;
