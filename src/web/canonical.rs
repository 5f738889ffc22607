//! The canonical form of a request's URL, which is what the page cache is keyed by: only the
//! parameters the page reads, sorted by name, empty ones dropped, and percent-escapes
//! normalised (RFC 3986 §6.2.2). A parameter its page does not read (`/models/x?junk=1`, a
//! tracking tag) is left out too: handlers ignore what they do not read, so such a URL is
//! the canonical page, served from its cache entry with the same bytes and ETag, and a
//! stream of junk parameters costs what a hit costs and can neither grow the cache nor
//! evict from it. What a page reads is its route's query type's
//! [`PageQuery::PARAMS`](super::extractors::PageQuery::PARAMS), looked up by
//! [`known_params`].

use std::borrow::Cow;

use super::routes::known_params;

/// `path?query` in canonical form (see the module docs).
pub fn canonical(path: &str, query: Option<&str>) -> String {
    canonical_noting_blanks(path, query).0
}

/// `path?query` in canonical form, and whether the query gives a parameter the page reads a
/// blank value (the case [`without_blanks`] may redirect), from one reading of the query:
/// the page cache asks both of every request it answers.
pub fn canonical_noting_blanks(path: &str, query: Option<&str>) -> (String, bool) {
    let path = normalise_escapes(path);
    let known = known_params(&path);
    let mut pairs: Vec<(Cow<'_, str>, String)> = Vec::new();
    let mut blank = false;
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if !known.contains(&key.as_ref()) {
            continue;
        }
        // Pages trim values and ignore empty ones (see `Params`), so those are one page too.
        let value = value.trim();
        if value.is_empty() {
            blank = true;
        } else {
            pairs.push((key, value.to_string()));
        }
    }
    if pairs.is_empty() {
        return (path.into_owned(), blank);
    }
    // Stable: repeated keys keep their order (`ids=b&ids=a` compares b before a).
    pairs.sort_by(|(a, _), (b, _)| a.cmp(b));
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in &pairs {
        query.append_pair(key, value);
    }
    (format!("{path}?{}", query.finish()), blank)
}

/// Where a URL with blank known parameters (`/calculator?requests=1000&min_context=&free=`, as a
/// submitted GET form sends every field it has) should redirect: the same path and query, less
/// the blank ones, the rest as they were written and in their order, so the URL a reader shares
/// carries only the fields they set. `None` when there is nothing blank to drop. Pages read a
/// blank field as an absent one (`Params::get` skips empty values; [`canonical`] drops them), so
/// dropping one never changes the page. Only pages people open in a browser redirect; the
/// exports (under `/api/`, or a page's `format=csv` / `format=json`) answer as they are, for
/// scripts that do not follow redirects.
pub fn without_blanks(path: &str, query: Option<&str>) -> Option<String> {
    let query = query?;
    let export = form_urlencoded::parse(query.as_bytes())
        .any(|(key, value)| key == "format" && !matches!(value.trim(), "" | "html"));
    if path.starts_with("/api/") || export {
        return None;
    }
    let known = known_params(&normalise_escapes(path));
    if known.is_empty() {
        return None;
    }
    let mut blank = false;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let Some((key, value)) = form_urlencoded::parse(pair.as_bytes()).next() else {
                // An empty piece (`a=1&&b=2`) names nothing.
                return false;
            };
            let drop = value.trim().is_empty() && known.contains(&key.as_ref());
            blank |= drop;
            !drop
        })
        .collect();
    if !blank {
        return None;
    }
    Some(if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    })
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
            canonical("/models", Some("sort=input&q=&author=openai")),
            "/models?author=openai&sort=input"
        );
        assert_eq!(canonical("/about", None), "/about");
        assert_eq!(
            canonical("/models/acme/alpha", Some("tools=1")),
            "/models/acme/alpha?tools=1"
        );
    }

    #[test]
    fn a_parameter_the_page_does_not_read_is_left_out_of_the_key() {
        assert_eq!(
            canonical("/models/acme/alpha", Some("junk=1")),
            "/models/acme/alpha"
        );
        assert_eq!(
            canonical("/models", Some("utm_source=x&sort=input&q=&junk")),
            "/models?sort=input"
        );
        assert_eq!(canonical("/about", Some("q=1")), "/about");
        // What one page reads is junk to another: `sort` is the catalogue's, not a model's.
        assert_eq!(
            canonical("/models/acme/alpha", Some("sort=input&tools=1")),
            "/models/acme/alpha?tools=1"
        );
    }

    #[test]
    fn repeated_parameters_keep_their_order() {
        assert_eq!(
            canonical("/compare", Some("ids=b&ids=a")),
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

    #[test]
    fn blank_known_parameters_are_dropped_and_the_rest_kept_as_written() {
        assert_eq!(
            without_blanks(
                "/calculator",
                Some("requests=1000&input_tokens=800&min_context=&max_output=&free=")
            )
            .as_deref(),
            // max_output and free are not calculator parameters: kept (the page ignores
            // them uncached); min_context is, and it is blank.
            Some("/calculator?requests=1000&input_tokens=800&max_output=&free=")
        );
        // Order and spelling kept; a value of spaces is blank; `a` with no `=` too.
        assert_eq!(
            without_blanks("/models", Some("sort=input&q=+%20&author=acme%2Dx&free")).as_deref(),
            Some("/models?sort=input&author=acme%2Dx")
        );
        assert_eq!(
            without_blanks("/ranking", Some("author=&index=")).as_deref(),
            Some("/ranking")
        );
        assert_eq!(
            without_blanks("/models/acme/alpha", Some("dc=&tools=1")).as_deref(),
            Some("/models/acme/alpha?tools=1")
        );
    }

    #[test]
    fn a_blank_field_is_noted_whenever_the_blank_field_redirect_may_apply() {
        for (path, query) in [
            (
                "/calculator",
                "requests=1000&min_context=&max_output=&free=",
            ),
            ("/models", "sort=input&q=+%20&author=acme%2Dx&free"),
            ("/ranking", "author=&index="),
            ("/models/acme/alpha", "dc=&tools=1"),
            ("/calculator", "requests=5&source=&format=html"),
        ] {
            assert!(
                without_blanks(path, Some(query)).is_some(),
                "{path}?{query}"
            );
            assert!(
                canonical_noting_blanks(path, Some(query)).1,
                "{path}?{query}"
            );
        }
        for (path, query) in [
            ("/models", "author=acme&sort=input"),
            ("/models", "utm_source="),
            ("/about", "q="),
        ] {
            assert!(
                !canonical_noting_blanks(path, Some(query)).1,
                "{path}?{query}"
            );
        }
        assert_eq!(
            canonical_noting_blanks("/models", Some("q=&sort=input")),
            ("/models?sort=input".to_string(), true)
        );
    }

    #[test]
    fn nothing_blank_exports_and_pages_without_parameters_are_not_redirected() {
        assert_eq!(
            without_blanks("/models", Some("author=acme&sort=input")),
            None
        );
        assert_eq!(without_blanks("/models", None), None);
        assert_eq!(without_blanks("/api/models.json", Some("author=")), None);
        assert_eq!(
            without_blanks("/calculator", Some("requests=5&source=&format=csv")),
            None
        );
        assert_eq!(
            without_blanks("/calculator", Some("requests=5&source=&format=html")).as_deref(),
            Some("/calculator?requests=5&format=html")
        );
        assert_eq!(without_blanks("/about", Some("q=")), None);
        // An unknown blank parameter is not ours to drop.
        assert_eq!(without_blanks("/models", Some("utm_source=")), None);
    }
}
