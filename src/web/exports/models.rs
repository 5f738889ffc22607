//! `/api/models.json` and `/api/models.csv`: the listings the catalogue filters select, as
//! exported data (plain decimals, per million and per token).

use axum::response::Response;
use serde_json::{Value, json};

use super::csv;
use crate::model::price::Price;
use crate::store::Catalogue;
use crate::store::listing::export_listings;
use crate::web::extractors::catalogue::CatalogueQuery;
use crate::web::format;
use crate::web::pages::about::catalogue_source;

/// One listing as exported data.
#[derive(serde::Serialize)]
pub struct ExportRow {
    pub id: String,
    pub base_id: String,
    pub variant: String,
    pub name: String,
    pub author: String,
    pub active: bool,
    pub context_length: Option<u64>,
    pub max_completion_tokens: Option<u64>,
    pub input_modalities: String,
    pub intelligence_index: Option<f64>,
    pub input_per_million_usd: String,
    pub output_per_million_usd: String,
    pub cache_read_per_million_usd: String,
    pub prompt_per_token: String,
    pub completion_per_token: String,
    pub input_cache_read_per_token: String,
}

fn export_price(price: Option<Price>) -> (String, String) {
    match price {
        None => (String::new(), String::new()),
        Some(Price::Variable) => ("variable".into(), "-1".into()),
        Some(Price::Usd(v)) => (format::plain(format::per_million(v)), v.to_string()),
    }
}

fn export_rows(catalogue: &Catalogue, filters: &CatalogueQuery) -> Vec<ExportRow> {
    export_listings(catalogue, filters)
        .into_iter()
        .map(|e| {
            let m = &e.model;
            let (input_m, input_t) = export_price(m.pricing.base.prompt);
            let (output_m, output_t) = export_price(m.pricing.base.completion);
            let (cache_m, cache_t) = export_price(m.pricing.base.input_cache_read);
            ExportRow {
                id: m.id.clone(),
                base_id: e.group.clone(),
                variant: m.variant.label().to_string(),
                name: m.name.clone(),
                author: m.author.clone(),
                active: e.active,
                context_length: m.context_length,
                max_completion_tokens: m.max_completion_tokens,
                input_modalities: m.input_modalities.join(" "),
                intelligence_index: m.quality.intelligence,
                input_per_million_usd: input_m,
                output_per_million_usd: output_m,
                cache_read_per_million_usd: cache_m,
                prompt_per_token: input_t,
                completion_per_token: output_t,
                input_cache_read_per_token: cache_t,
            }
        })
        .collect()
}

/// `/api/models.json`: the listings `filters` select, with the catalogue's date and source.
pub fn json(catalogue: &Catalogue, filters: &CatalogueQuery) -> Value {
    let rows = export_rows(catalogue, filters);
    json!({
        "as_of": catalogue.freshness.as_of().map(|t| t.to_rfc3339()),
        "source": catalogue_source(catalogue),
        "count": rows.len(),
        "models": rows,
    })
}

/// `/api/models.csv`: the same listings, one row each, shown inline.
pub fn csv(catalogue: &Catalogue, filters: &CatalogueQuery) -> Response {
    let mut out = String::from(
        "id,base_id,variant,name,author,active,context_length,max_completion_tokens,input_modalities,\
         intelligence_index,input_per_million_usd,output_per_million_usd,cache_read_per_million_usd,\
         prompt_per_token,completion_per_token,input_cache_read_per_token\n",
    );
    for r in export_rows(catalogue, filters) {
        let fields = [
            r.id,
            r.base_id,
            r.variant,
            r.name,
            r.author,
            r.active.to_string(),
            r.context_length.map(|v| v.to_string()).unwrap_or_default(),
            r.max_completion_tokens
                .map(|v| v.to_string())
                .unwrap_or_default(),
            r.input_modalities,
            r.intelligence_index
                .map(|v| v.to_string())
                .unwrap_or_default(),
            r.input_per_million_usd,
            r.output_per_million_usd,
            r.cache_read_per_million_usd,
            r.prompt_per_token,
            r.completion_per_token,
            r.input_cache_read_per_token,
        ];
        csv::push_row(&mut out, &fields);
    }
    csv::response(out, "tokenfare-models.csv", csv::Disposition::Inline)
}
