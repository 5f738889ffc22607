//! What `/compare` puts side by side: which of the requested ids can be compared, which
//! value of a row is the most favourable, how much a batch listing or a cache read saves,
//! and what one workload costs on each model. Plain data in, plain data out; the page
//! words the problems and formats the figures.

use rust_decimal::Decimal;

use super::calculator::{MonthlyBill, NotPriceable, Workload, price_workload};
use super::difference::percent_difference;
use crate::model::price::Price;
use crate::model::{Model, is_valid_id};
use crate::store::Catalogue;
use crate::store::catalogue::Entry;

pub const MIN_MODELS: usize = 2;
pub const MAX_MODELS: usize = 6;

/// Why a set of ids cannot be compared; every list keeps the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdProblems {
    /// Not shaped like `author/model`.
    pub malformed: Vec<String>,
    /// Well-formed, but no model (listed now or before) has the id.
    pub unknown: Vec<String>,
    /// Fewer than [`MIN_MODELS`] or more than [`MAX_MODELS`] ids.
    pub wrong_count: bool,
}

/// The entries of `ids` in the order given, or everything wrong with the list. Delisted
/// models can be compared (their pages still exist); `ids` must already be de-duplicated.
pub fn resolve<'a>(catalogue: &'a Catalogue, ids: &[String]) -> Result<Vec<&'a Entry>, IdProblems> {
    let problems = IdProblems {
        malformed: ids.iter().filter(|id| !is_valid_id(id)).cloned().collect(),
        unknown: ids
            .iter()
            .filter(|id| is_valid_id(id) && catalogue.get(id).is_none())
            .cloned()
            .collect(),
        wrong_count: !(MIN_MODELS..=MAX_MODELS).contains(&ids.len()),
    };
    if problems == IdProblems::default() {
        Ok(ids.iter().filter_map(|id| catalogue.get(id)).collect())
    } else {
        Err(problems)
    }
}

/// Which values are the best of their row (the lowest when `lowest`, else the highest):
/// none unless at least two values are known and they are not all equal; ties all win.
pub fn best<T: PartialOrd + Copy>(values: &[Option<T>], lowest: bool) -> Vec<bool> {
    let known: Vec<T> = values.iter().flatten().copied().collect();
    let none = vec![false; values.len()];
    let Some(&first) = known.first() else {
        return none;
    };
    if known.len() < 2 {
        return none;
    }
    let winner = known.iter().copied().fold(first, |acc, v| {
        let better = if lowest { v < acc } else { v > acc };
        if better { v } else { acc }
    });
    if known.iter().all(|v| *v == winner) {
        return none;
    }
    values.iter().map(|v| *v == Some(winner)).collect()
}

/// How much cheaper `price` is than `base`, in percent of `base`: `(base − price) ÷ base ×
/// 100`. `None` when either is not a plain price or `base` is zero.
pub fn percent_below(price: Option<Price>, base: Option<Price>) -> Option<Decimal> {
    let (p, b) = (price?.usd()?, base?.usd()?);
    percent_difference(p, b).map(|below| -below)
}

/// `workload` priced on each model, with its batch listing where it has one (the
/// calculator's rule), in the order given.
pub fn bills(
    catalogue: &Catalogue,
    models: &[&Model],
    workload: &Workload,
) -> Vec<Result<MonthlyBill, NotPriceable>> {
    models
        .iter()
        .map(|m| price_workload(workload, m, catalogue.batch_listing(&m.id)))
        .collect()
}

/// The monthly cost of each bill that could be priced, for [`best`].
pub fn monthly_costs(bills: &[Result<MonthlyBill, NotPriceable>]) -> Vec<Option<Decimal>> {
    bills
        .iter()
        .map(|b| b.as_ref().ok().map(|b| b.monthly_cost))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_value_is_marked_only_when_values_differ() {
        assert_eq!(best(&[Some(3), Some(1), None], true), [false, true, false]);
        assert_eq!(
            best(&[Some(3), Some(1), Some(3)], false),
            [true, false, true]
        );
        // One known value, or all equal: nothing is "best".
        assert_eq!(best(&[Some(3), None], true), [false, false]);
        assert_eq!(best(&[Some(2), Some(2)], true), [false, false]);
        assert_eq!(best::<u8>(&[], true), Vec::<bool>::new());
    }

    #[test]
    fn a_saving_is_a_percentage_of_the_base_price() {
        let usd = |v: &str| Some(Price::Usd(v.parse().unwrap()));
        // ($1 − $0.50) ÷ $1 = 50 %; ($3 − $0.30) ÷ $3 = 90 %.
        assert_eq!(
            percent_below(usd("0.0000005"), usd("0.000001")),
            Some(Decimal::from(50))
        );
        assert_eq!(
            percent_below(usd("0.0000003"), usd("0.000003")),
            Some(Decimal::from(90))
        );
        assert_eq!(percent_below(usd("1"), usd("0")), None);
        assert_eq!(percent_below(None, usd("1")), None);
    }
}
