//! Bad input never panics and takes bounded time: empty text, megabytes, binary garbage, emoji, mixed
//! scripts — for a recognizer with every extractor switched on (rules, classifier, out-of-scope class,
//! gazetteer with typos and roles, regex entity, learned slots, dates).

#![allow(clippy::unwrap_used)]

#[path = "support/every_extractor.rs"]
mod every_extractor;

use colloquy_nlu::{OUT_OF_SCOPE, RecognizeContext, Recognizer, TrainedRecognizer};
use proptest::prelude::*;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

static RECOGNIZER: LazyLock<TrainedRecognizer> =
    LazyLock::new(|| TrainedRecognizer::train(&every_extractor::spec()).unwrap());

/// Recognizes `text` and checks the invariants of any result.
fn check(text: &str) {
    let ctx = RecognizeContext {
        now_ms: 1_795_597_200_000,
        utc_offset_minutes: 300,
    };
    let started = Instant::now();
    let u = RECOGNIZER.recognize(text, &ctx);
    let took = started.elapsed();
    // Generous for a debug build on a shared machine; recognition reads at most 4 KiB of any message.
    assert!(
        took < Duration::from_secs(2),
        "{took:?} for {} bytes",
        text.len()
    );
    let chars = text.chars().count();
    for i in &u.intents {
        assert!((0.0..=1.0).contains(&i.confidence), "{i:?}");
        assert_ne!(i.name, OUT_OF_SCOPE);
    }
    for w in u.intents.windows(2) {
        assert!(w[0].confidence >= w[1].confidence, "{:?}", u.intents);
    }
    for e in &u.entities {
        assert!(
            e.span.0 < e.span.1 && e.span.1 <= chars,
            "{e:?} in {chars} chars"
        );
        let raw: String = text
            .chars()
            .skip(e.span.0)
            .take(e.span.1 - e.span.0)
            .collect();
        assert_eq!(raw, e.raw, "span and raw text agree");
    }
}

#[test]
fn fixed_nasty_inputs() {
    let big = "fly from Lahore to Dubai ".repeat(45_000); // ~1.1 MB
    let garbage: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for text in [
        "",
        " ",
        "\u{0}\u{ffff}\u{10ffff}",
        "🙂🙂🙂 ✈️ to Dubai 🇦🇪",
        "مرحبا from دبي to Lahore",
        "из Москвы в Дубай завтра",
        "東京から大阪へ tomorrow",
        "[Lahore](city:from)",
        "on 31 February at 25:99 pm in 99999999999999999999 days",
        "$$$ €€€ 1e308 NaN -0",
        &"é".repeat(5000),
        &"Dubay ".repeat(2000),
        &big,
        &String::from_utf8_lossy(&garbage),
    ] {
        check(text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_is_recognized_without_panic(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn any_bytes_decoded_lossily_are_recognized(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn sentences_from_known_and_odd_words(words in proptest::collection::vec(
        proptest::sample::select(vec![
            "fly", "from", "to", "Lahore", "dubai", "DXB", "Dubay", "tomorrow", "next", "friday", "in", "3",
            "days", "$20", "at", "5pm", "play", "by", "🙂", "دبي", "São", "Paulo", "[x](y)", "-", ":", "'",
        ]),
        0..30,
    )) {
        check(&words.join(" "));
    }
}
