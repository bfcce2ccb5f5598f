//! The precision search's progress: one report per configuration scored, for the pass
//! manager's progress line (`precision search: 12/23 scores, 4.1/s, about 3 s left`). Work
//! whose number of scores is not known ahead (target-sqnr) reports without a total.

use std::cell::{Cell, RefCell};
use std::time::Instant;

use crate::pass::{Progress, ProgressFn};

pub struct ScoreProgress {
    report: RefCell<Option<Box<ProgressFn>>>,
    done: Cell<usize>,
    /// The scores expected (0: not known). A run that scores more never shows done == total
    /// before [`ScoreProgress::finish`], which ends the line.
    total: usize,
    started: Instant,
}

impl ScoreProgress {
    pub fn new(report: Option<Box<ProgressFn>>, total: usize) -> ScoreProgress {
        ScoreProgress {
            report: RefCell::new(report),
            done: Cell::new(0),
            total,
            started: Instant::now(),
        }
    }

    /// One more configuration scored.
    pub fn tick(&self) {
        let done = self.done.get() + 1;
        self.done.set(done);
        let total = match self.total {
            0 => 0,
            t => t.max(done + 1),
        };
        self.send(done, total);
    }

    /// Ends the progress line (when anything was scored) and gives the channel back.
    pub fn finish(self) -> Option<Box<ProgressFn>> {
        let done = self.done.get();
        if done > 0 {
            self.send(done, done);
        }
        self.report.into_inner()
    }

    fn send(&self, done: usize, total: usize) {
        if let Some(f) = self.report.borrow_mut().as_mut() {
            f(&Progress {
                what: "precision search",
                unit: "scores",
                done,
                total,
                elapsed: self.started.elapsed(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    type Seen = Arc<Mutex<Vec<(usize, usize)>>>;

    fn recorder() -> (Seen, Box<ProgressFn>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let f: Box<ProgressFn> =
            Box::new(move |p: &Progress| sink.lock().unwrap().push((p.done, p.total)));
        (seen, f)
    }

    /// More scores than expected never show a finished line before the end, and the end shows
    /// one; without a total the reports have none until the end.
    #[test]
    fn the_line_ends_only_when_the_search_does() {
        let (seen, f) = recorder();
        let p = ScoreProgress::new(Some(f), 2);
        for _ in 0..3 {
            p.tick();
        }
        assert!(p.finish().is_some());
        assert_eq!(*seen.lock().unwrap(), vec![(1, 2), (2, 3), (3, 4), (3, 3)]);
        let (seen, f) = recorder();
        let p = ScoreProgress::new(Some(f), 0);
        p.tick();
        p.tick();
        p.finish();
        assert_eq!(*seen.lock().unwrap(), vec![(1, 0), (2, 0), (2, 2)]);
    }
}
