//! Every input the engine consumes and every output it produces. Each is
//! journaled as one record: the kind is [`Input::kind`] / [`Output::kind`],
//! the payload the bincode (standard config) encoding of the inner value.
//! Kinds 1-63 are inputs, 64-127 outputs; numbers are never reused.

use bincode::{Decode, Encode};
use serde::{Deserialize, Serialize};

use crate::config::EngineConfig;
use crate::market::{Bar, InstrumentId, Side, Tick};

/// Payload encoding version written with every record.
pub const EVENT_VERSION: u16 = 1;

/// An input: something that happened outside the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub enum Input {
    /// The first record of a session: everything needed to rebuild the engine.
    SessionStart(Box<SessionStart>),
    /// A quote.
    Tick(Tick),
    /// A bar.
    Bar(Bar),
    /// A model was loaded into a slot (hot reload or operator action).
    ModelSwap(ModelSwap),
    /// An operator or supervisor overrides the ensemble weights.
    WeightOverride(WeightOverride),
    /// The venue accepted an order.
    OrderAck(OrderAck),
    /// An order (partly) executed.
    Fill(Fill),
    /// The venue rejected an order.
    Reject(OrderReject),
    /// The venue confirmed a cancel.
    CancelAck(CancelAck),
    /// A timer fired.
    Timer(Timer),
    /// No more market data: the engine flattens its positions.
    EndOfData,
    /// A new instrument appears in the data (ids are dense, in order).
    Instrument(InstrumentDef),
    /// A model file could not be loaded for a slot (hot reload): the slot
    /// keeps its model; the engine records a `SwapRejected`.
    ModelRejected(ModelRejected),
    /// A live session's start: what the venue holds (balances, open
    /// orders) against what the journal holds, and every difference.
    /// Recorded for audit; the engine's decisions do not depend on it.
    Reconcile(Reconcile),
    /// What a live session sizes an instrument's equity-relative orders
    /// from, so their quantity is decided when they are created and a
    /// replay decides the same one without asking the venue.
    SizingBasis(SizingBasis),
    /// An operator's command to a running session (`axon ctl`).
    Operator(Operator),
}

/// An operator's command to a running session (`axon ctl`), journaled so
/// that a replay does what the operator did, and an audit shows who did
/// what when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Operator {
    /// What to do.
    pub command: OperatorCommand,
    /// Who: the controlling process's user and process ids.
    pub who: String,
}

/// What an operator can tell the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub enum OperatorCommand {
    /// No new decisions: the strategy is not called; marks, fills, working
    /// orders and statistics go on.
    Pause,
    /// Decisions again.
    Resume,
    /// Cancel the working orders and close the positions (reduce-only
    /// market orders, past the risk limits): of every instrument, or one.
    Flatten {
        /// The instrument; `None`: all.
        instrument: Option<InstrumentId>,
    },
    /// Engage (`true`) or release the kill switch.
    KillSwitch {
        /// Engaged.
        on: bool,
    },
    /// Cancel every working order.
    CancelAll,
}

/// The basis of a live session's `all_in` and `fraction` sizing for one
/// instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct SizingBasis {
    /// The instrument.
    pub instrument: InstrumentId,
    /// The venue's quantity step for market orders: quantities are floored
    /// to a multiple of it (0: no step).
    pub step: f64,
    /// Commission rate held back (`commission_bps` / 10 000), as the
    /// backtest's relative sizing does.
    pub fee_rate: f64,
    /// The quote asset and its free balance at the venue (testnet,
    /// production); from here on the engine moves it by this session's
    /// fills. `None` in paper mode, where the engine's own account is the
    /// balance.
    pub quote: Option<(String, f64)>,
}

/// The venue's state at a live session's start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Reconcile {
    /// Venue name.
    pub venue: String,
    /// Balances: asset, free, locked.
    pub balances: Vec<(String, f64, f64)>,
    /// Open orders at the venue.
    pub open_orders: Vec<VenueOpenOrder>,
    /// Differences from the journal's state, one line each.
    pub differences: Vec<String>,
}

/// An order working at the venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct VenueOpenOrder {
    /// Venue symbol.
    pub symbol: String,
    /// Client order id.
    pub client_order_id: String,
    /// Buy or sell.
    pub side: Side,
    /// Limit price.
    pub price: f64,
    /// Ordered quantity.
    pub quantity: f64,
    /// Executed so far.
    pub executed: f64,
}

/// A refused model file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct ModelRejected {
    /// The slot it was meant for.
    pub slot: u16,
    /// SHA-256 of the bytes read (zero if none could be read).
    pub sha256: [u8; 32],
    /// Why it was refused.
    pub reason: String,
}

/// An instrument definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct InstrumentDef {
    /// Its id: the next unused one.
    pub id: InstrumentId,
    /// Its symbol.
    pub symbol: String,
}

/// An output: something the engine decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub enum Output {
    /// A model-driven decision, with everything needed to audit it.
    Decision(Decision),
    /// The ensemble weights changed.
    WeightChange(WeightChange),
    /// The engine wants to trade (before risk checks).
    OrderIntent(OrderIntent),
    /// Risk checks refused an intent.
    RiskReject(RiskReject),
    /// An intent passed risk checks and goes to the venue.
    OrderSubmitted(OrderSubmitted),
    /// The engine asks the venue to cancel an order.
    CancelRequest(CancelRequest),
    /// The drawdown kill switch engaged: no new positions from here on.
    KillSwitch(KillSwitch),
    /// A model swap could not be applied; the slot keeps its model.
    SwapRejected(SwapRejected),
    /// Equity fell to zero or below: working orders are cancelled, every
    /// position is closed at this event's price and trading stops.
    MarginCall(MarginCall),
    /// An entry order carries a stop-loss and/or take-profit: when it fills,
    /// the engine submits them (reduce-only, for the filled quantity) as
    /// orders of their own. Journaled after the entry's intent.
    Bracket(Bracket),
}

/// The contingent orders attached to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Bracket {
    /// The entry's client order id.
    pub entry: u64,
    /// Stop price of the stop-loss (a stop order on the other side).
    pub stop_loss: Option<f64>,
    /// Limit price of the take-profit (a limit order on the other side).
    pub take_profit: Option<f64>,
}

/// The account ran out of equity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct MarginCall {
    /// Equity at the mark that triggered it.
    pub equity: f64,
}

/// Session start: config and data provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct SessionStart {
    /// Engine configuration (strategy, sizing, risk, cash, instruments).
    pub config: EngineConfig,
    /// The user's configuration file, verbatim (empty if none).
    pub config_text: String,
    /// Where the data came from: one entry per input file.
    pub data: Vec<DataSource>,
    /// Seed of every random draw in the session.
    pub seed: u64,
    /// Version of the engine that wrote the journal.
    pub engine_version: String,
}

/// One input data file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct DataSource {
    /// Path as given.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Rows.
    pub rows: u64,
}

/// A model loaded into an ensemble slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct ModelSwap {
    /// Ensemble slot.
    pub slot: u16,
    /// SHA-256 of the model bytes (in the journal's artifact store).
    pub sha256: [u8; 32],
    /// Monotonic version of the slot.
    pub version: u32,
    /// Backend name (`rule`, `onnx`, `tch`, `candle`).
    pub backend: String,
    /// Backend parameters: a rule model's settings; for ML models
    /// `threads` (intra-op threads) and `fp16` (1 or 0).
    pub params: Vec<(String, f64)>,
    /// Input shape of an ML model, batch first (empty for rule models).
    pub input_shape: Vec<u32>,
    /// Device an ML model runs on (`cpu`, `cuda:0`; empty for rule models).
    pub device: String,
}

/// New ensemble weights, one per slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct WeightOverride {
    /// Weights.
    pub weights: Vec<f64>,
    /// Why.
    pub reason: String,
}

/// Venue acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct OrderAck {
    /// Client order id.
    pub client_id: u64,
    /// The venue's id.
    pub venue_order_id: String,
}

/// An execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Fill {
    /// Client order id.
    pub client_id: u64,
    /// Instrument.
    pub instrument: InstrumentId,
    /// Side.
    pub side: Side,
    /// Units filled (> 0).
    pub quantity: f64,
    /// Price.
    pub price: f64,
    /// Commission paid, in cash units.
    pub commission: f64,
    /// Whether the order is now completely filled.
    pub last: bool,
}

/// Venue rejection or broker cancellation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct OrderReject {
    /// Client order id.
    pub client_id: u64,
    /// Why.
    pub reason: String,
}

/// Cancel confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct CancelAck {
    /// Client order id.
    pub client_id: u64,
}

/// A timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct Timer {
    /// Timer id.
    pub id: u32,
}

/// What the ensemble decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub enum Action {
    /// Go long.
    Buy,
    /// Go short.
    Sell,
    /// Do nothing.
    Hold,
}

/// One model's raw output in a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct ModelOutput {
    /// Slot.
    pub slot: u16,
    /// Model version in the slot.
    pub version: u32,
    /// Raw scores for Buy, Sell, Hold.
    pub raw: [f64; 3],
    /// The model's newest feature row (SMA: fast and slow means; ML models:
    /// the last row of their input window).
    pub features: Vec<f64>,
    /// SHA-256 of the exact input tensor an ML model saw (f32, little
    /// endian, row-major); zero for rule models, whose features say it all.
    pub input_sha256: [u8; 32],
}

/// A decision and its inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct Decision {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Index of the market event (bar or tick) for this instrument, from 0.
    pub bar_index: u64,
    /// The price the decision saw.
    pub price: f64,
    /// Each model's raw output.
    pub models: Vec<ModelOutput>,
    /// Ensemble weights used.
    pub weights: Vec<f64>,
    /// Weighted score (Buy minus Sell).
    pub score: f64,
    /// The action.
    pub action: Action,
}

/// Ensemble weights after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct WeightChange {
    /// New weights.
    pub weights: Vec<f64>,
    /// Why.
    pub reason: String,
}

/// How many units an order is for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub enum Quantity {
    /// A fixed number of units.
    Units(f64),
    /// A fraction of available equity, resolved into whole units at the
    /// fill price by the venue (as a broker does for relative-sized orders).
    EquityFraction(f64),
}

/// Order types.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub enum OrderType {
    /// Market order.
    Market,
    /// Limit order.
    Limit(f64),
    /// Market-on-close: fills at the close of the current bar (the close-out at end of data).
    MarketOnClose,
    /// Stop (market-if-touched): once the market reaches the stop price (a
    /// buy: at or above it; a sell: at or below), a market order.
    Stop(f64),
    /// Stop-limit: once the market reaches `stop`, a limit order at `limit`.
    StopLimit {
        /// The trigger price.
        stop: f64,
        /// The limit price once triggered.
        limit: f64,
    },
}

impl OrderType {
    /// The prices the order carries (none for market orders): a limit, a
    /// stop, or a stop and a limit.
    pub fn prices(&self) -> impl Iterator<Item = f64> {
        let (a, b) = match *self {
            Self::Market | Self::MarketOnClose => (None, None),
            Self::Limit(p) | Self::Stop(p) => (Some(p), None),
            Self::StopLimit { stop, limit } => (Some(stop), Some(limit)),
        };
        a.into_iter().chain(b)
    }

    /// The price an order of this type is expected to fill at, if it names
    /// one: the limit of a limit or stop-limit order, a stop's trigger.
    pub fn price(&self) -> Option<f64> {
        match *self {
            Self::Market | Self::MarketOnClose => None,
            Self::Limit(p) | Self::Stop(p) | Self::StopLimit { limit: p, .. } => Some(p),
        }
    }
}

/// An order the engine wants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct OrderIntent {
    /// Client order id: deterministic, from the engine's order counter.
    pub client_id: u64,
    /// Instrument.
    pub instrument: InstrumentId,
    /// Side.
    pub side: Side,
    /// Size.
    pub quantity: Quantity,
    /// Type.
    pub order_type: OrderType,
    /// Reference price used for risk checks (the decision's price).
    pub reference_price: f64,
    /// Whether the order only reduces an existing position.
    pub reduce_only: bool,
}

/// Why risk checks refused an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub enum RiskReason {
    /// Estimated notional above `max_order_notional`.
    MaxOrderNotional,
    /// Resulting position above `max_position`.
    MaxPosition,
    /// More than `max_orders_per_sec` orders in one second of event time.
    MaxOrderRate,
    /// The drawdown kill switch is engaged (reducing: the order would not
    /// shrink a position).
    KillSwitch,
    /// More working orders than `max_open_orders`.
    MaxOpenOrders,
    /// A limit price outside `price_band_pct` of the last mark.
    PriceBand,
    /// The kill switch halted trading: no new orders at all.
    Halted,
    /// A price of the order (limit, stop, stop-loss, take-profit, or the
    /// reference price of a market entry with a bracket) is NaN, infinite
    /// or not positive; `value` is the price, `limit` 0.
    InvalidPrice,
    /// The quantity is NaN, infinite or not positive (an equity fraction:
    /// not in (0, 1]); `value` is the quantity, `limit` 0 (the fraction: 1).
    InvalidQuantity,
    /// A stop-loss or take-profit on the wrong side of the entry (a buy's
    /// stop-loss must be below its entry price and its take-profit above;
    /// a sell's the other way round); `value` is the stop-loss or
    /// take-profit, `limit` the entry price.
    BracketSide,
}

/// A refused order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct RiskReject {
    /// Client order id.
    pub client_id: u64,
    /// Reason.
    pub reason: RiskReason,
    /// The value that broke the limit.
    pub value: f64,
    /// The limit.
    pub limit: f64,
}

/// An order sent to the venue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct OrderSubmitted {
    /// The order.
    pub order: OrderIntent,
}

/// A cancel request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct CancelRequest {
    /// Client order id.
    pub client_id: u64,
}

/// Kill switch engagement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode, Decode)]
pub struct KillSwitch {
    /// Drawdown from peak equity, percent.
    pub drawdown_pct: f64,
    /// The limit, percent.
    pub limit_pct: f64,
    /// What trading is allowed from here on.
    pub mode: crate::config::KillMode,
}

/// A refused model swap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode, Decode)]
pub struct SwapRejected {
    /// Slot.
    pub slot: u16,
    /// The version that was refused.
    pub version: u32,
    /// Why.
    pub reason: String,
}

/// Record kinds, stable on disk.
pub mod kind {
    #![allow(missing_docs, reason = "names say it")]
    pub const SESSION_START: u16 = 1;
    pub const TICK: u16 = 2;
    pub const BAR: u16 = 3;
    pub const MODEL_SWAP: u16 = 4;
    pub const WEIGHT_OVERRIDE: u16 = 5;
    pub const ORDER_ACK: u16 = 6;
    pub const FILL: u16 = 7;
    pub const REJECT: u16 = 8;
    pub const CANCEL_ACK: u16 = 9;
    pub const TIMER: u16 = 10;
    pub const END_OF_DATA: u16 = 11;
    pub const INSTRUMENT: u16 = 12;
    pub const MODEL_REJECTED: u16 = 13;
    pub const RECONCILE: u16 = 14;
    pub const SIZING_BASIS: u16 = 15;
    pub const OPERATOR: u16 = 16;
    pub const DECISION: u16 = 64;
    pub const WEIGHT_CHANGE: u16 = 65;
    pub const ORDER_INTENT: u16 = 66;
    pub const RISK_REJECT: u16 = 67;
    pub const ORDER_SUBMITTED: u16 = 68;
    pub const CANCEL_REQUEST: u16 = 69;
    pub const KILL_SWITCH: u16 = 70;
    pub const SWAP_REJECTED: u16 = 71;
    pub const MARGIN_CALL: u16 = 72;
    pub const BRACKET: u16 = 73;

    /// Whether a kind is an engine input.
    pub fn is_input(kind: u16) -> bool {
        (1..64).contains(&kind)
    }

    /// A readable name for a kind.
    pub fn name(kind: u16) -> &'static str {
        match kind {
            SESSION_START => "SessionStart",
            TICK => "Tick",
            BAR => "Bar",
            MODEL_SWAP => "ModelSwap",
            WEIGHT_OVERRIDE => "WeightOverride",
            ORDER_ACK => "OrderAck",
            FILL => "Fill",
            REJECT => "Reject",
            CANCEL_ACK => "CancelAck",
            TIMER => "Timer",
            END_OF_DATA => "EndOfData",
            INSTRUMENT => "Instrument",
            MODEL_REJECTED => "ModelRejected",
            RECONCILE => "Reconcile",
            SIZING_BASIS => "SizingBasis",
            OPERATOR => "Operator",
            DECISION => "Decision",
            WEIGHT_CHANGE => "WeightChange",
            ORDER_INTENT => "OrderIntent",
            RISK_REJECT => "RiskReject",
            ORDER_SUBMITTED => "OrderSubmitted",
            CANCEL_REQUEST => "CancelRequest",
            KILL_SWITCH => "KillSwitch",
            SWAP_REJECTED => "SwapRejected",
            MARGIN_CALL => "MarginCall",
            BRACKET => "Bracket",
            _ => "Unknown",
        }
    }
}
