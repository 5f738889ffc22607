//! `/compare`'s query: the models to compare, each named by its id or as `/models?q=` would
//! find it (`gpt-5.4`, `opus 4.8`), and the one URL builder for links to the page.

use std::collections::BTreeSet;

use super::PageQuery;
use super::calculator::CalculatorQuery;
use super::form::FieldErrors;
use super::named_model::NamedModel;
use super::params::{Params, encode};
use super::where_to_buy::{FilterQuery, WhereToBuyQuery, seller_table_params};
use crate::pricing::calculator::Workload;
use crate::pricing::compare::MIN_MODELS;
use crate::pricing::sellers::SellerFilters;
use crate::store::Catalogue;
use crate::web::error::Suggestion;

/// The page's query: the ids to compare, each once, in the order given (`ids=a,b` and
/// `ids=a&ids=b` alike, as the catalogue's checkboxes send them; a name that stands for one
/// model is read as its id, any other kept as typed for the page to explain), the
/// calculator's workload fields (each model is then priced for that workload) and the seller
/// filters (which sellers may bill it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompareQuery {
    pub ids: Vec<String>,
    /// (what was typed, the id it was read as), for names that were not ids.
    pub read_as: Vec<(String, String)>,
    /// (what was typed, the models it could mean), for names that could mean several.
    pub ambiguous: Vec<(String, Vec<Suggestion>)>,
    /// The reader's workload, when the address carries one.
    pub workload: Option<(Workload, CalculatorQuery)>,
    /// The seller filters as typed, for the form and links.
    pub typed: FilterQuery,
    pub filters: SellerFilters,
}

impl PageQuery for CompareQuery {
    /// The sellers table's, and the compared ids.
    const PARAMS: &'static [&'static str] = seller_table_params!("ids");

    /// Any names read; which of them name models is the page's to say, by each name. A
    /// workload or filter that does not read is a problem by its field.
    fn parse(params: &Params, catalogue: &Catalogue) -> (CompareQuery, FieldErrors) {
        let mut seen = BTreeSet::new();
        // The seller filters and the workload read as on the model page.
        let (sellers, errors) = WhereToBuyQuery::parse(params, catalogue);
        let mut query = CompareQuery {
            workload: sellers.workload,
            typed: sellers.typed,
            filters: sellers.filters,
            ..CompareQuery::default()
        };
        for typed in params.all("ids") {
            // The page words every problem with the list itself, naming each id.
            let named = NamedModel::read(catalogue, &typed, "ids", &mut FieldErrors::default());
            let id = match named.id {
                Some(id) => {
                    if let Some(typed) = named.typed {
                        query.read_as.push((typed, id.clone()));
                    }
                    id
                }
                None => {
                    if named.ambiguous {
                        query.ambiguous.push((typed.clone(), named.choices));
                    }
                    typed
                }
            };
            if seen.insert(id.clone()) {
                query.ids.push(id);
            }
        }
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
            .as_ref()
            .map(|(_, q)| q.workload_pairs())
            .unwrap_or_default()
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

    /// This comparison with `typed` replaced by the model `id` the reader picked; the
    /// model's own page when that leaves too few models to compare.
    pub fn choosing(&self, typed: &str, id: &str) -> String {
        let ids: Vec<String> = self
            .ids
            .iter()
            .map(|i| if i == typed { id } else { i.as_str() }.to_string())
            .collect();
        if ids.len() < MIN_MODELS {
            return format!("/models/{id}");
        }
        CompareQuery {
            ids,
            ..self.clone()
        }
        .href()
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
