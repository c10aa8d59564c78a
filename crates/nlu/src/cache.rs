//! Trained models on disk: `DIR/nlu-<sha256 of the training data>.json`. Start-up loads a model whose
//! hash matches instead of training; any change to the examples or settings changes the hash, so a stale
//! model is never used. Writes go to a temporary file renamed into place, so a crash never leaves a torn
//! model behind.

use crate::error::NluError;
use crate::spec::NluSpec;
use crate::trained::{TrainedModel, TrainedRecognizer};
use std::path::{Path, PathBuf};

/// What happened with the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// No cache directory configured: trained in memory.
    Disabled,
    /// A cached model with the same hash was loaded.
    Loaded(PathBuf),
    /// Trained and written to the cache.
    Trained(PathBuf),
    /// Trained, but the cache could not be written (the message says why); the model works anyway.
    NotWritten(String),
}

/// The cache file for `spec` in `dir`.
pub fn model_path(dir: &Path, spec: &NluSpec) -> PathBuf {
    dir.join(format!("nlu-{}.json", spec.training_hash()))
}

/// Loads the cached model for `spec` from `dir`, or trains one and caches it.
pub fn load_or_train(
    spec: &NluSpec,
    dir: Option<&Path>,
) -> Result<(TrainedRecognizer, CacheStatus), NluError> {
    let Some(dir) = dir else {
        return Ok((TrainedRecognizer::train(spec)?, CacheStatus::Disabled));
    };
    let path = model_path(dir, spec);
    if let Ok(bytes) = std::fs::read(&path)
        && let Ok(model) = serde_json::from_slice::<TrainedModel>(&bytes)
    {
        return Ok((
            TrainedRecognizer::with_model(spec, model)?,
            CacheStatus::Loaded(path),
        ));
    }
    let recognizer = TrainedRecognizer::train(spec)?;
    let status = match write(&path, recognizer.model()) {
        Ok(()) => CacheStatus::Trained(path),
        Err(e) => CacheStatus::NotWritten(e),
    };
    Ok((recognizer, status))
}

fn write(path: &Path, model: &TrainedModel) -> Result<(), String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec(model).map_err(|e| e.to_string())?;
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot rename to {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::annotated;

    #[test]
    fn second_start_loads_the_cached_model_and_a_change_retrains() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut spec = NluSpec {
            examples: vec![
                annotated("book a flight", "book"),
                annotated("weather today", "weather"),
            ],
            ..NluSpec::default()
        };
        let (_, first) = load_or_train(&spec, Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(first, CacheStatus::Trained(_)), "{first:?}");
        let (_, second) = load_or_train(&spec, Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(second, CacheStatus::Loaded(_)), "{second:?}");
        spec.examples.push(annotated("hello", "greet"));
        let (_, third) = load_or_train(&spec, Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(third, CacheStatus::Trained(_)), "{third:?}");
    }
}
