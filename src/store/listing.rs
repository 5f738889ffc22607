//! Which listings the catalogue page (`/models`) and its exports show, in which order: the
//! rows (a base model and its listed variants) that match a [`ListingFilter`], sorted, and
//! the listings that each satisfy it on their own. Plain data in, plain data out; the page
//! reads the filter from the query string and formats the rows.

use std::cmp::Ordering;

use rust_decimal::Decimal;

use super::Catalogue;
use super::catalogue::Entry;
use crate::model::price::{MILLION, Price, PriceSet};
use crate::model::{Model, Variant};
use crate::search::Needle;

/// What to do with free listings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FreeListings {
    /// Show them with the rest.
    #[default]
    Include,
    /// Only rows with a free listing (the base or a `:free` variant).
    Only,
    /// Leave out free listings.
    Hide,
}

impl FreeListings {
    /// The query value: "", "only" or "hide".
    pub fn key(self) -> &'static str {
        match self {
            FreeListings::Include => "",
            FreeListings::Only => "only",
            FreeListings::Hide => "hide",
        }
    }
}

/// The columns the table sorts by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortKey {
    #[default]
    Name,
    Author,
    Input,
    Output,
    Cache,
    Context,
    MaxOutput,
    Intelligence,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Name,
        SortKey::Author,
        SortKey::Input,
        SortKey::Output,
        SortKey::Cache,
        SortKey::Context,
        SortKey::MaxOutput,
        SortKey::Intelligence,
    ];

    /// The query value (`sort=input`).
    pub fn key(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Author => "author",
            SortKey::Input => "input",
            SortKey::Output => "output",
            SortKey::Cache => "cache",
            SortKey::Context => "context",
            SortKey::MaxOutput => "max_output",
            SortKey::Intelligence => "intelligence",
        }
    }

    pub fn parse(key: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Bigger is better for windows and scores, so they sort largest first unless asked.
    pub fn descending_by_default(self) -> bool {
        matches!(
            self,
            SortKey::Context | SortKey::MaxOutput | SortKey::Intelligence
        )
    }

    /// Whether the column holds numbers (not names).
    pub fn is_numeric(self) -> bool {
        !matches!(self, SortKey::Name | SortKey::Author)
    }
}

/// The catalogue filters and sort. Prices are USD per million tokens.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ListingFilter {
    /// The search text, matched by [`Needle`].
    pub q: String,
    /// Only these authors, when not empty.
    pub authors: Vec<String>,
    /// Input modalities every listing must accept.
    pub modalities: Vec<String>,
    pub min_context: Option<u64>,
    pub max_input: Option<Decimal>,
    pub max_output: Option<Decimal>,
    pub free: FreeListings,
    pub has_cache: bool,
    pub has_batch: bool,
    pub include_inactive: bool,
    pub sort: SortKey,
    pub desc: bool,
}

impl ListingFilter {
    /// Whether any filter (not the sort) is set.
    pub fn is_filtered(&self) -> bool {
        !self.q.is_empty()
            || !self.authors.is_empty()
            || !self.modalities.is_empty()
            || self.min_context.is_some()
            || self.max_input.is_some()
            || self.max_output.is_some()
            || self.free != FreeListings::Include
            || self.has_cache
            || self.has_batch
            || self.include_inactive
    }

    /// The sort when the reader has not chosen one.
    pub fn is_default_sort(&self) -> bool {
        self.sort == SortKey::Name && !self.desc
    }
}

/// A base model and its listed variants, as one row of the table.
pub struct Group<'a> {
    pub lead: &'a Entry,
    pub variants: Vec<&'a Entry>,
}

impl Group<'_> {
    fn has_variant(&self, variant: &Variant) -> bool {
        self.variants.iter().any(|v| &v.model.variant == variant)
    }

    pub fn batch(&self) -> Option<&Model> {
        self.variants
            .iter()
            .find(|v| v.model.variant == Variant::Batch)
            .map(|v| &v.model)
    }
}

/// A per-token price in USD per million tokens; `None` for no price or a variable one.
pub fn per_million(price: Option<Price>) -> Option<Decimal> {
    price
        .and_then(Price::usd)
        .map(|p| p.checked_mul(MILLION).unwrap_or(Decimal::MAX))
}

/// The filters that concern one listing on its own (the search is matched apart): author, input types,
/// window and prices, and its cache pricing. (Free, batch and delisted are decided per row.)
fn listing_passes(m: &Model, f: &ListingFilter) -> bool {
    if !f.authors.is_empty() && !f.authors.contains(&m.author) {
        return false;
    }
    if !f
        .modalities
        .iter()
        .all(|wanted| m.input_modalities.iter().any(|have| have == wanted))
    {
        return false;
    }
    if let Some(min) = f.min_context
        && m.context_length.unwrap_or(0) < min
    {
        return false;
    }
    // A listing billed per item it makes (a song, an image) has zeros where token prices
    // would be: like a variable price, it fails every ceiling rather than passing as $0.
    let not_per_token = m.is_not_priced_per_token();
    let under = |price: Option<Price>, max: Option<Decimal>| match max {
        None => true,
        Some(max) => !not_per_token && per_million(price).is_some_and(|p| p <= max),
    };
    if !under(m.pricing.base.prompt, f.max_input) || !under(m.pricing.base.completion, f.max_output)
    {
        return false;
    }
    !f.has_cache || m.has_cache_pricing()
}

/// Whether a table row (a base and its variants) matches. The search may hit the base or any
/// of its listings; the other filters apply to the base.
fn matches(group: &Group<'_>, f: &ListingFilter, needle: &Needle) -> bool {
    let m = &group.lead.model;
    if !needle.matches_keys(&group.lead.search_keys)
        && !group
            .variants
            .iter()
            .any(|v| needle.matches_keys(&v.search_keys))
    {
        return false;
    }
    if !listing_passes(m, f) {
        return false;
    }
    let free = m.is_free() || group.has_variant(&Variant::Free);
    match f.free {
        FreeListings::Only if !free => return false,
        FreeListings::Hide if m.is_free() => return false,
        _ => {}
    }
    !(f.has_batch && group.batch().is_none())
}

/// Whether one exported listing matches every filter on its own prices and window; `group`
/// is the row it belongs to (for "has a batch listing").
fn export_passes(entry: &Entry, group: &Group<'_>, f: &ListingFilter, needle: &Needle) -> bool {
    let m = &entry.model;
    if !(entry.active || f.include_inactive)
        || !needle.matches_keys(&entry.search_keys)
        || !listing_passes(m, f)
    {
        return false;
    }
    match f.free {
        FreeListings::Only if !m.is_free() => return false,
        FreeListings::Hide if m.is_free() => return false,
        _ => {}
    }
    !(f.has_batch && m.variant != Variant::Batch && group.batch().is_none())
}

/// A per-million token price to sort by; none for a listing not priced per token, whose
/// zeros are not prices and must not sort as the cheapest.
fn token_price(m: &Model, pick: impl Fn(&PriceSet) -> Option<Price>) -> Option<Decimal> {
    if m.is_not_priced_per_token() {
        return None;
    }
    per_million(pick(&m.pricing.base))
}

fn cmp_option<T: PartialOrd>(a: Option<T>, b: Option<T>, desc: bool) -> Ordering {
    // Unknown values sort last whichever the direction.
    match (a, b) {
        (Some(a), Some(b)) => {
            let ord = a.partial_cmp(&b).unwrap_or(Ordering::Equal);
            if desc { ord.reverse() } else { ord }
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Sorts rows by their base's `sort` column, ties by id.
fn sort_groups(groups: &mut [Group<'_>], sort: SortKey, desc: bool) {
    groups.sort_by(|a, b| {
        let (x, y) = (&a.lead.model, &b.lead.model);
        let ord = match sort {
            SortKey::Author => cmp_option(Some(&x.author), Some(&y.author), desc),
            SortKey::Input => cmp_option(
                token_price(x, |p| p.prompt),
                token_price(y, |p| p.prompt),
                desc,
            ),
            SortKey::Output => cmp_option(
                token_price(x, |p| p.completion),
                token_price(y, |p| p.completion),
                desc,
            ),
            SortKey::Cache => cmp_option(
                per_million(x.pricing.base.input_cache_read),
                per_million(y.pricing.base.input_cache_read),
                desc,
            ),
            SortKey::Context => cmp_option(x.context_length, y.context_length, desc),
            SortKey::MaxOutput => {
                cmp_option(x.max_completion_tokens, y.max_completion_tokens, desc)
            }
            SortKey::Intelligence => {
                cmp_option(x.quality.intelligence, y.quality.intelligence, desc)
            }
            SortKey::Name => cmp_option(
                Some(x.short_name().to_lowercase()),
                Some(y.short_name().to_lowercase()),
                desc,
            ),
        };
        ord.then_with(|| x.id.cmp(&y.id))
    });
}

/// Every row the table could show, unfiltered: a base (active, delisted only when asked for,
/// or delisted with a listing still active, which stays visible under it) and its variants.
fn all_groups(catalogue: &Catalogue, include_inactive: bool) -> Vec<Group<'_>> {
    catalogue
        .all()
        .iter()
        .filter(|e| e.group == e.model.id)
        .map(|lead| Group {
            lead,
            variants: catalogue
                .group_of(&lead.model.id)
                .into_iter()
                .filter(|v| v.model.id != lead.model.id && (v.active || include_inactive))
                .collect(),
        })
        .filter(|g| g.lead.active || include_inactive || !g.variants.is_empty())
        .collect()
}

/// The rows matching the filters, sorted.
pub fn select<'a>(catalogue: &'a Catalogue, f: &ListingFilter) -> Vec<Group<'a>> {
    let needle = Needle::new(&f.q);
    let mut groups: Vec<Group<'a>> = all_groups(catalogue, f.include_inactive)
        .into_iter()
        .filter(|g| matches(g, f, &needle))
        .collect();
    sort_groups(&mut groups, f.sort, f.desc);
    groups
}

/// The listings the exports carry: every listing that itself satisfies the filters (a variant
/// is judged on its own prices and window, not its base's), in the table's order.
pub fn export_listings<'a>(catalogue: &'a Catalogue, f: &ListingFilter) -> Vec<&'a Entry> {
    let needle = Needle::new(&f.q);
    let mut groups = all_groups(catalogue, f.include_inactive);
    sort_groups(&mut groups, f.sort, f.desc);
    groups
        .iter()
        .flat_map(|g| {
            std::iter::once(g.lead)
                .chain(g.variants.iter().copied())
                .filter(|e| export_passes(e, g, f, &needle))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The row whose base lists the lowest input price (ties by id), with that price per
/// million: the answer a title gives ("from $0.05/M input").
pub fn cheapest_input<'a>(groups: &[Group<'a>]) -> Option<(Decimal, &'a Model)> {
    groups
        .iter()
        .filter_map(|g| {
            let m = &g.lead.model;
            per_million(m.pricing.base.prompt).map(|p| (p, m))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, input: i64, output: i64) -> Model {
        Model::at_per_million(id, input, output)
    }

    fn catalogue() -> Catalogue {
        Catalogue::of_models([
            (model("acme/alpha", 1, 4), true),
            (model("acme/alpha:batch", 0, 2), true),
            (model("acme/beta", 3, 6), true),
            (model("globex/gamma", 2, 8), true),
            (model("globex/old", 1, 1), false),
        ])
    }

    fn ids(groups: &[Group<'_>]) -> Vec<String> {
        groups.iter().map(|g| g.lead.model.id.clone()).collect()
    }

    #[test]
    fn rows_sort_by_the_chosen_column_and_delisted_rows_stay_out_unless_asked() {
        let catalogue = catalogue();
        let by_input = ListingFilter {
            sort: SortKey::Input,
            ..ListingFilter::default()
        };
        // $1, $2, $3 per million input; globex/old is delisted.
        assert_eq!(
            ids(&select(&catalogue, &by_input)),
            ["acme/alpha", "globex/gamma", "acme/beta"]
        );
        let dearest_first = ListingFilter {
            desc: true,
            include_inactive: true,
            ..by_input
        };
        // globex/old ($1) ties acme/alpha and sorts after it by id.
        assert_eq!(
            ids(&select(&catalogue, &dearest_first)),
            ["acme/beta", "globex/gamma", "acme/alpha", "globex/old"]
        );
    }

    #[test]
    fn a_row_is_judged_on_its_base_and_an_export_on_each_listing() {
        let catalogue = catalogue();
        // Output ≤ $3/M: alpha's base ($4) fails, its batch listing ($2) passes on its own.
        let cheap_output = ListingFilter {
            max_output: Some(Decimal::from(3)),
            ..ListingFilter::default()
        };
        assert!(select(&catalogue, &cheap_output).is_empty());
        let exported: Vec<&str> = export_listings(&catalogue, &cheap_output)
            .iter()
            .map(|e| e.model.id.as_str())
            .collect();
        assert_eq!(exported, ["acme/alpha:batch"]);
        // "Has a batch listing" keeps alpha's row only.
        let with_batch = ListingFilter {
            has_batch: true,
            ..ListingFilter::default()
        };
        assert_eq!(ids(&select(&catalogue, &with_batch)), ["acme/alpha"]);
    }

    #[test]
    fn a_listing_not_priced_per_token_fails_every_price_ceiling() {
        // A music model: zero token prices, audio out; billed per song.
        let mut song = model("tunes/song", 0, 0);
        song.output_modalities = vec!["text".into(), "audio".into()];
        assert!(song.is_not_priced_per_token());
        let catalogue = Catalogue::of_models([(song, true), (model("acme/alpha", 1, 4), true)]);
        for (max_input, max_output) in [
            (Some(Decimal::ZERO), None),
            (Some(Decimal::from(100)), None),
            (None, Some(Decimal::from(5))),
        ] {
            let ceiling = ListingFilter {
                max_input,
                max_output,
                ..ListingFilter::default()
            };
            let rows = ids(&select(&catalogue, &ceiling));
            assert!(
                !rows.contains(&"tunes/song".to_string()),
                "{ceiling:?}: {rows:?}"
            );
            let exported: Vec<&str> = export_listings(&catalogue, &ceiling)
                .iter()
                .map(|e| e.model.id.as_str())
                .collect();
            assert!(
                !exported.contains(&"tunes/song"),
                "{ceiling:?}: {exported:?}"
            );
        }
        // With no ceiling it is listed like any other model.
        assert!(ids(&select(&catalogue, &ListingFilter::default())).contains(&"tunes/song".into()));
    }

    #[test]
    fn the_cheapest_input_is_the_lowest_base_price() {
        let catalogue = catalogue();
        let groups = select(&catalogue, &ListingFilter::default());
        let (price, model) = cheapest_input(&groups).unwrap();
        assert_eq!((price, model.id.as_str()), (Decimal::ONE, "acme/alpha"));
    }
}
