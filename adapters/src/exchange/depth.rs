//! A local Binance order book kept from the diff-depth stream and a REST
//! snapshot, following Binance's procedure: buffer the stream, fetch
//! `/api/v3/depth`, drop buffered updates the snapshot already holds
//! (`u <= lastUpdateId`), start from the update whose `[U, u]` range holds
//! `lastUpdateId + 1`, then require each update's `U` to follow the
//! previous `u`; a gap means the book is stale and must be rebuilt from a
//! new snapshot. Quantities are absolute; zero removes the level.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

/// A depth stream message (`depthUpdate`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DepthUpdate {
    /// First update id in the event.
    #[serde(rename = "U")]
    pub first: u64,
    /// Last update id in the event.
    #[serde(rename = "u")]
    pub last: u64,
    /// Bid levels `[price, quantity]`.
    #[serde(rename = "b")]
    pub bids: Vec<[String; 2]>,
    /// Ask levels.
    #[serde(rename = "a")]
    pub asks: Vec<[String; 2]>,
}

/// Why the book cannot be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DepthError {
    /// The stream skipped update ids: rebuild from a snapshot.
    #[error("depth gap: expected update {expected}, got {got}")]
    Gap {
        /// The id that should have come next.
        expected: u64,
        /// The first id that came.
        got: u64,
    },
    /// The snapshot is older than the buffered stream: fetch another.
    #[error("snapshot {snapshot} is older than the first buffered update {first}")]
    StaleSnapshot {
        /// The snapshot's lastUpdateId.
        snapshot: u64,
        /// The first buffered update id.
        first: u64,
    },
    /// A level or message that is not what Binance sends.
    #[error("depth message: {0}")]
    Malformed(String),
}

/// The book.
#[derive(Debug, Default)]
pub struct DepthBook {
    bids: BTreeMap<Decimal, Decimal>,
    asks: BTreeMap<Decimal, Decimal>,
    /// Last applied update id; None until synced from a snapshot.
    last: Option<u64>,
    buffer: Vec<DepthUpdate>,
}

fn apply_levels(
    side: &mut BTreeMap<Decimal, Decimal>,
    levels: &[[String; 2]],
) -> Result<(), DepthError> {
    for [p, q] in levels {
        let parse = |s: &str| {
            Decimal::from_str(s)
                .map_err(|_| DepthError::Malformed(format!("{s:?} is not a decimal")))
        };
        let (price, qty) = (parse(p)?, parse(q)?);
        if qty.is_zero() {
            side.remove(&price);
        } else {
            side.insert(price, qty);
        }
    }
    Ok(())
}

impl DepthBook {
    /// Whether the book is synced (a snapshot and a gapless stream since).
    pub fn synced(&self) -> bool {
        self.last.is_some()
    }

    /// Forgets everything (after a gap or a reconnect).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// A stream update: buffered until a snapshot arrives, applied after.
    /// `Ok(true)` when the book changed.
    pub fn on_update(&mut self, u: DepthUpdate) -> Result<bool, DepthError> {
        let Some(last) = self.last else {
            self.buffer.push(u);
            return Ok(false);
        };
        if u.last <= last {
            return Ok(false);
        }
        // Levels are absolute, so an update overlapping what the book
        // holds (one that straddles the snapshot) applies as it is.
        if u.first > last + 1 {
            self.reset();
            return Err(DepthError::Gap {
                expected: last + 1,
                got: u.first,
            });
        }
        apply_levels(&mut self.bids, &u.bids)?;
        apply_levels(&mut self.asks, &u.asks)?;
        self.last = Some(u.last);
        Ok(true)
    }

    /// A `/api/v3/depth` answer: the book is rebuilt from it and the
    /// buffered updates it does not hold yet.
    pub fn on_snapshot(&mut self, snapshot: &Value) -> Result<(), DepthError> {
        let id = snapshot["lastUpdateId"]
            .as_u64()
            .ok_or_else(|| DepthError::Malformed("snapshot without lastUpdateId".into()))?;
        if let Some(first) = self.buffer.first().map(|u| u.first)
            && id < first
        {
            return Err(DepthError::StaleSnapshot {
                snapshot: id,
                first,
            });
        }
        let levels = |key: &str| -> Result<Vec<[String; 2]>, DepthError> {
            serde_json::from_value(snapshot[key].clone())
                .map_err(|e| DepthError::Malformed(format!("snapshot {key}: {e}")))
        };
        self.bids.clear();
        self.asks.clear();
        apply_levels(&mut self.bids, &levels("bids")?)?;
        apply_levels(&mut self.asks, &levels("asks")?)?;
        self.last = Some(id);
        // Buffered updates the snapshot holds are dropped; the first one
        // applied must hold lastUpdateId + 1; then no gaps.
        for u in std::mem::take(&mut self.buffer) {
            self.on_update(u)?;
        }
        Ok(())
    }

    /// Best bid and ask with their quantities.
    pub fn top(&self) -> Option<((Decimal, Decimal), (Decimal, Decimal))> {
        let bid = self.bids.iter().next_back().map(|(p, q)| (*p, *q))?;
        let ask = self.asks.iter().next().map(|(p, q)| (*p, *q))?;
        Some((bid, ask))
    }

    /// Levels on each side.
    pub fn depth(&self) -> (usize, usize) {
        (self.bids.len(), self.asks.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn upd(first: u64, last: u64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> DepthUpdate {
        let lv = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(p, q)| [p.to_string(), q.to_string()])
                .collect()
        };
        DepthUpdate {
            first,
            last,
            bids: lv(bids),
            asks: lv(asks),
        }
    }

    fn snapshot(id: u64) -> Value {
        json!({"lastUpdateId": id, "bids": [["100.0", "1"], ["99.5", "2"]], "asks": [["100.5", "1"], ["101.0", "3"]]})
    }

    #[test]
    fn buffered_updates_older_than_the_snapshot_are_dropped_and_the_straddling_one_applies() {
        let mut b = DepthBook::default();
        b.on_update(upd(90, 100, &[("100.0", "9")], &[])).unwrap(); // in the snapshot
        b.on_update(upd(101, 106, &[("100.2", "1")], &[("100.5", "0")]))
            .unwrap(); // straddles 105+1
        b.on_update(upd(107, 107, &[], &[("100.7", "4")])).unwrap();
        assert!(!b.synced());
        b.on_snapshot(&snapshot(105)).unwrap();
        assert!(b.synced());
        let ((bid, bq), (ask, aq)) = b.top().unwrap();
        assert_eq!(
            (bid.to_string(), bq.to_string()),
            ("100.2".into(), "1".into())
        );
        assert_eq!(
            (ask.to_string(), aq.to_string()),
            ("100.7".into(), "4".into())
        );
        // 100.0 kept the snapshot's quantity: the 90..100 update was dropped.
        assert_eq!(
            b.bids[&Decimal::from_str("100.0").unwrap()].to_string(),
            "1"
        );
    }

    #[test]
    fn a_gap_resets_the_book_and_a_stale_snapshot_is_refused() {
        let mut b = DepthBook::default();
        b.on_snapshot(&snapshot(10)).unwrap();
        assert!(b.on_update(upd(11, 12, &[], &[])).unwrap());
        assert!(
            !b.on_update(upd(5, 12, &[], &[])).unwrap(),
            "old update ignored"
        );
        assert_eq!(
            b.on_update(upd(14, 15, &[], &[])),
            Err(DepthError::Gap {
                expected: 13,
                got: 14
            })
        );
        assert!(!b.synced());
        b.on_update(upd(50, 51, &[], &[])).unwrap();
        assert_eq!(
            b.on_snapshot(&snapshot(40)),
            Err(DepthError::StaleSnapshot {
                snapshot: 40,
                first: 50
            })
        );
    }
}
