//! OpenRouter's `/models` payload, read tolerantly: unknown fields are ignored, both the
//! `{"data": [...]}` envelope and a bare array are accepted, and each record is checked
//! on its own so one bad record never sinks the rest.

use std::collections::BTreeMap;

use std::collections::HashSet;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::model::price::{Price, PriceOverride, PriceSet, Pricing};
use crate::model::{Model, Quality, author_of, classify, is_valid_id};

/// Why one record was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("record is not an object")]
    NotAnObject,
    #[error("record has no usable id")]
    MissingId,
    #[error("model {id}: id is malformed")]
    BadId { id: String },
    #[error("record of {bytes} bytes is larger than we read ({MAX_RECORD_BYTES})")]
    TooLarge { bytes: usize },
    #[error("model {id}: {field}: {reason}")]
    BadField {
        id: String,
        field: String,
        reason: String,
    },
}

/// Why a whole body was refused.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("response is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("response JSON has no model list (expected {{\"data\": [...]}} or an array)")]
    NoModelList,
}

/// A record bigger than this is skipped unread. Real records are under 4 KB (the largest
/// in the saved 22-day series is 3,934 bytes); the cap bounds what one record can cost to parse.
pub const MAX_RECORD_BYTES: usize = 256 * 1024;

/// The result of reading one `/models` body.
#[derive(Debug, Default)]
pub struct ParsedCatalogue {
    pub models: Vec<Model>,
    pub skipped: Vec<RecordError>,
    /// Records seen in the body, good and bad, including any beyond the limit.
    pub seen: usize,
    /// Ids of skipped records that did name a model: that model must keep what we know of it.
    pub unreadable_ids: HashSet<String>,
    /// Skipped records with no readable id (not an object, no id, too large to read).
    pub unidentified: usize,
}

impl ParsedCatalogue {
    fn skip(&mut self, err: RecordError) {
        match &err {
            RecordError::BadField { id, .. } => {
                self.unreadable_ids.insert(id.clone());
            }
            // A malformed id can never be one we stored (they are all valid).
            RecordError::BadId { .. } => {}
            RecordError::NotAnObject | RecordError::MissingId | RecordError::TooLarge { .. } => {
                self.unidentified += 1;
            }
        }
        self.skipped.push(err);
    }
}

/// Reads the list's records one at a time straight from the body: at most `max_records` are
/// parsed (each as its own small JSON value), the rest are only counted, so a hostile body
/// costs little more memory than its own bytes.
struct Records<'p> {
    parsed: &'p mut ParsedCatalogue,
    seen_ids: &'p mut HashSet<String>,
    max_records: usize,
    /// Set when a record is valid JSON that `Value` still cannot hold (nested too deep).
    fatal: &'p mut Option<serde_json::Error>,
}

impl<'de> DeserializeSeed<'de> for Records<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of model records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while self.parsed.seen < self.max_records {
            let Some(raw) = seq.next_element::<&'de RawValue>()? else {
                return Ok(());
            };
            self.parsed.seen += 1;
            let text = raw.get();
            if text.len() > MAX_RECORD_BYTES {
                self.parsed
                    .skip(RecordError::TooLarge { bytes: text.len() });
                continue;
            }
            let record: Value = match serde_json::from_str(text) {
                Ok(record) => record,
                Err(err) => {
                    *self.fatal = Some(err);
                    return Err(de::Error::custom("unreadable record"));
                }
            };
            match parse_model(&record) {
                // A duplicated id keeps its first record; the copy is reported, not merged.
                Ok(model) if !self.seen_ids.insert(model.id.clone()) => {
                    self.parsed.skip(RecordError::BadField {
                        id: model.id,
                        field: "id".into(),
                        reason: "duplicate id".into(),
                    });
                }
                Ok(model) => self.parsed.models.push(model),
                Err(err) => self.parsed.skip(err),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {
            self.parsed.seen += 1;
        }
        Ok(())
    }
}

/// `{"data": [...], ...}` or a bare `[...]`; the visitor says whether a list was found.
struct Envelope<'p>(Records<'p>);

impl<'de> Visitor<'de> for Envelope<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("{\"data\": [...]} or a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        self.0.visit_seq(seq).map(|()| true)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut records = Some(self.0);
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match records.take() {
                Some(seed) if key == "data" => map.next_value_seed(seed)?,
                seed => {
                    records = seed;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(records.is_none())
    }
}

/// Parses a whole `/models` body, reading at most `max_records` records (the rest are
/// counted in `seen`). Fails only if the body itself is unusable.
pub fn parse_models_body(body: &[u8], max_records: usize) -> Result<ParsedCatalogue, BodyError> {
    let mut parsed = ParsedCatalogue::default();
    let mut seen_ids = HashSet::new();
    let mut fatal = None;
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let envelope = Envelope(Records {
        parsed: &mut parsed,
        seen_ids: &mut seen_ids,
        max_records,
        fatal: &mut fatal,
    });
    let result = deserializer
        .deserialize_any(envelope)
        .and_then(|found| deserializer.end().map(|()| found));
    if let Some(err) = fatal {
        return Err(BodyError::NotJson(err));
    }
    match result {
        Ok(true) => Ok(parsed),
        Ok(false) => Err(BodyError::NoModelList),
        Err(err) if err.is_data() => Err(BodyError::NoModelList),
        Err(err) => Err(BodyError::NotJson(err)),
    }
}

fn str_field(record: &Value, key: &str) -> Option<String> {
    record
        .get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn u64_field(value: Option<&Value>) -> Option<u64> {
    value.and_then(|v| {
        v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| *f >= 0.0 && *f < 1e15)
                .map(|f| f as u64)
        })
    })
}

fn string_list(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn price_value(value: &Value) -> Option<Result<Price, String>> {
    match value {
        Value::String(text) => Some(Price::parse(text).map_err(|e| e.to_string())),
        // Prices arrive as strings; a JSON number is read from its exact text.
        Value::Number(number) => Some(Price::parse(&number.to_string()).map_err(|e| e.to_string())),
        _ => None,
    }
}

fn parse_price_set(
    id: &str,
    field: &str,
    object: &serde_json::Map<String, Value>,
) -> Result<PriceSet, RecordError> {
    let mut set = PriceSet::default();
    for (key, value) in object {
        // `overrides` and `min_prompt_tokens` are structure, `discount` is a number of a
        // different kind; neither is a per-unit price.
        if matches!(key.as_str(), "overrides" | "min_prompt_tokens" | "discount") {
            continue;
        }
        match price_value(value) {
            Some(Ok(price)) => set.set(key, price),
            Some(Err(reason)) => {
                return Err(RecordError::BadField {
                    id: id.to_string(),
                    field: format!("{field}.{key}"),
                    reason,
                });
            }
            // null is "not listed"; any other shape under a price key we know is a broken
            // record, not a free component.
            None if !value.is_null() && crate::model::price::Component::from_key(key).is_some() => {
                return Err(RecordError::BadField {
                    id: id.to_string(),
                    field: format!("{field}.{key}"),
                    reason: "price is neither a decimal string nor a number".into(),
                });
            }
            None => {}
        }
    }
    Ok(set)
}

/// Reads a `pricing` object (also used for endpoint listings).
pub fn parse_pricing(id: &str, value: Option<&Value>) -> Result<Pricing, RecordError> {
    let Some(object) = value.and_then(Value::as_object) else {
        return Err(RecordError::BadField {
            id: id.to_string(),
            field: "pricing".into(),
            reason: "missing".into(),
        });
    };
    let base = parse_price_set(id, "pricing", object)?;
    let mut overrides = Vec::new();
    if let Some(list) = object.get("overrides").and_then(Value::as_array) {
        for entry in list {
            let Some(entry) = entry.as_object() else {
                continue;
            };
            let mut prices = serde_json::Map::new();
            let mut other_conditions = BTreeMap::new();
            let mut min_prompt_tokens = None;
            for (key, value) in entry {
                if key == "min_prompt_tokens" {
                    min_prompt_tokens = u64_field(Some(value));
                } else if value.is_string() || value.is_number() {
                    prices.insert(key.clone(), value.clone());
                } else {
                    other_conditions.insert(key.clone(), value.to_string());
                }
            }
            // Keys whose values are not prices (time windows) are conditions.
            let mut condition_keys = Vec::new();
            for (key, value) in &prices {
                if price_value(value).is_some_and(|p| p.is_err()) && looks_like_condition(key) {
                    condition_keys.push(key.clone());
                }
            }
            for key in condition_keys {
                if let Some(value) = prices.remove(&key) {
                    other_conditions.insert(key, value.to_string());
                }
            }
            overrides.push(PriceOverride {
                min_prompt_tokens,
                other_conditions,
                prices: parse_price_set(id, "pricing.overrides", &prices)?,
            });
        }
    }
    Ok(Pricing { base, overrides })
}

fn looks_like_condition(key: &str) -> bool {
    key.contains("time")
        || key.contains("utc")
        || key.contains("start")
        || key.contains("end")
        || key.contains("day")
}

/// Normalises one record into our [`Model`].
pub fn parse_model(record: &Value) -> Result<Model, RecordError> {
    if !record.is_object() {
        return Err(RecordError::NotAnObject);
    }
    let id = str_field(record, "id").ok_or(RecordError::MissingId)?;
    if !is_valid_id(&id) {
        return Err(RecordError::BadId {
            id: id.chars().filter(|c| !c.is_control()).take(80).collect(),
        });
    }
    let pricing = parse_pricing(&id, record.get("pricing"))?;
    let alias_target = record
        .get("alias_target")
        .and_then(|t| t.get("slug"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|slug| is_valid_id(slug));
    let (variant, base_id) = classify(&id, alias_target.as_deref());
    let architecture = record.get("architecture");
    let top = record.get("top_provider");
    let aa = record
        .get("benchmarks")
        .and_then(|b| b.get("artificial_analysis"));
    let index = |key: &str| {
        aa.and_then(|a| a.get(key))
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite() && (0.0..=1000.0).contains(v))
    };
    let name = str_field(record, "name").unwrap_or_else(|| id.clone());
    Ok(Model {
        author: author_of(&id),
        name: name.chars().filter(|c| !c.is_control()).take(200).collect(),
        description: str_field(record, "description").unwrap_or_default(),
        created: record.get("created").and_then(Value::as_i64),
        canonical_slug: str_field(record, "canonical_slug"),
        context_length: u64_field(record.get("context_length"))
            .or_else(|| u64_field(top.and_then(|t| t.get("context_length")))),
        max_completion_tokens: u64_field(top.and_then(|t| t.get("max_completion_tokens"))),
        is_moderated: top
            .and_then(|t| t.get("is_moderated"))
            .and_then(Value::as_bool),
        input_modalities: string_list(architecture.and_then(|a| a.get("input_modalities"))),
        output_modalities: string_list(architecture.and_then(|a| a.get("output_modalities"))),
        tokenizer: architecture
            .and_then(|a| a.get("tokenizer"))
            .and_then(Value::as_str)
            .map(str::to_string),
        supported_parameters: string_list(record.get("supported_parameters")),
        knowledge_cutoff: str_field(record, "knowledge_cutoff"),
        expiration_date: str_field(record, "expiration_date"),
        alias_target,
        pricing,
        quality: Quality {
            intelligence: index("intelligence_index"),
            coding: index("coding_index"),
            agentic: index("agentic_index"),
        },
        variant,
        base_id,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_envelopes_are_accepted() {
        let record =
            json!({"id": "a/b", "pricing": {"prompt": "0.000001", "completion": "0.000002"}});
        let wrapped =
            serde_json::to_vec(&json!({"data": [record.clone()], "total_count": 1})).unwrap();
        let bare = serde_json::to_vec(&json!([record])).unwrap();
        assert_eq!(parse_models_body(&wrapped, 10).unwrap().models.len(), 1);
        assert_eq!(parse_models_body(&bare, 10).unwrap().models.len(), 1);
    }

    #[test]
    fn a_bad_record_is_skipped_and_counted() {
        let body = serde_json::to_vec(&json!({"data": [
            {"id": "a/good", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
            {"id": "a/bad", "pricing": {"prompt": "NaN", "completion": "0.000002"}},
            {"name": "no id", "pricing": {}},
            {"id": "../etc/passwd", "pricing": {"prompt": "0"}},
            "not an object",
        ]}))
        .unwrap();
        let parsed = parse_models_body(&body, 10).unwrap();
        assert_eq!(parsed.seen, 5);
        assert_eq!(parsed.models.len(), 1);
        assert_eq!(parsed.skipped.len(), 4);
    }

    #[test]
    fn html_or_object_without_list_is_refused() {
        assert!(matches!(
            parse_models_body(b"<html>oops</html>", 10),
            Err(BodyError::NotJson(_))
        ));
        assert!(matches!(
            parse_models_body(b"{\"error\": 1}", 10),
            Err(BodyError::NoModelList)
        ));
    }

    #[test]
    fn overrides_keep_omitted_keys_and_conditions() {
        let record = json!({"id": "openai/gpt-5.4", "pricing": {
        "prompt": "0.0000025", "completion": "0.000015",
        "overrides": [
            {"min_prompt_tokens": 272000, "prompt": "0.000005"},
            {"start_time_utc": "22:00", "prompt": "0.000001"}
        ]}});
        let model = parse_model(&record).unwrap();
        assert_eq!(model.pricing.overrides.len(), 2);
        assert_eq!(model.pricing.overrides[0].min_prompt_tokens, Some(272_000));
        assert!(
            model.pricing.overrides[1]
                .other_conditions
                .contains_key("start_time_utc")
        );
        assert_eq!(model.pricing.tiers().len(), 1);
    }
}
