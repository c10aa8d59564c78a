//! Training data files: the SNIPS benchmark JSON format, a simple JSON list, and CSV.
//!
//! - SNIPS: `{"Intent": [{"data": [{"text": "fly to "}, {"text": "Dubai", "entity": "city"}]}]}`;
//! - JSON list: `[{"text": "fly to [Dubai](city)", "intent": "book_flight"}]` (inline annotations allowed);
//! - CSV: a header row naming `text` and `intent` columns, then one example per row (RFC 4180 quoting;
//!   inline annotations allowed).
//!
//! Files are decoded lossily: invalid UTF-8 (the SNIPS PlayMusic file has some) becomes U+FFFD instead of
//! an error, because one odd byte should not stop a bot from loading.

use crate::annotate::{SpanLabel, parse};
use crate::error::NluError;
use crate::spec::TrainingExample;
use serde_json::Value;
use std::path::Path;

/// Reads examples from `path`, choosing the format by extension (`.json` or `.csv`).
pub fn load_file(path: &Path) -> Result<Vec<TrainingExample>, NluError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| NluError::Io {
        path: shown.clone(),
        source,
    })?;
    let text = String::from_utf8_lossy(&bytes);
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("json") => parse_json(&text, &shown),
        Some("csv") => parse_csv(&text, &shown),
        _ => Err(NluError::BadData {
            path: shown,
            message:
                "unknown data file type; use .json (SNIPS or a list of {text, intent}) or .csv"
                    .into(),
        }),
    }
}

/// Parses SNIPS JSON or a JSON list of `{text, intent}`.
pub fn parse_json(text: &str, path: &str) -> Result<Vec<TrainingExample>, NluError> {
    let bad = |message: String| NluError::BadData {
        path: path.to_owned(),
        message,
    };
    let v: Value = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let mut out = Vec::new();
    match v {
        Value::Object(map) => {
            for (intent, queries) in map {
                let Value::Array(queries) = queries else {
                    return Err(bad(format!("`{intent}` should be a list of queries")));
                };
                for (n, q) in queries.iter().enumerate() {
                    let chunks = q.get("data").and_then(Value::as_array).ok_or_else(|| {
                        bad(format!("`{intent}`[{n}] has no `data` list (SNIPS format)"))
                    })?;
                    out.push(snips_query(&intent, chunks));
                }
            }
        }
        Value::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                let field = |k: &str| item.get(k).and_then(Value::as_str);
                let (Some(t), Some(intent)) = (field("text"), field("intent")) else {
                    return Err(bad(format!(
                        "item {n} needs string fields `text` and `intent`"
                    )));
                };
                out.push(annotated(t, intent));
            }
        }
        _ => {
            return Err(bad(
                "expected an object (SNIPS) or a list of {text, intent}".into(),
            ));
        }
    }
    Ok(out)
}

fn snips_query(intent: &str, chunks: &[Value]) -> TrainingExample {
    let mut text = String::new();
    let mut spans = Vec::new();
    for c in chunks {
        let t = c.get("text").and_then(Value::as_str).unwrap_or_default();
        let start = text.chars().count();
        text.push_str(t);
        if let Some(entity) = c.get("entity").and_then(Value::as_str) {
            // Trim spaces inside the chunk so that the span covers the value only.
            let lead = t.chars().take_while(|c| c.is_whitespace()).count();
            let trail = t.chars().rev().take_while(|c| c.is_whitespace()).count();
            let n = t.chars().count();
            if lead + trail < n {
                spans.push(SpanLabel {
                    start: start + lead,
                    end: start + n - trail,
                    entity: entity.to_owned(),
                    role: None,
                });
            }
        }
    }
    TrainingExample {
        text,
        intent: intent.to_owned(),
        spans,
    }
}

/// An example from text with inline annotations.
pub fn annotated(text: &str, intent: &str) -> TrainingExample {
    let a = parse(text);
    TrainingExample {
        text: a.text,
        intent: intent.to_owned(),
        spans: a.spans,
    }
}

/// Parses CSV with a header naming `text` and `intent`.
pub fn parse_csv(text: &str, path: &str) -> Result<Vec<TrainingExample>, NluError> {
    let rows = csv_rows(text);
    let bad = |message: String| NluError::BadData {
        path: path.to_owned(),
        message,
    };
    let Some(header) = rows.first() else {
        return Ok(Vec::new());
    };
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(ti), Some(ii)) = (col("text"), col("intent")) else {
        return Err(bad(
            "line 1: the header must name a `text` and an `intent` column".into(),
        ));
    };
    let mut out = Vec::new();
    for (n, row) in rows.iter().enumerate().skip(1) {
        if row.len() == 1 && row[0].trim().is_empty() {
            continue;
        }
        let (Some(t), Some(i)) = (row.get(ti), row.get(ii)) else {
            return Err(bad(format!(
                "row {}: expected {} columns, found {}",
                n + 1,
                header.len(),
                row.len()
            )));
        };
        out.push(annotated(t, i.trim()));
    }
    Ok(out)
}

/// Splits CSV into rows of fields (RFC 4180: `"` quotes, `""` escapes, newlines inside quotes).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field).trim_end_matches('\r').to_owned());
                rows.push(std::mem::take(&mut row));
            }
            _ => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field.trim_end_matches('\r').to_owned());
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snips_json_becomes_text_and_spans() {
        let j = r#"{"GetWeather": [{"data": [{"text": "weather in "}, {"text": "Paris ", "entity": "city"}, {"text": "?"}]}]}"#;
        let ex = parse_json(j, "x.json").unwrap_or_default();
        assert_eq!(ex[0].text, "weather in Paris ?");
        assert_eq!((ex[0].spans[0].start, ex[0].spans[0].end), (11, 16));
        assert_eq!(ex[0].intent, "GetWeather");
    }

    #[test]
    fn json_list_and_csv_with_annotations_and_quotes() {
        let l = parse_json(
            r#"[{"text": "to [Dubai](city:to)", "intent": "book"}]"#,
            "l.json",
        )
        .unwrap_or_default();
        assert_eq!((l[0].text.as_str(), l[0].spans.len()), ("to Dubai", 1));
        let c = parse_csv(
            "intent,text\nbook,\"fly, now \"\"please\"\"\"\r\nweather,rain?\n",
            "c.csv",
        )
        .unwrap_or_default();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].text, "fly, now \"please\"");
        assert_eq!(c[1].intent, "weather");
    }

    #[test]
    fn bad_files_name_the_problem() {
        let e = parse_json("{", "b.json")
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.starts_with("b.json: invalid JSON at line 1"), "{e}");
        let e = parse_csv("a,b\n1,2\n", "b.csv")
            .map(|_| ())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            e,
            "b.csv: line 1: the header must name a `text` and an `intent` column"
        );
    }
}
