//! Errors in a bot file, each with file, line, column, TOML path and what to do about it.

use std::fmt;

/// One problem found in a bot file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// File name as given.
    pub file: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column (0 when unknown).
    pub column: usize,
    /// Dotted TOML path (`contexts.booking.states.CONFIRMING.on_yes`), empty for syntax errors.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message.trim_end().replace('\n', "\n  "))?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

/// Every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// One diagnostic.
    pub fn single(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "error: {d}")?;
        }
        write!(f, "\n{} error(s)", self.0.len())
    }
}

/// A problem found by validation, before it is located in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// TOML path segments.
    pub path: Vec<String>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

impl Problem {
    /// A problem at `path` (dotted; segments containing dots can be given through [`Problem::at`]).
    pub fn new(path: &str, message: impl Into<String>, help: impl Into<String>) -> Self {
        Problem::at(path.split('.').map(str::to_owned).collect(), message, help)
    }

    /// A problem at explicit path segments.
    pub fn at(path: Vec<String>, message: impl Into<String>, help: impl Into<String>) -> Self {
        Problem {
            path,
            message: message.into(),
            help: help.into(),
        }
    }
}

/// A TOML source with what is needed to turn byte offsets and paths into line and column.
#[derive(Debug)]
pub struct SourceFile<'a> {
    name: &'a str,
    text: &'a str,
    doc: Option<toml_edit::ImDocument<&'a str>>,
}

impl<'a> SourceFile<'a> {
    /// Wraps `text` read from `name`.
    pub fn new(name: &'a str, text: &'a str) -> Self {
        SourceFile {
            name,
            text,
            doc: toml_edit::ImDocument::parse(text).ok(),
        }
    }

    /// Deserializes the whole file; a syntax error or unknown key becomes a located diagnostic.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Diagnostics> {
        toml::from_str(self.text).map_err(|e| {
            let (line, column) = e.span().map_or((0, 0), |s| self.line_col(s.start));
            Diagnostics::single(Diagnostic {
                file: self.name.to_owned(),
                line,
                column,
                path: String::new(),
                message: e.message().trim().to_owned(),
                help: syntax_help(e.message()),
            })
        })
    }

    /// Deserializes the value at `path` (e.g. `channels.websocket`) into `T`, locating errors.
    pub fn parse_at<T: serde::de::DeserializeOwned>(
        &self,
        path: &[&str],
        value: toml::Table,
    ) -> Result<T, Diagnostics> {
        T::deserialize(toml::Value::Table(value)).map_err(|e| {
            let mut segments: Vec<String> = path.iter().map(|s| (*s).to_owned()).collect();
            // Point at the offending key when the message names it.
            if let Some(field) = e.message().split('`').nth(1)
                && e.message().starts_with("unknown field")
            {
                segments.push(field.to_owned());
            }
            self.diagnostics(vec![Problem::at(
                segments,
                e.message().trim().to_owned(),
                syntax_help(e.message()),
            )])
        })
    }

    /// Locates validation problems.
    pub fn diagnostics(&self, problems: Vec<Problem>) -> Diagnostics {
        let mut out: Vec<Diagnostic> = problems
            .into_iter()
            .map(|p| {
                let (line, column) = self.locate(&p.path).map_or((0, 0), |o| self.line_col(o));
                Diagnostic {
                    file: self.name.to_owned(),
                    line,
                    column,
                    path: p.path.join("."),
                    message: p.message,
                    help: p.help,
                }
            })
            .collect();
        out.sort_by_key(|d| (d.line, d.column));
        Diagnostics(out)
    }

    /// 1-based line and column of byte `offset`.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    }

    /// Byte offset of the deepest part of `path` present in the source (its key where possible).
    fn locate(&self, path: &[String]) -> Option<usize> {
        let doc = self.doc.as_ref()?;
        let mut best = None;
        let mut item: Option<&toml_edit::Item> = None;
        let mut table: Option<&dyn toml_edit::TableLike> = Some(doc.as_table());
        for seg in path {
            let Some(t) = table else { break };
            let Some((key, next)) = t.get_key_value(seg) else {
                break;
            };
            best = key.span().map(|s| s.start).or(best);
            item = Some(next);
            table = next.as_table_like();
        }
        if best.is_none() {
            best = item.and_then(toml_edit::Item::span).map(|s| s.start);
        }
        best
    }
}

fn syntax_help(message: &str) -> String {
    if message.contains("unknown field") {
        "remove the key or fix its spelling; the expected keys are listed above".into()
    } else if message.contains("missing field") {
        "add the missing key".into()
    } else if message.contains("invalid type") || message.contains("unknown variant") {
        "change the value to the expected type or one of the listed values".into()
    } else {
        "fix the TOML syntax at this position".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_paths_and_line_columns() {
        let text = "[bot]\nname = 'x'\n\n[contexts.a.states.S]\non_yes = { to = 'T' }\n";
        let src = SourceFile::new("f.toml", text);
        let d = src.diagnostics(vec![Problem::new(
            "contexts.a.states.S.on_yes.to",
            "bad",
            "fix",
        )]);
        assert_eq!((d.0[0].line, d.0[0].column), (5, 12));
        assert_eq!(
            d.0[0].to_string(),
            "f.toml:5:12: contexts.a.states.S.on_yes.to: bad\n  help: fix"
        );
        let d = src.diagnostics(vec![Problem::new("contexts.a.states.S.missing", "m", "")]);
        assert_eq!(d.0[0].line, 4, "falls back to the deepest key found");
    }
}
