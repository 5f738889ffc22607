//! OpenRouter's `/models/{id}/endpoints` payload: every upstream provider serving a model,
//! with its own prices and limits. Read tolerantly like the catalogue: unknown fields are
//! ignored, and one bad endpoint is skipped without sinking the rest.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalogue::parse_pricing;
use super::records::{clean_text, read_each};
use crate::model::price::Pricing;

/// More endpoints than this for one model is not a real listing.
pub const MAX_ENDPOINTS: usize = 500;

/// One provider's endpoint for a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Endpoint {
    pub provider_name: String,
    /// OpenRouter's endpoint tag (`deepinfra/fp8`); the provider name when none is given.
    pub tag: String,
    pub name: Option<String>,
    pub pricing: Pricing,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub max_prompt_tokens: Option<u64>,
    /// Lower-cased as listed (`fp8`, `bf16`, `unknown`), `None` when absent.
    pub quantization: Option<String>,
    /// 0 is normal; OpenRouter uses negative values to flag a degraded endpoint.
    pub status: Option<i64>,
    /// Uptime percentages over the last 5 minutes, 30 minutes and day.
    pub uptime_last_5m: Option<f64>,
    pub uptime_last_30m: Option<f64>,
    pub uptime_last_1d: Option<f64>,
    /// Request parameters the endpoint accepts (`tools`, `structured_outputs`, …), as
    /// listed; empty when the listing gave none.
    #[serde(default)]
    pub supported_parameters: Vec<String>,
    /// Whether the provider caches repeated prompt prefixes without being asked.
    #[serde(default)]
    pub supports_implicit_caching: Option<bool>,
    /// Median latency to the first token over the last 30 minutes, in milliseconds.
    /// OpenRouter publishes it only to signed-in callers: `None` means not published.
    #[serde(default)]
    pub latency_last_30m: Option<f64>,
    /// Median tokens per second over the last 30 minutes; `None` means not published.
    #[serde(default)]
    pub throughput_last_30m: Option<f64>,
}

/// Why a whole endpoints body was refused.
#[derive(Debug, thiserror::Error)]
pub enum EndpointsBodyError {
    #[error("response is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("response has no endpoint list (expected {{\"data\": {{\"endpoints\": [...]}}}})")]
    NoEndpointList,
    #[error("response lists endpoints of {got:?}, not of {expected:?}")]
    WrongModel { expected: String, got: String },
    #[error("no usable endpoint listed ({skipped} skipped)")]
    Empty { skipped: usize },
    #[error("{0} endpoints listed, more than the {MAX_ENDPOINTS} we accept")]
    TooMany(usize),
}

/// The usable endpoints of one body, and why the others were skipped.
#[derive(Debug, Default)]
pub struct ParsedEndpoints {
    pub endpoints: Vec<Endpoint>,
    pub skipped: Vec<String>,
}

fn count(value: Option<&Value>) -> Option<u64> {
    value.and_then(|v| {
        v.as_u64().or_else(|| {
            v.as_f64()
                .filter(|f| *f >= 0.0 && *f < 1e15)
                .map(|f| f as u64)
        })
    })
}

fn uptime(value: Option<&Value>) -> Option<f64> {
    value
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite() && (0.0..=100.0).contains(v))
}

/// A published performance figure: a plain number, or the median of a percentile object
/// (`{"p50": …}`); never negative. `null` stays `None` (not published), never 0.
fn performance(value: Option<&Value>) -> Option<f64> {
    let value = value?;
    value
        .as_f64()
        .or_else(|| value.get("p50").and_then(Value::as_f64))
        .filter(|v| v.is_finite() && *v >= 0.0 && *v < 1e9)
}

/// At most 64 parameter names of at most 64 characters each.
fn parameters(value: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = value
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|v| clean_text(Some(v), 64))
                .take(64)
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names.dedup();
    names
}

/// Reads one endpoint record of model `id`.
pub fn parse_endpoint(id: &str, record: &Value) -> Result<Endpoint, String> {
    if !record.is_object() {
        return Err("endpoint is not an object".into());
    }
    let provider_name = clean_text(record.get("provider_name"), 100)
        .ok_or_else(|| "endpoint has no provider name".to_string())?;
    let pricing = parse_pricing(id, record.get("pricing")).map_err(|e| {
        format!("{provider_name}: {e}")
            .chars()
            .take(200)
            .collect::<String>()
    })?;
    Ok(Endpoint {
        tag: clean_text(record.get("tag"), 100).unwrap_or_else(|| provider_name.clone()),
        name: clean_text(record.get("name"), 200),
        pricing,
        context_length: count(record.get("context_length")),
        max_completion_tokens: count(record.get("max_completion_tokens")),
        max_prompt_tokens: count(record.get("max_prompt_tokens")),
        quantization: clean_text(record.get("quantization"), 32).map(|q| q.to_ascii_lowercase()),
        status: record
            .get("status")
            .and_then(Value::as_i64)
            .filter(|s| (-1000..=1000).contains(s)),
        uptime_last_5m: uptime(record.get("uptime_last_5m")),
        uptime_last_30m: uptime(record.get("uptime_last_30m")),
        uptime_last_1d: uptime(record.get("uptime_last_1d")),
        supported_parameters: parameters(record.get("supported_parameters")),
        supports_implicit_caching: record
            .get("supports_implicit_caching")
            .and_then(Value::as_bool),
        latency_last_30m: performance(record.get("latency_last_30m")),
        throughput_last_30m: performance(record.get("throughput_last_30m")),
        provider_name,
    })
}

/// Parses a whole `/models/{id}/endpoints` body for model `id`. Fails when the body is
/// unusable, describes another model, or leaves no usable endpoint: a model's stored
/// endpoints are never replaced by nothing.
pub fn parse_endpoints_body(id: &str, body: &[u8]) -> Result<ParsedEndpoints, EndpointsBodyError> {
    let value: Value = serde_json::from_slice(body)?;
    let data = value.get("data").unwrap_or(&value);
    if let Some(got) = data.get("id").and_then(Value::as_str)
        && got != id
    {
        return Err(EndpointsBodyError::WrongModel {
            expected: id.to_string(),
            got: got.chars().filter(|c| !c.is_control()).take(80).collect(),
        });
    }
    let records = data
        .get("endpoints")
        .and_then(Value::as_array)
        .ok_or(EndpointsBodyError::NoEndpointList)?;
    if records.len() > MAX_ENDPOINTS {
        return Err(EndpointsBodyError::TooMany(records.len()));
    }
    let read = read_each(records, |record, _| parse_endpoint(id, record));
    let parsed = ParsedEndpoints {
        endpoints: read.kept,
        skipped: read.skipped,
    };
    if parsed.endpoints.is_empty() {
        return Err(EndpointsBodyError::Empty {
            skipped: parsed.skipped.len(),
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(endpoints: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({"data": {"id": "x/y", "endpoints": endpoints}})).unwrap()
    }

    #[test]
    fn an_endpoint_keeps_every_price_component_and_figure() {
        let parsed = parse_endpoints_body(
            "x/y",
            &body(json!([{
                "provider_name": "Fastly AI", "tag": "fastly/fp8", "quantization": "FP8",
                "context_length": 131072, "max_completion_tokens": 8192, "max_prompt_tokens": null,
                "status": -2, "uptime_last_5m": 97.5, "uptime_last_30m": 99.0, "uptime_last_1d": 150.0,
                "pricing": {"prompt": "0.0000001", "completion": "0.0000004",
                            "input_cache_read": "0.00000001", "discount": 0}
            }])),
        )
        .unwrap();
        let e = &parsed.endpoints[0];
        assert_eq!(e.tag, "fastly/fp8");
        assert_eq!(e.quantization.as_deref(), Some("fp8"));
        assert_eq!(e.context_length, Some(131_072));
        assert_eq!(e.max_prompt_tokens, None);
        assert_eq!(e.status, Some(-2));
        assert_eq!(e.uptime_last_5m, Some(97.5));
        // An impossible percentage is dropped, not shown.
        assert_eq!(e.uptime_last_1d, None);
        assert!(e.pricing.base.input_cache_read.is_some());
    }

    #[test]
    fn features_are_read_and_unpublished_performance_stays_unknown() {
        let parsed = parse_endpoints_body(
            "x/y",
            &body(json!([
                {"provider_name": "A", "pricing": {"prompt": "0.000001", "completion": "0.000002"},
                 "supported_parameters": ["tools", "structured_outputs", "tools", 3],
                 "supports_implicit_caching": true,
                 "latency_last_30m": null, "throughput_last_30m": null},
                {"provider_name": "B", "pricing": {"prompt": "0.000001", "completion": "0.000002"},
                 "latency_last_30m": {"p50": 420.5, "p90": 900}, "throughput_last_30m": 61.0,
                 "supports_implicit_caching": "yes"}
            ])),
        )
        .unwrap();
        let (a, b) = (&parsed.endpoints[0], &parsed.endpoints[1]);
        assert_eq!(a.supported_parameters, ["structured_outputs", "tools"]);
        assert_eq!(a.supports_implicit_caching, Some(true));
        assert_eq!(a.latency_last_30m, None);
        assert_eq!(a.throughput_last_30m, None);
        assert!(b.supported_parameters.is_empty());
        assert_eq!(b.supports_implicit_caching, None);
        assert_eq!(b.latency_last_30m, Some(420.5));
        assert_eq!(b.throughput_last_30m, Some(61.0));
    }

    #[test]
    fn a_bad_endpoint_is_skipped_but_an_empty_list_is_refused() {
        let parsed = parse_endpoints_body(
            "x/y",
            &body(json!([
                {"provider_name": "Good", "pricing": {"prompt": "0.000001", "completion": "0.000002"}},
                {"provider_name": "Bad", "pricing": {"prompt": "NaN"}},
                {"pricing": {"prompt": "0.000001"}},
                "text"
            ])),
        )
        .unwrap();
        assert_eq!(parsed.endpoints.len(), 1);
        assert_eq!(parsed.endpoints[0].tag, "Good");
        assert_eq!(parsed.skipped.len(), 3);
        assert!(matches!(
            parse_endpoints_body("x/y", &body(json!([]))),
            Err(EndpointsBodyError::Empty { skipped: 0 })
        ));
    }

    #[test]
    fn malformed_or_foreign_bodies_are_refused() {
        assert!(matches!(
            parse_endpoints_body("x/y", b"{\"data\": {\"endpoints\": [}"),
            Err(EndpointsBodyError::NotJson(_))
        ));
        assert!(matches!(
            parse_endpoints_body("x/y", b"{\"data\": {\"id\": \"x/y\"}}"),
            Err(EndpointsBodyError::NoEndpointList)
        ));
        let other = serde_json::to_vec(&json!({"data": {"id": "a/b", "endpoints": []}})).unwrap();
        assert!(matches!(
            parse_endpoints_body("x/y", &other),
            Err(EndpointsBodyError::WrongModel { .. })
        ));
    }
}
