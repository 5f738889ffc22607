//! Where a price is fetched from: every feed we ingest, and every spelling a feed is published
//! or stored under (the `/changes` filter and its JSON, the price tags' `source`, the command
//! line's `--source`, the run-log tables, the log lines), written here once.
//!
//! A feed is where we fetch; who bills the price is a [`crate::seller::Seller`].

/// One upstream feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feed {
    /// OpenRouter's model catalogue (`/models`): the routed prices.
    OpenRouterCatalogue,
    /// OpenRouter's per-model provider endpoints (`/models/{id}/endpoints`): each provider's price.
    OpenRouterEndpoints,
    /// OpenRouter's list of upstream providers (`/providers`): who they are and where they run.
    OpenRouterProviders,
    /// The makers' and clouds' own list prices (the genai-prices database).
    Official,
}

impl Feed {
    pub const ALL: [Feed; 4] = [
        Feed::OpenRouterCatalogue,
        Feed::OpenRouterEndpoints,
        Feed::OpenRouterProviders,
        Feed::Official,
    ];

    /// The feeds a reader or an operator names with `source=`: OpenRouter (the catalogue, which
    /// heads its chain) and the official list.
    pub const SOURCES: [Feed; 2] = [Feed::OpenRouterCatalogue, Feed::Official];

    /// The `source` value of `/changes`, its feeds and JSON, and the command line's `--source`:
    /// `openrouter` for every OpenRouter feed, `official` for the official list.
    pub fn source_key(self) -> &'static str {
        match self {
            Feed::OpenRouterCatalogue | Feed::OpenRouterEndpoints | Feed::OpenRouterProviders => {
                "openrouter"
            }
            Feed::Official => "official",
        }
    }

    /// The feed a `source` value names (see [`Feed::SOURCES`]).
    pub fn parse_source(key: &str) -> Option<Feed> {
        Feed::SOURCES.into_iter().find(|f| f.source_key() == key)
    }

    /// Who publishes the data, as the price tags and exports name it: `openrouter` or
    /// `genai-prices`.
    pub fn publisher(self) -> &'static str {
        match self {
            Feed::Official => "genai-prices",
            _ => "openrouter",
        }
    }

    /// The table every attempt to refresh the feed is logged in.
    pub fn log_table(self) -> &'static str {
        match self {
            Feed::OpenRouterCatalogue => "ingest_runs",
            Feed::OpenRouterEndpoints => "endpoint_fetches",
            Feed::OpenRouterProviders => "provider_runs",
            Feed::Official => "official_runs",
        }
    }

    /// What log lines and messages call the feed.
    pub fn name(self) -> &'static str {
        match self {
            Feed::OpenRouterCatalogue => "catalogue",
            Feed::OpenRouterEndpoints => "provider endpoints",
            Feed::OpenRouterProviders => "provider list",
            Feed::Official => "official feed",
        }
    }

    /// What `--source` says of the feed in the command line's help.
    fn help(self) -> &'static str {
        match self {
            Feed::Official => "The makers' and clouds' own list prices (the genai-prices feed)",
            _ => "OpenRouter's model catalogue (routed and provider prices)",
        }
    }
}

/// `--source openrouter|official`: the command line names the feeds of [`Feed::SOURCES`].
impl clap::ValueEnum for Feed {
    fn value_variants<'a>() -> &'a [Self] {
        &Feed::SOURCES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Feed::SOURCES
            .contains(self)
            .then(|| clap::builder::PossibleValue::new(self.source_key()).help(self.help()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_spelling_is_the_one_it_always_was() {
        // /changes?source=, the changes JSON and --source.
        assert_eq!(Feed::OpenRouterCatalogue.source_key(), "openrouter");
        assert_eq!(Feed::Official.source_key(), "official");
        assert_eq!(
            Feed::parse_source("openrouter"),
            Some(Feed::OpenRouterCatalogue)
        );
        assert_eq!(Feed::parse_source("official"), Some(Feed::Official));
        assert_eq!(Feed::parse_source("genai-prices"), None);
        // The price tags' `source`.
        assert_eq!(Feed::OpenRouterEndpoints.publisher(), "openrouter");
        assert_eq!(Feed::Official.publisher(), "genai-prices");
        // The run logs, as the migrations name them.
        assert_eq!(Feed::OpenRouterCatalogue.log_table(), "ingest_runs");
        assert_eq!(Feed::Official.log_table(), "official_runs");
        assert_eq!(Feed::OpenRouterProviders.log_table(), "provider_runs");
    }

    #[test]
    fn the_command_line_offers_the_two_sources_and_parses_them() {
        use clap::ValueEnum;
        let names: Vec<String> = Feed::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(names, ["openrouter", "official"]);
        assert_eq!(Feed::from_str("official", false), Ok(Feed::Official));
        assert!(Feed::from_str("endpoints", false).is_err());
    }
}
