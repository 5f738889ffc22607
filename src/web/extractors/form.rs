//! One way to read a form: every numeric field on every page is described once here
//! (name, label, limits) and read by one parser with one rule, so the same text means the
//! same thing, or gets the same message, wherever it is typed.
//!
//! The rule: surrounding spaces and a trailing `%` are ignored; `1e6` is accepted; thousands
//! separators (`,`, `_`, a space) are accepted only between groups of three digits, so
//! `1,000,000` is a million and `1,5` is refused with a message saying to use a dot. Fields
//! that count (requests, tokens, a context window) also read a `k`, `M` or `B` suffix, so
//! `2M`, `2000k` and `2,000,000` are one number, worked out exactly in decimal.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::params::{Params, clip};
use crate::web::format;

/// Longest numeric value we read (digits, separators, a decimal point).
const MAX_NUMBER_CHARS: usize = 40;

const fn whole(n: u64) -> Decimal {
    Decimal::from_parts(n as u32, (n >> 32) as u32, 0, false, 0)
}

/// One numeric input: its parameter, how messages name it, and what it accepts.
#[derive(Clone, Copy, Debug)]
pub struct NumberField {
    pub name: &'static str,
    /// The subject of a message: "The cache hit rate must be …".
    pub label: &'static str,
    pub max: Decimal,
    /// Zero is refused as well as negatives (a ratio, say).
    pub positive: bool,
    /// What to enter, appended to every message: "; enter a percentage between 0 and 100".
    pub hint: Option<&'static str>,
    /// Reads `1.5k`, `2M` and `3B` as thousands, millions and billions (counts, not prices
    /// or percentages, where a letter would more likely be a slip).
    pub suffixes: bool,
}

/// What a counting field says beside itself about the numbers it reads.
pub const SUFFIX_HINT: &str = "2M, 1.5k and 2,000,000 all read";

/// The counting fields, which read [`SUFFIX_HINT`]'s shorthand.
pub const TALLIES: [NumberField; 5] = [
    REQUESTS,
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    REASONING_TOKENS,
    MIN_CONTEXT,
];

/// Whether the field called `name` reads `2M` and `1.5k`.
pub fn reads_suffixes(name: &str) -> bool {
    TALLIES.iter().any(|field| field.name == name)
}

/// The multipliers of the suffixes a counting field reads, by lower-case letter.
const SUFFIXES: [(char, Decimal); 3] = [
    ('k', whole(1_000)),
    ('m', whole(1_000_000)),
    ('b', whole(1_000_000_000)),
];

const PERCENT: Option<&str> = Some("a percentage between 0 and 100");

const fn count(name: &'static str, label: &'static str, max: u64) -> NumberField {
    NumberField {
        name,
        label,
        max: whole(max),
        positive: false,
        hint: None,
        suffixes: false,
    }
}

/// A count that people write short (`2M` requests, `1.5k` tokens).
const fn tally(name: &'static str, label: &'static str, max: u64) -> NumberField {
    NumberField {
        suffixes: true,
        ..count(name, label, max)
    }
}

const fn percent(name: &'static str, label: &'static str) -> NumberField {
    NumberField {
        name,
        label,
        max: Decimal::ONE_HUNDRED,
        positive: false,
        hint: PERCENT,
        suffixes: false,
    }
}

/// Caps that keep every product far inside `Decimal`'s range (10¹² × 10⁸ = 10²⁰ tokens).
pub const MAX_REQUESTS: u64 = 1_000_000_000_000;
pub const MAX_TOKENS_PER_REQUEST: u64 = 100_000_000;

pub const REQUESTS: NumberField = tally("requests", "Requests per month", MAX_REQUESTS);
pub const INPUT_TOKENS: NumberField = tally(
    "input_tokens",
    "Input tokens per request",
    MAX_TOKENS_PER_REQUEST,
);
pub const OUTPUT_TOKENS: NumberField = tally(
    "output_tokens",
    "Output tokens per request",
    MAX_TOKENS_PER_REQUEST,
);
pub const REASONING_TOKENS: NumberField = tally(
    "reasoning_tokens",
    "Reasoning tokens per request",
    MAX_TOKENS_PER_REQUEST,
);
pub const CACHE_HIT: NumberField = percent("cache_hit", "The cache hit rate");
pub const CACHE_WRITE: NumberField = percent("cache_write", "The cache write share");
/// The calculator's batch share; the ranking's `batch` is a checkbox.
pub const BATCH_SHARE: NumberField = percent("batch", "The batch share");
pub const DISCOUNT: NumberField = percent("discount", "The discount");
/// The "where to buy" filter: minimum uptime over the last day.
pub const MIN_UPTIME: NumberField = percent("min_uptime", "The minimum uptime");
pub const MIN_QUALITY: NumberField = count("min_quality", "The minimum quality index", 100);
pub const MIN_CONTEXT: NumberField = tally("min_context", "The minimum context", 1_000_000_000);
pub const MAX_INPUT_PRICE: NumberField = count("max_input", "The maximum input price", 1_000_000);
pub const MAX_OUTPUT_PRICE: NumberField =
    count("max_output", "The maximum output price", 1_000_000);
pub const RATIO: NumberField = NumberField {
    name: "ratio",
    label: "The input:output ratio",
    max: whole(1_000_000),
    positive: true,
    hint: Some("input tokens per output token, such as 3"),
    suffixes: false,
};

impl NumberField {
    fn message(&self, problem: &str) -> String {
        match self.hint {
            Some(hint) => format!("{} {problem}; enter {hint}.", self.label),
            None => format!("{} {problem}.", self.label),
        }
    }

    fn out_of_range(&self, negative: bool) -> String {
        let max = format::quantity(self.max);
        if self.positive {
            self.message(&format!("must be greater than 0 and at most {max}"))
        } else if negative {
            self.message("cannot be negative")
        } else {
            self.message(&format!("must be at most {max}"))
        }
    }

    /// Reads `text` by the one rule: `Ok(None)` when blank, `Err` with the message to show
    /// by the field otherwise.
    pub fn parse(&self, text: &str) -> Result<Option<Decimal>, String> {
        let trimmed = text.trim();
        let trimmed = trimmed.strip_suffix('%').unwrap_or(trimmed).trim();
        if trimmed.is_empty() {
            return Ok(None);
        }
        if trimmed.chars().count() > MAX_NUMBER_CHARS {
            return Err(format!("{} is too long to be a number.", self.label));
        }
        let (trimmed, multiplier) = if self.suffixes {
            split_suffix(trimmed)
        } else {
            (trimmed, Decimal::ONE)
        };
        let Some(cleaned) = without_grouping(trimmed) else {
            return Err(format!(
                "{} must be a number (got “{}”); use a dot for decimals, and commas only \
                 between groups of three digits.",
                self.label,
                clip(text)
            ));
        };
        if !looks_numeric(&cleaned) {
            return Err(self.message(&format!("must be a number (got “{}”)", clip(text))));
        }
        let parsed = Decimal::from_str(&cleaned).ok().or_else(|| {
            cleaned
                .contains(['e', 'E'])
                .then(|| Decimal::from_scientific(&cleaned).ok())
                .flatten()
        });
        let value = match parsed.map(|v| v.checked_mul(multiplier)) {
            Some(Some(v)) => v.normalize(),
            // Too large once multiplied out (`9e27B`).
            Some(None) => return Err(self.out_of_range(cleaned.starts_with('-'))),
            // A well-formed number outside `Decimal`'s range: a magnitude problem, not a typo.
            None => {
                let negative = cleaned.starts_with('-');
                return Err(match cleaned.parse::<f64>() {
                    Ok(v) if v.abs() < 1.0 => {
                        format!("{} has too many decimal places.", self.label)
                    }
                    _ => self.out_of_range(negative),
                });
            }
        };
        let negative = value.is_sign_negative() && !value.is_zero();
        if negative || value > self.max || (self.positive && value.is_zero()) {
            return Err(self.out_of_range(negative));
        }
        Ok(Some(value))
    }
}

/// `1.5k` -> (`1.5`, 1000): a trailing `k`, `M` or `B` (either case) after a digit or a
/// point, and its multiplier; anything else is itself, times one.
fn split_suffix(text: &str) -> (&str, Decimal) {
    let mut chars = text.chars();
    let Some(last) = chars.next_back() else {
        return (text, Decimal::ONE);
    };
    let number = chars.as_str().trim_end();
    let after_number = number.ends_with(|c: char| c.is_ascii_digit() || c == '.');
    match SUFFIXES
        .iter()
        .find(|(letter, _)| *letter == last.to_ascii_lowercase())
    {
        Some((_, multiplier)) if after_number => (number, *multiplier),
        _ => (text, Decimal::ONE),
    }
}

/// Digits with at most one point, an optional sign, and an optional exponent: what
/// `f64::from_str` would also accept, minus `inf` and `NaN`.
fn looks_numeric(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|b| *b == b'.').count() <= 1;
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// `1,000,000` -> `1000000`. Separators (comma, underscore, space) are only accepted between
/// groups of three digits, so a decimal comma (`1,5`) is refused rather than read as 15.
fn without_grouping(text: &str) -> Option<String> {
    let is_separator = |c: char| matches!(c, ',' | '_' | ' ' | '\u{a0}');
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    if !whole.contains(is_separator) {
        return (!fraction.is_some_and(|f| f.contains(is_separator))).then(|| text.to_string());
    }
    if fraction.is_some_and(|f| f.contains(is_separator)) {
        return None;
    }
    let digits = whole.trim_start_matches(['-', '+']);
    let mut groups = digits.split(is_separator);
    let first_ok = groups
        .next()
        .is_some_and(|g| (1..=3).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = groups.all(|g| g.len() == 3 && g.bytes().all(|b| b.is_ascii_digit()));
    (first_ok && rest_ok).then(|| text.chars().filter(|c| !is_separator(*c)).collect())
}

/// Collects field problems so a form can be re-rendered with each message by its field.
/// Serialises as `{"field": "message", …}` (messages for one field joined).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<(&'static str, String)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.push((field, message.into()));
    }

    /// A single problem, for a request with one thing wrong.
    pub fn one(field: &'static str, message: impl Into<String>) -> FieldErrors {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    /// The status of a page re-rendered with these problems: 400 when there is any.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.0.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::BAD_REQUEST
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every message, for the page's summary line.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads `field` from `text` by the one rule; a problem is filed under the field.
    pub fn parse(&mut self, field: &NumberField, text: &str) -> Option<Decimal> {
        match field.parse(text) {
            Ok(value) => value,
            Err(message) => {
                self.add(field.name, message);
                None
            }
        }
    }

    /// Reads `field` from the query string.
    pub fn number(&mut self, params: &Params, field: &NumberField) -> Option<Decimal> {
        self.parse(field, params.get(field.name)?)
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut fields: Vec<(&str, String)> = Vec::new();
        for (field, message) in &self.0 {
            match fields.iter_mut().find(|(f, _)| f == field) {
                Some((_, joined)) => {
                    joined.push(' ');
                    joined.push_str(message);
                }
                None => fields.push((field, message.clone())),
            }
        }
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (field, message) in &fields {
            map.serialize_entry(field, message)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn separators_percent_signs_and_exponents_are_read_by_one_rule() {
        let read = |text: &str| CACHE_HIT.parse(text);
        assert_eq!(read("12.5 %"), Ok(Some(d("12.5"))));
        assert_eq!(read("50%"), Ok(Some(d("50"))));
        assert_eq!(read("1e1"), Ok(Some(d("10"))));
        assert_eq!(read("-0"), Ok(Some(d("0"))));
        assert_eq!(read("  "), Ok(None));
        assert_eq!(REQUESTS.parse("1,000,000"), Ok(Some(d("1000000"))));
        assert_eq!(REQUESTS.parse("1_000 000"), Ok(Some(d("1000000"))));
        assert_eq!(REQUESTS.parse("1e6"), Ok(Some(d("1000000"))));
    }

    #[test]
    fn counts_read_k_m_and_b_suffixes_exactly_and_other_fields_do_not() {
        for text in ["2M", "2m", "2 M", "2,000,000", "2000k", "0.002B", "2e6"] {
            assert_eq!(REQUESTS.parse(text), Ok(Some(d("2000000"))), "{text}");
        }
        assert_eq!(INPUT_TOKENS.parse("1.5k"), Ok(Some(d("1500"))));
        // Exact, not through a float: 1.0000001k is 1000.0001.
        assert_eq!(OUTPUT_TOKENS.parse("1.0000001k"), Ok(Some(d("1000.0001"))));
        assert_eq!(MIN_CONTEXT.parse("128k"), Ok(Some(d("128000"))));
        assert_eq!(
            REQUESTS.parse("2000B").unwrap_err(),
            "Requests per month must be at most 1,000,000,000,000."
        );
        for text in ["k", "M", "2kk", "2 thousand", "1,5k"] {
            assert!(REQUESTS.parse(text).is_err(), "{text}");
        }
        // A percentage or a price with a letter is a slip, not a multiple.
        assert!(
            CACHE_HIT
                .parse("2k")
                .unwrap_err()
                .contains("must be a number")
        );
        assert!(MAX_INPUT_PRICE.parse("2M").is_err());
    }

    #[test]
    fn each_kind_of_mistake_gets_its_own_message() {
        let problem = |text: &str| CACHE_HIT.parse(text).unwrap_err();
        assert_eq!(
            problem("1,5"),
            "The cache hit rate must be a number (got “1,5”); use a dot for decimals, \
             and commas only between groups of three digits."
        );
        assert_eq!(
            problem("1,000"),
            "The cache hit rate must be at most 100; enter a percentage between 0 and 100."
        );
        assert_eq!(
            problem("0x10"),
            "The cache hit rate must be a number (got “0x10”); enter a percentage between 0 and 100."
        );
        assert_eq!(
            problem("-3"),
            "The cache hit rate cannot be negative; enter a percentage between 0 and 100."
        );
        // Well-formed but beyond `Decimal`: too large, not "not a number".
        assert_eq!(problem("1e400"), problem("1,000"));
        assert_eq!(problem("100.000001"), problem("1,000"));
        for text in ["NaN", "inf", "1.2.3", "e5", "1e", "--1", "12abc"] {
            assert!(problem(text).contains("must be a number"), "{text}");
        }
        assert_eq!(
            RATIO.parse("0").unwrap_err(),
            "The input:output ratio must be greater than 0 and at most 1,000,000; \
             enter input tokens per output token, such as 3."
        );
        assert_eq!(
            REQUESTS.parse("1e13").unwrap_err(),
            "Requests per month must be at most 1,000,000,000,000."
        );
    }

    #[test]
    fn field_errors_serialise_as_one_message_per_field() {
        let mut errors = FieldErrors::one("cache_hit", "A.");
        errors.add("ids", "B.");
        errors.add("cache_hit", "C.");
        assert_eq!(
            serde_json::to_value(&errors).unwrap(),
            serde_json::json!({"cache_hit": "A. C.", "ids": "B."})
        );
    }
}
