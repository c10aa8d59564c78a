//! The shipped flight bot, conversation by conversation.

use colloquy_testkit::{check_transcript, flight_bot};

#[test]
fn seed_conversation_with_digression_no_then_second_booking_and_event() {
    check_transcript(
        &flight_bot(),
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
        user: no
        bot: Booking cancelled. Start over?
        stack: booking/INIT
        user: yes
        bot: Starting new booking. Please specify departure city.
        user: from Karachi
        bot: Great! Now tell me the destination city.
        user: London
        bot: Confirm booking from Karachi to London? (yes/no)
        user: yes
        bot: Booking confirmed!
        stack: (empty)
        event: price_change new_price=$299
        bot: Alert: Price changed to $299
        ",
    );
}

#[test]
fn one_utterance_fills_both_cities_and_jumps_to_confirmation() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to fly from Lahore to DXB
        bot: Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)
        stack: booking/CONFIRMING
        ",
    );
}

#[test]
fn confirming_refuses_digressions_and_reprompts() {
    check_transcript(
        &flight_bot(),
        "
        user: book a flight from Lahore to Dubai
        bot: Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)
        user: what's the weather in London?
        bot: Please answer yes or no: book from Lahore to Dubai?
        stack: booking/CONFIRMING
        ",
    );
}

#[test]
fn weather_digression_asks_for_missing_city_and_resumes() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        user: how's the weather?
        bot: Which city?
        stack: booking/COLLECTING_INFO > weather/ASK
        user: Paris
        bot: It's mild and partly cloudy in Paris.
        bot: Back to your booking: Which city are you flying from?
        stack: booking/COLLECTING_INFO
        ",
    );
}

#[test]
fn cancel_pops_the_digression_and_resumes_then_cancels_the_booking() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        user: weather please
        bot: Which city?
        user: cancel
        bot: Okay, I've stopped the weather question.
        bot: Back to your booking: Which city are you flying from?
        user: never mind
        bot: Okay, I've stopped the booking.
        stack: (empty)
        user: cancel
        bot: There is nothing to cancel.
        ",
    );
}

#[test]
fn help_restart_and_fallback() {
    check_transcript(
        &flight_bot(),
        "
        user: hello there
        bot: Hello! I can book a flight or tell you the weather.
        stack: (empty)
        user: tell me about quantum physics
        bot: Sorry, I didn't get that. I can book a flight or tell you the weather. Type 'help' for more.
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        user: help
        bot: I can book flights ('I want to book a flight') and tell you the weather ('weather in Dubai'). Say 'cancel' to stop the current step or 'restart' to start over.
        bot: Which city are you flying from?
        user: /restart
        bot: Okay, let's start over.
        stack: (empty)
        ",
    );
}

#[test]
fn invalid_answers_reprompt_then_give_up() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        user: Atlantis
        bot: Sorry, I don't know that city. Which city are you flying from?
        user: Narnia
        bot: Sorry, I don't know that city. Which city are you flying from?
        user: Gotham
        bot: Sorry, I couldn't understand the city. Let's stop this booking for now.
        stack: (empty)
        ",
    );
}

#[test]
fn correction_overwrites_a_filled_slot() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight from Lahore
        bot: Starting new booking. Great! Now tell me the destination city.
        user: actually from Karachi
        bot: Great! Now tell me the destination city.
        user: to Doha
        bot: Confirm booking from Karachi to Doha? (yes/no)
        ",
    );
}

#[test]
fn event_mid_booking_is_handled_by_the_booking_and_state_is_kept() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        event: price_change new_price=$299
        bot: Alert: Price changed to $299
        bot: Back to your booking: Which city are you flying from?
        stack: booking/COLLECTING_INFO
        user: Lahore
        bot: Great! Now tell me the destination city.
        ",
    );
}

#[test]
fn declining_to_start_over_ends_the_booking() {
    check_transcript(
        &flight_bot(),
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

#[test]
fn confirming_offers_yes_and_no_as_quick_replies_on_the_last_message_only() {
    let bot = flight_bot();
    let mut session = colloquy_core::Session::default();
    let t = bot.respond(&mut session, "I want to fly from Lahore to Dubai", 1);
    assert_eq!(
        t.replies,
        ["Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)"]
    );
    assert_eq!(t.quick_replies, ["yes", "no"]);
    let t = bot.respond(&mut session, "yes", 2);
    assert_eq!(t.replies, ["Booking confirmed!"]);
    assert!(
        t.quick_replies.is_empty(),
        "a completed booking offers nothing"
    );
}

#[test]
fn cities_and_a_relative_date_in_one_turn_jump_to_confirmation() {
    // The transcript clock starts at 1970-01-01 00:00:02 UTC; the bot's users are at UTC+05:00.
    check_transcript(
        &flight_bot(),
        "
        user: I want to fly from Lahore to Dubai tomorrow
        bot: Starting new booking. Confirm booking from Lahore to Dubai on 1970-01-02? (yes/no)
        stack: booking/CONFIRMING
        user: yes
        bot: Booking confirmed!
        ",
    );
}

#[test]
fn a_typo_in_a_city_and_an_iata_code_are_understood() {
    check_transcript(
        &flight_bot(),
        "
        user: book a flight from LHE to Dubay
        bot: Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)
        ",
    );
}

#[test]
fn cities_outside_the_toml_come_from_the_gazetteer() {
    check_transcript(
        &flight_bot(),
        "
        user: I need a flight from Nairobi to Lagos
        bot: Starting new booking. Confirm booking from Nairobi to Lagos? (yes/no)
        ",
    );
}

#[test]
fn ambiguous_message_gets_a_clarification_whose_answer_routes() {
    check_transcript(
        &flight_bot(),
        "
        user: flights and weather
        bot: Did you want to book a flight or check the weather?
        stack: (empty)
        user: the first one
        bot: Starting new booking. Please specify departure city.
        stack: booking/COLLECTING_INFO
        ",
    );
    check_transcript(
        &flight_bot(),
        "
        user: flights and weather
        bot: Did you want to book a flight or check the weather?
        user: the weather please
        bot: Which city?
        stack: weather/ASK
        ",
    );
}

#[test]
fn an_unrelated_answer_to_a_clarification_is_handled_as_a_new_message() {
    check_transcript(
        &flight_bot(),
        "
        user: flights and weather
        bot: Did you want to book a flight or check the weather?
        user: thanks
        bot: You're welcome!
        stack: (empty)
        ",
    );
}

#[test]
fn out_of_scope_messages_fall_back_and_small_talk_is_answered() {
    check_transcript(
        &flight_bot(),
        "
        user: can you order me a pizza
        bot: Sorry, I didn't get that. I can book a flight or tell you the weather. Type 'help' for more.
        user: thank you so much
        bot: You're welcome!
        user: what can you do?
        bot: I can book flights ('I want to book a flight') and tell you the weather ('weather in Dubai'). Say 'cancel' to stop the current step or 'restart' to start over.
        ",
    );
}

#[test]
fn no_clarification_while_the_active_context_refuses_digressions() {
    check_transcript(
        &flight_bot(),
        "
        user: fly from Lahore to Dubai
        bot: Starting new booking. Confirm booking from Lahore to Dubai? (yes/no)
        user: flights and weather
        bot: Please answer yes or no: book from Lahore to Dubai?
        stack: booking/CONFIRMING
        ",
    );
}
