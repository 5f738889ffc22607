//! Finding a model by what people type: `gpt 5.4`, `gpt5`, `Claude Opus 4.8`, or a maker's
//! own API id such as `claude-opus-4-8` or `claude-opus-4-8-20260101`. Matching ignores case,
//! spaces, dots, hyphens and every other separator; a query matches when its squashed form
//! occurs in the squashed id, name or slug, or when each of its words does.

use crate::model::Model;

/// Keeps lower-case letters and digits only: `GPT-5.4` and `gpt 5 4` both become `gpt54`.
pub fn squash(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Drops what makers add to an id that OpenRouter's ids do not carry: a Vertex-style
/// `@version`, a release date (`-20260101`, `-2026-01-01`) and a `-latest` tail.
fn strip_maker_suffix(query: &str) -> &str {
    let mut q = query.trim();
    if let Some((head, _)) = q.split_once('@')
        && !head.is_empty()
    {
        q = head;
    }
    if let Some(head) = q.strip_suffix("-latest") {
        q = head;
    }
    let bytes = q.as_bytes();
    let date_at = |len: usize| {
        bytes.len() > len + 1
            && matches!(bytes[bytes.len() - len - 1], b'-' | b'_')
            && bytes[bytes.len() - len..]
                .iter()
                .all(|b| b.is_ascii_digit() || (len == 10 && *b == b'-'))
            && bytes[bytes.len() - len..]
                .iter()
                .filter(|b| b.is_ascii_digit())
                .count()
                == 8
    };
    if date_at(8) {
        q = &q[..q.len() - 9];
    } else if date_at(10) {
        q = &q[..q.len() - 11];
    }
    q
}

/// What a search looks in for one model: its id, name and canonical slug, squashed. Worked
/// out once per catalogue load ([`crate::store::catalogue::Entry::search_keys`]), not once
/// per model on every search.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchKeys(Vec<String>);

impl SearchKeys {
    pub fn of(model: &Model) -> SearchKeys {
        let mut keys = vec![squash(&model.id), squash(&model.name)];
        if let Some(slug) = &model.canonical_slug {
            keys.push(squash(slug));
        }
        SearchKeys(keys)
    }
}

/// A parsed search query.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needle {
    /// The whole query squashed (`gemini35flash`).
    whole: String,
    /// Its words squashed, when it has more than one (`gemini`, `35`, `flash`).
    words: Vec<String>,
}

impl Needle {
    pub fn new(query: &str) -> Needle {
        let query = strip_maker_suffix(query);
        let words: Vec<String> = query
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(squash)
            .filter(|w| !w.is_empty())
            .collect();
        Needle {
            whole: squash(query),
            words: if words.len() > 1 { words } else { Vec::new() },
        }
    }

    /// True when nothing searchable was typed (every model matches).
    pub fn is_empty(&self) -> bool {
        self.whole.is_empty()
    }

    /// Whether `haystacks` (already squashed) contain the query, whole or word by word.
    fn found_in(&self, haystacks: &[String]) -> bool {
        if self.is_empty() || haystacks.iter().any(|h| h.contains(&self.whole)) {
            return true;
        }
        !self.words.is_empty()
            && self
                .words
                .iter()
                .all(|w| haystacks.iter().any(|h| h.contains(w.as_str())))
    }

    /// Whether the query finds `model` by its id, its name or its canonical slug.
    pub fn matches(&self, model: &Model) -> bool {
        self.is_empty() || self.matches_keys(&SearchKeys::of(model))
    }

    /// [`Needle::matches`] on a model's keys worked out beforehand.
    pub fn matches_keys(&self, keys: &SearchKeys) -> bool {
        self.found_in(&keys.0)
    }
}

/// What a name a reader typed for one model stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved<T> {
    /// One model: the only match, or the one the name says exactly, or the one every other
    /// match extends (`opus 4.8` is `anthropic/claude-opus-4.8`, not its `:batch` or
    /// `-fast` listing).
    One(T),
    /// Several models, none of them the obvious one, shortest id first: the reader picks.
    Several(Vec<T>),
    Nothing,
}

impl<T> Resolved<T> {
    /// The same answer over other values (`f` keeps the order; a value it drops is gone).
    pub fn filter_map<U>(self, mut f: impl FnMut(T) -> Option<U>) -> Resolved<U> {
        match self {
            Resolved::One(one) => f(one).map_or(Resolved::Nothing, Resolved::One),
            Resolved::Several(all) => {
                let mut all: Vec<U> = all.into_iter().filter_map(f).collect();
                match all.len() {
                    0 => Resolved::Nothing,
                    1 => all.pop().map_or(Resolved::Nothing, Resolved::One),
                    _ => Resolved::Several(all),
                }
            }
            Resolved::Nothing => Resolved::Nothing,
        }
    }
}

/// Which of `models` a name typed for one model means, matching as `/models?q=` does
/// ([`Needle`]). A search may find several listings where the reader meant one: the one
/// whose id (after the author) or name is exactly what was typed wins, else the one whose
/// id every other match's id extends (its variants and faster or dated siblings).
pub fn resolve<'a>(
    query: &str,
    models: impl IntoIterator<Item = (&'a Model, &'a SearchKeys)>,
) -> Resolved<&'a Model> {
    let needle = Needle::new(query);
    if needle.is_empty() {
        return Resolved::Nothing;
    }
    let mut found: Vec<(String, &Model)> = models
        .into_iter()
        .filter(|(_, keys)| needle.matches_keys(keys))
        .map(|(m, _)| (squash(&m.id), m))
        .collect();
    found.sort_by(|a, b| (a.0.len(), &a.1.id).cmp(&(b.0.len(), &b.1.id)));
    if found.len() <= 1 {
        return found
            .pop()
            .map_or(Resolved::Nothing, |(_, m)| Resolved::One(m));
    }
    let said_exactly: Vec<&Model> = found
        .iter()
        .map(|(_, m)| *m)
        .filter(|m| {
            let tail = m.id.rsplit('/').next().unwrap_or(&m.id);
            squash(tail) == needle.whole || squash(m.short_name()) == needle.whole
        })
        .collect();
    if let [only] = said_exactly.as_slice() {
        return Resolved::One(only);
    }
    let (shortest, first) = (&found[0].0, found[0].1);
    if found[1..]
        .iter()
        .all(|(id, _)| id.len() > shortest.len() && id.starts_with(shortest.as_str()))
    {
        return Resolved::One(first);
    }
    Resolved::Several(found.into_iter().map(|(_, m)| m).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::Pricing;

    fn model(id: &str, name: &str) -> Model {
        Model::new(id, name, Pricing::default())
    }

    #[test]
    fn spellings_people_type_find_the_model() {
        let catalogue = [
            model("openai/gpt-5.4", "OpenAI: GPT-5.4"),
            model("openai/gpt-4.1-mini", "OpenAI: GPT-4.1 Mini"),
            model("anthropic/claude-opus-4.8", "Anthropic: Claude Opus 4.8"),
            model(
                "anthropic/claude-sonnet-4.6",
                "Anthropic: Claude Sonnet 4.6",
            ),
            model("google/gemini-3.5-flash", "Google: Gemini 3.5 Flash"),
            model("google/gemini-3.5-pro", "Google: Gemini 3.5 Pro"),
            model("meta-llama/llama-4-maverick", "Meta: Llama 4 Maverick"),
        ];
        // (what a reader types, the ids it must find — and only those)
        let table: &[(&str, &[&str])] = &[
            ("gpt 5.4", &["openai/gpt-5.4"]),
            ("gpt5", &["openai/gpt-5.4"]),
            ("GPT-5.4", &["openai/gpt-5.4"]),
            ("gpt-4.1 mini", &["openai/gpt-4.1-mini"]),
            ("gpt41mini", &["openai/gpt-4.1-mini"]),
            // Anthropic's own API ids write the version with hyphens, and may carry a date.
            ("claude-opus-4-8", &["anthropic/claude-opus-4.8"]),
            ("claude-opus-4-8-20260101", &["anthropic/claude-opus-4.8"]),
            ("claude-opus-4-8@20260101", &["anthropic/claude-opus-4.8"]),
            ("Claude Opus 4.8", &["anthropic/claude-opus-4.8"]),
            ("opus 4.8", &["anthropic/claude-opus-4.8"]),
            // Words in another order still find it.
            ("4.8 opus", &["anthropic/claude-opus-4.8"]),
            (
                "claude",
                &["anthropic/claude-opus-4.8", "anthropic/claude-sonnet-4.6"],
            ),
            ("gemini 3.5 flash", &["google/gemini-3.5-flash"]),
            ("gemini-3.5-flash-latest", &["google/gemini-3.5-flash"]),
            (
                "gemini 3.5",
                &["google/gemini-3.5-flash", "google/gemini-3.5-pro"],
            ),
            ("google/gemini-3.5-pro", &["google/gemini-3.5-pro"]),
            ("LLAMA 4", &["meta-llama/llama-4-maverick"]),
            ("  maverick ", &["meta-llama/llama-4-maverick"]),
            ("mistral", &[]),
            ("opus 4.9", &[]),
        ];
        for (query, expected) in table {
            let needle = Needle::new(query);
            let found: Vec<&str> = catalogue
                .iter()
                .filter(|m| needle.matches(m))
                .map(|m| m.id.as_str())
                .collect();
            assert_eq!(&found, expected, "query {query:?}");
        }
    }

    #[test]
    fn a_typed_name_resolves_to_the_one_model_it_says_or_asks_which() {
        let catalogue = [
            model("openai/gpt-5.4", "OpenAI: GPT-5.4"),
            model("openai/gpt-5.4-mini", "OpenAI: GPT-5.4 Mini"),
            model("openai/gpt-5.4:batch", "OpenAI: GPT-5.4 (batch)"),
            model("anthropic/claude-opus-4.8", "Anthropic: Claude Opus 4.8"),
            model(
                "anthropic/claude-opus-4.8-fast",
                "Anthropic: Claude Opus 4.8 (fast)",
            ),
            model(
                "anthropic/claude-opus-4.8:batch",
                "Anthropic: Claude Opus 4.8 (batch)",
            ),
            model(
                "anthropic/claude-sonnet-4.6",
                "Anthropic: Claude Sonnet 4.6",
            ),
            model("openai/o3", "OpenAI: o3"),
            model("openai/o3-mini", "OpenAI: o3 Mini"),
            model("acme/turbo3", "Acme: Turbo3"),
        ];
        let ids = |resolved: Resolved<&Model>| match resolved {
            Resolved::One(m) => vec![m.id.clone()],
            Resolved::Several(all) => all.iter().map(|m| m.id.clone()).collect(),
            Resolved::Nothing => Vec::new(),
        };
        let keyed: Vec<(Model, SearchKeys)> = catalogue
            .iter()
            .map(|m| (m.clone(), SearchKeys::of(m)))
            .collect();
        let resolve = |query: &str| resolve(query, keyed.iter().map(|(m, k)| (m, k)));
        let one = |query: &str| match resolve(query) {
            Resolved::One(m) => m.id.clone(),
            other => panic!("{query:?} resolved to {:?}", ids(other)),
        };
        // Extended by every other match: the base listing.
        assert_eq!(one("gpt-5.4"), "openai/gpt-5.4");
        assert_eq!(one("GPT 5.4"), "openai/gpt-5.4");
        assert_eq!(one("opus 4.8"), "anthropic/claude-opus-4.8");
        assert_eq!(one("claude-opus-4-8-20260101"), "anthropic/claude-opus-4.8");
        // Said exactly, though another id (acme/turbo3) also holds "o3".
        assert_eq!(one("o3"), "openai/o3");
        // One match is that match.
        assert_eq!(one("sonnet"), "anthropic/claude-sonnet-4.6");
        assert_eq!(one("gpt 5.4 mini"), "openai/gpt-5.4-mini");
        // Several models, none the obvious one: shortest id first.
        assert_eq!(
            ids(resolve("claude")),
            [
                "anthropic/claude-opus-4.8",
                "anthropic/claude-sonnet-4.6",
                "anthropic/claude-opus-4.8-fast",
                "anthropic/claude-opus-4.8:batch",
            ]
        );
        assert_eq!(resolve("opus 4.9"), Resolved::Nothing);
        assert_eq!(resolve(" - "), Resolved::Nothing);
    }

    #[test]
    fn empty_or_punctuation_only_queries_match_everything() {
        let m = model("x/y", "X: Y");
        assert!(Needle::new("").matches(&m));
        assert!(Needle::new(" - . ").is_empty());
    }

    #[test]
    fn a_date_is_only_stripped_as_a_whole_suffix() {
        assert_eq!(
            strip_maker_suffix("claude-3-5-sonnet-20241022"),
            "claude-3-5-sonnet"
        );
        assert_eq!(strip_maker_suffix("claude-x-2024-10-22"), "claude-x");
        assert_eq!(strip_maker_suffix("model-1234567"), "model-1234567");
        assert_eq!(strip_maker_suffix("20241022"), "20241022");
    }
}
