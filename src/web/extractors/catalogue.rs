//! The `/models` query (and `/api/models.{json,csv}`'s): the catalogue filters and sort, read
//! from the query string by the one form layer, with the URL builder every link to `/models`
//! uses.

use rust_decimal::prelude::ToPrimitive;

use super::PageQuery;
use super::form::{self, FieldErrors};
use super::paging::{self, PageChoice};
use super::params::{Params, clip, encode};
use crate::store::Catalogue;
use crate::store::listing::{FreeListings, ListingFilter, SortKey};
use crate::web::format;

/// Input modalities a reader can filter on.
pub const MODALITIES: &[&str] = &["image", "audio", "file", "video"];

/// The page's query: the catalogue filters and sort, read from the query string by the one
/// form layer, the page of rows (the exports ignore it: they are always whole), with the URL
/// builder every link to `/models` uses.
#[derive(Clone, Debug, Default)]
pub struct CatalogueQuery(pub ListingFilter, pub PageChoice);

impl std::ops::Deref for CatalogueQuery {
    type Target = ListingFilter;
    fn deref(&self) -> &ListingFilter {
        &self.0
    }
}

impl PageQuery for CatalogueQuery {
    const PARAMS: &'static [&'static str] = &[
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
        "page",
        "q",
        "sort",
    ];

    /// Reads and checks the filters; problems are collected per field.
    fn parse(params: &Params, catalogue: &Catalogue) -> (CatalogueQuery, FieldErrors) {
        let mut errors = FieldErrors::default();
        let known_authors = catalogue.authors();
        let mut authors = params.all("author");
        authors.retain(|a| {
            let known = known_authors.contains(a);
            if !known {
                errors.add("author", format!("No author is called “{}”.", clip(a)));
            }
            known
        });
        let mut modalities = params.all("modality");
        modalities.retain(|m| {
            let known = MODALITIES.contains(&m.as_str());
            if !known {
                errors.add(
                    "modality",
                    format!("Input modality must be one of {}.", MODALITIES.join(", ")),
                );
            }
            known
        });
        let min_context = errors
            .number(params, &form::MIN_CONTEXT)
            .and_then(|v| v.ceil().to_u64());
        let max_input = errors.number(params, &form::MAX_INPUT_PRICE);
        let max_output = errors.number(params, &form::MAX_OUTPUT_PRICE);
        let free = match params.get("free") {
            None | Some("all") => FreeListings::Include,
            Some("only") => FreeListings::Only,
            Some("hide") => FreeListings::Hide,
            Some(_) => {
                errors.add("free", "Free must be “only” or “hide”.");
                FreeListings::Include
            }
        };
        let sort = match params.get("sort") {
            None => SortKey::Name,
            Some(key) => SortKey::parse(key).unwrap_or_else(|| {
                errors.add("sort", "Unknown sort column.");
                SortKey::Name
            }),
        };
        let desc = match params.get("dir") {
            Some("desc") => true,
            Some("asc") => false,
            None => sort.descending_by_default(),
            Some(_) => {
                errors.add("dir", "Direction must be “asc” or “desc”.");
                false
            }
        };
        let page = PageChoice::read(params, &mut errors);
        let q: String = params
            .get("q")
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect();
        let query = CatalogueQuery(
            ListingFilter {
                q,
                authors,
                modalities,
                min_context,
                max_input,
                max_output,
                free,
                has_cache: params.flag("has_cache"),
                has_batch: params.flag("has_batch"),
                include_inactive: params.flag("include_inactive"),
                sort,
                desc,
            },
            page,
        );
        (query, errors)
    }
}

impl CatalogueQuery {
    /// The query string that reproduces these filters, with a different sort.
    pub fn query_with_sort(&self, sort: SortKey, desc: bool) -> String {
        let mut pairs = self.filter_pairs();
        pairs.push(("sort", sort.key().to_string()));
        pairs.push(("dir", if desc { "desc".into() } else { "asc".into() }));
        encode(pairs)
    }

    /// The filters as query pairs (empty values are dropped by [`encode`]), without the sort.
    fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.q.clone())];
        pairs.extend(self.authors.iter().map(|a| ("author", a.clone())));
        pairs.extend(self.modalities.iter().map(|m| ("modality", m.clone())));
        pairs.push((
            "min_context",
            self.min_context.map(|v| v.to_string()).unwrap_or_default(),
        ));
        pairs.push((
            "max_input",
            self.max_input
                .map(|v| v.normalize().to_string())
                .unwrap_or_default(),
        ));
        pairs.push((
            "max_output",
            self.max_output
                .map(|v| v.normalize().to_string())
                .unwrap_or_default(),
        ));
        pairs.push(("free", self.free.key().to_string()));
        for (key, on) in [
            ("has_cache", self.has_cache),
            ("has_batch", self.has_batch),
            ("include_inactive", self.include_inactive),
        ] {
            pairs.push((key, if on { "1".into() } else { String::new() }));
        }
        pairs
    }

    /// The canonical URL of this view: only the fields the reader set, the sort only when
    /// it is not the default, and the page only after the first.
    pub fn href(&self) -> String {
        self.href_on(self.1)
    }

    /// This view on another page of rows.
    pub fn href_on(&self, page: PageChoice) -> String {
        let mut pairs = self.filter_pairs();
        if !self.is_default_sort() {
            pairs.push(("sort", self.sort.key().to_string()));
            pairs.push(("dir", if self.desc { "desc" } else { "asc" }.to_string()));
        }
        pairs.push((paging::PARAM, page.key()));
        let query = encode(pairs);
        if query.is_empty() {
            "/models".into()
        } else {
            format!("/models?{query}")
        }
    }

    /// The filters (not the sort or the page) as hidden fields, for the sort control that
    /// phones use in place of the table's header links.
    pub fn hidden_filters(&self) -> Vec<(&'static str, String)> {
        self.filter_pairs()
            .into_iter()
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }

    /// The filters in words (`“gpt5”, anthropic, input ≤ $3/M`), for titles; empty when none.
    pub fn in_words(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("“{}”", self.q));
        }
        if !self.authors.is_empty() {
            parts.push(self.authors.join(" or "));
        }
        if !self.modalities.is_empty() {
            parts.push(format!("{} input", self.modalities.join(" and ")));
        }
        if let Some(v) = self.min_context {
            parts.push(format!("context ≥ {}", format::tokens_short(v)));
        }
        if let Some(v) = self.max_input {
            parts.push(format!("input ≤ {}/M", format::usd(v)));
        }
        if let Some(v) = self.max_output {
            parts.push(format!("output ≤ {}/M", format::usd(v)));
        }
        match self.free {
            FreeListings::Only => parts.push("free".into()),
            FreeListings::Hide => parts.push("not free".into()),
            FreeListings::Include => {}
        }
        if self.has_cache {
            parts.push("with cache pricing".into());
        }
        if self.has_batch {
            parts.push("with a batch listing".into());
        }
        if self.include_inactive {
            parts.push("delisted included".into());
        }
        parts.join(", ")
    }
}
