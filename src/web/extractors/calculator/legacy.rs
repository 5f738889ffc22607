//! The calculator's addresses from before `sellers=` (issue 24), answered with a permanent
//! redirect to the address that now shows the same thing, so old links and bookmarks keep
//! working:
//!
//! | old | new |
//! | --- | --- |
//! | `source=routed` | the same address without it: the routed price is the default |
//! | `source=official` (the maker's own API and the clouds) | `sellers=all&maker_and_clouds=1` |
//! | `source=cheapest` (the cheaper of the routed price and those lists) | `sellers=all`, which now weighs every OpenRouter provider too |
//! | `/calculator?…&ids=ID&by_provider=1` (one model at each provider, a page) | `/calculator/bill?…&ids=ID&sellers=all&id=ID`: ID's bill at every seller, cheapest first, with the same filters |
//! | `by_provider=1` as CSV or JSON, or naming other than one model | `/calculator?…&sellers=all`: the calculator at every seller, with the same filters |
//!
//! Every other parameter is kept, in the order the page read them in.

use super::super::params::{Params, encode};

/// Where `path` (`/calculator` or `/calculator/bill`) with `params` now points, when the
/// query names `source=` or `by_provider=`; `Err` for a `source` value that never meant
/// anything, with what to write instead.
pub fn redirect(path: &str, params: &Params) -> Result<Option<String>, String> {
    let by_provider = params.flag("by_provider");
    let source = params.get("source");
    if !by_provider && source.is_none() && params.get("by_provider").is_none() {
        // A blank `source=` is dropped like any blank field, by the blank-field redirect.
        return Ok(None);
    }
    let mut all = by_provider;
    let mut maker_and_clouds = params.flag("maker_and_clouds");
    match source {
        None | Some("routed") => {}
        Some("cheapest") => all = true,
        Some("official") => {
            all = true;
            maker_and_clouds = true;
        }
        Some(other) => {
            return Err(format!(
                "“source” is now “sellers”: routed (the default) or all; “{}” was never a \
                 source.",
                super::super::params::clip(other)
            ));
        }
    }
    let written = ["source", "by_provider", "sellers", "maker_and_clouds"];
    let mut pairs: Vec<(&str, String)> = params
        .pairs()
        .iter()
        .filter(|(key, _)| !written.contains(&key.as_str()))
        .map(|(key, value)| (key.as_str(), value.clone()))
        .collect();
    let explicit = params.get("sellers");
    if all || explicit.is_some() {
        pairs.push((
            "sellers",
            if all {
                "all"
            } else {
                explicit.unwrap_or_default()
            }
            .to_string(),
        ));
    }
    if maker_and_clouds {
        pairs.push(("maker_and_clouds", "1".into()));
    }
    let ids = params.all("ids");
    let page = !matches!(params.get("format"), Some("csv" | "json"));
    let to_bill = path == "/calculator" && by_provider && page && ids.len() == 1;
    if to_bill {
        pairs.push(("id", ids[0].clone()));
        return Ok(Some(format!("/calculator/bill?{}", encode(pairs))));
    }
    Ok(Some(format!("{path}?{}", encode(pairs))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str, query: &str) -> Result<Option<String>, String> {
        redirect(path, &Params::parse(Some(query)))
    }

    #[test]
    fn each_old_address_points_at_the_one_that_shows_the_same() {
        let w = "requests=1000&input_tokens=800&output_tokens=100";
        assert_eq!(at("/calculator", w), Ok(None));
        assert_eq!(
            at("/calculator", &format!("{w}&source=routed")),
            Ok(Some(format!("/calculator?{w}")))
        );
        assert_eq!(
            at("/calculator", &format!("{w}&source=cheapest&format=csv")),
            Ok(Some(format!("/calculator?{w}&format=csv&sellers=all")))
        );
        assert_eq!(
            at("/calculator/bill", &format!("{w}&source=official&id=a%2Fb")),
            Ok(Some(format!(
                "/calculator/bill?{w}&id=a%2Fb&sellers=all&maker_and_clouds=1"
            )))
        );
        // One model at each provider: its bill at every seller, the filters kept.
        assert_eq!(
            at("/calculator", &format!("{w}&ids=a/b&by_provider=1&dc=EU")),
            Ok(Some(format!(
                "/calculator/bill?{w}&ids=a%2Fb&dc=EU&sellers=all&id=a%2Fb"
            )))
        );
        // As data, or for several models: the calculator at every seller.
        assert_eq!(
            at(
                "/calculator",
                &format!("{w}&ids=a/b&by_provider=1&format=json")
            ),
            Ok(Some(format!(
                "/calculator?{w}&ids=a%2Fb&format=json&sellers=all"
            )))
        );
        assert!(at("/calculator", &format!("{w}&source=reseller")).is_err());
    }
}
