//! The queries of the changes pages: the filters `/changes` and `/changes.atom` read, checked
//! field by field, with the URL builder every link to a filtered view of `/changes` uses; and
//! the day `/api/changes.json` reads.

use chrono::NaiveDate;

use super::PageQuery;
use super::form::FieldErrors;
use super::named_model::NamedModel;
use super::params::{Params, clip, encode};
use crate::feed::Feed;
use crate::store::Catalogue;
use crate::store::changes::filter::{ChangeFilter, KindFilter};
use crate::web::error::Suggestion;
use crate::web::format;

/// Said when `source` is neither source.
pub const SOURCE_MESSAGE: &str = "Source must be openrouter or official.";

/// The page's query: the filters of [`ChangeFilter`] as read from the query string, the
/// model as the reader named it (an id, or `opus 4.8` as `/models?q=` reads it).
#[derive(Clone, Debug, Default)]
pub struct ChangesQuery {
    pub filter: ChangeFilter,
    /// What the reader typed for the model, when it was not the id it stands for.
    pub model_typed: Option<String>,
    /// The models a typed name could mean, when it could mean several: the reader picks.
    pub model_choices: Vec<Suggestion>,
}

impl std::ops::Deref for ChangesQuery {
    type Target = ChangeFilter;
    fn deref(&self) -> &ChangeFilter {
        &self.filter
    }
}

impl From<ChangeFilter> for ChangesQuery {
    fn from(filter: ChangeFilter) -> ChangesQuery {
        ChangesQuery {
            filter,
            ..ChangesQuery::default()
        }
    }
}

/// `source`: absent or `all` for both sources, else one source's key; `Err` for anything else.
pub fn source_param(params: &Params) -> Result<Option<Feed>, &'static str> {
    match params.get("source") {
        None | Some("all") => Ok(None),
        Some(key) => Feed::parse_source(key).map(Some).ok_or(SOURCE_MESSAGE),
    }
}

/// A strict `YYYY-MM-DD` (chrono alone would also take `2026-7-1`).
pub fn parse_ymd(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// Every author with a model in the catalogue, sorted.
pub fn known_authors(catalogue: &Catalogue) -> Vec<String> {
    let mut authors: Vec<String> = catalogue
        .all()
        .iter()
        .map(|e| e.model.author.clone())
        .collect();
    authors.sort();
    authors.dedup();
    authors
}

impl PageQuery for ChangesQuery {
    const PARAMS: &'static [&'static str] = &["author", "from", "kind", "model", "source", "to"];

    /// Reads and checks the filters; problems are collected per field, and a field with a
    /// problem filters nothing.
    fn parse(params: &Params, catalogue: &Catalogue) -> (ChangesQuery, FieldErrors) {
        let mut errors = FieldErrors::default();
        let mut authors = params.all("author");
        let known = known_authors(catalogue);
        authors.retain(|a| {
            let ok = known.contains(a);
            if !ok {
                errors.add("author", format!("No author is called “{}”.", clip(a)));
            }
            ok
        });
        let kind = match params.get("kind") {
            None | Some("all") => None,
            Some(key) => KindFilter::parse(key).or_else(|| {
                errors.add(
                    "kind",
                    "Kind must be one of price, cut, increase, added, returned or removed.",
                );
                None
            }),
        };
        let mut date = |field: &'static str, label: &str| {
            let text = params.get(field)?;
            let parsed = parse_ymd(text);
            if parsed.is_none() {
                errors.add(
                    field,
                    format!(
                        "{label} must be a date like 2026-08-01 (got “{}”).",
                        clip(text)
                    ),
                );
            }
            parsed
        };
        let from = date("from", "From");
        let to = date("to", "To");
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            errors.add("to", "To must not be before From.");
        }
        let source = source_param(params).unwrap_or_else(|message| {
            errors.add("source", message);
            None
        });
        let typed = params.get("model").unwrap_or_default();
        let named = NamedModel::read(catalogue, typed, "model", &mut errors);
        (
            ChangesQuery {
                filter: ChangeFilter {
                    authors,
                    kind,
                    from,
                    to,
                    model: named.id.unwrap_or_default(),
                    source,
                },
                model_typed: named.typed,
                model_choices: named.choices,
            },
            errors,
        )
    }
}

impl ChangesQuery {
    /// The kind's query value, "" for all kinds.
    pub fn kind_key(&self) -> &'static str {
        self.kind.map_or("", KindFilter::key)
    }

    /// The source's query value, "" for both.
    pub fn source_key(&self) -> &'static str {
        self.source.map_or("", Feed::source_key)
    }

    /// The same filters over another range of days.
    pub fn with_range(&self, from: Option<NaiveDate>, to: Option<NaiveDate>) -> ChangesQuery {
        ChangeFilter {
            from,
            to,
            ..self.filter.clone()
        }
        .into()
    }

    /// The query string of these filters (empty values dropped).
    pub fn query(&self) -> String {
        let mut pairs: Vec<(&str, String)> =
            self.authors.iter().map(|a| ("author", a.clone())).collect();
        pairs.push(("kind", self.kind_key().to_string()));
        pairs.push(("from", self.from.map(format::day).unwrap_or_default()));
        pairs.push(("to", self.to.map(format::day).unwrap_or_default()));
        pairs.push(("model", self.model.clone()));
        pairs.push(("source", self.source_key().to_string()));
        encode(pairs)
    }

    /// `/changes` under these filters.
    pub fn href(&self) -> String {
        self.at("/changes")
    }

    /// `path` under these filters: `/changes.atom?kind=cut`.
    pub fn at(&self, path: &str) -> String {
        match self.query() {
            q if q.is_empty() => path.to_string(),
            q => format!("{path}?{q}"),
        }
    }
}

/// `/api/changes.json`'s query: the day, required, and optionally one source's changes.
/// The first problem is the answer (a day that does not read is not worth a second one).
#[derive(Clone, Copy, Debug, Default)]
pub struct ChangesDayQuery {
    /// The day asked for (1970-01-01, and never read, when a problem is filed).
    pub date: NaiveDate,
    /// `None` for both sources.
    pub source: Option<Feed>,
}

impl PageQuery for ChangesDayQuery {
    const PARAMS: &'static [&'static str] = &["date", "source"];

    fn parse(params: &Params, _: &Catalogue) -> (ChangesDayQuery, FieldErrors) {
        let Some(text) = params.get("date") else {
            let problem = FieldErrors::one("date", "The date is required, as YYYY-MM-DD.");
            return (ChangesDayQuery::default(), problem);
        };
        let Some(date) = parse_ymd(text) else {
            let problem = FieldErrors::one(
                "date",
                format!("The date must be YYYY-MM-DD (got “{}”).", clip(text)),
            );
            return (ChangesDayQuery::default(), problem);
        };
        // `source` keeps one source's changes, as on the page; absent or `all` keeps both.
        match source_param(params) {
            Ok(source) => (ChangesDayQuery { date, source }, FieldErrors::default()),
            Err(message) => (
                ChangesDayQuery::default(),
                FieldErrors::one("source", message),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_be_written_in_full() {
        assert_eq!(parse_ymd("2026-07-01"), NaiveDate::from_ymd_opt(2026, 7, 1));
        assert_eq!(parse_ymd("2026-7-1"), None);
        assert_eq!(parse_ymd("2026-13-01"), None);
        assert_eq!(parse_ymd("yesterday"), None);
    }

    #[test]
    fn the_url_carries_only_the_filters_set_in_a_fixed_order() {
        let filters = ChangesQuery::from(ChangeFilter {
            kind: Some(KindFilter::Cut),
            model: "acme/alpha".into(),
            ..ChangeFilter::default()
        });
        assert_eq!(filters.href(), "/changes?kind=cut&model=acme%2Falpha");
        let day = NaiveDate::from_ymd_opt(2026, 7, 2);
        assert_eq!(
            filters.with_range(day, day).at("/changes.atom"),
            "/changes.atom?kind=cut&from=2026-07-02&to=2026-07-02&model=acme%2Falpha"
        );
        assert_eq!(ChangesQuery::default().href(), "/changes");
    }
}
