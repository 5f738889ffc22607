//! A model's description as OpenRouter writes it, made readable: its text uses a little
//! Markdown (`[label](target)` links, `**bold**`), which shown as-is reads as noise
//! ("[Opus 5](/anthropic/claude-opus-5)"). A link to a model we track becomes a link to our
//! own page for it; any other link keeps only its label, so third-party text never puts an
//! outside address on our pages.

/// One run of a paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    /// A link to a model we track: its label and our model id.
    Model {
        label: String,
        id: String,
    },
}

/// The model id a link target names, when it names one: `/author/model`,
/// `/models/author/model` and the same on `https://openrouter.ai`, without query or fragment.
fn model_id(target: &str) -> Option<&str> {
    let target = target.trim().trim_start_matches('<').trim_end_matches('>');
    let path = target
        .strip_prefix("https://openrouter.ai")
        .or_else(|| target.strip_prefix("http://openrouter.ai"))
        .unwrap_or(target);
    let path = path.strip_prefix('/')?;
    let path = path.strip_prefix("models/").unwrap_or(path);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let (author, slug) = path.split_once('/')?;
    (!author.is_empty() && !slug.is_empty() && !slug.contains('/')).then_some(path)
}

/// Splits one paragraph into text and model links; `known` says which ids we track.
fn segments(paragraph: &str, known: &dyn Fn(&str) -> bool) -> Vec<Segment> {
    let text = paragraph.replace("**", "");
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let link = after.find("](").and_then(|close| {
            let label = &after[..close];
            let target_start = close + 2;
            let end = after[target_start..].find(')')?;
            let target = &after[target_start..target_start + end];
            (!label.contains('[')).then_some((label, target, target_start + end + 1))
        });
        match link {
            Some((label, target, used)) => {
                plain.push_str(&rest[..open]);
                match model_id(target).filter(|id| known(id)) {
                    Some(id) => {
                        if !plain.is_empty() {
                            out.push(Segment::Text(std::mem::take(&mut plain)));
                        }
                        out.push(Segment::Model {
                            label: label.to_string(),
                            id: id.to_string(),
                        });
                    }
                    None => plain.push_str(label),
                }
                rest = &after[used..];
            }
            None => {
                plain.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Segment::Text(plain));
    }
    out
}

/// The description's paragraphs (split on blank lines), each as runs of text and links.
pub fn paragraphs(description: &str, known: &dyn Fn(&str) -> bool) -> Vec<Vec<Segment>> {
    description
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| segments(p, known))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Segment {
        Segment::Text(s.to_string())
    }

    fn link(label: &str, id: &str) -> Segment {
        Segment::Model {
            label: label.to_string(),
            id: id.to_string(),
        }
    }

    fn tracked(id: &str) -> bool {
        matches!(id, "anthropic/claude-opus-5" | "openai/gpt-4-turbo")
    }

    #[test]
    fn links_to_models_we_track_become_our_links_in_every_spelling() {
        for target in [
            "/anthropic/claude-opus-5",
            "/models/anthropic/claude-opus-5",
            "https://openrouter.ai/anthropic/claude-opus-5",
            "<https://openrouter.ai/anthropic/claude-opus-5?tab=api>",
        ] {
            let p = paragraphs(&format!("Faster [Opus 5]({target}), same price."), &tracked);
            assert_eq!(
                p,
                vec![vec![
                    text("Faster "),
                    link("Opus 5", "anthropic/claude-opus-5"),
                    text(", same price.")
                ]],
                "{target}"
            );
        }
    }

    #[test]
    fn other_links_keep_only_their_label() {
        let p = paragraphs(
            "By [Poolside](<https://poolside.ai/>), the [most popular model](/rankings#task-spend) \
             and [GPT-9](/openai/gpt-9).",
            &tracked,
        );
        assert_eq!(
            p,
            vec![vec![text("By Poolside, the most popular model and GPT-9.")]]
        );
    }

    #[test]
    fn bold_markers_go_brackets_without_a_link_stay_and_paragraphs_split() {
        let p = paragraphs(
            "A **fast** model [beta] (new).\n\n  \n\nSee [GPT-4 Turbo](/models/openai/gpt-4-turbo)",
            &tracked,
        );
        assert_eq!(
            p,
            vec![
                vec![text("A fast model [beta] (new).")],
                vec![text("See "), link("GPT-4 Turbo", "openai/gpt-4-turbo")],
            ]
        );
    }

    #[test]
    fn unfinished_markup_is_left_as_text() {
        let p = paragraphs("Odd [label](no end and [x](", &tracked);
        assert_eq!(p, vec![vec![text("Odd [label](no end and [x](")]]);
    }
}
