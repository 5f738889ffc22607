//! The calculator's address: one type that every link into `/calculator` is built from
//! (home, guide, ranking, compare, model page, the calculator's own examples), and the
//! example workloads, defined once.
//!
//! Written by hand rather than through `serde_urlencoded`: the parameter order is part of
//! the public, bookmarked URL, and zero shares are left out so links stay short.

use std::sync::LazyLock;

use rust_decimal::Decimal;

use crate::pricing::calculator::Workload;
use crate::pricing::sellers::Sellers;
use crate::web::extractors::params::encode;
use crate::web::extractors::where_to_buy::FilterQuery;

/// A link into the calculator. Shares are percent (0–100), as typed in the form. Volumes
/// are decimals because the form accepts averages such as 1,500.5 tokens, and a link built
/// from a parsed form must say exactly what was parsed ([`volume`] writes a whole one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CalculatorQuery {
    pub requests: Option<Decimal>,
    pub input_tokens: Option<Decimal>,
    pub output_tokens: Option<Decimal>,
    pub cache_hit: Option<Decimal>,
    pub cache_write: Option<Decimal>,
    pub batch: Option<Decimal>,
    pub discount: Option<Decimal>,
    pub reasoning_tokens: Option<Decimal>,
    /// The models to price; empty means every model.
    pub ids: Vec<String>,
    /// Which sellers; the routed price (the default) leaves the parameter out.
    pub sellers: Sellers,
    /// `separate=1`: a batch listing among `ids` is a row of its own, not folded into its
    /// base's batch share.
    pub separate: bool,
    /// The seller filters (`full_precision`, `dc`, `maker_and_clouds`, …), written last.
    pub filters: FilterQuery,
}

const fn percent(n: u32) -> Option<Decimal> {
    Some(Decimal::from_parts(n, 0, 0, false, 0))
}

/// A whole volume, for links written by hand: `requests: volume(100_000)`.
pub const fn volume(n: u64) -> Option<Decimal> {
    Some(Decimal::from_parts(n as u32, (n >> 32) as u32, 0, false, 0))
}

const NOTHING: CalculatorQuery = CalculatorQuery {
    requests: None,
    input_tokens: None,
    output_tokens: None,
    cache_hit: None,
    cache_write: None,
    batch: None,
    discount: None,
    reasoning_tokens: None,
    ids: Vec::new(),
    sellers: Sellers::Routed,
    separate: false,
    filters: FilterQuery {
        dc: String::new(),
        hq: String::new(),
        min_uptime: String::new(),
        full_precision: false,
        tools: false,
        structured_outputs: false,
        maker_and_clouds: false,
    },
};

/// A ready-made workload, offered as a link that fills the form.
pub struct Example {
    pub title: &'static str,
    pub blurb: &'static str,
    pub query: CalculatorQuery,
}

/// The example workloads. The first is the default: what the calculator shows before the
/// reader describes a workload, and what fills a link that names no volume.
pub static EXAMPLES: LazyLock<Vec<Example>> = LazyLock::new(|| {
    vec![
        Example {
            title: "Chat assistant",
            blurb: "100k conversations a month; the history is re-sent, so half the input hits the cache.",
            query: CalculatorQuery {
                requests: volume(100_000),
                input_tokens: volume(2_000),
                output_tokens: volume(500),
                cache_hit: percent(50),
                ..NOTHING
            },
        },
        Example {
            title: "Retrieval over long documents",
            blurb: "20k questions, each with 60k tokens of retrieved passages and a short answer.",
            query: CalculatorQuery {
                requests: volume(20_000),
                input_tokens: volume(60_000),
                output_tokens: volume(800),
                cache_hit: percent(10),
                ..NOTHING
            },
        },
        Example {
            title: "Coding agent",
            blurb: "200k agent steps re-sending a large system prompt and repository context, \
                mostly from the cache, with reasoning.",
            query: CalculatorQuery {
                requests: volume(200_000),
                input_tokens: volume(30_000),
                output_tokens: volume(1_500),
                reasoning_tokens: volume(2_000),
                cache_hit: percent(80),
                cache_write: percent(5),
                ..NOTHING
            },
        },
        Example {
            title: "Offline classification",
            blurb: "5 million short items labelled overnight, all through the batch listing.",
            query: CalculatorQuery {
                requests: volume(5_000_000),
                input_tokens: volume(400),
                output_tokens: volume(10),
                batch: percent(100),
                ..NOTHING
            },
        },
    ]
});

impl CalculatorQuery {
    /// The default workload (the first example).
    pub fn default_workload() -> CalculatorQuery {
        EXAMPLES[0].query.clone()
    }

    /// The default workload's volumes only: on demand, no caching, no discount.
    pub fn default_volume() -> CalculatorQuery {
        let default = Self::default_workload();
        CalculatorQuery {
            requests: default.requests,
            input_tokens: default.input_tokens,
            output_tokens: default.output_tokens,
            ..NOTHING
        }
    }

    /// These models, priced for the default workload.
    pub fn for_models<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> CalculatorQuery {
        CalculatorQuery {
            ids: ids.into_iter().map(Into::into).collect(),
            ..CalculatorQuery::default()
        }
    }

    /// With any missing volume taken from the default workload, so a link never lands
    /// on "Enter the requests per month". A link with no volume at all is left as it is:
    /// the calculator then shows the default workload, marked as the example.
    pub fn completed(&self) -> CalculatorQuery {
        if self.requests.is_none() && self.input_tokens.is_none() && self.output_tokens.is_none() {
            return self.clone();
        }
        let default = Self::default_workload();
        CalculatorQuery {
            requests: self.requests.or(default.requests),
            input_tokens: self.input_tokens.or(default.input_tokens),
            output_tokens: self.output_tokens.or(default.output_tokens),
            ..self.clone()
        }
    }

    /// (parameter, value) in the calculator's public names and order; zero and absent
    /// optional values are left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.workload_pairs();
        pairs.extend([
            ("ids", self.ids.join(",")),
            (
                "sellers",
                match self.sellers {
                    Sellers::Routed => String::new(),
                    other => other.key().to_string(),
                },
            ),
            ("separate", if self.separate { "1" } else { "" }.to_string()),
        ]);
        pairs.extend(self.filters.pairs());
        pairs
    }

    /// The workload's own pairs (volumes and shares), the first of [`CalculatorQuery::pairs`]:
    /// what another page's form carries as hidden fields to keep the reader's workload.
    pub fn workload_pairs(&self) -> Vec<(&'static str, String)> {
        let volume = |v: Option<Decimal>| v.map(|v| v.normalize().to_string()).unwrap_or_default();
        // Shares and reasoning tokens: left out when zero.
        let share = |v: Option<Decimal>| {
            v.filter(|v| !v.is_zero())
                .map(|v| v.normalize().to_string())
                .unwrap_or_default()
        };
        vec![
            ("requests", volume(self.requests)),
            ("input_tokens", volume(self.input_tokens)),
            ("output_tokens", volume(self.output_tokens)),
            ("cache_hit", share(self.cache_hit)),
            ("cache_write", share(self.cache_write)),
            ("batch", share(self.batch)),
            ("discount", share(self.discount)),
            ("reasoning_tokens", share(self.reasoning_tokens)),
        ]
    }

    /// `/calculator?requests=…`, completed with the default volume where it has none.
    pub fn href(&self) -> String {
        format!("/calculator?{}", encode(self.completed().pairs()))
    }

    /// `/calculator/bill?…&id=ID`: listing `id`'s itemised bill for this workload (at every
    /// seller, cheapest first, with `sellers=all`), completed with the default volume.
    pub fn bill_href(&self, id: &str) -> String {
        let mut pairs = self.completed().pairs();
        pairs.push(("id", id.to_string()));
        format!("/calculator/bill?{}", encode(pairs))
    }

    /// The workload this link describes (shares as fractions), for pages that price it
    /// themselves.
    pub fn workload(&self) -> Workload {
        let q = if self.requests.is_none() {
            Self::default_workload()
        } else {
            self.completed()
        };
        let hundred = Decimal::ONE_HUNDRED;
        let share = |v: Option<Decimal>| v.unwrap_or_default() / hundred;
        Workload {
            requests: q.requests.unwrap_or_default(),
            input_tokens: q.input_tokens.unwrap_or_default(),
            output_tokens: q.output_tokens.unwrap_or_default(),
            reasoning_tokens: q.reasoning_tokens.unwrap_or_default(),
            cache_hit: share(q.cache_hit),
            cache_write: share(q.cache_write),
            batch: share(q.batch),
            discount: share(q.discount),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_leave_out_unused_fields_and_keep_the_public_order() {
        let link = CalculatorQuery {
            requests: volume(50_000),
            input_tokens: volume(20_000),
            output_tokens: volume(800),
            cache_hit: percent(70),
            ..NOTHING
        };
        assert_eq!(
            link.href(),
            "/calculator?requests=50000&input_tokens=20000&output_tokens=800&cache_hit=70"
        );
    }

    #[test]
    fn a_link_without_volume_gets_the_default_workload() {
        // Only models: the calculator shows them for its example workload.
        assert_eq!(
            CalculatorQuery::for_models(["a/b", "c/d"]).href(),
            "/calculator?ids=a%2Fb%2Cc%2Fd"
        );
        // A shape without a request count: the count is the default's, the shape is kept.
        assert_eq!(
            CalculatorQuery {
                input_tokens: volume(3000),
                output_tokens: volume(1000),
                ..NOTHING
            }
            .href(),
            "/calculator?requests=100000&input_tokens=3000&output_tokens=1000"
        );
    }
}
