//! `/api/price-tags.{json,csv}`'s query: one model (`id`), one author, one kind of seller, and
//! the calculator's workload fields (each tag then carries its seller's monthly bill).

use super::PageQuery;
use super::calculator::workload_in;
use super::form::FieldErrors;
use super::params::{Params, clip};
use crate::pricing::calculator::Workload;
use crate::seller::SellerKind;
use crate::store::Catalogue;

/// The filters of the price-tag exports; each absent one selects everything.
#[derive(Clone, Debug, Default)]
pub struct PriceTagsQuery {
    /// One model's tags (a variant's are its base model's); checked when the tags are
    /// selected, so a kind that does not read is the one problem reported.
    pub id: Option<String>,
    pub author: Option<String>,
    pub kind: Option<SellerKind>,
    /// The calculator's workload, when given: each tag then carries its seller's bill.
    pub workload: Option<Workload>,
}

impl PageQuery for PriceTagsQuery {
    const PARAMS: &'static [&'static str] = &[
        "author",
        "batch",
        "cache_hit",
        "cache_write",
        "discount",
        "id",
        "input_tokens",
        "kind",
        "output_tokens",
        "reasoning_tokens",
        "requests",
    ];

    fn parse(params: &Params, catalogue: &Catalogue) -> (PriceTagsQuery, FieldErrors) {
        let mut errors = FieldErrors::default();
        let workload = match workload_in(params, catalogue) {
            Ok(workload) => workload.map(|(w, _)| w),
            Err(problems) => {
                errors.0.extend(problems.0);
                None
            }
        };
        let kind = params.get("kind").and_then(|text| {
            let kind = SellerKind::parse(text);
            if kind.is_none() {
                errors.add(
                    "kind",
                    format!(
                        "{:?} is not a kind of seller; use routed, routed-provider, first-party or cloud",
                        clip(text)
                    ),
                );
            }
            kind
        });
        let text = |key| params.get(key).map(str::to_string);
        let query = PriceTagsQuery {
            id: text("id"),
            author: text("author"),
            kind,
            workload,
        };
        (query, errors)
    }
}
