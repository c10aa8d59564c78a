//! The words around an open-vocabulary value decide the intent, not the value's own words: a new title
//! made of words from the other intent's titles still goes where its frame says. (Behaviour test: on this
//! small set the n-grams of "where can I see" alone nearly suffice; the feature's measured effect is in
//! docs/benchmarks/nlu.md.)

use colloquy_nlu::{NluSpec, RecognizeContext, Recognizer, TrainedRecognizer, dataset};

#[test]
fn the_frame_around_a_new_title_outweighs_the_titles_words() {
    let cinema = [
        "where can I see The Lost Songs of the Old Mountain Road",
        "where can I see The Lost Songs of the Old Mountain Road",
        "where can I see The Lost Songs of the Old Mountain Road",
        "where can I see The Lost Songs of the Old Mountain Road",
        "where can I see The Lost Songs of the Old Mountain Road",
        "show me where I can see [Cold Fire](movie)",
    ];
    let library = [
        "find the book [The Lost Kingdom of the Old Mountain](book)",
        "find the book [Songs of the Old Mountain](book)",
        "find the book [The Mountain King](book)",
        "find the book [Kingdom of Old Songs](book) for me",
        "find the book [The Old Mountain Road](book)",
        "look for the book [Mountain Songs](book)",
    ];
    let examples = cinema
        .iter()
        .map(|t| dataset::annotated(t, "cinema"))
        .chain(library.iter().map(|t| dataset::annotated(t, "library")))
        .collect();
    let spec = NluSpec {
        examples,
        ..NluSpec::default()
    };
    let r = TrainedRecognizer::train(&spec).unwrap_or_else(|e| panic!("{e}"));
    let u = r.recognize(
        "where can I see The Lost Songs of the Old Mountain Road",
        &RecognizeContext::default(),
    );
    assert_eq!(
        u.intents.first().map(|i| i.name.as_str()),
        Some("cinema"),
        "{:?}",
        u.intents
    );
}
