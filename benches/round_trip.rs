//! The time a cache line takes to go from one thread to another and back,
//! in nanoseconds: two threads hand a counter back and forth. On a virtual
//! machine it tells how far apart its processors are at the moment (on
//! this benchmark's host it jumps about fourfold from time to time), which
//! changes the CPU time of any work the two threads share. `scripts/bench`
//! prints it beside each row.
//!
//! Run with `cargo bench --bench round_trip`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Round trips per trial.
const TRIPS: u64 = 100_000;

/// Nanoseconds per round trip, over one trial.
fn trial() -> f64 {
    let turn = AtomicU64::new(0);
    // Waits until the counter is `n`.
    let wait = |n: u64| {
        while turn.load(Ordering::Acquire) != n {
            std::hint::spin_loop();
        }
    };
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..TRIPS {
                wait(2 * i + 1);
                turn.store(2 * i + 2, Ordering::Release);
            }
        });
        let start = Instant::now();
        for i in 0..TRIPS {
            turn.store(2 * i + 1, Ordering::Release);
            wait(2 * i + 2);
        }
        start.elapsed().as_nanos() as f64 / TRIPS as f64
    })
}

fn main() {
    let mut trials: Vec<f64> = (0..3).map(|_| trial()).collect();
    trials.sort_by(f64::total_cmp);
    println!("{:.0}", trials[1]);
}
