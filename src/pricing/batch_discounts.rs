//! Our reviewed table of the batch discounts sellers publish (`data/maker-batch-discounts.tsv`):
//! where the official feed gives a seller's list no batch price, a line here says how much a
//! batch takes off which prices, with the page that says so and the day we read it. The feed's
//! own batch prices (`price_variants`) always win; a bill priced with a line names it.

use std::sync::LazyLock;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::model::price::{Component, Price, PriceSet, Pricing};

/// The table as shipped.
pub const TABLE_TSV: &str = include_str!("../../data/maker-batch-discounts.tsv");

/// The components a line may name, by the price-tags API's names.
const COMPONENTS: [(&str, Component); 6] = [
    ("input", Component::Prompt),
    ("output", Component::Completion),
    ("cache_read", Component::InputCacheRead),
    ("cache_write_5m", Component::InputCacheWrite),
    ("cache_write_1h", Component::InputCacheWrite1h),
    ("reasoning", Component::InternalReasoning),
];

/// One line: a seller's published batch discount.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchDiscount {
    /// The seller it applies to, as [`crate::seller::Seller::bill_key`] spells it.
    pub seller_key: String,
    /// Percent off, `0 < percent < 100`.
    pub percent: Decimal,
    /// The prices it takes off; the others keep their on-demand price in a batch.
    pub components: Vec<Component>,
    pub source_url: String,
    pub reviewed: NaiveDate,
    /// What the page says, in our words.
    pub says: String,
}

impl BatchDiscount {
    /// `pricing` as a batch costs: each listed component of the base prices and of every
    /// tier less the discount; variable and missing prices stay as they are (a missing cache
    /// price still falls back to the, now discounted, input price).
    pub fn apply(&self, pricing: &Pricing) -> Pricing {
        let keep = (Decimal::ONE_HUNDRED - self.percent) / Decimal::ONE_HUNDRED;
        let discount = |set: &PriceSet| {
            let mut out = set.clone();
            for component in &self.components {
                // A price too large to multiply (no real one is) keeps its on-demand value.
                if let Some(Price::Usd(value)) = set.price(*component)
                    && let Some(discounted) = value.checked_mul(keep)
                {
                    out.set(component.key(), Price::Usd(discounted));
                }
            }
            out
        };
        Pricing {
            base: discount(&pricing.base),
            overrides: pricing
                .overrides
                .iter()
                .map(|tier| crate::model::price::PriceOverride {
                    prices: discount(&tier.prices),
                    ..tier.clone()
                })
                .collect(),
        }
    }

    /// "50 % off input and output", for the bill's note.
    pub fn words(&self) -> String {
        let names: Vec<&str> = self
            .components
            .iter()
            .filter_map(|c| COMPONENTS.iter().find(|(_, k)| k == c))
            .map(|(name, _)| *name)
            .map(|name| match name {
                "cache_read" => "cache reads",
                "cache_write_5m" | "cache_write_1h" => "cache writes",
                other => other,
            })
            .fold(Vec::new(), |mut names, name| {
                if !names.contains(&name) {
                    names.push(name);
                }
                names
            });
        let list = match names.as_slice() {
            [] => String::new(),
            [one] => (*one).to_string(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        };
        format!("{} % off {list}", self.percent.normalize())
    }
}

/// Reads the table: tab-separated `seller_key discount components source_url reviewed says`,
/// `#` starting a comment line. A malformed line is an error naming it, so a bad edit fails
/// the tests.
pub fn parse(text: &str) -> Result<Vec<BatchDiscount>, String> {
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let at = |what: String| format!("line {}: {what}", number + 1);
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let [seller_key, discount, components, source_url, reviewed, says] = fields[..] else {
            return Err(at("expected 6 tab-separated fields".into()));
        };
        let percent: Decimal = discount
            .strip_suffix('%')
            .and_then(|p| p.trim().parse().ok())
            .filter(|p| *p > Decimal::ZERO && *p < Decimal::ONE_HUNDRED)
            .ok_or_else(|| {
                at(format!(
                    "discount {discount:?} is not a percentage such as 50%"
                ))
            })?;
        let components = components
            .split(',')
            .map(|name| {
                COMPONENTS
                    .iter()
                    .find(|(n, _)| *n == name.trim())
                    .map(|(_, c)| *c)
                    .ok_or_else(|| at(format!("unknown component {name:?}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if !source_url.starts_with("https://") {
            return Err(at("the source must be an https:// page".into()));
        }
        let reviewed = NaiveDate::parse_from_str(reviewed, "%Y-%m-%d")
            .map_err(|_| at(format!("reviewed {reviewed:?} is not a YYYY-MM-DD date")))?;
        if seller_key.is_empty() || says.len() < 20 {
            return Err(at(
                "every field is needed, and what the page says in words".into()
            ));
        }
        if lines
            .iter()
            .any(|l: &BatchDiscount| l.seller_key == seller_key)
        {
            return Err(at(format!("{seller_key} has a line already")));
        }
        lines.push(BatchDiscount {
            seller_key: seller_key.to_string(),
            percent,
            components,
            source_url: source_url.to_string(),
            reviewed,
            says: says.to_string(),
        });
    }
    Ok(lines)
}

/// The shipped table, read once. A table that does not read (the tests keep that from
/// shipping) leaves every list without a discount rather than failing every page.
pub static SHIPPED: LazyLock<Vec<BatchDiscount>> = LazyLock::new(|| {
    parse(TABLE_TSV).unwrap_or_else(|problem| {
        tracing::error!(%problem, "data/maker-batch-discounts.tsv does not read");
        Vec::new()
    })
});

/// The shipped line for `seller_key`, if any.
pub fn for_seller(seller_key: &str) -> Option<&'static BatchDiscount> {
    SHIPPED.iter().find(|d| d.seller_key == seller_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(text: &str) -> Option<Price> {
        Some(Price::parse(text).unwrap())
    }

    #[test]
    fn the_shipped_table_reads_and_every_line_cites_its_page() {
        let table = parse(TABLE_TSV).unwrap();
        let keys: Vec<&str> = table.iter().map(|d| d.seller_key.as_str()).collect();
        assert_eq!(keys, ["anthropic", "openai", "google"]);
        assert!(table.iter().all(|d| d.percent == Decimal::from(50)));
        assert_eq!(SHIPPED.len(), 3);
        assert_eq!(
            for_seller("anthropic").unwrap().words(),
            "50 % off input, output, cache reads, cache writes and reasoning"
        );
        assert_eq!(
            for_seller("openai").unwrap().words(),
            "50 % off input and output"
        );
        assert!(for_seller("deepseek").is_none());
    }

    #[test]
    fn a_bad_line_is_refused_with_its_number() {
        for (line, problem) in [
            (
                "anthropic\t50%\tinput\thttps://x.example/\t2026-12-07",
                "6 tab-separated",
            ),
            (
                "anthropic\t150%\tinput\thttps://x.example/\t2026-12-07\tsays enough words here",
                "percentage",
            ),
            (
                "anthropic\t50%\tinputs\thttps://x.example/\t2026-12-07\tsays enough words here",
                "unknown component",
            ),
            (
                "anthropic\t50%\tinput\thttp://x.example/\t2026-12-07\tsays enough words here",
                "https",
            ),
            (
                "anthropic\t50%\tinput\thttps://x.example/\t7 Dec\tsays enough words here",
                "YYYY-MM-DD",
            ),
        ] {
            let error = parse(&format!("# comment\n{line}\n")).unwrap_err();
            assert!(error.starts_with("line 2:"), "{error}");
            assert!(error.contains(problem), "{error}");
        }
    }

    #[test]
    fn the_discount_takes_off_the_named_components_of_the_base_and_every_tier() {
        let table = parse(
            "openai\t50%\tinput,output\thttps://x.example/\t2026-12-07\tHalf price on input and output.\n",
        )
        .unwrap();
        let base = PriceSet {
            prompt: usd("0.0000025"),
            completion: usd("0.000015"),
            input_cache_read: usd("0.00000025"),
            ..PriceSet::default()
        };
        let tier = PriceSet {
            prompt: usd("0.000005"),
            ..PriceSet::default()
        };
        let pricing = Pricing {
            base,
            overrides: vec![crate::model::price::PriceOverride {
                min_prompt_tokens: Some(272_000),
                prices: tier,
                ..Default::default()
            }],
        };
        let batch = table[0].apply(&pricing);
        // $2.50 → $1.25 input, $15 → $7.50 output; the cache read keeps $0.25.
        assert_eq!(batch.base.prompt, usd("0.00000125"));
        assert_eq!(batch.base.completion, usd("0.0000075"));
        assert_eq!(batch.base.input_cache_read, usd("0.00000025"));
        // The long-context tier's $5 input → $2.50; its output falls back to the base's $7.50.
        let (long, _) = batch.for_prompt(300_000);
        assert_eq!(long.prompt, usd("0.0000025"));
        assert_eq!(long.completion, usd("0.0000075"));
    }
}
