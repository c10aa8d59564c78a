//! Checks the meaning of a bot file and returns every problem at once. Pure: no IO.

use crate::diagnostics::Problem;
use crate::schema::{BotFile, ContextDef, SlotType, TimerDef, TransitionDef};
use colloquy_core::EventPolicy;
use colloquy_core::template;
use std::collections::{BTreeSet, HashMap};

/// Every problem in `file`, unordered (located and sorted by [`crate::SourceFile::diagnostics`]).
pub fn validate(file: &BotFile) -> Vec<Problem> {
    let mut v = Vec::new();
    let bot = &file.bot;
    if bot.name.trim().is_empty() {
        v.push(Problem::new(
            "bot.name",
            "the bot name is empty",
            "give the bot a short name, e.g. name = \"flight-bot\"",
        ));
    }
    if bot.max_depth == 0 {
        v.push(Problem::new(
            "bot.max_depth",
            "max_depth must be at least 1",
            "use 4 (the default) unless you need deeper digressions",
        ));
    }
    if !(0.0..=1.0).contains(&bot.intent_threshold) {
        v.push(Problem::new(
            "bot.intent_threshold",
            "intent_threshold must be between 0 and 1",
            "use 0.5 (the default)",
        ));
    }
    for (name, list) in [
        ("cancel", &file.commands.cancel),
        ("restart", &file.commands.restart),
        ("help", &file.commands.help),
    ] {
        if list.iter().any(|p| p.trim().is_empty()) {
            v.push(Problem::new(
                &format!("commands.{name}"),
                "a command phrase is empty",
                "remove the empty string",
            ));
        }
    }
    validate_nlu(file, &mut v);
    for (name, intent) in &file.intents {
        let path = |k: &str| vec!["intents".to_owned(), name.clone(), k.to_owned()];
        if intent.patterns.is_empty() && intent.examples.is_empty() {
            v.push(Problem::at(
                path("patterns")[..2].to_vec(),
                format!("intent `{name}` has no patterns and no examples"),
                "add `patterns = [...]` (regular expressions) or `examples = [...]`",
            ));
        }
        for p in &intent.patterns {
            if let Err(e) = regex::RegexBuilder::new(p).case_insensitive(true).build() {
                let first = e
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                v.push(Problem::at(path("patterns"), format!("pattern {p:?} is not a valid regular expression: {first}"), "fix the regex (Rust `regex` syntax; in TOML prefer 'single quotes' so backslashes stay literal)"));
            }
        }
    }
    let annotated: BTreeSet<String> = file
        .intents
        .values()
        .flat_map(|i| i.examples.iter())
        .chain(&file.nlu.out_of_scope)
        .flat_map(|e| colloquy_nlu::annotate::parse(e).spans)
        .map(|s| s.entity)
        .collect();
    for (name, e) in &file.entities {
        let at = |k: &str| vec!["entities".to_owned(), name.clone(), k.to_owned()];
        if e.values.is_empty()
            && e.gazetteer.is_none()
            && e.pattern.is_none()
            && !annotated.contains(name)
        {
            v.push(Problem::at(
                vec!["entities".into(), name.clone()],
                format!("entity `{name}` has no values, gazetteer or pattern, and no example annotates it"),
                format!("list `values`, or annotate examples like \"play [Yesterday]({name})\" so it is learned"),
            ));
        }
        if let Some(p) = &e.pattern
            && let Err(err) = regex::RegexBuilder::new(p).case_insensitive(true).build()
        {
            let first = err
                .to_string()
                .lines()
                .last()
                .unwrap_or_default()
                .trim()
                .to_owned();
            v.push(Problem::at(
                at("pattern"),
                format!("pattern {p:?} is not a valid regular expression: {first}"),
                "fix the regex (Rust `regex` syntax; in TOML prefer 'single quotes')",
            ));
        }
        if !(0.0..=1.0).contains(&e.fuzzy) {
            v.push(Problem::at(
                at("fuzzy"),
                "fuzzy must be between 0 and 1",
                "use 0.8 (the default) or 1 to turn typo matching off",
            ));
        }
        for canon in e.synonyms.keys() {
            if !e.values.contains(canon) {
                v.push(Problem::at(
                    vec![
                        "entities".into(),
                        name.clone(),
                        "synonyms".into(),
                        canon.clone(),
                    ],
                    format!("synonyms given for `{canon}`, which is not one of the values"),
                    "add it to `values` or fix its spelling",
                ));
            }
        }
    }
    let mut triggered_by: HashMap<&str, &str> = HashMap::new();
    for (name, ctx) in &file.contexts {
        validate_context(file, name, ctx, &mut v);
        for t in &ctx.triggers {
            if let Some(other) = triggered_by.insert(t, name) {
                v.push(Problem::at(
                    vec!["contexts".into(), name.clone(), "triggers".into()],
                    format!("intent `{t}` already triggers context `{other}`"),
                    "an intent can start only one context; remove it from one of them",
                ));
            }
        }
    }
    let b = &file.bot;
    for (key, text) in [
        ("fallback", &b.fallback),
        ("help", &b.help),
        ("cancelled", &b.cancelled),
        ("nothing_to_cancel", &b.nothing_to_cancel),
        ("restarted", &b.restarted),
    ] {
        check_template(file, text, None, &["bot", key], &mut v);
    }
    for (key, text) in [("resume", &b.resume), ("cancelled", &b.cancelled)] {
        for (table, var) in template::references(text) {
            if table.is_empty() && var != "title" && var != "question" {
                v.push(Problem::new(
                    &format!("bot.{key}"),
                    format!("`{{{var}}}` is not available here"),
                    "use {title} and {question}",
                ));
            }
        }
    }
    for (kind, reply) in &file.events {
        check_template(file, &reply.say, None, &["events", kind, "say"], &mut v);
    }
    v
}

fn validate_nlu(file: &BotFile, v: &mut Vec<Problem>) {
    let nlu = &file.nlu;
    if !(0.0..=1.0).contains(&nlu.clarify_margin) {
        v.push(Problem::new(
            "nlu.clarify_margin",
            "clarify_margin must be between 0 and 1",
            "use 0.1 (the default), or 0 to never ask which intent was meant",
        ));
    }
    if crate::nlu_spec::parse_utc_offset(&nlu.utc_offset).is_none() {
        v.push(Problem::new(
            "nlu.utc_offset",
            format!(
                "utc_offset {:?} is not an offset like \"+05:00\"",
                nlu.utc_offset
            ),
            "write a sign, two-digit hours and minutes: \"+05:00\", \"-03:30\", \"+00:00\"",
        ));
    }
    for (table, var) in template::references(&nlu.clarify) {
        if !table.is_empty() || var != "options" {
            v.push(Problem::new(
                "nlu.clarify",
                format!("`{{{var}}}` is not available here"),
                "use {options}",
            ));
        }
    }
    if file.intents.contains_key(colloquy_nlu::OUT_OF_SCOPE) {
        v.push(Problem::at(
            vec!["intents".into(), colloquy_nlu::OUT_OF_SCOPE.into()],
            "the intent name `out_of_scope` is reserved",
            "put out-of-scope examples in [nlu] out_of_scope = [...]",
        ));
    }
}

fn validate_context(file: &BotFile, name: &str, ctx: &ContextDef, v: &mut Vec<Problem>) {
    let at = |rest: &[&str]| -> Vec<String> {
        ["contexts", name]
            .iter()
            .chain(rest)
            .map(|s| (*s).to_owned())
            .collect()
    };
    if !ctx.states.contains_key(&ctx.initial) {
        v.push(Problem::at(
            at(&["initial"]),
            format!("initial state `{}` is not defined", ctx.initial),
            format!(
                "define [contexts.{name}.states.{}] or pick one of: {}",
                ctx.initial,
                names(ctx.states.keys())
            ),
        ));
    }
    for t in &ctx.triggers {
        if !file.intents.contains_key(t) {
            v.push(Problem::at(
                at(&["triggers"]),
                format!("trigger `{t}` is not a defined intent"),
                format!(
                    "define [intents.{t}] or use one of: {}",
                    names(file.intents.keys())
                ),
            ));
        }
    }
    for (slot_name, slot) in &ctx.slots {
        if !slot.optional && slot.prompt.trim().is_empty() {
            v.push(Problem::at(
                at(&["slots", slot_name]),
                format!("slot `{slot_name}` has no `prompt`"),
                "add prompt = \"...\" (the question that asks for it) or optional = true",
            ));
        }
        match (slot.kind, &slot.entity) {
            (SlotType::List, None) => v.push(Problem::at(
                at(&["slots", slot_name, "type"]),
                "a `list` slot needs `entity = \"...\"`",
                format!("name one of the entities: {}", names(file.entities.keys())),
            )),
            (SlotType::List, Some(e)) => match file.entities.get(e) {
                None => v.push(Problem::at(
                    at(&["slots", slot_name, "entity"]),
                    format!("entity `{e}` is not defined"),
                    format!(
                        "define [entities.{e}] or use one of: {}",
                        names(file.entities.keys())
                    ),
                )),
                Some(def) => {
                    if let Some(role) = &slot.role
                        && !def.roles.contains_key(role)
                    {
                        v.push(Problem::at(at(&["slots", slot_name, "role"]), format!("entity `{e}` has no role `{role}`"), format!("add `{role} = [\"...\"]` to [entities.{e}.roles] or use one of: {}", names(def.roles.keys()))));
                    }
                }
            },
            (_, Some(_)) => v.push(Problem::at(
                at(&["slots", slot_name, "entity"]),
                "`entity` only applies to `list` slots",
                "remove it or set type = \"list\"",
            )),
            _ => {}
        }
        for (key, text) in [
            ("prompt", Some(&slot.prompt)),
            ("reprompt", slot.reprompt.as_ref()),
            ("question", slot.question.as_ref()),
        ] {
            if let Some(text) = text {
                check_template(
                    file,
                    text,
                    Some(ctx),
                    &at(&["slots", slot_name, key])
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                    v,
                );
            }
        }
    }
    for (state_name, state) in &ctx.states {
        let sp = |k: &str| at(&["states", state_name, k]);
        validate_timers(file, ctx, &sp("timers"), &state.timers, v);
        for slot in &state.collect {
            if !ctx.slots.contains_key(slot) {
                v.push(Problem::at(
                    sp("collect"),
                    format!("slot `{slot}` is not defined"),
                    format!(
                        "define [contexts.{name}.slots.{slot}] or use one of: {}",
                        names(ctx.slots.keys())
                    ),
                ));
            }
        }
        if !state.collect.is_empty() && state.on_filled.is_none() {
            v.push(Problem::at(
                at(&["states", state_name]),
                format!("state `{state_name}` collects slots but has no `on_filled`"),
                "add on_filled = \"NEXT_STATE\" (or a table with end = \"complete\")",
            ));
        }
        let exits = state.end.is_some()
            || state.on_filled.is_some()
            || state.on_yes.is_some()
            || state.on_no.is_some()
            || state.on_input.is_some();
        if !exits {
            v.push(Problem::at(
                at(&["states", state_name]),
                format!("state `{state_name}` has no way out"),
                "add `end`, `on_input`, `on_yes`/`on_no`, or `collect` with `on_filled`",
            ));
        }
        for (key, t) in [
            ("on_filled", &state.on_filled),
            ("on_yes", &state.on_yes),
            ("on_no", &state.on_no),
            ("on_input", &state.on_input),
        ] {
            let Some(t) = t else { continue };
            let table = t.table();
            let path = match t {
                TransitionDef::To(_) => sp(key),
                TransitionDef::Full(_) => [sp(key), vec!["to".into()]].concat(),
            };
            if let Some(to) = &table.to
                && !ctx.states.contains_key(to)
            {
                v.push(Problem::at(
                    path,
                    format!("transition to unknown state `{to}`"),
                    format!("use one of: {}", names(ctx.states.keys())),
                ));
            }
            if table.to.is_some() && table.end.is_some() {
                v.push(Problem::at(
                    sp(key),
                    "a transition has both `to` and `end`",
                    "keep one: `to` enters a state, `end` finishes the context",
                ));
            }
            if let Some(say) = &table.say {
                check_template(
                    file,
                    say,
                    Some(ctx),
                    &[sp(key), vec!["say".into()]]
                        .concat()
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>(),
                    v,
                );
            }
        }
        for (key, text) in [
            ("say", &state.say),
            ("prompt", &state.prompt),
            ("reprompt", &state.reprompt),
        ] {
            if let Some(text) = text {
                check_template(
                    file,
                    text,
                    Some(ctx),
                    &sp(key).iter().map(String::as_str).collect::<Vec<_>>(),
                    v,
                );
            }
        }
    }
    check_template(
        file,
        &ctx.give_up,
        Some(ctx),
        &at(&["give_up"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        v,
    );
    for (i, topic) in ctx.subscribe.iter().enumerate() {
        let mut path = at(&["subscribe"]);
        path.push(i.to_string());
        check_template(
            file,
            topic,
            Some(ctx),
            &path.iter().map(String::as_str).collect::<Vec<_>>(),
            v,
        );
    }
    for (kind, h) in &ctx.on_event {
        if let Some(start) = &h.start
            && !file.contexts.contains_key(start)
        {
            v.push(Problem::at(
                at(&["on_event", kind, "start"]),
                format!("`start` names `{start}`, which is not a context"),
                format!("use one of: {}", names(file.contexts.keys())),
            ));
        }
        if h.policy == EventPolicy::Update && (h.say.is_some() || h.start.is_some()) {
            v.push(Problem::at(
                at(&["on_event", kind, "policy"]),
                "policy `update` changes data silently, but this handler also says something or starts a context",
                "remove `say`/`start`, or use policy = \"interrupt\" to tell the user",
            ));
        }
        // Event templates may also use any field of the event's data, so only tables are checked.
        let texts = h
            .say
            .iter()
            .map(|t| ("say".to_owned(), t))
            .chain(h.set.iter().map(|(k, t)| (format!("set.{k}"), t)));
        for (key, text) in texts {
            let mut path = at(&["on_event", kind]);
            path.extend(key.split('.').map(str::to_owned));
            check_template(
                file,
                text,
                None,
                &path.iter().map(String::as_str).collect::<Vec<_>>(),
                v,
            );
        }
        for slot in h.set.keys() {
            if !ctx.slots.contains_key(slot) {
                v.push(Problem::at(
                    at(&["on_event", kind, "set", slot]),
                    format!("`{slot}` is not a slot of this context"),
                    format!("use one of: {}", names(ctx.slots.keys())),
                ));
            }
        }
        if let Some(to) = &h.to
            && !ctx.states.contains_key(to)
        {
            v.push(Problem::at(
                at(&["on_event", kind, "to"]),
                format!("transition to unknown state `{to}`"),
                format!("use one of: {}", names(ctx.states.keys())),
            ));
        }
    }
}

/// Table references must name a defined table; plain `{name}` must be a slot of the context (event
/// templates may use any event field, so they are not checked).
fn check_template(
    file: &BotFile,
    text: &str,
    ctx: Option<&ContextDef>,
    path: &[&str],
    v: &mut Vec<Problem>,
) {
    let path: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
    for (table, var) in template::references(text) {
        if !table.is_empty() && !file.tables.contains_key(&table) {
            v.push(Problem::at(
                path.clone(),
                format!("template uses table `{table}`, which is not defined"),
                format!(
                    "define [tables.{table}] or use one of: {}",
                    names(file.tables.keys())
                ),
            ));
        }
        if let Some(ctx) = ctx
            && !ctx.slots.contains_key(&var)
        {
            v.push(Problem::at(
                path.clone(),
                format!("template uses `{{{var}}}`, which is not a slot of this context"),
                format!("use one of: {}", names(ctx.slots.keys())),
            ));
        }
    }
}

fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    let set: BTreeSet<&str> = it.map(String::as_str).collect();
    if set.is_empty() {
        "(none defined)".into()
    } else {
        set.into_iter().collect::<Vec<_>>().join(", ")
    }
}

/// State timers: a readable, positive delay; data templates over the context's slots.
fn validate_timers(
    file: &BotFile,
    ctx: &ContextDef,
    path: &[String],
    timers: &std::collections::BTreeMap<String, TimerDef>,
    v: &mut Vec<Problem>,
) {
    for (name, timer) in timers {
        let here = |k: &str| {
            let mut p = path.to_vec();
            p.push(name.clone());
            p.push(k.to_owned());
            p
        };
        match parse_delay(&timer.after) {
            Ok(_) => {}
            Err(e) => v.push(Problem::at(
                here("after"),
                format!("`{}` is not a delay: {e}", timer.after),
                "write a positive duration such as \"90s\", \"10m\", \"2h\" or \"1d\"",
            )),
        }
        for (key, text) in &timer.data {
            let mut p = here("data");
            p.push(key.clone());
            check_template(
                file,
                text,
                Some(ctx),
                &p.iter().map(String::as_str).collect::<Vec<_>>(),
                v,
            );
        }
    }
}

/// A timer delay from the bot file (`"10m"`); zero is refused.
pub(crate) fn parse_delay(text: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(text.trim()) {
        Ok(d) if d.is_zero() => Err("the delay is zero".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}
