//! `/discrepancies`: where the routed price and the maker's own list price disagree by more
//! than a quarter, either way, worded line by line as the model page's price tags word them.

use askama::Template;

use super::sections::price_tags::{DiscrepancyLine, discrepancy_line};
use super::{Page, impl_page};
use crate::pricing::discrepancies::all_discrepancies;
use crate::seller::Seller;
use crate::store::Catalogue;
use crate::web::format;
use crate::web::layout::Layout;
use crate::web::today;

#[derive(Template)]
#[template(path = "discrepancies.html")]
pub struct DiscrepanciesPage {
    pub layout: Layout,
    pub lines: Vec<DiscrepancyLine>,
    pub official_as_of: String,
    pub compared: usize,
}

impl Page for DiscrepanciesPage {}
impl_page!(DiscrepanciesPage);

impl DiscrepanciesPage {
    /// Every disagreement today, and how many models could be compared at all.
    pub fn build(catalogue: &Catalogue) -> DiscrepanciesPage {
        let found = all_discrepancies(catalogue, today());
        DiscrepanciesPage {
            layout: Layout::new(
                catalogue,
                "Where the routed price and the maker's own disagree",
                "discrepancies",
            ),
            lines: found
                .iter()
                .map(|d| discrepancy_line(catalogue, d))
                .collect(),
            official_as_of: catalogue
                .official()
                .as_of()
                .map(format::day)
                .unwrap_or_default(),
            compared: compared_models(catalogue),
        }
    }
}

/// Models with both a routed price and a US-dollar list of their maker's.
fn compared_models(catalogue: &Catalogue) -> usize {
    let mut ids: Vec<&str> = catalogue
        .official()
        .report
        .matches
        .iter()
        .filter(|m| matches!(m.seller, Seller::FirstParty { .. }))
        .filter(|m| !crate::store::matching::CNY_DERIVED.contains(&m.provider_id.as_str()))
        .filter(|m| catalogue.is_current(&m.model_id))
        .map(|m| m.model_id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.len()
}
