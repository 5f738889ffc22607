//! Every price tag of a model: the model page's section, the price-tags API, and the
//! disagreements page, from our own fixture catalogue and official feed.

use crate::common::{self, TestApp};
use tokenfare::store::Delivery;

const FEED: &str = include_str!("../fixtures/official/feed.json");
const CATALOGUE: &str = include_str!("../fixtures/official/catalogue.json");

async fn app() -> TestApp {
    let app = TestApp::with_catalogue(CATALOGUE, "2026-08-08").await;
    let as_of = tokenfare::store::parse_as_of("2026-08-21").unwrap();
    tokenfare::ingest::official::ingest_body(
        &app.store,
        FEED.as_bytes(),
        Delivery::File,
        "fixture",
        as_of,
    )
    .await
    .unwrap();
    app.state.reload().await.unwrap();
    app
}

/// (seller key, input, output, cache read) of every row of the model page's one table of
/// price tags, in table order.
fn rows(page: &common::TestResponse) -> Vec<(String, String, String, String)> {
    let html = page.html();
    let row = scraper::Selector::parse("#price-tags tbody tr").unwrap();
    let text = |tr: &scraper::ElementRef, css: &str| {
        let selector = scraper::Selector::parse(css).unwrap();
        tr.select(&selector)
            .next()
            .map(|c| c.text().collect::<String>().trim().to_string())
            .unwrap_or_default()
    };
    html.select(&row)
        .map(|tr| {
            (
                tr.value()
                    .attr("data-seller")
                    .unwrap_or_default()
                    .to_string(),
                text(&tr, "td.input"),
                text(&tr, "td.output"),
                text(&tr, "td.cache .cache-read"),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_model_page_shows_every_price_tag_near_the_top() {
    let app = app().await;
    let page = app.get("/models/anthropic/claude-opus-4.8").await;
    assert_eq!(page.status, 200);
    let s = |a: &str, b: &str, c: &str, d: &str| {
        (a.to_string(), b.to_string(), c.to_string(), d.to_string())
    };
    // Cheapest first by the 3:1 blend; a tie keeps the index's order (routed, providers,
    // maker, clouds).
    assert_eq!(
        rows(&page),
        vec![
            s("openrouter", "$5.00", "$25.00", "$0.50"),
            s("anthropic", "$5.00", "$25.00", "$0.50"),
            s("aws:global", "$5.00", "$25.00", "$0.50"),
            s("google:vertex", "$5.00", "$25.00", "$0.50"),
            // In-region Bedrock is 10 % dearer: $5.50 / $27.50 / $0.55.
            s("aws:in-region", "$5.50", "$27.50", "$0.55"),
        ]
    );
    // The page has one table of sellers: no second provider table.
    assert_eq!(page.texts("table.providers-table").len(), 0);
    // The section comes before the detailed price list.
    let body = &page.body;
    assert!(body.find("id=\"price-tags\"").unwrap() < body.find("id=\"prices-h\"").unwrap());
    // Anthropic's batch prices from the feed: $2.50 / $12.50. The 1-hour cache write: $10.
    let anthropic = |css: &str| page.texts(&format!("#price-tags tr[data-seller=anthropic] {css}"));
    assert_eq!(anthropic("td.batch .batch-price"), ["$2.50 / $12.50"]);
    assert_eq!(
        anthropic("td.batch .batch-source"),
        ["its published batch price"]
    );
    assert_eq!(anthropic(".cache-write-1h"), ["1 h write $10.00"]);
    // Bedrock's two names say how they differ.
    assert_eq!(
        page.texts("#price-tags tr[data-seller='aws:in-region'] .scope"),
        ["for requests kept in the one region you choose"]
    );
    assert_eq!(
        page.texts("#price-tags tr[data-seller='aws:global'] .scope"),
        ["for requests AWS may serve in any region (cross-region inference)"]
    );
    // The official lists are of another day than the routed price, and the table says so.
    let caption = page.texts("#price-tags caption .dates-note");
    assert_eq!(
        caption,
        [
            "“vs routed” compares prices fetched on different days: the routed price is of \
          2026-08-08, the official lists' of 2026-08-21."
        ]
    );
    // Four tags tie on the 3:1 blend of $5 and $25, (3·5 + 25)/4 = $10; in-region does not.
    let cheapest = page.attrs("#price-tags tr.cheapest", "data-seller");
    assert_eq!(
        cheapest,
        vec!["openrouter", "anthropic", "aws:global", "google:vertex"]
    );
    assert_eq!(
        page.texts("#price-tags tr[data-seller='aws:in-region'] td.vs-routed .vs"),
        vec!["+10%"]
    );
    // Every official row names its source, its date and how it was matched.
    let source = page.texts("#price-tags tr[data-seller=anthropic] td.source");
    assert!(source[0].contains("genai-prices, 2026-08-21"), "{source:?}");
    assert!(
        source[0].contains("matched by the source's match clause"),
        "{source:?}"
    );
    let links = page.attrs("#price-tags tr[data-seller=anthropic] th a", "href");
    assert_eq!(links, vec!["https://www.anthropic.com/pricing#api"]);
}

#[tokio::test]
async fn a_fast_listing_gets_no_official_price_and_says_why() {
    let app = app().await;
    let page = app.get("/models/anthropic/claude-opus-4.8-fast").await;
    assert_eq!(
        rows(&page).iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        vec!["openrouter"]
    );
    assert_eq!(page.texts("#price-tags-unmatched").len(), 1);
    let refused = page.texts("#price-tags .refusals li");
    assert!(
        refused.iter().any(|r| r.contains("\"-fast\" unexplained")),
        "{refused:?}"
    );
    // A :batch listing shows its base model's tags.
    let batch = app.get("/models/anthropic/claude-opus-4.8:batch").await;
    assert_eq!(rows(&batch).len(), 5);
}

#[tokio::test]
async fn a_disagreement_is_flagged_on_the_page_and_listed_largest_first() {
    let app = app().await;
    // DeepSeek V4 Flash: routed cache read $0.20/M, DeepSeek's own $0.02/M (10×); input $0.20
    // and output $0.80 agree.
    let page = app.get("/models/deepseek/deepseek-v4-flash").await;
    let notes = page.texts("#price-tags .discrepancy");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains(
            "differ on cache read ($0.20/M routed, $0.02/M at DeepSeek: 10× the maker's own price)"
        ),
        "{notes:?}"
    );
    // DeepSeek lists an off-peak price; it is named, not applied.
    let note = page.texts("#price-tags tr[data-seller=deepseek] .tag-note");
    assert!(note[0].contains("off-peak"), "{note:?}");

    let list = app.get("/discrepancies").await;
    assert_eq!(list.status, 200);
    let models = list.attrs(".discrepancies-table tbody tr", "data-model");
    assert_eq!(
        models.first().map(String::as_str),
        Some("deepseek/deepseek-v4-flash")
    );
    let json = app.get("/api/discrepancies.json").await.json();
    let first = &json["discrepancies"][0];
    assert_eq!(first["model_id"], "deepseek/deepseek-v4-flash");
    assert_eq!(first["component"], "input_cache_read");
    assert_eq!(first["routed_per_million"], "0.2");
    assert_eq!(first["official_per_million"], "0.02");
    assert_eq!(first["factor"], "10");
    // Z.AI's CNY-converted list is never compared, though it differs from the routed price.
    assert!(
        json["discrepancies"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["seller_key"] != "zhipuai")
    );
}

#[tokio::test]
async fn an_announced_price_and_a_converted_list_are_labelled() {
    let app = app().await;
    let page = app.get("/models/anthropic/claude-sonnet-5").await;
    let announced = page.texts("#price-tags tr[data-seller=anthropic] .announced");
    assert_eq!(announced, vec!["announced from 2099-09-01: $3.00 / $15.00"]);
    let glm = app.get("/models/z-ai/glm-5.2").await;
    let cny = glm.texts("#price-tags tr[data-seller=zhipuai] .tag-note");
    assert!(cny[0].contains("converted from CNY"), "{cny:?}");
    assert_eq!(
        glm.texts("#price-tags tr[data-seller=zhipuai] td.vs-routed .vs"),
        vec!["not comparable"]
    );
}

#[tokio::test]
async fn the_price_tags_api_gives_exact_per_million_prices_with_filters() {
    let app = app().await;
    let json = app
        .get("/api/price-tags.json?id=anthropic/claude-opus-4.8&kind=cloud")
        .await
        .json();
    let tags = json["price_tags"].as_array().unwrap();
    assert_eq!(tags.len(), 3);
    let regional = tags.iter().find(|t| t["region"] == "in-region").unwrap();
    assert_eq!(regional["seller_key"], "aws:in-region");
    assert_eq!(regional["prices_per_million"]["input"], "5.5");
    assert_eq!(regional["prices_per_million"]["cache_write_5m"], "6.875");
    assert_eq!(regional["source"], "genai-prices");
    assert_eq!(
        regional["source_url"],
        "https://aws.amazon.com/bedrock/pricing/"
    );
    assert!(
        regional["matched_by"]
            .as_str()
            .unwrap()
            .contains("anthropic.claude-opus-4-8")
    );

    // GPT-5.4's long-context tier: above 272,000 input tokens, $5 / $22.50.
    let gpt = app
        .get("/api/price-tags.json?id=openai/gpt-5.4&kind=first-party")
        .await
        .json();
    let tier = &gpt["price_tags"][0]["long_context"][0];
    assert_eq!(tier["min_prompt_tokens"], 272_001);
    assert_eq!(tier["prices_per_million"]["input"], "5");
    assert_eq!(tier["prices_per_million"]["output"], "22.5");

    let by_author = app
        .get("/api/price-tags.json?author=deepseek&kind=routed")
        .await
        .json();
    let ids: Vec<&str> = by_author["price_tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["model_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![
            "deepseek/deepseek-v4-flash",
            "deepseek/deepseek-v4-flash-0731"
        ]
    );

    let csv = app
        .get("/api/price-tags.csv?id=anthropic/claude-opus-4.8&kind=first-party")
        .await;
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].starts_with("model_id,seller,seller_key,kind,region,input_per_million"));
    assert!(
        lines[1].starts_with(
            "anthropic/claude-opus-4.8,Anthropic,anthropic,first-party,,5,25,0.5,6.25,10,2.5,12.5,"
        ),
        "{}",
        lines[1]
    );

    let bad = app.get("/api/price-tags.json?kind=reseller").await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]["fields"]["kind"]
            .as_str()
            .unwrap()
            .contains("first-party")
    );
    let unknown = app.get("/api/price-tags.csv?id=nobody/nothing").await;
    assert_eq!(unknown.status, 400);
}

#[tokio::test]
async fn about_and_the_guide_describe_both_sources_with_live_coverage() {
    let app = app().await;
    let about = app.get("/about").await;
    assert_eq!(about.status, 200);
    let section = about.texts("#official");
    assert_eq!(section.len(), 1);
    assert!(
        section[0].contains("2026-08-21 (17 entries from 9 makers and clouds)"),
        "{}",
        section[0]
    );
    // Coverage per source, from the fixture's 8 looked-up models: the makers' lists match
    // Opus 4.8, Sonnet 5, V4 Flash, GPT-5.4 and GLM 5.2 (its two lists count once) = 5;
    // Opus 4.8 Fast and V4 Flash 0731 are refused = 2; acme/alpha has no maker list.
    let rows = about.texts("#official table.official-coverage tbody tr");
    assert_eq!(rows[0], "Maker's own API 5 2");
    let refused = about.texts("#official-refusals li");
    assert!(
        refused
            .iter()
            .any(|r| r.contains("deepseek/deepseek-v4-flash-0731") && r.contains("\"-0731\"")),
        "{refused:?}"
    );
    assert!(about.body.contains("href=\"#official\""));
    let guide = app.get("/guide/why-prices-differ").await;
    assert_eq!(guide.texts("#every-tag").len(), 1);
}

/// The calculator's JSON for one workload at one `source`, as (id → bill).
async fn bills(app: &TestApp, query: &str) -> serde_json::Value {
    let response = app.get(&format!("/calculator?{query}&format=json")).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

fn bill<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["bills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("no bill for {id}: {json}"))
}

#[tokio::test]
async fn the_seeds_cache_check_holds_at_every_seller() {
    let app = app().await;
    // Opus 4.8 lists $5/M input and $0.50/M cache reads (10 % of input) on OpenRouter, at
    // Anthropic, on Bedrock (global) and on Vertex. With 70 % of input read from the cache:
    // 0.30 × $5 + 0.70 × $0.50 = $1.50 + $0.35 = $1.85 per million input tokens.
    let workload = "requests=1000&input_tokens=10000&output_tokens=1000&cache_hit=70\
                    &ids=anthropic/claude-opus-4.8";
    for (sellers, seller) in [
        ("", "OpenRouter (routed)"),
        ("&sellers=routed", "OpenRouter (routed)"),
        // Anthropic, Bedrock global and Vertex tie; the maker's own list comes first.
        ("&sellers=all&maker_and_clouds=1", "Anthropic"),
        // A tie with the routed price goes to the routed price.
        ("&sellers=all", "OpenRouter (routed)"),
    ] {
        let json = bills(&app, &format!("{workload}{sellers}")).await;
        let opus = bill(&json, "anthropic/claude-opus-4.8");
        assert_eq!(opus["effective_input_per_million"], "1.85", "{sellers}");
        assert_eq!(opus["seller"], seller, "{sellers}");
        let page = app.get(&format!("/calculator?{workload}{sellers}")).await;
        assert_eq!(page.status, 200, "{sellers}");
        assert_eq!(
            page.texts("tr.bill td.effective-input"),
            vec!["$1.85"],
            "{sellers}"
        );
    }
}

#[tokio::test]
async fn the_addresses_from_before_sellers_redirect_to_the_same_answer() {
    let app = app().await;
    let workload = "requests=1000&input_tokens=10000&output_tokens=1000&cache_hit=50";
    // The page reads its parameters in their canonical (sorted) order, and so writes them.
    let sorted = "cache_hit=50&input_tokens=10000&output_tokens=1000&requests=1000";
    for (old, new) in [
        ("source=routed", String::new()),
        (
            "source=official",
            "&sellers=all&maker_and_clouds=1".to_string(),
        ),
        ("source=cheapest", "&sellers=all".to_string()),
    ] {
        let moved = app.get(&format!("/calculator?{workload}&{old}")).await;
        assert_eq!(moved.status, 308, "{old}");
        assert_eq!(
            moved.headers["location"],
            format!("/calculator?{sorted}{new}"),
            "{old}"
        );
        // And the data a script asked for, too.
        let data = app
            .get(&format!("/calculator?{workload}&{old}&format=json"))
            .await;
        assert_eq!(data.status, 308, "{old}");
    }
    let bill = app
        .get(&format!(
            "/calculator/bill?{workload}&source=official&id=deepseek/deepseek-v4-flash"
        ))
        .await;
    assert_eq!(bill.status, 308);
    let landed = app.get(bill.headers["location"].to_str().unwrap()).await;
    assert_eq!(landed.status, 200);
    assert!(landed.texts("#bill-seller")[0].starts_with("Priced at DeepSeek"));
    // A value that never named a source says what to write instead.
    let bad = app
        .get(&format!("/calculator?{workload}&source=reseller"))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.texts("#sellers-error")[0].contains("routed (the default) or all"));
}

#[tokio::test]
async fn every_seller_bills_each_model_at_its_cheapest_seller_and_names_it() {
    let app = app().await;
    // DeepSeek V4 Flash, 1,000 requests of 10,000 input and 1,000 output tokens, half the input
    // from the cache: 10M input tokens, 5M uncached, 5M reads, 1M output.
    // Routed: 5 × $0.20 + 5 × $0.20 (its cache read) + 1 × $0.80 = $2.80.
    // DeepSeek's own list: 5 × $0.20 + 5 × $0.02 + 1 × $0.80 = $1.90.
    let workload = "requests=1000&input_tokens=10000&output_tokens=1000&cache_hit=50";
    let routed = bills(&app, workload).await;
    assert_eq!(
        bill(&routed, "deepseek/deepseek-v4-flash")["monthly_cost"],
        "2.8"
    );
    let all = bills(&app, &format!("{workload}&sellers=all")).await;
    let flash = bill(&all, "deepseek/deepseek-v4-flash");
    assert_eq!(flash["monthly_cost"], "1.9");
    assert_eq!(flash["seller"], "DeepSeek");
    assert_eq!(flash["seller_key"], "deepseek");
    assert_eq!(flash["seller_kind"], "first-party");
    assert_eq!(flash["seller_source"], "genai-prices");
    assert_eq!(flash["quantization"], serde_json::Value::Null);
    assert_eq!(flash["batch_price_source"], serde_json::Value::Null);
    // Every seller priced, cheapest first: DeepSeek, then the routed price.
    let sellers: Vec<(&str, &str, &str, bool)> = flash["sellers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["seller_key"].as_str().unwrap(),
                s["seller_kind"].as_str().unwrap(),
                s["monthly_cost"].as_str().unwrap(),
                s["cheapest"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sellers,
        [
            ("deepseek", "first-party", "1.9", true),
            ("openrouter", "routed", "2.8", false)
        ]
    );
    // GLM 5.2: Zhipu's CNY-derived list is cheaper on paper ($0.83/M input) but is never
    // billed; Z.AI's USD list ties with the routed price, which keeps the row.
    let glm = bill(&all, "z-ai/glm-5.2");
    assert_eq!(glm["seller"], "OpenRouter (routed)");
    let makers = bills(&app, &format!("{workload}&sellers=all&maker_and_clouds=1")).await;
    assert_eq!(bill(&makers, "z-ai/glm-5.2")["seller_key"], "zai");
    assert_eq!(makers["price_source"], "all");
    // A model no maker or cloud sells is listed apart, not dropped: Acme Alpha has no maker
    // list in the feed, and a dated snapshot is refused (it is not V4 Flash).
    let apart: Vec<&str> = makers["no_seller"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert!(apart.contains(&"acme/alpha"), "{apart:?}");
    assert!(
        apart.contains(&"deepseek/deepseek-v4-flash-0731"),
        "{apart:?}"
    );
    assert!(
        makers["bills"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| !apart.contains(&b["id"].as_str().unwrap()))
    );
    let page = app
        .get(&format!(
            "/calculator?{workload}&sellers=all&maker_and_clouds=1"
        ))
        .await;
    let listed = page.attrs("#no-seller li a", "href");
    assert!(
        listed.contains(&"/models/acme/alpha".to_string()),
        "{listed:?}"
    );
    // The table names each row's seller and how many were priced; the default table has
    // no seller column.
    let page = app
        .get(&format!("/calculator?{workload}&sellers=all"))
        .await;
    let row = page.texts("tr.bill[data-id='deepseek/deepseek-v4-flash'] td.seller");
    assert_eq!(row, vec!["DeepSeek cheapest of 2 sellers priced"]);
    // The CSV and JSON links and each row's bill keep the choice, once.
    let links = page.attrs("p.count a, tr.bill td.bill-link a", "href");
    assert!(links.len() > 2, "{links:?}");
    for href in links
        .iter()
        .filter(|h| h.contains("format=") || h.contains("/bill"))
    {
        assert_eq!(href.matches("sellers=all").count(), 1, "{href}");
    }
    let default = app.get(&format!("/calculator?{workload}")).await;
    assert!(default.texts("tr.bill td.seller").is_empty());
    assert!(
        !default.body.contains("sellers=all&"),
        "the default URL is unchanged"
    );
}

#[tokio::test]
async fn a_batch_is_billed_at_the_feeds_batch_price_or_at_the_makers_published_discount() {
    let app = app().await;
    // Every request through batch: 10M input × $2.50/M + 1M output × $12.50/M = $37.50 at
    // the batch price Anthropic's feed entry lists; Bedrock and Vertex list no batch price,
    // so on demand they would be 10 × $5 + 1 × $25 = $75.
    let workload = "requests=1000&input_tokens=10000&output_tokens=1000&batch=100\
                    &sellers=all&maker_and_clouds=1";
    let page = app
        .get(&format!(
            "/calculator/bill?{workload}&id=anthropic/claude-opus-4.8"
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.texts("#bill-monthly"), vec!["$37.50"]);
    let seller = page.texts("#bill-seller");
    assert!(seller[0].starts_with("Priced at Anthropic"), "{seller:?}");
    assert!(seller[0].contains("genai-prices"), "{seller:?}");
    assert!(seller[0].contains("21 Aug 2026"), "{seller:?}");
    assert!(!seller[0].contains("reviewed table"), "{seller:?}");
    // Every seller is listed, cheapest first, with where its batch price comes from.
    assert_eq!(
        page.attrs("table.sellers-bills tbody tr", "data-seller")[0],
        "anthropic"
    );
    assert_eq!(
        page.texts("table.sellers-bills tbody tr.cheapest td.batch"),
        ["its published batch price"]
    );
    // The way back keeps the choice of sellers.
    let back = page.attrs(".crumbs a", "href");
    assert!(back[0].contains("sellers=all"), "{back:?}");
    // GPT-5.4's feed entry has no batch price; OpenAI publishes 50 % off input and output
    // (our reviewed table): 10M × $1.25 + 1M × $7.50 = $20, against $25 + $15 = $40 routed
    // (no batch listing) and 10 × $2.75 + 1 × $16.50 = $44 on Bedrock.
    let json = bills(
        &app,
        "requests=1000&input_tokens=10000&output_tokens=1000&batch=100&sellers=all",
    )
    .await;
    let gpt = bill(&json, "openai/gpt-5.4");
    assert_eq!(gpt["monthly_cost"], "20");
    assert_eq!(gpt["seller_key"], "openai");
    assert_eq!(gpt["batch_price_source"], "maker-discount-table");
    // Opus ties at $37.50 between OpenRouter's batch listing and Anthropic's batch price; the
    // routed price keeps a tie. Among the maker and the clouds, Anthropic's comes from the feed.
    let opus = bill(&json, "anthropic/claude-opus-4.8");
    assert_eq!(opus["monthly_cost"], "37.5");
    assert_eq!(opus["batch_price_source"], "listing");
    let makers = bills(
        &app,
        "requests=1000&input_tokens=10000&output_tokens=1000&batch=100&sellers=all\
         &maker_and_clouds=1",
    )
    .await;
    assert_eq!(
        bill(&makers, "anthropic/claude-opus-4.8")["batch_price_source"],
        "feed"
    );
    let gpt_page = app
        .get(
            "/calculator/bill?requests=1000&input_tokens=10000&output_tokens=1000&batch=100\
             &sellers=all&id=openai/gpt-5.4",
        )
        .await;
    let line = gpt_page.texts("#bill-seller")[0].clone();
    assert!(
        line.contains("50 % off input and output")
            && line.contains("https://platform.openai.com/docs/guides/batch")
            && line.contains("reviewed table"),
        "{line}"
    );
    // A model with no maker or cloud seller has no bill here, and says why.
    let none = app
        .get(&format!("/calculator/bill?{workload}&id=acme/alpha"))
        .await;
    assert_eq!(none.status, 400);
    assert!(
        none.body.contains("no seller meets your filters"),
        "{}",
        none.body
    );
}

#[tokio::test]
async fn the_csv_has_a_seller_column_at_every_choice_of_sellers() {
    let app = app().await;
    let workload = "requests=1000&input_tokens=10000&output_tokens=1000&cache_hit=50";
    for (sellers, flash_seller) in [
        ("", "OpenRouter (routed)"),
        ("&sellers=all", "DeepSeek"),
        ("&sellers=all&maker_and_clouds=1", "DeepSeek"),
    ] {
        let csv = app
            .get(&format!("/calculator?{workload}{sellers}&format=csv"))
            .await;
        assert_eq!(csv.status, 200);
        let mut lines = csv.body.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let column = header.iter().position(|h| *h == "seller").unwrap();
        let flash = lines
            .find(|l| l.starts_with("deepseek/deepseek-v4-flash,"))
            .unwrap();
        assert_eq!(
            flash.split(',').nth(column),
            Some(flash_seller),
            "{sellers}"
        );
        // Every seller's kind and how many were priced close the row under sellers=all.
        assert_eq!(
            header.ends_with(&[
                "seller_kind",
                "quantization",
                "batch_price_source",
                "sellers_priced"
            ]),
            !sellers.is_empty(),
            "{sellers}"
        );
    }
    let bad = app
        .get(&format!("/calculator?{workload}&sellers=resellers"))
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.texts("#sellers-error")[0].contains("routed or all"));
}

#[tokio::test]
async fn the_price_tags_link_to_the_bill_at_every_seller_with_the_readers_workload() {
    let app = app().await;
    let page = app.get("/models/deepseek/deepseek-v4-flash").await;
    let href = page.attrs("#price-tags-calculator", "href");
    assert_eq!(href.len(), 1);
    assert!(
        href[0].starts_with("/calculator/bill?")
            && href[0].contains("ids=deepseek%2Fdeepseek-v4-flash&sellers=all")
            && href[0].ends_with("&id=deepseek%2Fdeepseek-v4-flash"),
        "{href:?}"
    );
    // The chat-assistant example (half the input from the cache) is cheaper at DeepSeek's
    // own $0.02/M cache read than at the routed $0.20/M.
    let bill = app.get(&href[0]).await;
    assert_eq!(bill.status, 200);
    assert_eq!(
        bill.attrs("table.sellers-bills tr.cheapest", "data-seller"),
        vec!["deepseek"]
    );
    // With a workload in the page's address, the link carries it, and so does "Price this
    // workload".
    let workload = "requests=1000&input_tokens=10000&output_tokens=1000&cache_hit=50";
    let page = app
        .get(&format!("/models/deepseek/deepseek-v4-flash?{workload}"))
        .await;
    assert_eq!(page.status, 200);
    let href = page.attrs("#price-tags-calculator", "href");
    assert!(href[0].contains(workload), "{href:?}");
    let actions = page.attrs("ul.model-actions a[href^='/calculator']", "href");
    assert_eq!(actions.len(), 1);
    assert!(actions[0].contains(workload), "{actions:?}");
    // A model no official list matches still has its sellers priced: the routed price.
    let alpha = app.get("/models/acme/alpha").await;
    assert_eq!(alpha.status, 200);
    assert_eq!(alpha.attrs("#price-tags-calculator", "href").len(), 1);
}

/// Issue 24: the same workload at the same seller costs the same to the cent on the
/// calculator (its page, JSON and CSV), the bill at every seller, the model page, `/compare`
/// and the price-tags API.
#[tokio::test]
async fn one_workload_at_one_seller_is_the_same_number_on_every_page() {
    let app = app().await;
    let id = "deepseek/deepseek-v4-flash";
    let workload =
        "requests=2000000&input_tokens=1500&output_tokens=400&cache_hit=70&batch=40&discount=10";
    let calculator = app
        .get(&format!(
            "/calculator?{workload}&ids={id}&sellers=all&format=json"
        ))
        .await
        .json();
    let sellers = calculator["bills"][0]["sellers"]
        .as_array()
        .unwrap()
        .clone();
    assert!(sellers.len() >= 2, "{sellers:?}");
    let tags = app
        .get(&format!("/api/price-tags.json?id={id}&{workload}"))
        .await;
    assert_eq!(tags.status, 200);
    let tags = tags.json();
    let page = app.get(&format!("/models/{id}?{workload}")).await;
    assert_eq!(page.status, 200);
    let bill = app
        .get(&format!(
            "/calculator/bill?{workload}&ids={id}&sellers=all&id={id}"
        ))
        .await;
    for seller in &sellers {
        let key = seller["seller_key"].as_str().unwrap();
        let cost = seller["monthly_cost"].as_str().unwrap();
        // The API publishes the price tags' key: the maker's is the same, the routed price is
        // `openrouter` in both.
        let tag = tags["price_tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["seller_key"] == key)
            .unwrap_or_else(|| panic!("no tag for {key}"));
        assert_eq!(tag["monthly_cost"], cost, "{key}");
        let shown = bill.texts(&format!(
            "table.sellers-bills tr[data-seller='{key}'] td.monthly"
        ));
        let on_page = page.texts(&format!("#price-tags tr[data-seller='{key}'] td.monthly"));
        assert_eq!(shown.len(), 1, "{key}");
        assert_eq!(on_page, shown, "{key}");
    }
    // The calculator bills the model at its cheapest seller: the same amount in its JSON,
    // its CSV (the exact figure, with the seller's key), its page's row and `/compare`'s
    // line, as on the bill and the model page.
    let cheapest = &sellers[0];
    let (key, cost) = (
        cheapest["seller_key"].as_str().unwrap(),
        cheapest["monthly_cost"].as_str().unwrap(),
    );
    assert_eq!(cheapest["cheapest"], true);
    assert_eq!(calculator["bills"][0]["monthly_cost"], cost);
    assert_eq!(calculator["bills"][0]["seller_key"], key);
    let csv = app
        .get(&format!(
            "/calculator?{workload}&ids={id}&sellers=all&format=csv"
        ))
        .await;
    assert_eq!(csv.status, 200);
    let mut lines = csv.body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines
        .find(|l| l.starts_with(&format!("{id},")))
        .unwrap()
        .split(',')
        .collect();
    let column = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(column("monthly_cost_usd"), cost);
    assert_eq!(column("seller_key"), key);
    let shown = bill.texts(&format!(
        "table.sellers-bills tr[data-seller='{key}'] td.monthly"
    ));
    let calculator_page = app
        .get(&format!("/calculator?{workload}&ids={id}&sellers=all"))
        .await;
    assert_eq!(calculator_page.status, 200);
    assert_eq!(
        calculator_page.texts(&format!("tr[data-id='{id}'] td.monthly")),
        shown
    );
    // (`/compare` compares two models or more.)
    let compare = app
        .get(&format!(
            "/compare?ids={id},anthropic/claude-opus-4.8&{workload}"
        ))
        .await;
    assert_eq!(compare.status, 200);
    assert_eq!(
        compare.texts(&format!(
            ".compare-sellers-table tr[data-id='{id}'] td.monthly"
        )),
        shown
    );
    // The page orders its sellers by that bill, cheapest first, like the calculator.
    let first = sellers[0]["seller_key"].as_str().unwrap();
    assert_eq!(page.attrs("#price-tags tbody tr", "data-seller")[0], first);
    assert_eq!(
        page.attrs("#price-tags tr.cheapest", "data-seller"),
        [first]
    );
    // Without a workload, the API carries no bill.
    let plain = app
        .get(&format!("/api/price-tags.json?id={id}"))
        .await
        .json();
    assert!(plain["price_tags"][0].get("monthly_cost").is_none());
    let bad = app
        .get(&format!("/api/price-tags.json?id={id}&requests=lots"))
        .await;
    assert_eq!(bad.status, 400);
}

/// Issue 24: `/compare` prices the reader's workload at each model's cheapest seller and its
/// filter form keeps the compared ids (it used to submit to `action=""` without them).
#[tokio::test]
async fn compare_takes_the_workload_and_its_filter_form_keeps_the_ids() {
    let app = app().await;
    let ids = "anthropic/claude-opus-4.8,deepseek/deepseek-v4-flash";
    let workload = "requests=1000&input_tokens=10000&output_tokens=1000&cache_hit=50";
    let page = app.get(&format!("/compare?ids={ids}&{workload}")).await;
    assert_eq!(page.status, 200);
    let calculator = app
        .get(&format!(
            "/calculator?{workload}&ids=deepseek/deepseek-v4-flash&sellers=all&format=json"
        ))
        .await
        .json();
    let flash = calculator["bills"][0]["monthly_cost"]
        .as_str()
        .unwrap()
        .to_string();
    let line =
        page.texts(".compare-sellers-table tr[data-id='deepseek/deepseek-v4-flash'] td.monthly");
    assert_eq!(line.len(), 1);
    // The page shows cents; the JSON the exact amount.
    let cents = |s: &str| {
        s.parse::<f64>()
            .map(|v| (v * 100.0).round() as i64)
            .unwrap()
    };
    assert_eq!(cents(&line[0].replace(['$', ','], "")), cents(&flash));
    assert_eq!(
        page.texts(".compare-sellers-table tr[data-id='deepseek/deepseek-v4-flash'] td.seller")[0],
        "DeepSeek maker's own API"
    );
    // One filter form, sending the ids and the workload with the filters, folded away as on
    // the model page until a filter is set.
    assert_eq!(page.attrs("form.provider-filters", "action"), ["/compare"]);
    assert_eq!(
        page.attrs("details.seller-filters > form.provider-filters", "action"),
        ["/compare"]
    );
    assert!(page.attrs("details.seller-filters", "open").is_empty());
    assert_eq!(
        page.attrs(
            "form.provider-filters input[type=hidden][name=ids]",
            "value"
        ),
        [ids]
    );
    assert_eq!(
        page.attrs(
            "form.provider-filters input[type=hidden][name=requests]",
            "value"
        ),
        ["1000"]
    );
    // Submitting it (with a filter) keeps the comparison.
    let filtered = app
        .get(&format!("/compare?ids={ids}&{workload}&maker_and_clouds=1"))
        .await;
    assert_eq!(filtered.status, 200);
    assert_eq!(filtered.attrs("details.seller-filters", "open"), [""]);
    assert_eq!(
        filtered
            .attrs(".compare-sellers-table tbody tr", "data-id")
            .len(),
        2
    );
    assert!(
        filtered
            .texts(".compare-sellers-table td.seller")
            .iter()
            .all(|s| !s.contains("OpenRouter")),
        "{:?}",
        filtered.texts(".compare-sellers-table td.seller")
    );
    let bad = app.get(&format!("/compare?ids={ids}&requests=-1")).await;
    assert_eq!(bad.status, 400);
}

/// With a workload, the model page's "Cheapest:" names every seller that ties on the bill,
/// as it does on the blend without one (it named the first of them alone).
#[tokio::test]
async fn sellers_that_tie_on_the_readers_bill_are_all_named() {
    let app = app().await;
    // 1,000 requests of 1,000 tokens in at $5/M and 100 out at $25/M: $5 + $2.50.
    let page = app
        .get("/models/anthropic/claude-opus-4.8?requests=1000&input_tokens=1000&output_tokens=100")
        .await;
    assert_eq!(page.status, 200);
    // The routed price is billed (the first of a tie); the maker and two clouds list the
    // same prices and are named beside it.
    assert_eq!(
        page.attrs("#price-tags tr.cheapest", "data-seller"),
        ["openrouter"]
    );
    assert_eq!(
        page.texts("#sellers-cheapest"),
        [
            "OpenRouter (routed) at $7.50 a month; the same at Anthropic, Amazon Bedrock (global), Google Vertex AI"
        ]
    );
    // Bedrock's in-region price is 10 % dearer: not a tie.
    let in_region = page.texts("#price-tags tr[data-seller='aws:in-region'] td.monthly");
    assert_eq!(in_region, ["$8.25"]);
}

/// A workload in the address that does not read is said above the sellers on the model page
/// and on `/compare` (both answered a silent 400, the page looking as if nothing was wrong).
#[tokio::test]
async fn a_workload_that_does_not_read_is_said_on_the_model_page_and_compare() {
    let app = app().await;
    let bad = "requests=5&input_tokens=-1&output_tokens=100";
    for path in [
        format!("/models/anthropic/claude-opus-4.8?{bad}"),
        format!("/compare?ids=anthropic/claude-opus-4.8,deepseek/deepseek-v4-flash&{bad}"),
    ] {
        let page = app.get(&path).await;
        assert_eq!(page.status, 400, "{path}");
        let said = page.texts("#workload-error");
        assert_eq!(said.len(), 1, "{path}: {}", page.body);
        assert!(
            said[0].starts_with("The workload in this page's address does not read")
                && said[0].to_lowercase().contains("input tokens"),
            "{path}: {said:?}"
        );
    }
    // A workload that reads says nothing of the kind.
    let good = app
        .get("/models/anthropic/claude-opus-4.8?requests=5&input_tokens=1&output_tokens=100")
        .await;
    assert_eq!(good.status, 200);
    assert!(good.texts("#workload-error").is_empty());
}
