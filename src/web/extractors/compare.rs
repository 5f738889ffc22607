//! `/compare`'s query: the ids to compare, and the one URL builder for links to the page.

use std::collections::BTreeSet;

use super::PageQuery;
use super::calculator::{CalculatorQuery, workload_in};
use super::form::FieldErrors;
use super::params::{Params, encode};
use super::where_to_buy::FilterQuery;
use crate::pricing::calculator::Workload;
use crate::pricing::compare::MIN_MODELS;
use crate::pricing::sellers::SellerFilters;
use crate::store::Catalogue;

/// The page's query: the ids to compare, each once, in the order given (`ids=a,b` and
/// `ids=a&ids=b` alike, as the catalogue's checkboxes send them), the calculator's workload
/// fields (each model is then priced for that workload) and the seller filters (which
/// sellers may bill it).
#[derive(Clone, Debug, Default)]
pub struct CompareQuery {
    pub ids: Vec<String>,
    /// The reader's workload, when the address carries one.
    pub workload: Option<(Workload, CalculatorQuery)>,
    /// The seller filters as typed, for the form and links.
    pub typed: FilterQuery,
    pub filters: SellerFilters,
}

impl PartialEq for CompareQuery {
    /// Two queries are the same comparison when they name the same ids (the workload and
    /// filters only change what the page prices).
    fn eq(&self, other: &CompareQuery) -> bool {
        self.ids == other.ids
    }
}

impl PageQuery for CompareQuery {
    const PARAMS: &'static [&'static str] = &[
        "batch",
        "cache_hit",
        "cache_write",
        "dc",
        "discount",
        "full_precision",
        "hq",
        "ids",
        "input_tokens",
        "maker_and_clouds",
        "min_uptime",
        "output_tokens",
        "reasoning_tokens",
        "requests",
        "structured_outputs",
        "tools",
    ];

    /// Any ids read; which of them name models is the page's to say, by each id. A workload
    /// or filter that does not read is a problem by its field.
    fn parse(params: &Params, catalogue: &Catalogue) -> (CompareQuery, FieldErrors) {
        let mut seen = BTreeSet::new();
        let typed = FilterQuery::from_params(params);
        let (filters, mut errors) = match typed.parse() {
            Ok(filters) => (filters, FieldErrors::default()),
            Err(errors) => (SellerFilters::default(), errors),
        };
        let workload = workload_in(params, catalogue).unwrap_or_else(|problems| {
            errors.0.extend(problems.0);
            None
        });
        let query = CompareQuery {
            ids: params
                .all("ids")
                .into_iter()
                .filter(|id| seen.insert(id.clone()))
                .collect(),
            workload,
            typed,
            filters,
        };
        (query, errors)
    }
}

impl CompareQuery {
    /// `/compare?ids=a,b,c`: the one way to link to this page. With fewer than two models
    /// it is the empty page that asks for them.
    pub fn href(&self) -> String {
        if self.ids.len() < MIN_MODELS {
            return "/compare".to_string();
        }
        let mut pairs = vec![("ids", self.ids.join(","))];
        if let Some((_, workload)) = &self.workload {
            pairs.extend(
                workload
                    .pairs()
                    .into_iter()
                    .filter(|(key, _)| *key != "ids"),
            );
        }
        pairs.extend(self.typed.pairs());
        format!("/compare?{}", encode(pairs))
    }

    /// The workload's and filters' fields, as hidden inputs of a form that changes the ids
    /// or the filters and must keep the rest.
    pub fn hidden_workload(&self) -> Vec<(&'static str, String)> {
        self.workload
            .iter()
            .flat_map(|(_, q)| q.pairs())
            .filter(|(key, _)| *key != "ids")
            .collect()
    }

    /// This comparison without `id`, when enough models would remain.
    pub fn without(&self, id: &str) -> Option<String> {
        (self.ids.len() > MIN_MODELS).then(|| {
            CompareQuery {
                ids: self.ids.iter().filter(|i| *i != id).cloned().collect(),
                ..self.clone()
            }
            .href()
        })
    }
}

/// [`CompareQuery::href`] for a list of ids, for the pages that link here.
pub fn href(ids: &[&str]) -> String {
    CompareQuery {
        ids: ids.iter().map(|id| id.to_string()).collect(),
        ..CompareQuery::default()
    }
    .href()
}
