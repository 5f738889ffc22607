//! The genai-prices v2 feed (`prices/new_data/v2/data.json`), read tolerantly: a JSON array of
//! providers, each with models that carry a `match` clause and prices per million tokens as JSON
//! numbers. Numbers are read from their exact text (serde_json's `arbitrary_precision`), never
//! through `f64`; unknown fields are ignored; one unreadable model is skipped with a reason and
//! counted, and the rest are kept.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

use crate::model::official::{Clause, DatedPrices, OfficialModel, Provider};
use crate::model::price::{Price, PriceOverride, PriceSet, Pricing};

/// Why one model entry was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{provider}/{model}: {reason}")]
pub struct Skipped {
    pub provider: String,
    pub model: String,
    pub reason: String,
}

/// Why a whole body was refused.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the price feed is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("the price feed is not a list of providers")]
    NotAList,
}

/// The result of reading one feed body.
#[derive(Debug, Default)]
pub struct ParsedFeed {
    pub providers: Vec<Provider>,
    /// Model entries seen, readable or not.
    pub seen: usize,
    pub skipped: Vec<Skipped>,
}

impl ParsedFeed {
    /// Readable model entries over all providers.
    pub fn model_count(&self) -> usize {
        self.providers.iter().map(|p| p.models.len()).sum()
    }
}

/// Per-million and per-thousand fields of the feed, and the OpenRouter-style key each becomes
/// (so the calculator and the pages treat both sources alike). Fields not listed keep their own
/// name in [`PriceSet::other`], still converted to a per-unit price.
const FIELDS: &[(&str, &str)] = &[
    ("input_mtok", "prompt"),
    ("output_mtok", "completion"),
    ("cache_read_mtok", "input_cache_read"),
    ("cache_write_mtok", "input_cache_write"),
    ("cache_write_5m_mtok", "input_cache_write"),
    ("cache_write_1h_mtok", "input_cache_write_1h"),
    ("output_reasoning_mtok", "internal_reasoning"),
    ("input_audio_mtok", "audio"),
    ("cache_audio_read_mtok", "input_audio_cache"),
    ("output_audio_mtok", "audio_output"),
    ("output_image_mtok", "image_output"),
    ("requests_kcount", "request"),
    ("web_searches_kcount", "web_search"),
];

const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
const THOUSAND: Decimal = Decimal::from_parts(1_000, 0, 0, false, 0);

/// Parses a whole feed body. Fails only if the body itself is unusable.
pub fn parse_feed(body: &[u8]) -> Result<ParsedFeed, FeedError> {
    let value: Value = serde_json::from_slice(body)?;
    let Value::Array(providers) = value else {
        return Err(FeedError::NotAList);
    };
    let mut parsed = ParsedFeed::default();
    let mut seen_providers = std::collections::HashSet::new();
    for (index, raw) in providers.iter().enumerate() {
        let Some(object) = raw.as_object() else {
            parsed.skipped.push(Skipped {
                provider: format!("#{index}"),
                model: "*".into(),
                reason: "provider entry is not an object".into(),
            });
            continue;
        };
        let Some(id) = clean_id(object.get("id")) else {
            parsed.skipped.push(Skipped {
                provider: format!("#{index}"),
                model: "*".into(),
                reason: "provider has no usable id".into(),
            });
            continue;
        };
        if !seen_providers.insert(id.clone()) {
            parsed.skipped.push(Skipped {
                provider: id,
                model: "*".into(),
                reason: "duplicate provider id".into(),
            });
            continue;
        }
        let models = object
            .get("models")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        parsed.seen += models.len();
        let mut provider = Provider {
            name: text(object.get("name")).unwrap_or_else(|| id.clone()),
            pricing_url: object
                .get("pricing_urls")
                .and_then(Value::as_array)
                .and_then(|urls| {
                    urls.iter()
                        .filter_map(Value::as_str)
                        .find(|u| is_web_url(u))
                })
                .map(str::to_string),
            fallback_model_providers: object
                .get("fallback_model_providers")
                .and_then(Value::as_array)
                .map(|ids| {
                    ids.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            price_comments: text(object.get("price_comments")),
            models: Vec::with_capacity(models.len()),
            id,
        };
        let mut seen_models = std::collections::HashSet::new();
        for (position, raw_model) in models.iter().enumerate() {
            let label = raw_model
                .get("id")
                .and_then(Value::as_str)
                .map(|s| s.chars().filter(|c| !c.is_control()).take(100).collect())
                .unwrap_or_else(|| format!("#{position}"));
            let skip = |reason: String| Skipped {
                provider: provider.id.clone(),
                model: label.clone(),
                reason,
            };
            match parse_model(raw_model) {
                Ok(model) if seen_models.insert(model.id.clone()) => provider.models.push(model),
                Ok(_) => parsed.skipped.push(skip("duplicate model id".into())),
                Err(reason) => parsed.skipped.push(skip(reason)),
            }
        }
        parsed.providers.push(provider);
    }
    Ok(parsed)
}

fn is_web_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2083
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn text(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .map(|s| {
            s.chars()
                .filter(|c| !c.is_control())
                .take(1000)
                .collect::<String>()
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Ids are single tokens without whitespace (the schema says `^\S+$`, at most 100 chars).
fn clean_id(value: Option<&Value>) -> Option<String> {
    let id = value?.as_str()?;
    (!id.is_empty() && id.len() <= 100 && !id.chars().any(|c| c.is_whitespace() || c.is_control()))
        .then(|| id.to_string())
}

/// Reads one model entry, or says why it cannot be read.
pub fn parse_model(raw: &Value) -> Result<OfficialModel, String> {
    let object = raw.as_object().ok_or("entry is not an object")?;
    let id = clean_id(object.get("id")).ok_or("entry has no usable id")?;
    let clause = parse_clause(object.get("match").ok_or("no match clause")?, 0)?;
    let schedule = match object.get("prices").ok_or("no prices")? {
        Value::Object(prices) => vec![DatedPrices {
            start_date: None,
            time_window: None,
            pricing: parse_prices(prices).map_err(|e| format!("prices.{e}"))?,
        }],
        Value::Array(list) if !list.is_empty() => list
            .iter()
            .enumerate()
            .map(|(i, entry)| parse_conditional(entry).map_err(|e| format!("prices[{i}].{e}")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err("prices is neither an object nor a non-empty list".into()),
    };
    let batch = match object.get("price_variants") {
        Some(Value::Array(variants)) => batch_variant(variants)?,
        _ => None,
    };
    Ok(OfficialModel {
        name: text(object.get("name")),
        context_window: object.get("context_window").and_then(Value::as_u64),
        deprecated: object.get("deprecated").and_then(Value::as_bool) == Some(true),
        clause,
        schedule,
        batch,
        id,
    })
}

/// Newer releases list batch (and flex, priority…) prices as
/// `price_variants: [{"when": {"service_tier": "batch"}, "prices": {...}}]`, each replacing the
/// standard prices key by key. We read the batch one; a variant with any other condition is
/// not a batch price and is left alone.
fn batch_variant(variants: &[Value]) -> Result<Option<Pricing>, String> {
    for (i, variant) in variants.iter().enumerate() {
        let Some(when) = variant.get("when").and_then(Value::as_object) else {
            continue;
        };
        let only_batch =
            when.len() == 1 && when.get("service_tier").and_then(Value::as_str) == Some("batch");
        if !only_batch {
            continue;
        }
        let prices = variant
            .get("prices")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("price_variants[{i}].prices is not an object"))?;
        return parse_prices(prices)
            .map(Some)
            .map_err(|e| format!("price_variants[{i}].prices.{e}"));
    }
    Ok(None)
}

fn parse_conditional(entry: &Value) -> Result<DatedPrices, String> {
    let object = entry.as_object().ok_or("entry is not an object")?;
    let prices = object
        .get("prices")
        .and_then(Value::as_object)
        .ok_or("prices is not an object")?;
    let pricing = parse_prices(prices).map_err(|e| format!("prices.{e}"))?;
    let mut dated = DatedPrices {
        start_date: None,
        time_window: None,
        pricing,
    };
    match object.get("constraint") {
        None | Some(Value::Null) => {}
        Some(Value::Object(constraint)) => {
            if let Some(date) = constraint.get("start_date") {
                let date = date
                    .as_str()
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .ok_or("constraint.start_date is not a YYYY-MM-DD date")?;
                dated.start_date = Some(date);
            } else if let (Some(start), Some(end)) = (
                constraint.get("start_time").and_then(Value::as_str),
                constraint.get("end_time").and_then(Value::as_str),
            ) {
                dated.time_window = Some((
                    start.chars().take(20).collect(),
                    end.chars().take(20).collect(),
                ));
            } else {
                return Err("constraint is neither a start date nor a time window".into());
            }
        }
        Some(_) => return Err("constraint is not an object".into()),
    }
    Ok(dated)
}

/// One price object: plain numbers or `{base, tiers}`, per million tokens (or per thousand
/// requests / searches), into per-unit prices; tiers become long-context overrides.
fn parse_prices(object: &Map<String, Value>) -> Result<Pricing, String> {
    let mut base = PriceSet::default();
    // Tier start -> the prices that apply above it.
    let mut tiers: BTreeMap<u64, PriceSet> = BTreeMap::new();
    for (field, value) in object {
        let (key, per) = match FIELDS.iter().find(|(f, _)| f == field) {
            Some((_, key)) => (*key, per_unit_divisor(field)),
            None if field.ends_with("_mtok") => (field.as_str(), MILLION),
            None if field.ends_with("_kcount") => (field.as_str(), THOUSAND),
            // Units we cannot state per token (per character, per hour…): not read.
            None => continue,
        };
        match value {
            Value::Number(_) => base.set(
                key,
                unit_price(value, per).map_err(|e| format!("{field}: {e}"))?,
            ),
            Value::Object(tiered) => {
                let base_value = tiered
                    .get("base")
                    .ok_or_else(|| format!("{field}: tiered price has no base"))?;
                base.set(
                    key,
                    unit_price(base_value, per).map_err(|e| format!("{field}.base: {e}"))?,
                );
                let list = tiered
                    .get("tiers")
                    .and_then(Value::as_array)
                    .ok_or_else(|| format!("{field}: tiered price has no tiers list"))?;
                for tier in list {
                    let start = tier
                        .get("start")
                        .and_then(Value::as_u64)
                        .ok_or_else(|| format!("{field}: a tier has no whole-number start"))?;
                    let price = tier
                        .get("price")
                        .ok_or_else(|| format!("{field}: a tier has no price"))?;
                    let price =
                        unit_price(price, per).map_err(|e| format!("{field}.tiers: {e}"))?;
                    tiers.entry(start).or_default().set(key, price);
                }
            }
            Value::Null => {}
            _ => {
                return Err(format!(
                    "{field}: price is neither a number nor a tiered price"
                ));
            }
        }
    }
    // The feed applies a tier when a request's input tokens exceed its start; our tiers apply
    // from `min_prompt_tokens` on, so the threshold is one token above the start.
    let overrides = tiers
        .into_iter()
        .map(|(start, prices)| PriceOverride {
            min_prompt_tokens: Some(start.saturating_add(1)),
            other_conditions: BTreeMap::new(),
            prices,
        })
        .collect();
    Ok(Pricing { base, overrides })
}

fn per_unit_divisor(field: &str) -> Decimal {
    if field.ends_with("_kcount") {
        THOUSAND
    } else {
        MILLION
    }
}

/// A JSON number from its exact text, through the one decimal parser, divided down to one unit.
fn unit_price(value: &Value, per: Decimal) -> Result<Price, String> {
    let Value::Number(number) = value else {
        return Err("price is not a number".into());
    };
    match Price::parse(&number.to_string()).map_err(|e| e.to_string())? {
        Price::Usd(amount) => amount
            .checked_div(per)
            .map(|p| Price::Usd(p.normalize()))
            .ok_or_else(|| "price is out of range".into()),
        // `-1` means "variable" only in OpenRouter's strings; here it is a negative price.
        Price::Variable => Err(format!("price {number} is negative")),
    }
}

const MAX_CLAUSE_DEPTH: usize = 16;

/// A `match` clause tree. Regexes are compiled (and refused when invalid) by the matcher.
fn parse_clause(value: &Value, depth: usize) -> Result<Clause, String> {
    if depth > MAX_CLAUSE_DEPTH {
        return Err("match clause is nested too deeply".into());
    }
    let object = value.as_object().ok_or("match clause is not an object")?;
    if object.len() != 1 {
        return Err("match clause must have exactly one key".into());
    }
    let (kind, inner) = object.iter().next().ok_or("match clause is empty")?;
    let pattern = || {
        inner
            .as_str()
            .filter(|s| s.len() <= 500)
            .map(str::to_string)
            .ok_or_else(|| format!("match.{kind} is not a string"))
    };
    let list = || -> Result<Vec<Clause>, String> {
        let items = inner
            .as_array()
            .ok_or_else(|| format!("match.{kind} is not a list"))?;
        items.iter().map(|c| parse_clause(c, depth + 1)).collect()
    };
    Ok(match kind.as_str() {
        "equals" => Clause::Equals(pattern()?),
        "starts_with" => Clause::StartsWith(pattern()?),
        "ends_with" => Clause::EndsWith(pattern()?),
        "contains" => Clause::Contains(pattern()?),
        "regex" => {
            let pattern = pattern()?;
            regex::Regex::new(&pattern)
                .map_err(|_| format!("match.regex {pattern:?} is not a valid pattern"))?;
            Clause::Regex(pattern)
        }
        "or" => Clause::Or(list()?),
        "and" => Clause::And(list()?),
        other => return Err(format!("unknown match clause {other:?}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::str::FromStr;

    fn usd(text: &str) -> Option<Price> {
        Some(Price::Usd(Decimal::from_str(text).unwrap()))
    }

    fn feed(models: Value) -> Vec<u8> {
        serde_json::to_vec(&json!([{"id": "maker", "name": "Maker", "api_pattern": "x",
            "pricing_urls": ["https://maker.example/pricing"], "models": models}]))
        .unwrap()
    }

    #[test]
    fn numbers_are_read_exactly_per_token() {
        // 0.00875 $/M is 0.00000000875 $/token; 0.1 $/M must not become 0.1000000000000000055…
        let body = br#"[{"id":"aws","name":"AWS","api_pattern":"x","models":[
            {"id":"m","match":{"equals":"m"},"prices":{"input_mtok":0.1,"cache_read_mtok":0.00875,
             "output_mtok":3.2e1,"requests_kcount":10}}]}]"#;
        let parsed = parse_feed(body).unwrap();
        let prices = &parsed.providers[0].models[0].schedule[0].pricing.base;
        assert_eq!(prices.prompt, usd("0.0000001"));
        assert_eq!(prices.input_cache_read, usd("0.00000000875"));
        assert_eq!(prices.completion, usd("0.000032"));
        // $10 per thousand requests is $0.01 a request.
        assert_eq!(prices.request, usd("0.01"));
    }

    #[test]
    fn tiers_become_long_context_overrides_above_their_start() {
        let body = feed(json!([{"id": "m", "match": {"equals": "m"}, "prices": {
            "input_mtok": {"base": 2, "tiers": [{"start": 200000, "price": 4}]},
            "output_mtok": {"base": 12, "tiers": [{"start": 200000, "price": 18}]}}}]));
        let parsed = parse_feed(&body).unwrap();
        let pricing = &parsed.providers[0].models[0].schedule[0].pricing;
        // "above 200,000 input tokens": 200,000 still pays the base rate, 200,001 the tier.
        assert_eq!(pricing.for_prompt(200_000).0.prompt, usd("0.000002"));
        let (above, tier) = pricing.for_prompt(200_001);
        assert_eq!(tier, Some(200_001));
        assert_eq!(above.prompt, usd("0.000004"));
        assert_eq!(above.completion, usd("0.000018"));
    }

    #[test]
    fn an_unreadable_entry_is_skipped_with_its_reason_and_the_rest_kept() {
        let body = feed(json!([
            {"id": "good", "match": {"equals": "good"}, "prices": {"input_mtok": 1}},
            {"id": "negative", "match": {"equals": "n"}, "prices": {"input_mtok": -3}},
            {"id": "string", "match": {"equals": "s"}, "prices": {"input_mtok": "1"}},
            {"id": "no-match", "prices": {"input_mtok": 1}},
            {"id": "bad-regex", "match": {"regex": "(unclosed"}, "prices": {"input_mtok": 1}},
            {"id": "strange-clause", "match": {"glob": "x*"}, "prices": {"input_mtok": 1}},
            {"id": "good", "match": {"equals": "dup"}, "prices": {"input_mtok": 1}},
            "not an object"
        ]));
        let parsed = parse_feed(&body).unwrap();
        assert_eq!(parsed.seen, 8);
        assert_eq!(parsed.model_count(), 1);
        assert_eq!(parsed.skipped.len(), 7);
        assert!(
            parsed.skipped[0].reason.contains("negative"),
            "{:?}",
            parsed.skipped[0]
        );
        assert!(parsed.skipped[5].reason.contains("duplicate"));
    }

    #[test]
    fn unknown_fields_are_ignored_and_batch_variants_read() {
        let body = feed(
            json!([{"id": "m", "match": {"equals": "m"}, "shiny_new_field": [1, 2],
            "prices": {"input_mtok": 5, "output_mtok": 25, "input_mchars": 3},
            "price_variants": [
                {"when": {"service_tier": "priority"}, "prices": {"input_mtok": 9}},
                {"when": {"service_tier": "batch"}, "prices": {"input_mtok": 2.5, "output_mtok": 12.5}}
            ]}]),
        );
        let parsed = parse_feed(&body).unwrap();
        let model = &parsed.providers[0].models[0];
        assert!(parsed.skipped.is_empty());
        let batch = model.batch.as_ref().unwrap();
        assert_eq!(batch.base.prompt, usd("0.0000025"));
        assert_eq!(batch.base.completion, usd("0.0000125"));
        // Per-character prices cannot be stated per token; they are left out, not guessed.
        assert!(model.schedule[0].pricing.base.other.is_empty());
    }

    #[test]
    fn dated_and_time_window_prices_are_kept_apart() {
        let body = feed(json!([{"id": "m", "match": {"equals": "m"}, "prices": [
            {"prices": {"input_mtok": 2}},
            {"constraint": {"start_date": "2026-09-01"}, "prices": {"input_mtok": 3}},
            {"constraint": {"start_time": "16:30:00Z", "end_time": "00:30:00Z"}, "prices": {"input_mtok": 1}}
        ]}]));
        let parsed = parse_feed(&body).unwrap();
        let schedule = &parsed.providers[0].models[0].schedule;
        assert_eq!(schedule.len(), 3);
        assert_eq!(schedule[1].start_date, NaiveDate::from_ymd_opt(2026, 9, 1));
        assert!(schedule[2].time_window.is_some());
    }

    #[test]
    fn a_body_that_is_not_a_provider_list_is_refused() {
        assert!(matches!(parse_feed(b"<html>"), Err(FeedError::NotJson(_))));
        assert!(matches!(
            parse_feed(b"{\"data\": []}"),
            Err(FeedError::NotAList)
        ));
    }
}
