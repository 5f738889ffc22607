//! `/compare?ids=a,b,…`: two to six models side by side — every price component, tiers,
//! limits, quality, the cheapest provider, batch and cache options, and what one example
//! workload costs a month on each, with a link to the calculator holding all of them.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::calculator::CalculatorQuery;
use super::error::{Suggestion, render_html};
use super::format;
use super::layout::Layout;
use super::params::{Params, clip, encode};
use super::providers::{ProvidersSection, blend, providers_section};
use crate::AppState;
use crate::model::{Model, Variant};
use crate::openrouter::schema::is_valid_id;
use crate::pricing::calculator::{Workload, price_workload};
use crate::pricing::price::{Component, Price, Unit};
use crate::store::Catalogue;
use crate::store::catalogue::Entry;

pub const MIN_MODELS: usize = 2;
pub const MAX_MODELS: usize = 6;

/// `/compare?ids=a,b,c`: the one way to link to this page. With fewer than two models it
/// is the empty page that asks for them.
pub fn href(ids: &[&str]) -> String {
    if ids.len() < MIN_MODELS {
        return "/compare".to_string();
    }
    format!("/compare?{}", encode([("ids", ids.join(","))]))
}

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
}

impl Cell {
    fn plain(text: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            note: String::new(),
            best: false,
        }
    }

    fn with_note(text: impl Into<String>, note: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            note: note.into(),
            best: false,
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

#[derive(Template)]
#[template(path = "compare.html")]
pub struct ComparePage {
    pub layout: Layout,
    /// The ids as typed, for the form.
    pub ids_value: String,
    /// Problems with the ids, each naming the ids concerned.
    pub problems: Vec<String>,
    pub suggestions: Vec<Suggestion>,
    pub columns: Vec<Column>,
    pub groups: Vec<CompareGroup>,
    pub workload: String,
    pub calculator_href: String,
    pub where_to_buy: Vec<ProvidersSection>,
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

/// Marks the cells whose value is the best of the row (lowest when `lowest`), if at least two
/// cells have a value and they are not all equal.
fn mark_best<T: PartialOrd + Copy>(cells: &mut [Cell], values: &[Option<T>], lowest: bool) {
    let known: Vec<T> = values.iter().flatten().copied().collect();
    if known.len() < 2 {
        return;
    }
    let best = known.iter().copied().fold(known[0], |acc, v| {
        let better = if lowest { v < acc } else { v > acc };
        if better { v } else { acc }
    });
    if known.iter().all(|v| *v == best) {
        return;
    }
    for (cell, value) in cells.iter_mut().zip(values) {
        cell.best = *value == Some(best);
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
            .map(|v| Cell::plain(v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())))
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

fn providers_group(sections: &[ProvidersSection]) -> CompareGroup {
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

fn saving(listing: Option<Price>, base: Option<Price>) -> Option<f64> {
    let (l, b) = (listing?.usd()?, base?.usd()?);
    if b.is_zero() {
        return None;
    }
    ((b - l) / b).to_f64().map(|r| r * 100.0)
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
                saving(b.pricing.base.prompt, m.pricing.base.prompt)
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
                let share = saving(Some(read), m.pricing.base.prompt)
                    .map(|s| format!("{} of the input price", format::percent(100.0 - s)))
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
    let workload = example_workload();
    let bills: Vec<_> = models
        .iter()
        .map(|m| price_workload(&workload, m, catalogue.batch_listing(&m.id)))
        .collect();
    let monthly: Vec<Option<Decimal>> = bills
        .iter()
        .map(|b| b.as_ref().ok().map(|b| b.monthly_cost))
        .collect();
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

/// The ids of the query, each once, in the order given.
fn requested_ids(params: &Params) -> Vec<String> {
    let mut seen = BTreeSet::new();
    params
        .all("ids")
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
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

/// Checks the requested ids; on success returns the entries in the order given.
fn resolve<'a>(
    catalogue: &'a Catalogue,
    ids: &[String],
) -> Result<Vec<&'a Entry>, (Vec<String>, Vec<Suggestion>)> {
    let mut problems = Vec::new();
    let mut suggestions = Vec::new();
    let malformed: Vec<String> = ids.iter().filter(|id| !is_valid_id(id)).cloned().collect();
    if !malformed.is_empty() {
        problems.push(format!(
            "Not a model id: {}. Ids look like author/model, e.g. openai/gpt-4o.",
            quoted(&malformed)
        ));
    }
    let unknown: Vec<String> = ids
        .iter()
        .filter(|id| is_valid_id(id) && catalogue.get(id).is_none())
        .cloned()
        .collect();
    if !unknown.is_empty() {
        problems.push(format!("No model has the id {}.", quoted(&unknown)));
        for id in unknown.iter().take(3) {
            for entry in catalogue.suggest(id, 3) {
                if !suggestions
                    .iter()
                    .any(|s: &Suggestion| s.id == entry.model.id)
                {
                    suggestions.push(Suggestion {
                        id: entry.model.id.clone(),
                        name: entry.model.short_name().to_string(),
                    });
                }
            }
        }
    }
    if ids.len() < MIN_MODELS {
        problems.push(format!(
            "Pick at least {MIN_MODELS} different models to compare; got {}: {}.",
            ids.len(),
            if ids.is_empty() {
                "none".into()
            } else {
                quoted(ids)
            }
        ));
    } else if ids.len() > MAX_MODELS {
        problems.push(format!(
            "At most {MAX_MODELS} models fit side by side; got {}: {}.",
            ids.len(),
            quoted(ids)
        ));
    }
    if problems.is_empty() {
        Ok(ids.iter().filter_map(|id| catalogue.get(id)).collect())
    } else {
        Err((problems, suggestions))
    }
}

fn empty_page(layout: Layout, ids_value: String) -> ComparePage {
    ComparePage {
        layout,
        ids_value,
        problems: Vec::new(),
        suggestions: Vec::new(),
        columns: Vec::new(),
        groups: Vec::new(),
        workload: String::new(),
        calculator_href: String::new(),
        where_to_buy: Vec::new(),
    }
}

/// `GET /compare`.
pub async fn compare(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let ids = requested_ids(&params);
    let layout = Layout::new(&catalogue, "Compare models side by side", "/models").describe(
        "Compare two to six LLMs side by side: prices per million tokens, context, quality \
         and what one workload costs on each.",
    );
    let ids_value = ids.join(", ");
    if params.all("ids").is_empty() {
        return render_html(&empty_page(layout, ids_value), StatusCode::OK);
    }
    let entries = match resolve(&catalogue, &ids) {
        Ok(entries) => entries,
        Err((problems, suggestions)) => {
            let page = ComparePage {
                problems,
                suggestions,
                ..empty_page(layout, ids_value)
            };
            return render_html(&page, StatusCode::BAD_REQUEST);
        }
    };
    let models: Vec<&Model> = entries.iter().map(|e| &e.model).collect();
    let columns = entries
        .iter()
        .map(|e| Column {
            id: e.model.id.clone(),
            name: e.model.short_name().to_string(),
            author: e.model.author.clone(),
            active: e.active,
            remove_href: (ids.len() > MIN_MODELS).then(|| {
                let rest: Vec<&str> = ids
                    .iter()
                    .filter(|id| **id != e.model.id)
                    .map(String::as_str)
                    .collect();
                href(&rest)
            }),
        })
        .collect();
    let where_to_buy: Vec<ProvidersSection> = entries
        .iter()
        .map(|e| providers_section(&catalogue, &e.model.id))
        .collect();
    let groups = vec![
        price_group(&models),
        limits_group(&models),
        quality_group(&models),
        providers_group(&where_to_buy),
        options_group(&catalogue, &models),
        cost_group(&catalogue, &models),
    ];
    let calculator_ids: Vec<&str> = models
        .iter()
        .filter(|m| m.variant != Variant::Batch)
        .map(|m| m.id.as_str())
        .collect();
    let calculator_href = CalculatorQuery {
        ids: calculator_ids.iter().map(|id| id.to_string()).collect(),
        ..CalculatorQuery::default_volume()
    }
    .href();
    let volume = example_workload();
    let names: Vec<&str> = models.iter().map(|m| m.short_name()).collect();
    let page = ComparePage {
        layout: Layout {
            title: format!("Compare {}", names.join(" vs ")),
            ..layout
        }
        .describe(format!(
            "{} side by side: prices per million tokens, context, quality, providers and the \
             monthly cost of one workload.",
            names.join(", ")
        ))
        .canonical(href(
            &models.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        )),
        columns,
        groups,
        workload: format!(
            "{} requests a month, each with {} input and {} output tokens, on demand, without caching or batching",
            format::quantity(volume.requests),
            format::quantity(volume.input_tokens),
            format::quantity(volume.output_tokens),
        ),
        calculator_href,
        where_to_buy,
        ..empty_page(Layout::bare(""), ids_value)
    };
    render_html(&page, StatusCode::OK)
}
