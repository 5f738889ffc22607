//! Which catalogue listing a name in a reader's usage export is, without guessing. An export
//! names a model the way the place it ran names it: OpenRouter by its permaslug (the
//! catalogue's `canonical_slug`), a maker's API by its API name (`gpt-4o-2024-08-06`,
//! `claude-sonnet-4-20250514`), Bedrock by its model id with a scope prefix or as an ARN
//! (`us.anthropic.claude-…-v1:0`, `arn:aws:bedrock:…:inference-profile/…`).
//!
//! The rules, in order, each recorded on the resolution it makes:
//! 1. the catalogue's own id, or a listing's `canonical_slug`;
//! 2. a maker's API name that is a catalogue id under the maker's author: OpenRouter lists
//!    that dated snapshot as a listing of its own, so it is that listing, not the plain model;
//! 3. the official feed's own match clauses, with the strict rule the price tags use (the
//!    clause must explain the whole name) loosened only for a trailing date stamp or Bedrock
//!    version (`-20250514`, `-v1:0`), which names a snapshot of the same model. Anything else
//!    left over (`-fast`, `-mini`, `-1`) refuses the match. The entry found is then the
//!    catalogue model the feed's matching tied to it (`matching::match_all`); an entry tied
//!    to several is ambiguous and left unresolved.
//!
//! A name none of them resolves is unresolved with the reason, never priced as something
//! else. Several spellings of one model (Bedrock's prefixes, an ARN) resolve to its one id.

use std::collections::HashMap;

use super::{BEDROCK_MAKERS, Fit, MAKERS, Matcher};
use crate::model::Variant;
use crate::model::official::{OfficialModel, Provider};
use crate::seller::SellerKind;
use crate::store::Catalogue;
use crate::usage::RanAt;

/// A name resolved to a catalogue listing, with the rule that did it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    pub id: String,
    pub rule: String,
}

/// Resolves export names against one catalogue and its official feed.
pub struct NameResolver<'c> {
    catalogue: &'c Catalogue,
    by_canonical: HashMap<&'c str, &'c str>,
    matcher: Matcher<'c>,
    providers: &'c [Provider],
    /// (feed provider, entry id) → the catalogue models the feed's matching tied to it.
    by_entry: HashMap<(&'c str, &'c str), Vec<&'c str>>,
}

impl<'c> NameResolver<'c> {
    pub fn new(catalogue: &'c Catalogue) -> NameResolver<'c> {
        let official = catalogue.official();
        let providers = official.providers();
        let mut by_entry: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
        for m in &official.report.matches {
            let ids = by_entry
                .entry((m.provider_id.as_str(), m.entry_id.as_str()))
                .or_default();
            if !ids.contains(&m.model_id.as_str()) {
                ids.push(m.model_id.as_str());
            }
        }
        NameResolver {
            catalogue,
            // A permaslug names a model, not one of its rows: a `:batch` or `:free` row and an
            // alias share their base's slug, and the export's variant picks them.
            by_canonical: catalogue
                .all()
                .iter()
                .filter(|e| matches!(e.model.variant, Variant::Base | Variant::Fast))
                .filter_map(|e| Some((e.model.canonical_slug.as_deref()?, e.model.id.as_str())))
                .collect(),
            matcher: Matcher::new(providers),
            providers,
            by_entry,
        }
    }

    /// The listing `name` (with the export's `variant`, where it ran at `ran_at`) is, or why
    /// it cannot be told.
    pub fn resolve(
        &self,
        name: &str,
        variant: Option<&str>,
        ran_at: RanAt<&str>,
    ) -> Result<Resolution, String> {
        let base = self.resolve_base(name.trim(), ran_at)?;
        self.with_variant(base, variant)
    }

    fn resolve_base(&self, name: &str, ran_at: RanAt<&str>) -> Result<Resolution, String> {
        if let Some(found) = self.catalogue_name(name) {
            return Ok(found);
        }
        if let Some(arn_or_id) = bedrock_id(name, ran_at) {
            return self.bedrock(arn_or_id);
        }
        // A LiteLLM model name may carry its provider's prefix (`openai/gpt-4o`).
        let (author_hint, api_name) = match name.split_once('/') {
            Some((prefix, rest)) => (author_of_prefix(prefix), rest),
            None => (None, name),
        };
        if let Some(author) = author_hint
            && let Some(found) = self.catalogue_name(&format!("{author}/{api_name}"))
        {
            return Ok(found);
        }
        let authors: Vec<&str> = match (author_hint, maker_of(ran_at)) {
            (Some(author), _) | (None, Some(author)) => vec![author],
            (None, None) => MAKERS.iter().map(|(author, _)| *author).collect(),
        };
        self.api_name(api_name, &authors)
    }

    /// Rule 1: the catalogue's id or a listing's canonical slug.
    fn catalogue_name(&self, name: &str) -> Option<Resolution> {
        if self.catalogue.get(name).is_some() {
            return Some(Resolution {
                id: name.to_string(),
                rule: "the catalogue's own id".into(),
            });
        }
        self.by_canonical.get(name).map(|id| Resolution {
            id: id.to_string(),
            rule: format!("OpenRouter's permaslug (canonical_slug) of {id}"),
        })
    }

    /// Rules 2 and 3 for a maker's API name, under each author in `authors`: it must resolve
    /// under exactly one.
    fn api_name(&self, api_name: &str, authors: &[&str]) -> Result<Resolution, String> {
        let mut found: Vec<Resolution> = Vec::new();
        let mut refusals: Vec<String> = Vec::new();
        for author in authors {
            let listed = format!("{author}/{api_name}");
            if self.catalogue.get(&listed).is_some() {
                found.push(Resolution {
                    rule: format!(
                        "{api_name:?} is the maker's API name of OpenRouter's listing {listed}"
                    ),
                    id: listed,
                });
                continue;
            }
            let feeds = MAKERS
                .iter()
                .find(|(a, _)| a == author)
                .map_or(&[][..], |(_, p)| *p);
            for provider in feeds.iter().filter_map(|id| self.provider(id)) {
                match self.entry_model(provider, api_name, SellerKind::FirstParty) {
                    Ok(Some(resolution)) => found.push(resolution),
                    Ok(None) => {}
                    Err(why) => refusals.push(why),
                }
            }
        }
        found.dedup_by(|a, b| a.id == b.id);
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(refusals.into_iter().next().unwrap_or_else(|| {
                format!("no catalogue listing and no maker's price list names {api_name:?}")
            })),
            _ => Err(format!(
                "{api_name:?} names several models ({}): not priced as any of them",
                found
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Rule 3 through a Bedrock model id or ARN, falling back to the maker's API name inside
    /// it (`anthropic.claude-sonnet-4-20250514-v1:0` → `claude-sonnet-4-20250514`).
    fn bedrock(&self, id_or_arn: &str) -> Result<Resolution, String> {
        if id_or_arn.contains("application-inference-profile/") {
            return Err(
                "an application inference profile's ARN does not say which model it runs".into(),
            );
        }
        // `arn:aws:bedrock:<region>:<account>:(foundation-model|inference-profile)/<id>`
        let id = id_or_arn.rsplit('/').next().unwrap_or(id_or_arn);
        if let Some(aws) = self.provider("aws")
            && let Some(found) = self.entry_model(aws, id, SellerKind::Cloud)?
        {
            return Ok(found);
        }
        let unscoped = strip_scope(id);
        let Some((maker, model)) = unscoped.split_once('.') else {
            return Err(format!("{id:?} is not a Bedrock model id"));
        };
        let Some((author, _)) = BEDROCK_MAKERS.iter().find(|(_, m)| *m == maker) else {
            return Err(format!(
                "no maker we list publishes Bedrock's {maker:?} models"
            ));
        };
        let api_name = strip_version(model);
        self.api_name(api_name, &[author]).map(|found| Resolution {
            rule: format!(
                "Bedrock's {id:?} is the maker's {api_name:?}: {}",
                found.rule
            ),
            ..found
        })
    }

    fn provider(&self, id: &str) -> Option<&'c Provider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The catalogue model the feed entry explaining `name` in `provider` is tied to, by the
    /// feed's matching for sellers of `kind`. `Ok(None)`: no entry explains it.
    fn entry_model(
        &self,
        provider: &'c Provider,
        name: &str,
        kind: SellerKind,
    ) -> Result<Option<Resolution>, String> {
        let lower = name.to_lowercase();
        let Some((entry, how)) = self.explaining_entry(provider, &lower)? else {
            return Ok(None);
        };
        let models = self
            .by_entry
            .get(&(provider.id.as_str(), entry.id.as_str()))
            .map_or(&[][..], Vec::as_slice);
        let models: Vec<&str> = models
            .iter()
            .copied()
            .filter(|id| {
                self.catalogue
                    .official()
                    .report
                    .for_model(id)
                    .any(|m| m.entry_id == entry.id && m.seller.kind() == kind)
            })
            .collect();
        match models.as_slice() {
            [id] => Ok(Some(Resolution {
                id: id.to_string(),
                rule: format!(
                    "{name:?} is {}'s entry {} by {how}; that entry is {id}'s",
                    provider.name, entry.id
                ),
            })),
            [] => Err(format!(
                "{name:?} is {}'s entry {}, which no catalogue listing is tied to",
                provider.name, entry.id
            )),
            several => Err(format!(
                "{name:?} is {}'s entry {}, which is tied to several listings ({}): not \
                 priced as any of them",
                provider.name,
                entry.id,
                several.join(", ")
            )),
        }
    }

    /// The entry of `provider` whose clause explains `name` (lower-cased) whole, else one
    /// that explains it up to a trailing date stamp or version, with how. Any other leftover
    /// refuses the match, with the reason.
    fn explaining_entry(
        &self,
        provider: &'c Provider,
        name: &str,
    ) -> Result<Option<(&'c OfficialModel, String)>, String> {
        let mut snapshot = None;
        let mut refused = None;
        for entry in &provider.models {
            match self.matcher.fit(&entry.clause, name) {
                Fit::Whole { clause } => {
                    return Ok(Some((entry, format!("the source's clause {clause}"))));
                }
                Fit::Partial { clause, leftover } => {
                    if is_snapshot_stamp(&leftover) {
                        snapshot.get_or_insert((
                            entry,
                            format!(
                                "the source's clause {clause}, up to the snapshot stamp {leftover:?}"
                            ),
                        ));
                    } else {
                        refused.get_or_insert(format!(
                            "{}'s clause {clause} for {} matches {name:?} but leaves {leftover:?} \
                             unexplained: not the same model",
                            provider.name, entry.id
                        ));
                    }
                }
                Fit::No => {}
            }
        }
        match (snapshot, refused) {
            (Some(found), _) => Ok(Some(found)),
            (None, Some(why)) => Err(why),
            (None, None) => Ok(None),
        }
    }

    /// The export's variant on the resolved base: OpenRouter's `free` is the `:free` listing,
    /// Anthropic's `fast` the `-fast` listing, each only where the catalogue has it.
    fn with_variant(&self, base: Resolution, variant: Option<&str>) -> Result<Resolution, String> {
        let variant = variant.map(str::trim).unwrap_or_default();
        if variant.is_empty() || variant.eq_ignore_ascii_case("standard") {
            return Ok(base);
        }
        let variant = variant.to_lowercase();
        let listing = if variant == "fast" {
            format!("{}-fast", base.id)
        } else {
            format!("{}:{variant}", base.id)
        };
        if self.catalogue.get(&listing).is_some() {
            Ok(Resolution {
                rule: format!(
                    "{}; variant {variant:?} is the listing {listing}",
                    base.rule
                ),
                id: listing,
            })
        } else {
            Err(format!(
                "the catalogue has no {variant:?} listing of {} ({listing}): not priced as the \
                 standard model",
                base.id
            ))
        }
    }
}

/// The Bedrock model id (or ARN) in `name`, when the export ran on Bedrock or the name is an ARN.
fn bedrock_id<'n>(name: &'n str, ran_at: RanAt<&str>) -> Option<&'n str> {
    if name.starts_with("arn:aws") {
        return Some(name);
    }
    match ran_at {
        RanAt::Bedrock { .. } => Some(name),
        RanAt::LiteLlm {
            provider: Some("bedrock" | "bedrock_converse"),
        } => Some(name.strip_prefix("bedrock/").unwrap_or(name)),
        _ => name
            .strip_prefix("bedrock/")
            .or_else(|| name.strip_prefix("converse/")),
    }
}

/// The OpenRouter author a maker's own API belongs to, from where the export says it ran.
fn maker_of(ran_at: RanAt<&str>) -> Option<&'static str> {
    match ran_at {
        RanAt::FirstParty { provider } => author_of_feed_provider(provider),
        RanAt::LiteLlm {
            provider: Some(provider),
        } => author_of_prefix(provider),
        _ => None,
    }
}

fn author_of_feed_provider(provider: &str) -> Option<&'static str> {
    MAKERS
        .iter()
        .find(|(_, feeds)| feeds.contains(&provider))
        .map(|(author, _)| *author)
}

/// The author a LiteLLM provider prefix stands for (`openai/…`, `anthropic/…`).
fn author_of_prefix(prefix: &str) -> Option<&'static str> {
    let prefix = prefix.to_lowercase();
    MAKERS
        .iter()
        .find(|(author, feeds)| *author == prefix || feeds.contains(&prefix.as_str()))
        .map(|(author, _)| *author)
}

/// A Bedrock id without its scope prefix (`global.`, `us.`, `eu.`, `apac.`, …).
fn strip_scope(id: &str) -> &str {
    match id.split_once('.') {
        Some(("global" | "us" | "eu" | "apac" | "au" | "jp" | "us-gov" | "ca", rest)) => rest,
        _ => id,
    }
}

/// A Bedrock model name without its trailing version (`-v1:0`, `-v2`, `:0`).
fn strip_version(name: &str) -> &str {
    let name = match name.rsplit_once(':') {
        Some((rest, minor)) if minor.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => name,
    };
    match name.rsplit_once("-v") {
        Some((rest, major)) if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) => {
            rest
        }
        _ => name,
    }
}

/// Whether what a clause left of a name is only a snapshot's stamp: a date (at least four
/// digits, with hyphens or `@` between: `-20250514`, `0514`, `-2024-08-06`) and/or a Bedrock
/// version (`-v1:0`, `:0`). `-fast`, `-mini` or `-1` name another model.
fn is_snapshot_stamp(leftover: &str) -> bool {
    let date = strip_version(leftover);
    if date.len() == leftover.len() && date.is_empty() {
        return false;
    }
    let digits = date.bytes().filter(u8::is_ascii_digit).count();
    date.is_empty()
        || (digits >= 4
            && date
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'-' || b == b'@'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::official::parse_feed;
    use crate::model::Model;
    use crate::store::official::StoredOfficial;

    const FEED: &str = include_str!("../../../tests/fixtures/official/feed.json");

    fn catalogue(ids: &[(&str, Option<&str>)]) -> Catalogue {
        let models = ids.iter().map(|(id, slug)| {
            let mut model = Model::at_per_million(id, 1, 2);
            model.canonical_slug = slug.map(str::to_string);
            (model, true)
        });
        let feed = parse_feed(FEED.as_bytes()).unwrap();
        Catalogue::of_models(models).with_official(StoredOfficial {
            providers: feed.providers,
            ..StoredOfficial::default()
        })
    }

    fn resolve(c: &Catalogue, name: &str, ran_at: RanAt<&str>) -> Result<String, String> {
        NameResolver::new(c)
            .resolve(name, None, ran_at)
            .map(|r| r.id)
    }

    const ANTHROPIC: RanAt<&str> = RanAt::FirstParty {
        provider: "anthropic",
    };

    #[test]
    fn a_permaslug_resolves_through_the_canonical_slug() {
        let c = catalogue(&[(
            "anthropic/claude-opus-4.8",
            Some("anthropic/claude-4.8-opus-20260301"),
        )]);
        let r = NameResolver::new(&c)
            .resolve(
                "anthropic/claude-4.8-opus-20260301",
                Some("standard"),
                RanAt::OpenRouter {
                    provider: Some("Anthropic"),
                },
            )
            .unwrap();
        assert_eq!(r.id, "anthropic/claude-opus-4.8");
        assert!(r.rule.contains("canonical_slug"), "{}", r.rule);
    }

    #[test]
    fn a_permaslug_shared_with_a_batch_row_is_the_base_model() {
        let c = catalogue(&[
            ("openai/gpt-5.4:batch", Some("openai/gpt-5.4-2026-03-05")),
            ("openai/gpt-5.4", Some("openai/gpt-5.4-2026-03-05")),
            ("~openai/gpt-5.4-latest", Some("openai/gpt-5.4-2026-03-05")),
        ]);
        let routed = RanAt::OpenRouter { provider: None };
        assert_eq!(
            resolve(&c, "openai/gpt-5.4-2026-03-05", routed).unwrap(),
            "openai/gpt-5.4"
        );
    }

    #[test]
    fn a_dated_api_name_is_the_model_when_the_feeds_clause_says_so() {
        let c = catalogue(&[("anthropic/claude-opus-4.8", None)]);
        let r = NameResolver::new(&c)
            .resolve("claude-opus-4-8-20260301", None, ANTHROPIC)
            .unwrap();
        assert_eq!(r.id, "anthropic/claude-opus-4.8");
        assert!(
            r.rule.contains("snapshot stamp \"-20260301\""),
            "{}",
            r.rule
        );
    }

    #[test]
    fn a_dated_snapshot_openrouter_lists_apart_is_that_listing_not_the_plain_model() {
        let c = catalogue(&[
            ("openai/gpt-5.4", None),
            ("openai/gpt-5.4-2026-03-05", None),
        ]);
        let openai = RanAt::FirstParty { provider: "openai" };
        assert_eq!(
            resolve(&c, "gpt-5.4-2026-03-05", openai).unwrap(),
            "openai/gpt-5.4-2026-03-05"
        );
        assert_eq!(resolve(&c, "gpt-5.4", openai).unwrap(), "openai/gpt-5.4");
    }

    #[test]
    fn fast_and_other_leftovers_are_never_the_standard_model() {
        let c = catalogue(&[("anthropic/claude-opus-4.8", None)]);
        let err = resolve(&c, "claude-opus-4-8-fast", ANTHROPIC).unwrap_err();
        assert!(err.contains("\"-fast\" unexplained"), "{err}");
        let err = NameResolver::new(&c)
            .resolve("claude-opus-4-8", Some("fast"), ANTHROPIC)
            .unwrap_err();
        assert!(err.contains("no \"fast\" listing"), "{err}");
        assert!(resolve(&c, "claude-opus-4-8-1", ANTHROPIC).is_err());
    }

    #[test]
    fn bedrock_prefixes_and_arns_of_one_model_resolve_to_its_one_id() {
        let c = catalogue(&[("anthropic/claude-opus-4.8", None)]);
        let bedrock = RanAt::Bedrock {
            cloud: crate::seller::Cloud::BedrockInRegion,
            region: Some("us-east-1"),
        };
        for name in [
            "us.anthropic.claude-opus-4-8-v1:0",
            "global.anthropic.claude-opus-4-8-v1:0",
            "anthropic.claude-opus-4-8-v1:0",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-opus-4-8-v1:0",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-8-v1:0",
        ] {
            assert_eq!(
                resolve(&c, name, bedrock).as_deref(),
                Ok("anthropic/claude-opus-4.8"),
                "{name}"
            );
        }
        let err = resolve(
            &c,
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123",
            bedrock,
        )
        .unwrap_err();
        assert!(err.contains("application inference profile"), "{err}");
    }

    #[test]
    fn an_unknown_name_is_unresolved_with_its_reason() {
        let c = catalogue(&[("anthropic/claude-opus-4.8", None)]);
        let err = resolve(&c, "claude-haiku-9", ANTHROPIC).unwrap_err();
        assert!(err.contains("claude-haiku-9"), "{err}");
        let err = resolve(&c, "mystery-model", RanAt::Unstated).unwrap_err();
        assert!(err.contains("mystery-model"), "{err}");
    }

    #[test]
    fn snapshot_stamps_are_dates_and_versions_only() {
        for stamp in [
            "-20250514",
            "0514",
            "-2024-08-06",
            "-v1:0",
            ":0",
            "-20250514-v1:0",
        ] {
            assert!(is_snapshot_stamp(stamp), "{stamp}");
        }
        for other in ["-fast", "-1", "-mini", "", "-4-5", "-v", "x0514"] {
            assert!(!is_snapshot_stamp(other), "{other}");
        }
    }
}
