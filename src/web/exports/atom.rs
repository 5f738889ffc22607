//! The Atom feeds of the change log (`/changes.atom` under the page's filters, and one per
//! model at `/feeds/models/{id}`): one entry per day with changes of either source, newest
//! first, written as RFC 4287 XML.

use std::fmt::Write;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::store::Catalogue;
use crate::store::changes::filter::{ChangeFilter, FilteredDay, filtered_days};
use crate::store::changes::{ChangeKind, Day};
use crate::web::cache_control::CacheControl;
use crate::web::error::{AppError, AppResult};
use crate::web::extractors::changes::ChangesQuery;
use crate::web::extractors::params::{clip, encode};
use crate::web::format;
use crate::web::layout::{absolute, public_host};
use crate::web::pages::changes::{LARGE_MOVE_NOTE, day_summary, model_name, official_component};
use crate::web::pages::sections::history::{ComponentView, feed_url};
use crate::web::svg::escape;

/// Entries in a feed.
pub const FEED_DAYS: usize = 50;

/// `/changes.atom` under `filters`.
pub fn changes_feed(catalogue: &Catalogue, filters: &ChangesQuery) -> Response {
    let tag = tag();
    // The whole feed keeps its ids; a filtered feed is a feed of its own.
    let name = match filters.query() {
        q if q.is_empty() => "changes".to_string(),
        q => format!("changes?{}", tag_escape(&q)),
    };
    let entries = feed_entries(filtered_days(catalogue, catalogue.changes(), filters));
    atom_response(&AtomFeed {
        id: format!("{tag}{name}"),
        title: "tokenfare: LLM price changes".into(),
        subtitle: "Price cuts and increases, new and removed models on OpenRouter, and changes \
                   of the makers' and clouds' own list prices, day by day."
            .into(),
        self_href: filters.at("/changes.atom"),
        alternate_href: filters.href(),
        entry_id_prefix: format!("{tag}{name}/"),
        catalogue,
        entries,
        entry_href: |date| {
            let day = filters.with_range(Some(date), Some(date));
            format!("{}#{}", day.href(), crate::store::changes::anchor(date))
        },
    })
}

/// The feed of model `id`'s changes, for `/feeds/models/{id}` and `/models/{id}/changes.atom`
/// (whose id ends in `/changes.atom`: see [`strip_feed_suffix`]); 404 for an unknown id.
pub fn model_feed(catalogue: &Catalogue, id: &str) -> AppResult<Response> {
    let id = if catalogue.get(id).is_none() {
        strip_feed_suffix(id).unwrap_or(id)
    } else {
        id
    };
    if catalogue.get(id).is_none() {
        return Err(AppError::not_found(format!(
            "No model has the id “{}”.",
            clip(id)
        )));
    }
    let only_model = ChangeFilter {
        model: id.to_string(),
        ..ChangeFilter::default()
    };
    let entries = feed_entries(filtered_days(catalogue, catalogue.changes(), &only_model));
    let name = model_name(catalogue, id);
    let encoded_id = tag_escape(id);
    let tag = tag();
    let model_query = encode([("model", id.to_string())]);
    Ok(atom_response(&AtomFeed {
        id: format!("{tag}models/{encoded_id}/changes"),
        title: format!("tokenfare: price changes of {name}"),
        subtitle: format!(
            "Price changes and listing changes of {id} on OpenRouter, and of its makers' and \
             clouds' own list prices."
        ),
        self_href: feed_url(id),
        alternate_href: format!("/models/{id}"),
        entry_id_prefix: format!("{tag}models/{encoded_id}/changes/"),
        catalogue,
        entries,
        entry_href: |date| {
            let d = format::day(date);
            format!(
                "/changes?{model_query}&from={d}&to={d}#{}",
                crate::store::changes::anchor(date)
            )
        },
    }))
}

/// `openai/gpt-4o/changes.atom` -> `openai/gpt-4o`: the model page's wildcard route answers
/// `/models/{id}/changes.atom` with [`model_feed`]. `None` for any other path.
pub fn strip_feed_suffix(path: &str) -> Option<&str> {
    path.strip_suffix("/changes.atom")
        .filter(|id| !id.is_empty())
}

/// The tag URI prefix of feed and entry ids: the public host is the authority, as tag URIs
/// require a domain (`tag:tokenfare.example,2026:`).
fn tag() -> String {
    format!("tag:{},2026:", public_host())
}

pub fn atom_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Percent-encodes what a tag URI's specific part may not hold.
fn tag_escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:/@!$&'()*+,;=?".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// One feed: what it is called and where it lives, and its entries.
struct AtomFeed<'a, F: Fn(NaiveDate) -> String> {
    pub id: String,
    pub title: String,
    pub subtitle: String,
    pub self_href: String,
    pub alternate_href: String,
    pub entry_id_prefix: String,
    pub catalogue: &'a Catalogue,
    pub entries: Vec<FeedEntry<'a>>,
    /// The page an entry links to, by its day.
    pub entry_href: F,
}

/// One day of a feed: the catalogue's changes (when a listing was taken that day) and the
/// official list prices' changes.
struct FeedEntry<'a> {
    date: NaiveDate,
    as_of: DateTime<Utc>,
    day: Option<&'a Day>,
    changes: Vec<crate::store::changes::Change>,
    official: Vec<crate::store::official::view::DatedChange>,
}

/// The newest [`FEED_DAYS`] of `days` (newest first) with a change of either source.
fn feed_entries<'a>(days: impl Iterator<Item = FilteredDay<'a>>) -> Vec<FeedEntry<'a>> {
    days.filter(|d| !d.is_empty())
        .take(FEED_DAYS)
        .map(|d| {
            // A day's changes of the catalogue date it; a day of official changes alone is
            // as of its latest official change.
            let day = d.day.filter(|_| !d.changes.is_empty());
            FeedEntry {
                date: d.date,
                as_of: day.map(|day| day.as_of).unwrap_or_else(|| {
                    d.official
                        .iter()
                        .map(|c| c.as_of)
                        .max()
                        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
                }),
                day,
                changes: d.changes,
                official: d.official,
            }
        })
        .collect()
}

impl FeedEntry<'_> {
    fn summary(&self) -> String {
        day_summary(&self.changes, &self.official)
    }
}

fn atom_response<F: Fn(NaiveDate) -> String>(feed: &AtomFeed<'_, F>) -> Response {
    let updated = feed
        .entries
        .iter()
        .map(|e| e.as_of)
        .max()
        .or_else(|| feed.catalogue.changes().days().last().map(|d| d.as_of))
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let mut xml = String::with_capacity(8192);
    xml.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    xml.push('\n');
    let _ = write!(
        xml,
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><id>{}</id><title>{}</title><subtitle>{}</subtitle><updated>{}</updated><author><name>tokenfare</name></author><generator>tokenfare</generator><link rel="self" type="application/atom+xml" href="{}"/><link rel="alternate" type="text/html" href="{}"/>"#,
        escape(&feed.id),
        escape(&feed.title),
        escape(&feed.subtitle),
        atom_time(updated),
        escape(&absolute(&feed.self_href)),
        escape(&absolute(&feed.alternate_href)),
    );
    for entry in &feed.entries {
        let date = format::day(entry.date);
        let _ = write!(
            xml,
            r#"<entry><id>{}{date}</id><title>{date}: {}</title><updated>{}</updated><link rel="alternate" type="text/html" href="{}"/>"#,
            escape(&feed.entry_id_prefix),
            escape(&entry.summary()),
            atom_time(entry.as_of),
            escape(&absolute(&(feed.entry_href)(entry.date))),
        );
        let mut ids: Vec<&str> = entry
            .changes
            .iter()
            .map(|c| c.id.as_str())
            .chain(
                entry
                    .official
                    .iter()
                    .flat_map(|c| c.models.iter().map(String::as_str)),
            )
            .collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            let _ = write!(
                xml,
                r#"<link rel="related" type="text/html" href="{}" title="{}"/>"#,
                escape(&absolute(&format!("/models/{id}"))),
                escape(id),
            );
        }
        let _ = write!(
            xml,
            r#"<summary type="text">{}</summary><content type="html">{}</content></entry>"#,
            escape(&text_summary(feed.catalogue, entry)),
            escape(&html_content(feed.catalogue, entry)),
        );
    }
    xml.push_str("</feed>\n");
    CacheControl::PublicFor(300).apply(
        (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            xml,
        )
            .into_response(),
    )
}

/// What an entry's changes are measured against. A day of official changes alone is measured
/// against the official prices before it, whether or not OpenRouter's catalogue was read
/// that day.
fn compared_with(entry: &FeedEntry<'_>) -> String {
    if entry.changes.is_empty() {
        return "the official list prices before".into();
    }
    let Some(day) = entry.day else {
        return "nothing on OpenRouter (no listing was taken that day)".into();
    };
    match day.previous {
        Some(previous) if previous + Duration::days(1) == day.date => "the day before".into(),
        Some(previous) => format!("{} (the last day with data)", format::day(previous)),
        None => "nothing (the first day on record)".into(),
    }
}

fn text_summary(catalogue: &Catalogue, entry: &FeedEntry<'_>) -> String {
    let names: Vec<String> = entry
        .changes
        .iter()
        .map(|c| model_name(catalogue, &c.id))
        .chain(
            entry
                .official
                .iter()
                .map(|c| format!("{} {} (official)", c.seller, c.entry_id)),
        )
        .collect();
    let more = if names.len() > 10 { ", …" } else { "" };
    format!(
        "{} on {} compared with {}: {}{more}.",
        format::capitalise(&entry.summary()),
        format::day(entry.date),
        compared_with(entry),
        names[..names.len().min(10)].join(", ")
    )
}

/// "Input: $1.00/M → $0.80/M (−20%)", with the large-move note when `flag_large` and it is one.
fn component_line(v: &ComponentView, flag_large: bool) -> String {
    let mut pct = if v.percent.is_empty() {
        String::new()
    } else {
        format!(" ({})", v.percent)
    };
    if flag_large && v.large_move {
        pct = format!("{pct} [{LARGE_MOVE_NOTE}]");
    }
    format!("{}: {} → {}{pct}", v.label, v.old, v.new)
}

/// The entry's content: the day's changes as an HTML list (escaped once more by the caller
/// for `type="html"`).
fn html_content(catalogue: &Catalogue, entry: &FeedEntry<'_>) -> String {
    let model_link = |id: &str| {
        format!(
            r#"<a href="{}">{}</a>"#,
            escape(&absolute(&format!("/models/{id}"))),
            escape(&model_name(catalogue, id))
        )
    };
    let mut html = format!(
        "<p>Compared with {}.</p><ul>",
        escape(&compared_with(entry))
    );
    for change in &entry.changes {
        let link = format!(
            r#"{} <code>{}</code>"#,
            model_link(&change.id),
            escape(&change.id)
        );
        match change.kind {
            ChangeKind::Added => {
                let _ = write!(html, "<li>New: {link}</li>");
            }
            ChangeKind::Returned => {
                let _ = write!(html, "<li>Returned: {link}</li>");
            }
            ChangeKind::Removed => {
                let _ = write!(html, "<li>Removed: {link}</li>");
            }
            ChangeKind::Price => {
                let parts: Vec<String> = change
                    .components
                    .iter()
                    .map(|c| escape(&component_line(&ComponentView::new(c), true)))
                    .collect();
                let _ = write!(html, "<li>{link}: {}</li>", parts.join("; "));
            }
        }
    }
    html.push_str("</ul>");
    if !entry.official.is_empty() {
        html.push_str(
            "<p>Official list prices (the makers' and clouds' own, from genai-prices):</p><ul>",
        );
        for change in &entry.official {
            let models: Vec<String> = change
                .models
                .iter()
                .map(|id| format!(" {}", model_link(id)))
                .collect();
            let what = match change.kind {
                ChangeKind::Added | ChangeKind::Returned => "new entry".to_string(),
                ChangeKind::Removed => "entry removed".to_string(),
                ChangeKind::Price if change.components.is_empty() => {
                    "dated or announced prices changed".to_string()
                }
                ChangeKind::Price => change
                    .components
                    .iter()
                    .map(|c| component_line(&official_component(c), false))
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            let _ = write!(
                html,
                "<li>Official, {} <code>{}</code>{}: {}</li>",
                escape(&change.seller),
                escape(&change.entry_id),
                models.join(","),
                escape(&what)
            );
        }
        html.push_str("</ul>");
    }
    html
}
