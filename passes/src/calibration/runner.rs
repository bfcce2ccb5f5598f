//! Runs calibration samples on worker threads that live for the whole data set, and hands the
//! results back in sample order.
//!
//! Workers are spawned once, so each keeps the interpreter's per-thread buffer pool warm
//! (threads spawned per batch start with an empty pool and pay a page fault per fresh page).
//! Results are merged in sample order whatever the timing, so the statistics — a moving average
//! included — do not depend on scheduling. At most `2 * threads` samples are in flight, so
//! memory stays bounded while the data set streams.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::Mutex;

/// Calls `work(index, item)` for every item `source` yields, on `threads` workers, and
/// `sink(index, result)` in index order on the calling thread. Stops at the first error, from
/// the source, a worker or the sink, and returns it; a worker's error is the lowest-index
/// sample's that failed, whatever the timing (the message names the sample deterministically).
pub fn run_ordered<T, R, W, S>(
    threads: usize,
    mut source: impl FnMut() -> Option<Result<T, String>>,
    work: W,
    mut sink: S,
) -> Result<(), String>
where
    T: Send,
    R: Send,
    W: Fn(usize, T) -> Result<R, String> + Sync,
    S: FnMut(usize, R) -> Result<(), String>,
{
    if threads <= 1 {
        let mut index = 0;
        while let Some(item) = source() {
            sink(index, work(index, item?)?)?;
            index += 1;
        }
        return Ok(());
    }
    let window = 2 * threads;
    let (job_tx, job_rx) = mpsc::sync_channel::<(usize, T)>(window);
    let job_rx = Mutex::new(job_rx);
    let (result_tx, result_rx) = mpsc::channel::<(usize, Result<R, String>)>();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let result_tx = result_tx.clone();
            let (job_rx, work) = (&job_rx, &work);
            scope.spawn(move || loop {
                let job = match job_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => return,
                };
                let Ok((index, item)) = job else { return };
                if result_tx.send((index, work(index, item))).is_err() {
                    return;
                }
            });
        }
        drop(result_tx);
        let outcome = feed_and_collect(&mut source, &mut sink, window, &job_tx, &result_rx);
        // Closing the job channel lets the workers finish; results still in flight are dropped.
        drop(job_tx);
        outcome
    })
}

fn feed_and_collect<T, R>(
    source: &mut impl FnMut() -> Option<Result<T, String>>,
    sink: &mut impl FnMut(usize, R) -> Result<(), String>,
    window: usize,
    jobs: &mpsc::SyncSender<(usize, T)>,
    results: &mpsc::Receiver<(usize, Result<R, String>)>,
) -> Result<(), String> {
    let mut sent = 0usize;
    let mut merged = 0usize;
    let mut exhausted = false;
    // Results, errors included, are taken in index order, so the error reported is the first
    // sample's that failed whatever the timing.
    let mut pending: BTreeMap<usize, Result<R, String>> = BTreeMap::new();
    loop {
        while !exhausted && sent - merged < window {
            match source() {
                Some(item) => {
                    jobs.send((sent, item?))
                        .map_err(|_| "a calibration worker stopped".to_string())?;
                    sent += 1;
                }
                None => exhausted = true,
            }
        }
        if merged == sent {
            return Ok(());
        }
        let (index, result) = results
            .recv()
            .map_err(|_| "the calibration workers stopped".to_string())?;
        pending.insert(index, result);
        while let Some(r) = pending.remove(&merged) {
            sink(merged, r?)?;
            merged += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_order_on_any_number_of_threads() {
        for threads in [1, 2, 3, 8] {
            let mut items = (0..50u64).map(Ok);
            let mut seen = Vec::new();
            run_ordered(
                threads,
                || items.next(),
                |i, x| {
                    // Uneven work, so results finish out of order.
                    std::thread::sleep(std::time::Duration::from_micros((x % 7) * 50));
                    Ok((i, x * x))
                },
                |i, (j, y)| {
                    assert_eq!(i, j);
                    seen.push(y);
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(seen, (0..50u64).map(|x| x * x).collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_first_error_stops_the_run() {
        for threads in [1, 2] {
            let mut items = (0..100u64).map(|x| {
                if x == 60 {
                    Err("sample 60 is broken".to_string())
                } else {
                    Ok(x)
                }
            });
            let r = run_ordered(
                threads,
                || items.next(),
                |_, x| {
                    if x == 30 {
                        Err("bad 30".to_string())
                    } else {
                        Ok(x)
                    }
                },
                |_, _| Ok(()),
            );
            assert_eq!(r, Err("bad 30".to_string()));
        }
    }
}
