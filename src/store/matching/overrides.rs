//! Our reviewed override table (`data/official-overrides.tsv`): what the matching rules cannot
//! decide, one line per (model, list), each with its reason. Lines either name the feed entry
//! that is this model's price there, or refuse a match the rules would make.

use super::{LISTS, list_key};
use crate::seller::Cloud;

/// The table as shipped.
pub const OVERRIDES_TSV: &str = include_str!("../../../data/official-overrides.tsv");

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OverrideTarget {
    Entry {
        provider_id: String,
        entry_id: String,
    },
    Refuse {
        provider_id: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Override {
    pub model_id: String,
    /// The list the line decides for: the maker's own (`None`) or a cloud's (see
    /// [`LISTS`]); written `first-party` or the cloud's key.
    pub list: Option<Cloud>,
    pub target: OverrideTarget,
    pub reason: String,
}

/// Parses the table: tab-separated `model_id channel provider entry|- reason`; `#` starts a
/// comment line. A malformed line is an error naming the line, so a bad edit fails the tests.
pub fn parse(text: &str) -> Result<Vec<Override>, String> {
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        let [model_id, channel, provider_id, entry, reason] = fields[..] else {
            return Err(format!(
                "line {}: expected 5 tab-separated fields",
                number + 1
            ));
        };
        let list = LISTS
            .into_iter()
            .find(|list| list_key(*list) == channel)
            .ok_or_else(|| format!("line {}: unknown channel {channel:?}", number + 1))?;
        if model_id.is_empty() || provider_id.is_empty() || entry.is_empty() || reason.len() < 10 {
            return Err(format!(
                "line {}: every field is needed, and a reason in words",
                number + 1
            ));
        }
        let target = if entry == "-" {
            OverrideTarget::Refuse {
                provider_id: provider_id.to_string(),
            }
        } else {
            OverrideTarget::Entry {
                provider_id: provider_id.to_string(),
                entry_id: entry.to_string(),
            }
        };
        lines.push(Override {
            model_id: model_id.to_string(),
            list,
            target,
            reason: reason.to_string(),
        });
    }
    Ok(lines)
}

/// The shipped table; empty (with an error logged) if it does not parse, which its test prevents.
pub fn shipped() -> Vec<Override> {
    parse(OVERRIDES_TSV).unwrap_or_else(|err| {
        tracing::error!(%err, "official-overrides.tsv does not parse; no overrides applied");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_parses_and_gives_every_line_a_reason() {
        let lines = parse(OVERRIDES_TSV).unwrap();
        assert!(!lines.is_empty());
        assert!(
            lines
                .iter()
                .all(|l| l.reason.split_whitespace().count() >= 4)
        );
    }

    #[test]
    fn malformed_lines_are_refused_with_their_number() {
        let err = parse("# c\na/b\tfirst-party\topenai\n").unwrap_err();
        assert!(err.starts_with("line 2"), "{err}");
        let err = parse("a/b\tmoon\topenai\tx\tbecause of a reason\n").unwrap_err();
        assert!(err.contains("unknown channel"), "{err}");
    }
}
