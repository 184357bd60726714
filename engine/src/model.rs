//! The `Model` port and the rule-based model. ML backends implement the same
//! port in `axon-inference`; the engine never sees backend types.

use std::fmt::Debug;

use crate::event::ModelSwap;
use crate::market::InstrumentId;
use crate::rolling::RollingMean;

/// What a model sees at one market event.
#[derive(Debug, Clone, Copy)]
pub struct ModelInput {
    /// Instrument.
    pub instrument: InstrumentId,
    /// Event time, ns.
    pub time_ns: i64,
    /// The new price (bar close, or tick mid).
    pub price: f64,
}

/// A model: called once per market event per instrument, in order.
/// Implementations must be deterministic: same calls, same outputs, bit for bit.
pub trait Model: Send + Debug {
    /// Scores for Buy, Sell, Hold; writes the features it used into `features`.
    fn evaluate(&mut self, input: &ModelInput, features: &mut Vec<f64>) -> [f64; 3];

    /// SHA-256 of the input the last `evaluate` ran the model on, for
    /// models whose input is too large to journal (zero otherwise). Called
    /// only for evaluations that become decision records.
    fn input_digest(&self) -> [u8; 32] {
        [0; 32]
    }

    /// The input tensor the last `evaluate` ran the model on, for models
    /// that run a tensor model (an audit explains that very input).
    fn last_input(&self) -> Option<&[f32]> {
        None
    }

    /// Scores for Buy, Sell, Hold of an input the caller computed (a
    /// strategy's own features), shaped as the model's input, flattened
    /// row-major. Afterwards [`Model::last_input`] and
    /// [`Model::input_digest`] describe that input. Models that compute
    /// their own features from prices refuse.
    fn evaluate_input(&mut self, _input: &[f32]) -> Result<[f64; 3], String> {
        Err("this model computes its own features from prices: it takes no input".into())
    }

    /// Whether Buy and Sell mark one-event signals (a crossover) rather than
    /// a state held while it lasts. A signal in the direction already held
    /// then means "close and enter again", as backtesting.py strategies do.
    fn signals_events(&self) -> bool {
        false
    }
}

/// Builds models for `ModelSwap` inputs (the inference layer resolves the
/// artifact bytes; the rule-based factory reads parameters).
pub trait ModelFactory: Debug + Send {
    /// Builds the model a swap names, or says why it cannot.
    fn build(&self, swap: &ModelSwap, instruments: usize) -> Result<Box<dyn Model>, String>;
}

impl<F: ModelFactory + Sync + ?Sized> ModelFactory for std::sync::Arc<F> {
    fn build(&self, swap: &ModelSwap, instruments: usize) -> Result<Box<dyn Model>, String> {
        (**self).build(swap, instruments)
    }
}

/// The SMA crossover: Buy when the fast mean crosses above the slow mean,
/// Sell when it crosses below (strictly, as backtesting.py's `crossover`).
#[derive(Debug, Clone)]
pub struct SmaCross {
    fast: usize,
    slow: usize,
    state: Vec<SmaState>,
}

#[derive(Debug, Clone)]
struct SmaState {
    fast: RollingMean,
    slow: RollingMean,
    prev: (f64, f64),
}

impl SmaCross {
    /// An SMA crossover over `instruments` instruments.
    pub fn new(fast: usize, slow: usize, instruments: usize) -> Self {
        let mut model = Self {
            fast,
            slow,
            state: Vec::new(),
        };
        model.ensure(instruments);
        model
    }

    fn ensure(&mut self, n: usize) {
        while self.state.len() < n {
            self.state.push(SmaState {
                fast: RollingMean::new(self.fast),
                slow: RollingMean::new(self.slow),
                prev: (f64::NAN, f64::NAN),
            });
        }
    }
}

impl Model for SmaCross {
    fn evaluate(&mut self, input: &ModelInput, features: &mut Vec<f64>) -> [f64; 3] {
        self.ensure(input.instrument as usize + 1);
        let Some(s) = self.state.get_mut(input.instrument as usize) else {
            return [0.0, 0.0, 1.0];
        };
        let fast = s.fast.push(input.price);
        let slow = s.slow.push(input.price);
        let (pf, ps) = std::mem::replace(&mut s.prev, (fast, slow));
        features.clear();
        features.extend_from_slice(&[fast, slow]);
        // NaN compares false, so warm-up never signals.
        if pf < ps && fast > slow {
            [1.0, 0.0, 0.0]
        } else if pf > ps && fast < slow {
            [0.0, 1.0, 0.0]
        } else {
            [0.0, 0.0, 1.0]
        }
    }

    fn signals_events(&self) -> bool {
        true
    }
}

/// A model that always votes Hold: ensemble slot 0 of the strategies that
/// trade on their own rule (Donchian, Bollinger), so model slots are
/// numbered from 1 whatever the strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Abstain;

impl Model for Abstain {
    fn evaluate(&mut self, _input: &ModelInput, features: &mut Vec<f64>) -> [f64; 3] {
        features.clear();
        [0.0, 0.0, 1.0]
    }
}

/// Builds rule-based models from swap parameters (`backend = "rule"`,
/// params `fast` and `slow`).
#[derive(Debug, Default, Clone, Copy)]
pub struct RuleModels;

impl ModelFactory for RuleModels {
    fn build(&self, swap: &ModelSwap, instruments: usize) -> Result<Box<dyn Model>, String> {
        if swap.backend != "rule" {
            return Err(format!(
                "backend {:?} is not available in this build",
                swap.backend
            ));
        }
        let param = |name: &str| {
            swap.params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| format!("rule model needs parameter {name:?}"))
        };
        let (fast, slow) = (param("fast")?, param("slow")?);
        if !(fast >= 1.0 && slow > fast && slow.fract() == 0.0 && fast.fract() == 0.0) {
            return Err(format!(
                "sma_cross needs integer 1 <= fast < slow, found {fast}, {slow}"
            ));
        }
        Ok(Box::new(SmaCross::new(
            fast as usize,
            slow as usize,
            instruments,
        )))
    }
}
