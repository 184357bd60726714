//! Where a live session's time goes, tick by tick: from the moment a
//! market data message is read off the socket to the input journaled, the
//! engine's decision (its outputs journaled too), the order handed to the
//! venue adapter and the venue's answer. HDR histograms in nanoseconds, so
//! a long session costs a few kilobytes and the tail is exact to three
//! significant digits.
//!
//! All stamps are `now_ns()` (the wall clock the journal's event times come
//! from); a step of the clock during a session would show as one outlier,
//! so negative spans are counted as zero rather than dropped.

use std::sync::{Arc, Mutex, MutexGuard};

use axon_adapters::exchange::venue::now_ns;
use hdrhistogram::Histogram;
use serde::Serialize;

/// Three significant digits: 1 µs resolution up to 1 ms, 1 ms up to 1 s.
const SIGFIG: u8 = 3;

/// One stage's distribution, in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stage {
    /// `dequeued` (the session loop takes it off its queue), `journaled`,
    /// `decided`, `order_sent` or `order_acked`.
    pub stage: &'static str,
    /// Samples.
    pub count: u64,
    pub p50_us: f64,
    pub p99_us: f64,
    pub p999_us: f64,
    pub max_us: f64,
}

/// What [`Latency`] measured over a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyReport {
    /// From the tick's receive time, in pipeline order.
    pub stages: Vec<Stage>,
    /// Market data events waiting for the session loop, at most.
    pub queue_max: usize,
    /// Their queue's capacity; a full queue holds the socket reader back
    /// (nothing is dropped on the session's side).
    pub queue_capacity: usize,
}

/// The session loop's recorder.
#[derive(Debug)]
pub(crate) struct Latency {
    dequeued: Histogram<u64>,
    journaled: Histogram<u64>,
    decided: Histogram<u64>,
    orders: Arc<Mutex<OrderStages>>,
    queue_max: usize,
    queue_last: usize,
    queue_capacity: usize,
}

/// Filled by the order tasks, off the session loop.
#[derive(Debug)]
struct OrderStages {
    sent: Histogram<u64>,
    acked: Histogram<u64>,
}

/// Carried by one order's request task: the tick that caused it.
#[derive(Debug, Clone)]
pub(crate) struct OrderClock {
    recv_ns: i64,
    orders: Arc<Mutex<OrderStages>>,
}

fn histogram() -> Histogram<u64> {
    // Auto-resizing: no bound to guess, and no sample is ever refused.
    Histogram::new(SIGFIG).expect("3 significant digits is a valid precision")
}

fn span(from_ns: i64, to_ns: i64) -> u64 {
    u64::try_from(to_ns - from_ns).unwrap_or(0)
}

fn record(h: &mut Histogram<u64>, from_ns: i64, to_ns: i64) {
    // Cannot fail: the histogram resizes to any value.
    let _ = h.record(span(from_ns, to_ns));
}

impl Latency {
    pub(crate) fn new(queue_capacity: usize) -> Self {
        Self {
            dequeued: histogram(),
            journaled: histogram(),
            decided: histogram(),
            orders: Arc::new(Mutex::new(OrderStages {
                sent: histogram(),
                acked: histogram(),
            })),
            queue_max: 0,
            queue_last: 0,
            queue_capacity,
        }
    }

    /// The session loop took the tick read at `recv_ns` off its queue.
    pub(crate) fn dequeued(&mut self, recv_ns: i64) {
        record(&mut self.dequeued, recv_ns, now_ns());
    }

    /// One tick went through: read at `recv_ns`, journaled at
    /// `journaled_ns`, decided (outputs journaled) now.
    pub(crate) fn tick(&mut self, recv_ns: i64, journaled_ns: i64) {
        record(&mut self.journaled, recv_ns, journaled_ns);
        record(&mut self.decided, recv_ns, now_ns());
    }

    /// The clock an order caused by the tick read at `recv_ns` carries.
    pub(crate) fn order_clock(&self, recv_ns: i64) -> OrderClock {
        OrderClock {
            recv_ns,
            orders: self.orders.clone(),
        }
    }

    /// Events queued for the session loop when it took one.
    pub(crate) fn queued(&mut self, depth: usize) {
        self.queue_max = self.queue_max.max(depth);
        self.queue_last = depth;
    }

    /// (last, highest) queue depth seen.
    pub(crate) fn queue(&self) -> (usize, usize) {
        (self.queue_last, self.queue_max)
    }

    pub(crate) fn report(&self) -> LatencyReport {
        let orders = lock(&self.orders);
        LatencyReport {
            stages: vec![
                stage("dequeued", &self.dequeued),
                stage("journaled", &self.journaled),
                stage("decided", &self.decided),
                stage("order_sent", &orders.sent),
                stage("order_acked", &orders.acked),
            ],
            queue_max: self.queue_max,
            queue_capacity: self.queue_capacity,
        }
    }
}

impl OrderClock {
    /// The request is handed to the venue adapter (its rate-limit wait,
    /// signing and HTTP write follow, and count in `order_acked`).
    pub(crate) fn sent(&self) {
        record(&mut lock(&self.orders).sent, self.recv_ns, now_ns());
    }

    /// The venue answered the request (accepted or refused).
    pub(crate) fn acked(&self) {
        record(&mut lock(&self.orders).acked, self.recv_ns, now_ns());
    }
}

fn lock(m: &Mutex<OrderStages>) -> MutexGuard<'_, OrderStages> {
    // Only histograms are behind it; a panicked task leaves them usable.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn stage(name: &'static str, h: &Histogram<u64>) -> Stage {
    let us = |ns: u64| ns as f64 / 1e3;
    Stage {
        stage: name,
        count: h.len(),
        p50_us: us(h.value_at_quantile(0.50)),
        p99_us: us(h.value_at_quantile(0.99)),
        p999_us: us(h.value_at_quantile(0.999)),
        max_us: us(h.max()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_report_quantiles_in_microseconds() {
        let mut l = Latency::new(8192);
        for i in 1..=1000 {
            record(&mut l.journaled, 0, i * 1000);
        }
        l.queued(7);
        l.queued(3);
        let r = l.report();
        let j = &r.stages[1];
        assert_eq!((j.stage, j.count), ("journaled", 1000));
        assert!((j.p50_us - 500.0).abs() <= 1.0, "{j:?}");
        assert!((j.p99_us - 990.0).abs() <= 1.0, "{j:?}");
        assert!((j.max_us - 1000.0).abs() <= 1.0, "{j:?}");
        assert_eq!(r.stages[3].count, 0);
        assert_eq!((r.queue_max, r.queue_capacity), (7, 8192));
    }

    #[test]
    fn order_stages_come_from_the_request_task_and_a_clock_step_counts_zero() {
        let l = Latency::new(1);
        let now = now_ns();
        let clock = l.order_clock(now + 1_000_000_000);
        clock.sent();
        l.order_clock(now - 2_000).acked();
        let r = l.report();
        assert_eq!(r.stages[3].count, 1);
        assert_eq!(r.stages[3].max_us, 0.0);
        assert_eq!(r.stages[4].count, 1);
        assert!(r.stages[4].p50_us >= 2.0, "{:?}", r.stages[4]);
    }
}
