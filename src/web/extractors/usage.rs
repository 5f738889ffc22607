//! `/usage`'s query: the answer's format, and on a GET the share link's mix. The upload
//! itself is the POSTed form's body ([`super::upload`]).

use super::PageQuery;
use super::form::FieldErrors;
use super::params::Params;
use crate::store::Catalogue;

/// How the answer is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UsageFormat {
    #[default]
    Page,
    /// `format=json`: the answer as data.
    Json,
    /// `format=csv`: the traffic as our mix CSV, which reads back in.
    Csv,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsageQuery {
    pub format: UsageFormat,
    /// `mix=`: a share link's aggregated traffic (`usage::share`), on a GET.
    pub mix: Option<String>,
}

impl PageQuery for UsageQuery {
    const PARAMS: &'static [&'static str] = &["format", "mix"];

    fn parse(params: &Params, _catalogue: &Catalogue) -> (UsageQuery, FieldErrors) {
        let mut errors = FieldErrors::default();
        let format = match params.get("format") {
            None | Some("") => UsageFormat::Page,
            Some("json") => UsageFormat::Json,
            Some("csv") => UsageFormat::Csv,
            Some(_) => {
                errors.add(
                    "format",
                    "Format must be json or csv, or left out for this page.",
                );
                UsageFormat::Page
            }
        };
        let mix = params
            .get("mix")
            .filter(|m| !m.is_empty())
            .map(str::to_string);
        (UsageQuery { format, mix }, errors)
    }
}
