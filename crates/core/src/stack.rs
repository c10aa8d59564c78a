//! The bounded stack of contexts in one session: the top one is talking, the ones below are interrupted.

use crate::context::Frame;
use serde::{Deserialize, Serialize};

/// A stack of frames with a maximum depth.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextStack {
    frames: Vec<Frame>,
}

/// Returned when a push would exceed the maximum depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackFull;

impl ContextStack {
    /// Default maximum depth.
    pub const DEFAULT_MAX_DEPTH: usize = 4;

    /// The active frame.
    pub fn top(&self) -> Option<&Frame> {
        self.frames.last()
    }

    /// The active frame, mutably.
    pub fn top_mut(&mut self) -> Option<&mut Frame> {
        self.frames.last_mut()
    }

    /// Pushes `frame` unless the stack already holds `max_depth` frames.
    pub fn push(&mut self, frame: Frame, max_depth: usize) -> Result<(), StackFull> {
        if self.frames.len() >= max_depth {
            return Err(StackFull);
        }
        self.frames.push(frame);
        Ok(())
    }

    /// Removes and returns the active frame.
    pub fn pop(&mut self) -> Option<Frame> {
        self.frames.pop()
    }

    /// Number of frames.
    pub fn depth(&self) -> usize {
        self.frames.len()
    }

    /// True when no context is active.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Frames from bottom to top.
    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    /// Frames from bottom to top, mutably.
    pub fn frames_mut(&mut self) -> &mut [Frame] {
        &mut self.frames
    }

    /// True when a frame of `context` is anywhere on the stack.
    pub fn contains(&self, context: &str) -> bool {
        self.frames.iter().any(|f| f.context == context)
    }

    /// Removes every frame and returns them, bottom first.
    pub fn clear(&mut self) -> Vec<Frame> {
        std::mem::take(&mut self.frames)
    }

    /// Removes the frame at `index` (0 = bottom).
    pub fn remove(&mut self, index: usize) -> Option<Frame> {
        (index < self.frames.len()).then(|| self.frames.remove(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_respects_max_depth_and_pops_lifo() {
        let mut s = ContextStack::default();
        for i in 0..3 {
            s.push(Frame::new(format!("c{i}"), "S"), 3).expect("room");
        }
        assert_eq!(s.push(Frame::new("x", "S"), 3), Err(StackFull));
        assert_eq!(s.depth(), 3);
        assert_eq!(s.pop().map(|f| f.context), Some("c2".to_string()));
        assert_eq!(s.top().map(|f| f.context.as_str()), Some("c1"));
        assert!(s.contains("c0"));
        assert_eq!(s.clear().len(), 2);
        assert!(s.is_empty());
    }
}
