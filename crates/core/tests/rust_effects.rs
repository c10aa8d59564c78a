//! The Rust route to timers, topics and event contexts: a hand-written context uses `Output::schedule`,
//! `cancel_timer`, `subscribe`, `unsubscribe`, `start` and `event_policy`, and the engine applies them.

use colloquy_core::{
    Context, ContextRegistry, Engine, EngineConfig, Event, EventOutcome, EventPolicy, Frame,
    IntentMatch, Outcome, Output, Session, Understanding, UserInput,
};
use std::time::Duration;

/// Watches a stock: "watch" starts it; it follows `stock:ACME`, reminds after 5 s of silence ("ping"),
/// asks a security check (an event context) on `alert`, and silently updates its price on `tick`.
struct Watcher;

impl Context for Watcher {
    fn title(&self) -> &str {
        "stock watch"
    }
    fn process_input(&self, frame: &mut Frame, input: &UserInput<'_>, out: &mut Output) -> Outcome {
        match input.text {
            "stop" => {
                out.unsubscribe("stock:ACME");
                out.cancel_timer("ping");
                out.say("Stopped watching.");
                Outcome::Continue
            }
            "done" => Outcome::Complete,
            _ => {
                out.subscribe("stock:ACME");
                out.schedule("ping", Duration::from_secs(5), Event::new("ping"));
                out.say(format!(
                    "Watching ACME{}.",
                    frame
                        .get("price")
                        .map(|p| format!(" at {p}"))
                        .unwrap_or_default()
                ));
                Outcome::Continue
            }
        }
    }
    fn handle_event(&self, frame: &mut Frame, event: &Event, out: &mut Output) -> EventOutcome {
        match event.kind.as_str() {
            "ping" => out.say("Still watching ACME."),
            "tick" => {
                if let Some(p) = event.data.get("price") {
                    frame.set("price", p.clone());
                }
                out.say("(never said: update policy)");
            }
            "alert" => out.start("check"),
            _ => return EventOutcome::Ignored,
        }
        EventOutcome::Handled(Outcome::Continue)
    }
    fn event_policy(&self, _frame: &Frame, event: &Event) -> EventPolicy {
        if event.kind == "tick" {
            EventPolicy::Update
        } else {
            EventPolicy::Interrupt
        }
    }
    fn open_question(&self, _frame: &Frame) -> Option<String> {
        Some("Say 'stop' to stop watching.".into())
    }
}

/// The event context pushed by `alert`.
struct Check;

impl Context for Check {
    fn title(&self) -> &str {
        "security check"
    }
    fn process_input(&self, _: &mut Frame, _: &UserInput<'_>, out: &mut Output) -> Outcome {
        out.say("Thanks.");
        Outcome::Complete
    }
    fn open_question(&self, frame: &Frame) -> Option<String> {
        Some(format!(
            "Was the login from {} you? (yes/no)",
            frame
                .get("city")
                .map(ToString::to_string)
                .unwrap_or_default()
        ))
    }
}

fn engine() -> Engine {
    let mut registry = ContextRegistry::default();
    registry
        .register_context("watcher", Watcher)
        .register_context("check", Check)
        .register_trigger("watch", "watcher");
    Engine::new(registry, EngineConfig::default())
}

fn say(
    engine: &Engine,
    session: &mut Session,
    text: &str,
    intent: Option<&str>,
    now: u64,
) -> Vec<String> {
    let understanding = Understanding {
        intents: intent
            .map(|name| IntentMatch {
                name: name.into(),
                confidence: 1.0,
            })
            .into_iter()
            .collect(),
        entities: Vec::new(),
    };
    engine
        .handle_message(
            session,
            UserInput {
                text,
                understanding: &understanding,
            },
            now,
        )
        .replies
}

#[test]
fn a_rust_context_schedules_subscribes_updates_and_starts_an_event_context() {
    let engine = engine();
    let mut s = Session::default();
    assert_eq!(
        say(&engine, &mut s, "watch", Some("watch"), 1_000),
        ["Watching ACME."]
    );
    assert_eq!(s.topics(), ["stock:ACME"]);
    assert_eq!(s.timers.len(), 1);
    assert_eq!(s.timers[0].due_ms, 6_000);
    // Not due yet; then due.
    assert!(engine.fire_timers(&mut s, 5_999).is_none());
    let fired = engine.fire_timers(&mut s, 6_000).map(|t| t.replies);
    assert_eq!(
        fired,
        Some(vec![
            "Still watching ACME.".to_owned(),
            "Back to your stock watch: Say 'stop' to stop watching.".to_owned()
        ])
    );
    assert!(s.timers.is_empty(), "fired once");
    // Update policy: data changes, nothing is said.
    let tick = Event::new("tick").with("price", "$12");
    assert!(engine.handle_event(&mut s, &tick, 7_000).replies.is_empty());
    assert_eq!(
        say(&engine, &mut s, "again", None, 8_000),
        ["Watching ACME at $12."]
    );
    // An event context: pushed with the event's data, asks its question; the watcher resumes after it.
    let alert = Event::new("alert").with("city", "Oslo");
    assert_eq!(
        engine.handle_event(&mut s, &alert, 9_000).replies,
        ["Was the login from Oslo you? (yes/no)"]
    );
    assert_eq!(s.stack.depth(), 2);
    assert_eq!(
        say(&engine, &mut s, "yes", None, 10_000),
        [
            "Thanks.",
            "Back to your stock watch: Say 'stop' to stop watching."
        ]
    );
    // Unsubscribe and cancel.
    assert_eq!(
        say(&engine, &mut s, "stop", None, 11_000),
        ["Stopped watching."]
    );
    assert!(s.topics().is_empty());
    assert!(s.timers.is_empty());
    // Subscriptions and timers end with their context.
    say(&engine, &mut s, "again", None, 12_000);
    assert_eq!((s.topics().len(), s.timers.len()), (1, 1));
    say(&engine, &mut s, "done", None, 13_000);
    assert!(s.stack.is_empty());
    assert_eq!((s.topics().len(), s.timers.len()), (0, 0));
}
