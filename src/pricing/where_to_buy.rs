//! The rules of a model's "Where to buy" table: the blended price that orders it, the order of
//! its rows, which rows carry the cheapest mark, the range of prices, and how a provider's
//! price compares with OpenRouter's routed (headline) price. Plain data in, plain data out;
//! `web::pages::sections::where_to_buy` words and formats the result.
//!
//! The blend is `(3 × input + output) ÷ 4` per million tokens: a 3:1 input:output mix without
//! caching, the same default the ranking uses.

use rust_decimal::Decimal;

use super::difference::percent_difference;
use super::providers::{Offer, ProviderFilters, Selection, select};
use super::ranking::blended_price_per_million;
use crate::model::price::{Component, PriceSet};

/// Input tokens per output token in the blend that orders the table.
pub const BLEND_RATIO: u32 = 3;

/// The blended $/M that orders the table; `None` when a needed price is missing or variable.
pub fn blend(prices: &PriceSet) -> Option<Decimal> {
    blended_price_per_million(prices, Decimal::from(BLEND_RATIO), Decimal::ZERO)
}

/// The components a row and the headline are compared on, in the order they are named.
pub const COMPARED: [Component; 4] = [
    Component::Prompt,
    Component::Completion,
    Component::InputCacheRead,
    Component::InputCacheWrite,
];

/// How one price set compares with the headline's.
#[derive(Clone, Debug, PartialEq)]
pub enum Versus {
    /// Every compared component is the same.
    Same,
    /// The blends are equal, but these components differ.
    SameBlend(Vec<Component>),
    /// The headline is free and this row costs `blend`.
    RoutedFree(Decimal),
    /// Dearer by this many percent of the headline's blend.
    Dearer(Decimal),
    /// Cheaper by this many percent (negative) of the headline's blend.
    Cheaper(Decimal),
    /// Some component differs but either blend is unknown.
    NotComparable,
    /// The difference could not be worked out (an overflow).
    Unknown,
}

/// Compares `row` (blend `row_blend`) with the headline `head` (blend `head_blend`).
pub fn versus(
    row: &PriceSet,
    row_blend: Option<Decimal>,
    head: &PriceSet,
    head_blend: Option<Decimal>,
) -> Versus {
    let differing: Vec<Component> = COMPARED
        .into_iter()
        .filter(|c| row.price(*c) != head.price(*c))
        .collect();
    if differing.is_empty() {
        return Versus::Same;
    }
    match (row_blend, head_blend) {
        (Some(r), Some(h)) if r == h => Versus::SameBlend(differing),
        (Some(r), Some(h)) if h.is_zero() => Versus::RoutedFree(r),
        (Some(r), Some(h)) => match percent_difference(r, h) {
            Some(p) if r > h => Versus::Dearer(p),
            Some(p) => Versus::Cheaper(p),
            None => Versus::Unknown,
        },
        _ => Versus::NotComparable,
    }
}

/// How the cheapest blend compares with the headline's blend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum VersusHeadline {
    Same,
    /// This many percent below.
    Below(Decimal),
    /// This many percent above.
    Above(Decimal),
}

/// `None` when the headline is free (a percentage of zero means nothing).
pub fn versus_headline(price: Decimal, head: Decimal) -> Option<VersusHeadline> {
    if price == head {
        return Some(VersusHeadline::Same);
    }
    if head.is_zero() {
        return None;
    }
    percent_difference(price, head).map(|p| {
        if p.is_sign_negative() {
            VersusHeadline::Below(-p)
        } else {
            VersusHeadline::Above(p)
        }
    })
}

/// One provider endpoint as the table's rules see it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offering<'a> {
    pub provider: &'a str,
    /// OpenRouter's endpoint tag, unique within a model: the last tie-break.
    pub tag: &'a str,
    pub blend: Option<Decimal>,
    pub offer: Offer<'a>,
}

/// The lowest and highest known blend, and the rows at the lowest.
#[derive(Clone, Debug, PartialEq)]
pub struct PriceRange {
    pub min: Decimal,
    pub max: Decimal,
    /// Rows at `min`, as indices of the input, in table order; left-out rows count too.
    pub at_min: Vec<usize>,
    /// How many rows have a known blend.
    pub priced: usize,
}

impl PriceRange {
    /// Some provider charges more than another.
    pub fn differs(&self) -> bool {
        self.max > self.min
    }

    /// Two or more providers, all at the same price.
    pub fn all_same(&self) -> bool {
        self.priced >= 2 && !self.differs()
    }

    /// How much more the dearest costs than the cheapest, in percent of the cheapest; `None`
    /// when the cheapest is free.
    pub fn spread_percent(&self) -> Option<Decimal> {
        if self.min.is_zero() {
            None
        } else {
            Some(percent_difference(self.max, self.min).unwrap_or_default())
        }
    }
}

/// The table's rows arranged: every index refers to the input slice.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The filters applied to every row, in input order.
    pub selection: Selection,
    /// The display order: rows that meet the filters first, then by blend (unknown last),
    /// then by provider name (ignoring case), then by tag.
    pub order: Vec<usize>,
    /// Rows carrying the cheapest mark. With filters: the cheapest rows that meet them. Without:
    /// the rows at the lowest blend, and only when some provider charges more.
    pub marked: Vec<usize>,
    pub range: Option<PriceRange>,
}

impl Table {
    pub fn is_marked(&self, i: usize) -> bool {
        self.marked.contains(&i)
    }
}

/// Applies `filters` to `offerings` and arranges the table.
pub fn arrange(offerings: &[Offering], filters: &ProviderFilters) -> Table {
    let offers: Vec<Offer> = offerings.iter().map(|o| o.offer).collect();
    let blends: Vec<Option<Decimal>> = offerings.iter().map(|o| o.blend).collect();
    let selection = select(&offers, &blends, filters);
    let mut order: Vec<usize> = (0..offerings.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&offerings[a], &offerings[b]);
        (!selection.qualifies(a))
            .cmp(&!selection.qualifies(b))
            .then_with(|| match (x.blend, y.blend) {
                (Some(p), Some(q)) => p.cmp(&q),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| x.provider.to_lowercase().cmp(&y.provider.to_lowercase()))
            .then_with(|| x.tag.cmp(y.tag))
    });
    let priced: Vec<Decimal> = offerings.iter().filter_map(|o| o.blend).collect();
    let range = match (priced.iter().min(), priced.iter().max()) {
        (Some(&min), Some(&max)) => Some(PriceRange {
            min,
            max,
            at_min: order
                .iter()
                .copied()
                .filter(|&i| offerings[i].blend == Some(min))
                .collect(),
            priced: priced.len(),
        }),
        _ => None,
    };
    let marked = if filters.is_empty() {
        range
            .as_ref()
            .filter(|r| r.differs())
            .map(|r| r.at_min.clone())
            .unwrap_or_default()
    } else {
        selection.cheapest.clone()
    };
    Table {
        selection,
        order,
        marked,
        range,
    }
}

/// The offers at the lowest known blend (ties all), as indices of `blends`; none when fewer
/// than two differ (a "cheapest" among equal prices means nothing). For the provider index's
/// "cheapest for N models".
pub fn lowest_when_prices_differ(blends: &[Option<Decimal>]) -> Vec<usize> {
    let known = || blends.iter().flatten();
    match (known().min(), known().max()) {
        (Some(&min), Some(&max)) if max > min => (0..blends.len())
            .filter(|&i| blends[i] == Some(min))
            .collect(),
        _ => Vec::new(),
    }
}

/// One seller's offer against the other sellers of the same model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgainstOthers {
    /// The cheapest other seller's offer (by blend, then by name), as an index of the input.
    pub alternative: Option<usize>,
    /// Some offer costs more than this one, and no other seller's costs less.
    pub cheapest: bool,
}

/// Places the offer `own` among `offers` (name, blend, and whether it is another seller's):
/// the alternative a reader could buy instead, and whether `own` is the cheapest.
pub fn against_others(
    own: Option<Decimal>,
    offers: &[(&str, Option<Decimal>, bool)],
) -> AgainstOthers {
    let alternative = offers
        .iter()
        .enumerate()
        .filter(|(_, (_, _, other))| *other)
        .filter_map(|(i, (name, blend, _))| Some((i, *name, (*blend)?)))
        .min_by(|a, b| a.2.cmp(&b.2).then_with(|| a.1.cmp(b.1)))
        .map(|(i, _, _)| i);
    let max = offers.iter().filter_map(|(_, b, _)| *b).max();
    let min_other = alternative.and_then(|i| offers[i].1);
    AgainstOthers {
        alternative,
        cheapest: match (own, max) {
            (Some(b), Some(max)) => max > b && min_other.is_none_or(|o| b <= o),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::price::Price;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// Input and output per million tokens, stored per token as OpenRouter lists them.
    fn prices(input: &str, output: &str) -> PriceSet {
        let mut set = PriceSet::default();
        let per_token = |v: &str| Price::Usd(dec(v) / Decimal::from(1_000_000));
        set.set("prompt", per_token(input));
        set.set("completion", per_token(output));
        set
    }

    fn offering<'a>(provider: &'a str, blend: Option<&str>) -> Offering<'a> {
        Offering {
            provider,
            tag: provider,
            blend: blend.map(dec),
            offer: Offer::default(),
        }
    }

    #[test]
    fn the_blend_is_three_parts_input_to_one_part_output() {
        // (3 × $1 + $2) ÷ 4 = $1.25; (3 × $3 + $15) ÷ 4 = $6.
        assert_eq!(blend(&prices("1", "2")), Some(dec("1.25")));
        assert_eq!(blend(&prices("3", "15")), Some(dec("6")));
        assert_eq!(blend(&PriceSet::default()), None);
    }

    #[test]
    fn rows_run_cheapest_first_unknown_last_then_by_name_and_tag() {
        let rows = [
            offering("Zeta", Some("2")),
            offering("beta", None),
            offering("Alpha", Some("2")),
            offering("Gamma", Some("1")),
        ];
        let table = arrange(&rows, &ProviderFilters::default());
        // Gamma $1; then Alpha and Zeta at $2 by name (case ignored); beta unknown last.
        assert_eq!(table.order, [3, 2, 0, 1]);
        let range = table.range.unwrap();
        assert_eq!(
            (range.min, range.max, range.priced),
            (dec("1"), dec("2"), 3)
        );
        // ($2 − $1) ÷ $1 = 100 %.
        assert_eq!(range.spread_percent(), Some(Decimal::from(100)));
        assert_eq!(table.marked, [3]);
    }

    #[test]
    fn no_mark_without_filters_when_every_provider_charges_the_same() {
        let rows = [offering("A", Some("1.5")), offering("B", Some("1.5"))];
        let table = arrange(&rows, &ProviderFilters::default());
        let range = table.range.as_ref().unwrap();
        assert!(table.marked.is_empty());
        assert!(range.all_same());
        assert_eq!(range.at_min, [0, 1]);
        // One priced row alone is not "all the same".
        let one = arrange(&[offering("A", Some("1"))], &ProviderFilters::default());
        assert!(!one.range.unwrap().all_same());
    }

    #[test]
    fn with_filters_the_mark_is_the_cheapest_that_qualifies_and_left_out_rows_go_last() {
        let tools = vec!["tools".to_string()];
        let mut rows = [
            offering("Cheap", Some("1")),
            offering("Dear", Some("3")),
            offering("Mid", Some("2")),
        ];
        rows[1].offer.supported_parameters = &tools;
        rows[2].offer.supported_parameters = &tools;
        let filters = ProviderFilters {
            tools: true,
            ..ProviderFilters::default()
        };
        let table = arrange(&rows, &filters);
        // Cheap lists no tools: left out, so it goes last although it is the cheapest.
        assert_eq!(table.order, [2, 1, 0]);
        assert_eq!(table.marked, [2]);
        // The range still counts every row: $1 to $3.
        assert_eq!(table.range.unwrap().at_min, [0]);
    }

    #[test]
    fn a_free_cheapest_has_no_spread_percentage() {
        let rows = [offering("A", Some("0")), offering("B", Some("4"))];
        let range = arrange(&rows, &ProviderFilters::default()).range.unwrap();
        assert!(range.differs());
        assert_eq!(range.spread_percent(), None);
    }

    #[test]
    fn a_row_compares_with_the_headline_by_blend() {
        let head = prices("2", "4");
        let head_blend = blend(&head); // (3 × 2 + 4) ÷ 4 = $2.50
        let same = prices("2", "4");
        assert_eq!(versus(&same, blend(&same), &head, head_blend), Versus::Same);
        // (3 × 3 + 6) ÷ 4 = $3.75: (3.75 − 2.5) ÷ 2.5 = +50 %.
        let dear = prices("3", "6");
        assert_eq!(
            versus(&dear, blend(&dear), &head, head_blend),
            Versus::Dearer(Decimal::from(50))
        );
        // (3 × 1 + 2) ÷ 4 = $1.25: −50 %.
        let cheap = prices("1", "2");
        assert_eq!(
            versus(&cheap, blend(&cheap), &head, head_blend),
            Versus::Cheaper(Decimal::from(-50))
        );
        // (3 × 1 + 7) ÷ 4 = $2.50, the headline's blend, from other components.
        let other = prices("1", "7");
        assert_eq!(
            versus(&other, blend(&other), &head, head_blend),
            Versus::SameBlend(vec![Component::Prompt, Component::Completion])
        );
        let free = prices("0", "0");
        assert_eq!(
            versus(&dear, blend(&dear), &free, blend(&free)),
            Versus::RoutedFree(dec("3.75"))
        );
        assert_eq!(
            versus(&dear, None, &head, head_blend),
            Versus::NotComparable
        );
    }

    #[test]
    fn the_cheapest_is_placed_against_the_headline() {
        // ($2 − $2.50) ÷ $2.50 = −20 %: 20 % below.
        assert_eq!(
            versus_headline(dec("2"), dec("2.5")),
            Some(VersusHeadline::Below(Decimal::from(20)))
        );
        // ($3 − $2) ÷ $2 = +50 %.
        assert_eq!(
            versus_headline(dec("3"), dec("2")),
            Some(VersusHeadline::Above(Decimal::from(50)))
        );
        assert_eq!(
            versus_headline(dec("2"), dec("2")),
            Some(VersusHeadline::Same)
        );
        assert_eq!(versus_headline(dec("1"), dec("0")), None);
    }

    #[test]
    fn the_cheapest_of_a_model_is_named_only_when_prices_differ() {
        let d = |v: &str| Some(dec(v));
        // $1.40 is the lowest of $1.75, $1.40, $1.40 and one unknown: both at $1.40.
        assert_eq!(
            lowest_when_prices_differ(&[d("1.75"), d("1.4"), None, d("1.4")]),
            [1, 3]
        );
        assert!(lowest_when_prices_differ(&[d("2"), d("2")]).is_empty());
        assert!(lowest_when_prices_differ(&[d("2"), None]).is_empty());
    }

    #[test]
    fn a_seller_is_placed_against_the_other_sellers_of_the_model() {
        let d = |v: &str| Some(dec(v));
        // Our $1.40 (index 0) against Beta $1.75 and Alpha $1.75: cheapest; the alternative
        // is the first by name at $1.75, Alpha.
        let offers = [
            ("Ours", d("1.4"), false),
            ("Beta", d("1.75"), true),
            ("Alpha", d("1.75"), true),
        ];
        assert_eq!(
            against_others(d("1.4"), &offers),
            AgainstOthers {
                alternative: Some(2),
                cheapest: true
            }
        );
        // At $1.75 ourselves, nobody charges more: not the cheapest.
        let dear = [("Ours", d("1.75"), false), ("Beta", d("1.75"), true)];
        assert!(!against_others(d("1.75"), &dear).cheapest);
        // The only seller: no alternative, and no mark without a dearer offer.
        let alone = [("Ours", d("1"), false)];
        assert_eq!(
            against_others(d("1"), &alone),
            AgainstOthers {
                alternative: None,
                cheapest: false
            }
        );
    }
}
