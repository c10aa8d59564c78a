//! Events, event policies, timers and topic subscriptions in TOML flows, through `check_transcript`.

#![allow(clippy::unwrap_used)]

use colloquy_testkit::{check_transcript, flight_bot};

/// A small bot exercising every event policy: a payment that must not be interrupted, a survey that
/// ignores alerts, a quiz whose score is updated silently, and an event context pushed by a handler.
const POLICIES: &str = r#"
[bot]
name = "policies"
fallback = "Sorry?"
help = "Help."

[intents.pay]
examples = ["pay", "I want to pay"]
[intents.survey]
examples = ["survey", "take the survey"]

[contexts.payment]
title = "payment"
triggers = ["pay"]
initial = "AMOUNT"

[contexts.payment.slots.amount]
type = "number"
prompt = "How much?"

[contexts.payment.states.AMOUNT]
collect = ["amount"]
on_filled = "CONFIRM"

[contexts.payment.states.CONFIRM]
prompt = "Pay {amount}? (yes/no)"
allow_digressions = false
event_policy = { alert = "queue" }
on_yes = { say = "Paid.", end = "complete" }
on_no = { say = "Not paid.", end = "cancel" }

[contexts.payment.on_event.alert]
say = "Alert: {text}"

[contexts.payment.on_event.rate]
policy = "update"
set = { amount = "{amount}" }

[contexts.payment.on_event.fraud]
start = "fraud_check"

[contexts.fraud_check]
title = "security check"
initial = "ASK"

# Filled from the event's data when the context is pushed.
[contexts.fraud_check.slots.place]
type = "text"
prompt = "Where?"
optional = true

[contexts.fraud_check.states.ASK]
prompt = "Did you make a payment in {place}? (yes/no)"
on_yes = { say = "Thanks, all good.", end = "complete" }
on_no = { say = "Card blocked.", end = "complete" }

[contexts.survey]
title = "survey"
triggers = ["survey"]
initial = "START"

[contexts.survey.states.START]
on_input = "Q1"

[contexts.survey.states.Q1]
prompt = "Rate us from 1 to 5."
on_input = { say = "Thanks!", end = "complete" }

[contexts.survey.on_event.alert]
policy = "ignore"

[events.alert]
say = "(later) Alert: {text}"
"#;

fn policies_bot() -> colloquy_flow::Bot {
    colloquy_flow::load_str("policies.toml", POLICIES)
        .unwrap()
        .1
}

#[test]
fn seed_price_change_interrupts_then_the_booking_resumes_with_its_open_question() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        user: from Lahore
        bot: Great! Now tell me the destination city.
        event: price_change new_price=$299
        bot: Alert: Price changed to $299
        bot: Back to your booking: What is your destination city?
        stack: booking/COLLECTING_INFO
        user: to Dubai
        bot: Confirm booking from Lahore to Dubai? (yes/no)
        user: yes
        bot: Booking confirmed!
        stack: (empty)
        # No booking any more: the bot-level reply answers.
        event: price_change new_price=$250
        bot: Alert: Price changed to $250
        ",
    );
}

#[test]
fn interrupt_during_a_digression_re_asks_the_digression_question() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight from Lahore
        bot: Starting new booking. Great! Now tell me the destination city.
        user: what's the weather like
        bot: Which city?
        event: price_change new_price=$310
        bot: Alert: Price changed to $310
        bot: Back to your weather question: Which city?
        stack: booking/COLLECTING_INFO > weather/ASK
        ",
    );
}

#[test]
fn queue_holds_an_event_until_the_state_may_be_left() {
    check_transcript(
        &policies_bot(),
        "
        user: pay
        bot: How much?
        event: alert text=low-balance
        bot: Alert: low-balance
        bot: Back to your payment: How much?
        user: 40
        bot: Pay 40? (yes/no)
        event: alert text=new-login
        stack: payment/CONFIRM
        user: yes
        bot: Paid.
        bot: (later) Alert: new-login
        stack: (empty)
        ",
    );
}

#[test]
fn update_changes_data_silently_and_ignore_swallows() {
    let session = check_transcript(
        &policies_bot(),
        "
        user: pay
        bot: How much?
        user: 40
        bot: Pay 40? (yes/no)
        event: rate amount=42
        stack: payment/CONFIRM
        # Nothing was said, but the amount changed: the help command re-asks the open question.
        user: help
        bot: Help.
        bot: Pay 42? (yes/no)
        user: no
        bot: Not paid.
        user: survey
        bot: Rate us from 1 to 5.
        event: alert text=ignored
        stack: survey/Q1
        user: 5
        bot: Thanks!
        ",
    );
    assert!(session.queued.is_empty());
}

#[test]
fn an_event_context_is_pushed_and_the_flow_resumes_after_it() {
    check_transcript(
        &policies_bot(),
        "
        user: pay
        bot: How much?
        event: fraud place=Oslo
        bot: Did you make a payment in Oslo? (yes/no)
        stack: payment/AMOUNT > fraud_check/ASK
        user: yes
        bot: Thanks, all good.
        bot: Back to your payment: How much?
        stack: payment/AMOUNT
        ",
    );
}

#[test]
fn inactivity_timer_fires_after_silence_and_a_message_restarts_it() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight
        bot: Starting new booking. Please specify departure city.
        timers: booking/nudge
        wait: 9m
        user: from Lahore
        bot: Great! Now tell me the destination city.
        # 9m + 9m since the state was entered, but only 9m since the last message: nothing yet.
        wait: 9m
        wait: 1m
        bot: Are you still there?
        bot: Back to your booking: What is your destination city?
        # It fired once; the next message re-arms it.
        timers: (none)
        wait: 1h
        user: to Dubai
        bot: Confirm booking from Lahore to Dubai? (yes/no)
        # Leaving the state cancelled it.
        timers: (none)
        wait: 1h
        ",
    );
}

#[test]
fn booking_follows_its_fare_topic_once_both_cities_are_known_and_drops_it_when_done() {
    check_transcript(
        &flight_bot(),
        "
        user: I want to book a flight from Lahore
        bot: Starting new booking. Great! Now tell me the destination city.
        topics: (none)
        user: to Dubai
        bot: Confirm booking from Lahore to Dubai? (yes/no)
        topics: fare:Lahore-Dubai
        user: no
        bot: Booking cancelled. Start over?
        topics: (none)
        user: yes
        bot: Starting new booking. Please specify departure city.
        user: from Karachi to London
        bot: Confirm booking from Karachi to London? (yes/no)
        topics: fare:Karachi-London
        user: cancel
        bot: Okay, I've stopped the booking.
        topics: (none)
        ",
    );
}

#[test]
fn bad_event_settings_are_located_errors() {
    let bad = r#"
[bot]
name = "bad"
fallback = "?"
help = "h"

[contexts.c]
initial = "A"

[contexts.c.states.A]
on_input = { end = "complete" }

[contexts.c.states.A.timers.t]
after = "soon"

[contexts.c.on_event.e]
policy = "update"
say = "loud"
start = "nowhere"
"#;
    let err = colloquy_flow::load_str("bad.toml", bad).err().unwrap();
    let text = err.to_string();
    assert!(
        text.contains("contexts.c.states.A.timers.t.after"),
        "{text}"
    );
    assert!(text.contains("`soon` is not a delay"), "{text}");
    assert!(text.contains("`start` names `nowhere`"), "{text}");
    assert!(
        text.contains("policy `update` changes data silently"),
        "{text}"
    );
    let unknown_policy = bad.replace("policy = \"update\"", "policy = \"later\"");
    let err = colloquy_flow::load_str("bad.toml", &unknown_policy)
        .err()
        .unwrap();
    assert!(err.to_string().contains("unknown variant `later`"), "{err}");
}

#[test]
fn queued_events_are_bounded_and_delivered_one_at_a_time() {
    let bot = policies_bot();
    let mut session = check_transcript(
        &bot,
        "
        user: pay
        bot: How much?
        user: 40
        bot: Pay 40? (yes/no)
        ",
    );
    for n in 0..40 {
        let event = colloquy_core::Event::new("alert").with("text", format!("n{n}"));
        assert!(bot.deliver(&mut session, &event, 10_000).replies.is_empty());
    }
    assert_eq!(
        session.queued.len(),
        colloquy_core::event_dispatch::MAX_QUEUED
    );
    // The oldest were dropped; the rest come once the confirmation is answered.
    let turn = bot.respond(&mut session, "yes", 20_000);
    assert_eq!(turn.replies[0], "Paid.");
    assert_eq!(turn.replies[1], "(later) Alert: n8");
    let delivered = turn.replies.len() - 1 + {
        let mut more = 0;
        while !session.queued.is_empty() {
            more += bot.respond(&mut session, "hello", 30_000).replies.len() - 1;
        }
        more
    };
    assert_eq!(delivered, colloquy_core::event_dispatch::MAX_QUEUED);
}
