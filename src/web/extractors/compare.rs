//! `/compare`'s query: the ids to compare, and the one URL builder for links to the page.

use std::collections::BTreeSet;

use super::PageQuery;
use super::form::FieldErrors;
use super::params::{Params, encode};
use crate::pricing::compare::MIN_MODELS;
use crate::store::Catalogue;

/// The page's query: the ids to compare, each once, in the order given (`ids=a,b` and
/// `ids=a&ids=b` alike, as the catalogue's checkboxes send them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompareQuery {
    pub ids: Vec<String>,
}

impl PageQuery for CompareQuery {
    const PARAMS: &'static [&'static str] = &["ids"];

    /// Any ids read; which of them name models is the page's to say, by each id.
    fn parse(params: &Params, _: &Catalogue) -> (CompareQuery, FieldErrors) {
        let mut seen = BTreeSet::new();
        let query = CompareQuery {
            ids: params
                .all("ids")
                .into_iter()
                .filter(|id| seen.insert(id.clone()))
                .collect(),
        };
        (query, FieldErrors::default())
    }
}

impl CompareQuery {
    /// `/compare?ids=a,b,c`: the one way to link to this page. With fewer than two models
    /// it is the empty page that asks for them.
    pub fn href(&self) -> String {
        if self.ids.len() < MIN_MODELS {
            return "/compare".to_string();
        }
        format!("/compare?{}", encode([("ids", self.ids.join(","))]))
    }

    /// This comparison without `id`, when enough models would remain.
    pub fn without(&self, id: &str) -> Option<String> {
        (self.ids.len() > MIN_MODELS).then(|| {
            CompareQuery {
                ids: self.ids.iter().filter(|i| *i != id).cloned().collect(),
            }
            .href()
        })
    }
}

/// [`CompareQuery::href`] for a list of ids, for the pages that link here.
pub fn href(ids: &[&str]) -> String {
    CompareQuery {
        ids: ids.iter().map(|id| id.to_string()).collect(),
    }
    .href()
}
