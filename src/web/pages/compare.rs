//! `/compare?ids=a,b,…`: two to six models side by side — every price component, tiers,
//! limits, quality, the cheapest provider, batch and cache options, and what one example
//! workload costs a month on each, with a link to the calculator holding all of them.
//!
//! The handler reads a [`CompareQuery`], and [`ComparePage::build`] turns the models that
//! [`crate::pricing::compare`] resolves and prices into rows of formatted cells.

use std::collections::BTreeSet;

use askama::Template;
use axum::http::StatusCode;
use rust_decimal::Decimal;

use super::calculator::workload_line;
use super::sections::where_to_buy::blend;
use super::sections::where_to_buy_form::FilterForm;
use super::{Page, impl_page};
use crate::model::price::{Component, Price, Unit};
use crate::model::{Model, Variant};
use crate::pricing::calculator::Detail;
use crate::pricing::calculator::Workload;
use crate::pricing::compare::{self, IdProblems, best, percent_below};
pub use crate::pricing::compare::{MAX_MODELS, MIN_MODELS};
use crate::pricing::market::Market;
use crate::pricing::sellers::{self, SellerBill, SellerFilters, Sellers, every_seller};
use crate::seller::Seller;
use crate::store::Catalogue;
use crate::web::error::Suggestion;
use crate::web::extractors::calculator::CalculatorQuery;
use crate::web::extractors::compare::{CompareQuery, href};
use crate::web::extractors::form::FieldErrors;
use crate::web::extractors::named_model::could_be_any;
use crate::web::extractors::params::clip;
use crate::web::extractors::where_to_buy::FilterQuery;
use crate::web::format;
use crate::web::layout::Layout;
use crate::web::today;

/// The workload every compared model is priced for: the default workload's volumes, on
/// demand, without caching.
fn example_workload() -> Workload {
    CalculatorQuery::default_volume().workload()
}

/// One compared model's column header.
pub struct Column {
    pub id: String,
    pub name: String,
    pub author: String,
    pub active: bool,
    /// `/compare` without this model, when enough would remain.
    pub remove_href: Option<String>,
}

/// One cell; `best` marks the most favourable value of its row.
pub struct Cell {
    pub text: String,
    pub note: String,
    pub best: bool,
    /// The model's name: what a phone, which shows each row as a card, labels the value with.
    pub label: String,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        Cell::with_note(text, "")
    }

    fn with_note(text: impl Into<String>, note: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            note: note.into(),
            best: false,
            label: String::new(),
        }
    }
}

pub struct CompareRow {
    pub label: String,
    pub cells: Vec<Cell>,
}

pub struct CompareGroup {
    pub title: &'static str,
    pub rows: Vec<CompareRow>,
}

/// One model a name could mean, with this comparison with it picked.
pub struct Choice {
    pub name: String,
    pub id: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "compare.html")]
pub struct ComparePage {
    pub layout: Layout,
    /// The ids as typed, for the form.
    pub ids_value: String,
    /// Problems with the ids, each naming the ids concerned.
    pub problems: Vec<String>,
    pub suggestions: Vec<Suggestion>,
    /// For each name that could mean several models: the name and the models it could be.
    pub choices: Vec<(String, Vec<Choice>)>,
    /// How names that were not ids were read: "“opus 4.8” as anthropic/claude-opus-4.8".
    pub read_as: Vec<String>,
    pub columns: Vec<Column>,
    pub groups: Vec<CompareGroup>,
    pub workload: String,
    /// True when the workload is the reader's, not the example.
    pub own_workload: bool,
    pub calculator_href: String,
    /// Each model's cheapest seller and routed price for the workload, once, compactly.
    pub sellers: Vec<SellerLine>,
    /// The seller filters' form, keeping the compared ids and the workload.
    pub form: FilterForm,
    /// The ids and workload as hidden fields of that form.
    pub hidden: Vec<(&'static str, String)>,
    /// Whether the reader set a seller filter.
    pub filtered: bool,
}

/// One compared model's sellers, in one line.
pub struct SellerLine {
    pub id: String,
    pub name: String,
    /// "DeepInfra via OpenRouter (fp8)", or why none could bill.
    pub cheapest: String,
    pub cheapest_kind: &'static str,
    pub reduced_precision: bool,
    pub monthly: String,
    /// The routed price's bill, "—" when it has none.
    pub routed: String,
    /// How many sellers were priced.
    pub priced: usize,
    /// The bill page listing every seller, with this workload and these filters.
    pub every_href: String,
}

impl ComparePage {
    pub fn min_models(&self) -> usize {
        MIN_MODELS
    }

    pub fn max_models(&self) -> usize {
        MAX_MODELS
    }

    pub fn span(&self) -> usize {
        self.columns.len() + 1
    }
}

/// Marks the cells whose value is the best of the row ([`best`]).
fn mark_best<T: PartialOrd + Copy>(cells: &mut [Cell], values: &[Option<T>], lowest: bool) {
    for (cell, is_best) in cells.iter_mut().zip(best(values, lowest)) {
        cell.best = is_best;
    }
}

fn price_row(models: &[&Model], key: &str, label: &str, unit: Unit) -> CompareRow {
    let prices: Vec<Option<Price>> = models.iter().map(|m| m.pricing.base.get(key)).collect();
    let mut cells: Vec<Cell> = prices
        .iter()
        .map(|p| {
            Cell::plain(match unit {
                Unit::Token => format::token_price(*p),
                _ => format::unit_price(*p),
            })
        })
        .collect();
    let values: Vec<Option<Decimal>> = prices.iter().map(|p| p.and_then(Price::usd)).collect();
    mark_best(&mut cells, &values, true);
    let label = match unit {
        Unit::Token => format!("{label} $/M"),
        _ => label.to_string(),
    };
    CompareRow { label, cells }
}

fn price_group(models: &[&Model]) -> CompareGroup {
    let mut rows: Vec<CompareRow> = Component::ALL
        .into_iter()
        .filter(|c| models.iter().any(|m| m.pricing.base.price(*c).is_some()))
        .map(|c| price_row(models, c.key(), c.label(), c.unit()))
        .collect();
    let others: BTreeSet<&String> = models
        .iter()
        .flat_map(|m| m.pricing.base.other.keys())
        .collect();
    for key in others {
        rows.push(price_row(models, key, key, Unit::Token));
    }
    let blends: Vec<Option<Decimal>> = models.iter().map(|m| blend(&m.pricing.base)).collect();
    let mut cells: Vec<Cell> = models
        .iter()
        .zip(&blends)
        .map(|(m, b)| {
            Cell::plain(match b {
                Some(b) => format::usd(*b),
                None if m.is_variable() => "variable".into(),
                None => "—".into(),
            })
        })
        .collect();
    mark_best(&mut cells, &blends, true);
    rows.push(CompareRow {
        label: "Blend 3:1 $/M".into(),
        cells,
    });
    rows.push(CompareRow {
        label: "Long-context tiers".into(),
        cells: models
            .iter()
            .map(|m| {
                let tiers = m.pricing.tiers();
                if tiers.is_empty() {
                    return Cell::plain("none");
                }
                Cell::plain(
                    tiers
                        .iter()
                        .map(|(min, prices)| {
                            format!(
                                "prompts ≥ {}: {} in / {} out",
                                format::tokens_short(*min),
                                format::token_price(prices.prompt),
                                format::token_price(prices.completion)
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            })
            .collect(),
    });
    CompareGroup {
        title: "Routed prices (USD)",
        rows,
    }
}

fn tokens_row(label: &str, values: Vec<Option<u64>>) -> CompareRow {
    let mut cells: Vec<Cell> = values
        .iter()
        .map(|v| Cell::plain(v.map(format::tokens_short).unwrap_or_else(|| "—".into())))
        .collect();
    mark_best(&mut cells, &values, false);
    CompareRow {
        label: label.into(),
        cells,
    }
}

fn limits_group(models: &[&Model]) -> CompareGroup {
    let list = |items: &[String]| {
        if items.is_empty() {
            "—".to_string()
        } else {
            items.join(", ")
        }
    };
    CompareGroup {
        title: "Limits and modalities",
        rows: vec![
            tokens_row("Context", models.iter().map(|m| m.context_length).collect()),
            tokens_row(
                "Max output",
                models.iter().map(|m| m.max_completion_tokens).collect(),
            ),
            CompareRow {
                label: "Input".into(),
                cells: models
                    .iter()
                    .map(|m| Cell::plain(list(&m.input_modalities)))
                    .collect(),
            },
            CompareRow {
                label: "Output".into(),
                cells: models
                    .iter()
                    .map(|m| Cell::plain(list(&m.output_modalities)))
                    .collect(),
            },
        ],
    }
}

fn quality_group(models: &[&Model]) -> CompareGroup {
    let index_row = |label: &str, values: Vec<Option<f64>>| {
        let mut cells: Vec<Cell> = values
            .iter()
            .map(|v| Cell::plain(v.map(format::score).unwrap_or_else(|| "—".into())))
            .collect();
        mark_best(&mut cells, &values, false);
        CompareRow {
            label: label.into(),
            cells,
        }
    };
    CompareGroup {
        title: "Quality (Artificial Analysis, via OpenRouter)",
        rows: vec![
            index_row(
                "Intelligence index",
                models.iter().map(|m| m.quality.intelligence).collect(),
            ),
            index_row(
                "Coding index",
                models.iter().map(|m| m.quality.coding).collect(),
            ),
            index_row(
                "Agentic index",
                models.iter().map(|m| m.quality.agentic).collect(),
            ),
        ],
    }
}

/// What a batch listing takes off, naming output too when it is cut: "50% off input and
/// output", "50% off input, 25% off output", "50% off input".
fn batch_off(input: Option<Decimal>, output: Option<Decimal>) -> String {
    let cut = |p: Option<Decimal>| p.filter(|p| *p > Decimal::ZERO);
    match (cut(input), cut(output)) {
        (Some(i), Some(o)) if i == o => format!("{} off input and output", format::percent(i)),
        (Some(i), Some(o)) => format!(
            "{} off input, {} off output",
            format::percent(i),
            format::percent(o)
        ),
        (Some(i), None) => format!("{} off input", format::percent(i)),
        (None, Some(o)) => format!("{} off output", format::percent(o)),
        (None, None) => String::new(),
    }
}

fn options_group(catalogue: &Catalogue, models: &[&Model]) -> CompareGroup {
    let batch = models
        .iter()
        .map(|m| match catalogue.batch_listing(&m.id) {
            Some(b) => Cell::with_note(
                format!(
                    "{} in / {} out",
                    format::token_price(b.pricing.base.prompt),
                    format::token_price(b.pricing.base.completion)
                ),
                batch_off(
                    percent_below(b.pricing.base.prompt, m.pricing.base.prompt),
                    percent_below(b.pricing.base.completion, m.pricing.base.completion),
                ),
            ),
            None => Cell::plain("no batch listing"),
        })
        .collect();
    let cache = models
        .iter()
        .map(|m| match m.pricing.base.input_cache_read {
            Some(read) => {
                let share = percent_below(Some(read), m.pricing.base.prompt)
                    .map(|s| {
                        format!(
                            "{} of the input price",
                            format::percent(Decimal::ONE_HUNDRED - s)
                        )
                    })
                    .unwrap_or_default();
                let write = m
                    .pricing
                    .base
                    .input_cache_write
                    .map(|w| format!("; writes {}", format::token_price(Some(w))))
                    .unwrap_or_default();
                Cell::with_note(
                    format!("reads {}{write}", format::token_price(Some(read))),
                    share,
                )
            }
            None => Cell::plain("not offered"),
        })
        .collect();
    let free = models
        .iter()
        .map(|m| {
            let id = format!("{}:free", m.id);
            Cell::plain(match catalogue.get(&id) {
                Some(e) if e.active => id,
                _ => "none".into(),
            })
        })
        .collect();
    CompareGroup {
        title: "Batch, cache and free options",
        rows: vec![
            CompareRow {
                label: "Batch listing $/M".into(),
                cells: batch,
            },
            CompareRow {
                label: "Prompt caching $/M".into(),
                cells: cache,
            },
            CompareRow {
                label: "Free variant".into(),
                cells: free,
            },
        ],
    }
}

/// Each model's bill for `workload` at every seller meeting `filters` (cheapest first).
fn seller_bills<'a>(
    market: &'a Market,
    models: &[&'a Model],
    workload: &Workload,
    filters: &SellerFilters,
) -> Vec<Vec<SellerBill<'a>>> {
    models
        .iter()
        .map(|m| {
            every_seller(
                market,
                m,
                workload,
                filters,
                workload.request_tokens(),
                today(),
                // Itemised: the page shows each cheapest bill's cost per request.
                Detail::Itemised,
            )
            .unwrap_or_default()
        })
        .collect()
}

fn cost_group(every: &[Vec<SellerBill<'_>>], title: &'static str) -> CompareGroup {
    let cheapest: Vec<Option<&SellerBill>> = every
        .iter()
        .map(|bills| bills.iter().find(|b| b.cheapest))
        .collect();
    let monthly: Vec<Option<Decimal>> = cheapest
        .iter()
        .map(|b| b.and_then(SellerBill::monthly_cost))
        .collect();
    let mut at_cheapest: Vec<Cell> = cheapest
        .iter()
        .map(|b| match b {
            Some(bill) => Cell::with_note(
                bill.monthly_cost().map_or_else(|| "—".into(), format::usd),
                format!("at {}", bill.seller.name_with_precision()),
            ),
            None => Cell::plain("no seller meets the filters"),
        })
        .collect();
    mark_best(&mut at_cheapest, &monthly, true);
    let routed_bills: Vec<Option<&SellerBill>> = every
        .iter()
        .map(|bills| bills.iter().find(|b| b.seller.seller == Seller::Routed))
        .collect();
    let routed_costs: Vec<Option<Decimal>> = routed_bills
        .iter()
        .map(|b| b.and_then(SellerBill::monthly_cost))
        .collect();
    let mut routed: Vec<Cell> = routed_bills
        .iter()
        .map(|b| match b.map(|b| &b.bill) {
            Some(Ok(bill)) => Cell::plain(format::usd(bill.monthly_cost)),
            Some(Err(why)) => Cell::with_note("not priceable", why.clone()),
            None => Cell::plain("—"),
        })
        .collect();
    mark_best(&mut routed, &routed_costs, true);
    let per_request = cheapest
        .iter()
        .map(|b| match b.and_then(|b| b.bill.as_ref().ok()) {
            Some(bill) => Cell::plain(format::usd(bill.cost_per_request)),
            None => Cell::plain("—"),
        })
        .collect();
    CompareGroup {
        title,
        rows: vec![
            CompareRow {
                label: "Monthly cost".into(),
                cells: at_cheapest,
            },
            CompareRow {
                label: "Monthly cost, routed price".into(),
                cells: routed,
            },
            CompareRow {
                label: "Cost per request".into(),
                cells: per_request,
            },
        ],
    }
}

/// The compact sellers list: one line per model.
fn seller_lines(
    models: &[&Model],
    every: &[Vec<SellerBill<'_>>],
    link: &CalculatorQuery,
) -> Vec<SellerLine> {
    models
        .iter()
        .zip(every)
        .map(|(model, bills)| {
            let cheapest = bills.iter().find(|b| b.cheapest);
            let routed = bills.iter().find(|b| b.seller.seller == Seller::Routed);
            SellerLine {
                id: model.id.clone(),
                name: model.short_name().to_string(),
                cheapest: cheapest.map_or_else(
                    || sellers::NO_SELLER.to_string(),
                    |b| b.seller.name_with_precision(),
                ),
                cheapest_kind: cheapest.map_or("", |b| b.seller.kind().label()),
                reduced_precision: cheapest.is_some_and(|b| b.seller.quantization.is_some()),
                monthly: cheapest
                    .and_then(SellerBill::monthly_cost)
                    .map_or_else(|| "—".into(), format::usd),
                routed: routed
                    .and_then(SellerBill::monthly_cost)
                    .map_or_else(|| "—".into(), format::usd),
                priced: bills.iter().filter(|b| b.bill.is_ok()).count(),
                every_href: CalculatorQuery {
                    ids: vec![model.id.clone()],
                    sellers: Sellers::All,
                    // A batch listing is priced as a row of its own only when asked.
                    separate: model.variant == Variant::Batch,
                    ..link.clone()
                }
                .bill_href(&model.id),
            }
        })
        .collect()
}

fn quoted(ids: &[String]) -> String {
    let shown: Vec<String> = ids
        .iter()
        .take(8)
        .map(|id| format!("“{}”", clip(id)))
        .collect();
    let more = ids.len().saturating_sub(8);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Each problem in words, naming the ids concerned, and close matches for unknown ids. A
/// name that could mean several models is its own problem (its choices are offered apart).
fn explain(
    catalogue: &Catalogue,
    query: &CompareQuery,
    problems: &IdProblems,
) -> (Vec<String>, Vec<Suggestion>) {
    let ids = &query.ids;
    let ambiguous = |id: &String| query.ambiguous.iter().any(|(typed, _)| typed == id);
    let problems = IdProblems {
        malformed: problems
            .malformed
            .iter()
            .filter(|id| !ambiguous(id))
            .cloned()
            .collect(),
        unknown: problems
            .unknown
            .iter()
            .filter(|id| !ambiguous(id))
            .cloned()
            .collect(),
        wrong_count: problems.wrong_count,
    };
    let mut text = Vec::new();
    let mut suggestions: Vec<Suggestion> = Vec::new();
    for (typed, choices) in &query.ambiguous {
        text.push(could_be_any(typed, choices.len()));
    }
    if !problems.malformed.is_empty() {
        text.push(format!(
            "Not a model id: {}. Ids look like author/model, e.g. openai/gpt-4o; names are \
             read as the models page's search reads them, e.g. opus 4.8.",
            quoted(&problems.malformed)
        ));
    }
    if !problems.unknown.is_empty() {
        text.push(format!(
            "No model has the id {}.",
            quoted(&problems.unknown)
        ));
        for id in problems.unknown.iter().take(3) {
            for entry in catalogue.suggest(id, 3) {
                if !suggestions.iter().any(|s| s.id == entry.model.id) {
                    suggestions.push(Suggestion {
                        id: entry.model.id.clone(),
                        name: entry.model.short_name().to_string(),
                    });
                }
            }
        }
    }
    if problems.wrong_count && ids.len() < MIN_MODELS {
        text.push(format!(
            "Pick at least {MIN_MODELS} different models to compare; got {}: {}.",
            ids.len(),
            if ids.is_empty() {
                "none".into()
            } else {
                quoted(ids)
            }
        ));
    } else if problems.wrong_count {
        text.push(format!(
            "At most {MAX_MODELS} models fit side by side; got {}: {}.",
            ids.len(),
            quoted(ids)
        ));
    }
    (text, suggestions)
}

fn empty_page(layout: Layout, ids_value: String) -> ComparePage {
    ComparePage {
        layout,
        ids_value,
        problems: Vec::new(),
        suggestions: Vec::new(),
        choices: Vec::new(),
        read_as: Vec::new(),
        columns: Vec::new(),
        groups: Vec::new(),
        workload: String::new(),
        own_workload: false,
        calculator_href: String::new(),
        sellers: Vec::new(),
        form: FilterForm::default(),
        hidden: Vec::new(),
        filtered: false,
    }
}

impl ComparePage {
    /// The page for `query`: the empty form without ids, every problem with them (a 400),
    /// else the models side by side.
    pub fn build(market: &Market, query: &CompareQuery, errors: FieldErrors) -> ComparePage {
        let catalogue: &Catalogue = market;
        let layout = Layout::new(catalogue, "Compare models side by side", "/models").describe(
            "Compare two to six LLMs side by side: prices per million tokens, context, quality \
             and what one workload costs on each.",
        );
        let ids = &query.ids;
        let ids_value = ids.join(", ");
        if ids.is_empty() {
            return empty_page(layout, ids_value);
        }
        let read_as = query
            .read_as
            .iter()
            .map(|(typed, id)| format!("“{}” as {id}", clip(typed)))
            .collect();
        let entries = match compare::resolve(catalogue, ids) {
            Ok(entries) => entries,
            Err(problems) => {
                let (problems, suggestions) = explain(catalogue, query, &problems);
                let choices = query
                    .ambiguous
                    .iter()
                    .map(|(typed, models)| {
                        let options = models
                            .iter()
                            .map(|m| Choice {
                                name: m.name.clone(),
                                id: m.id.clone(),
                                href: query.choosing(typed, &m.id),
                            })
                            .collect();
                        (typed.clone(), options)
                    })
                    .collect();
                return ComparePage {
                    problems,
                    suggestions,
                    choices,
                    read_as,
                    ..empty_page(layout, ids_value)
                };
            }
        };
        let models: Vec<&Model> = entries.iter().map(|e| &e.model).collect();
        let columns: Vec<Column> = entries
            .iter()
            .map(|e| Column {
                id: e.model.id.clone(),
                name: e.model.short_name().to_string(),
                author: e.model.author.clone(),
                active: e.active,
                remove_href: query.without(&e.model.id),
            })
            .collect();
        // The reader's workload and filters when they read, else the example, unfiltered.
        let read = errors.is_empty();
        let (workload, own) = match query.workload.as_ref().filter(|_| read) {
            Some((w, q)) => ((w.clone(), q.clone()), true),
            None => (
                (example_workload(), CalculatorQuery::default_volume()),
                false,
            ),
        };
        let filters = if read {
            query.filters.clone()
        } else {
            SellerFilters::default()
        };
        let canonical = FilterQuery::from_seller_filters(&filters);
        let every = seller_bills(market, &models, &workload.0, &filters);
        let mut groups = vec![
            price_group(&models),
            limits_group(&models),
            quality_group(&models),
            options_group(catalogue, &models),
            cost_group(
                &every,
                if own {
                    "Monthly cost of your workload at each model's cheapest seller"
                } else {
                    "Monthly cost of the example workload at each model's cheapest seller"
                },
            ),
        ];
        for row in groups.iter_mut().flat_map(|g| g.rows.iter_mut()) {
            for (cell, column) in row.cells.iter_mut().zip(&columns) {
                cell.label.clone_from(&column.name);
            }
        }
        // Every compared listing, a batch listing as a row of its own: the calculator then
        // shows one bill per column here.
        let link = CalculatorQuery {
            filters: canonical.clone(),
            ..workload.1.clone()
        };
        let calculator_href = CalculatorQuery {
            ids: models.iter().map(|m| m.id.clone()).collect(),
            separate: models.iter().any(|m| m.variant == Variant::Batch),
            sellers: Sellers::All,
            ..link.clone()
        }
        .href();
        let compared = CompareQuery {
            ids: models.iter().map(|m| m.id.clone()).collect(),
            workload: own.then(|| workload.clone()),
            typed: canonical,
            filters: filters.clone(),
            ..CompareQuery::default()
        };
        let mut form = FilterForm::new(
            catalogue,
            "/compare",
            "compare-sellers",
            if read {
                query.typed.clone()
            } else {
                FilterQuery::default()
            },
            errors,
        );
        // The form submits the compared ids with it; the page has no anchor to return to.
        form.action = "/compare".into();
        let mut hidden = vec![("ids", compared.ids.join(","))];
        hidden.extend(compared.hidden_workload());
        let names: Vec<&str> = models.iter().map(|m| m.short_name()).collect();
        ComparePage {
            layout: Layout {
                title: format!("Compare {}", names.join(" vs ")),
                ..layout
            }
            .describe(format!(
                "{} side by side: prices per million tokens, context, quality, providers and \
                 the monthly cost of one workload.",
                names.join(", ")
            ))
            .canonical(href(
                &models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
            )),
            columns,
            groups,
            workload: workload_line(&workload.0),
            own_workload: own,
            calculator_href,
            sellers: seller_lines(&models, &every, &link),
            form,
            hidden,
            filtered: !filters.is_empty(),
            read_as,
            ..empty_page(Layout::bare(""), ids_value)
        }
    }
}

impl Page for ComparePage {
    /// 400 when the ids name no comparison or a workload or filter does not read (each
    /// problem is on the page).
    fn status(&self) -> StatusCode {
        if self.problems.is_empty() && self.form.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        }
    }
}
impl_page!(ComparePage);
