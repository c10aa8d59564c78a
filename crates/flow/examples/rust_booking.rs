//! The Rust route: the flight booking written by hand as a [`Context`] instead of as a TOML flow.
//!
//! The bot is the shipped `config/flight-bot.toml` (recognizer, weather digression, commands, texts) with its
//! `booking` context replaced by [`FlightBookingContext`]. The trigger `book_flight → booking` stays
//! registered by the TOML, so the router starts the Rust context exactly where it started the TOML one.
//!
//! Run it with `cargo run -p colloquy-flow --example rust_booking`; it prints the seed conversation.
//!
//! States: `INIT → COLLECTING_INFO → CONFIRMING → COMPLETED`; a "no" while confirming goes back to `INIT`.
//! All per-session state lives in the [`Frame`] (slots `from_city`, `to_city`, `price`); the context itself
//! is shared by every session and only holds the [`TransitionLog`] its `on_state_change` hook writes to.

use colloquy_core::template::{self, Tables};
use colloquy_core::{
    Context, DigressionPolicy, Event, EventOutcome, Frame, Outcome, Output, Session,
    StateTransition, Understanding, UserInput,
};
use colloquy_flow::Bot;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// The state a booking starts in, and returns to after "no" at the confirmation.
pub const INIT: &str = "INIT";
/// Asking for the departure and destination cities.
pub const COLLECTING_INFO: &str = "COLLECTING_INFO";
/// Waiting for yes/no on the booking; digressions are refused here.
pub const CONFIRMING: &str = "CONFIRMING";
/// The booking went through; the context completes on entering it.
pub const COMPLETED: &str = "COMPLETED";

/// Slot holding the departure city.
const FROM: &str = "from_city";
/// Slot holding the destination city.
const TO: &str = "to_city";
/// Invalid answers in a row before the booking gives up (as `max_attempts` in the TOML flow).
const MAX_ATTEMPTS: u32 = 3;

/// Every state change any session's booking made, in order: what `on_state_change` records.
///
/// Shared (`Arc`) so that whoever built the context — a test, a metrics exporter — can read it while the bot
/// runs. A real deployment would send these to its logs instead.
#[derive(Debug, Clone, Default)]
pub struct TransitionLog(Arc<Mutex<Vec<StateTransition>>>);

impl TransitionLog {
    /// The transitions recorded so far.
    pub fn entries(&self) -> Vec<StateTransition> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn record(&self, change: &StateTransition) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(change.clone());
    }
}

/// The flight booking as a hand-written context: fills `from_city`/`to_city` from the recognizer's `city`
/// entities (by role `from`/`to`, or by answering the question asked), confirms with yes/no, and reacts to
/// `price_change` events.
#[derive(Debug, Clone, Default)]
pub struct FlightBookingContext {
    /// Where `on_state_change` records every transition.
    log: TransitionLog,
}

impl FlightBookingContext {
    /// A handle on the transitions this context records (clones share the same log).
    pub fn transitions(&self) -> TransitionLog {
        self.log.clone()
    }

    /// Collects cities from `input`; says what to ask next or moves on to the confirmation. `fresh`: the
    /// booking (re)starts with this message, so a message without cities is not an invalid answer.
    fn collect(
        &self,
        frame: &mut Frame,
        input: &UserInput<'_>,
        say: &mut Vec<String>,
        fresh: bool,
    ) -> Outcome {
        let asked = missing(frame);
        let filled = fill_cities(frame, input.understanding, asked);
        match missing(frame) {
            None => {
                frame.attempts = 0;
                frame.transition_to(CONFIRMING);
                say.push(confirm_question(frame));
                Outcome::Continue
            }
            // Something filled, or the booking starts with this message: ask, don't re-prompt.
            Some(next) if filled || fresh => {
                frame.attempts = 0;
                say.push(
                    if next == FROM {
                        "Please specify departure city."
                    } else {
                        "Great! Now tell me the destination city."
                    }
                    .to_owned(),
                );
                Outcome::Continue
            }
            Some(next) => invalid(
                frame,
                say,
                if next == FROM {
                    "Sorry, I don't know that city. Which city are you flying from?".to_owned()
                } else {
                    "Sorry, I don't know that city. What is your destination city?".to_owned()
                },
            ),
        }
    }
}

impl Context for FlightBookingContext {
    fn title(&self) -> &str {
        "booking"
    }

    fn initial_state(&self) -> &str {
        INIT
    }

    fn process_input(&self, frame: &mut Frame, input: &UserInput<'_>, out: &mut Output) -> Outcome {
        let mut say = Vec::new();
        let outcome = match frame.state.as_str() {
            CONFIRMING => match input.understanding.yes_no() {
                Some(true) => {
                    // The hook says "Booking confirmed!" when COMPLETED is entered.
                    frame.transition_to(COMPLETED);
                    Outcome::Complete
                }
                Some(false) => {
                    say.push("Booking cancelled. Start over?".to_owned());
                    frame.data.clear();
                    frame.transition_to(INIT);
                    Outcome::Continue
                }
                None => {
                    let again = format!(
                        "Please answer yes or no: book from {} to {}?",
                        slot(frame, FROM),
                        slot(frame, TO)
                    );
                    invalid(frame, &mut say, again)
                }
            },
            COLLECTING_INFO => self.collect(frame, input, &mut say, false),
            // INIT (a fresh booking or "Start over?"), or a state this version does not know.
            _ => {
                if input.understanding.yes_no() == Some(false) {
                    say.push("Okay. Let me know whenever you want to book.".to_owned());
                    Outcome::Complete
                } else {
                    say.push("Starting new booking.".to_owned());
                    frame.transition_to(COLLECTING_INFO);
                    self.collect(frame, input, &mut say, true)
                }
            }
        };
        out.say(say.join(" "));
        outcome
    }

    fn handle_event(&self, frame: &mut Frame, event: &Event, out: &mut Output) -> EventOutcome {
        if event.kind != "price_change" {
            return EventOutcome::Ignored;
        }
        if let Some(price) = event.data.get("new_price") {
            frame.set("price", price.clone());
        }
        out.say(template::render(
            "Alert: Price changed to {new_price}",
            &[&event.data],
            &Tables::new(),
        ));
        EventOutcome::Handled(Outcome::Continue)
    }

    fn on_state_change(&self, _frame: &mut Frame, change: &StateTransition, out: &mut Output) {
        self.log.record(change);
        if change.to == COMPLETED {
            out.say("Booking confirmed!");
        }
    }

    fn open_question(&self, frame: &Frame) -> Option<String> {
        Some(match frame.state.as_str() {
            COLLECTING_INFO if missing(frame) == Some(FROM) => {
                "Which city are you flying from?".into()
            }
            COLLECTING_INFO => "What is your destination city?".into(),
            CONFIRMING => confirm_question(frame),
            INIT => "Start over?".into(),
            _ => return None,
        })
    }

    fn policy(&self, frame: &Frame) -> DigressionPolicy {
        DigressionPolicy {
            // A half-confirmed payment is not left for a weather question.
            allow_away: frame.state != CONFIRMING,
            ..DigressionPolicy::default()
        }
    }
}

/// The first city slot still empty.
fn missing(frame: &Frame) -> Option<&'static str> {
    [FROM, TO].into_iter().find(|s| frame.get(s).is_none())
}

/// Fills the city slots from the message: an entity with role `from`/`to` always sets (and corrects) its
/// slot; a city without a role answers the slot that was asked. Returns whether anything was set.
fn fill_cities(frame: &mut Frame, understanding: &Understanding, asked: Option<&str>) -> bool {
    let mut filled = false;
    let mut answered = false;
    for city in understanding.entities.iter().filter(|e| e.kind == "city") {
        let slot = match city.role.as_deref() {
            Some("from") => FROM,
            Some("to") => TO,
            _ => match asked {
                Some(slot) if !answered && frame.get(slot).is_none() => {
                    answered = true;
                    slot
                }
                _ => continue,
            },
        };
        frame.set(slot, city.value.as_str());
        filled = true;
    }
    filled
}

fn slot(frame: &Frame, name: &str) -> String {
    frame.get(name).map(ToString::to_string).unwrap_or_default()
}

fn confirm_question(frame: &Frame) -> String {
    format!(
        "Confirm booking from {} to {}? (yes/no)",
        slot(frame, FROM),
        slot(frame, TO)
    )
}

/// Counts an unusable answer: re-asks `again`, or gives up after [`MAX_ATTEMPTS`].
fn invalid(frame: &mut Frame, say: &mut Vec<String>, again: String) -> Outcome {
    frame.attempts += 1;
    if frame.attempts >= MAX_ATTEMPTS {
        say.push("Sorry, I couldn't understand the city. Let's stop this booking for now.".into());
        return Outcome::Cancel;
    }
    say.push(again);
    Outcome::Continue
}

/// The flight bot from `config/flight-bot.toml` with its `booking` flow replaced by `booking`.
///
/// Panics with the located diagnostics if the shipped config does not load (it is part of this repository).
pub fn build_bot_with(booking: FlightBookingContext) -> Bot {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../config/flight-bot.toml");
    let mut bot = match colloquy_flow::load_file(&path) {
        Ok((_, bot)) => bot,
        Err(d) => panic!("{} does not load:\n{d}", path.display()),
    };
    // Same name as the TOML context: the TOML's trigger `book_flight → booking` now starts this one.
    bot.registry_mut().register_context("booking", booking);
    bot
}

/// The flight bot with a fresh [`FlightBookingContext`] as its `booking`.
pub fn build_bot() -> Bot {
    build_bot_with(FlightBookingContext::default())
}

/// One line of the seed script: a user message, or an event with its `new_price`.
#[derive(Debug, Clone, Copy)]
pub enum SeedStep {
    /// The user says this.
    User(&'static str),
    /// A `price_change` event with this `new_price`.
    PriceChange(&'static str),
}

/// The seed conversation from the design, plus the "no" at the confirmation and a second booking.
pub const SEED: &[SeedStep] = &[
    SeedStep::User("I want to book a flight"),
    SeedStep::User("from Lahore"),
    SeedStep::User("What's the weather in Dubai?"),
    SeedStep::User("to Dubai"),
    SeedStep::User("no"),
    SeedStep::User("yes"),
    SeedStep::User("from Karachi"),
    SeedStep::User("London"),
    SeedStep::User("yes"),
    SeedStep::PriceChange("$299"),
];

/// Runs `steps` against a fresh session of `bot`; returns the transcript as `user:` / `event:` / `bot:`
/// lines (the format `colloquy_testkit::check_transcript` reads).
pub fn run_conversation(bot: &Bot, steps: &[SeedStep]) -> Vec<String> {
    let mut session = Session::default();
    let mut lines = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let now_ms = 1_000 * (i as u64 + 1);
        let turn = match *step {
            SeedStep::User(text) => {
                lines.push(format!("user: {text}"));
                bot.respond(&mut session, text, now_ms)
            }
            SeedStep::PriceChange(price) => {
                lines.push(format!("event: price_change new_price={price}"));
                let event = Event::new("price_change").with("new_price", price);
                bot.deliver(&mut session, &event, now_ms)
            }
        };
        lines.extend(turn.replies.iter().map(|r| format!("bot: {r}")));
    }
    lines
}

fn main() {
    let bot = build_bot();
    for line in run_conversation(&bot, SEED) {
        println!("{line}");
    }
}
