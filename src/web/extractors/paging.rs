//! `page=`: which page of a long list (the catalogue, the ranking) a reader is on, a number
//! from 1, or `all` for the whole list on one page. Read here, once, for both lists; the
//! page's [`Pager`](crate::web::pages::pager::Pager) cuts the rows and writes the links.

use super::form::FieldErrors;
use super::params::{Params, clip};

/// The parameter, as every list reads it.
pub const PARAM: &str = "page";

/// Which rows of a long list to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageChoice {
    /// The page with this number, from 1.
    Number(usize),
    /// Every row on one page.
    All,
}

impl Default for PageChoice {
    fn default() -> PageChoice {
        PageChoice::Number(1)
    }
}

impl PageChoice {
    /// Reads `page`: absent is the first page; a problem is filed under it, and the first
    /// page is shown.
    pub fn read(params: &Params, errors: &mut FieldErrors) -> PageChoice {
        let Some(text) = params.get(PARAM) else {
            return PageChoice::default();
        };
        if text == "all" {
            return PageChoice::All;
        }
        // More digits than any list has pages is not a page either.
        match text.parse::<usize>() {
            Ok(n) if n >= 1 && text.len() <= 6 => PageChoice::Number(n),
            _ => {
                errors.add(
                    PARAM,
                    format!(
                        "The page must be a whole number from 1, or “all” (got “{}”).",
                        clip(text)
                    ),
                );
                PageChoice::default()
            }
        }
    }

    /// The query value: empty for the first page (its URL is the list's own).
    pub fn key(self) -> String {
        match self {
            PageChoice::Number(1) => String::new(),
            PageChoice::Number(n) => n.to_string(),
            PageChoice::All => "all".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_numbers_from_one_or_all() {
        let read = |query: &str| {
            let mut errors = FieldErrors::default();
            let choice = PageChoice::read(&Params::parse(Some(query)), &mut errors);
            (choice, errors.is_empty())
        };
        assert_eq!(read(""), (PageChoice::Number(1), true));
        assert_eq!(read("page=3"), (PageChoice::Number(3), true));
        assert_eq!(read("page=all"), (PageChoice::All, true));
        for bad in ["page=0", "page=-1", "page=two", "page=1.5", "page=9999999"] {
            assert_eq!(read(bad), (PageChoice::Number(1), false), "{bad}");
        }
        assert_eq!(PageChoice::Number(1).key(), "");
        assert_eq!(PageChoice::Number(2).key(), "2");
    }
}
