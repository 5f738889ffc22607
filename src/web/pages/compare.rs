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

use super::sections::where_to_buy::{self, WhereToBuySection, blend};
use super::{Page, impl_page};
use crate::model::price::{Component, Price, Unit};
use crate::model::{Model, Variant};
use crate::pricing::calculator::Workload;
use crate::pricing::compare::{self, IdProblems, best, percent_below};
pub use crate::pricing::compare::{MAX_MODELS, MIN_MODELS};
use crate::store::Catalogue;
use crate::web::error::Suggestion;
use crate::web::extractors::calculator::CalculatorQuery;
use crate::web::extractors::compare::{CompareQuery, href};
use crate::web::extractors::params::clip;
use crate::web::format;
use crate::web::layout::Layout;

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
    pub calculator_href: String,
    /// Each column's where-to-buy section, unfiltered.
    pub where_to_buy_columns: Vec<WhereToBuySection>,
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

fn providers_group(sections: &[WhereToBuySection]) -> CompareGroup {
    let cheapest = sections
        .iter()
        .map(|s| match (&s.cheapest_blend, s.has_data()) {
            (Some(blend), true) => {
                let note = format!(
                    "{blend}/M blended{}",
                    s.cheapest_vs_headline
                        .as_ref()
                        .map(|v| format!(", {v}"))
                        .unwrap_or_default()
                );
                let who = if s.all_same_price {
                    format!("all {} at one price", s.rows.len())
                } else {
                    s.cheapest.join(", ")
                };
                Cell::with_note(who, note)
            }
            (None, true) => Cell::plain("no comparable price"),
            _ => Cell::plain("no endpoint data yet"),
        })
        .collect();
    let spread = sections
        .iter()
        .map(|s| {
            if !s.has_data() {
                return Cell::plain("—");
            }
            match &s.spread_percent {
                Some(p) => Cell::with_note(s.provider_count(), format!("dearest +{p}")),
                None => Cell::plain(s.provider_count()),
            }
        })
        .collect();
    CompareGroup {
        title: "Where to buy",
        rows: vec![
            CompareRow {
                label: "Cheapest provider".into(),
                cells: cheapest,
            },
            CompareRow {
                label: "Providers".into(),
                cells: spread,
            },
        ],
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
                percent_below(b.pricing.base.prompt, m.pricing.base.prompt)
                    .map(|s| format!("{} off input", format::percent(s)))
                    .unwrap_or_default(),
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

fn cost_group(catalogue: &Catalogue, models: &[&Model]) -> CompareGroup {
    let bills = compare::bills(catalogue, models, &example_workload());
    let monthly = compare::monthly_costs(&bills);
    let mut monthly_cells: Vec<Cell> = bills
        .iter()
        .map(|b| match b {
            Ok(bill) => Cell::plain(format::usd(bill.monthly_cost)),
            Err(err) => Cell::with_note("not priceable", err.to_string()),
        })
        .collect();
    mark_best(&mut monthly_cells, &monthly, true);
    let per_request = bills
        .iter()
        .map(|b| match b {
            Ok(bill) => Cell::plain(format::usd(bill.cost_per_request)),
            Err(_) => Cell::plain("—"),
        })
        .collect();
    CompareGroup {
        title: "Monthly cost of the example workload",
        rows: vec![
            CompareRow {
                label: "Monthly cost".into(),
                cells: monthly_cells,
            },
            CompareRow {
                label: "Cost per request".into(),
                cells: per_request,
            },
        ],
    }
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
        text.push(format!(
            "“{}” could be any of {} models; pick one below.",
            clip(typed),
            choices.len()
        ));
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
        calculator_href: String::new(),
        where_to_buy_columns: Vec::new(),
    }
}

impl ComparePage {
    /// The page for `query`: the empty form without ids, every problem with them (a 400),
    /// else the models side by side.
    pub fn build(catalogue: &Catalogue, query: &CompareQuery) -> ComparePage {
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
        let where_to_buy_columns: Vec<WhereToBuySection> = entries
            .iter()
            .map(|e| where_to_buy::section(catalogue, &e.model.id, &Default::default()))
            .collect();
        let mut groups = vec![
            price_group(&models),
            limits_group(&models),
            quality_group(&models),
            providers_group(&where_to_buy_columns),
            options_group(catalogue, &models),
            cost_group(catalogue, &models),
        ];
        for row in groups.iter_mut().flat_map(|g| g.rows.iter_mut()) {
            for (cell, column) in row.cells.iter_mut().zip(&columns) {
                cell.label.clone_from(&column.name);
            }
        }
        // Every compared listing, a batch listing as a row of its own: the calculator then
        // shows one bill per column here.
        let calculator_href = CalculatorQuery {
            ids: models.iter().map(|m| m.id.clone()).collect(),
            separate: models.iter().any(|m| m.variant == Variant::Batch),
            ..CalculatorQuery::default_volume()
        }
        .href();
        let volume = example_workload();
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
            workload: format!(
                "{} requests a month, each with {} input and {} output tokens, on demand, without \
                 caching or batching",
                format::quantity(volume.requests),
                format::quantity(volume.input_tokens),
                format::quantity(volume.output_tokens),
            ),
            calculator_href,
            where_to_buy_columns,
            read_as,
            ..empty_page(Layout::bare(""), ids_value)
        }
    }
}

impl Page for ComparePage {
    /// 400 when the ids name no comparison (each problem is on the page).
    fn status(&self) -> StatusCode {
        if self.problems.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        }
    }
}
impl_page!(ComparePage);
