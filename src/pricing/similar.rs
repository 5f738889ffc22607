//! Which models a reader looking at one model most likely wants beside it: others from the
//! same author in the same price band first, then the nearest in price from anyone.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::ranking::blended_price_per_million;
use crate::model::{Model, Variant};

/// Prices within this factor of each other are in the same band.
const PRICE_BAND: f64 = 4.0;

/// The blended price (3:1 input:output, no caching) a model is compared by.
fn blended(model: &Model) -> Option<f64> {
    blended_price_per_million(&model.pricing.base, Decimal::from(3), Decimal::ZERO)
        .filter(|p| *p > Decimal::ZERO)
        .and_then(|p| p.to_f64())
}

/// Up to `n` models to compare `model` with, closest first. Candidates that are a listing of
/// the same model (its `:free`, `:batch`, aliases), free, variable or unpriced are skipped.
/// Closeness: same author and within [`PRICE_BAND`], then price distance (by ratio), then id.
pub fn comparable<'a>(
    model: &Model,
    candidates: impl IntoIterator<Item = &'a Model>,
    n: usize,
) -> Vec<&'a Model> {
    let own = blended(model);
    let mut scored: Vec<(bool, f64, &'a Model)> = candidates
        .into_iter()
        .filter(|m| m.base_id != model.base_id && m.id != model.id)
        .filter(|m| matches!(m.variant, Variant::Base))
        .filter(|m| !m.is_free() && !m.is_variable())
        .filter_map(|m| {
            let price = blended(m)?;
            // Log distance: 2× dearer and 2× cheaper are equally far.
            let distance = own.map_or(0.0, |own| (price / own).ln().abs());
            let same_band = m.author == model.author && distance <= PRICE_BAND.ln();
            Some((!same_band, distance, m))
        })
        .collect();
    scored.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.total_cmp(&b.1))
            .then_with(|| a.2.id.cmp(&b.2.id))
    });
    scored.into_iter().take(n).map(|(_, _, m)| m).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, input: i64, output: i64) -> Model {
        Model::at_per_million(id, input, output)
    }

    #[test]
    fn same_author_in_band_comes_first_then_nearest_price() {
        // Blended at 3:1: x (3×3 + 15) ÷ 4 = $6/M; y $2/M (3× cheaper, in band);
        // z $60/M (10×, out of band); w, another author's, $6/M exactly.
        let x = model("a/x", 3, 15);
        let pool = [
            model("a/z", 30, 150),
            model("b/w", 3, 15),
            model("a/y", 1, 5),
            model("a/x:free", 0, 0),
            model("a/x:batch", 1, 7),
            x.clone(),
        ];
        let ids: Vec<&str> = comparable(&x, &pool, 3)
            .iter()
            .map(|m| m.id.as_str())
            .collect();
        assert_eq!(ids, ["a/y", "b/w", "a/z"]);
        assert_eq!(comparable(&x, &pool, 1)[0].id, "a/y");
    }
}
