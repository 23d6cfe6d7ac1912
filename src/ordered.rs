//! Parallel map with results handed over in input order: worker threads take items as they
//! come free (no batch barrier, so one slow document holds up no other work) and the calling
//! thread consumes the results in order while they work.
//!
//! Memory is bounded by `window`: a worker does not start item `i` before the consumer has
//! taken item `i - window`. Threads that wait sleep on a condition variable instead of
//! spinning, so a consumer that keeps up costs the workers no CPU. A sleeper is woken for half
//! a window of work, not for each item: a wake-up is a system call and a context switch, which
//! cost more than a small document's analysis.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

struct State<R> {
    /// Results of items `taken..taken + slots.len()`, `None` while not done.
    slots: VecDeque<Option<R>>,
    /// Items the consumer has taken.
    taken: usize,
    /// The consumer stopped (an error) or a worker panicked: everyone stops.
    stopped: bool,
    /// The consumer sleeps until this many results from the front are ready (0: awake).
    consumer_wants: usize,
    /// Sleeping workers resume once `taken` reaches this (`usize::MAX`: none sleeps).
    workers_resume_at: usize,
}

impl<R> State<R> {
    fn ready_from_front(&self) -> usize {
        self.slots.iter().take_while(|r| r.is_some()).count()
    }
}

struct Shared<R> {
    state: Mutex<State<R>>,
    /// A result arrived, or the run stopped.
    done: Condvar,
    /// The consumer took a result, or the run stopped.
    room: Condvar,
}

impl<R> Shared<R> {
    fn lock(&self) -> MutexGuard<'_, State<R>> {
        // A panicking worker sets `stopped` through its guard; the data is still consistent.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn stop(&self) {
        self.lock().stopped = true;
        self.done.notify_all();
        self.room.notify_all();
    }
}

/// Stops the run when a worker unwinds, so the consumer does not wait for its result forever.
struct StopOnPanic<'a, R>(&'a Shared<R>);

impl<R> Drop for StopOnPanic<'_, R> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stop();
        }
    }
}

/// Map `work` over `items` on `threads` workers and call `consume` with each result, in input
/// order, on the calling thread. The first error of `consume` stops the workers and is
/// returned. A panic in `work` is re-raised here after the other workers stopped.
pub fn map_in_order<T, R, E>(
    items: &[T],
    threads: usize,
    window: usize,
    work: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(&T, R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Sync,
    R: Send,
{
    let window = window.max(1);
    let shared = Shared {
        state: Mutex::new(State {
            slots: VecDeque::with_capacity(window),
            taken: 0,
            stopped: false,
            consumer_wants: 0,
            workers_resume_at: usize::MAX,
        }),
        done: Condvar::new(),
        room: Condvar::new(),
    };
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(items.len()) {
            scope.spawn(|| {
                let _guard = StopOnPanic(&shared);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= items.len() {
                        return;
                    }
                    let mut state = shared.lock();
                    if i >= state.taken + window {
                        // Resume with half the window free; reachable, as every item before
                        // `i` is done or being done by a worker that is not waiting.
                        let resume_at = (i + 1 + window / 2).saturating_sub(window);
                        while !state.stopped && state.taken < resume_at {
                            state.workers_resume_at = state.workers_resume_at.min(resume_at);
                            state = shared.room.wait(state).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if state.stopped {
                        return;
                    }
                    drop(state);
                    let result = work(&items[i]);
                    let mut state = shared.lock();
                    let slot = i - state.taken;
                    if state.slots.len() <= slot {
                        state.slots.resize_with(slot + 1, || None);
                    }
                    state.slots[slot] = Some(result);
                    if state.consumer_wants > 0 && state.ready_from_front() >= state.consumer_wants {
                        shared.done.notify_one();
                    }
                }
            });
        }
        // Reachable: the workers may run `window` items ahead of the consumer.
        let batch = (window / 2).max(1);
        for item in items {
            let (result, wake_workers) = {
                let mut state = shared.lock();
                loop {
                    if let Some(r) = state.slots.front_mut().and_then(Option::take) {
                        state.slots.pop_front();
                        state.taken += 1;
                        let wake = state.taken >= state.workers_resume_at;
                        if wake {
                            state.workers_resume_at = usize::MAX;
                        }
                        break (r, wake);
                    }
                    if state.stopped {
                        // A worker panicked; the scope re-raises its panic on return.
                        return Ok(());
                    }
                    state.consumer_wants = batch.min(items.len() - state.taken);
                    state = shared.done.wait(state).unwrap_or_else(|e| e.into_inner());
                    state.consumer_wants = 0;
                }
            };
            if wake_workers {
                shared.room.notify_all();
            }
            if let Err(e) = consume(item, result) {
                shared.stop();
                return Err(e);
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[test]
    fn results_come_in_input_order_at_any_thread_count() {
        let items: Vec<u64> = (0..500).collect();
        // Windows of one and two items: the smallest batches of the hand-over.
        for (threads, window) in [(1, 8), (2, 8), (7, 8), (2, 1), (3, 2)] {
            let mut seen = Vec::new();
            // Uneven work, so that later items often finish first.
            let work = |&x: &u64| {
                std::hint::black_box((0..(x * 7919) % 30_000).sum::<u64>());
                x
            };
            map_in_order(&items, threads, window, work, |&item, r| {
                assert_eq!(item, r);
                seen.push(r);
                Ok::<_, ()>(())
            })
            .unwrap();
            assert_eq!(seen, items);
        }
    }

    #[test]
    fn no_worker_runs_further_ahead_than_the_window() {
        let items: Vec<usize> = (0..200).collect();
        let consumed = AtomicUsize::new(0);
        let window = 4;
        map_in_order(
            &items,
            3,
            window,
            |&i| {
                // Item i starts only once item i - window is taken: at most `window` results
                // wait, besides the one being consumed (whose count may not be up yet).
                assert!(i <= consumed.load(Ordering::SeqCst) + window, "item {i} started early");
                i
            },
            |_, _| {
                // A slow consumer: without the window the workers would run far ahead.
                std::thread::sleep(std::time::Duration::from_micros(200));
                consumed.fetch_add(1, Ordering::SeqCst);
                Ok::<_, ()>(())
            },
        )
        .unwrap();
        assert_eq!(consumed.load(Ordering::SeqCst), 200);
    }

    #[test]
    fn an_error_of_the_consumer_stops_the_run_and_is_returned() {
        let items: Vec<usize> = (0..10_000).collect();
        let started = AtomicUsize::new(0);
        let out = map_in_order(
            &items,
            2,
            16,
            |&i| {
                started.fetch_add(1, Ordering::SeqCst);
                i
            },
            |_, r| if r == 5 { Err(format!("failed at {r}")) } else { Ok(()) },
        );
        assert_eq!(out, Err("failed at 5".to_string()));
        // Workers stop within the window of the failed item.
        assert!(started.load(Ordering::SeqCst) <= 5 + 1 + 16 + 2);
    }

    #[test]
    fn a_panicking_worker_ends_the_run_with_its_panic() {
        let items: Vec<usize> = (0..1000).collect();
        let outcome = std::panic::catch_unwind(|| {
            map_in_order(&items, 2, 8, |&i| if i == 300 { panic!("bad item") } else { i }, |_, _| Ok::<_, ()>(()))
        });
        assert!(outcome.is_err());
    }
}
