//! The calculator's queries: its form (its fields, what the reader typed, kept as typed so a
//! refused form comes back as they left it, and the one reading of it into a
//! [`CalcRequest`], in [`form`]), read by `/calculator` ([`CalculatorForm`]) and `/calculator/bill`
//! ([`BillQuery`]); and the calculator's address, which every link into it is built from
//! ([`link`]). Its query parameters are a public interface: people bookmark them.

pub mod form;
pub mod legacy;
pub mod link;

use super::PageQuery;
use super::form::FieldErrors;
use super::params::Params;
use crate::store::Catalogue;
pub use form::{CalcRequest, FormValues, Format, MAX_IDS, SHARE_FIELDS, WORKLOAD_FIELDS, parse};
pub use link::{CalculatorQuery, EXAMPLES, Example, volume};

/// The workload another page carries into its answer (the model page's bills at every
/// seller, `/compare`, the price-tags API): read by the calculator's own form from the
/// workload fields alone, so every page prices exactly what the calculator would. `Ok(None)`
/// when the query names no workload field; the problems by field when it does not read.
pub fn workload_in(
    params: &Params,
    catalogue: &Catalogue,
) -> Result<Option<(crate::pricing::calculator::Workload, CalculatorQuery)>, FieldErrors> {
    let fields: Vec<&str> = WORKLOAD_FIELDS
        .iter()
        .chain(SHARE_FIELDS)
        .map(|(field, _, _)| *field)
        .collect();
    if !fields.iter().any(|f| params.get(f).is_some()) {
        return Ok(None);
    }
    let own = params
        .pairs()
        .iter()
        .filter(|(key, _)| fields.contains(&key.as_str()))
        .map(|(key, value)| (key.as_str(), value.clone()));
    let only = Params::parse(Some(&super::params::encode(own)));
    let (_, parsed) = parse(&only, catalogue);
    let request = parsed?;
    Ok(Some((request.workload.clone(), request.calculator_query())))
}

/// `/calculator`'s query: the form as typed, and the request it reads as when it does.
#[derive(Clone, Debug)]
pub struct CalculatorForm {
    pub values: FormValues,
    /// `None` exactly when the form has problems.
    pub request: Option<CalcRequest>,
    /// Where an address from before `sellers=` now points ([`legacy`]).
    pub moved_to: Option<String>,
}

impl CalculatorForm {
    /// A refused form comes back as the form; a refused export as the one error shape.
    pub fn wants_html(&self) -> bool {
        !matches!(self.values.format.as_str(), "csv" | "json")
    }
}

impl PageQuery for CalculatorForm {
    /// The form's fields with the seller filters, `all` (every row), `format`, and the
    /// parameters old links name (`source`, `by_provider`), read to redirect them.
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
        "maker_and_clouds",
        "min_context",
        "min_quality",
        "min_uptime",
        "output_tokens",
        "reasoning_tokens",
        "requests",
        "sellers",
        "separate",
        "source",
        "structured_outputs",
        "tools",
    ];

    fn parse(params: &Params, catalogue: &Catalogue) -> (CalculatorForm, FieldErrors) {
        let (values, parsed) = parse(params, catalogue);
        let (mut request, mut errors) = split(parsed);
        let moved_to = moved(legacy::redirect("/calculator", params), &mut errors);
        if !errors.is_empty() {
            request = None;
        }
        let form = CalculatorForm {
            values,
            request,
            moved_to,
        };
        (form, errors)
    }
}

/// The new address of an old one, or its problem filed under `sellers`.
fn moved(redirect: Result<Option<String>, String>, errors: &mut FieldErrors) -> Option<String> {
    redirect.unwrap_or_else(|problem| {
        errors.add("sellers", problem);
        None
    })
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
    /// Where an address from before `sellers=` now points ([`legacy`]).
    pub moved_to: Option<String>,
}

impl PageQuery for BillQuery {
    /// The calculator's parameters (the bill reads its query as the calculator does) and
    /// `id`. `format` is read only to refuse anything but the page, `source` and
    /// `by_provider` to redirect old links; all are listed, since the page cache serves a
    /// URL by the parameters listed here alone (`web/canonical.rs`).
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
        "id",
        "ids",
        "index",
        "input_tokens",
        "maker_and_clouds",
        "min_context",
        "min_quality",
        "min_uptime",
        "output_tokens",
        "reasoning_tokens",
        "requests",
        "sellers",
        "separate",
        "source",
        "structured_outputs",
        "tools",
    ];

    fn parse(params: &Params, catalogue: &Catalogue) -> (BillQuery, FieldErrors) {
        let (values, parsed) = parse(params, catalogue);
        let (mut request, mut errors) = split(parsed);
        let moved_to = moved(legacy::redirect("/calculator/bill", params), &mut errors);
        if !errors.is_empty() {
            request = None;
        }
        let id = params.get("id").unwrap_or_default().to_string();
        (
            BillQuery {
                values,
                request,
                id,
                moved_to,
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
    fn the_calculator_reads_the_bills_parameters_and_the_bill_reads_every_seller_filter() {
        let mut expected: Vec<&str> = BillQuery::PARAMS
            .iter()
            .filter(|p| **p != "id")
            .copied()
            .collect();
        expected.sort_unstable();
        assert_eq!(CalculatorForm::PARAMS, expected.as_slice());
        assert!(
            WhereToBuyQuery::PARAMS
                .iter()
                .all(|p| BillQuery::PARAMS.contains(p))
        );
    }
}
