//! Pages of a long list (`/models`, `/ranking`): which rows a page shows and the links to
//! the others, each keeping every filter and the sort (the list's own URL builder writes
//! them). Every list shows [`ROWS_PER_PAGE`] rows a page, on every screen: the server
//! cannot tell a phone from a desktop, and one address must be one page for the page cache,
//! the canonical link and whoever the link is shared with. `page=all` shows the whole list,
//! for a reader who wants to search it with the browser.

use std::ops::Range;

use crate::web::extractors::paging::PageChoice;
use crate::web::format;

/// Rows a page shows: on a phone, where each row is a card, about a dozen screens; on a
/// desktop a table a few screens long.
pub const ROWS_PER_PAGE: usize = 40;

/// How many numbered links either side of the current page.
const NEIGHBOURS: usize = 2;

/// One link of the page list; `href` is `None` for the current page and for a gap (`…`).
pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
}

/// Where a reader is in a long list, and the way to the rest of it.
pub struct Pager {
    /// The page shown (1-based); 0 when every row is shown.
    pub page: usize,
    pub pages: usize,
    pub total: usize,
    /// [`ROWS_PER_PAGE`], for the page's words.
    pub per_page: usize,
    /// The rows shown, as readers count them (`41–80`); empty when there are none.
    pub shown: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub links: Vec<PageLink>,
    /// Every row on one page, when the list has more than one.
    pub all_href: Option<String>,
    /// Back to pages, when every row is shown.
    pub paged_href: Option<String>,
    /// The address of what is shown (a page past the end shows, and is, the last page).
    pub href: String,
    range: Range<usize>,
}

impl Pager {
    /// The pager of a list of `total` rows on the page `choice`; `href` writes the list's
    /// address on another page, every filter kept. A page past the end is the last page.
    pub fn new(total: usize, choice: PageChoice, href: impl Fn(PageChoice) -> String) -> Pager {
        let pages = total.div_ceil(ROWS_PER_PAGE).max(1);
        let (page, range) = match choice {
            PageChoice::All => (0, 0..total),
            PageChoice::Number(n) => {
                let page = n.clamp(1, pages);
                let start = (page - 1) * ROWS_PER_PAGE;
                (page, start..(start + ROWS_PER_PAGE).min(total))
            }
        };
        let mut links = Vec::new();
        if page > 0 && pages > 1 {
            let mut last_shown = 0;
            for n in 1..=pages {
                let near = n.abs_diff(page) <= NEIGHBOURS;
                if !(n == 1 || n == pages || near) {
                    continue;
                }
                if n > last_shown + 1 {
                    links.push(PageLink {
                        label: "…".into(),
                        href: None,
                        current: false,
                    });
                }
                links.push(PageLink {
                    label: n.to_string(),
                    href: (n != page).then(|| href(PageChoice::Number(n))),
                    current: n == page,
                });
                last_shown = n;
            }
        }
        Pager {
            page,
            pages,
            total,
            per_page: ROWS_PER_PAGE,
            shown: if range.is_empty() {
                String::new()
            } else {
                format!(
                    "{}–{}",
                    format::count(range.start as u64 + 1),
                    format::count(range.end as u64)
                )
            },
            prev: (page > 1).then(|| href(PageChoice::Number(page - 1))),
            next: (page > 0 && page < pages).then(|| href(PageChoice::Number(page + 1))),
            links,
            all_href: (page > 0 && pages > 1).then(|| href(PageChoice::All)),
            paged_href: (page == 0 && pages > 1).then(|| href(PageChoice::Number(1))),
            href: href(if page == 0 {
                PageChoice::All
            } else {
                PageChoice::Number(page)
            }),
            range,
        }
    }

    /// The rows of the whole list this page shows.
    pub fn range(&self) -> Range<usize> {
        self.range.clone()
    }

    /// Whether there is more than one page, or every row of several pages is shown: the
    /// page list is worth showing.
    pub fn is_needed(&self) -> bool {
        self.pages > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn href(choice: PageChoice) -> String {
        format!("/list?page={}", choice.key())
    }

    fn labels(pager: &Pager) -> Vec<String> {
        pager
            .links
            .iter()
            .map(|l| match (&l.href, l.current) {
                (_, true) => format!("[{}]", l.label),
                _ => l.label.clone(),
            })
            .collect()
    }

    #[test]
    fn a_page_shows_its_rows_and_links_to_its_neighbours_the_ends_and_all() {
        // 318 rows: 8 pages of 40, the last holding 38.
        let pager = Pager::new(318, PageChoice::Number(5), href);
        assert_eq!((pager.page, pager.pages), (5, 8));
        assert_eq!(pager.range(), 160..200);
        assert_eq!(pager.shown, "161–200");
        assert_eq!(labels(&pager), ["1", "…", "3", "4", "[5]", "6", "7", "8"]);
        assert_eq!(pager.prev.as_deref(), Some("/list?page=4"));
        assert_eq!(pager.next.as_deref(), Some("/list?page=6"));
        assert_eq!(pager.all_href.as_deref(), Some("/list?page=all"));
        let last = Pager::new(318, PageChoice::Number(8), href);
        assert_eq!((last.range(), last.next.as_deref()), (280..318, None));
        // The first page's address is the list's own (`page=` left empty).
        assert_eq!(last.links[0].href.as_deref(), Some("/list?page="));
    }

    #[test]
    fn past_the_end_is_the_last_page_and_all_is_every_row() {
        let pager = Pager::new(81, PageChoice::Number(99), href);
        assert_eq!((pager.page, pager.range()), (3, 80..81));
        assert_eq!(pager.href, "/list?page=3");
        let all = Pager::new(81, PageChoice::All, href);
        assert_eq!(
            (all.page, all.range(), all.shown.as_str()),
            (0, 0..81, "1–81")
        );
        assert!(all.links.is_empty() && all.all_href.is_none());
        assert_eq!(all.paged_href.as_deref(), Some("/list?page="));
        // One page or none: nothing to page through.
        let short = Pager::new(12, PageChoice::Number(1), href);
        assert!(!short.is_needed() && short.links.is_empty() && short.all_href.is_none());
        let empty = Pager::new(0, PageChoice::Number(1), href);
        assert_eq!((empty.range(), empty.shown.as_str()), (0..0, ""));
    }
}
