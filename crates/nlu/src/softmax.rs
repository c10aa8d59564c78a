//! Multinomial logistic regression (softmax) over sparse features, trained by SGD with L2 regularization.
//!
//! Hand-written rather than `linfa-logistic`: that crate needs dense `ndarray` matrices and `argmin`'s
//! L-BFGS, i.e. a dense `examples × features` matrix (15,000 × ~100,000 floats = 6 GB for the speed target)
//! and a few heavy dependencies. Sparse SGD is ~100 lines, trains 15,000 examples / 150 classes in seconds
//! and is deterministic: a fixed-seed shuffle and sequential float arithmetic give the same weights on every
//! run. Weights are stored feature-major so that scoring a sentence reads one contiguous row per feature.

use crate::features::Sparse;
use serde::{Deserialize, Serialize};

/// Training settings.
#[derive(Debug, Clone, Copy)]
pub struct SoftmaxConfig {
    /// Passes over the data.
    pub epochs: usize,
    /// Initial learning rate.
    pub learning_rate: f32,
    /// L2 penalty per example.
    pub l2: f32,
    /// Seed of the example shuffle.
    pub seed: u64,
}

impl Default for SoftmaxConfig {
    fn default() -> Self {
        SoftmaxConfig {
            epochs: 30,
            learning_rate: 0.5,
            l2: 1e-5,
            seed: 42,
        }
    }
}

/// A trained model: `classes` outputs over `features` inputs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Softmax {
    classes: usize,
    /// Feature-major weights: `w[f * classes + c]`.
    w: Vec<f32>,
    /// Per-class bias.
    b: Vec<f32>,
}

/// A small deterministic PRNG (xorshift64*), enough to shuffle examples.
pub struct Rng(u64);

impl Rng {
    /// Seeded generator (seed 0 is replaced by a constant).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }
    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

impl Softmax {
    /// Trains on `(features, class)` pairs. `features` is the input dimension.
    pub fn train(
        data: &[(Sparse, usize)],
        features: usize,
        classes: usize,
        cfg: SoftmaxConfig,
    ) -> Softmax {
        let mut m = Softmax {
            classes,
            w: vec![0.0; features * classes],
            b: vec![0.0; classes],
        };
        if classes == 0 || data.is_empty() {
            return m;
        }
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = Rng::new(cfg.seed);
        // Weights are `scale * w` so that the L2 shrink of every weight is one multiplication per step.
        let mut scale = 1.0f32;
        let mut p = vec![0.0f32; classes];
        let mut t = 0usize;
        let steps = (cfg.epochs * data.len()).max(1) as f32;
        for _ in 0..cfg.epochs {
            rng.shuffle(&mut order);
            for &i in &order {
                let (x, y) = &data[i];
                let lr = cfg.learning_rate * (1.0 - t as f32 / steps).max(0.05);
                t += 1;
                m.scores_scaled(x, scale, &mut p);
                softmax_in_place(&mut p);
                scale *= 1.0 - lr * cfg.l2;
                if scale < 1e-3 {
                    for v in &mut m.w {
                        *v *= scale;
                    }
                    scale = 1.0;
                }
                for (c, pc) in p.iter().enumerate() {
                    let g = pc - if c == *y { 1.0 } else { 0.0 };
                    // Classes the model already rules out contribute nothing worth the row update.
                    if g.abs() < 1e-3 {
                        continue;
                    }
                    m.b[c] -= lr * g * 0.1;
                    let step = lr * g / scale;
                    for (f, v) in x {
                        m.w[*f as usize * classes + c] -= step * v;
                    }
                }
            }
        }
        for v in &mut m.w {
            *v *= scale;
        }
        m
    }

    fn scores_scaled(&self, x: &Sparse, scale: f32, out: &mut [f32]) {
        out.copy_from_slice(&self.b);
        for (f, v) in x {
            let row = &self.w[*f as usize * self.classes..(*f as usize + 1) * self.classes];
            let k = v * scale;
            for (o, w) in out.iter_mut().zip(row) {
                *o += k * w;
            }
        }
    }

    /// Class probabilities for `x`.
    pub fn predict(&self, x: &Sparse) -> Vec<f32> {
        let mut p = vec![0.0; self.classes];
        if self.classes > 0 {
            self.scores_scaled(x, 1.0, &mut p);
            softmax_in_place(&mut p);
        }
        p
    }
}

fn softmax_in_place(p: &mut [f32]) {
    let max = p.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in p.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in p.iter_mut() {
        *v /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separable_classes_are_learned_deterministically() {
        let data = vec![
            (vec![(0, 1.0)], 0),
            (vec![(1, 1.0)], 1),
            (vec![(2, 0.7), (0, 0.7)], 0),
            (vec![(2, 0.7), (1, 0.7)], 1),
        ];
        let a = Softmax::train(&data, 3, 2, SoftmaxConfig::default());
        let b = Softmax::train(&data, 3, 2, SoftmaxConfig::default());
        assert_eq!(a.w, b.w);
        let p = a.predict(&vec![(0, 1.0)]);
        assert!(p[0] > 0.8, "{p:?}");
        let unknown = a.predict(&vec![]);
        assert!((unknown[0] - 0.5).abs() < 0.1, "{unknown:?}");
    }
}
