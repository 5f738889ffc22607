//! A model as a reader names it in a field: its id, or what they would type into
//! `/models?q=` (`gpt-5.4`, `opus 4.8`), read by [`Catalogue::find_model`]. The `/changes`
//! model filter and `/compare`'s ids read names this way. A name that could mean several
//! models, or none, is a problem filed under its field, with the models to pick from.

use super::form::FieldErrors;
use super::params::clip;
use crate::search::Resolved;
use crate::store::Catalogue;
use crate::store::catalogue::Entry;
use crate::web::error::Suggestion;

/// At most this many models are offered for a name that could mean several.
const MAX_CHOICES: usize = 8;
/// Close ids offered for a name that matches nothing.
const MAX_CLOSE: usize = 3;

/// "“opus” could be any of 12 models; pick one below.": the problem of a name that could mean
/// `count` models, as every field that reads names says it.
pub fn could_be_any(text: &str, count: usize) -> String {
    format!(
        "“{}” could be any of {count} models; pick one below.",
        clip(text)
    )
}

/// What one typed name stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamedModel {
    /// The id the name stands for; `None` when it names no one model (or is empty).
    pub id: Option<String>,
    /// What was typed, when it was not the id itself (so the page can say how it read it).
    pub typed: Option<String>,
    /// The models a name that could mean several might mean, or close ids when it names
    /// none: the "did you mean" list.
    pub choices: Vec<Suggestion>,
    /// The name could mean several models (`choices` are those models).
    pub ambiguous: bool,
}

fn suggestion(entry: &Entry) -> Suggestion {
    Suggestion {
        id: entry.model.id.clone(),
        name: entry.model.short_name().to_string(),
    }
}

impl NamedModel {
    /// Reads `text`; a name that stands for no one model files its problem under `field`.
    pub fn read(
        catalogue: &Catalogue,
        text: &str,
        field: &'static str,
        errors: &mut FieldErrors,
    ) -> NamedModel {
        if text.is_empty() {
            return NamedModel::default();
        }
        match catalogue.find_model(text) {
            Resolved::One(entry) => NamedModel {
                id: Some(entry.model.id.clone()),
                typed: (entry.model.id != text).then(|| text.to_string()),
                ..NamedModel::default()
            },
            Resolved::Several(all) => {
                errors.add(field, could_be_any(text, all.len()));
                NamedModel {
                    id: None,
                    typed: Some(text.to_string()),
                    choices: all.into_iter().take(MAX_CHOICES).map(suggestion).collect(),
                    ambiguous: true,
                }
            }
            Resolved::Nothing => {
                errors.add(
                    field,
                    format!(
                        "No model has the id or name “{}”; type an id such as openai/gpt-4o or a name such as opus 4.8.",
                        clip(text)
                    ),
                );
                NamedModel {
                    id: None,
                    typed: Some(text.to_string()),
                    choices: catalogue
                        .suggest(text, MAX_CLOSE)
                        .into_iter()
                        .map(suggestion)
                        .collect(),
                    ambiguous: false,
                }
            }
        }
    }
}
