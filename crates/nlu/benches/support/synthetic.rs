//! The benchmark workload at the scale, shared by `benches/recognize.rs` (criterion) and
//! `examples/nlu_bench.rs` (training time and latency percentiles): 150 intents × 100 synthetic,
//! deterministic training sentences (6–14 words, 20 learned slot labels) plus the shipped 6,000-city
//! gazetteer, and distinct test messages drawn from the same generator.

use colloquy_nlu::gazetteer::parse_tsv;
use colloquy_nlu::softmax::Rng;
use colloquy_nlu::{GazetteerSpec, NluSpec, dataset};

/// Number of intents.
pub const INTENTS: usize = 150;
/// Training sentences per intent.
pub const PER_INTENT: usize = 100;

/// A made-up language: per-intent keywords, shared filler words, slot values and city names.
pub struct World {
    keywords: Vec<Vec<String>>,
    filler: Vec<String>,
    values: Vec<Vec<String>>,
    cities: Vec<String>,
    rng: Rng,
}

fn word(rng: &mut Rng) -> String {
    const SYL: [&str; 24] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "be", "da", "fo", "gu", "ha", "ji", "ke",
        "la", "mo", "nu", "pe", "qi", "re", "si", "tu", "wo",
    ];
    let n = 2 + (rng.next_u64() % 2) as usize;
    (0..n)
        .map(|_| SYL[(rng.next_u64() % 24) as usize])
        .collect()
}

impl World {
    /// The training spec (examples and the city gazetteer) and the world that generates test messages.
    pub fn build() -> (NluSpec, World) {
        let mut rng = Rng::new(2026);
        let cities_tsv = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../config/gazetteer/cities.tsv"),
        )
        .unwrap_or_default();
        let gazetteer = parse_tsv(&cities_tsv);
        let keywords = (0..INTENTS)
            .map(|_| (0..8).map(|_| word(&mut rng)).collect())
            .collect();
        let filler = (0..400).map(|_| word(&mut rng)).collect();
        let values = (0..20)
            .map(|_| {
                (0..30)
                    .map(|_| format!("{} {}", word(&mut rng), word(&mut rng)))
                    .collect()
            })
            .collect();
        let cities = gazetteer
            .iter()
            .take(500)
            .map(|c| c.canonical.clone())
            .collect();
        let mut world = World {
            keywords,
            filler,
            values,
            cities,
            rng,
        };
        let mut spec = NluSpec::default();
        for intent in 0..INTENTS {
            for _ in 0..PER_INTENT {
                let s = world.sentence(intent, true);
                spec.examples
                    .push(dataset::annotated(&s, &format!("intent_{intent}")));
            }
        }
        spec.gazetteers.push(GazetteerSpec {
            name: "city".into(),
            values: gazetteer,
            roles: vec![("to".into(), vec!["to".into()])],
            fuzzy: Some(0.8),
        });
        (spec, world)
    }

    /// The next sentence of intent `intent` (`intent_{intent}`); `annotate` marks slot values for training.
    pub fn sentence(&mut self, intent: usize, annotate: bool) -> String {
        let rng = &mut self.rng;
        let len = 6 + (rng.next_u64() % 9) as usize;
        let mut parts: Vec<String> = Vec::new();
        for k in 0..len {
            let r = rng.next_u64() % 10;
            if k == len / 2 && rng.next_u64().is_multiple_of(2) {
                let label = (intent + (rng.next_u64() % 2) as usize) % self.values.len();
                let v = &self.values[label][(rng.next_u64() % 30) as usize];
                parts.push(if annotate {
                    format!("[{v}](slot{label})")
                } else {
                    v.clone()
                });
            } else if k == 1 && rng.next_u64().is_multiple_of(4) {
                let city = &self.cities[(rng.next_u64() % self.cities.len() as u64) as usize];
                parts.push(format!("to {city}"));
            } else if r < 4 {
                let kw = &self.keywords[intent];
                parts.push(kw[(rng.next_u64() % kw.len() as u64) as usize].clone());
            } else {
                parts.push(
                    self.filler[(rng.next_u64() % self.filler.len() as u64) as usize].clone(),
                );
            }
        }
        parts.join(" ")
    }

    /// `n` distinct test messages (cycling through the intents) with their intent index.
    pub fn messages(&mut self, n: usize) -> Vec<(usize, String)> {
        (0..n)
            .map(|q| (q % INTENTS, self.sentence(q % INTENTS, false)))
            .collect()
    }
}
