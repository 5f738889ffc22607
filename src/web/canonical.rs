//! The canonical form of a request's URL, which is what the page cache is keyed by and what
//! handlers see: only the parameters the page reads, sorted by name, empty ones dropped, and
//! percent-escapes normalised (RFC 3986 §6.2.2). `/models/x?junk=1` and `/models/x` are
//! one page, so a stream of junk parameters can neither grow the cache nor evict from it.

use std::borrow::Cow;

/// The query parameters each route reads. A route not listed reads none. A page that starts
/// reading a new parameter lists it here (the crawl test in `tests/serving.rs` fails on a
/// form field or link that names a parameter missing here).
const ROUTE_PARAMS: &[(&str, &[&str])] = &[
    ("/models", CATALOGUE),
    ("/api/models.json", CATALOGUE),
    ("/api/models.csv", CATALOGUE),
    (
        "/calculator",
        &[
            "author",
            "batch",
            "cache_hit",
            "cache_write",
            "discount",
            "format",
            "hide_free",
            "hide_variable",
            "ids",
            "input_tokens",
            "min_context",
            "min_quality",
            "output_tokens",
            "reasoning_tokens",
            "requests",
        ],
    ),
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
    ("/compare", &["ids"]),
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

const CHANGES: &[&str] = &["author", "from", "kind", "model", "to"];

/// The parameters `path` reads.
pub fn known_params(path: &str) -> &'static [&'static str] {
    ROUTE_PARAMS
        .iter()
        .find(|(route, _)| *route == path)
        .map_or(&[], |(_, params)| params)
}

/// `path?query` in canonical form (see the module docs).
pub fn canonical(path: &str, query: Option<&str>) -> String {
    let path = normalise_escapes(path);
    let known = known_params(&path);
    let mut pairs: Vec<(Cow<'_, str>, String)> = match query {
        Some(query) if !known.is_empty() => form_urlencoded::parse(query.as_bytes())
            .filter(|(key, _)| known.contains(&key.as_ref()))
            // Pages trim values and ignore empty ones (see `Params`), so those are one page too.
            .map(|(key, value)| (key, value.trim().to_string()))
            .filter(|(_, value)| !value.is_empty())
            .collect(),
        _ => Vec::new(),
    };
    if pairs.is_empty() {
        return path.into_owned();
    }
    // Stable: repeated keys keep their order (`ids=b&ids=a` compares b before a).
    pairs.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &pairs {
        query.append_pair(key, value);
    }
    format!("{path}?{}", query.finish())
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
    fn unknown_and_empty_parameters_are_dropped_and_the_rest_sorted() {
        assert_eq!(
            canonical("/models", Some("sort=price&junk=1&q=&author=openai")),
            "/models?author=openai&sort=price"
        );
        assert_eq!(
            canonical("/models/acme/alpha", Some("junk=1")),
            "/models/acme/alpha"
        );
        assert_eq!(canonical("/about", None), "/about");
    }

    #[test]
    fn repeated_parameters_keep_their_order() {
        assert_eq!(
            canonical("/compare", Some("ids=b&junk=2&ids=a")),
            "/compare?ids=b&ids=a"
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
            canonical("/models/%61cme/alpha", None),
            "/models/acme/alpha"
        );
        assert_eq!(canonical("/models/a%2fb", None), "/models/a%2Fb");
        assert_eq!(canonical("/models/100%", None), "/models/100%");
    }
}
