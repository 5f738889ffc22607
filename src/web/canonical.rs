//! The canonical form of a request's URL, which is what the page cache is keyed by: only the
//! parameters the page reads, sorted by name, empty ones dropped, and percent-escapes
//! normalised (RFC 3986 §6.2.2). A URL naming a parameter its page does not read
//! (`/models/x?junk=1`) has no key at all: it is rendered (handlers ignore what they do not
//! read) but never cached, so a stream of junk parameters can neither grow the cache nor
//! evict from it. A parameter missing from [`ROUTE_PARAMS`] therefore only costs caching,
//! never correctness.

use std::borrow::Cow;

/// The query parameters each route reads, by exact path or, ending in `/`, by prefix. A route
/// not listed reads none. A page that starts reading a new parameter lists it here (the crawl
/// test in `tests/serving.rs` fails on a form field or link naming a parameter missing here).
const ROUTE_PARAMS: &[(&str, &[&str])] = &[
    ("/models", CATALOGUE),
    ("/api/models.json", CATALOGUE),
    ("/api/models.csv", CATALOGUE),
    ("/calculator", CALCULATOR),
    // One model's itemised bill: the calculator's workload and the model's id.
    ("/calculator/bill", CALCULATOR_BILL),
    (
        "/ranking",
        &[
            "author",
            "batch",
            "cache_hit",
            "dir",
            "format",
            "index",
            "min_quality",
            "ratio",
            "sort",
        ],
    ),
    ("/changes", CHANGES),
    ("/api/changes.json", &["date"]),
    ("/api/price-tags.json", PRICE_TAGS),
    ("/api/price-tags.csv", PRICE_TAGS),
    ("/compare", &["ids"]),
    // The model page's where-to-buy filters.
    (
        "/models/",
        &[
            "dc",
            "full_precision",
            "hq",
            "min_uptime",
            "structured_outputs",
            "tools",
        ],
    ),
];

const CALCULATOR: &[&str] = &[
    "all",
    "author",
    "batch",
    "by_provider",
    "cache_hit",
    "cache_write",
    "dc",
    "discount",
    "format",
    "full_precision",
    "hide_free",
    "hide_variable",
    "hq",
    "ids",
    "index",
    "input_tokens",
    "min_context",
    "min_quality",
    "min_uptime",
    "output_tokens",
    "reasoning_tokens",
    "requests",
    "separate",
    "source",
    "structured_outputs",
    "tools",
];

const CALCULATOR_BILL: &[&str] = &[
    "author",
    "batch",
    "cache_hit",
    "cache_write",
    "discount",
    "hide_free",
    "hide_variable",
    "id",
    "ids",
    "index",
    "input_tokens",
    "min_context",
    "min_quality",
    "output_tokens",
    "reasoning_tokens",
    "requests",
    "separate",
    "source",
];

const CATALOGUE: &[&str] = &[
    "author",
    "dir",
    "free",
    "has_batch",
    "has_cache",
    "include_inactive",
    "max_input",
    "max_output",
    "min_context",
    "modality",
    "q",
    "sort",
];

const CHANGES: &[&str] = &["author", "from", "kind", "model", "source", "to"];

const PRICE_TAGS: &[&str] = &["author", "id", "kind"];

/// The parameters `path` reads.
pub fn known_params(path: &str) -> &'static [&'static str] {
    ROUTE_PARAMS
        .iter()
        .find(|(route, _)| match route.strip_suffix('/') {
            Some(_) => path.starts_with(route),
            None => *route == path,
        })
        .map_or(&[], |(_, params)| params)
}

/// `path?query` in canonical form (see the module docs), or `None` when the query names a
/// parameter the page does not read.
pub fn canonical(path: &str, query: Option<&str>) -> Option<String> {
    let path = normalise_escapes(path);
    let known = known_params(&path);
    let mut pairs: Vec<(Cow<'_, str>, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if !known.contains(&key.as_ref()) {
            return None;
        }
        // Pages trim values and ignore empty ones (see `Params`), so those are one page too.
        let value = value.trim();
        if !value.is_empty() {
            pairs.push((key, value.to_string()));
        }
    }
    if pairs.is_empty() {
        return Some(path.into_owned());
    }
    // Stable: repeated keys keep their order (`ids=b&ids=a` compares b before a).
    pairs.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &pairs {
        query.append_pair(key, value);
    }
    Some(format!("{path}?{}", query.finish()))
}

/// Decodes escapes of unreserved characters (`%7E` is `~`) and upper-cases the hex digits of
/// the rest (`%2f` is `%2F`), leaving everything else as it is.
fn normalise_escapes(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return Cow::Borrowed(path);
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let escape = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escape {
            Some(byte) if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) => {
                out.push(char::from(byte));
                i += 3;
            }
            Some(byte) => {
                out.push_str(&format!("%{byte:02X}"));
                i += 3;
            }
            None => {
                // A lone '%' or any other byte of the (ASCII, already validated) path.
                out.push(char::from(bytes[i]));
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_parameters_are_sorted_and_empty_ones_dropped() {
        assert_eq!(
            canonical("/models", Some("sort=input&q=&author=openai")).as_deref(),
            Some("/models?author=openai&sort=input")
        );
        assert_eq!(canonical("/about", None).as_deref(), Some("/about"));
        assert_eq!(
            canonical("/models/acme/alpha", Some("tools=1")).as_deref(),
            Some("/models/acme/alpha?tools=1")
        );
    }

    #[test]
    fn a_parameter_the_page_does_not_read_leaves_the_url_without_a_key() {
        assert_eq!(canonical("/models/acme/alpha", Some("junk=1")), None);
        assert_eq!(canonical("/models", Some("sort=input&utm_source=x")), None);
        assert_eq!(canonical("/about", Some("q=1")), None);
    }

    #[test]
    fn repeated_parameters_keep_their_order() {
        assert_eq!(
            canonical("/compare", Some("ids=b&ids=a")).as_deref(),
            Some("/compare?ids=b&ids=a")
        );
    }

    #[test]
    fn spellings_of_one_value_are_one_key() {
        // `+` and `%20` are both a space; surrounding spaces are trimmed like `Params` does.
        assert_eq!(
            canonical("/models", Some("q=gpt+4")),
            canonical("/models", Some("q=gpt%204%20"))
        );
        assert_eq!(
            canonical("/models/%61cme/alpha", None).as_deref(),
            Some("/models/acme/alpha")
        );
        assert_eq!(
            canonical("/models/a%2fb", None).as_deref(),
            Some("/models/a%2Fb")
        );
        assert_eq!(
            canonical("/models/100%", None).as_deref(),
            Some("/models/100%")
        );
    }
}
