//! The one rule for how far one price is from another, used by every page, export and feed
//! that says "dearer", "cheaper", "below" or "a cut of": `(price − reference) ÷ reference`,
//! in exact decimals with every step checked (an overflow or a zero reference gives `None`,
//! never a panic or a wrapped value). Shown as a percentage, it is rounded where it is shown,
//! once, by the one rounding rule (`format::ROUNDING`, half away from zero).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::price::Price;
use crate::store::changes::{Change, ChangeKind, ComponentChange};

/// `(price − reference) ÷ reference`: +0.1 is 10 % dearer, −0.5 half the price. `None` when
/// the reference is zero or the arithmetic overflows.
pub fn relative_difference(price: Decimal, reference: Decimal) -> Option<Decimal> {
    if reference.is_zero() {
        return None;
    }
    price.checked_sub(reference)?.checked_div(reference)
}

/// [`relative_difference`] in percent, exact (round it where it is shown).
pub fn percent_difference(price: Decimal, reference: Decimal) -> Option<Decimal> {
    relative_difference(price, reference)?.checked_mul(Decimal::ONE_HUNDRED)
}

/// How far a component moved, in percent of its old price; `None` when either side is not a
/// plain price or the old price was zero.
pub fn change_percent(change: &ComponentChange) -> Option<Decimal> {
    let old = change.old.and_then(Price::usd)?;
    let new = change.new.and_then(Price::usd)?;
    percent_difference(new, old)
}

/// The base input and output moves of `changes` (each with its day) with the largest
/// percentage either way, largest first (ties: by model id, then the newer day), at most
/// `limit` of them.
pub fn biggest_moves(
    changes: &[(NaiveDate, Change)],
    limit: usize,
) -> Vec<(NaiveDate, &Change, &ComponentChange)> {
    let mut moves: Vec<(Decimal, NaiveDate, &Change, &ComponentChange)> = changes
        .iter()
        .filter(|(_, c)| c.kind == ChangeKind::Price)
        .flat_map(|(date, c)| c.components.iter().map(move |comp| (*date, c, comp)))
        .filter(|(_, _, comp)| {
            comp.min_prompt_tokens.is_none()
                && comp.conditions.is_none()
                && matches!(comp.key.as_str(), "prompt" | "completion")
        })
        .filter_map(|(date, c, comp)| change_percent(comp).map(|p| (p, date, c, comp)))
        .collect();
    moves.sort_by(|a, b| {
        b.0.abs()
            .cmp(&a.0.abs())
            .then_with(|| a.2.id.cmp(&b.2.id))
            .then_with(|| b.1.cmp(&a.1))
    });
    moves
        .into_iter()
        .take(limit)
        .map(|(_, date, change, comp)| (date, change, comp))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::changes::filter::tests::{component as priced, date, price_change};
    use proptest::prelude::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn the_difference_is_a_fraction_of_the_reference() {
        // $0.24/M against $0.20/M: 0.04 / 0.20 = +0.2, 20 % dearer.
        assert_eq!(
            relative_difference(d("0.00000024"), d("0.0000002")),
            Some(d("0.2"))
        );
        // Half the price: −0.5; the same price: 0.
        assert_eq!(relative_difference(d("1.5"), d("3")), Some(d("-0.5")));
        assert_eq!(relative_difference(d("3"), d("3")), Some(Decimal::ZERO));
        assert_eq!(percent_difference(d("6"), d("3")), Some(d("100")));
        // Nothing is a percentage of zero.
        assert_eq!(relative_difference(d("1"), Decimal::ZERO), None);
        assert_eq!(percent_difference(Decimal::ZERO, Decimal::ZERO), None);
    }

    #[test]
    fn an_overflow_is_none_not_a_panic() {
        // MAX − (−MAX) does not fit; nor does MAX ÷ a tiny reference times a hundred.
        assert_eq!(relative_difference(Decimal::MAX, Decimal::MIN), None);
        assert_eq!(percent_difference(Decimal::MAX, d("0.0000000001")), None);
    }

    fn component(old: Option<Price>, new: Option<Price>) -> ComponentChange {
        ComponentChange {
            key: "prompt".into(),
            min_prompt_tokens: None,
            conditions: None,
            old,
            new,
        }
    }

    #[test]
    fn a_change_is_measured_against_its_old_price() {
        let p = |t: &str| Some(Price::parse(t).unwrap());
        // 0.000002 -> 0.0000015 is a quarter off; 0.000001 -> 0.0000015 half as much again.
        assert_eq!(
            change_percent(&component(p("0.000002"), p("0.0000015"))),
            Some(d("-25"))
        );
        assert_eq!(
            change_percent(&component(p("0.000001"), p("0.0000015"))),
            Some(d("50"))
        );
        // From free, from nothing, or from a variable price ("-1") there is no percentage.
        assert_eq!(change_percent(&component(p("0"), p("0.000001"))), None);
        assert_eq!(change_percent(&component(None, p("0.000001"))), None);
        assert_eq!(change_percent(&component(p("-1"), p("0.000001"))), None);
    }

    #[test]
    fn the_biggest_moves_are_base_input_and_output_by_size_either_way() {
        let mut tiered = priced("prompt", "0.00001", "0.000001");
        tiered.min_prompt_tokens = Some(200_000);
        let changes = vec![
            // Input $1 → $0.8: −20 %; a cache read −90 % does not count.
            (
                date("2026-07-02"),
                price_change(
                    "acme/alpha",
                    vec![
                        priced("prompt", "0.000001", "0.0000008"),
                        priced("input_cache_read", "0.000001", "0.0000001"),
                    ],
                ),
            ),
            // Output $1.5 → $2: +33.3 %; a long-context tier −90 % does not count.
            (
                date("2026-07-04"),
                price_change(
                    "acme/beta",
                    vec![priced("completion", "0.0000015", "0.000002"), tiered],
                ),
            ),
        ];
        let moves = biggest_moves(&changes, 8);
        let ids: Vec<(&str, &str)> = moves
            .iter()
            .map(|(_, c, comp)| (c.id.as_str(), comp.key.as_str()))
            .collect();
        assert_eq!(ids, [("acme/beta", "completion"), ("acme/alpha", "prompt")]);
        assert_eq!(biggest_moves(&changes, 1).len(), 1);
    }

    proptest! {
        /// The reference plus the difference gives the price back (to the precision of a
        /// decimal division), and the sign says which is dearer.
        #[test]
        fn the_difference_applied_to_the_reference_gives_the_price(
            price in 0u64..10_000_000_000,
            reference in 1u64..10_000_000_000,
            scale in 0u32..12,
        ) {
            let price = Decimal::from_i128_with_scale(price.into(), scale);
            let reference = Decimal::from_i128_with_scale(reference.into(), scale);
            let fraction = relative_difference(price, reference).unwrap();
            let back = reference + reference * fraction;
            prop_assert!((back - price).abs() <= Decimal::new(1, 15), "{back} vs {price}");
            prop_assert_eq!(fraction.is_sign_positive() && !fraction.is_zero(), price > reference);
            prop_assert_eq!(fraction.is_zero(), price == reference);
            prop_assert_eq!(
                percent_difference(price, reference),
                Some(fraction * Decimal::ONE_HUNDRED)
            );
        }
    }
}
