//! Who bills a price: one [`Seller`] of a model (OpenRouter's routed price, one of its upstream
//! providers, the maker's own API, or a cloud in one region scope), and every spelling a seller
//! is published or stored under (`kind`, `seller_key`, `region`, the override table's scope),
//! written here once.
//!
//! A seller is who bills; where we fetched its price is a [`crate::feed::Feed`].

use serde::Serialize;

/// What kind of seller a price belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SellerKind {
    /// OpenRouter's routed price: it picks the provider.
    Routed,
    /// One upstream provider's price on OpenRouter.
    RoutedProvider,
    /// The model's maker, on its own API.
    FirstParty,
    /// A cloud reselling the model: Bedrock, Vertex AI, Azure.
    Cloud,
}

impl SellerKind {
    pub const ALL: [SellerKind; 4] = [
        SellerKind::Routed,
        SellerKind::RoutedProvider,
        SellerKind::FirstParty,
        SellerKind::Cloud,
    ];

    /// The published spelling: the price tags' `kind` and their `?kind=` filter.
    pub fn key(self) -> &'static str {
        match self {
            SellerKind::Routed => "routed",
            SellerKind::RoutedProvider => "routed-provider",
            SellerKind::FirstParty => "first-party",
            SellerKind::Cloud => "cloud",
        }
    }

    pub fn parse(text: &str) -> Option<SellerKind> {
        SellerKind::ALL.into_iter().find(|k| k.key() == text)
    }

    /// What the price-tags table calls the kind.
    pub fn label(self) -> &'static str {
        match self {
            SellerKind::Routed => "routed",
            SellerKind::RoutedProvider => "OpenRouter provider",
            SellerKind::FirstParty => "maker's own API",
            SellerKind::Cloud => "cloud",
        }
    }
}

/// A cloud's list, with the region scope its price applies to where the list states one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Amazon Bedrock's cross-region (global) inference price.
    BedrockGlobal,
    /// Amazon Bedrock's in-region price.
    BedrockInRegion,
    /// A Bedrock row that names no region scope.
    Bedrock,
    Vertex,
    Azure,
}

impl Cloud {
    /// In the order tags and coverage list them.
    pub const ALL: [Cloud; 5] = [
        Cloud::BedrockGlobal,
        Cloud::BedrockInRegion,
        Cloud::Bedrock,
        Cloud::Vertex,
        Cloud::Azure,
    ];

    /// The override table's (and the command line's coverage line's) spelling.
    pub fn key(self) -> &'static str {
        match self {
            Cloud::BedrockGlobal => "bedrock-global",
            Cloud::BedrockInRegion => "bedrock-in-region",
            Cloud::Bedrock => "bedrock",
            Cloud::Vertex => "vertex",
            Cloud::Azure => "azure",
        }
    }

    /// How pages name the cloud's list.
    pub fn label(self) -> &'static str {
        match self {
            Cloud::BedrockGlobal => "Amazon Bedrock (global)",
            Cloud::BedrockInRegion => "Amazon Bedrock (in-region)",
            Cloud::Bedrock => "Amazon Bedrock",
            Cloud::Vertex => "Google Vertex AI",
            Cloud::Azure => "Microsoft Azure",
        }
    }

    /// The region scope the price applies to, when the list states it.
    pub fn region(self) -> Option<&'static str> {
        match self {
            Cloud::BedrockGlobal => Some("global"),
            Cloud::BedrockInRegion => Some("in-region"),
            _ => None,
        }
    }

    /// How this Bedrock price differs from the other two, for a reader who sees all three
    /// names on one page; `None` for the other clouds.
    pub fn scope_words(self) -> Option<&'static str> {
        match self {
            Cloud::BedrockGlobal => {
                Some("for requests AWS may serve in any region (cross-region inference)")
            }
            Cloud::BedrockInRegion => Some("for requests kept in the one region you choose"),
            Cloud::Bedrock => {
                Some("a Bedrock list that does not say whether it is global or in-region")
            }
            Cloud::Vertex | Cloud::Azure => None,
        }
    }

    /// The published `seller_key`.
    fn seller_key(self) -> &'static str {
        match self {
            Cloud::BedrockGlobal => "aws:global",
            Cloud::BedrockInRegion => "aws:in-region",
            Cloud::Bedrock => "aws",
            Cloud::Vertex => "google:vertex",
            Cloud::Azure => "azure",
        }
    }
}

/// One seller of a model.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Seller {
    /// OpenRouter's routed price.
    Routed,
    /// One upstream provider's endpoint on OpenRouter, by its endpoint tag (`deepinfra/fp8`).
    RoutedProvider { endpoint_tag: String },
    /// The maker's own API, by the official feed's provider id (`anthropic`, `zai`).
    FirstParty { provider: String },
    /// A cloud's list in one region scope.
    Cloud(Cloud),
}

/// How pages name the routed price's seller.
pub const ROUTED_NAME: &str = "OpenRouter (routed)";

/// Display names of the makers' own lists (the feed's names are terse: "X AI", "Deepseek").
const MAKER_NAMES: &[(&str, &str)] = &[
    ("anthropic", "Anthropic"),
    ("openai", "OpenAI"),
    ("google", "Google (Gemini API and Vertex AI)"),
    ("deepseek", "DeepSeek"),
    ("mistral", "Mistral AI"),
    ("x-ai", "xAI"),
    ("moonshotai", "Moonshot AI"),
    ("minimax", "MiniMax"),
    ("cohere", "Cohere"),
    ("perplexity", "Perplexity"),
    ("zai", "Z.AI"),
    ("zhipuai", "Zhipu AI (China)"),
    ("azure", "Microsoft Azure"),
];

/// How pages name a maker's own list, by the official feed's provider id, when we name it
/// ourselves.
pub fn maker_name(provider: &str) -> Option<&'static str> {
    MAKER_NAMES
        .iter()
        .find(|(id, _)| *id == provider)
        .map(|(_, name)| *name)
}

impl Seller {
    pub fn kind(&self) -> SellerKind {
        match self {
            Seller::Routed => SellerKind::Routed,
            Seller::RoutedProvider { .. } => SellerKind::RoutedProvider,
            Seller::FirstParty { .. } => SellerKind::FirstParty,
            Seller::Cloud(_) => SellerKind::Cloud,
        }
    }

    /// The published `seller_key`, stable: `openrouter`, `openrouter:<endpoint tag>`, the maker's
    /// feed id (`anthropic`), `aws:global`, `aws:in-region`, `aws`, `google:vertex`, `azure`.
    pub fn key(&self) -> String {
        match self {
            Seller::Routed => "openrouter".into(),
            Seller::RoutedProvider { endpoint_tag } => format!("openrouter:{endpoint_tag}"),
            Seller::FirstParty { provider } => provider.clone(),
            Seller::Cloud(cloud) => cloud.seller_key().into(),
        }
    }

    /// The calculator's and the bills' `seller_key`: `openrouter`, the provider endpoint's tag
    /// (the provider's slug, `deepinfra/fp8` where it has several), the maker's feed id
    /// (`anthropic`), or the cloud's key (`bedrock-global`, `bedrock-in-region`, `bedrock`,
    /// `vertex`, `azure`). Unique together with the kind: OpenRouter's provider `azure` and
    /// the cloud `azure` are two sellers. The price tags publish [`Seller::key`], as they
    /// always have.
    pub fn bill_key(&self) -> String {
        match self {
            Seller::Routed => "openrouter".into(),
            Seller::RoutedProvider { endpoint_tag } => endpoint_tag.clone(),
            Seller::FirstParty { provider } => provider.clone(),
            Seller::Cloud(cloud) => cloud.key().into(),
        }
    }

    /// The cloud, for a cloud's price.
    pub fn cloud(&self) -> Option<Cloud> {
        match self {
            Seller::Cloud(cloud) => Some(*cloud),
            _ => None,
        }
    }

    /// The region scope the price applies to, when its list states one.
    pub fn region(&self) -> Option<&'static str> {
        self.cloud().and_then(Cloud::region)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_published_spelling_is_the_one_it_always_was() {
        let keys: Vec<String> = [
            Seller::Routed,
            Seller::RoutedProvider {
                endpoint_tag: "deepinfra/fp8".into(),
            },
            Seller::FirstParty {
                provider: "anthropic".into(),
            },
            Seller::Cloud(Cloud::BedrockGlobal),
            Seller::Cloud(Cloud::BedrockInRegion),
            Seller::Cloud(Cloud::Bedrock),
            Seller::Cloud(Cloud::Vertex),
            Seller::Cloud(Cloud::Azure),
        ]
        .iter()
        .map(Seller::key)
        .collect();
        assert_eq!(
            keys,
            [
                "openrouter",
                "openrouter:deepinfra/fp8",
                "anthropic",
                "aws:global",
                "aws:in-region",
                "aws",
                "google:vertex",
                "azure"
            ]
        );
        let bill_keys: Vec<String> = [
            Seller::RoutedProvider {
                endpoint_tag: "deepinfra/fp8".into(),
            },
            Seller::Cloud(Cloud::BedrockGlobal),
            Seller::Cloud(Cloud::Vertex),
        ]
        .iter()
        .map(Seller::bill_key)
        .collect();
        assert_eq!(bill_keys, ["deepinfra/fp8", "bedrock-global", "vertex"]);
        let kinds: Vec<&str> = SellerKind::ALL.iter().map(|k| k.key()).collect();
        assert_eq!(kinds, ["routed", "routed-provider", "first-party", "cloud"]);
        assert_eq!(SellerKind::parse("cloud"), Some(SellerKind::Cloud));
        assert_eq!(SellerKind::parse("maker"), None);
        let scopes: Vec<&str> = Cloud::ALL.iter().map(|c| c.key()).collect();
        assert_eq!(
            scopes,
            [
                "bedrock-global",
                "bedrock-in-region",
                "bedrock",
                "vertex",
                "azure"
            ]
        );
        assert_eq!(
            Seller::Cloud(Cloud::BedrockInRegion).region(),
            Some("in-region")
        );
        assert_eq!(Seller::Cloud(Cloud::Vertex).region(), None);
    }
}
