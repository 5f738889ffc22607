//! Query strings as ordered key/value pairs: repeated keys are kept (for multi-select
//! filters), and every value is checked by the query type that reads it.

/// Longest query string any page accepts.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;

/// A parsed query string.
#[derive(Clone, Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// Debug builds: the parameters the query type reading these lists, if one does. The
    /// page cache keys a URL by those alone and serves a URL naming others from the same
    /// entry, so reading an unlisted one would give one page two answers.
    #[cfg(debug_assertions)]
    listed: Option<&'static [&'static str]>,
}

impl Params {
    pub fn parse(query: Option<&str>) -> Params {
        let pairs = query
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        Params {
            pairs,
            ..Params::default()
        }
    }

    /// These pairs, to be read only by the names in `listed` (a query type's
    /// `PageQuery::PARAMS`): debug builds panic on reading any other.
    #[cfg_attr(not(debug_assertions), allow(unused_mut, unused_variables))]
    pub fn listing(mut self, listed: &'static [&'static str]) -> Params {
        #[cfg(debug_assertions)]
        {
            self.listed = Some(listed);
        }
        self
    }

    /// Debug builds: panics if `key` is not among the listed parameters.
    #[cfg_attr(not(debug_assertions), allow(unused_variables))]
    fn reading(&self, key: &str) {
        #[cfg(debug_assertions)]
        if let Some(listed) = self.listed {
            assert!(
                listed.contains(&key),
                "`{key}` is read but not among the query type's PARAMS {listed:?}"
            );
        }
    }

    /// The first non-empty value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.reading(key);
        self.pairs
            .iter()
            .find(|(k, v)| k == key && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// Every non-empty value of `key`, also splitting comma-separated lists.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.reading(key);
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// A checkbox: present with `1`, `on`, `true` or `yes`.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v, "1" | "on" | "true" | "yes"))
    }

    /// Every pair, in the order given, blank ones included.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.iter().all(|(_, v)| v.is_empty())
    }
}

/// Builds a query string from pairs, skipping empty values.
pub fn encode<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if !v.is_empty() {
            serializer.append_pair(k, &v);
        }
    }
    serializer.finish()
}

/// Shortens user input for echoing in a message.
pub fn clip(text: &str) -> String {
    crate::format::clip(text, 40)
}
