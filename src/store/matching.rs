//! Which official price belongs to which of our models: pure, no I/O, run once per catalogue
//! load (by `store::official::view`) so a request never matches anything itself.
//!
//! Each catalogue model (ids without a `:variant` or `~alias`; variants follow their base) is
//! looked up in its maker's own list (by author), in Bedrock (our id rewritten into Bedrock's
//! form), in Vertex AI and in Azure, with the feed's own `match` clauses. A careful reader's
//! rules on top of them:
//! - the clause must explain the whole id: `starts_with "claude-opus-4.8"` does not make
//!   `claude-opus-4.8-fast` Opus 4.8, nor `deepseek-v4-flash-0731` V4 Flash; such a match is
//!   refused and the leftover is reported;
//! - a `fallback_model_providers` price is never shown as that cloud's own price;
//! - the `zhipuai` list is labelled as converted from CNY;
//! - our reviewed override table decides what the rules cannot, with a reason per line.
//!
//! Every match records the rule that made it.

pub mod names;
pub mod overrides;

use std::collections::HashMap;
use std::ops::Range;

use regex::Regex;
use serde::Serialize;

use crate::model::official::{Clause, OfficialModel, Provider};
use crate::seller::{Cloud, Seller, SellerKind};
use overrides::{Override, OverrideTarget};

/// The official lists a model is looked up in, in order: its maker's own (`None`), then each
/// cloud's. A match or refusal belongs to the list of its seller ([`Seller::cloud`]).
pub const LISTS: [Option<Cloud>; 6] = [
    None,
    Some(Cloud::BedrockGlobal),
    Some(Cloud::BedrockInRegion),
    Some(Cloud::Bedrock),
    Some(Cloud::Vertex),
    Some(Cloud::Azure),
];

/// A list's key in the override table and the command line's coverage line.
pub fn list_key(list: Option<Cloud>) -> &'static str {
    list.map_or(SellerKind::FirstParty.key(), Cloud::key)
}

/// How pages name a list.
pub fn list_label(list: Option<Cloud>) -> &'static str {
    list.map_or("Maker's own API", Cloud::label)
}

/// The feed providers a maker's own prices come from, by OpenRouter author. Z.AI has two lists:
/// its own USD one (`zai`) and Zhipu's mainland-China one converted from CNY (`zhipuai`).
const MAKERS: &[(&str, &[&str])] = &[
    ("anthropic", &["anthropic"]),
    ("openai", &["openai"]),
    ("google", &["google"]),
    ("deepseek", &["deepseek"]),
    ("mistralai", &["mistral"]),
    ("x-ai", &["x-ai"]),
    ("moonshotai", &["moonshotai"]),
    ("minimax", &["minimax"]),
    ("cohere", &["cohere"]),
    ("perplexity", &["perplexity"]),
    ("z-ai", &["zai", "zhipuai"]),
    ("microsoft", &["azure"]),
];

/// Providers whose list is not in US dollars at source.
pub const CNY_DERIVED: &[&str] = &["zhipuai"];

/// Bedrock's model ids start with the maker's name, which is not always OpenRouter's author.
const BEDROCK_MAKERS: &[(&str, &str)] = &[
    ("anthropic", "anthropic"),
    ("amazon", "amazon"),
    ("openai", "openai"),
    ("mistralai", "mistral"),
    ("google", "google"),
    ("meta-llama", "meta"),
    ("deepseek", "deepseek"),
    ("qwen", "qwen"),
    ("nvidia", "nvidia"),
    ("writer", "writer"),
    ("cohere", "cohere"),
    ("minimax", "minimax"),
    ("moonshotai", "moonshotai"),
];

/// How a match was made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum Rule {
    /// The feed's own clause explains the whole name we looked up.
    Clause { looked_up: String, clause: String },
    /// The feed's entry id is the name we looked up (Bedrock ids may add a `-v1:0` version).
    EntryId { looked_up: String },
    /// Our override table, with its reason.
    Override { reason: String },
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rule::Clause { looked_up, clause } => {
                write!(f, "{looked_up:?} matched by the source's clause {clause}")
            }
            Rule::EntryId { looked_up } => write!(f, "{looked_up:?} is the source entry's own id"),
            Rule::Override { reason } => write!(f, "override: {reason}"),
        }
    }
}

/// One of our models tied to one official price entry.
#[derive(Clone, Debug, PartialEq)]
pub struct OfficialMatch {
    pub model_id: String,
    /// The maker (by its feed provider) or the cloud selling at the entry's prices.
    pub seller: Seller,
    pub provider_id: String,
    pub entry_id: String,
    pub rule: Rule,
}

/// Why a match was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalKind {
    /// The clause matched but left part of our id unexplained.
    Unexplained,
    /// Only the cloud's fallback to the maker's own list matched.
    Fallback,
    /// Our override table refuses it.
    Override,
}

/// A match the rules refused, with the reason, for the methodology page.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub model_id: String,
    pub kind: RefusalKind,
    pub seller: Seller,
    pub provider_id: String,
    pub entry_id: String,
    pub reason: String,
}

/// Every match and refusal for a catalogue.
#[derive(Clone, Debug, Default)]
pub struct MatchReport {
    /// Model ids looked up (base ids, `openrouter/` routers left out).
    pub looked_up: usize,
    pub matches: Vec<OfficialMatch>,
    pub refusals: Vec<Refusal>,
    /// Where each model's matches stand in `matches` (a model's are pushed together), so a
    /// page or a calculator request finds them without scanning every match.
    by_model: HashMap<String, std::ops::Range<usize>>,
}

impl MatchReport {
    /// For each list of [`LISTS`]: how many models it matched, and how many matches it
    /// refused because the clause left part of the id unexplained.
    pub fn coverage(&self) -> Vec<(Option<Cloud>, usize, usize)> {
        LISTS
            .iter()
            .map(|list| {
                let mut ids: Vec<&str> = self
                    .matches
                    .iter()
                    .filter(|m| m.seller.cloud() == *list)
                    .map(|m| m.model_id.as_str())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                let refused = self
                    .refusals
                    .iter()
                    .filter(|r| r.seller.cloud() == *list && r.kind == RefusalKind::Unexplained)
                    .count();
                (*list, ids.len(), refused)
            })
            .collect()
    }

    /// The matches of one model.
    pub fn for_model<'s, 'i>(
        &'s self,
        id: &'i str,
    ) -> impl Iterator<Item = &'s OfficialMatch> + use<'s, 'i> {
        let range = self.by_model.get(id).cloned().unwrap_or_default();
        self.matches[range].iter()
    }
}

/// Whether a model id is looked up at all: not a `:variant`, not an `~alias` (both follow their
/// base), and not one of OpenRouter's own routers.
pub fn is_looked_up(id: &str) -> bool {
    !id.starts_with('~') && !id.contains(':') && !id.starts_with("openrouter/")
}

/// How a clause relates to a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fit {
    No,
    /// It matches but leaves part of the name unexplained (the leftover).
    Partial {
        clause: String,
        leftover: String,
    },
    Whole {
        clause: String,
    },
}

impl Fit {
    /// A clause that matched `name` at `span`: whole when the span is all of the name, else
    /// partial with what is left of the name around it ("claude-opus-4.8" in
    /// "claude-opus-4.8-fast" leaves "-fast").
    fn of_span(clause: &Clause, name: &str, span: Option<Range<usize>>) -> Fit {
        let Some(span) = span else {
            return Fit::No;
        };
        let leftover = format!("{}{}", &name[..span.start], &name[span.end..]);
        if leftover.is_empty() {
            Fit::Whole {
                clause: clause.to_string(),
            }
        } else {
            Fit::Partial {
                clause: clause.to_string(),
                leftover,
            }
        }
    }
}

/// The feed with its regexes compiled, ready to look names up.
pub struct Matcher<'a> {
    providers: HashMap<&'a str, &'a Provider>,
    regexes: HashMap<&'a str, Regex>,
}

impl<'a> Matcher<'a> {
    pub fn new(providers: &'a [Provider]) -> Matcher<'a> {
        let mut regexes = HashMap::new();
        for provider in providers {
            for model in &provider.models {
                collect_regexes(&model.clause, &mut regexes);
            }
        }
        Matcher {
            providers: providers.iter().map(|p| (p.id.as_str(), p)).collect(),
            regexes,
        }
    }

    /// How `clause` fits `name` (already lower-cased).
    pub fn fit(&self, clause: &'a Clause, name: &str) -> Fit {
        match clause {
            Clause::Or(list) => {
                let mut first_partial = Fit::No;
                for inner in list {
                    match self.fit(inner, name) {
                        fit @ Fit::Whole { .. } => return fit,
                        fit @ Fit::Partial { .. } if first_partial == Fit::No => {
                            first_partial = fit
                        }
                        _ => {}
                    }
                }
                first_partial
            }
            Clause::And(list) => {
                let fits: Vec<Fit> = list.iter().map(|c| self.fit(c, name)).collect();
                if list.is_empty() || fits.contains(&Fit::No) {
                    return Fit::No;
                }
                // Every part holds; the name is explained when one part explains all of it.
                fits.iter()
                    .find(|f| matches!(f, Fit::Whole { .. }))
                    .cloned()
                    .or_else(|| fits.into_iter().next())
                    .unwrap_or(Fit::No)
            }
            leaf => Fit::of_span(leaf, name, self.span(leaf, name)),
        }
    }

    /// Where a single (not `Or`/`And`) clause matches in `name`, if it does.
    fn span(&self, clause: &Clause, name: &str) -> Option<Range<usize>> {
        match clause {
            Clause::Equals(p) => (name == p.to_lowercase()).then_some(0..name.len()),
            Clause::StartsWith(p) => {
                let p = p.to_lowercase();
                name.starts_with(p.as_str()).then_some(0..p.len())
            }
            Clause::EndsWith(p) => {
                let p = p.to_lowercase();
                name.ends_with(p.as_str())
                    .then(|| name.len() - p.len()..name.len())
            }
            Clause::Contains(p) => {
                let p = p.to_lowercase();
                name.find(p.as_str()).map(|at| at..at + p.len())
            }
            Clause::Regex(pattern) => self
                .regexes
                .get(pattern.as_str())
                .and_then(|r| r.find(name))
                .map(|m| m.range()),
            Clause::Or(_) | Clause::And(_) => None,
        }
    }

    /// Looks `name` up in one provider: the entry that explains it whole (by clause, or by being
    /// the entry's own id), else the first entry that matches only in part.
    fn look_up(
        &self,
        provider: &'a Provider,
        name: &str,
        entry_filter: impl Fn(&OfficialModel) -> bool,
    ) -> Lookup<'a> {
        let name = name.to_lowercase();
        let mut partial = None;
        for model in provider.models.iter().filter(|m| entry_filter(m)) {
            match self.fit(&model.clause, &name) {
                Fit::Whole { clause } => {
                    return Lookup::Whole(
                        model,
                        Rule::Clause {
                            looked_up: name,
                            clause,
                        },
                    );
                }
                Fit::Partial { clause, leftover } => {
                    if is_own_id(&model.id, &name) {
                        return Lookup::Whole(model, Rule::EntryId { looked_up: name });
                    }
                    if partial.is_none() {
                        partial = Some((model, clause, leftover));
                    }
                }
                Fit::No => {}
            }
        }
        match partial {
            Some((model, clause, leftover)) => Lookup::Partial {
                model,
                reason: format!(
                    "the source's clause {clause} for {} matches {name:?} but leaves {leftover:?} unexplained",
                    model.id
                ),
            },
            None => Lookup::None,
        }
    }
}

enum Lookup<'a> {
    Whole(&'a OfficialModel, Rule),
    Partial {
        model: &'a OfficialModel,
        reason: String,
    },
    None,
}

/// The entry's own id names the model exactly: equal, or a Bedrock id that only adds its
/// `-vN:M` version (`amazon.nova-lite-v1:0` for `amazon.nova-lite-v1`). The `regional.` prefix
/// is the feed's grouping, not part of the name.
fn is_own_id(entry_id: &str, name: &str) -> bool {
    let entry = entry_id.to_lowercase();
    let entry = entry.strip_prefix("regional.").unwrap_or(&entry);
    let Some(rest) = entry.strip_prefix(name) else {
        return false;
    };
    let rest = rest.strip_prefix(":0").unwrap_or(rest);
    if rest.is_empty() {
        return true;
    }
    // "-v1" or "-v1:0"
    let Some(version) = rest.strip_prefix("-v") else {
        return false;
    };
    let (major, minor) = version.split_once(':').unwrap_or((version, "0"));
    !major.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

fn collect_regexes<'a>(clause: &'a Clause, into: &mut HashMap<&'a str, Regex>) {
    match clause {
        Clause::Regex(pattern) => {
            if !into.contains_key(pattern.as_str())
                && let Ok(regex) = Regex::new(pattern)
            {
                into.insert(pattern.as_str(), regex);
            }
        }
        Clause::Or(list) | Clause::And(list) => {
            for inner in list {
                collect_regexes(inner, into);
            }
        }
        _ => {}
    }
}

/// Version dots become hyphens, as Bedrock and Anthropic write them: `claude-opus-4.8` ->
/// `claude-opus-4-8`. Only a dot between two digits is a version dot.
pub fn hyphenate_versions(slug: &str) -> String {
    let bytes = slug.as_bytes();
    slug.char_indices()
        .map(|(i, c)| {
            let between_digits = c == '.'
                && i > 0
                && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
            if between_digits { '-' } else { c }
        })
        .collect()
}

/// Matches every looked-up model of `model_ids` against the feed.
pub fn match_all<'m>(
    providers: &[Provider],
    model_ids: impl IntoIterator<Item = &'m str>,
    overrides: &[Override],
) -> MatchReport {
    let matcher = Matcher::new(providers);
    let mut report = MatchReport::default();
    for id in model_ids.into_iter().filter(|id| is_looked_up(id)) {
        report.looked_up += 1;
        let start = report.matches.len();
        match_one(&matcher, id, overrides, &mut report);
        let end = report.matches.len();
        if end > start {
            report.by_model.insert(id.to_string(), start..end);
        }
    }
    report
}

fn match_one(matcher: &Matcher<'_>, id: &str, overrides: &[Override], report: &mut MatchReport) {
    let Some((author, slug)) = id.split_once('/') else {
        return;
    };
    // Each by its list (see [`LISTS`]) and the feed provider holding the entry.
    let mut found: Vec<(Option<Cloud>, &str, &OfficialModel, Rule)> = Vec::new();
    let mut refused: Vec<(Option<Cloud>, &str, &OfficialModel, String, RefusalKind)> = Vec::new();

    // The maker's own list.
    let makers = MAKERS
        .iter()
        .find(|(a, _)| *a == author)
        .map(|(_, p)| *p)
        .unwrap_or_default();
    for provider_id in makers {
        let Some(provider) = matcher.providers.get(provider_id) else {
            continue;
        };
        match matcher.look_up(provider, slug, |_| true) {
            Lookup::Whole(model, rule) => found.push((None, provider.id.as_str(), model, rule)),
            Lookup::Partial { model, reason } => {
                refused.push((
                    None,
                    provider.id.as_str(),
                    model,
                    reason,
                    RefusalKind::Unexplained,
                ));
            }
            Lookup::None => {}
        }
    }

    // Bedrock: `global.<maker>.<slug>` for global rows, `<maker>.<slug>` for in-region and
    // unscoped rows; the slug as OpenRouter writes it and with version dots as hyphens.
    if let (Some(provider), Some((_, maker))) = (
        matcher.providers.get("aws"),
        BEDROCK_MAKERS.iter().find(|(a, _)| *a == author),
    ) {
        let mut slugs = vec![slug.to_string()];
        let hyphenated = hyphenate_versions(slug);
        if hyphenated != slug {
            slugs.push(hyphenated);
        }
        for cloud in [Cloud::BedrockGlobal, Cloud::BedrockInRegion, Cloud::Bedrock] {
            let mut partial = None;
            let mut whole = None;
            for slug in &slugs {
                let name = match cloud {
                    Cloud::BedrockGlobal => format!("global.{maker}.{slug}"),
                    _ => format!("{maker}.{slug}"),
                };
                let scope = |m: &OfficialModel| bedrock_scope(&m.id) == cloud;
                match matcher.look_up(provider, &name, scope) {
                    Lookup::Whole(model, rule) => {
                        whole = Some((model, rule));
                        break;
                    }
                    Lookup::Partial { model, reason } if partial.is_none() => {
                        partial = Some((model, reason));
                    }
                    _ => {}
                }
            }
            match (whole, partial) {
                (Some((model, rule)), _) => {
                    found.push((Some(cloud), provider.id.as_str(), model, rule))
                }
                (None, Some((model, reason))) => {
                    refused.push((
                        Some(cloud),
                        provider.id.as_str(),
                        model,
                        reason,
                        RefusalKind::Unexplained,
                    ));
                }
                (None, None) => {}
            }
        }
    }

    // Vertex AI (the `google` provider's rows for other makers' models) and Azure (the `azure`
    // provider for models Microsoft does not make). Their fallbacks to the makers' own lists
    // are refused: that is the maker's price, not the cloud's.
    for (cloud, provider_id, skip_author) in [
        (Cloud::Vertex, "google", "google"),
        (Cloud::Azure, "azure", "microsoft"),
    ] {
        if author == skip_author {
            continue;
        }
        let Some(provider) = matcher.providers.get(provider_id) else {
            continue;
        };
        match matcher.look_up(provider, slug, |_| true) {
            Lookup::Whole(model, rule) => {
                found.push((Some(cloud), provider.id.as_str(), model, rule))
            }
            Lookup::Partial { model, reason } => {
                refused.push((
                    Some(cloud),
                    provider.id.as_str(),
                    model,
                    reason,
                    RefusalKind::Unexplained,
                ));
            }
            Lookup::None => {
                for fallback in &provider.fallback_model_providers {
                    if let Some(other) = matcher.providers.get(fallback.as_str())
                        && let Lookup::Whole(model, _) = matcher.look_up(other, slug, |_| true)
                    {
                        refused.push((
                            Some(cloud),
                            other.id.as_str(),
                            model,
                            format!(
                                "{} has no row of its own for it; the source falls back to {}'s own list, which is not {}'s price",
                                cloud.label(),
                                other.name,
                                cloud.label()
                            ),
                            RefusalKind::Fallback,
                        ));
                        break;
                    }
                }
            }
        }
    }

    // Overrides replace whatever the rules decided for their (model, list).
    for line in overrides.iter().filter(|o| o.model_id == id) {
        found.retain(|(list, ..)| *list != line.list);
        refused.retain(|(list, ..)| *list != line.list);
        match &line.target {
            OverrideTarget::Entry {
                provider_id,
                entry_id,
            } => {
                let entry = matcher
                    .providers
                    .get(provider_id.as_str())
                    .and_then(|p| p.models.iter().find(|m| m.id == *entry_id).map(|m| (p, m)));
                // An override whose entry has left the feed matches nothing (the CI check
                // against the real feed reports it).
                if let Some((provider, model)) = entry {
                    found.push((
                        line.list,
                        provider.id.as_str(),
                        model,
                        Rule::Override {
                            reason: line.reason.clone(),
                        },
                    ));
                }
            }
            OverrideTarget::Refuse { provider_id } => report.refusals.push(Refusal {
                model_id: id.to_string(),
                kind: RefusalKind::Override,
                seller: seller_in(line.list, provider_id),
                provider_id: provider_id.clone(),
                entry_id: String::new(),
                reason: format!("override: {}", line.reason),
            }),
        }
    }

    for (list, provider_id, model, rule) in found {
        report.matches.push(OfficialMatch {
            model_id: id.to_string(),
            seller: seller_in(list, provider_id),
            provider_id: provider_id.to_string(),
            entry_id: model.id.clone(),
            rule,
        });
    }
    for (list, provider_id, model, reason, kind) in refused {
        report.refusals.push(Refusal {
            model_id: id.to_string(),
            kind,
            seller: seller_in(list, provider_id),
            provider_id: provider_id.to_string(),
            entry_id: model.id.clone(),
            reason,
        });
    }
}

/// Which Bedrock scope an `aws` entry id belongs to.
fn bedrock_scope(entry_id: &str) -> Cloud {
    if entry_id.starts_with("global.") {
        Cloud::BedrockGlobal
    } else if entry_id.starts_with("regional.") {
        Cloud::BedrockInRegion
    } else {
        Cloud::Bedrock
    }
}

/// The seller of a price found in `list` (see [`LISTS`]): the maker, by the feed provider
/// holding its own list, or the cloud.
fn seller_in(list: Option<Cloud>, provider_id: &str) -> Seller {
    list.map_or_else(
        || Seller::FirstParty {
            provider: provider_id.to_string(),
        },
        Seller::Cloud,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::official::parse_feed;
    use crate::store::matching::overrides;

    const FEED: &str = include_str!("../../tests/fixtures/official/feed.json");

    fn report(ids: &[&str], overrides: &[Override]) -> MatchReport {
        let feed = parse_feed(FEED.as_bytes()).unwrap();
        match_all(&feed.providers, ids.iter().copied(), overrides)
    }

    /// (list, provider, entry, rule kind) of each match of one model, sorted.
    fn matches_of(
        report: &MatchReport,
        id: &str,
    ) -> Vec<(Option<Cloud>, String, String, &'static str)> {
        let mut out: Vec<_> = report
            .for_model(id)
            .map(|m| {
                let rule = match m.rule {
                    Rule::Clause { .. } => "clause",
                    Rule::EntryId { .. } => "entry-id",
                    Rule::Override { .. } => "override",
                };
                (
                    m.seller.cloud(),
                    m.provider_id.clone(),
                    m.entry_id.clone(),
                    rule,
                )
            })
            .collect();
        out.sort();
        out
    }

    fn refusals_of<'a>(report: &'a MatchReport, id: &str) -> Vec<&'a Refusal> {
        report
            .refusals
            .iter()
            .filter(|r| r.model_id == id)
            .collect()
    }

    fn row(
        list: Option<Cloud>,
        provider: &str,
        entry: &str,
        rule: &'static str,
    ) -> (Option<Cloud>, String, String, &'static str) {
        (list, provider.to_string(), entry.to_string(), rule)
    }

    #[test]
    fn each_kind_of_clause_leaves_what_it_does_not_explain() {
        let matcher = Matcher::new(&[]);
        // What is left of the name once the clause's text is cut out, by hand.
        let leftover = |clause: Clause, name: &str| match matcher.fit(&clause, name) {
            Fit::No => None,
            Fit::Whole { .. } => Some(String::new()),
            Fit::Partial { leftover, .. } => Some(leftover),
        };
        let s = |t: &str| t.to_string();
        let name = "claude-opus-4.8-fast";
        // Patterns are compared lower-cased.
        assert_eq!(
            leftover(Clause::Equals(s("Claude-Opus-4.8-Fast")), name),
            Some(s(""))
        );
        assert_eq!(leftover(Clause::Equals(s("claude-opus-4.8")), name), None);
        // "claude-opus-4.8" is 15 bytes: the rest is "-fast".
        assert_eq!(
            leftover(Clause::StartsWith(s("Claude-Opus-4.8")), name),
            Some(s("-fast"))
        );
        assert_eq!(leftover(Clause::StartsWith(s("opus")), name), None);
        assert_eq!(
            leftover(Clause::EndsWith(s("-fast")), name),
            Some(s("claude-opus-4.8"))
        );
        assert_eq!(leftover(Clause::EndsWith(s(name)), name), Some(s("")));
        assert_eq!(leftover(Clause::EndsWith(s("opus")), name), None);
        // The first "opus" goes, the text either side joins up.
        assert_eq!(
            leftover(Clause::Contains(s("opus")), name),
            Some(s("claude--4.8-fast"))
        );
        assert_eq!(leftover(Clause::Contains(s(name)), name), Some(s("")));
        assert_eq!(leftover(Clause::Contains(s("sonnet")), name), None);
        // A regex with no compiled pattern (none in an empty feed) matches nothing.
        assert_eq!(leftover(Clause::Regex(s("claude.*")), name), None);
    }

    #[test]
    fn the_maker_bedrock_and_vertex_each_give_their_own_row() {
        let r = report(&["anthropic/claude-opus-4.8"], &[]);
        assert_eq!(
            matches_of(&r, "anthropic/claude-opus-4.8"),
            vec![
                row(None, "anthropic", "claude-opus-4-8", "clause"),
                // Bedrock's form: version dots become hyphens, `global.` for the global row.
                row(
                    Some(Cloud::BedrockGlobal),
                    "aws",
                    "global.anthropic.claude-opus-4-8-v1:0",
                    "clause"
                ),
                row(
                    Some(Cloud::BedrockInRegion),
                    "aws",
                    "regional.anthropic.claude-opus-4-8-v1:0",
                    "clause"
                ),
                row(Some(Cloud::Vertex), "google", "claude-opus-4-8", "clause"),
            ]
        );
        let rule = &r
            .for_model("anthropic/claude-opus-4.8")
            .next()
            .unwrap()
            .rule;
        assert_eq!(
            rule.to_string(),
            r#""claude-opus-4.8" matched by the source's clause starts_with "claude-opus-4.8""#
        );
    }

    #[test]
    fn a_fast_listing_is_not_its_base_model() {
        let r = report(&["anthropic/claude-opus-4.8-fast"], &[]);
        assert!(matches_of(&r, "anthropic/claude-opus-4.8-fast").is_empty());
        let refused = refusals_of(&r, "anthropic/claude-opus-4.8-fast");
        let maker = refused.iter().find(|x| x.seller.cloud().is_none()).unwrap();
        assert_eq!(maker.kind, RefusalKind::Unexplained);
        assert!(
            maker.reason.contains(r#"leaves "-fast" unexplained"#),
            "{}",
            maker.reason
        );
        // Every list that matched in part refuses it the same way.
        for list in [
            Some(Cloud::BedrockGlobal),
            Some(Cloud::BedrockInRegion),
            Some(Cloud::Vertex),
        ] {
            assert!(refused.iter().any(|x| x.seller.cloud() == list), "{list:?}");
        }
    }

    #[test]
    fn a_dated_snapshot_is_not_the_plain_model() {
        let r = report(
            &[
                "deepseek/deepseek-v4-flash",
                "deepseek/deepseek-v4-flash-0731",
            ],
            &[],
        );
        assert_eq!(
            matches_of(&r, "deepseek/deepseek-v4-flash"),
            vec![row(None, "deepseek", "deepseek-v4-flash", "clause")]
        );
        assert!(matches_of(&r, "deepseek/deepseek-v4-flash-0731").is_empty());
        let refused = refusals_of(&r, "deepseek/deepseek-v4-flash-0731");
        assert_eq!(refused.len(), 1);
        assert!(refused[0].reason.contains(r#""-0731""#));
    }

    #[test]
    fn a_regex_or_the_entrys_own_id_can_explain_the_whole_id() {
        let r = report(
            &[
                "google/gemini-3.5-flash-001",
                "google/gemini-3.5-flash-001-exp",
                "mistralai/mistral-medium-3",
                "mistralai/mistral-medium-3-5",
                "amazon/nova-lite-v1",
            ],
            &[],
        );
        assert_eq!(
            matches_of(&r, "google/gemini-3.5-flash-001"),
            vec![row(None, "google", "gemini-3.5-flash", "clause")]
        );
        // The regex is anchored at both ends, so "-exp" is not part of what it explains.
        assert!(matches_of(&r, "google/gemini-3.5-flash-001-exp").is_empty());
        // `starts_with "mistral-medium"` alone leaves "-3" over, but the entry is named exactly that.
        assert_eq!(
            matches_of(&r, "mistralai/mistral-medium-3"),
            vec![row(None, "mistral", "mistral-medium-3", "entry-id")]
        );
        assert!(matches_of(&r, "mistralai/mistral-medium-3-5").is_empty());
        assert_eq!(refusals_of(&r, "mistralai/mistral-medium-3-5").len(), 1);
        // Bedrock's id adds only its version ("-v1:0"), which is Bedrock's naming, not a different model.
        assert_eq!(
            matches_of(&r, "amazon/nova-lite-v1"),
            vec![row(
                Some(Cloud::Bedrock),
                "aws",
                "amazon.nova-lite-v1:0",
                "entry-id"
            )]
        );
    }

    #[test]
    fn a_fallback_to_the_makers_list_is_never_the_clouds_price() {
        let r = report(
            &["openai/gpt-5.4", "openai/o3", "anthropic/claude-opus-4.8"],
            &[],
        );
        // Azure lists o3 itself: that is Azure's price.
        assert!(matches_of(&r, "openai/o3").contains(&row(
            Some(Cloud::Azure),
            "azure",
            "o3",
            "clause"
        )));
        // Azure has no gpt-5.4 row; its fallback would lend OpenAI's price. Refused, and said why.
        assert!(
            !matches_of(&r, "openai/gpt-5.4")
                .iter()
                .any(|m| m.0 == Some(Cloud::Azure))
        );
        let fallback: Vec<_> = r
            .refusals
            .iter()
            .filter(|x| x.kind == RefusalKind::Fallback)
            .map(|x| (x.model_id.as_str(), x.seller.cloud()))
            .collect();
        assert_eq!(
            fallback,
            vec![
                ("openai/gpt-5.4", Some(Cloud::Azure)),
                ("anthropic/claude-opus-4.8", Some(Cloud::Azure))
            ]
        );
        // Bedrock's OpenAI row keeps its dots ("openai.gpt-5.4"): the id as written is tried first.
        assert!(matches_of(&r, "openai/gpt-5.4").contains(&row(
            Some(Cloud::Bedrock),
            "aws",
            "openai.gpt-5.4",
            "clause"
        )));
    }

    #[test]
    fn z_ai_gets_its_usd_list_and_the_cny_derived_list_apart() {
        let r = report(&["z-ai/glm-5.2"], &[]);
        assert_eq!(
            matches_of(&r, "z-ai/glm-5.2"),
            vec![
                row(None, "zai", "GLM-5.2", "clause"),
                row(None, "zhipuai", "GLM-5.2", "clause"),
            ]
        );
        assert!(CNY_DERIVED.contains(&"zhipuai") && !CNY_DERIVED.contains(&"zai"));
    }

    #[test]
    fn microsofts_models_are_first_party_on_azure_and_googles_have_no_vertex_row() {
        let r = report(&["microsoft/phi-4", "google/gemini-3.5-flash"], &[]);
        assert_eq!(
            matches_of(&r, "microsoft/phi-4"),
            vec![row(None, "azure", "phi-4", "clause")]
        );
        assert_eq!(
            matches_of(&r, "google/gemini-3.5-flash"),
            vec![row(None, "google", "gemini-3.5-flash", "clause")]
        );
    }

    #[test]
    fn variants_aliases_and_routers_are_not_looked_up() {
        let r = report(
            &[
                "anthropic/claude-opus-4.8:batch",
                "~anthropic/claude-opus-latest",
                "openrouter/auto",
                "google/gemma-3-4b-it",
            ],
            &[],
        );
        assert_eq!(r.looked_up, 1);
        // gemma-3-4b-it: `starts_with "gemma-3-"` leaves the size unexplained.
        assert!(r.matches.is_empty());
        assert_eq!(r.refusals.len(), 1);
    }

    #[test]
    fn overrides_win_a_model_back_or_refuse_one_each_with_its_reason() {
        let lines = overrides::parse(
            "deepseek/deepseek-v4-flash-0731\tfirst-party\tdeepseek\tdeepseek-v4-flash\tsuppose DeepSeek bills the snapshot as V4 Flash\n\
             openai/o3\tazure\tazure\t-\tsuppose Azure's o3 row were for another deployment type\n",
        )
        .unwrap();
        let r = report(&["deepseek/deepseek-v4-flash-0731", "openai/o3"], &lines);
        assert_eq!(
            matches_of(&r, "deepseek/deepseek-v4-flash-0731"),
            vec![row(None, "deepseek", "deepseek-v4-flash", "override")]
        );
        assert!(refusals_of(&r, "deepseek/deepseek-v4-flash-0731").is_empty());
        assert!(
            !matches_of(&r, "openai/o3")
                .iter()
                .any(|m| m.0 == Some(Cloud::Azure))
        );
        let refused = refusals_of(&r, "openai/o3");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].kind, RefusalKind::Override);
        assert!(refused[0].reason.contains("another deployment type"));
    }

    #[test]
    fn version_dots_become_hyphens_only_between_digits() {
        assert_eq!(hyphenate_versions("claude-opus-4.8"), "claude-opus-4-8");
        assert_eq!(hyphenate_versions("gpt-5.6-luna"), "gpt-5-6-luna");
        assert_eq!(hyphenate_versions("a.b-1."), "a.b-1.");
    }

    #[test]
    fn the_shipped_overrides_name_lists_the_rules_know() {
        for line in overrides::shipped() {
            assert!(is_looked_up(&line.model_id), "{}", line.model_id);
        }
    }
}
