//! The "where to buy" filters as a reader shares them: the model page's query, read the same
//! way by the calculator at every seller (`sellers=all`), and written back by one builder so every link carries
//! them over unchanged.
//!
//! | parameter            | value                                   |
//! | -------------------- | --------------------------------------- |
//! | `dc`                 | every datacenter in: `EU`, `EEA` or a country code |
//! | `hq`                 | headquarters in: the same               |
//! | `min_uptime`         | percent over the last day, 0 to 100     |
//! | `full_precision`     | `1`: no stated fp8/fp6/fp4/int endpoints |
//! | `tools`              | `1`: lists tool calling                 |
//! | `structured_outputs` | `1`: lists structured outputs           |
//! | `maker_and_clouds`   | `1`: the maker's own API and the clouds only |
//! | `requests`, `input_tokens`, … | the calculator's workload: each seller's monthly bill |

use super::PageQuery;
use super::calculator::{CalculatorQuery, workload_in};
use super::form::{self, FieldErrors};
use super::params::Params;
use crate::pricing::calculator::Workload;
use crate::pricing::providers::{ProviderFilters, Region};
use crate::pricing::sellers::SellerFilters;
use crate::store::Catalogue;

/// The model page's query: the filters as typed (shown back in the form) and as parsed (no
/// filter at all when any of them does not read).
#[derive(Clone, Debug, Default)]
pub struct WhereToBuyQuery {
    pub typed: FilterQuery,
    pub filters: SellerFilters,
    /// The reader's workload (the calculator's fields), when the address carries one: each
    /// seller's row then shows its monthly bill.
    pub workload: Option<(Workload, CalculatorQuery)>,
}

/// The parameters a table of sellers reads (its filters and the reader's workload), with
/// any `extra` a page reads beside them: written once for the model page and `/compare`.
macro_rules! seller_table_params {
    ($($extra:literal),*) => {
        &[
            "batch",
            "cache_hit",
            "cache_write",
            "dc",
            "discount",
            "full_precision",
            "hq",
            "input_tokens",
            "maker_and_clouds",
            "min_uptime",
            "output_tokens",
            "reasoning_tokens",
            "requests",
            "structured_outputs",
            "tools",
            $($extra),*
        ]
    };
}
pub(crate) use seller_table_params;

impl PageQuery for WhereToBuyQuery {
    const PARAMS: &'static [&'static str] = seller_table_params!();

    fn parse(params: &Params, catalogue: &Catalogue) -> (WhereToBuyQuery, FieldErrors) {
        let typed = FilterQuery::from_params(params);
        let (filters, mut errors) = match typed.parse() {
            Ok(filters) => (filters, FieldErrors::default()),
            Err(errors) => (SellerFilters::default(), errors),
        };
        let workload = workload_in(params, catalogue).unwrap_or_else(|problems| {
            errors.0.extend(problems.0);
            None
        });
        (
            WhereToBuyQuery {
                typed,
                filters,
                workload,
            },
            errors,
        )
    }
}

/// The filters as typed, before they are checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterQuery {
    pub dc: String,
    pub hq: String,
    pub min_uptime: String,
    pub full_precision: bool,
    pub tools: bool,
    pub structured_outputs: bool,
    pub maker_and_clouds: bool,
}

impl FilterQuery {
    pub fn from_params(params: &Params) -> FilterQuery {
        let text = |key| params.get(key).unwrap_or_default().to_string();
        FilterQuery {
            dc: text("dc"),
            hq: text("hq"),
            min_uptime: text("min_uptime"),
            full_precision: params.flag("full_precision"),
            tools: params.flag("tools"),
            structured_outputs: params.flag("structured_outputs"),
            maker_and_clouds: params.flag("maker_and_clouds"),
        }
    }

    /// The canonical query of parsed seller filters.
    pub fn from_seller_filters(filters: &SellerFilters) -> FilterQuery {
        FilterQuery {
            maker_and_clouds: filters.maker_and_clouds,
            ..FilterQuery::from_filters(&filters.places)
        }
    }

    /// The canonical query of parsed place and feature filters.
    pub fn from_filters(filters: &ProviderFilters) -> FilterQuery {
        FilterQuery {
            dc: filters
                .datacenter
                .as_ref()
                .map(|r| r.code().to_string())
                .unwrap_or_default(),
            hq: filters
                .headquarters
                .as_ref()
                .map(|r| r.code().to_string())
                .unwrap_or_default(),
            min_uptime: filters
                .min_uptime
                .map(|u| u.normalize().to_string())
                .unwrap_or_default(),
            full_precision: filters.full_precision,
            tools: filters.tools,
            structured_outputs: filters.structured_outputs,
            maker_and_clouds: false,
        }
    }

    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        self.pairs().is_empty()
    }

    /// Checks every field; all problems at once, each with what to type instead.
    pub fn parse(&self) -> Result<SellerFilters, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut region = |key: &'static str, text: &str| {
            if text.is_empty() || text.eq_ignore_ascii_case("any") {
                return None;
            }
            Region::parse(text)
                .map_err(|e| errors.add(key, e.to_string()))
                .ok()
        };
        let datacenter = region("dc", &self.dc);
        let headquarters = region("hq", &self.hq);
        let min_uptime = if self.min_uptime == "any" {
            None
        } else {
            errors.parse(&form::MIN_UPTIME, &self.min_uptime)
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(SellerFilters {
            places: ProviderFilters {
                datacenter,
                headquarters,
                min_uptime,
                full_precision: self.full_precision,
                tools: self.tools,
                structured_outputs: self.structured_outputs,
            },
            maker_and_clouds: self.maker_and_clouds,
        })
    }

    /// The set parameters, in a fixed order, for a URL.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let flag = |on: bool| if on { "1".to_string() } else { String::new() };
        [
            ("dc", self.dc.clone()),
            ("hq", self.hq.clone()),
            ("min_uptime", self.min_uptime.clone()),
            ("full_precision", flag(self.full_precision)),
            ("tools", flag(self.tools)),
            ("structured_outputs", flag(self.structured_outputs)),
            ("maker_and_clouds", flag(self.maker_and_clouds)),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn query(pairs: &str) -> FilterQuery {
        FilterQuery::from_params(&Params::parse(Some(pairs)))
    }

    #[test]
    fn filters_round_trip_through_the_url() {
        let q = query(
            "dc=eu&hq=US&min_uptime=99.5&full_precision=1&tools=on&structured_outputs=1\
             &maker_and_clouds=1",
        );
        let sellers = q.parse().unwrap();
        assert!(sellers.maker_and_clouds);
        assert_eq!(
            FilterQuery::from_seller_filters(&sellers),
            FilterQuery {
                dc: "EU".into(),
                ..q.clone()
            }
        );
        let filters = sellers.places;
        assert_eq!(filters.datacenter, Some(Region::Eu));
        assert_eq!(filters.headquarters, Some(Region::Country("US".into())));
        assert_eq!(filters.min_uptime, Some(Decimal::new(995, 1)));
        assert!(filters.full_precision && filters.tools && filters.structured_outputs);
        let canonical = FilterQuery::from_filters(&filters);
        assert_eq!(canonical.dc, "EU");
        assert_eq!(canonical.parse().unwrap().places, filters);
        assert_eq!(
            canonical.pairs(),
            [
                ("dc", "EU".to_string()),
                ("hq", "US".to_string()),
                ("min_uptime", "99.5".to_string()),
                ("full_precision", "1".to_string()),
                ("tools", "1".to_string()),
                ("structured_outputs", "1".to_string()),
            ]
        );
        assert!(query("").parse().unwrap().is_empty());
        assert!(query("dc=any&min_uptime=").parse().unwrap().is_empty());
        assert!(!query("maker_and_clouds=1").parse().unwrap().is_empty());
    }

    #[test]
    fn bad_filters_say_what_to_type_for_each_field() {
        let errors = query("dc=Europe&hq=U&min_uptime=120").parse().unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["dc", "hq", "min_uptime"]);
        assert!(errors.0[0].1.contains("EU or EEA"), "{}", errors.0[0].1);
        // The one number parser's message for a percentage.
        assert!(
            errors.0[2].1.contains("between 0 and 100"),
            "{}",
            errors.0[2].1
        );
        let words = query("min_uptime=high").parse().unwrap_err();
        assert_eq!(words.0[0].0, "min_uptime");
        let comma = query("min_uptime=99,5").parse().unwrap_err();
        assert!(comma.0[0].1.contains("use a dot"), "{}", comma.0[0].1);
    }
}
