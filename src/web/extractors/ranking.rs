//! `/ranking`'s query: the reader's controls (index, blend, cache hits, batch listings,
//! quality floor, authors, sort, format), checked field by field, with the URL builder the
//! page's own links use.

use rust_decimal::prelude::*;

use super::PageQuery;
use super::form::{self, FieldErrors};
use super::paging::{self, PageChoice};
use super::params::{Params, clip, encode};
use crate::model::QualityIndex;
use crate::pricing::ranking::{RankSort, RankingParams};
use crate::store::Catalogue;

/// The reader's choices, as read from the query string. The text fields keep what was
/// typed so a refused value is shown back for correction.
#[derive(Clone, Debug)]
pub struct RankingQuery {
    pub index: QualityIndex,
    pub ratio: Decimal,
    pub ratio_text: String,
    /// Percent, 0–100.
    pub cache_hit: Decimal,
    pub cache_hit_text: String,
    pub batch: bool,
    pub min_quality: Option<f64>,
    pub min_quality_text: String,
    pub authors: Vec<String>,
    pub sort: RankSort,
    pub desc: bool,
    pub json: bool,
    /// The page of the table (the chart and the JSON are always whole).
    pub page: PageChoice,
}

impl Default for RankingQuery {
    fn default() -> Self {
        RankingQuery {
            index: QualityIndex::Intelligence,
            ratio: Decimal::from(3),
            ratio_text: "3".into(),
            cache_hit: Decimal::ZERO,
            cache_hit_text: "0".into(),
            batch: false,
            min_quality: None,
            min_quality_text: String::new(),
            authors: Vec::new(),
            sort: RankSort::Rank,
            desc: false,
            json: false,
            page: PageChoice::default(),
        }
    }
}

impl PageQuery for RankingQuery {
    const PARAMS: &'static [&'static str] = &[
        "author",
        "batch",
        "cache_hit",
        "format",
        "index",
        "min_quality",
        "page",
        "ratio",
        "sort",
    ];

    /// Reads and checks every control; problems are collected per field.
    fn parse(params: &Params, catalogue: &Catalogue) -> (RankingQuery, FieldErrors) {
        let mut errors = FieldErrors::default();
        let mut c = RankingQuery::default();

        if let Some(text) = params.get("index") {
            match QualityIndex::parse(text) {
                Some(index) => c.index = index,
                None => errors.add(
                    "index",
                    "Quality index must be intelligence, coding or agentic.",
                ),
            }
        }

        if let Some(text) = params.get("ratio") {
            c.ratio_text = clip(text);
            if let Some(ratio) = errors.parse(&form::RATIO, text) {
                c.ratio = ratio;
            }
        }

        if let Some(text) = params.get("cache_hit") {
            c.cache_hit_text = clip(text);
            if let Some(cache_hit) = errors.parse(&form::CACHE_HIT, text) {
                c.cache_hit = cache_hit;
            }
        }

        match params.get("batch") {
            None | Some("0" | "off" | "false" | "no") => {}
            Some("1" | "on" | "true" | "yes") => c.batch = true,
            Some(_) => errors.add(
                "batch",
                "Batch must be 1 (rank batch listings) or left out.",
            ),
        }

        if let Some(text) = params.get("min_quality") {
            c.min_quality_text = clip(text);
            c.min_quality = errors
                .parse(&form::MIN_QUALITY, text)
                .and_then(|v| v.to_f64());
        }

        let known = catalogue.authors();
        for author in params.all("author") {
            if known.contains(&author) {
                if !c.authors.contains(&author) {
                    c.authors.push(author);
                }
            } else {
                errors.add(
                    "author",
                    format!("No author is called “{}”.", clip(&author)),
                );
            }
        }

        if let Some(text) = params.get("sort") {
            let (desc, key) = match text.strip_prefix('-') {
                Some(key) => (true, key),
                None => (false, text),
            };
            match RankSort::parse(key) {
                Some(sort) => {
                    c.sort = sort;
                    c.desc = desc;
                }
                None => errors.add(
                    "sort",
                    "Sort must be rank, name, quality, price or value (a leading “-” reverses it).",
                ),
            }
        }

        c.page = PageChoice::read(params, &mut errors);

        match params.get("format") {
            None | Some("html") => {}
            Some("json") => c.json = true,
            Some(_) => errors.add("format", "Format must be json, or left out for this page."),
        }
        (c, errors)
    }
}

impl RankingQuery {
    /// The maths' parameters.
    pub fn ranking_params(&self) -> RankingParams {
        RankingParams {
            index: self.index,
            ratio: self.ratio,
            cache_hit: self.cache_hit / Decimal::ONE_HUNDRED,
            include_batch: self.batch,
            min_quality: self.min_quality,
        }
    }

    /// `sort` as it appears in a URL: the key, with `-` in front when descending.
    fn sort_param(sort: RankSort, desc: bool) -> String {
        if desc {
            format!("-{}", sort.key())
        } else {
            sort.key().to_string()
        }
    }

    /// The query string that reproduces these controls with another sort, on the first
    /// page (defaults are left out so links stay short).
    pub fn query_with_sort(&self, sort: RankSort, desc: bool) -> String {
        encode(self.pairs_with_sort(sort, desc))
    }

    /// `/ranking` with these controls and sort, on `page`.
    pub fn href_on(&self, page: PageChoice) -> String {
        let mut pairs = self.pairs_with_sort(self.sort, self.desc);
        pairs.push((paging::PARAM, page.key()));
        match encode(pairs) {
            query if query.is_empty() => "/ranking".to_string(),
            query => format!("/ranking?{query}"),
        }
    }

    /// The controls but the sort and the page, as hidden fields for the sort control that
    /// phones use in place of the table's header links.
    pub fn hidden_controls(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.pairs_with_sort(RankSort::Rank, false);
        pairs.retain(|(_, value)| !value.is_empty());
        pairs
    }

    /// The value `sort` takes for `sort` and `desc`, and whether it is the current one:
    /// the sort control's options.
    pub fn sort_value(&self, sort: RankSort, desc: bool) -> (String, bool) {
        (
            Self::sort_param(sort, desc),
            self.sort == sort && self.desc == desc,
        )
    }

    fn pairs_with_sort(&self, sort: RankSort, desc: bool) -> Vec<(&'static str, String)> {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if self.index != QualityIndex::Intelligence {
            pairs.push(("index", self.index.key().to_string()));
        }
        if self.ratio != Decimal::from(3) {
            pairs.push(("ratio", self.ratio.normalize().to_string()));
        }
        if !self.cache_hit.is_zero() {
            pairs.push(("cache_hit", self.cache_hit.normalize().to_string()));
        }
        if self.batch {
            pairs.push(("batch", "1".into()));
        }
        if let Some(min) = self.min_quality {
            pairs.push(("min_quality", min.to_string()));
        }
        pairs.extend(self.authors.iter().map(|a| ("author", a.clone())));
        if sort != RankSort::Rank || desc {
            pairs.push(("sort", Self::sort_param(sort, desc)));
        }
        pairs
    }

    /// The ratio as readers write it: `3:1`.
    pub fn ratio_label(&self) -> String {
        format!("{}:1", self.ratio.normalize())
    }
}
