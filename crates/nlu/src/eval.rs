//! Evaluation of the recognizer on labelled examples: k-fold on a bot's own examples, or a train/test
//! pair. Reports per-intent precision/recall/F1, the most frequent confusions, per-slot precision/recall/F1
//! (same label and same words), slot F1 averaged per intent over its slots (the SNIPS benchmark's convention),
//! and out-of-scope recall.

use crate::error::NluError;
use crate::recognizer::{RecognizeContext, Recognizer};
use crate::softmax::Rng;
use crate::spec::{NluSpec, OUT_OF_SCOPE, TrainingExample};
use crate::tagger::span_label;
// Slots are compared by label and value words (as in the SNIPS benchmark): punctuation at a span's edge
// does not count.
use crate::text::span_words;
use crate::trained::TrainedRecognizer;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Prf {
    /// Correct predictions / predictions.
    pub precision: f64,
    /// Correct predictions / gold items.
    pub recall: f64,
    /// Harmonic mean of the two.
    pub f1: f64,
    /// Gold items.
    pub support: usize,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
}

impl Counts {
    fn prf(&self) -> Prf {
        let p = ratio(self.tp, self.tp + self.fp);
        let r = ratio(self.tp, self.tp + self.fn_);
        Prf {
            precision: p,
            recall: r,
            f1: if p + r > 0.0 {
                2.0 * p * r / (p + r)
            } else {
                0.0
            },
            support: self.tp + self.fn_,
        }
    }
}

/// How many wrong examples the plain-text table lists.
const MAX_ERRORS_SHOWN: usize = 20;

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The result of an evaluation.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EvalReport {
    /// Training examples (summed over folds).
    pub train_examples: usize,
    /// Test examples.
    pub test_examples: usize,
    /// Share of test examples whose intent (or out-of-scope) was right.
    pub intent_accuracy: f64,
    /// Per intent.
    pub intents: BTreeMap<String, Prf>,
    /// (gold, predicted, count), most frequent first; predicted `out_of_scope` = below the threshold.
    pub confusions: Vec<(String, String, usize)>,
    /// Per slot label (`entity` or `entity:role`).
    pub slots: BTreeMap<String, Prf>,
    /// Slot F1 over all slots together.
    pub slot_f1_micro: f64,
    /// Per intent: the mean F1 over the slots that intent's test examples contain; then the mean over intents.
    pub slot_f1_per_intent_mean: f64,
    /// Per intent: the mean F1 over the slots that intent's test examples contain (intents with slots).
    pub slot_f1_by_intent: BTreeMap<String, f64>,
    /// Share of out-of-scope test examples rejected (None when there are none).
    pub out_of_scope_recall: Option<f64>,
    /// How well the top confidence separates in-scope from out-of-scope test examples, whatever the
    /// threshold: the probability that an in-scope example scores higher than an out-of-scope one (area
    /// under the ROC curve; 0.5 = no better than chance, 1 = a threshold separates them perfectly).
    pub out_of_scope_auroc: Option<f64>,
    /// Expected calibration error of the top confidence: test examples in ten confidence bins, the
    /// mean over bins (weighted by size) of |mean confidence − share whose top intent was right|. 0 = a
    /// confidence of 0.8 is right 80 % of the time. Out-of-scope examples count as never right.
    pub calibration_error: f64,
    /// Share of the in-scope test examples whose intent was right (None when all are in scope: then it
    /// is `intent_accuracy`).
    pub in_scope_accuracy: Option<f64>,
    /// Wall time spent training (all folds), seconds.
    pub train_seconds: f64,
    /// Mean recognition time per test message, microseconds.
    pub recognize_micros: f64,
    /// Every test example whose intent was wrong, in test order (Rasa's `intent_errors.json`).
    pub errors: Vec<IntentError>,
}

/// A test example the recognizer got wrong.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct IntentError {
    /// The example's text.
    pub text: String,
    /// Its labelled intent.
    pub gold: String,
    /// What the recognizer said (`out_of_scope` = below the threshold).
    pub predicted: String,
    /// The confidence of the recognizer's top intent (0 when it had none).
    pub confidence: f32,
}

#[derive(Default)]
struct Tally {
    intents: BTreeMap<String, Counts>,
    confusions: BTreeMap<(String, String), usize>,
    slots: BTreeMap<String, Counts>,
    slots_by_intent: BTreeMap<String, BTreeMap<String, Counts>>,
    correct: usize,
    total: usize,
    oos: (usize, usize),
    train_examples: usize,
    train_seconds: f64,
    recognize_seconds: f64,
    errors: Vec<IntentError>,
    /// Per test example: the top intent's confidence, whether that intent is right, whether the
    /// example is out of scope.
    top: Vec<(f32, bool, bool)>,
}

/// Trains on `train` (with `base`'s rules, gazetteers and settings) and evaluates on `test`. An intent
/// below `threshold` counts as out-of-scope; so does a test example whose intent is not in `train`.
pub fn train_test(
    base: &NluSpec,
    train: &[TrainingExample],
    test: &[TrainingExample],
    threshold: f32,
) -> Result<EvalReport, NluError> {
    let mut tally = Tally::default();
    run(base, train, test, threshold, true, &mut tally)?;
    Ok(report(tally))
}

/// `k`-fold cross-validation over `base.examples` (deterministic split).
pub fn k_fold(base: &NluSpec, k: usize, threshold: f32) -> Result<EvalReport, NluError> {
    let k = k.max(2);
    let mut order: Vec<usize> = (0..base.examples.len()).collect();
    Rng::new(11).shuffle(&mut order);
    let mut tally = Tally::default();
    for fold in 0..k {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (n, &i) in order.iter().enumerate() {
            let e = base.examples[i].clone();
            if n % k == fold {
                test.push(e)
            } else {
                train.push(e)
            }
        }
        // A rare intent whose examples all fell into this fold is still an intent, not out of scope.
        run(base, &train, &test, threshold, false, &mut tally)?;
    }
    Ok(report(tally))
}

fn run(
    base: &NluSpec,
    train: &[TrainingExample],
    test: &[TrainingExample],
    threshold: f32,
    unseen_is_out_of_scope: bool,
    tally: &mut Tally,
) -> Result<(), NluError> {
    let spec = NluSpec {
        examples: train.to_vec(),
        ..base.clone()
    };
    let started = Instant::now();
    let recognizer = TrainedRecognizer::train(&spec)?;
    tally.train_seconds += started.elapsed().as_secs_f64();
    tally.train_examples += train.len();
    let labels: BTreeSet<String> = train
        .iter()
        .chain(test)
        .flat_map(|e| e.spans.iter().map(span_label))
        .collect();
    let kinds: BTreeSet<String> = labels
        .iter()
        .map(|l| l.split(':').next().unwrap_or_default().to_owned())
        .collect();
    // Intents the recognizer can give: learned from `train`, or handled by rules (commands, patterns).
    let known: BTreeSet<&str> = train
        .iter()
        .map(|e| e.intent.as_str())
        .chain(base.rules.iter().map(|r| r.name.as_str()))
        .collect();
    let ctx = RecognizeContext::default();
    for e in test {
        // An intent the training data does not have cannot be recognized: the right answer is
        // "out of scope" (how a test set of unseen-intent queries measures out-of-scope detection).
        let gold = if !unseen_is_out_of_scope || known.contains(e.intent.as_str()) {
            e.intent.clone()
        } else {
            OUT_OF_SCOPE.to_owned()
        };
        let started = Instant::now();
        let u = recognizer.recognize(&e.text, &ctx);
        tally.recognize_seconds += started.elapsed().as_secs_f64();
        let predicted = u
            .top_intent(threshold)
            .map_or(OUT_OF_SCOPE.to_owned(), |i| i.name.clone());
        tally.total += 1;
        let confidence = u.intents.first().map_or(0.0, |i| i.confidence);
        tally.top.push((
            confidence,
            u.intents.first().is_some_and(|i| i.name == gold),
            gold == OUT_OF_SCOPE,
        ));
        if predicted == gold {
            tally.correct += 1;
            tally.intents.entry(gold.clone()).or_default().tp += 1;
        } else {
            tally.intents.entry(gold.clone()).or_default().fn_ += 1;
            tally.intents.entry(predicted.clone()).or_default().fp += 1;
            *tally
                .confusions
                .entry((gold.clone(), predicted.clone()))
                .or_default() += 1;
            tally.errors.push(IntentError {
                text: e.text.clone(),
                gold: gold.clone(),
                predicted: predicted.clone(),
                confidence,
            });
        }
        if gold == OUT_OF_SCOPE {
            tally.oos.1 += 1;
            if predicted == OUT_OF_SCOPE {
                tally.oos.0 += 1;
            }
        }
        let gold: BTreeSet<(String, String)> = e
            .spans
            .iter()
            .map(|s| (span_label(s), span_words(&e.text, s.start, s.end)))
            .collect();
        let guessed: BTreeSet<(String, String)> = u
            .entities
            .iter()
            .filter(|x| kinds.contains(&x.kind))
            .map(|x| {
                let label = match &x.role {
                    Some(r) if labels.contains(&format!("{}:{r}", x.kind)) => {
                        format!("{}:{r}", x.kind)
                    }
                    _ => x.kind.clone(),
                };
                (label, span_words(&e.text, x.span.0, x.span.1))
            })
            .collect();
        let per_intent = tally.slots_by_intent.entry(e.intent.clone()).or_default();
        for g in &gold {
            let hit = guessed.contains(g);
            for c in [
                tally.slots.entry(g.0.clone()).or_default(),
                per_intent.entry(g.0.clone()).or_default(),
            ] {
                if hit { c.tp += 1 } else { c.fn_ += 1 }
            }
        }
        for p in guessed.difference(&gold) {
            tally.slots.entry(p.0.clone()).or_default().fp += 1;
            per_intent.entry(p.0.clone()).or_default().fp += 1;
        }
    }
    Ok(())
}

/// Expected calibration error over ten equal-width confidence bins (see [`EvalReport::calibration_error`]).
fn calibration_error(scores: &[(f32, bool)]) -> f64 {
    let mut bins = [(0.0f64, 0usize, 0usize); 10];
    for &(c, right) in scores {
        let b = &mut bins[((c.clamp(0.0, 1.0) * 10.0) as usize).min(9)];
        b.0 += f64::from(c);
        b.1 += 1;
        b.2 += usize::from(right);
    }
    let n = scores.len().max(1) as f64;
    bins.iter()
        .filter(|b| b.1 > 0)
        .map(|&(sum, _, right)| (sum - right as f64).abs() / n)
        .sum()
}

/// Area under the ROC curve of `score` separating in-scope (`false`) from out-of-scope (`true`) examples
/// (Mann–Whitney: ties count one half). None unless both kinds are present.
fn auroc(scores: &[(f32, bool)]) -> Option<f64> {
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut oos_below, mut pairs_won, mut i) = (0.0f64, 0.0f64, 0);
    while i < sorted.len() {
        let mut j = i;
        while j < sorted.len() && sorted[j].0.total_cmp(&sorted[i].0).is_eq() {
            j += 1;
        }
        let tied_oos = sorted[i..j].iter().filter(|s| s.1).count() as f64;
        let tied_in = (j - i) as f64 - tied_oos;
        pairs_won += tied_in * (oos_below + tied_oos / 2.0);
        oos_below += tied_oos;
        i = j;
    }
    let oos = oos_below;
    let inside = scores.len() as f64 - oos;
    (oos > 0.0 && inside > 0.0).then(|| pairs_won / (oos * inside))
}

fn report(t: Tally) -> EvalReport {
    let mut confusions: Vec<(String, String, usize)> = t
        .confusions
        .into_iter()
        .map(|((g, p), n)| (g, p, n))
        .collect();
    confusions.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let all = t.slots.values().fold(Counts::default(), |a, c| Counts {
        tp: a.tp + c.tp,
        fp: a.fp + c.fp,
        fn_: a.fn_ + c.fn_,
    });
    let slot_f1_by_intent: BTreeMap<String, f64> = t
        .slots_by_intent
        .iter()
        .filter_map(|(intent, slots)| {
            let f: Vec<f64> = slots
                .values()
                .filter(|c| c.tp + c.fn_ > 0)
                .map(|c| c.prf().f1)
                .collect();
            (!f.is_empty()).then(|| (intent.clone(), f.iter().sum::<f64>() / f.len() as f64))
        })
        .collect();
    let intent_means: Vec<f64> = slot_f1_by_intent.values().copied().collect();
    EvalReport {
        train_examples: t.train_examples,
        test_examples: t.total,
        intent_accuracy: ratio(t.correct, t.total),
        intents: t.intents.into_iter().map(|(k, c)| (k, c.prf())).collect(),
        confusions,
        slots: t.slots.into_iter().map(|(k, c)| (k, c.prf())).collect(),
        slot_f1_micro: all.prf().f1,
        slot_f1_per_intent_mean: if intent_means.is_empty() {
            0.0
        } else {
            intent_means.iter().sum::<f64>() / intent_means.len() as f64
        },
        slot_f1_by_intent,
        out_of_scope_recall: (t.oos.1 > 0).then(|| ratio(t.oos.0, t.oos.1)),
        out_of_scope_auroc: auroc(&t.top.iter().map(|s| (s.0, s.2)).collect::<Vec<_>>()),
        calibration_error: calibration_error(&t.top.iter().map(|s| (s.0, s.1)).collect::<Vec<_>>()),
        in_scope_accuracy: (t.oos.1 > 0).then(|| ratio(t.correct - t.oos.0, t.total - t.oos.1)),
        train_seconds: t.train_seconds,
        recognize_micros: if t.total == 0 {
            0.0
        } else {
            t.recognize_seconds * 1e6 / t.total as f64
        },
        errors: t.errors,
    }
}

impl EvalReport {
    /// A plain-text table for people.
    pub fn table(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "examples: {} train, {} test; training {:.2} s; recognition {:.0} µs/message",
            self.train_examples, self.test_examples, self.train_seconds, self.recognize_micros
        );
        let _ = writeln!(s, "intent accuracy: {:.2} %", self.intent_accuracy * 100.0);
        if let Some(r) = self.out_of_scope_recall {
            let _ = writeln!(s, "out-of-scope recall: {:.2} %", r * 100.0);
        }
        if let Some(a) = self.in_scope_accuracy {
            let _ = writeln!(s, "in-scope accuracy: {:.2} %", a * 100.0);
        }
        if let Some(a) = self.out_of_scope_auroc {
            let _ = writeln!(s, "out-of-scope AUROC: {a:.3}");
        }
        let _ = writeln!(
            s,
            "calibration error (ECE, 10 bins): {:.3}",
            self.calibration_error
        );
        let _ = writeln!(
            s,
            "\n{:<32} {:>9} {:>9} {:>9} {:>8}",
            "intent", "precision", "recall", "f1", "support"
        );
        for (name, p) in &self.intents {
            let _ = writeln!(
                s,
                "{name:<32} {:>9.3} {:>9.3} {:>9.3} {:>8}",
                p.precision, p.recall, p.f1, p.support
            );
        }
        if !self.confusions.is_empty() {
            let _ = writeln!(s, "\nconfusions (gold → predicted):");
            for (g, p, n) in self.confusions.iter().take(10) {
                let _ = writeln!(s, "  {g} → {p}: {n}");
            }
        }
        if !self.errors.is_empty() {
            let shown = self.errors.len().min(MAX_ERRORS_SHOWN);
            let _ = writeln!(
                s,
                "\nwrong intents ({shown} of {} shown; all in --json):",
                self.errors.len()
            );
            for e in &self.errors[..shown] {
                let _ = writeln!(
                    s,
                    "  {:?}: {} → {} ({:.2})",
                    e.text, e.gold, e.predicted, e.confidence
                );
            }
        }
        if !self.slots.is_empty() {
            let _ = writeln!(
                s,
                "\n{:<32} {:>9} {:>9} {:>9} {:>8}",
                "slot", "precision", "recall", "f1", "support"
            );
            for (name, p) in &self.slots {
                let _ = writeln!(
                    s,
                    "{name:<32} {:>9.3} {:>9.3} {:>9.3} {:>8}",
                    p.precision, p.recall, p.f1, p.support
                );
            }
            let by_intent: Vec<String> = self
                .slot_f1_by_intent
                .iter()
                .map(|(i, f)| format!("{i} {f:.3}"))
                .collect();
            let _ = writeln!(s, "slot f1 by intent: {}", by_intent.join(", "));
            let _ = writeln!(
                s,
                "slot f1: {:.3} (all slots), {:.3} (mean per intent of its slots' F1)",
                self.slot_f1_micro, self.slot_f1_per_intent_mean
            );
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::annotated;

    #[test]
    fn auroc_counts_the_pairs_a_threshold_gets_right() {
        assert_eq!(auroc(&[(0.9, false), (0.8, false), (0.2, true)]), Some(1.0));
        assert_eq!(auroc(&[(0.1, false), (0.8, true)]), Some(0.0));
        // One in-scope example ties the out-of-scope one, one is above it: (0.5 + 1) / 2.
        assert_eq!(
            auroc(&[(0.5, false), (0.9, false), (0.5, true)]),
            Some(0.75)
        );
        assert_eq!(auroc(&[(0.5, false)]), None);
        // A NaN score ends (it ties only with itself).
        assert!(auroc(&[(f32::NAN, false), (0.5, true)]).is_some());
    }

    #[test]
    fn calibration_error_compares_confidence_with_the_share_right() {
        // 0.8 confident, right 4 times in 5: calibrated.
        let good = [
            (0.8, true),
            (0.8, true),
            (0.8, true),
            (0.8, true),
            (0.8, false),
        ];
        assert!(calibration_error(&good) < 1e-6);
        // 0.9 confident, right half the time: off by 0.4.
        let over = [(0.9, true), (0.9, false)];
        assert!((calibration_error(&over) - 0.4).abs() < 1e-6);
    }

    #[test]
    fn train_test_counts_intents_slots_and_out_of_scope() {
        let train: Vec<TrainingExample> = [
            ("play [yesterday](song)", "play"),
            ("play the song [hello](song)", "play"),
            ("play [imagine](song) please", "play"),
            ("weather in [paris](place)", "weather"),
            ("is it raining in [rome](place)", "weather"),
            ("what's the forecast for [oslo](place)", "weather"),
        ]
        .iter()
        .map(|(t, i)| annotated(t, i))
        .collect();
        let test = vec![
            annotated("play [help](song)", "play"),
            annotated("weather in [lima](place)", "weather"),
            annotated("quantum chromodynamics lecture notes", OUT_OF_SCOPE),
        ];
        let r = train_test(&NluSpec::default(), &train, &test, 0.4).unwrap_or_default();
        assert_eq!(r.test_examples, 3);
        assert_eq!(r.intent_accuracy, 1.0, "{}", r.table());
        assert_eq!(r.out_of_scope_recall, Some(1.0));
        assert!(
            r.slots.contains_key("song") && r.slots.contains_key("place"),
            "{:?}",
            r.slots
        );
        assert!(r.table().contains("intent accuracy: 100.00 %"));
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        // Every test example wrong: each one is listed with what was predicted instead.
        let swapped: Vec<TrainingExample> = test[..2]
            .iter()
            .map(|e| TrainingExample {
                intent: if e.intent == "play" {
                    "weather"
                } else {
                    "play"
                }
                .to_owned(),
                ..e.clone()
            })
            .collect();
        let r = train_test(&NluSpec::default(), &train, &swapped, 0.0).unwrap_or_default();
        assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
        assert_eq!(
            (
                r.errors[0].text.as_str(),
                r.errors[0].gold.as_str(),
                r.errors[0].predicted.as_str()
            ),
            ("play help", "weather", "play")
        );
        assert!(r.errors[0].confidence > 0.0);
        assert!(
            r.table().contains("wrong intents (2 of 2 shown"),
            "{}",
            r.table()
        );
        // An intent the training data lacks is out of scope: recall, in-scope accuracy and AUROC appear.
        let unseen = vec![
            annotated("play [help](song)", "play"),
            annotated("book a table for two at eight", "restaurant"),
        ];
        let r = train_test(&NluSpec::default(), &train, &unseen, 0.4).unwrap_or_default();
        assert_eq!(r.out_of_scope_recall, Some(1.0), "{}", r.table());
        assert_eq!(r.in_scope_accuracy, Some(1.0), "{}", r.table());
        assert_eq!(r.out_of_scope_auroc, Some(1.0), "{}", r.table());
        // An intent handled by a rule (a command) is known, not out of scope.
        let with_rules = NluSpec {
            rules: vec![crate::pattern::IntentSpec {
                name: "help".into(),
                phrases: vec!["help".into()],
                ..Default::default()
            }],
            ..NluSpec::default()
        };
        let r =
            train_test(&with_rules, &train, &[annotated("help", "help")], 0.4).unwrap_or_default();
        assert_eq!((r.intent_accuracy, r.out_of_scope_recall), (1.0, None));
        // In k-fold, an intent whose only example is in the test fold is still that intent.
        let mut spec = NluSpec {
            examples: train.clone(),
            ..NluSpec::default()
        };
        spec.examples.push(annotated("order a pizza", "food"));
        let r = k_fold(&spec, 2, 0.0).unwrap_or_default();
        assert_eq!(r.out_of_scope_recall, None, "{}", r.table());
        assert_eq!(r.intents.get("food").map(|p| p.support), Some(1));
    }
}
