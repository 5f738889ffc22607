//! `/usage?format=json` (on the POST and on a share link's GET): the answer as data, under
//! the names issue 27 fixes, and `traffic`: what was read per exported name, band by band. Token counts are integers, money decimal strings by the one
//! rounding rule (`format::plain`), a count the export does not give `null`.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::pricing::usage::{ModelBill, UnresolvedName};
use crate::usage::NameTraffic;
use crate::web::format;
use crate::web::handlers::usage::Answer;
use crate::web::layout::absolute;

fn money(value: Option<Decimal>) -> Option<String> {
    value.map(format::plain)
}

/// The whole answer: what was read, each model at every seller, the unresolved names, the
/// totals, the other models and the share link.
pub fn json(answer: &Answer) -> Value {
    let (reading, bill) = (&answer.reading, &answer.bill);
    json!({
        "format": reading.format.key(),
        "format_name": reading.format.name(),
        "rows_read": reading.rows_read,
        "rows_skipped": reading.rows_skipped,
        "skipped": reading
            .skipped
            .iter()
            .map(|s| json!({"line": s.line, "reason": s.reason}))
            .collect::<Vec<_>>(),
        "period": reading.period.map(|p| json!({
            "from": p.from.to_string(),
            "to": p.to.to_string(),
            "days": p.days(),
        })),
        "traffic": reading.traffic.iter().map(traffic).collect::<Vec<_>>(),
        "models": bill.models.iter().map(model).collect::<Vec<_>>(),
        "unresolved": bill.unresolved.iter().map(unresolved).collect::<Vec<_>>(),
        "totals": {
            "as_exported": money(bill.totals.as_exported),
            "cheapest_sellers": money(bill.totals.cheapest_sellers),
            "export_cost": money(bill.totals.export_cost),
        },
        "alternatives": bill.alternatives.iter().map(|a| json!({
            "id": a.id,
            "cost": format::plain(a.cost),
            "quality": a.quality,
            "left_out": a.left_out,
            "quality_pick": a.quality_pick,
        })).collect::<Vec<_>>(),
        "share_url": answer.share_url.as_deref().map(absolute),
        "notes": {
            "proxy_cache_hits": reading.notes.proxy_cache_hits,
            "failed_requests": reading.notes.failed_requests,
            "batch_unstated": reading.notes.batch_unstated,
            "batch_apportioned": reading.notes.batch_apportioned,
            "pages_with_more": reading.notes.pages_with_more,
        },
    })
}

fn model(m: &ModelBill) -> Value {
    let known = |count: u64| m.requests_known.then_some(count);
    let names: Vec<&str> = m.spellings.iter().map(|(name, _)| name.as_str()).collect();
    let rules: Vec<&str> = m.spellings.iter().map(|(_, rule)| rule.as_str()).collect();
    json!({
        "name": names.join(", "),
        "id": m.id,
        "rule": rules.join("; "),
        "requests": known(m.total.requests),
        "input_tokens": m.total.uncached_input,
        "cache_read_tokens": m.total.cache_read,
        "cache_write_5m_tokens": m.total.cache_write_5m,
        "cache_write_1h_tokens": m.total.cache_write_1h,
        "output_tokens": m.total.output,
        "batch_requests": known(m.batch_requests),
        "export_cost": money(m.export_cost),
        "tier_by": m.tier_by.iter().map(|t| t.key()).collect::<Vec<_>>(),
        "as_exported": m.as_exported.as_ref().map(|a| json!({
            "seller": a.seller,
            "cost": format::plain(a.cost),
        })),
        "sellers": m.sellers.iter().map(|s| json!({
            "seller": s.seller.key(),
            "kind": s.seller.kind().key(),
            "cost": format::plain(s.cost),
            "cheapest": s.cheapest,
        })).collect::<Vec<_>>(),
    })
}

fn unresolved(u: &UnresolvedName) -> Value {
    json!({
        "name": u.name,
        "variant": u.variant,
        "reason": u.reason,
        "requests": u.requests_known.then_some(u.total.requests),
        "input_tokens": u.total.uncached_input,
        "output_tokens": u.total.output,
        "export_cost": money(u.export_cost),
    })
}

/// What was read for one exported name and place, band by band.
fn traffic(entry: &NameTraffic) -> Value {
    let total = entry.total();
    let known = |count: u64| entry.requests_known.then_some(count);
    json!({
        "name": entry.name,
        "variant": entry.variant,
        "ran_at": {
            "kind": entry.ran_at.kind(),
            "seller_key": entry.ran_at.seller().map(|seller| seller.key()),
            "detail": entry.ran_at.detail(),
        },
        "requests_known": entry.requests_known,
        "requests": known(total.requests),
        "input_tokens": total.uncached_input,
        "cache_read_tokens": total.cache_read,
        "cache_write_5m_tokens": total.cache_write_5m,
        "cache_write_1h_tokens": total.cache_write_1h,
        "output_tokens": total.output,
        "batch_requests": known(entry.batch_requests()),
        "export_cost": entry.export_cost.map(format::plain),
        "bands": entry.bands.iter().map(|band| json!({
            "prompt_tokens_from": band.prompt_tokens_from,
            "batch": band.batch,
            "tier_by": band.tier_by.key(),
            "requests": band.requests_known.then_some(band.sums.requests),
            "input_tokens": band.sums.uncached_input,
            "cache_read_tokens": band.sums.cache_read,
            "cache_write_5m_tokens": band.sums.cache_write_5m,
            "cache_write_1h_tokens": band.sums.cache_write_1h,
            "output_tokens": band.sums.output,
        })).collect::<Vec<_>>(),
    })
}
