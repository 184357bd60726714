//! Journal encoding of inputs and outputs: record kind plus a bincode 2
//! payload (standard config: little-endian, varint integers, raw IEEE floats,
//! so float bits round-trip exactly).
//!
//! bincode (native derive) rather than rkyv, by `cargo bench -p axon-engine
//! --bench codec` on a tick: bincode encodes in place into the journal's
//! buffer in ~16 ns (rkyv's `to_bytes`, which allocates, ~100 ns), makes
//! 49-byte payloads (rkyv 56), and needs no alignment. rkyv's validated
//! access is faster (~1 ns), but journal payloads sit at arbitrary offsets,
//! so rkyv would need a copy into an aligned buffer per record.
//!
//! Ticks and bars, the bulk of a backtest's records, are written and read
//! in bincode's layout directly (`put_prices`, `get_prices`: ~8 ns to
//! encode, ~12 ns through `Input::decode`, against ~16 and ~36 through
//! bincode's writer and reader); every other payload goes through bincode.

use bincode::{Decode, Encode};
use serde::Serialize;

use crate::event::{Input, Output, kind};

/// A record whose payload does not decode as its kind says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode {} record (kind {kind}, version {version}): {reason}", kind::name(*kind))]
pub struct DecodeError {
    /// Record kind.
    pub kind: u16,
    /// Payload version.
    pub version: u16,
    /// What went wrong.
    pub reason: String,
}

const CONFIG: bincode::config::Configuration = bincode::config::standard();

/// Decoding refuses to claim more bytes than a journal payload can hold.
/// Without a limit, a corrupt length prefix of a string makes bincode
/// allocate that many bytes before it finds the payload too short: a
/// capacity-overflow panic, or an abort when the allocation fails.
const DECODE_CONFIG: bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<{ axon_journal::format::MAX_PAYLOAD }>,
> = CONFIG.with_limit::<{ axon_journal::format::MAX_PAYLOAD }>();

#[inline]
fn put<T: Encode>(value: &T, buf: &mut Vec<u8>) {
    // Writing to a Vec cannot fail, and our types have no fallible encoders.
    let _ = bincode::encode_into_std_write(value, buf, CONFIG);
}

/// Ticks and bars, the records a backtest writes millions of: encoded into
/// a stack buffer and copied once, instead of one growth check and copy
/// per field. The bytes are the same as [`put`]'s.
#[inline]
fn put_small<T: Encode>(value: &T, buf: &mut Vec<u8>) {
    let mut bytes = [0u8; 64];
    match bincode::encode_into_slice(value, &mut bytes, CONFIG) {
        Ok(n) => buf.extend_from_slice(&bytes[..n]),
        Err(_) => put(value, buf),
    }
}

/// The largest integer bincode's varint writes as its own single byte.
const VARINT_ONE_BYTE: u32 = 250;

/// The instrument id as bincode writes it, when that is a single byte.
#[inline]
fn one_byte_id(instrument: u32) -> Option<u8> {
    u8::try_from(instrument)
        .ok()
        .filter(|&id| u32::from(id) <= VARINT_ONE_BYTE)
}

/// A tick or bar of an instrument id below 251 (every session's first 251
/// instruments): the bytes bincode's derive writes (the id as one varint
/// byte, then each price as 8 little-endian bytes), written with one copy
/// of a known length, about twice as fast as bincode's writer. `LEN` is
/// 1 + 8 × the number of prices. Larger ids go through [`put_small`].
#[inline]
fn put_prices<const LEN: usize>(id: u8, prices: &[f64], buf: &mut Vec<u8>) {
    debug_assert_eq!(LEN, 1 + 8 * prices.len());
    let mut bytes = [0u8; LEN];
    bytes[0] = id;
    for (slot, p) in bytes[1..].chunks_exact_mut(8).zip(prices) {
        slot.copy_from_slice(&p.to_le_bytes());
    }
    buf.extend_from_slice(&bytes);
}

#[inline]
fn put_tick(t: &crate::market::Tick, buf: &mut Vec<u8>) {
    match one_byte_id(t.instrument) {
        Some(id) => put_prices::<49>(
            id,
            &[t.bid, t.ask, t.bid_size, t.ask_size, t.last, t.volume],
            buf,
        ),
        None => put_small(t, buf),
    }
}

#[inline]
fn put_bar(b: &crate::market::Bar, buf: &mut Vec<u8>) {
    match one_byte_id(b.instrument) {
        Some(id) => put_prices::<41>(id, &[b.open, b.high, b.low, b.close, b.volume], buf),
        None => put_small(b, buf),
    }
}

/// The prices after a one-byte instrument id, when `payload` is exactly
/// what [`put_prices`] writes for `N` prices (`LEN` = 1 + 8 × `N`) and the
/// id is a one-byte varint; `None` sends the payload through bincode, which
/// also names what is wrong with it.
#[inline]
fn get_prices<const LEN: usize, const N: usize>(payload: &[u8]) -> Option<(u32, [f64; N])> {
    let bytes: &[u8; LEN] = payload.try_into().ok()?;
    let id = one_byte_id(u32::from(bytes[0]))?;
    let mut prices = [0.0; N];
    for (p, raw) in prices.iter_mut().zip(bytes[1..].chunks_exact(8)) {
        *p = f64::from_le_bytes(raw.try_into().ok()?);
    }
    Some((u32::from(id), prices))
}

#[inline]
fn get_tick(kind: u16, version: u16, payload: &[u8]) -> Result<crate::market::Tick, DecodeError> {
    match get_prices::<49, 6>(payload) {
        Some((instrument, [bid, ask, bid_size, ask_size, last, volume])) => {
            Ok(crate::market::Tick {
                instrument,
                bid,
                ask,
                bid_size,
                ask_size,
                last,
                volume,
            })
        }
        None => get(kind, version, payload),
    }
}

#[inline]
fn get_bar(kind: u16, version: u16, payload: &[u8]) -> Result<crate::market::Bar, DecodeError> {
    match get_prices::<41, 5>(payload) {
        Some((instrument, [open, high, low, close, volume])) => Ok(crate::market::Bar {
            instrument,
            open,
            high,
            low,
            close,
            volume,
        }),
        None => get(kind, version, payload),
    }
}

#[inline]
fn get<T: Decode<()>>(kind: u16, version: u16, payload: &[u8]) -> Result<T, DecodeError> {
    let (value, used) =
        bincode::decode_from_slice(payload, DECODE_CONFIG).map_err(|e| DecodeError {
            kind,
            version,
            reason: e.to_string(),
        })?;
    if used != payload.len() {
        return Err(DecodeError {
            kind,
            version,
            reason: format!("{} trailing bytes", payload.len() - used),
        });
    }
    Ok(value)
}

fn check_version(kind: u16, version: u16) -> Result<(), DecodeError> {
    if version == crate::event::EVENT_VERSION {
        Ok(())
    } else {
        Err(DecodeError {
            kind,
            version,
            reason: "unsupported payload version".into(),
        })
    }
}

impl Input {
    /// The record kind.
    pub fn kind(&self) -> u16 {
        match self {
            Self::SessionStart(_) => kind::SESSION_START,
            Self::Tick(_) => kind::TICK,
            Self::Bar(_) => kind::BAR,
            Self::ModelSwap(_) => kind::MODEL_SWAP,
            Self::WeightOverride(_) => kind::WEIGHT_OVERRIDE,
            Self::OrderAck(_) => kind::ORDER_ACK,
            Self::Fill(_) => kind::FILL,
            Self::Reject(_) => kind::REJECT,
            Self::CancelAck(_) => kind::CANCEL_ACK,
            Self::Timer(_) => kind::TIMER,
            Self::EndOfData => kind::END_OF_DATA,
            Self::Instrument(_) => kind::INSTRUMENT,
            Self::ModelRejected(_) => kind::MODEL_REJECTED,
            Self::Reconcile(_) => kind::RECONCILE,
            Self::SizingBasis(_) => kind::SIZING_BASIS,
            Self::Operator(_) => kind::OPERATOR,
        }
    }

    /// Appends the payload encoding to `buf`.
    #[inline]
    pub fn encode(&self, buf: &mut Vec<u8>) {
        match self {
            Self::SessionStart(v) => put(v, buf),
            Self::Tick(v) => put_tick(v, buf),
            Self::Bar(v) => put_bar(v, buf),
            Self::ModelSwap(v) => put(v, buf),
            Self::WeightOverride(v) => put(v, buf),
            Self::OrderAck(v) => put(v, buf),
            Self::Fill(v) => put(v, buf),
            Self::Reject(v) => put(v, buf),
            Self::CancelAck(v) => put(v, buf),
            Self::Timer(v) => put(v, buf),
            Self::EndOfData => {}
            Self::Instrument(v) => put(v, buf),
            Self::ModelRejected(v) => put(v, buf),
            Self::Reconcile(v) => put(v, buf),
            Self::SizingBasis(v) => put(v, buf),
            Self::Operator(v) => put(v, buf),
        }
    }

    /// Decodes an input record.
    pub fn decode(kind_: u16, version: u16, payload: &[u8]) -> Result<Self, DecodeError> {
        check_version(kind_, version)?;
        Ok(match kind_ {
            kind::SESSION_START => Self::SessionStart(Box::new(get(kind_, version, payload)?)),
            kind::TICK => Self::Tick(get_tick(kind_, version, payload)?),
            kind::BAR => Self::Bar(get_bar(kind_, version, payload)?),
            kind::MODEL_SWAP => Self::ModelSwap(get(kind_, version, payload)?),
            kind::WEIGHT_OVERRIDE => Self::WeightOverride(get(kind_, version, payload)?),
            kind::ORDER_ACK => Self::OrderAck(get(kind_, version, payload)?),
            kind::FILL => Self::Fill(get(kind_, version, payload)?),
            kind::REJECT => Self::Reject(get(kind_, version, payload)?),
            kind::CANCEL_ACK => Self::CancelAck(get(kind_, version, payload)?),
            kind::TIMER => Self::Timer(get(kind_, version, payload)?),
            kind::END_OF_DATA if payload.is_empty() => Self::EndOfData,
            kind::INSTRUMENT => Self::Instrument(get(kind_, version, payload)?),
            kind::MODEL_REJECTED => Self::ModelRejected(get(kind_, version, payload)?),
            kind::RECONCILE => Self::Reconcile(get(kind_, version, payload)?),
            kind::SIZING_BASIS => Self::SizingBasis(get(kind_, version, payload)?),
            kind::OPERATOR => Self::Operator(get(kind_, version, payload)?),
            _ => {
                return Err(DecodeError {
                    kind: kind_,
                    version,
                    reason: "not an input kind".into(),
                });
            }
        })
    }
}

impl Output {
    /// The record kind.
    pub fn kind(&self) -> u16 {
        match self {
            Self::Decision(_) => kind::DECISION,
            Self::WeightChange(_) => kind::WEIGHT_CHANGE,
            Self::OrderIntent(_) => kind::ORDER_INTENT,
            Self::RiskReject(_) => kind::RISK_REJECT,
            Self::OrderSubmitted(_) => kind::ORDER_SUBMITTED,
            Self::CancelRequest(_) => kind::CANCEL_REQUEST,
            Self::KillSwitch(_) => kind::KILL_SWITCH,
            Self::SwapRejected(_) => kind::SWAP_REJECTED,
            Self::MarginCall(_) => kind::MARGIN_CALL,
            Self::Bracket(_) => kind::BRACKET,
        }
    }

    /// Appends the payload encoding to `buf`.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        match self {
            Self::Decision(v) => put(v, buf),
            Self::WeightChange(v) => put(v, buf),
            Self::OrderIntent(v) => put(v, buf),
            Self::RiskReject(v) => put(v, buf),
            Self::OrderSubmitted(v) => put(v, buf),
            Self::CancelRequest(v) => put(v, buf),
            Self::KillSwitch(v) => put(v, buf),
            Self::SwapRejected(v) => put(v, buf),
            Self::MarginCall(v) => put(v, buf),
            Self::Bracket(v) => put(v, buf),
        }
    }

    /// Decodes an output record.
    pub fn decode(kind_: u16, version: u16, payload: &[u8]) -> Result<Self, DecodeError> {
        check_version(kind_, version)?;
        Ok(match kind_ {
            kind::DECISION => Self::Decision(get(kind_, version, payload)?),
            kind::WEIGHT_CHANGE => Self::WeightChange(get(kind_, version, payload)?),
            kind::ORDER_INTENT => Self::OrderIntent(get(kind_, version, payload)?),
            kind::RISK_REJECT => Self::RiskReject(get(kind_, version, payload)?),
            kind::ORDER_SUBMITTED => Self::OrderSubmitted(get(kind_, version, payload)?),
            kind::CANCEL_REQUEST => Self::CancelRequest(get(kind_, version, payload)?),
            kind::KILL_SWITCH => Self::KillSwitch(get(kind_, version, payload)?),
            kind::SWAP_REJECTED => Self::SwapRejected(get(kind_, version, payload)?),
            kind::MARGIN_CALL => Self::MarginCall(get(kind_, version, payload)?),
            kind::BRACKET => Self::Bracket(get(kind_, version, payload)?),
            _ => {
                return Err(DecodeError {
                    kind: kind_,
                    version,
                    reason: "not an output kind".into(),
                });
            }
        })
    }
}

/// Any journaled engine event, decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Event {
    /// An input.
    Input(Input),
    /// An output.
    Output(Output),
}

impl Event {
    /// Decodes a record of any engine kind.
    pub fn decode(kind_: u16, version: u16, payload: &[u8]) -> Result<Self, DecodeError> {
        if kind::is_input(kind_) {
            Input::decode(kind_, version, payload).map(Self::Input)
        } else {
            Output::decode(kind_, version, payload).map(Self::Output)
        }
    }

    /// The event as JSON (for `journal inspect --json` and diffs).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{Bar, Tick};

    #[test]
    fn small_records_encode_as_bincode_does() {
        // Ids on both sides of each varint width, and awkward floats.
        for instrument in [0, 1, 249, 250, 251, 255, 256, 65_535, 65_536, u32::MAX] {
            let tick = Tick {
                instrument,
                bid: f64::MIN_POSITIVE,
                ask: f64::MAX,
                bid_size: -0.0,
                ask_size: f64::NAN,
                last: f64::INFINITY,
                volume: 1e-300,
            };
            let bar = Bar {
                instrument,
                open: 1.5,
                high: 2.5,
                low: 0.5,
                close: f64::NEG_INFINITY,
                volume: 7.0,
            };
            for input in [Input::Tick(tick), Input::Bar(bar)] {
                let mut fast = vec![9u8];
                input.encode(&mut fast);
                let mut plain = vec![9u8];
                match &input {
                    Input::Tick(t) => put(t, &mut plain),
                    Input::Bar(b) => put(b, &mut plain),
                    _ => unreachable!(),
                }
                assert_eq!(fast, plain, "instrument {instrument}");
                let back =
                    Input::decode(input.kind(), crate::event::EVENT_VERSION, &fast[1..]).unwrap();
                assert_eq!(format!("{back:?}"), format!("{input:?}"));
                // What bincode itself decodes from the same bytes.
                let by_bincode = match &input {
                    Input::Tick(_) => Input::Tick(get(0, 0, &fast[1..]).unwrap()),
                    Input::Bar(_) => Input::Bar(get(0, 0, &fast[1..]).unwrap()),
                    _ => unreachable!(),
                };
                assert_eq!(format!("{back:?}"), format!("{by_bincode:?}"));
            }
        }
    }
}
