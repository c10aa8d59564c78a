//! Answers to a clarification question ("Did you want to book a flight or check the weather?"): which
//! option the user picked, if any. Pure word matching; no recognizer needed beyond the answer's intents.

use crate::context::UserInput;
use crate::engine::EngineConfig;
use crate::session::Clarification;

/// Words that say nothing about which option was meant.
const FILLER: &[&str] = &[
    "the", "a", "an", "to", "i", "want", "wanted", "did", "you", "yes", "please", "one", "option",
    "and", "or", "my", "me", "for", "it", "that", "this", "do", "would", "like", "meant", "mean",
    "check", "get",
];

/// The option the answer picks: its intent (when it is one of the options and reaches the threshold),
/// an ordinal ("the first", "2", "the latter"), or the only option sharing a word with the answer.
pub fn resolve(
    pending: &Clarification,
    input: &UserInput<'_>,
    config: &EngineConfig,
) -> Option<String> {
    if let Some(top) = input
        .understanding
        .top_intent(config.router.intent_threshold)
        && pending.options.contains(&top.name)
    {
        return Some(top.name.clone());
    }
    let words = words(input.text);
    let last = pending.options.len().checked_sub(1)?;
    for w in &words {
        let index = match w.as_str() {
            "first" | "1" | "former" | "1st" => Some(0),
            "second" | "2" | "2nd" => Some(1),
            "third" | "3" | "3rd" => Some(2),
            "latter" | "last" => Some(last),
            _ => None,
        };
        if let Some(i) = index.filter(|i| *i <= last) {
            return pending.options.get(i).cloned();
        }
    }
    let meaningful: Vec<&String> = words
        .iter()
        .filter(|w| !FILLER.contains(&w.as_str()))
        .collect();
    let matching: Vec<&String> = pending
        .options
        .iter()
        .filter(|o| {
            let title = config
                .intent_titles
                .get(*o)
                .cloned()
                .unwrap_or_else(|| o.replace('_', " "));
            let title_words = words_of_title(&title);
            meaningful
                .iter()
                .any(|w| title_words.iter().any(|t| same_word(t, w)))
        })
        .collect();
    match matching.as_slice() {
        [one] => Some((*one).clone()),
        _ => None,
    }
}

/// "A or B", "A, B or C".
pub fn join_options(titles: &[String]) -> String {
    match titles {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn words_of_title(title: &str) -> Vec<String> {
    words(title)
        .into_iter()
        .filter(|w| !FILLER.contains(&w.as_str()))
        .collect()
}

/// Equal, or equal after dropping a plural `s` ("flights" = "flight").
fn same_word(a: &str, b: &str) -> bool {
    a == b || a.strip_suffix('s') == Some(b) || b.strip_suffix('s') == Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{IntentMatch, Understanding};

    fn pending() -> Clarification {
        Clarification {
            text: "flights and weather".into(),
            understanding: Understanding::default(),
            options: vec!["book_flight".into(), "weather".into()],
        }
    }

    fn answer(text: &str, intent: Option<&str>) -> Option<String> {
        let mut config = EngineConfig::default();
        config
            .intent_titles
            .insert("book_flight".into(), "book a flight".into());
        config
            .intent_titles
            .insert("weather".into(), "check the weather".into());
        let u = Understanding {
            intents: intent
                .map(|n| IntentMatch {
                    name: n.into(),
                    confidence: 0.9,
                })
                .into_iter()
                .collect(),
            entities: vec![],
        };
        resolve(
            &pending(),
            &UserInput {
                text,
                understanding: &u,
            },
            &config,
        )
    }

    #[test]
    fn picks_by_intent_ordinal_or_title_words() {
        assert_eq!(
            answer("whatever", Some("weather")).as_deref(),
            Some("weather")
        );
        assert_eq!(
            answer("the first one", None).as_deref(),
            Some("book_flight")
        );
        assert_eq!(answer("the latter", None).as_deref(), Some("weather"));
        assert_eq!(
            answer("the Weather please", None).as_deref(),
            Some("weather")
        );
        assert_eq!(answer("Flights!", None).as_deref(), Some("book_flight"));
        assert_eq!(answer("I want to check", None), None);
        assert_eq!(answer("pizza", Some("order_pizza")), None);
        assert_eq!(
            join_options(&["a".into(), "b".into(), "c".into()]),
            "a, b or c"
        );
    }
}
