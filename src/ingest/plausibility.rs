//! Is a readable catalogue plausible next to the one we hold? A catalogue that fails these
//! rules is quarantined: stored with its reasons, not applied, until `tokenfare accept-run`.
//!
//! The rules compare two [`Summary`] values, each listing's prices reduced to plain amounts,
//! so any source (OpenRouter's catalogue, an official price feed) can use them by building
//! its own summaries.
//!
//! The thresholds were measured on the real 22-day daily series (2026-07-17 to 2026-08-08,
//! 336 to 400 listings a day, 21 day-to-day steps). Across those steps:
//! - no priced listing ever moved a price by 10x or more, or to zero (0 % every day);
//! - at most 8.7 % of the previous day's ids vanished (32 of 367 on 2026-07-31), usually 0-2 %;
//! - at most 0.4 % of the price keys of listings present on both days disappeared (4 of 1,131);
//! - no record was unreadable.
//!
//! Each threshold sits far enough above the worst real day that ordinary churn never trips
//! it (a quarter of the listings moving 10x has never happened; a vanishing share three and
//! a half times the worst real day), and far enough below the absurd cases (every price x1000
//! or 0, half the keys gone, every id renamed: 50-100 %) that those always do.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use crate::format::whole_percent;
use crate::model::price::{Price, Pricing};
pub use crate::store::changes::{LARGE_MOVE, is_large_move};

/// More than this share of priced listings moving a price by [`LARGE_MOVE`]x or to zero.
pub const MASS_MOVE_SHARE: Decimal = Decimal::from_parts(25, 0, 0, false, 2);
/// More than this share of the previous listings vanishing (renamed ids count here).
pub const VANISHED_SHARE: Decimal = Decimal::from_parts(30, 0, 0, false, 2);
/// More than this share of the price keys of listings present on both sides disappearing.
pub const KEYS_LOST_SHARE: Decimal = Decimal::from_parts(25, 0, 0, false, 2);
/// More than this share of records unreadable. Unreadable records change nothing (their
/// listings keep what we know), so this only catches a body that is mostly junk.
pub const UNREADABLE_SHARE: Decimal = Decimal::from_parts(50, 0, 0, false, 2);

/// One listing's prices: component key -> amount, `None` for a variable price.
pub type Prices = BTreeMap<String, Option<Decimal>>;

/// A whole catalogue as the rules see it.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub listings: HashMap<String, Prices>,
    /// Records in the source, readable or not.
    pub records: usize,
    pub unreadable: usize,
}

/// The base prices of an OpenRouter pricing, as the rules compare them.
pub fn prices_of(pricing: &Pricing) -> Prices {
    pricing
        .base
        .entries()
        .into_iter()
        .map(|(key, price)| {
            let amount = match price {
                Price::Usd(amount) => Some(amount),
                Price::Variable => None,
            };
            (key, amount)
        })
        .collect()
}

/// One listing whose price moved by [`LARGE_MOVE`]x or more, or to zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LargeMove {
    pub id: String,
    pub key: String,
    pub old: Decimal,
    pub new: Decimal,
}

impl std::fmt::Display for LargeMove {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {} -> {}", self.id, self.key, self.old, self.new)
    }
}

/// What the rules found.
#[derive(Clone, Debug, Default)]
pub struct Assessment {
    /// Why the catalogue is implausible; empty when it may be applied.
    pub reasons: Vec<String>,
    /// Listings with a large move: applied (when the catalogue is plausible) but flagged.
    pub large_moves: Vec<LargeMove>,
}

impl Assessment {
    pub fn is_plausible(&self) -> bool {
        self.reasons.is_empty()
    }
}

fn share(part: usize, whole: usize) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    Decimal::from(part) / Decimal::from(whole)
}

/// The rule every check follows: `part` of `whole` above `limit` is a reason, worded
/// "{part} of {whole} {what} ({share}) {happened} (more than {limit})".
fn check_share(
    reasons: &mut Vec<String>,
    (part, whole): (usize, usize),
    limit: Decimal,
    what: &str,
    happened: &str,
) {
    let part_share = share(part, whole);
    if part_share > limit {
        reasons.push(format!(
            "{part} of {whole} {what} ({}) {happened} (more than {})",
            whole_percent(part_share),
            whole_percent(limit)
        ));
    }
}

/// Compares a new catalogue with the one held. With nothing held there is nothing to
/// compare against, and every catalogue is plausible.
pub fn assess(previous: &Summary, new: &Summary) -> Assessment {
    let mut out = Assessment::default();
    if previous.listings.is_empty() {
        return out;
    }
    // No records: a share of nothing is zero, never above a limit.
    check_share(
        &mut out.reasons,
        (new.unreadable, new.records),
        UNREADABLE_SHARE,
        "records",
        "could not be read",
    );

    let vanished = previous
        .listings
        .keys()
        .filter(|id| !new.listings.contains_key(*id))
        .count();
    check_share(
        &mut out.reasons,
        (vanished, previous.listings.len()),
        VANISHED_SHARE,
        "listed ids",
        "vanished",
    );

    let (mut priced, mut moved, mut keys, mut keys_lost) = (0, 0, 0, 0);
    let mut ids: Vec<&String> = previous.listings.keys().collect();
    ids.sort();
    for id in ids {
        let (Some(old), Some(now)) = (previous.listings.get(id), new.listings.get(id)) else {
            continue;
        };
        keys += old.len();
        keys_lost += old.keys().filter(|k| !now.contains_key(*k)).count();
        if !old.values().any(|a| a.is_some_and(|a| a > Decimal::ZERO)) {
            continue;
        }
        priced += 1;
        let before = out.large_moves.len();
        for (key, old_amount) in old {
            if let (Some(old_amount), Some(Some(new_amount))) = (old_amount, now.get(key))
                && is_large_move(*old_amount, *new_amount)
            {
                out.large_moves.push(LargeMove {
                    id: id.clone(),
                    key: key.clone(),
                    old: *old_amount,
                    new: *new_amount,
                });
            }
        }
        if out.large_moves.len() > before {
            moved += 1;
        }
    }
    check_share(
        &mut out.reasons,
        (moved, priced),
        MASS_MOVE_SHARE,
        "priced listings",
        &format!("changed a price by {LARGE_MOVE}× or more or to zero"),
    );
    check_share(
        &mut out.reasons,
        (keys_lost, keys),
        KEYS_LOST_SHARE,
        "price components",
        "of listings still present disappeared",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    fn summary(listings: &[(&str, &[(&str, &str)])]) -> Summary {
        Summary {
            listings: listings
                .iter()
                .map(|(id, prices)| {
                    let prices = prices
                        .iter()
                        .map(|(k, v)| (k.to_string(), Some(d(v))))
                        .collect();
                    (id.to_string(), prices)
                })
                .collect(),
            records: listings.len(),
            unreadable: 0,
        }
    }

    #[test]
    fn ten_times_either_way_or_to_zero_is_a_large_move() {
        assert!(is_large_move(d("0.000001"), d("0.00001")));
        assert!(is_large_move(d("0.00001"), d("0.000001")));
        assert!(is_large_move(d("0.000001"), d("0")));
        // 9.99x is not; zero to anything is not (there is no ratio).
        assert!(!is_large_move(d("0.000001"), d("0.00000999")));
        assert!(!is_large_move(d("0"), d("0.000001")));
    }

    #[test]
    fn one_listing_moving_tenfold_is_flagged_but_plausible() {
        let previous = summary(&[
            ("a/one", &[("prompt", "0.000001")]),
            ("a/two", &[("prompt", "0.000002")]),
            ("a/three", &[("prompt", "0.000003")]),
            ("a/four", &[("prompt", "0.000004")]),
        ]);
        let new = summary(&[
            ("a/one", &[("prompt", "0.00001")]),
            ("a/two", &[("prompt", "0.000002")]),
            ("a/three", &[("prompt", "0.000003")]),
            ("a/four", &[("prompt", "0.000004")]),
        ]);
        let found = assess(&previous, &new);
        // 1 of 4 priced listings = 25 %, not more than 25 %.
        assert!(found.is_plausible(), "{:?}", found.reasons);
        assert_eq!(found.large_moves.len(), 1);
        assert_eq!(found.large_moves[0].id, "a/one");
    }

    #[test]
    fn the_shares_just_above_each_threshold_are_implausible() {
        let previous = summary(&[
            ("a/one", &[("prompt", "1"), ("completion", "2")]),
            ("a/two", &[("prompt", "1"), ("completion", "2")]),
            ("a/three", &[("prompt", "1"), ("completion", "2")]),
        ]);
        // 2 of 3 ids vanish (67 % > 30 %).
        let renamed = summary(&[
            ("a/one", &[("prompt", "1"), ("completion", "2")]),
            ("b/two", &[("prompt", "1"), ("completion", "2")]),
            ("b/three", &[("prompt", "1"), ("completion", "2")]),
        ]);
        assert_eq!(assess(&previous, &renamed).reasons.len(), 1);
        // 2 of 6 keys gone (33 % > 25 %).
        let keys = summary(&[
            ("a/one", &[("prompt", "1")]),
            ("a/two", &[("prompt", "1")]),
            ("a/three", &[("prompt", "1"), ("completion", "2")]),
        ]);
        let found = assess(&previous, &keys);
        assert_eq!(found.reasons.len(), 1, "{:?}", found.reasons);
        assert!(found.reasons[0].contains("2 of 6 price components"));
    }

    #[test]
    fn each_reason_says_how_many_of_how_many_and_the_limit() {
        // Four listings priced $1 input, $2 output.
        let both: &[(&str, &str)] = &[("prompt", "1"), ("completion", "2")];
        let previous = summary(&[
            ("a/one", both),
            ("a/two", both),
            ("a/three", both),
            ("a/four", both),
        ]);
        // a/four vanishes: 1 of 4 ids = 25 %, not more than 30 %. Moves and keys count only
        // the 3 ids on both sides: a/one and a/two move tenfold (2 of 3 priced = 66.7 % ->
        // 67 % > 25 %) and lose their completion price (2 of 6 keys = 33.3 % -> 33 % > 25 %);
        // 3 of 5 records unreadable is 60 % > 50 %.
        let mut new = summary(&[
            ("a/one", &[("prompt", "10")]),
            ("a/two", &[("prompt", "10")]),
            ("a/three", both),
        ]);
        new.records = 5;
        new.unreadable = 3;
        assert_eq!(
            assess(&previous, &new).reasons,
            [
                "3 of 5 records (60%) could not be read (more than 50%)",
                "2 of 3 priced listings (67%) changed a price by 10× or more or to zero (more than 25%)",
                "2 of 6 price components (33%) of listings still present disappeared (more than 25%)",
            ]
        );
        // All four ids renamed, and a third of the keys gone besides.
        let renamed = summary(&[("b/one", &[("prompt", "1")])]);
        assert_eq!(
            assess(&previous, &renamed).reasons,
            ["4 of 4 listed ids (100%) vanished (more than 30%)"]
        );
        let mut keys_lost = previous.clone();
        for id in ["a/one", "a/two", "a/three", "a/four"] {
            keys_lost.listings.get_mut(id).unwrap().remove("completion");
        }
        keys_lost
            .listings
            .get_mut("a/one")
            .unwrap()
            .remove("prompt");
        // 5 of 8 keys = 62.5 %, which rounds half away from zero to 63 % (not to the even 62).
        assert_eq!(
            assess(&previous, &keys_lost).reasons,
            ["5 of 8 price components (63%) of listings still present disappeared (more than 25%)"]
        );
    }
}
