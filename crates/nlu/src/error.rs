//! [`NluError`]: everything that can go wrong building a recognizer or reading training data.

/// Errors building a recognizer or loading its data. Recognition itself never fails.
#[derive(Debug, thiserror::Error)]
pub enum NluError {
    /// A pattern is not a valid regular expression.
    #[error("intent `{intent}`: pattern {pattern:?} is not a valid regular expression: {source}")]
    BadPattern {
        /// Intent holding the pattern.
        intent: String,
        /// The pattern.
        pattern: String,
        /// What the regex engine said.
        #[source]
        source: Box<regex::Error>,
    },
    /// An entity's matcher could not be built (invalid or too large).
    #[error("entity `{entity}` could not be compiled: {source}")]
    BadEntity {
        /// Entity name.
        entity: String,
        /// What the regex engine said.
        #[source]
        source: Box<regex::Error>,
    },
    /// A data file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A data file's content is not in the expected format.
    #[error("{path}: {message}")]
    BadData {
        /// The file.
        path: String,
        /// What is wrong, with a line or byte offset when known.
        message: String,
    },
}
