//! `/`, the home page: the day's highlights from the fixture catalogue (figures worked out by
//! hand), its links to every part of the site, its counts, and an empty database.

use crate::common::{TestApp, fixture_with_music};
use axum::http::StatusCode;

#[tokio::test]
async fn home_shows_the_highlights_of_the_day() {
    let app = TestApp::fixture().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    // At 3:1, blended = (3·in + out) / 4 per million:
    // beta (0.2·3 + 0.8)/4 = 0.35 for intelligence 30 is the best value (85.7 per $);
    // epsilon (0.5·3 + 1.5)/4 = 0.75 is the cheapest scoring 40 or more;
    // delta (0.05·3 + 0.1)/4 = 0.0625 is the cheapest paid model overall;
    // gamma (3·3 + 15)/4 = 6 scores highest (60).
    let card = |key: &str| page.texts(&format!("#{key} .pick a, #{key} .figure"));
    assert_eq!(card("best-value"), vec!["Beta", "$0.35/M blended"]);
    assert_eq!(card("cheapest-capable"), vec!["Epsilon", "$0.75/M blended"]);
    assert_eq!(card("cheapest"), vec!["Delta", "$0.0625/M blended"]);
    assert_eq!(card("smartest"), vec!["Gamma", "$6.00/M blended"]);
    assert_eq!(
        page.attrs("#cheapest .pick a", "href"),
        vec!["/models/globex/delta"]
    );
}

#[tokio::test]
async fn home_links_to_every_part_of_the_site() {
    let app = TestApp::fixture().await;
    let page = app.get("/").await;
    let links = page.attrs("main a", "href");
    for href in [
        "/models",
        "/calculator",
        // The chat-assistant example, as the calculator offers it (the home page had its
        // own copy of the examples, without the cache share).
        "/calculator?requests=100000&input_tokens=2000&output_tokens=500&cache_hit=50",
        "/ranking",
        "/changes",
        "/guide/why-prices-differ",
        "/about",
        "/api/models.json",
        "/api/models.csv",
    ] {
        assert!(links.iter().any(|l| l == href), "{href} missing: {links:?}");
    }
    assert_eq!(page.attrs("form[role=search]", "action"), vec!["/models"]);
    assert!(page.texts(".freshness").join("").contains("2026-08-08"));
}

#[tokio::test]
async fn home_with_no_data_still_renders() {
    let app = TestApp::empty().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.texts("ul.highlights").is_empty());
}

#[tokio::test]
async fn home_counts_do_not_call_a_music_model_free() {
    let app = TestApp::fixture().await;
    let before = app.get("/").await.texts("p").join(" ");
    let app = TestApp::with_catalogue(&fixture_with_music(), "2026-08-08").await;
    let after = app.get("/").await.texts("p").join(" ");
    // The fixture has one free listing (acme/alpha:free); the music model adds none.
    assert!(before.contains(", 1 free."), "{before}");
    assert!(after.contains(", 1 free."), "{after}");
}

/// Issue 25, item 3: the highlights never say "today" over prices of another day; they name
/// the day of the prices, and over stale prices they say these are the latest we have.
#[tokio::test]
async fn home_highlights_name_the_day_of_their_prices_and_never_say_today_over_old_data() {
    // The fixture is dated 2026-08-08, months before any day these tests run.
    let app = TestApp::fixture().await;
    let page = app.get("/").await;
    let heading = page.texts("#highlights-h").join(" ");
    assert_eq!(heading, "Highlights of 8 Aug 2026");
    assert!(!page.body.to_lowercase().contains("today"), "{heading}");
    let notice = page.texts("#highlights-stale").join(" ");
    assert!(
        notice.contains("latest prices we have, from 8 Aug 2026"),
        "{notice}"
    );

    let today = chrono::Utc::now().date_naive();
    let app = TestApp::with_catalogue(crate::common::FIXTURE, &today.to_string()).await;
    let page = app.get("/").await;
    assert_eq!(
        page.texts("#highlights-h").join(" "),
        format!("Highlights of {}", tokenfare::format::prose_day(today))
    );
    assert!(page.texts("#highlights-stale").is_empty());
}
