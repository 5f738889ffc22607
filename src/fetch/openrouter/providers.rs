//! OpenRouter's `/providers` payload: who each upstream provider is, where it is based and
//! where it runs, and where its privacy policy, terms and status page live. Read tolerantly
//! like the catalogue: unknown fields are ignored, and one bad record is skipped without
//! sinking the rest.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::records::{clean_text, read_each};

/// More providers than this is not a real list (the saved list of May 2026 has 82).
pub const MAX_PROVIDERS: usize = 2_000;

/// One upstream provider as OpenRouter describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// OpenRouter's slug (`deepinfra`); the first part of an endpoint's tag.
    pub slug: String,
    pub name: String,
    /// ISO 3166-1 alpha-2 country code, upper-cased; `None` when not stated.
    pub headquarters: Option<String>,
    /// Countries the provider says it runs in, upper-cased, sorted, without duplicates;
    /// empty when not stated.
    pub datacenters: Vec<String>,
    pub privacy_policy_url: Option<String>,
    pub terms_of_service_url: Option<String>,
    pub status_page_url: Option<String>,
}

/// Why a whole providers body was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProvidersBodyError {
    #[error("response is not JSON: {0}")]
    NotJson(#[from] serde_json::Error),
    #[error("response has no provider list (expected {{\"data\": [...]}})")]
    NoProviderList,
    #[error("no usable provider listed ({skipped} skipped)")]
    Empty { skipped: usize },
    #[error("{0} providers listed, more than the {MAX_PROVIDERS} we accept")]
    TooMany(usize),
}

/// The usable providers of one body, and why the others were skipped.
#[derive(Debug, Default)]
pub struct ParsedProviders {
    /// Raw records in the body, readable or not.
    pub seen: usize,
    pub providers: Vec<ProviderInfo>,
    pub skipped: Vec<String>,
}

/// A two-letter country code, upper-cased; anything else is not a country we can show.
fn country(value: &Value) -> Option<String> {
    let text = value.as_str()?.trim();
    (text.len() == 2 && text.bytes().all(|b| b.is_ascii_alphabetic()))
        .then(|| text.to_ascii_uppercase())
}

/// Only absolute http(s) links are kept: the page links to them, so a `javascript:` or
/// relative value must never reach an `href`.
fn link(value: Option<&Value>) -> Option<String> {
    let text = clean_text(value, 500)?;
    let lower = text.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    (!rest.is_empty() && !text.contains(char::is_whitespace)).then_some(text)
}

/// Slugs are path segments of our own URLs (`/providers/{slug}`): lower-case letters,
/// digits, `-`, `_` and `.` only.
fn slug(value: Option<&Value>) -> Option<String> {
    let text = clean_text(value, 80)?.to_ascii_lowercase();
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .then_some(text)
        .filter(|s| s != "." && s != "..")
}

/// Reads one provider record.
pub fn parse_provider(record: &Value) -> Result<ProviderInfo, String> {
    if !record.is_object() {
        return Err("provider is not an object".into());
    }
    let slug = slug(record.get("slug")).ok_or_else(|| {
        let name = clean_text(record.get("name"), 60).unwrap_or_else(|| "a provider".into());
        format!("{name}: missing or unusable slug")
    })?;
    let mut datacenters: Vec<String> = record
        .get("datacenters")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(country).collect())
        .unwrap_or_default();
    datacenters.sort();
    datacenters.dedup();
    Ok(ProviderInfo {
        name: clean_text(record.get("name"), 100).unwrap_or_else(|| slug.clone()),
        headquarters: record.get("headquarters").and_then(country),
        datacenters,
        privacy_policy_url: link(record.get("privacy_policy_url")),
        terms_of_service_url: link(record.get("terms_of_service_url")),
        status_page_url: link(record.get("status_page_url")),
        slug,
    })
}

/// Parses a whole `/providers` body (`{"data": [...]}` or a bare array). Fails when the body
/// is unusable or leaves no usable provider: the stored list is never replaced by nothing.
/// A slug listed twice keeps its first record.
pub fn parse_providers_body(body: &[u8]) -> Result<ParsedProviders, ProvidersBodyError> {
    let value: Value = serde_json::from_slice(body)?;
    let records = value
        .get("data")
        .unwrap_or(&value)
        .as_array()
        .ok_or(ProvidersBodyError::NoProviderList)?;
    if records.len() > MAX_PROVIDERS {
        return Err(ProvidersBodyError::TooMany(records.len()));
    }
    let read = read_each(records, |record, kept: &[ProviderInfo]| {
        let p = parse_provider(record)?;
        if kept.iter().any(|q| q.slug == p.slug) {
            return Err(format!("{}: slug listed twice", p.slug));
        }
        Ok(p)
    });
    let parsed = ParsedProviders {
        seen: records.len(),
        providers: read.kept,
        skipped: read.skipped,
    };
    if parsed.providers.is_empty() {
        return Err(ProvidersBodyError::Empty {
            skipped: parsed.skipped.len(),
        });
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<ParsedProviders, ProvidersBodyError> {
        parse_providers_body(&serde_json::to_vec(&value).unwrap())
    }

    #[test]
    fn a_provider_keeps_its_places_and_links_and_ignores_unknown_fields() {
        let parsed = parse(json!({"data": [{
            "name": "Nimbus Compute", "slug": "Nimbus", "headquarters": "us",
            "datacenters": ["SG", "us", "US", "Singapore", 7],
            "privacy_policy_url": "https://nimbus.example/privacy",
            "terms_of_service_url": "javascript:alert(1)",
            "status_page_url": "/status",
            "some_new_field": {"nested": true}
        }]}))
        .unwrap();
        let p = &parsed.providers[0];
        assert_eq!(p.slug, "nimbus");
        assert_eq!(p.headquarters.as_deref(), Some("US"));
        // Sorted, de-duplicated, and only two-letter codes.
        assert_eq!(p.datacenters, ["SG", "US"]);
        assert_eq!(
            p.privacy_policy_url.as_deref(),
            Some("https://nimbus.example/privacy")
        );
        assert_eq!(p.terms_of_service_url, None);
        assert_eq!(p.status_page_url, None);
    }

    #[test]
    fn absent_places_read_as_not_stated() {
        let parsed = parse(json!([
            {"name": "A", "slug": "a", "headquarters": null, "datacenters": null},
            {"name": "B", "slug": "b", "datacenters": []}
        ]))
        .unwrap();
        for p in &parsed.providers {
            assert_eq!(p.headquarters, None);
            assert!(p.datacenters.is_empty());
        }
    }

    #[test]
    fn bad_records_are_skipped_but_an_empty_list_is_refused() {
        let parsed = parse(json!({"data": [
            {"name": "Good", "slug": "good"},
            {"name": "No slug"},
            {"name": "Path", "slug": "../etc"},
            {"name": "Again", "slug": "good"},
            "text"
        ]}))
        .unwrap();
        assert_eq!(parsed.seen, 5);
        assert_eq!(parsed.providers.len(), 1);
        assert_eq!(parsed.skipped.len(), 4);
        assert!(matches!(
            parse(json!({"data": []})),
            Err(ProvidersBodyError::Empty { skipped: 0 })
        ));
        assert!(matches!(
            parse(json!({"data": {"slug": "x"}})),
            Err(ProvidersBodyError::NoProviderList)
        ));
        assert!(matches!(
            parse_providers_body(b"{\"data\": ["),
            Err(ProvidersBodyError::NotJson(_))
        ));
    }
}
