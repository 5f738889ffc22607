//! The tolerant record reader shared by the endpoint and provider payloads: each record is
//! read on its own, a bad one is skipped with its reason, and a list that leaves nothing
//! usable is refused by the caller (stored data is never replaced by nothing).

use serde_json::Value;

/// What one list of records gave: the usable ones, and why each other one was skipped.
#[derive(Debug)]
pub struct Records<T> {
    pub kept: Vec<T>,
    pub skipped: Vec<String>,
}

/// Reads every record with `read`, which also sees the records kept so far (to refuse a
/// duplicate, say). Records are kept in the order given.
pub fn read_each<T>(
    records: &[Value],
    mut read: impl FnMut(&Value, &[T]) -> Result<T, String>,
) -> Records<T> {
    let mut out = Records {
        kept: Vec::new(),
        skipped: Vec::new(),
    };
    for record in records {
        match read(record, &out.kept) {
            Ok(item) => out.kept.push(item),
            Err(reason) => out.skipped.push(reason),
        }
    }
    out
}

/// A text field trimmed, without control characters and cut to `max_chars`; `None` when
/// absent, not a string or empty.
pub fn clean_text(value: Option<&Value>, max_chars: usize) -> Option<String> {
    let text: String = value?
        .as_str()?
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bad_record_is_skipped_with_its_reason_and_the_rest_kept_in_order() {
        let records = json!([1, "no", 2, 3]);
        let read = read_each(records.as_array().unwrap(), |v, kept: &[u64]| {
            let n = v.as_u64().ok_or_else(|| format!("{v} is not a number"))?;
            if kept.contains(&n) {
                return Err(format!("{n} twice"));
            }
            Ok(n)
        });
        assert_eq!(read.kept, [1, 2, 3]);
        assert_eq!(read.skipped, ["\"no\" is not a number"]);
    }

    #[test]
    fn text_is_trimmed_cut_and_cleaned() {
        assert_eq!(
            clean_text(Some(&json!("  a\u{7}bcdef ")), 3).as_deref(),
            Some("abc")
        );
        assert_eq!(clean_text(Some(&json!("   ")), 3), None);
        assert_eq!(clean_text(Some(&json!(5)), 3), None);
        assert_eq!(clean_text(None, 3), None);
    }
}
