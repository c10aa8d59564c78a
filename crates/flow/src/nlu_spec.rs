//! Turns a bot file's `[intents]`, `[entities]`, `[commands]` and `[nlu]` into a [`NluSpec`], reading the
//! files they reference (gazetteers, training data) relative to the bot file. The only IO of compilation.

use crate::compile::COMMAND_INTENTS;
use crate::diagnostics::Problem;
use crate::schema::BotFile;
use colloquy_core::GlobalCommand;
use colloquy_nlu::gazetteer::parse_tsv;
use colloquy_nlu::{
    GazetteerSpec, GazetteerValue, IntentSpec, NluSpec, OUT_OF_SCOPE, RegexEntitySpec, dataset,
};
use std::path::{Path, PathBuf};

/// The recognizer specification of `file`, whose referenced files are relative to `base_dir`.
pub fn nlu_spec(file: &BotFile, base_dir: &Path) -> Result<NluSpec, Problem> {
    let mut spec = NluSpec::default();
    for (name, d) in &file.intents {
        if !d.patterns.is_empty() {
            spec.rules.push(IntentSpec {
                name: name.clone(),
                patterns: d.patterns.clone(),
                ..Default::default()
            });
        }
        spec.examples
            .extend(d.examples.iter().map(|e| dataset::annotated(e, name)));
    }
    for (intent, command, slash) in COMMAND_INTENTS {
        let mut phrases = match command {
            GlobalCommand::Cancel => file.commands.cancel.clone(),
            GlobalCommand::Restart => {
                let mut p = file.commands.restart.clone();
                p.push("/start".into());
                p
            }
            GlobalCommand::Help => file.commands.help.clone(),
        };
        phrases.push(slash.into());
        spec.rules.push(IntentSpec {
            name: intent.into(),
            phrases,
            ..Default::default()
        });
    }
    spec.examples.extend(
        file.nlu
            .out_of_scope
            .iter()
            .map(|e| dataset::annotated(e, OUT_OF_SCOPE)),
    );
    for (i, data) in file.nlu.data.iter().enumerate() {
        let path = base_dir.join(data);
        let examples = dataset::load_file(&path).map_err(|e| {
            Problem::at(
                vec!["nlu".into(), "data".into(), i.to_string()],
                e.to_string(),
                "check the path (relative to the bot file) and the format: SNIPS JSON, [{text, intent}] or CSV",
            )
        })?;
        spec.examples.extend(examples);
    }
    for (name, e) in &file.entities {
        if let Some(pattern) = &e.pattern {
            spec.regexes.push(RegexEntitySpec {
                name: name.clone(),
                pattern: pattern.clone(),
            });
        }
        if e.values.is_empty() && e.gazetteer.is_none() {
            continue;
        }
        let mut values: Vec<GazetteerValue> = e
            .values
            .iter()
            .map(|v| GazetteerValue {
                canonical: v.clone(),
                synonyms: e.synonyms.get(v).cloned().unwrap_or_default(),
                ..Default::default()
            })
            .collect();
        if let Some(g) = &e.gazetteer {
            let path = base_dir.join(g);
            let text = std::fs::read(&path).map_err(|err| {
                Problem::at(
                    vec!["entities".into(), name.clone(), "gazetteer".into()],
                    format!("cannot read gazetteer {}: {err}", path.display()),
                    "give a path relative to the bot file",
                )
            })?;
            values.extend(parse_tsv(&String::from_utf8_lossy(&text)));
        }
        spec.gazetteers.push(GazetteerSpec {
            name: name.clone(),
            values,
            roles: e
                .roles
                .iter()
                .map(|(r, cues)| (r.clone(), cues.clone()))
                .collect(),
            fuzzy: (e.fuzzy < 1.0).then_some(e.fuzzy),
        });
    }
    Ok(spec)
}

/// The model cache directory of `file`, if configured.
pub fn cache_dir(file: &BotFile, base_dir: &Path) -> Option<PathBuf> {
    file.nlu.cache_dir.as_ref().map(|d| base_dir.join(d))
}

/// `"+05:30"` → 330 minutes. `None` when malformed.
pub fn parse_utc_offset(text: &str) -> Option<i32> {
    let t = text.trim();
    let (sign, rest) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_offsets() {
        assert_eq!(parse_utc_offset("+05:00"), Some(300));
        assert_eq!(parse_utc_offset("-03:30"), Some(-210));
        assert_eq!(parse_utc_offset("5:00"), None);
        assert_eq!(parse_utc_offset("+15:00"), None);
    }
}
