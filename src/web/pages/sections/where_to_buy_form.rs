//! The where-to-buy filter form, as the model page's section and the calculator's seller filters
//! show it: the typed filters shown back, the places OpenRouter's provider list mentions
//! offered as choices, and each problem by its field. The filters themselves are read and
//! written by [`crate::web::extractors::where_to_buy`].

use std::collections::BTreeSet;

use crate::store::Catalogue;
use crate::web::extractors::calculator::{SHARE_FIELDS, WORKLOAD_FIELDS};
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::where_to_buy::FilterQuery;

/// The uptime floors offered in the form; any other 0–100 figure in a URL is honoured too.
const UPTIME_CHOICES: &[&str] = &["90", "95", "99", "99.5", "99.9"];

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
    /// What is wrong with the workload in the page's address, in one line (its fields have
    /// no inputs in this form, so their problems are said above it); `None` when it reads.
    pub fn workload_problems(&self) -> Option<String> {
        let messages: Vec<&str> = self
            .errors
            .0
            .iter()
            .filter(|(field, _)| {
                WORKLOAD_FIELDS
                    .iter()
                    .chain(SHARE_FIELDS)
                    .any(|(name, _, _)| name == field)
            })
            .map(|(_, message)| message.as_str())
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    }

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
