//! `POST /usage?format=json`: what was read from an export, as data. Token counts are
//! integers, the export's own cost a decimal string (`format::plain`), a count the export
//! does not give `null`.

use serde_json::{Value, json};

use crate::usage::{NameTraffic, Reading};
use crate::web::format;

/// The reading: format, rows read and skipped, the period, and the traffic per exported name.
pub fn json(reading: &Reading) -> Value {
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
        "notes": {
            "proxy_cache_hits": reading.notes.proxy_cache_hits,
            "failed_requests": reading.notes.failed_requests,
            "batch_unstated": reading.notes.batch_unstated,
            "batch_apportioned": reading.notes.batch_apportioned,
            "pages_with_more": reading.notes.pages_with_more,
        },
    })
}

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
