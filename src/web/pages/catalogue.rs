//! `/models`: one formatted row per base model and its variants, the sortable
//! headers, and the page's title and description. Figures are written by format.rs.

use askama::Template;
use axum::http::StatusCode;
use rust_decimal::Decimal;

use super::pager::Pager;
use super::sort::SortHeader;
use super::{Page, impl_page};
use crate::model::price::Price;
use crate::model::{Model, Variant};
use crate::store::Catalogue;
use crate::store::listing::{self, Group, ListingFilter, SortKey, cheapest_input};
use crate::web::error::Suggestion;
use crate::web::extractors::catalogue::{CatalogueQuery, MODALITIES};
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::paging::PageChoice;
use crate::web::format;
use crate::web::layout::Layout;

/// A sortable column's header label.
fn sort_label(sort: SortKey) -> &'static str {
    match sort {
        SortKey::Name => "Model",
        SortKey::Author => "Author",
        SortKey::Input => "Input $/M",
        SortKey::Output => "Output $/M",
        SortKey::Cache => "Cached input $/M",
        SortKey::Context => "Context",
        SortKey::MaxOutput => "Max output",
        SortKey::Intelligence => "Intelligence",
    }
}

/// One variant as a small link under its base.
pub struct VariantChip {
    pub id: String,
    pub label: String,
    pub title: String,
}

/// One table row, formatted.
pub struct Row {
    pub id: String,
    pub name: String,
    pub author: String,
    pub input: String,
    pub output: String,
    pub cache: String,
    pub context: String,
    pub max_output: String,
    pub modalities: String,
    pub intelligence: String,
    pub batch: String,
    pub active: bool,
    /// Listings of this model still active (shown when the base itself is delisted).
    pub active_variants: usize,
    pub variants: Vec<VariantChip>,
}

/// A price cell; a listing billed per item it makes shows why its zeros are not prices.
fn token_cell(m: &Model, price: Option<Price>) -> String {
    if m.is_not_priced_per_token() {
        "not priced per token".into()
    } else {
        format::token_price(price)
    }
}

/// One table row from a base model and its listed variants.
pub fn row(group: &Group<'_>) -> Row {
    let m = &group.lead.model;
    let base = &m.pricing.base;
    Row {
        id: m.id.clone(),
        name: m.short_name().to_string(),
        author: m.author.clone(),
        input: token_cell(m, base.prompt),
        output: token_cell(m, base.completion),
        cache: format::token_price(base.input_cache_read),
        context: format::tokens_cell(m.context_length),
        max_output: format::tokens_cell(m.max_completion_tokens),
        modalities: m
            .input_modalities
            .iter()
            .filter(|x| *x != "text")
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        intelligence: m
            .quality
            .intelligence
            .map(format::score)
            .unwrap_or_default(),
        batch: group
            .batch()
            .map(|b| {
                format!(
                    "{} / {}",
                    format::token_price(b.pricing.base.prompt),
                    format::token_price(b.pricing.base.completion)
                )
            })
            .unwrap_or_default(),
        active: group.lead.active,
        active_variants: group.variants.iter().filter(|v| v.active).count(),
        variants: group
            .variants
            .iter()
            .map(|v| VariantChip {
                id: v.model.id.clone(),
                label: match &v.model.variant {
                    Variant::Alias => v.model.id.clone(),
                    other => other.label().to_string(),
                },
                title: format!(
                    "{}: {} in / {} out per M",
                    v.model.id,
                    format::token_price(v.model.pricing.base.prompt),
                    format::token_price(v.model.pricing.base.completion)
                ),
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "models.html")]
pub struct CataloguePage {
    pub layout: Layout,
    pub filters: CatalogueQuery,
    pub errors: FieldErrors,
    pub authors: Vec<String>,
    pub modalities: &'static [&'static str],
    pub headers: Vec<SortHeader>,
    /// The rows of this page.
    pub rows: Vec<Row>,
    /// Every row the filters select, on all pages.
    pub total: usize,
    pub pager: Pager,
    /// (sort key, column name) for the sort control phones use.
    pub sort_options: Vec<(&'static str, &'static str)>,
    pub export_query: String,
    /// Close matches when a search found nothing.
    pub suggestions: Vec<Suggestion>,
    /// The search alone, without the other filters, when those filters hid its matches.
    pub search_only_href: Option<String>,
}

impl CataloguePage {
    pub fn author_selected(&self, author: &str) -> bool {
        self.filters.authors.iter().any(|a| a == author)
    }

    pub fn modality_selected(&self, modality: &str) -> bool {
        self.filters.modalities.iter().any(|m| m == modality)
    }

    pub fn number_value(value: Option<Decimal>) -> String {
        value.map(|v| v.normalize().to_string()).unwrap_or_default()
    }
}

/// The sortable column headers, each linking to its sort.
pub fn headers(f: &CatalogueQuery) -> Vec<SortHeader> {
    SortKey::ALL
        .into_iter()
        .map(|key| {
            SortHeader::new(
                sort_label(key),
                (f.sort == key).then_some(f.desc),
                key.descending_by_default(),
                key.is_numeric(),
                |desc| format!("/models?{}", f.query_with_sort(key, desc)),
            )
        })
        .collect()
}

impl CataloguePage {
    /// The page for `filters`: the matching rows, and when a search found nothing, close
    /// matches and the search alone without the other filters.
    pub fn build(
        catalogue: &Catalogue,
        filters: CatalogueQuery,
        errors: FieldErrors,
    ) -> CataloguePage {
        let groups = listing::select(catalogue, &filters);
        let pager = Pager::new(groups.len(), filters.1, |page| filters.href_on(page));
        let rows: Vec<Row> = groups[pager.range()].iter().map(row).collect();
        let (suggestions, search_only_href) = if rows.is_empty() && !filters.q.is_empty() {
            let only_q = CatalogueQuery(
                ListingFilter {
                    q: filters.q.clone(),
                    ..ListingFilter::default()
                },
                PageChoice::default(),
            );
            let search_only =
                (!listing::select(catalogue, &only_q).is_empty()).then(|| only_q.href());
            let suggestions = catalogue
                .suggest(
                    &filters.q.split_whitespace().collect::<Vec<_>>().join("-"),
                    5,
                )
                .into_iter()
                .map(|e| Suggestion {
                    id: e.model.id.clone(),
                    name: e.model.short_name().to_string(),
                })
                .collect();
            (suggestions, search_only)
        } else {
            (Vec::new(), None)
        };
        let (title, description) = title_and_description(&filters, &groups, groups.len());
        CataloguePage {
            layout: Layout::new(catalogue, title, "/models")
                .describe(description)
                .canonical(pager.href.clone()),
            headers: headers(&filters),
            total: groups.len(),
            rows,
            pager,
            sort_options: SortKey::ALL
                .into_iter()
                .map(|key| (key.key(), sort_label(key)))
                .collect(),
            export_query: filters.query_with_sort(filters.sort, filters.desc),
            authors: catalogue.authors(),
            modalities: MODALITIES,
            suggestions,
            search_only_href,
            filters,
            errors,
        }
    }
}

impl Page for CataloguePage {
    /// 400 when a filter does not read (its message is by the field).
    fn status(&self) -> StatusCode {
        self.errors.status()
    }
}
impl_page!(CataloguePage);

/// The title and description: what the filters select, how many models, and the cheapest
/// input price among them.
fn title_and_description(
    filters: &CatalogueQuery,
    groups: &[Group<'_>],
    shown: usize,
) -> (String, String) {
    let words = filters.in_words();
    let count = match shown {
        1 => "1 model".to_string(),
        n => format!("{} models", format::count(n as u64)),
    };
    let answer = cheapest_input(groups)
        .map(|(p, m)| format!(", from {}/M input ({})", format::usd(p), m.short_name()))
        .unwrap_or_default();
    if words.is_empty() {
        (
            "LLM API prices: every model compared".to_string(),
            format!(
                "The API prices of {count} on OpenRouter per million input and output \
                 tokens{answer}: filter by author, context and price, sort, compare, download."
            ),
        )
    } else {
        (
            format!("LLM prices for {words}: {count}{answer}"),
            format!(
                "{count} on OpenRouter matching {words}, with their API prices per million \
                 tokens{answer}."
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Catalogue {
        let mut alpha = Model::at_per_million("acme/alpha", 1, 4);
        alpha.context_length = Some(262_144);
        Catalogue::of_models([
            (alpha, true),
            (Model::at_per_million("acme/alpha:batch", 0, 2), true),
            (Model::at_per_million("acme/beta", 3, 6), true),
        ])
    }

    #[test]
    fn a_row_shows_the_base_prices_and_its_batch_listing() {
        let catalogue = catalogue();
        let groups = listing::select(&catalogue, &ListingFilter::default());
        let alpha = row(&groups[0]);
        assert_eq!(
            (alpha.input.as_str(), alpha.output.as_str()),
            ("$1.00", "$4.00")
        );
        // 262,144 tokens shown short; beta states no window.
        assert_eq!(alpha.context, "262K");
        assert_eq!(row(&groups[1]).context, "—");
        assert_eq!(alpha.batch, "$0 / $2.00");
        assert_eq!(alpha.variants.len(), 1);
        assert_eq!(
            alpha.variants[0].title,
            "acme/alpha:batch: $0 in / $2.00 out per M"
        );
    }

    #[test]
    fn the_title_counts_the_models_and_names_the_cheapest_input() {
        let catalogue = catalogue();
        let filters = CatalogueQuery(
            ListingFilter {
                authors: vec!["acme".into()],
                ..ListingFilter::default()
            },
            PageChoice::default(),
        );
        let groups = listing::select(&catalogue, &filters);
        let (title, _) = title_and_description(&filters, &groups, groups.len());
        // Two rows (alpha with its batch listing, beta); alpha's $1/M input is the lowest.
        assert_eq!(
            title,
            "LLM prices for acme: 2 models, from $1.00/M input (acme/alpha)"
        );
    }
}
