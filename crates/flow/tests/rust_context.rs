//! The Rust route (`examples/rust_booking.rs`): a hand-written booking context registered in place of the
//! TOML one must hold the same conversations, word for word, and its hooks must fire.

#![allow(clippy::unwrap_used)]

#[path = "../examples/rust_booking.rs"]
#[allow(dead_code)]
mod example;

use colloquy_core::{HistoryKind, Route, Session, SlotValue, StateTransition};
use colloquy_testkit::check_transcript;
use example::{FlightBookingContext, SEED, build_bot, build_bot_with, run_conversation};

/// The seed conversation as the example prints it, in `check_transcript` format.
const SEED_TRANSCRIPT: &str = "\
user: I want to book a flight
bot: Starting new booking. Please specify departure city.
user: from Lahore
bot: Great! Now tell me the destination city.
user: What's the weather in Dubai?
bot: It's sunny and 34°C in Dubai.
bot: Back to your booking: What is your destination city?
user: to Dubai
bot: Confirm booking from Lahore to Dubai? (yes/no)
user: no
bot: Booking cancelled. Start over?
user: yes
bot: Starting new booking. Please specify departure city.
user: from Karachi
bot: Great! Now tell me the destination city.
user: London
bot: Confirm booking from Karachi to London? (yes/no)
user: yes
bot: Booking confirmed!
event: price_change new_price=$299
bot: Alert: Price changed to $299";

fn t(from: &str, to: &str) -> StateTransition {
    StateTransition {
        from: from.into(),
        to: to.into(),
    }
}

/// The transitions the engine recorded in the session's history for `context`.
fn history_transitions(session: &Session, context: &str) -> Vec<StateTransition> {
    session
        .history
        .iter()
        .filter_map(|h| match &h.kind {
            HistoryKind::Transition {
                context: c,
                from,
                to,
            } if c == context => Some(t(from, to)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_rust_booking_replaces_the_toml_one_under_the_same_trigger() {
    let bot = build_bot();
    assert_eq!(
        bot.engine().registry.triggered_by("book_flight"),
        Some("booking")
    );
    assert_eq!(
        bot.engine()
            .registry
            .get("booking")
            .map(|c| c.title().to_owned()),
        Some("booking".to_owned())
    );
    assert_eq!(
        bot.engine().registry.names(),
        ["booking", "greeting", "thanks", "weather"]
    );
}

#[test]
fn seed_conversation_digression_no_to_init_and_event_with_every_hook_fired() {
    let booking = FlightBookingContext::default();
    let log = booking.transitions();
    let bot = build_bot_with(booking);
    let session = check_transcript(
        &bot,
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        stack: booking/COLLECTING_INFO
        user: from Lahore
        bot: Great! Now tell me the destination city.
        user: What's the weather in Dubai?
        bot: It's sunny and 34°C in Dubai.
        bot: Back to your booking: What is your destination city?
        stack: booking/COLLECTING_INFO
        user: to Dubai
        bot: Confirm booking from Lahore to Dubai? (yes/no)
        stack: booking/CONFIRMING
        user: no
        bot: Booking cancelled. Start over?
        stack: booking/INIT
        user: yes
        bot: Starting new booking. Please specify departure city.
        user: from Karachi
        bot: Great! Now tell me the destination city.
        event: price_change new_price=$350
        bot: Alert: Price changed to $350
        bot: Back to your booking: What is your destination city?
        stack: booking/COLLECTING_INFO
        user: London
        bot: Confirm booking from Karachi to London? (yes/no)
        user: yes
        bot: Booking confirmed!
        stack: (empty)
        event: price_change new_price=$299
        bot: Alert: Price changed to $299
        ",
    );
    let expected = [
        t("INIT", "COLLECTING_INFO"),
        t("COLLECTING_INFO", "CONFIRMING"),
        t("CONFIRMING", "INIT"),
        t("INIT", "COLLECTING_INFO"),
        t("COLLECTING_INFO", "CONFIRMING"),
        t("CONFIRMING", "COMPLETED"),
    ];
    assert_eq!(
        log.entries(),
        expected,
        "on_state_change once per transition"
    );
    assert_eq!(
        history_transitions(&session, "booking"),
        expected,
        "the engine saw the same transitions"
    );
}

#[test]
fn example_prints_the_seed_conversation_word_for_word() {
    let lines = run_conversation(&build_bot(), SEED);
    assert_eq!(lines.join("\n"), SEED_TRANSCRIPT);
    // What it prints is itself a valid script.
    check_transcript(&build_bot(), SEED_TRANSCRIPT);
    // And the TOML booking holds the very same conversation.
    check_transcript(&colloquy_testkit::flight_bot(), SEED_TRANSCRIPT);
}

#[test]
fn price_change_mid_booking_is_handled_by_the_rust_context() {
    let bot = build_bot();
    let session = check_transcript(
        &bot,
        "
        user: I want to book a flight from Lahore
        bot: Starting new booking. Great! Now tell me the destination city.
        event: price_change new_price=$299
        bot: Alert: Price changed to $299
        bot: Back to your booking: What is your destination city?
        stack: booking/COLLECTING_INFO
        event: reminder
        ",
    );
    let top = session.stack.top().unwrap();
    assert_eq!(top.get("price"), Some(&SlotValue::from("$299")));
    assert_eq!(top.get("from_city"), Some(&SlotValue::from("Lahore")));
}

#[test]
fn confirming_refuses_digressions_by_policy() {
    let bot = build_bot();
    let mut session = check_transcript(
        &bot,
        "
        user: fly from Lahore to DXB
        bot: Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)
        stack: booking/CONFIRMING
        ",
    );
    let turn = bot.respond(&mut session, "what's the weather in London?", 5_000);
    assert_eq!(
        turn.route,
        Route::Continue {
            refused: Some("weather".into())
        }
    );
    assert_eq!(
        turn.replies,
        ["Please answer yes or no: book from Lahore to Dubai?"]
    );
    let turn = bot.respond(&mut session, "yes", 6_000);
    assert_eq!(turn.replies, ["Booking confirmed!"]);
    assert!(session.stack.is_empty());
}

#[test]
fn open_question_is_re_asked_by_help_and_after_cancelling_a_digression() {
    check_transcript(
        &build_bot(),
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        user: help
        bot: I can book flights ('I want to book a flight') and tell you the weather ('weather in Dubai'). Say 'cancel' to stop the current step or 'restart' to start over.
        bot: Which city are you flying from?
        user: how's the weather?
        bot: Which city?
        stack: booking/COLLECTING_INFO > weather/ASK
        user: cancel
        bot: Okay, I've stopped the weather question.
        bot: Back to your booking: Which city are you flying from?
        user: no
        bot: Sorry, I don't know that city. Which city are you flying from?
        ",
    );
}

#[test]
fn corrections_invalid_answers_and_giving_up() {
    check_transcript(
        &build_bot(),
        "
        user: I want to book a flight from Lahore
        bot: Starting new booking. Great! Now tell me the destination city.
        user: actually from Karachi
        bot: Great! Now tell me the destination city.
        user: Atlantis
        bot: Sorry, I don't know that city. What is your destination city?
        user: Narnia
        bot: Sorry, I don't know that city. What is your destination city?
        user: Gotham
        bot: Sorry, I couldn't understand the city. Let's stop this booking for now.
        stack: (empty)
        ",
    );
}

#[test]
fn declining_to_start_over_ends_the_booking() {
    check_transcript(
        &build_bot(),
        "
        user: fly from Lahore to Dubai
        bot: Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)
        user: no
        bot: Booking cancelled. Start over?
        user: no thanks
        bot: Okay. Let me know whenever you want to book.
        stack: (empty)
        ",
    );
}
