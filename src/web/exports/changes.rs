//! `/api/changes.json`: one day's changes of either source as data, every price per unit as
//! an exact decimal string.

use serde_json::{Value, json};

use super::atom::atom_time;
use crate::feed::Feed;
use crate::store::Catalogue;
use crate::store::changes::{Change, ComponentChange, Day};
use crate::store::official::view::{BATCH_CONDITION, DatedChange};
use crate::web::error::{AppError, AppResult};
use crate::web::extractors::changes::ChangesDayQuery;
use crate::web::format;

/// The day's changes of the sources `query` keeps; 404 for a day without a successful ingest.
pub fn day(catalogue: &Catalogue, query: &ChangesDayQuery) -> AppResult<Value> {
    let ChangesDayQuery { date, source } = *query;
    let keeps = |s: Feed| source.is_none_or(|only| only == s);
    let day = catalogue.changes().day(date);
    let official = catalogue.official();
    if day.is_none() && !official.recorded_on(date) {
        return Err(AppError::not_found(format!(
            "No successful ingest is recorded for {}.",
            format::day(date)
        )));
    }
    let mut changes: Vec<Value> = day
        .filter(|_| keeps(Feed::OpenRouterCatalogue))
        .map(|d| d.changes.as_slice())
        .unwrap_or_default()
        .iter()
        .map(change_json)
        .collect();
    changes.extend(
        official
            .dated_changes()
            .iter()
            .filter(|c| c.date == date && keeps(Feed::Official))
            .map(official_json),
    );
    Ok(json!({
        "date": format::day(date),
        "as_of": day.map(|d| atom_time(d.as_of)),
        "previous_date": day.and_then(|d| d.previous).map(format::day),
        "baseline": day.is_some_and(Day::is_baseline),
        "listed": day.map(|d| d.listed),
        "changes": changes,
    }))
}

/// One moved component as data, for both sources: its key, old and new price per unit as
/// exact decimal strings, and its long-context tier. Each source adds how it marks conditions.
fn component_json(comp: &ComponentChange) -> Value {
    let mut value = json!({
        "name": comp.key,
        "old": comp.old.map(|p| p.to_string()),
        "new": comp.new.map(|p| p.to_string()),
    });
    if let Some(min) = comp.min_prompt_tokens {
        value["min_prompt_tokens"] = min.into();
    }
    value
}

/// Every moved component as data, each marked by its source's `mark`.
fn components_json(
    components: &[ComponentChange],
    mark: impl Fn(&ComponentChange, &mut Value),
) -> Vec<Value> {
    components
        .iter()
        .map(|comp| {
            let mut value = component_json(comp);
            mark(comp, &mut value);
            value
        })
        .collect()
}

/// One catalogue change as data: the model, the kind, and each moved component with
/// OpenRouter's conditions as written.
pub fn change_json(change: &Change) -> Value {
    let components = components_json(&change.components, |comp, value| {
        if let Some(conditions) = &comp.conditions {
            value["conditions"] = conditions.clone().into();
        }
    });
    json!({
        "source": Feed::OpenRouterCatalogue.source_key(),
        "id": change.id,
        "kind": change.kind.as_str(),
        "components": components,
    })
}

/// One official change as data: the feed's provider and entry, the seller, the models matched
/// to it, and each moved component (`batch` marks the batch price).
pub fn official_json(change: &DatedChange) -> Value {
    let components = components_json(&change.components, |comp, value| {
        if comp.conditions.as_deref() == Some(BATCH_CONDITION) {
            value["batch"] = true.into();
        }
    });
    json!({
        "source": Feed::Official.source_key(),
        "provider": change.provider_id,
        "entry": change.entry_id,
        "seller": change.seller,
        "models": change.models,
        "kind": change.kind.as_str(),
        "as_of": atom_time(change.as_of),
        "announced_price_changed": change.announced,
        "components": components,
    })
}
