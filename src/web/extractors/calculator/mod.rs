//! The calculator's queries: its form (its fields, what the reader typed, kept as typed so a
//! refused form comes back as they left it, and the one reading of it into a
//! [`CalcRequest`], in [`form`]), read by `/calculator` ([`CalculatorForm`]) and `/calculator/bill`
//! ([`BillQuery`]); and the calculator's address, which every link into it is built from
//! ([`link`]). Its query parameters are a public interface: people bookmark them.

pub mod form;
pub mod link;

use super::PageQuery;
use super::form::FieldErrors;
use super::params::Params;
use super::where_to_buy::FilterQuery;
use crate::store::Catalogue;
pub use form::{CalcRequest, FormValues, Format, MAX_IDS, SHARE_FIELDS, WORKLOAD_FIELDS, parse};
pub use link::{CalculatorQuery, EXAMPLES, Example, volume};

/// `/calculator`'s query: the form as typed, and the request it reads as when it does.
#[derive(Clone, Debug)]
pub struct CalculatorForm {
    pub values: FormValues,
    /// `None` exactly when the form has problems.
    pub request: Option<CalcRequest>,
    /// `by_provider=1`: one model at each of its providers, under these where-to-buy
    /// filters as typed (read once the workload does).
    pub by_provider: Option<FilterQuery>,
}

impl CalculatorForm {
    /// A refused form comes back as the form; a refused export as the one error shape.
    pub fn wants_html(&self) -> bool {
        !matches!(self.values.format.as_str(), "csv" | "json")
    }
}

impl PageQuery for CalculatorForm {
    /// The form's fields, `all` (every row), `format`, and `by_provider` with the
    /// where-to-buy filters.
    const PARAMS: &'static [&'static str] = &[
        "all",
        "author",
        "batch",
        "by_provider",
        "cache_hit",
        "cache_write",
        "dc",
        "discount",
        "format",
        "full_precision",
        "hide_free",
        "hide_variable",
        "hq",
        "ids",
        "index",
        "input_tokens",
        "min_context",
        "min_quality",
        "min_uptime",
        "output_tokens",
        "reasoning_tokens",
        "requests",
        "separate",
        "source",
        "structured_outputs",
        "tools",
    ];

    fn parse(params: &Params, catalogue: &Catalogue) -> (CalculatorForm, FieldErrors) {
        let (values, parsed) = parse(params, catalogue);
        let (request, errors) = split(parsed);
        let by_provider = params
            .flag("by_provider")
            .then(|| FilterQuery::from_params(params));
        let form = CalculatorForm {
            values,
            request,
            by_provider,
        };
        (form, errors)
    }
}

/// `/calculator/bill`'s query: the calculator's workload and filters, and the model (`id`)
/// whose itemised bill to show.
#[derive(Clone, Debug)]
pub struct BillQuery {
    pub values: FormValues,
    /// `None` exactly when the form has problems.
    pub request: Option<CalcRequest>,
    /// Empty when not given.
    pub id: String,
}

impl PageQuery for BillQuery {
    /// The form's fields and `id`. `format` is read only to refuse anything but the page,
    /// and `all` not at all, so neither is part of a bill's address.
    const PARAMS: &'static [&'static str] = &[
        "author",
        "batch",
        "cache_hit",
        "cache_write",
        "discount",
        "hide_free",
        "hide_variable",
        "id",
        "ids",
        "index",
        "input_tokens",
        "min_context",
        "min_quality",
        "output_tokens",
        "reasoning_tokens",
        "requests",
        "separate",
        "source",
    ];

    fn parse(params: &Params, catalogue: &Catalogue) -> (BillQuery, FieldErrors) {
        let (values, parsed) = parse(params, catalogue);
        let (request, errors) = split(parsed);
        let id = params.get("id").unwrap_or_default().to_string();
        (
            BillQuery {
                values,
                request,
                id,
            },
            errors,
        )
    }
}

fn split(parsed: Result<CalcRequest, FieldErrors>) -> (Option<CalcRequest>, FieldErrors) {
    match parsed {
        Ok(request) => (Some(request), FieldErrors::default()),
        Err(errors) => (None, errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::extractors::where_to_buy::WhereToBuyQuery;

    #[test]
    fn the_calculator_reads_the_bills_parameters_and_the_per_provider_filters() {
        let mut expected: Vec<&str> = BillQuery::PARAMS
            .iter()
            .filter(|p| **p != "id")
            .chain(["all", "by_provider", "format"].iter())
            .chain(WhereToBuyQuery::PARAMS)
            .copied()
            .collect();
        expected.sort_unstable();
        assert_eq!(CalculatorForm::PARAMS, expected.as_slice());
    }
}
