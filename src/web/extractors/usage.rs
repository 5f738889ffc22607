//! `/usage`'s query: the answer's format. The upload itself is the POSTed form's body
//! ([`super::upload`]).

use super::PageQuery;
use super::form::FieldErrors;
use super::params::Params;
use crate::store::Catalogue;

/// How the answer is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UsageQuery {
    /// `format=json`: the reading as data.
    pub json: bool,
}

impl PageQuery for UsageQuery {
    const PARAMS: &'static [&'static str] = &["format"];

    fn parse(params: &Params, _catalogue: &Catalogue) -> (UsageQuery, FieldErrors) {
        let mut errors = FieldErrors::default();
        let json = match params.get("format") {
            None | Some("") => false,
            Some("json") => true,
            Some(_) => {
                errors.add("format", "Format must be json, or left out for this page.");
                false
            }
        };
        (UsageQuery { json }, errors)
    }
}
