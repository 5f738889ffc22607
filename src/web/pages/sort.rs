//! Sortable column headers, shared by the tables that sort (`/models`, `/ranking`): a header
//! links to the same view sorted by its column, toggling the direction when it is the
//! current one, and says how it is sorted for screen readers.

/// A column header link that toggles the sort.
pub struct SortHeader {
    pub label: String,
    pub href: String,
    /// `aria-sort`: "none", "ascending" or "descending".
    pub aria_sort: &'static str,
    pub numeric: bool,
}

impl SortHeader {
    /// The header of a column whose first click sorts descending when `first_desc`;
    /// `href(desc)` is the view sorted by this column in that direction.
    pub fn new(
        label: impl Into<String>,
        current: Option<bool>,
        first_desc: bool,
        numeric: bool,
        href: impl FnOnce(bool) -> String,
    ) -> SortHeader {
        let next_desc = current.map_or(first_desc, |desc| !desc);
        SortHeader {
            label: label.into(),
            href: href(next_desc),
            aria_sort: match current {
                None => "none",
                Some(true) => "descending",
                Some(false) => "ascending",
            },
            numeric,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_column_toggles_and_the_others_start_their_own_way() {
        let link = |desc: bool| format!("dir={desc}");
        let current = SortHeader::new("Price", Some(false), false, true, link);
        assert_eq!(
            (current.href.as_str(), current.aria_sort),
            ("dir=true", "ascending")
        );
        let other = SortHeader::new("Value", None, true, true, link);
        assert_eq!((other.href.as_str(), other.aria_sort), ("dir=true", "none"));
    }
}
