//! Journal benchmarks: `cargo bench -p axon-journal --bench journal`.
//!
//! Criterion groups (medians in criterion's report):
//! - `append/none_64B`: one append of a 64-byte payload, `Durability::None`,
//!   to a journal in a temp dir on disk (a fresh journal per sample).
//! - `append/group_64B_x100k`: 100k appends with group commit (2 ms / 1 MiB)
//!   plus the wait for the last acknowledgement: durable records/s.
//! - `scan/crc_chain_5M`, `scan/crc_only_5M`: a cursor over 5M records of
//!   64-byte payloads (page cache warm), with and without the hash chain;
//!   `scan/read_files_5M` reads the same segment files and nothing else
//!   (`read_files_reused_buf_5M`: into one buffer, as the cursor does).
//! - `micro/*`: CRC32C and SHA-256 (`ChainHasher`) on one 92-byte frame, and
//!   `decode_frame`: what bounds the scan and the append.
//!
//! Reports printed to stdout (percentiles, which criterion does not give):
//! - `latency/append_none`: 1M appends timed one by one with `Instant`,
//!   minus the median cost of an empty `Instant::now()` pair.
//! - `latency/group_ack_vs_fsync`: per-record acknowledgement latency (from
//!   just before `append` to the return of `AckHandle::wait` on a second
//!   thread that covers it) against the fdatasync durations the sync thread
//!   reports through `JournalOptions::on_sync`, in the same run.
//!
//! A name filter works for both (`cargo bench ... -- latency`).

use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use axon_journal::format::{begin_frame, decode_frame, finish_frame};
use axon_journal::{ChainHasher, Durability, Journal, JournalOptions, JournalReader, genesis};
use criterion::{BatchSize, Criterion, Throughput};

const PAYLOAD: [u8; 64] = [0x5a; 64];
/// A frame with a 64-byte payload: 28-byte header + payload.
const FRAME_LEN: usize = 92;
const SCAN_RECORDS: u64 = 5_000_000;
/// What `cargo test --benches` scans: each bench runs once, to check it works.
const SCAN_RECORDS_TEST: u64 = 20_000;
const GROUP_BATCH: u64 = 100_000;

fn opts(durability: Durability) -> JournalOptions {
    JournalOptions {
        durability,
        ..JournalOptions::default()
    }
}

fn fresh(durability: Durability) -> (tempfile::TempDir, Journal) {
    let dir = tempfile::tempdir().expect("tempdir");
    let j = Journal::create(dir.path(), opts(durability)).expect("create");
    (dir, j)
}

fn one_frame() -> Vec<u8> {
    let mut buf = Vec::new();
    let start = begin_frame(&mut buf, 42, 1_700_000_000_000_000_000, 1, 1);
    buf.extend_from_slice(&PAYLOAD);
    finish_frame(&mut buf, start).expect("frame");
    assert_eq!(buf.len(), FRAME_LEN);
    buf
}

fn bench_append(c: &mut Criterion) {
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(3));
    g.bench_function("none_64B", |b| {
        b.iter_custom(|iters| {
            let (dir, mut j) = fresh(Durability::None);
            let t0 = Instant::now();
            for i in 0..iters {
                j.append(i as i64, 1, 1, black_box(&PAYLOAD))
                    .expect("append");
            }
            j.flush().expect("flush");
            let took = t0.elapsed();
            drop(j);
            drop(dir);
            took
        });
    });

    g.throughput(Throughput::Elements(GROUP_BATCH));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    g.bench_function("group_64B_x100k", |b| {
        b.iter_custom(|iters| {
            let (dir, mut j) = fresh(Durability::group());
            let ack = j.ack_handle();
            let mut took = Duration::ZERO;
            for _ in 0..iters {
                let t0 = Instant::now();
                let mut last = 0;
                for i in 0..GROUP_BATCH {
                    last = j
                        .append(i as i64, 1, 1, black_box(&PAYLOAD))
                        .expect("append");
                }
                ack.wait(last).expect("ack");
                took += t0.elapsed();
            }
            drop(j);
            drop(dir);
            took
        });
    });
    g.finish();
}

/// Writes the scan fixture once: 5M records of 64-byte payloads.
fn scan_fixture(records: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut j = Journal::create(dir.path(), opts(Durability::None)).expect("create");
    for i in 0..records {
        j.append(i as i64, 1, 1, &PAYLOAD).expect("append");
    }
    j.close().expect("close");
    dir
}

fn scan(dir: &Path, chain: bool) -> u64 {
    let reader = JournalReader::open(dir).expect("open");
    let mut c = reader.cursor(0, chain).expect("cursor");
    let mut n = 0u64;
    while let Some(r) = c.next().expect("next") {
        n += u64::from(r.kind);
    }
    n
}

fn bench_scan(c: &mut Criterion, dir: &Path, records: u64) {
    // Warm the page cache and check the fixture once.
    assert_eq!(scan(dir, true), records);
    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Elements(records));
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("crc_chain_5M", |b| b.iter(|| black_box(scan(dir, true))));
    g.bench_function("crc_only_5M", |b| b.iter(|| black_box(scan(dir, false))));
    g.bench_function("read_files_reused_buf_5M", |b| {
        let mut buf = Vec::new();
        b.iter(|| {
            let mut total = 0usize;
            for entry in std::fs::read_dir(dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                if path.extension().is_some_and(|e| e == "seg") {
                    let mut f = std::fs::File::open(&path).expect("open");
                    buf.clear();
                    std::io::Read::read_to_end(&mut f, &mut buf).expect("read");
                    total += buf.len();
                }
            }
            black_box(total)
        });
    });
    g.bench_function("read_files_5M", |b| {
        b.iter(|| {
            let mut total = 0usize;
            for entry in std::fs::read_dir(dir).expect("read_dir") {
                let path = entry.expect("entry").path();
                if path.extension().is_some_and(|e| e == "seg") {
                    total += std::fs::read(&path).expect("read").len();
                }
            }
            black_box(total)
        });
    });
    g.finish();
}

fn bench_micro(c: &mut Criterion) {
    let frame = one_frame();
    let mut g = c.benchmark_group("micro");
    g.throughput(Throughput::Elements(1));
    g.measurement_time(Duration::from_secs(2));
    g.bench_function("crc32c_frame_84B", |b| {
        b.iter(|| crc32c::crc32c(black_box(&frame[8..])));
    });
    g.throughput(Throughput::Elements(1024));
    g.bench_function("sha256_chain_push_92B", |b| {
        // Block of 1024 records as the default journal: includes the
        // amortized finalization at each block end.
        b.iter_batched_ref(
            || ChainHasher::new(1024, genesis()),
            |h| {
                for _ in 0..1024 {
                    h.push_frame(black_box(&frame));
                }
            },
            BatchSize::SmallInput,
        );
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_frame_92B", |b| {
        b.iter(|| decode_frame(black_box(&frame)).map(|(r, n)| (r.seq, n)));
    });
    g.finish();
    // Bulk rates, to compare with the per-frame cost above.
    let big: Vec<u8> = frame.iter().copied().cycle().take(1 << 20).collect();
    let mut g = c.benchmark_group("micro_bulk");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.measurement_time(Duration::from_secs(2));
    g.bench_function("crc32c_1MiB", |b| {
        b.iter(|| crc32c::crc32c(black_box(&big)))
    });
    g.bench_function("sha256_1MiB", |b| {
        b.iter(|| {
            let mut h = ChainHasher::new(u32::MAX, genesis());
            h.push_frame(black_box(&big));
            h.head()
        });
    });
    g.finish();
}

/// Value at quantile `q` of sorted nanosecond samples.
fn pct(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

fn summary(name: &str, sorted: &[u64]) -> String {
    format!(
        "{name}: n={} p50={} p90={} p99={} p99.9={} max={} (ns)",
        sorted.len(),
        pct(sorted, 0.50),
        pct(sorted, 0.90),
        pct(sorted, 0.99),
        pct(sorted, 0.999),
        sorted.last().copied().unwrap_or(0)
    )
}

fn latency_append_none() {
    const N: usize = 1_000_000;
    let mut overhead: Vec<u64> = (0..N)
        .map(|_| {
            let t0 = Instant::now();
            let t1 = Instant::now();
            (t1 - t0).as_nanos() as u64
        })
        .collect();
    overhead.sort_unstable();
    let timer = pct(&overhead, 0.5);
    let (dir, mut j) = fresh(Durability::None);
    // Warm up: buffer allocated, file open, first pages touched.
    for i in 0..100_000 {
        j.append(i, 1, 1, &PAYLOAD).expect("append");
    }
    let mut raw = Vec::with_capacity(N);
    for i in 0..N {
        let t0 = Instant::now();
        j.append(i as i64, 1, 1, black_box(&PAYLOAD))
            .expect("append");
        raw.push((t0.elapsed()).as_nanos() as u64);
    }
    drop(j);
    drop(dir);
    let mut net: Vec<u64> = raw.iter().map(|&d| d.saturating_sub(timer)).collect();
    raw.sort_unstable();
    net.sort_unstable();
    println!("latency/append_none (64-byte payload, Durability::None, on disk)");
    println!(
        "  method: each append timed alone with Instant::now() pairs; timer overhead = median empty pair"
    );
    println!("  {}", summary("timer overhead", &overhead));
    println!("  {}", summary("append raw", &raw));
    println!("  {}", summary("append minus timer median", &net));
}

/// Group commit: appender at `rate` records/s (None: as fast as it can) for
/// `duration`; a waiter thread acknowledges the latest record over and over.
fn latency_group(rate: Option<u64>, duration: Duration) {
    let fsyncs = Arc::new(Mutex::new(Vec::<u64>::with_capacity(1 << 16)));
    let observer = {
        let fsyncs = fsyncs.clone();
        Arc::new(move |d: Duration| {
            if let Ok(mut v) = fsyncs.lock() {
                v.push(d.as_nanos() as u64);
            }
        })
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let o = JournalOptions {
        on_sync: Some(observer),
        ..opts(Durability::group())
    };
    let mut j = Journal::create(dir.path(), o).expect("create");
    let ack = j.ack_handle();
    let max = rate.map_or(40_000_000, |r| {
        (r as f64 * duration.as_secs_f64() * 1.2) as usize
    });
    let appended_at: Arc<Vec<AtomicU64>> = Arc::new((0..max).map(|_| AtomicU64::new(0)).collect());
    let base = Instant::now();
    let (tx, rx) = mpsc::channel::<u64>();
    let waiter = {
        let appended_at = appended_at.clone();
        std::thread::spawn(move || {
            let mut lat = Vec::with_capacity(max);
            let mut acked = 0u64;
            while let Ok(mut latest) = rx.recv() {
                while let Ok(s) = rx.try_recv() {
                    latest = s;
                }
                if latest < acked {
                    continue;
                }
                ack.wait(latest).expect("ack");
                let now = base.elapsed().as_nanos() as u64;
                let durable = ack.durable_seq().expect("group mode");
                for seq in acked..durable.min(max as u64) {
                    let at = appended_at[seq as usize].load(Ordering::Relaxed);
                    lat.push(now.saturating_sub(at));
                }
                acked = durable;
            }
            lat
        })
    };
    let t0 = Instant::now();
    let mut seq = 0u64;
    while t0.elapsed() < duration && (seq as usize) < max {
        let due = rate.map_or(seq + 256, |r| {
            (t0.elapsed().as_secs_f64() * r as f64) as u64
        });
        if seq >= due {
            std::thread::sleep(Duration::from_micros(50));
            continue;
        }
        while seq < due && (seq as usize) < max {
            appended_at[seq as usize].store(base.elapsed().as_nanos() as u64, Ordering::Relaxed);
            j.append(seq as i64, 1, 1, &PAYLOAD).expect("append");
            seq += 1;
        }
        let _ = tx.send(seq - 1);
    }
    let elapsed = t0.elapsed();
    drop(tx);
    let mut lat = waiter.join().expect("waiter");
    drop(j);
    lat.sort_unstable();
    let mut fs = fsyncs.lock().map(|v| v.clone()).unwrap_or_default();
    fs.sort_unstable();
    let label = rate.map_or("saturated".to_string(), |r| format!("paced at {r} rec/s"));
    println!("latency/group_ack_vs_fsync ({label}, group commit 2 ms / 1 MiB, 64-byte payload)");
    println!(
        "  {seq} records in {:.2} s = {:.0} rec/s; {} fdatasyncs",
        elapsed.as_secs_f64(),
        seq as f64 / elapsed.as_secs_f64(),
        fs.len()
    );
    println!(
        "  {}",
        summary("ack latency (append -> wait returns)", &lat)
    );
    println!("  {}", summary("fdatasync duration (on_sync)", &fs));
    // A record arrives at a random moment, so it tends to land in a long
    // sync: weight each fdatasync by its duration to see what records meet.
    let total: u64 = fs.iter().sum();
    let weighted = |q: f64| {
        let mut acc = 0u64;
        fs.iter()
            .find(|&&d| {
                acc += d;
                acc as f64 >= q * total as f64
            })
            .copied()
            .unwrap_or(0)
    };
    println!(
        "  fdatasync duration weighted by time: p50={} p99={} (ns)",
        weighted(0.5),
        weighted(0.99)
    );
    let (a, f, w) = (pct(&lat, 0.99), pct(&fs, 0.99), weighted(0.99));
    if f > 0 && w > 0 {
        println!(
            "  ack p99 / fsync p99 = {:.2}; ack p99 / time-weighted fsync p99 = {:.2}",
            a as f64 / f as f64,
            a as f64 / w as f64
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes --bench; without it criterion runs each bench once
    // as a test, and the heavy fixtures and reports are skipped or shrunk.
    let test_mode = !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--list");
    let filter = args.iter().find(|a| !a.starts_with('-')).cloned();
    let wanted = |name: &str| {
        filter
            .as_deref()
            .is_none_or(|f| name.contains(f) || f.contains(name))
    };

    let mut c = Criterion::default().configure_from_args();
    bench_micro(&mut c);
    bench_append(&mut c);
    if wanted("scan/") {
        let records = if test_mode {
            SCAN_RECORDS_TEST
        } else {
            SCAN_RECORDS
        };
        let dir = scan_fixture(records);
        bench_scan(&mut c, dir.path(), records);
    }
    if !test_mode {
        if wanted("latency/append_none") {
            latency_append_none();
        }
        if wanted("latency/group_ack_vs_fsync") {
            latency_group(Some(200_000), Duration::from_secs(3));
            latency_group(None, Duration::from_secs(3));
        }
    }
    c.final_summary();
}
