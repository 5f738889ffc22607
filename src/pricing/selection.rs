//! Which models the calculator prices: the reader's choice of ids, authors, context and
//! listings, applied to the catalogue, then the quality floor applied to the bills. Plain
//! data in, plain data out; the page decides how to word each reason.

use serde::Serialize;

use super::calculator::{
    CalculatorResult, Detail, Itemiser, MonthlyBill, Savings, Unpriced, Workload, price_all_with,
    savings,
};
use crate::model::{Model, QualityIndex, Variant};
use crate::store::Catalogue;

/// What the reader narrowed the calculator to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choice {
    /// The chosen listings (already resolved to the ids priced as rows); `None` means all.
    pub ids: Option<Vec<String>>,
    /// Only these authors, when not empty.
    pub authors: Vec<String>,
    /// The context window a model needs, in tokens.
    pub context_needed: u64,
    pub hide_free: bool,
    pub hide_variable: bool,
    /// The minimum of the chosen quality index ([`Choice::index`]).
    pub min_quality: Option<f64>,
    /// The quality index the floor applies to.
    pub index: QualityIndex,
}

/// Why a model was left out.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Exclusion {
    /// Not one of the chosen authors.
    Author,
    /// Its window (if it lists one) is under what the workload needs.
    Context { window: Option<u64>, needed: u64 },
    /// A free listing, hidden on request.
    Free,
    /// Variable pricing, hidden on request.
    Variable,
    /// Under the quality floor, or without the chosen index at all (`None`).
    BelowFloor {
        quality: Option<f64>,
        index: QualityIndex,
    },
}

/// A model that was not priced because of the reader's filters.
#[derive(Clone, Debug, PartialEq)]
pub struct LeftOut {
    pub id: String,
    pub name: String,
    pub why: Exclusion,
}

/// The models the filters let through (with their batch listings) and those they did not.
pub struct Selection<'a> {
    pub pairs: Vec<(&'a Model, Option<&'a Model>)>,
    pub left_out: Vec<LeftOut>,
}

/// Picks the models to price: the chosen ids, or every active listing that is not an alias
/// (it duplicates its target) or a batch listing (it prices its base's batch share). The
/// quality floor is applied later, so the summary can name the cheapest model below it.
pub fn select<'a>(catalogue: &'a Catalogue, choice: &Choice) -> Selection<'a> {
    // Every pair below is `listing(catalogue, id)` of its model's id, so a bill can be priced
    // again (itemised) on the same listings from its id alone.
    let candidates: Vec<&Model> = match &choice.ids {
        Some(ids) => ids
            .iter()
            .filter_map(|id| catalogue.get(id))
            .map(|e| &e.model)
            .collect(),
        None => catalogue
            .active()
            .map(|e| &e.model)
            .filter(|m| !matches!(m.variant, Variant::Alias | Variant::Batch))
            .collect(),
    };
    let needed = choice.context_needed;
    let mut selection = Selection {
        pairs: Vec::with_capacity(candidates.len()),
        left_out: Vec::new(),
    };
    for model in candidates {
        let why = if !choice.authors.is_empty() && !choice.authors.contains(&model.author) {
            Some(Exclusion::Author)
        } else if model.context_length.unwrap_or(0) < needed {
            Some(Exclusion::Context {
                window: model.context_length,
                needed,
            })
        } else if choice.hide_free && model.is_free() {
            Some(Exclusion::Free)
        } else if choice.hide_variable && model.is_variable() {
            Some(Exclusion::Variable)
        } else {
            None
        };
        match why {
            Some(why) => selection.left_out.push(LeftOut {
                id: model.id.clone(),
                name: model.short_name().to_string(),
                why,
            }),
            None => selection
                .pairs
                .push((model, catalogue.batch_listing(&model.id))),
        }
    }
    selection
}

/// Itemises the first `n` paid bills of `result` on the listings each was priced at; one
/// that fails is moved to `unpriced` with the reason.
pub fn itemise_paid<'m>(
    result: &mut CalculatorResult,
    workload: &Workload,
    n: usize,
    listings: impl Fn(&str) -> Option<(&'m Model, Option<&'m Model>)>,
) {
    let mut left = n;
    itemise_where(
        result,
        workload,
        |bill| {
            let take = !bill.free && left > 0;
            left -= usize::from(take);
            take
        },
        listings,
    );
}

/// Itemises the bills of `result` that `wanted` picks (asked in order), on the listings each
/// was priced at; one that fails is moved to `unpriced` with the reason, so no bill is shown
/// with the figures its totals skip.
pub fn itemise_where<'m>(
    result: &mut CalculatorResult,
    workload: &Workload,
    mut wanted: impl FnMut(&MonthlyBill) -> bool,
    listings: impl Fn(&str) -> Option<(&'m Model, Option<&'m Model>)>,
) {
    // The workload was priced a moment ago, so it is valid; nothing to itemise if not.
    let Ok(itemiser) = Itemiser::new(workload) else {
        return;
    };
    let mut failed = Vec::new();
    for (i, bill) in result.bills.iter_mut().enumerate() {
        if wanted(bill)
            && let Some((model, batch)) = listings(&bill.id)
            && let Err(why) = itemiser.itemise(bill, model, batch)
        {
            failed.push((i, why));
        }
    }
    if failed.is_empty() {
        return;
    }
    for (i, why) in failed.into_iter().rev() {
        let bill = result.bills.remove(i);
        result.unpriced.push(Unpriced {
            id: bill.id,
            name: bill.name,
            reason: why.to_string(),
        });
    }
    result.unpriced.sort_by(|a, b| a.id.cmp(&b.id));
}

/// The listing `select` prices for `id`, with the batch listing that takes its batch share.
pub fn listing<'a>(catalogue: &'a Catalogue, id: &str) -> Option<(&'a Model, Option<&'a Model>)> {
    let model = &catalogue.get(id)?.model;
    Some((model, catalogue.batch_listing(id)))
}

/// The priced result, split at the quality floor.
pub struct Outcome {
    /// The rows shown: every model the filters let through, above the quality floor. The
    /// summary describes these rows and no others.
    pub shown: CalculatorResult,
    pub left_out: Vec<LeftOut>,
    /// What caching and batching save on the first paid row shown.
    pub savings: Option<Savings>,
}

/// Prices the workload on the chosen models. Every bill has its cost; the first
/// `itemise_first` paid bills shown (at least the cheapest, which the summary and the
/// savings describe) are itemised, the rest carry their totals only ([`Detail::Totals`]):
/// a page shows a few rows, an export passes `usize::MAX`. A model that cannot be priced is
/// listed in `unpriced`; an error here is the calculator's own check on the workload.
pub fn compute(
    catalogue: &Catalogue,
    workload: &Workload,
    choice: &Choice,
    itemise_first: usize,
) -> Result<Outcome, String> {
    let selection = select(catalogue, choice);
    let detail = if itemise_first == usize::MAX {
        Detail::Itemised
    } else {
        Detail::Totals
    };
    let all = price_all_with(workload, selection.pairs.iter().copied(), detail)
        .map_err(|e| e.to_string())?;
    Ok(finish(
        catalogue,
        workload,
        choice,
        all,
        selection.left_out,
        itemise_first,
        |id| listing(catalogue, id),
    ))
}

/// Splits priced bills at the quality floor, itemises the first `itemise_first` paid bills
/// shown (at least one) and works out the savings on the cheapest, on the listings
/// `listings` says a bill was priced at (the catalogue's own with its batch listing, or
/// another seller's prices for the same model). A bill that cannot be itemised (an overflow
/// in a figure its totals skip) is moved to `unpriced`.
pub fn finish<'m>(
    catalogue: &Catalogue,
    workload: &Workload,
    choice: &Choice,
    all: CalculatorResult,
    mut left_out: Vec<LeftOut>,
    itemise_first: usize,
    listings: impl Fn(&str) -> Option<(&'m Model, Option<&'m Model>)>,
) -> Outcome {
    let quality_of = |id: &str| {
        catalogue
            .get(id)
            .and_then(|e| e.model.quality.get(choice.index))
    };
    let above_floor = |id: &str| match choice.min_quality {
        None => true,
        Some(floor) => quality_of(id).is_some_and(|q| q >= floor),
    };
    // With no floor every bill is shown as it is; with one, bills are moved, not cloned.
    let (bills, below, unpriced, unpriced_below) = if choice.min_quality.is_none() {
        (all.bills, Vec::new(), all.unpriced, Vec::new())
    } else {
        let (bills, below): (Vec<_>, Vec<_>) =
            all.bills.into_iter().partition(|b| above_floor(&b.id));
        let (unpriced, unpriced_below): (Vec<Unpriced>, Vec<Unpriced>) =
            all.unpriced.into_iter().partition(|u| above_floor(&u.id));
        (bills, below, unpriced, unpriced_below)
    };
    let below_floor = |id: &str, name: &str| LeftOut {
        id: id.to_string(),
        name: name.to_string(),
        why: Exclusion::BelowFloor {
            quality: quality_of(id),
            index: choice.index,
        },
    };
    left_out.extend(below.iter().map(|b| below_floor(&b.id, &b.name)));
    left_out.extend(unpriced_below.iter().map(|u| below_floor(&u.id, &u.name)));
    left_out.sort_by(|a, b| a.id.cmp(&b.id));
    let mut shown = CalculatorResult { bills, unpriced };
    itemise_paid(&mut shown, workload, itemise_first.max(1), &listings);
    let savings = shown
        .cheapest_paid()
        .and_then(|bill| savings(workload, listings(&bill.id)?.0, bill).ok());
    Outcome {
        shown,
        left_out,
        savings,
    }
}
