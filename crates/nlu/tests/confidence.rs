//! Confidence and out-of-scope: a new title does not make a message look out of scope, words the bot
//! never saw do.

use colloquy_nlu::{NluSpec, RecognizeContext, Recognizer, TrainedRecognizer, dataset};

/// A recognizer trained on `(annotated example, intent)` pairs.
fn train(examples: &[(&str, &str)]) -> TrainedRecognizer {
    let spec = NluSpec {
        examples: examples
            .iter()
            .map(|(t, i)| dataset::annotated(t, i))
            .collect(),
        ..NluSpec::default()
    };
    TrainedRecognizer::train(&spec).unwrap_or_else(|e| panic!("{e}"))
}

fn recognizer() -> TrainedRecognizer {
    let examples = [
        ("play [yellow submarine](song) please", "play"),
        ("play [hey jude](song)", "play"),
        ("can you play [let it be](song) for me", "play"),
        ("play [bohemian rhapsody](song) by [queen](artist)", "play"),
        ("play something by [abba](artist)", "play"),
        (
            "i want to hear [imagine](song) by [john lennon](artist)",
            "play",
        ),
        ("put on [wonderwall](song)", "play"),
        ("play [fix you](song) now", "play"),
        ("what's the weather like today", "weather"),
        ("will it rain tomorrow", "weather"),
        ("is it going to be sunny", "weather"),
        ("weather forecast for the weekend", "weather"),
        ("book a flight", "book"),
        ("i want to fly somewhere", "book"),
        ("get me a plane ticket", "book"),
        ("reserve a seat on a flight", "book"),
    ];
    train(&examples)
}

fn top(r: &TrainedRecognizer, text: &str) -> (String, f32) {
    let u = r.recognize(text, &RecognizeContext::default());
    u.intents
        .first()
        .map_or((String::new(), 0.0), |i| (i.name.clone(), i.confidence))
}

#[test]
fn an_unseen_title_does_not_lower_confidence_but_unknown_words_do() {
    let r = recognizer();
    let (known_song, c_known) = top(&r, "play hey jude please");
    let (new_song, c_new) = top(&r, "play zorblax quintonic please");
    assert_eq!((known_song.as_str(), new_song.as_str()), ("play", "play"));
    // Two of three words are new, but they are the song's title: judged on "play … please".
    assert!(c_new > 0.5, "{c_new} (known title: {c_known})");
    assert!(c_new > 0.8 * c_known, "{c_new} vs {c_known}");
    let (_, gibberish) = top(&r, "zorblax quintonic vexillum");
    assert!(gibberish < 0.3, "{gibberish}");
    let (_, off_topic) = top(&r, "what is the capital of Peru");
    assert!(off_topic < 0.5, "{off_topic}");
}

#[test]
fn a_place_name_no_example_mentions_leans_to_the_intent_whose_examples_name_places() {
    let examples = [
        ("tell me about France", "country_facts"),
        ("tell me about Japan", "country_facts"),
        ("what do you know about Kenya", "country_facts"),
        ("tell me about photosynthesis", "define"),
        ("tell me about gravity", "define"),
        ("tell me about jazz", "define"),
        ("tell me about Shakespeare", "define"),
        ("tell me about Bitcoin", "define"),
        ("what do you know about volcanoes", "define"),
    ];
    let r = train(&examples);
    let country = |text: &str| {
        let u = r.recognize(text, &RecognizeContext::default());
        u.intents
            .iter()
            .find(|i| i.name == "country_facts")
            .map_or(0.0, |i| i.confidence)
    };
    // Two words no example has: the country name leans to the country intent, the made-up word not.
    for (place, other) in [
        ("Belgium", "Zorblat"),
        ("Peru", "Qwox"),
        ("Argentina", "Plimbrost"),
    ] {
        let (p, o) = (
            country(&format!("tell me about {place}")),
            country(&format!("tell me about {other}")),
        );
        assert!(p > o + 0.1, "{place} {p} vs {other} {o}");
    }
    assert_eq!(top(&r, "tell me about electricity").0, "define");
}

#[test]
fn the_ranking_keeps_the_best_ten_intents() {
    let words = [
        "apple", "banana", "cherry", "grape", "lemon", "mango", "melon", "olive", "peach", "pear",
        "plum", "quince",
    ];
    let spec = NluSpec {
        examples: words
            .iter()
            .flat_map(|w| {
                [
                    dataset::annotated(&format!("order a {w}"), w),
                    dataset::annotated(&format!("I would like a {w} please"), w),
                ]
            })
            .collect(),
        ..NluSpec::default()
    };
    let r = TrainedRecognizer::train(&spec).unwrap_or_else(|e| panic!("{e}"));
    let u = r.recognize("order a mango", &RecognizeContext::default());
    assert_eq!(u.intents.len(), colloquy_nlu::trained::RANKING_LENGTH);
    assert_eq!(u.intents[0].name, "mango");
    assert!(
        u.intents
            .windows(2)
            .all(|w| w[0].confidence >= w[1].confidence)
    );
}
