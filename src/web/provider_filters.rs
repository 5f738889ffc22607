//! The "where to buy" filters as a reader shares them: GET parameters read the same way on
//! the model page and in the per-provider calculator, and written back by one builder so
//! every link carries them over unchanged.
//!
//! | parameter            | value                                   |
//! | -------------------- | --------------------------------------- |
//! | `dc`                 | every datacenter in: `EU`, `EEA` or a country code |
//! | `hq`                 | headquarters in: the same               |
//! | `min_uptime`         | percent over the last day, 0 to 100     |
//! | `full_precision`     | `1`: no stated fp8/fp6/fp4/int endpoints |
//! | `tools`              | `1`: lists tool calling                 |
//! | `structured_outputs` | `1`: lists structured outputs           |

use std::collections::BTreeSet;

use super::form::{self, FieldErrors};
use super::params::Params;
use crate::pricing::providers::{ProviderFilters, Region};
use crate::store::Catalogue;

/// The uptime floors offered in the form; any other 0–100 figure in a URL is honoured too.
const UPTIME_CHOICES: &[&str] = &["90", "95", "99", "99.5", "99.9"];

/// The filters as typed, before they are checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterQuery {
    pub dc: String,
    pub hq: String,
    pub min_uptime: String,
    pub full_precision: bool,
    pub tools: bool,
    pub structured_outputs: bool,
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
        }
    }

    /// The canonical query of parsed filters.
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
        }
    }

    /// Checks every field; all problems at once, each with what to type instead.
    pub fn parse(&self) -> Result<ProviderFilters, FieldErrors> {
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
        Ok(ProviderFilters {
            datacenter,
            headquarters,
            min_uptime,
            full_precision: self.full_precision,
            tools: self.tools,
            structured_outputs: self.structured_outputs,
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
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect()
    }
}

/// One `<option>`.
#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filter form as the "where to buy" section shows it.
#[derive(Clone, Debug, Default)]
pub struct FilterForm {
    /// The page the form submits to (GET), with the section's anchor.
    pub action: String,
    pub anchor: String,
    pub query: FilterQuery,
    pub dc_choices: Vec<Choice>,
    pub hq_choices: Vec<Choice>,
    pub uptime_choices: Vec<Choice>,
    pub errors: FieldErrors,
}

impl FilterForm {
    /// The form for the page at `path`, offering the places the provider list mentions.
    pub fn new(
        catalogue: &Catalogue,
        path: &str,
        anchor: &str,
        query: FilterQuery,
        errors: FieldErrors,
    ) -> FilterForm {
        let providers = &catalogue.provider_directory().providers;
        let datacenters: BTreeSet<&str> = providers
            .iter()
            .flat_map(|p| p.info.datacenters.iter().map(String::as_str))
            .collect();
        let headquarters: BTreeSet<&str> = providers
            .iter()
            .filter_map(|p| p.info.headquarters.as_deref())
            .collect();
        FilterForm {
            action: format!("{path}#{anchor}"),
            anchor: anchor.to_string(),
            dc_choices: region_choices(&datacenters, &query.dc),
            hq_choices: region_choices(&headquarters, &query.hq),
            uptime_choices: uptime_choices(&query.min_uptime),
            query,
            errors,
        }
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field)
    }
}

fn region_choices(countries: &BTreeSet<&str>, current: &str) -> Vec<Choice> {
    let current = current.trim().to_ascii_uppercase();
    let mut values: Vec<(String, String)> = vec![
        (String::new(), "anywhere (no filter)".into()),
        ("EU".into(), "the EU".into()),
        (
            "EEA".into(),
            "the EEA (EU, Iceland, Liechtenstein, Norway)".into(),
        ),
    ];
    values.extend(countries.iter().map(|c| (c.to_string(), c.to_string())));
    // A valid code typed into the URL stays selected even if no provider names it today.
    if !current.is_empty() && !values.iter().any(|(v, _)| *v == current) {
        values.push((current.clone(), current.clone()));
    }
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

fn uptime_choices(current: &str) -> Vec<Choice> {
    let mut values: Vec<(String, String)> = vec![(String::new(), "any (no filter)".into())];
    values.extend(
        UPTIME_CHOICES
            .iter()
            .map(|v| (v.to_string(), format!("{v}% or more"))),
    );
    if !current.is_empty() && !values.iter().any(|(v, _)| v == current) {
        values.push((current.to_string(), format!("{current}% or more")));
    }
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect()
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
        let q = query("dc=eu&hq=US&min_uptime=99.5&full_precision=1&tools=on&structured_outputs=1");
        let filters = q.parse().unwrap();
        assert_eq!(filters.datacenter, Some(Region::Eu));
        assert_eq!(filters.headquarters, Some(Region::Country("US".into())));
        assert_eq!(filters.min_uptime, Some(Decimal::new(995, 1)));
        assert!(filters.full_precision && filters.tools && filters.structured_outputs);
        let canonical = FilterQuery::from_filters(&filters);
        assert_eq!(canonical.dc, "EU");
        assert_eq!(canonical.parse().unwrap(), filters);
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
