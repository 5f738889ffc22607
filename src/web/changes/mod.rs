//! `/changes` (price cuts and increases, new and removed models, day by day), its Atom
//! feeds (`/changes.atom`, and one per model), and `/api/changes.json?date=`.
//!
//! Each handler reads its query ([`query`]), lets [`crate::store::changes::filter`] pick the
//! changes, and renders them: the page ([`view`]), a feed ([`atom`]) or data ([`json`]).
//!
//! Model feeds are served at `/feeds/models/{id}`. `/models/{id}/changes.atom` belongs to
//! the model page's wildcard route: its handler calls [`strip_feed_suffix`] on the id and,
//! on a match, returns [`model_feed`] for the id it yields.

mod atom;
mod json;
pub mod query;
pub mod view;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};

use super::error::{AppError, AppResult, render_html};
use super::history::{self, ymd};
use super::params::{Params, clip, encode};
use crate::AppState;
use crate::feed::Feed;
use crate::store::changes::Day;
use crate::store::changes::filter::{ChangeFilter, filtered_days};
use atom::{AtomFeed, atom_response, atom_time, feed_entries, tag, tag_escape};
pub use query::{ChangeFilters, parse_ymd};
pub use view::{ChangesPage, LARGE_MOVE_NOTE, official_component, official_summary, summary};

/// The kinds a reader can filter on.
pub const KINDS: &[(&str, &str)] = &[
    ("price", "price changes"),
    ("cut", "price cuts"),
    ("increase", "price increases"),
    ("added", "new models"),
    ("returned", "returned models"),
    ("removed", "removed models"),
];

/// The sources a reader can filter on: (value, label).
pub const SOURCES: &[(&str, &str)] = &[
    ("openrouter", "OpenRouter's catalogue"),
    ("official", "official list prices"),
];

/// Day sections on one page; older days are a link away.
pub const DAYS_PER_PAGE: usize = 60;

/// Entries in a feed.
pub const FEED_DAYS: usize = 50;

/// `GET /changes`.
pub async fn page(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (filters, errors) = ChangeFilters::parse(&params, &catalogue);
    let status = errors.status();
    render_html(&ChangesPage::build(&catalogue, filters, errors), status)
}

/// `GET /changes.atom`: one entry per day with changes, newest first, under the same filters
/// as `/changes`; a filter that does not read is a 400.
pub async fn feed(State(state): State<AppState>, RawQuery(query): RawQuery) -> AppResult<Response> {
    let catalogue = state.catalogue();
    let params = Params::parse(query.as_deref());
    let (filters, errors) = ChangeFilters::parse(&params, &catalogue);
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let tag = tag();
    // The whole feed keeps its ids; a filtered feed is a feed of its own.
    let name = match filters.query() {
        q if q.is_empty() => "changes".to_string(),
        q => format!("changes?{}", tag_escape(&q)),
    };
    let entries = feed_entries(filtered_days(&catalogue, catalogue.changes(), &filters));
    Ok(atom_response(&AtomFeed {
        id: format!("{tag}{name}"),
        title: "tokenfare: LLM price changes".into(),
        subtitle: "Price cuts and increases, new and removed models on OpenRouter, and changes \
                   of the makers' and clouds' own list prices, day by day."
            .into(),
        self_href: filters.at("/changes.atom"),
        alternate_href: filters.href(),
        entry_id_prefix: format!("{tag}{name}/"),
        catalogue: &catalogue,
        entries,
        entry_href: |date| {
            let day = filters.with_range(Some(date), Some(date));
            format!("{}#{}", day.href(), crate::store::changes::anchor(date))
        },
    }))
}

/// `GET /feeds/models/{*id}`: the Atom feed of one model's changes. Also what the model
/// page's handler returns for `/models/{id}/changes.atom` (see [`strip_feed_suffix`]).
pub async fn model_feed(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let catalogue = state.catalogue();
    let id = if catalogue.get(&id).is_none() {
        strip_feed_suffix(&id).unwrap_or(&id).to_string()
    } else {
        id
    };
    if catalogue.get(&id).is_none() {
        return AppError::not_found(format!("No model has the id “{}”.", clip(&id)))
            .into_response();
    }
    let only_model = ChangeFilter {
        model: id.clone(),
        ..ChangeFilter::default()
    };
    let entries = feed_entries(filtered_days(&catalogue, catalogue.changes(), &only_model));
    let name = view::model_name(&catalogue, &id);
    let encoded_id = tag_escape(&id);
    let tag = tag();
    let model_query = encode([("model", id.clone())]);
    atom_response(&AtomFeed {
        id: format!("{tag}models/{encoded_id}/changes"),
        title: format!("tokenfare: price changes of {name}"),
        subtitle: format!(
            "Price changes and listing changes of {id} on OpenRouter, and of its makers' and \
             clouds' own list prices."
        ),
        self_href: history::feed_url(&id),
        alternate_href: format!("/models/{id}"),
        entry_id_prefix: format!("{tag}models/{encoded_id}/changes/"),
        catalogue: &catalogue,
        entries,
        entry_href: |date| {
            let d = ymd(date);
            format!(
                "/changes?{model_query}&from={d}&to={d}#{}",
                crate::store::changes::anchor(date)
            )
        },
    })
}

/// `openai/gpt-4o/changes.atom` -> `openai/gpt-4o`: for the model page's wildcard route,
/// so `/models/{id}/changes.atom` serves [`model_feed`]. `None` for any other path.
pub fn strip_feed_suffix(path: &str) -> Option<&str> {
    path.strip_suffix("/changes.atom")
        .filter(|id| !id.is_empty())
}

/// `GET /api/changes.json?date=YYYY-MM-DD`: that day's changes as data. A day without a
/// successful ingest is 404; a recorded day without changes is an empty list; the first
/// recorded day is the baseline (`"baseline": true`, no changes).
pub async fn api(State(state): State<AppState>, RawQuery(query): RawQuery) -> AppResult<Response> {
    let params = Params::parse(query.as_deref());
    let Some(text) = params.get("date") else {
        return Err(AppError::invalid(
            "date",
            "The date is required, as YYYY-MM-DD.",
        ));
    };
    let Some(date) = parse_ymd(text) else {
        return Err(AppError::invalid(
            "date",
            format!("The date must be YYYY-MM-DD (got “{}”).", clip(text)),
        ));
    };
    // `source` keeps one source's changes, as on the page; absent or `all` keeps both.
    let source = query::source_param(&params).map_err(|m| AppError::invalid("source", m))?;
    let keeps = |s: Feed| source.is_none_or(|only| only == s);
    let catalogue = state.catalogue();
    let day = catalogue.changes().day(date);
    let official = catalogue.official();
    if day.is_none() && !official.recorded_on(date) {
        return Err(AppError::not_found(format!(
            "No successful ingest is recorded for {}.",
            ymd(date)
        )));
    }
    let mut changes: Vec<serde_json::Value> = day
        .filter(|_| keeps(Feed::OpenRouterCatalogue))
        .map(|d| d.changes.as_slice())
        .unwrap_or_default()
        .iter()
        .map(json::change_json)
        .collect();
    changes.extend(
        official
            .dated_changes()
            .iter()
            .filter(|c| c.date == date && keeps(Feed::Official))
            .map(json::official_json),
    );
    Ok(Json(serde_json::json!({
        "date": ymd(date),
        "as_of": day.map(|d| atom_time(d.as_of)),
        "previous_date": day.and_then(|d| d.previous).map(ymd),
        "baseline": day.is_some_and(Day::is_baseline),
        "listed": day.map(|d| d.listed),
        "changes": changes,
    }))
    .into_response())
}
