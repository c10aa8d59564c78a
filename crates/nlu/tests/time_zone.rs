//! Dates are resolved in the offset passed with each message: one trained recognizer serves sessions in
//! different time zones, with no state kept between calls.

#![allow(clippy::unwrap_used)]

use colloquy_nlu::{NluSpec, RecognizeContext, Recognizer, TrainedRecognizer, dataset};

/// 2026-11-25 21:30 UTC: already the 26th east of UTC+02:30, still the 25th at UTC.
const NOW: u64 = 1_795_642_200_000;

fn date_of(r: &TrainedRecognizer, text: &str, utc_offset_minutes: i32) -> String {
    let ctx = RecognizeContext {
        now_ms: NOW,
        utc_offset_minutes,
    };
    let u = r.recognize(text, &ctx);
    u.entities
        .into_iter()
        .find(|e| e.kind == "date")
        .map(|e| e.value)
        .unwrap_or_default()
}

#[test]
fn each_message_is_resolved_in_its_own_sessions_offset() {
    let spec = NluSpec {
        examples: vec![
            dataset::annotated("fly to [Dubai](city) tomorrow", "book"),
            dataset::annotated("weather today", "weather"),
        ],
        ..NluSpec::default()
    };
    let r = TrainedRecognizer::train(&spec).unwrap();
    // Interleaved calls for three sessions: each gets its own local "tomorrow".
    assert_eq!(date_of(&r, "fly tomorrow", 0), "2026-11-26");
    assert_eq!(date_of(&r, "fly tomorrow", 5 * 60), "2026-11-27");
    assert_eq!(date_of(&r, "fly tomorrow", -8 * 60), "2026-11-26");
    assert_eq!(date_of(&r, "fly tomorrow", 0), "2026-11-26");
    assert_eq!(date_of(&r, "weather today", 14 * 60), "2026-11-26");
    assert_eq!(date_of(&r, "weather today", -12 * 60), "2026-11-25");
}
