//! Prices as OpenRouter states them, the form every feed's prices are read into: exact
//! decimal USD amounts per unit, or "variable".

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One price component: USD per unit (token, request, image, search), or variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Price {
    Usd(Decimal),
    /// OpenRouter's `"-1"`: the price depends on where the router sends the request.
    Variable,
}

/// Why a price string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("price {0:?} is not a decimal number")]
    NotADecimal(String),
    #[error("price {0:?} is negative")]
    Negative(String),
    #[error("price {0:?} is implausibly large")]
    TooLarge(String),
}

/// Tokens in a million: prices are stored per token and shown per million.
pub const MILLION: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

/// No real per-unit price comes near this; anything above is a broken record, not a price.
const MAX_PLAUSIBLE_USD: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);

impl Price {
    /// Parses OpenRouter's decimal string exactly. `-1` is variable; other negatives,
    /// NaN, infinities and absurd magnitudes are errors.
    pub fn parse(text: &str) -> Result<Price, PriceError> {
        let trimmed = text.trim();
        if trimmed == "-1" {
            return Ok(Price::Variable);
        }
        if trimmed.is_empty() || trimmed.len() > 64 {
            return Err(PriceError::NotADecimal(text.chars().take(64).collect()));
        }
        let value = Decimal::from_str(trimmed)
            .or_else(|_| {
                if trimmed.contains(['e', 'E']) {
                    Decimal::from_scientific(trimmed)
                } else {
                    Err(rust_decimal::Error::ConversionTo(String::new()))
                }
            })
            .map_err(|_| PriceError::NotADecimal(trimmed.to_string()))?;
        if value.is_sign_negative() && !value.is_zero() {
            return Err(PriceError::Negative(trimmed.to_string()));
        }
        if value > MAX_PLAUSIBLE_USD {
            return Err(PriceError::TooLarge(trimmed.to_string()));
        }
        Ok(Price::Usd(value))
    }

    pub fn usd(self) -> Option<Decimal> {
        match self {
            Price::Usd(value) => Some(value),
            Price::Variable => None,
        }
    }

    pub fn is_variable(self) -> bool {
        matches!(self, Price::Variable)
    }
}

impl fmt::Display for Price {
    /// The exact per-unit string, as OpenRouter would write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Price::Usd(value) => write!(f, "{value}"),
            Price::Variable => f.write_str("-1"),
        }
    }
}

impl Serialize for Price {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Price::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Every price component a model (or one of its tiers) lists. `None` means the component
/// is not charged separately.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_cache_read: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_cache_write: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_cache_write_1h: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_reasoning: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_search: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_audio_cache: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_output: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_output: Option<Price>,
    /// Components we do not know by name yet, kept so nothing is lost.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other: BTreeMap<String, Price>,
}

/// A price component OpenRouter lists by name. Keys we do not know yet are kept in
/// [`PriceSet::other`] and shown as listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Component {
    Prompt,
    Completion,
    InputCacheRead,
    InputCacheWrite,
    InputCacheWrite1h,
    InternalReasoning,
    Audio,
    InputAudioCache,
    AudioOutput,
    ImageOutput,
    Request,
    Image,
    WebSearch,
}

impl Component {
    /// Every component, in display order.
    pub const ALL: [Component; 13] = [
        Component::Prompt,
        Component::Completion,
        Component::InputCacheRead,
        Component::InputCacheWrite,
        Component::InputCacheWrite1h,
        Component::InternalReasoning,
        Component::Audio,
        Component::InputAudioCache,
        Component::AudioOutput,
        Component::ImageOutput,
        Component::Request,
        Component::Image,
        Component::WebSearch,
    ];

    /// OpenRouter's key, as in the payload and our stored JSON.
    pub const fn key(self) -> &'static str {
        match self {
            Component::Prompt => "prompt",
            Component::Completion => "completion",
            Component::InputCacheRead => "input_cache_read",
            Component::InputCacheWrite => "input_cache_write",
            Component::InputCacheWrite1h => "input_cache_write_1h",
            Component::InternalReasoning => "internal_reasoning",
            Component::Audio => "audio",
            Component::InputAudioCache => "input_audio_cache",
            Component::AudioOutput => "audio_output",
            Component::ImageOutput => "image_output",
            Component::Request => "request",
            Component::Image => "image",
            Component::WebSearch => "web_search",
        }
    }

    /// How pages name it.
    pub const fn label(self) -> &'static str {
        match self {
            Component::Prompt => "Input",
            Component::Completion => "Output",
            Component::InputCacheRead => "Cache read",
            Component::InputCacheWrite => "Cache write (5 min)",
            Component::InputCacheWrite1h => "Cache write (1 hour)",
            Component::InternalReasoning => "Reasoning",
            Component::Audio => "Audio input",
            Component::InputAudioCache => "Audio cache read",
            Component::AudioOutput => "Audio output",
            Component::ImageOutput => "Image output",
            Component::Request => "Per request",
            Component::Image => "Per input image",
            Component::WebSearch => "Per web search",
        }
    }

    /// What one unit of it is.
    pub const fn unit(self) -> Unit {
        match self {
            Component::Request => Unit::Request,
            Component::Image => Unit::Image,
            Component::WebSearch => Unit::Search,
            _ => Unit::Token,
        }
    }

    pub fn from_key(key: &str) -> Option<Component> {
        Component::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// What one unit of a price component is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Token,
    Request,
    Image,
    Search,
}

impl PriceSet {
    /// A known component's price.
    pub fn price(&self, component: Component) -> Option<Price> {
        *self.slot(component)
    }

    fn slot(&self, component: Component) -> &Option<Price> {
        match component {
            Component::Prompt => &self.prompt,
            Component::Completion => &self.completion,
            Component::InputCacheRead => &self.input_cache_read,
            Component::InputCacheWrite => &self.input_cache_write,
            Component::InputCacheWrite1h => &self.input_cache_write_1h,
            Component::InternalReasoning => &self.internal_reasoning,
            Component::Request => &self.request,
            Component::Image => &self.image,
            Component::WebSearch => &self.web_search,
            Component::Audio => &self.audio,
            Component::InputAudioCache => &self.input_audio_cache,
            Component::ImageOutput => &self.image_output,
            Component::AudioOutput => &self.audio_output,
        }
    }

    fn slot_mut(&mut self, component: Component) -> &mut Option<Price> {
        match component {
            Component::Prompt => &mut self.prompt,
            Component::Completion => &mut self.completion,
            Component::InputCacheRead => &mut self.input_cache_read,
            Component::InputCacheWrite => &mut self.input_cache_write,
            Component::InputCacheWrite1h => &mut self.input_cache_write_1h,
            Component::InternalReasoning => &mut self.internal_reasoning,
            Component::Request => &mut self.request,
            Component::Image => &mut self.image,
            Component::WebSearch => &mut self.web_search,
            Component::Audio => &mut self.audio,
            Component::InputAudioCache => &mut self.input_audio_cache,
            Component::ImageOutput => &mut self.image_output,
            Component::AudioOutput => &mut self.audio_output,
        }
    }

    /// Looks a component up by its OpenRouter key, known or not.
    pub fn get(&self, key: &str) -> Option<Price> {
        match Component::from_key(key) {
            Some(component) => self.price(component),
            None => self.other.get(key).copied(),
        }
    }

    /// Sets a component by its OpenRouter key; an unknown key goes to `other`.
    pub fn set(&mut self, key: &str, price: Price) {
        match Component::from_key(key) {
            Some(component) => *self.slot_mut(component) = Some(price),
            None => {
                self.other.insert(key.to_string(), price);
            }
        }
    }

    /// All listed components, known ones first in display order, then unknown ones.
    pub fn entries(&self) -> Vec<(String, Price)> {
        let mut out: Vec<(String, Price)> = Component::ALL
            .into_iter()
            .filter_map(|c| self.price(c).map(|p| (c.key().to_string(), p)))
            .collect();
        out.extend(self.other.iter().map(|(k, p)| (k.clone(), *p)));
        out
    }

    /// Every listed price, known components then unknown ones: [`PriceSet::entries`]
    /// without their keys, and without allocating (the calculator asks per model, per request).
    fn listed(&self) -> impl Iterator<Item = Price> + '_ {
        Component::ALL
            .into_iter()
            .filter_map(|c| self.price(c))
            .chain(self.other.values().copied())
    }

    /// True when any listed component is variable.
    pub fn is_variable(&self) -> bool {
        self.listed().any(Price::is_variable)
    }

    /// True when every listed component is exactly zero (and at least one is listed).
    pub fn is_zero(&self) -> bool {
        let mut listed = self.listed().peekable();
        listed.peek().is_some() && listed.all(|p| p.usd() == Some(Decimal::ZERO))
    }

    /// This set with every component of `over` replacing ours; the rest fall back to ours.
    pub fn overlaid(&self, over: &PriceSet) -> PriceSet {
        let mut merged = self.clone();
        for (key, price) in over.entries() {
            merged.set(&key, price);
        }
        merged
    }
}

/// A conditional price: a long-context tier (`min_prompt_tokens`) or another condition
/// (such as a time window) that we keep and show but do not apply in the calculator.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_prompt_tokens: Option<u64>,
    /// Conditions other than prompt size, as OpenRouter wrote them (JSON text).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub other_conditions: BTreeMap<String, String>,
    pub prices: PriceSet,
}

/// A model's whole price list: base prices plus conditional overrides, in OpenRouter's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pricing {
    pub base: PriceSet,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<PriceOverride>,
}

impl Pricing {
    /// The prices that apply to a request with `prompt_tokens` input tokens, and the
    /// threshold of the long-context tier applied, if any. Later overrides win.
    pub fn for_prompt(&self, prompt_tokens: u64) -> (PriceSet, Option<u64>) {
        let (prices, applied) = self.for_prompt_borrowed(prompt_tokens);
        (prices.into_owned(), applied)
    }

    /// [`Pricing::for_prompt`], borrowing the base prices when no tier applies (most models,
    /// most workloads), so the calculator copies nothing per model per request.
    pub fn for_prompt_borrowed(&self, prompt_tokens: u64) -> (Cow<'_, PriceSet>, Option<u64>) {
        let mut prices = Cow::Borrowed(&self.base);
        let mut applied = None;
        for tier in &self.overrides {
            let Some(min) = tier.min_prompt_tokens else {
                continue;
            };
            if tier.other_conditions.is_empty() && prompt_tokens >= min {
                prices = Cow::Owned(prices.overlaid(&tier.prices));
                applied = Some(min);
            }
        }
        (prices, applied)
    }

    /// Long-context tiers, each as the full price set it yields.
    pub fn tiers(&self) -> Vec<(u64, PriceSet)> {
        self.overrides
            .iter()
            .filter(|o| o.other_conditions.is_empty())
            .filter_map(|o| o.min_prompt_tokens)
            .map(|min| (min, self.for_prompt(min).0))
            .collect()
    }

    pub fn is_variable(&self) -> bool {
        self.base.is_variable()
    }
}

/// How cache-read prices relate to input prices over a set of listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheReadStats {
    /// Listings with a positive input price and a cache-read price.
    pub with_cache: usize,
    /// Of those, how many price a cache read at 10–50 % of input.
    pub in_band: usize,
    /// The lowest and highest `cache read ÷ input`.
    pub lowest: Decimal,
    pub highest: Decimal,
}

/// [`CacheReadStats`] over `prices`; `None` when none prices cache reads.
pub fn cache_read_stats<'a>(
    prices: impl IntoIterator<Item = &'a PriceSet>,
) -> Option<CacheReadStats> {
    let band = (Decimal::new(1, 1), Decimal::new(5, 1));
    let ratios: Vec<Decimal> = prices
        .into_iter()
        .filter_map(|p| {
            let input = p.prompt?.usd().filter(|v| *v > Decimal::ZERO)?;
            p.input_cache_read?.usd()?.checked_div(input)
        })
        .collect();
    Some(CacheReadStats {
        with_cache: ratios.len(),
        in_band: ratios
            .iter()
            .filter(|r| **r >= band.0 && **r <= band.1)
            .count(),
        lowest: *ratios.iter().min()?,
        highest: *ratios.iter().max()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_read_stats_count_the_band_and_find_the_ends() {
        let set = |input: i64, read: Option<i64>| {
            let mut p = PriceSet::default();
            p.set("prompt", Price::Usd(Decimal::new(input, 6)));
            if let Some(read) = read {
                p.set("input_cache_read", Price::Usd(Decimal::new(read, 7)));
            }
            p
        };
        // $1 input with $0.10 reads (0.1, in band), $2 with $0.10 (0.05), $1 with $0.80
        // (0.8); one without cache prices and a free one are not counted.
        let sets = [
            set(1, Some(1)),
            set(2, Some(1)),
            set(1, Some(8)),
            set(3, None),
            set(0, Some(1)),
        ];
        let stats = cache_read_stats(&sets).unwrap();
        assert_eq!((stats.with_cache, stats.in_band), (3, 1));
        assert_eq!(
            (stats.lowest, stats.highest),
            (Decimal::new(5, 2), Decimal::new(8, 1))
        );
        assert_eq!(cache_read_stats(&[set(1, None)]), None);
    }

    #[test]
    fn long_decimal_round_trips_exactly() {
        let text = "0.0000000833333333333333";
        assert_eq!(Price::parse(text).unwrap().to_string(), text);
    }

    #[test]
    fn minus_one_is_variable_and_other_negatives_are_refused() {
        assert_eq!(Price::parse("-1"), Ok(Price::Variable));
        assert!(matches!(Price::parse("-5"), Err(PriceError::Negative(_))));
        assert!(Price::parse("NaN").is_err());
        assert!(Price::parse("1e999").is_err());
        assert!(Price::parse("").is_err());
        assert!(Price::parse("inf").is_err());
    }

    #[test]
    fn scientific_notation_is_read_exactly() {
        assert_eq!(
            Price::parse("2.5e-6").unwrap().usd(),
            Some(Decimal::from_str("0.0000025").unwrap())
        );
    }

    #[test]
    fn tier_applies_from_its_threshold_and_falls_back_for_omitted_keys() {
        let mut base = PriceSet::default();
        base.set("prompt", Price::parse("0.0000025").unwrap());
        base.set("completion", Price::parse("0.000015").unwrap());
        base.set("web_search", Price::parse("0.01").unwrap());
        let mut tier = PriceSet::default();
        tier.set("prompt", Price::parse("0.000005").unwrap());
        let pricing = Pricing {
            base,
            overrides: vec![PriceOverride {
                min_prompt_tokens: Some(272_000),
                prices: tier,
                ..Default::default()
            }],
        };
        let (below, applied) = pricing.for_prompt(271_999);
        assert_eq!(applied, None);
        assert_eq!(below.prompt, Price::parse("0.0000025").ok());
        let (above, applied) = pricing.for_prompt(272_000);
        assert_eq!(applied, Some(272_000));
        assert_eq!(above.prompt, Price::parse("0.000005").ok());
        assert_eq!(above.completion, Price::parse("0.000015").ok());
        assert_eq!(above.web_search, Price::parse("0.01").ok());
    }

    #[test]
    fn later_overrides_win() {
        let p = |s| Price::parse(s).unwrap();
        let mut base = PriceSet::default();
        base.set("prompt", p("1"));
        let tier = |min, price| {
            let mut prices = PriceSet::default();
            prices.set("prompt", p(price));
            PriceOverride {
                min_prompt_tokens: Some(min),
                prices,
                ..Default::default()
            }
        };
        let pricing = Pricing {
            base,
            overrides: vec![tier(100, "2"), tier(200, "3")],
        };
        assert_eq!(pricing.for_prompt(150).0.prompt, Some(p("2")));
        assert_eq!(pricing.for_prompt(250).0.prompt, Some(p("3")));
        assert_eq!(pricing.for_prompt(250).1, Some(200));
    }

    #[test]
    fn price_set_serialises_as_openrouter_strings() {
        let mut set = PriceSet::default();
        set.set("prompt", Price::parse("0.000005").unwrap());
        set.set("completion", Price::Variable);
        set.set("future_thing", Price::parse("0.5").unwrap());
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(
            json,
            r#"{"prompt":"0.000005","completion":"-1","other":{"future_thing":"0.5"}}"#
        );
        let back: PriceSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
    }
}
