//! The domain types every layer reads: one model as we store and show it (this module), its
//! exact prices ([`price`]), and the official feed's entries ([`official`]).

pub mod official;
pub mod price;

use serde::{Deserialize, Serialize};

use crate::model::price::Pricing;

/// How a listing relates to its base model, read from its id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variant {
    Base,
    /// `x/y:free`: the free, rate-limited listing.
    Free,
    /// `x/y:batch`: OpenRouter's batch listing.
    Batch,
    /// `x/y-fast`: a faster, dearer listing of the same model.
    Fast,
    /// `~x/y-latest`: an alias that follows the newest model of a family.
    Alias,
    /// Any other `:suffix` (such as `:thinking`).
    Other(String),
}

impl Variant {
    pub fn label(&self) -> &str {
        match self {
            Variant::Base => "base",
            Variant::Free => "free",
            Variant::Batch => "batch",
            Variant::Fast => "fast",
            Variant::Alias => "alias",
            Variant::Other(suffix) => suffix,
        }
    }
}

/// Artificial Analysis indices as OpenRouter republishes them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quality {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intelligence: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coding: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agentic: Option<f64>,
}

/// Which Artificial Analysis index a reader ranks or filters by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QualityIndex {
    #[default]
    Intelligence,
    Coding,
    Agentic,
}

impl QualityIndex {
    pub fn parse(text: &str) -> Option<QualityIndex> {
        match text {
            "intelligence" => Some(QualityIndex::Intelligence),
            "coding" => Some(QualityIndex::Coding),
            "agentic" => Some(QualityIndex::Agentic),
            _ => None,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            QualityIndex::Intelligence => "intelligence",
            QualityIndex::Coding => "coding",
            QualityIndex::Agentic => "agentic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QualityIndex::Intelligence => "Intelligence index",
            QualityIndex::Coding => "Coding index",
            QualityIndex::Agentic => "Agentic index",
        }
    }
}

impl Quality {
    pub fn get(&self, index: QualityIndex) -> Option<f64> {
        match index {
            QualityIndex::Intelligence => self.intelligence,
            QualityIndex::Coding => self.coding,
            QualityIndex::Agentic => self.agentic,
        }
        .filter(|v| v.is_finite())
    }
}

/// How a listing charges, as far as its token prices tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Charging {
    /// Priced per token (and perhaps per request).
    PerToken,
    /// A `:free` listing, or a text model whose every token price is zero.
    Free,
    /// The price depends on where a router sends the request.
    Variable,
    /// Every token price is zero but the model makes something other than text (music,
    /// images) and is billed per item made: never "free", never ranked or billed here.
    NotPerToken,
}

impl Charging {
    /// Why a not-per-token listing is listed apart, in the reader's words.
    pub const NOT_PER_TOKEN_REASON: &'static str =
        "not priced per token: its token prices are zero because it is billed per item it makes";
}

/// One catalogue listing, normalised from OpenRouter's record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub id: String,
    pub name: String,
    pub author: String,
    pub variant: Variant,
    /// The id this listing is a variant of, by its id alone; whether that base is
    /// actually listed is decided by the catalogue.
    pub base_id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub canonical_slug: Option<String>,
    #[serde(default)]
    pub context_length: Option<u64>,
    #[serde(default)]
    pub max_completion_tokens: Option<u64>,
    #[serde(default)]
    pub is_moderated: Option<bool>,
    #[serde(default)]
    pub input_modalities: Vec<String>,
    #[serde(default)]
    pub output_modalities: Vec<String>,
    #[serde(default)]
    pub tokenizer: Option<String>,
    #[serde(default)]
    pub supported_parameters: Vec<String>,
    #[serde(default)]
    pub knowledge_cutoff: Option<String>,
    #[serde(default)]
    pub expiration_date: Option<String>,
    #[serde(default)]
    pub alias_target: Option<String>,
    pub pricing: Pricing,
    #[serde(default)]
    pub quality: Quality,
}

/// Splits an id into its variant and the base id it belongs to.
pub fn classify(id: &str, alias_target: Option<&str>) -> (Variant, String) {
    if let Some(rest) = id.strip_prefix('~') {
        let base = alias_target
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| rest.trim_end_matches("-latest").to_string());
        return (Variant::Alias, base);
    }
    if let Some((base, suffix)) = id.rsplit_once(':') {
        let variant = match suffix {
            "free" => Variant::Free,
            "batch" => Variant::Batch,
            other => Variant::Other(other.to_string()),
        };
        return (variant, base.to_string());
    }
    if let Some(base) = id.strip_suffix("-fast") {
        return (Variant::Fast, base.to_string());
    }
    (Variant::Base, id.to_string())
}

/// Ids are `author/slug` with an optional `~` prefix and `:variant` suffix. Anything
/// that could confuse a URL or a terminal is refused.
pub fn is_valid_id(id: &str) -> bool {
    let body = id.strip_prefix('~').unwrap_or(id);
    let Some((author, rest)) = body.split_once('/') else {
        return false;
    };
    id.len() <= 200
        && !author.is_empty()
        && !rest.is_empty()
        && body
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.' | ':'))
        && !body
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
}

/// The author slug: the part of the id before the first `/`, without an alias `~`.
pub fn author_of(id: &str) -> String {
    id.trim_start_matches('~')
        .split('/')
        .next()
        .unwrap_or_default()
        .to_string()
}

impl Model {
    /// A listing at `input`/`output` whole dollars per million tokens and nothing else
    /// known, named by its id: the unit tests' model.
    #[cfg(test)]
    pub(crate) fn at_per_million(id: &str, input: i64, output: i64) -> Model {
        use crate::model::price::{Price, PriceSet};
        use rust_decimal::Decimal;
        let mut base = PriceSet::default();
        base.set("prompt", Price::Usd(Decimal::new(input, 6)));
        base.set("completion", Price::Usd(Decimal::new(output, 6)));
        Model::new(
            id,
            id,
            Pricing {
                base,
                overrides: Vec::new(),
            },
        )
    }

    /// A listing with only an id, a name and prices; everything else unknown. The variant,
    /// base id and author are read from the id.
    pub fn new(id: &str, name: &str, pricing: Pricing) -> Model {
        let (variant, base_id) = classify(id, None);
        Model {
            id: id.to_string(),
            name: name.to_string(),
            author: author_of(id),
            variant,
            base_id,
            description: String::new(),
            created: None,
            canonical_slug: None,
            context_length: None,
            max_completion_tokens: None,
            is_moderated: None,
            input_modalities: Vec::new(),
            output_modalities: Vec::new(),
            tokenizer: None,
            supported_parameters: Vec::new(),
            knowledge_cutoff: None,
            expiration_date: None,
            alias_target: None,
            pricing,
            quality: Quality::default(),
        }
    }

    /// How this listing charges: the one classification every page (model page, `/models`,
    /// home counts, ranking, calculator) reads "free" and "not priced per token" from.
    pub fn charging(&self) -> Charging {
        if self.variant == Variant::Free {
            Charging::Free
        } else if self.pricing.is_variable() {
            Charging::Variable
        } else if self.pricing.base.is_zero() {
            // Zero token prices on a model that makes something other than text (a song,
            // an image) mean it is billed per item, which this catalogue does not list.
            if self.outputs_only_text() {
                Charging::Free
            } else {
                Charging::NotPerToken
            }
        } else {
            Charging::PerToken
        }
    }

    pub fn is_free(&self) -> bool {
        self.charging() == Charging::Free
    }

    /// Token prices all zero, yet not a free listing: billed some other way.
    pub fn is_not_priced_per_token(&self) -> bool {
        self.charging() == Charging::NotPerToken
    }

    /// True when the listing makes text alone, or says nothing about what it makes.
    fn outputs_only_text(&self) -> bool {
        self.output_modalities.iter().all(|m| m == "text")
    }

    pub fn is_variable(&self) -> bool {
        self.pricing.is_variable()
    }

    pub fn has_cache_pricing(&self) -> bool {
        self.pricing.base.input_cache_read.is_some()
    }

    /// The display name without OpenRouter's "Author: " prefix.
    pub fn short_name(&self) -> &str {
        // A byte scan for ": " (the calculator asks for every model on every request, and a
        // two-character `split_once` sets up a substring searcher each time).
        let rest = self
            .name
            .as_bytes()
            .windows(2)
            .position(|pair| pair == b": ")
            .and_then(|at| self.name.get(at + 2..));
        match rest {
            Some(rest) if !rest.is_empty() => rest,
            _ => &self.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_could_escape_a_path_are_invalid() {
        for bad in [
            "../x/y", "a/../b", "a//b", "a/b\n", "a", "/b", "a/b c", "a/\u{0}b",
        ] {
            assert!(!is_valid_id(bad), "{bad:?} accepted");
        }
        for good in [
            "anthropic/claude-opus-4.8:batch",
            "~openai/gpt-latest",
            "x/y-1.5_b",
        ] {
            assert!(is_valid_id(good), "{good:?} refused");
        }
    }

    #[test]
    fn short_name_drops_the_author_prefix_once() {
        let named = |name: &str| Model::new("x/y", name, crate::model::price::Pricing::default());
        assert_eq!(
            named("Anthropic: Claude Opus 4.8").short_name(),
            "Claude Opus 4.8"
        );
        assert_eq!(named("A: B: C").short_name(), "B: C");
        assert_eq!(named("Plain name").short_name(), "Plain name");
        assert_eq!(named("Nothing after: ").short_name(), "Nothing after: ");
        assert_eq!(named("Zhipu：GLM").short_name(), "Zhipu：GLM");
    }

    #[test]
    fn variants_are_read_from_ids() {
        assert_eq!(
            classify("anthropic/claude-opus-4.8:batch", None),
            (Variant::Batch, "anthropic/claude-opus-4.8".into())
        );
        assert_eq!(classify("x/y:free", None), (Variant::Free, "x/y".into()));
        assert_eq!(
            classify("x/y:thinking", None),
            (Variant::Other("thinking".into()), "x/y".into())
        );
        assert_eq!(classify("x/y-fast", None), (Variant::Fast, "x/y".into()));
        assert_eq!(
            classify(
                "~anthropic/claude-opus-latest",
                Some("anthropic/claude-opus-5")
            ),
            (Variant::Alias, "anthropic/claude-opus-5".into())
        );
        assert_eq!(classify("x/y", None), (Variant::Base, "x/y".into()));
        assert_eq!(author_of("~google/gemini-flash-latest"), "google");
    }
}
