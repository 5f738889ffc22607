//! OpenRouter's real provider list, saved in `../shared/data/openrouter`: it must ingest
//! whole, every stated place and policy kept.

use serde_json::Value;

use crate::common::TestApp;

/// The saved real provider list (`../shared/data`, never copied into the repository): it
/// must ingest whole. Run by `.ci/run` with `--ignored`.
#[tokio::test]
#[ignore = "reads ../shared/data"]
async fn the_real_provider_list_ingests_with_its_stated_places() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/openrouter/providers-2026-05-20.json");
    let body = std::fs::read(&path).expect("saved provider list");
    let raw: Value = serde_json::from_slice(&body).unwrap();
    let records = raw["data"].as_array().unwrap();
    let with = |key: &str| {
        records
            .iter()
            .filter(|r| match &r[key] {
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            })
            .count()
    };
    let app = TestApp::fixture().await;
    let summary = tokenfare::ingest::providers::ingest_providers_body(&app.store, &body, "file")
        .await
        .expect("real list ingests");
    assert_eq!(summary.stored, records.len());
    assert_eq!(summary.skipped, 0);
    app.state.reload().await.unwrap();
    let catalogue = app.state.catalogue();
    let providers = &catalogue.provider_directory().providers;
    let count = |f: &dyn Fn(&tokenfare::store::providers::StoredProvider) -> bool| {
        providers.iter().filter(|p| f(p)).count()
    };
    assert_eq!(
        count(&|p| p.info.headquarters.is_some()),
        with("headquarters")
    );
    assert_eq!(
        count(&|p| !p.info.datacenters.is_empty()),
        with("datacenters")
    );
    assert_eq!(
        count(&|p| p.info.privacy_policy_url.is_some()),
        with("privacy_policy_url")
    );
    println!(
        "real provider list: {} providers, {} with a headquarters, {} with datacenters, {} with a privacy policy",
        providers.len(),
        with("headquarters"),
        with("datacenters"),
        with("privacy_policy_url")
    );
}
