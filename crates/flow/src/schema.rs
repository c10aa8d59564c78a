//! The bot file format. Every struct rejects unknown keys, so a typo is an error, not a silent default.

use colloquy_core::EventPolicy;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole bot file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotFile {
    /// Bot-wide settings and texts.
    pub bot: BotSection,
    /// Words that act everywhere: cancel, restart, help.
    #[serde(default)]
    pub commands: CommandsSection,
    /// Closed-list entities (cities), by name.
    #[serde(default)]
    pub entities: BTreeMap<String, ListEntityDef>,
    /// Intents, by name: how a message is recognized.
    #[serde(default)]
    pub intents: BTreeMap<String, IntentDef>,
    /// Recognizer settings: out-of-scope examples, data files, clarification, time zone, model cache.
    #[serde(default)]
    pub nlu: NluSection,
    /// Lookup tables for templates (`{weather[city]}`), by name.
    #[serde(default)]
    pub tables: BTreeMap<String, BTreeMap<String, String>>,
    /// Bot-level replies to events that no active context handles, by event type.
    #[serde(default)]
    pub events: BTreeMap<String, EventReplyDef>,
    /// Conversation contexts (flows), by name.
    #[serde(default)]
    pub contexts: BTreeMap<String, ContextDef>,
    /// HTTP server settings (listen address). Read by the CLI; kept raw here.
    #[serde(default)]
    pub server: Option<toml::Table>,
    /// Runtime settings (sessions, mailboxes). Read by the runtime; kept raw here.
    #[serde(default)]
    pub runtime: Option<toml::Table>,
    /// Storage settings (backend, data dir, durability). Read by the CLI; kept raw here.
    #[serde(default)]
    pub storage: Option<toml::Table>,
    /// Channel settings by channel name (`websocket`). Each adapter reads its own table.
    #[serde(default)]
    pub channels: BTreeMap<String, toml::Table>,
}

/// `[bot]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotSection {
    /// Bot name; part of every session key, so renaming a bot starts fresh sessions.
    pub name: String,
    /// One line describing the bot (shown by `colloquy check`).
    #[serde(default)]
    pub description: String,
    /// Maximum number of stacked contexts (digressions inside digressions). Default 4.
    #[serde(default = "default_max_depth")]
    pub max_depth: usize,
    /// Minimum intent confidence (0..1) to act on an intent. Default 0.5.
    #[serde(default = "default_threshold")]
    pub intent_threshold: f32,
    /// History entries kept in each session's snapshot. Default 50.
    #[serde(default = "default_history")]
    pub history_limit: usize,
    /// Said when no context can handle a message.
    pub fallback: String,
    /// Said for the help command.
    pub help: String,
    /// Said when an interrupted context resumes; `{title}` and `{question}` are filled in.
    #[serde(default = "default_resume")]
    pub resume: String,
    /// Said when the user cancels a context; `{title}`.
    #[serde(default = "default_cancelled")]
    pub cancelled: String,
    /// Said for cancel when nothing is active.
    #[serde(default = "default_nothing")]
    pub nothing_to_cancel: String,
    /// Said for restart.
    #[serde(default = "default_restarted")]
    pub restarted: String,
}

fn default_max_depth() -> usize {
    colloquy_core::ContextStack::DEFAULT_MAX_DEPTH
}
fn default_threshold() -> f32 {
    0.5
}
fn default_history() -> usize {
    colloquy_core::History::DEFAULT_LIMIT
}
fn default_resume() -> String {
    "Back to your {title}: {question}".into()
}
fn default_cancelled() -> String {
    "Okay, I've stopped the {title}.".into()
}
fn default_nothing() -> String {
    "There is nothing to cancel.".into()
}
fn default_restarted() -> String {
    "Okay, let's start over.".into()
}

/// `[commands]`: whole utterances (case and surrounding punctuation ignored) that trigger a global command.
/// `/cancel`, `/restart`, `/help` and `/start` (restart) always work.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandsSection {
    /// Abandon the active context; the interrupted one resumes.
    #[serde(default)]
    pub cancel: Vec<String>,
    /// Abandon everything and start afresh.
    #[serde(default)]
    pub restart: Vec<String>,
    /// Say what the bot can do.
    #[serde(default)]
    pub help: Vec<String>,
}

/// `[nlu]`: how messages are understood beyond the intents' own examples.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NluSection {
    /// Messages the bot should *not* handle; trained as their own class so that similar messages fall to
    /// the fallback instead of the nearest intent.
    #[serde(default)]
    pub out_of_scope: Vec<String>,
    /// Training data files (SNIPS JSON, a JSON list of `{text, intent}`, or CSV with `text,intent`),
    /// relative to the bot file.
    #[serde(default)]
    pub data: Vec<String>,
    /// Intents within this confidence of the best one start a clarification question (0 = never ask).
    #[serde(default = "default_clarify_margin")]
    pub clarify_margin: f32,
    /// The clarification question; `{options}` becomes "book a flight or check the weather".
    #[serde(default = "default_clarify")]
    pub clarify: String,
    /// The users' UTC offset (`"+05:00"`), for dates like "tomorrow". Default `"+00:00"`.
    #[serde(default = "default_utc_offset")]
    pub utc_offset: String,
    /// Directory for trained models, relative to the bot file; unset = train at every start.
    #[serde(default)]
    pub cache_dir: Option<String>,
}

impl Default for NluSection {
    fn default() -> Self {
        NluSection {
            out_of_scope: Vec::new(),
            data: Vec::new(),
            clarify_margin: default_clarify_margin(),
            clarify: default_clarify(),
            utc_offset: default_utc_offset(),
            cache_dir: None,
        }
    }
}

fn default_clarify_margin() -> f32 {
    0.1
}
fn default_clarify() -> String {
    "Did you want to {options}?".into()
}
fn default_utc_offset() -> String {
    "+00:00".into()
}

/// `[entities.NAME]`: a closed list of values, a gazetteer file, a regular expression — or, with none of
/// these, an entity learned from the `[Text](NAME)` annotations in the examples.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListEntityDef {
    /// The canonical values.
    #[serde(default)]
    pub values: Vec<String>,
    /// A gazetteer file (TSV, see `config/gazetteer/README.md`), relative to the bot file; its values are
    /// added after `values`.
    #[serde(default)]
    pub gazetteer: Option<String>,
    /// A regular expression; every match is a value (the matched text).
    #[serde(default)]
    pub pattern: Option<String>,
    /// Minimum similarity (0..1) for a typo to match a value ("Dubay" → Dubai is 0.8); 1 turns it off.
    #[serde(default = "default_fuzzy")]
    pub fuzzy: f32,
    /// Other spellings, by canonical value (`Dubai = ["DXB"]`).
    #[serde(default)]
    pub synonyms: BTreeMap<String, Vec<String>>,
    /// Roles and the words that introduce them (`from = ["from", "leaving"]`).
    #[serde(default)]
    pub roles: BTreeMap<String, Vec<String>>,
}

/// `[intents.NAME]`: how an intent is recognized.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentDef {
    /// How the intent is named in a clarification question ("book a flight"). Defaults to the name.
    #[serde(default)]
    pub title: Option<String>,
    /// Regular expressions, case-insensitive; a match gives full confidence.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Example utterances the classifier learns from; entities may be annotated inline:
    /// `"fly from [Lahore](city:from) to [Dubai](city:to)"`.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// `[events.TYPE]`: a bot-level reply to an event.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventReplyDef {
    /// Reply template; event data fields are available (`{new_price}`).
    pub say: String,
}

/// `[contexts.NAME]`: one flow.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextDef {
    /// User-facing name ("Back to your {title}"). Defaults to the context's name.
    #[serde(default)]
    pub title: Option<String>,
    /// Intents that start this context (or digress into it).
    #[serde(default)]
    pub triggers: Vec<String>,
    /// The state a new frame starts in. Its entry texts are not said: the triggering message is handled there.
    pub initial: String,
    /// Invalid answers in a row before giving up. Default 3.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Said when the user gives `max_attempts` invalid answers; the context is then cancelled.
    #[serde(default = "default_give_up")]
    pub give_up: String,
    /// Digression policy of this context.
    #[serde(default)]
    pub digressions: DigressionDef,
    /// Slots (typed values to collect), by name.
    #[serde(default)]
    pub slots: BTreeMap<String, SlotDef>,
    /// States, by name.
    pub states: BTreeMap<String, StateDef>,
    /// Reactions to events while this context is on the stack, by event type.
    #[serde(default)]
    pub on_event: BTreeMap<String, EventHandlerDef>,
    /// Topics followed while this context is on the stack (`"fare:{from_city}-{to_city}"`); a topic is
    /// followed once every slot it names is filled, and follows the slots when they change.
    #[serde(default)]
    pub subscribe: Vec<String>,
}

fn default_fuzzy() -> f32 {
    0.8
}

fn default_attempts() -> u32 {
    3
}
fn default_give_up() -> String {
    "Sorry, I still didn't get that. Let's leave it for now.".into()
}

/// `digressions = { … }`
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigressionDef {
    /// Other contexts may be interrupted to start this one. Default true.
    #[serde(default = "yes")]
    pub allow_into: bool,
    /// The user may digress away from this context (states can override). Default true.
    #[serde(default = "yes")]
    pub allow_away: bool,
    /// When this context completes after interrupting another, the other resumes. Default true.
    #[serde(default = "yes")]
    pub returns: bool,
}

impl Default for DigressionDef {
    fn default() -> Self {
        DigressionDef {
            allow_into: true,
            allow_away: true,
            returns: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// The type of a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotType {
    /// Any text: the whole answer when this slot is asked.
    Text,
    /// A value of a list entity (`entity = "city"`).
    List,
    /// A number.
    Number,
    /// Yes or no.
    YesNo,
    /// A date (`2026-11-26`), from "tomorrow", "next Friday", "on 12 March"…
    Date,
}

/// `[contexts.NAME.slots.SLOT]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotDef {
    /// The slot's type.
    #[serde(rename = "type")]
    pub kind: SlotType,
    /// For `list`: the entity name.
    #[serde(default)]
    pub entity: Option<String>,
    /// Only fill from entities with this role (`from`), unless this slot is the one being asked.
    #[serde(default)]
    pub role: Option<String>,
    /// Filled when the user gives it, never asked for (and not needed for `on_filled`).
    #[serde(default)]
    pub optional: bool,
    /// Asked when the slot is the first one missing (unused for optional slots).
    #[serde(default)]
    pub prompt: String,
    /// Asked after an answer that fills nothing. Defaults to `prompt`.
    #[serde(default)]
    pub reprompt: Option<String>,
    /// Asked when resuming after a digression. Defaults to `prompt`.
    #[serde(default)]
    pub question: Option<String>,
}

/// `[contexts.NAME.states.STATE]`: what happens in one state. Texts are templates over the slots.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDef {
    /// Said on entering the state.
    #[serde(default)]
    pub say: Option<String>,
    /// The state's question: said on entry after `say`, re-asked on resume.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Said after an input the state cannot use. Defaults to `prompt`.
    #[serde(default)]
    pub reprompt: Option<String>,
    /// Slots to collect in this state, in order.
    #[serde(default)]
    pub collect: Vec<String>,
    /// Where to go when every slot in `collect` is filled.
    #[serde(default)]
    pub on_filled: Option<TransitionDef>,
    /// Where to go on a yes.
    #[serde(default)]
    pub on_yes: Option<TransitionDef>,
    /// Where to go on a no.
    #[serde(default)]
    pub on_no: Option<TransitionDef>,
    /// Where to go on any other input.
    #[serde(default)]
    pub on_input: Option<TransitionDef>,
    /// Entering this state ends the context.
    #[serde(default)]
    pub end: Option<EndKind>,
    /// Quick replies offered while in this state (buttons or a keyboard on platforms that have them).
    #[serde(default)]
    pub quick_replies: Vec<String>,
    /// Overrides the context's `allow_away` in this state (false: no digressions while here).
    #[serde(default)]
    pub allow_digressions: Option<bool>,
    /// Timers armed on entering this state and cancelled on leaving it, by name.
    #[serde(default)]
    pub timers: BTreeMap<String, TimerDef>,
    /// Per-event-type policy while in this state (overrides `on_event.TYPE.policy`).
    #[serde(default)]
    pub event_policy: BTreeMap<String, EventPolicy>,
}

/// `[contexts.NAME.states.STATE.timers.TIMER]`: raises an event after a delay.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimerDef {
    /// Delay: `"90s"`, `"10m"`, `"2h"`, `"1d"`.
    pub after: String,
    /// Event type raised; default: the timer's name. Handle it in `on_event`.
    #[serde(default)]
    pub event: Option<String>,
    /// Data of the raised event (templates over the context's slots).
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    /// `true` (default): restarted by every user message, so it fires only after `after` of silence.
    /// `false`: fires `after` entering the state whatever the user says.
    #[serde(default = "yes")]
    pub inactivity: bool,
}

/// How a context ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndKind {
    /// Finished successfully.
    Complete,
    /// Abandoned.
    Cancel,
}

/// A transition: a state name, or a table.
#[derive(Debug, Clone)]
pub enum TransitionDef {
    /// Go to this state.
    To(String),
    /// Do more.
    Full(TransitionTable),
}

/// `{ to = "STATE", say = "...", clear = true, end = "complete" }`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionTable {
    /// State to enter.
    #[serde(default)]
    pub to: Option<String>,
    /// Said before entering.
    #[serde(default)]
    pub say: Option<String>,
    /// Forget every slot value.
    #[serde(default)]
    pub clear: bool,
    /// End the context instead of entering a state.
    #[serde(default)]
    pub end: Option<EndKind>,
}

impl TransitionDef {
    /// The table form of this transition.
    pub fn table(&self) -> TransitionTable {
        match self {
            TransitionDef::To(s) => TransitionTable {
                to: Some(s.clone()),
                ..Default::default()
            },
            TransitionDef::Full(t) => t.clone(),
        }
    }
}

/// `[contexts.NAME.on_event.TYPE]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventHandlerDef {
    /// `interrupt` (default: reply now, then re-ask the open question), `queue` (wait until the context
    /// on top may be left), `update` (change data silently) or `ignore`.
    #[serde(default)]
    pub policy: EventPolicy,
    /// An event context to push (it gets the event's data); the interrupted context resumes after it.
    #[serde(default)]
    pub start: Option<String>,
    /// Reply; event data and slots are available.
    #[serde(default)]
    pub say: Option<String>,
    /// Slots to set from templates (`price = "{new_price}"`).
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// State to enter.
    #[serde(default)]
    pub to: Option<String>,
}

/// Hand-written so that a table with a typo gets serde's "unknown field" message (an untagged enum would
/// only say "did not match any variant").
impl<'de> Deserialize<'de> for TransitionDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = TransitionDef;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a state name or a table like { to = \"STATE\", say = \"...\" }")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TransitionDef::To(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                TransitionTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(TransitionDef::Full)
            }
        }
        d.deserialize_any(V)
    }
}
