//! The built-in strategy: the model slots vote (slot 0 the configured rule,
//! e.g. the SMA crossover; further slots ML models), the dynamically
//! weighted ensemble turns the votes into buy, sell or hold, and the
//! strategy closes what is open and enters the other way, as
//! backtesting.py's SmaCross does.

use crate::config::DecisionLog;
use crate::desk::OrderRequest;
use crate::ensemble::Evaluation;
use crate::event::{Action, Decision, ModelOutput, OrderType, WeightChange};
use crate::market::{InstrumentId, Side};
use crate::model::ModelInput;

use super::{Context, MarketEvent, Strategy};

/// What scores the models on an instrument's next price.
#[derive(Debug, Clone)]
struct Votes {
    /// The last price; NaN before the first market event.
    last_price: f64,
    /// Each slot's virtual position at the last event (the sign of its
    /// buy − sell), which earns the next price change.
    votes: Vec<f64>,
}

impl Default for Votes {
    fn default() -> Self {
        Self {
            last_price: f64::NAN,
            votes: Vec::new(),
        }
    }
}

impl Votes {
    /// Records the event's price; returns the return since the previous
    /// event, or `None` when there is nothing to credit: no votes yet, or
    /// no positive previous price to take a return from.
    fn reprice(&mut self, price: f64) -> Option<f64> {
        let prev = std::mem::replace(&mut self.last_price, price);
        if self.votes.is_empty() || prev.is_nan() || prev <= 0.0 {
            return None;
        }
        Some(price / prev - 1.0)
    }

    /// Writes each of `slots` slots' return on `change` into `out`: its
    /// virtual position times the change, 0 for a slot that has not voted.
    fn credit(&self, slots: usize, change: f64, out: &mut Vec<f64>) {
        out.clear();
        out.extend((0..slots).map(|s| self.votes.get(s).map_or(0.0, |v| v * change)));
    }

    /// Replaces the votes with the models' signals at this event.
    fn record(&mut self, models: &[ModelOutput]) {
        self.votes.clear();
        self.votes
            .extend(models.iter().map(|m| (m.raw[0] - m.raw[1]).signum()));
    }
}

/// Models → dynamically weighted ensemble → decision → orders.
#[derive(Debug)]
pub struct EnsembleStrategy {
    /// Indexed by instrument id.
    votes: Vec<Votes>,
    eval: Evaluation,
    /// Scratch for each slot's return at a market event.
    returns: Vec<f64>,
}

impl Default for EnsembleStrategy {
    fn default() -> Self {
        Self {
            votes: Vec::new(),
            eval: Evaluation {
                models: Vec::with_capacity(4),
                score: 0.0,
                action: Action::Hold,
            },
            returns: Vec::with_capacity(4),
        }
    }
}

impl Strategy for EnsembleStrategy {
    fn on_market(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        let i = e.instrument as usize;
        if self.votes.len() <= i {
            self.votes.resize_with(i + 1, Votes::default);
        }
        self.score(ctx, e);
        if let Some(side) = self.decide(ctx, e) {
            self.order(ctx, e.instrument, side, e.price);
        }
    }
}

impl EnsembleStrategy {
    /// Credits the models' last votes with the price change, then runs every
    /// slot and the ensemble on this event into `self.eval` and keeps the
    /// new votes.
    fn score(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) {
        self.credit_models(ctx, e.instrument, e.price);
        let input = ModelInput {
            instrument: e.instrument,
            time_ns: e.time_ns,
            price: e.price,
        };
        ctx.models.predict(&input, &mut self.eval);
        self.votes[e.instrument as usize].record(&self.eval.models);
    }

    /// Credits each slot with its virtual position's return since the last
    /// event on this instrument, and lets the ensemble re-weight.
    fn credit_models(&mut self, ctx: &mut Context<'_>, instrument: InstrumentId, price: f64) {
        let state = &mut self.votes[instrument as usize];
        let Some(change) = state.reprice(price) else {
            return;
        };
        state.credit(ctx.models.len(), change, &mut self.returns);
        if let Some(w) = ctx.models.update_weights(&self.returns) {
            let weights = w.to_vec();
            ctx.record(crate::event::Output::WeightChange(WeightChange {
                weights,
                reason: "performance".into(),
            }));
        }
    }

    /// Journals the ensemble's decision (holds only when the decision log
    /// asks for every event); returns the side it wants to trade, if any.
    fn decide(&mut self, ctx: &mut Context<'_>, e: &MarketEvent) -> Option<Side> {
        let action = self.eval.action;
        if action == Action::Hold && ctx.config.decisions == DecisionLog::Actions {
            return None;
        }
        ctx.models.annotate(&mut self.eval);
        let weights = ctx.models.weights().to_vec();
        ctx.record(crate::event::Output::Decision(Decision {
            instrument: e.instrument,
            bar_index: e.index,
            price: e.price,
            models: self.eval.models.clone(),
            weights,
            score: self.eval.score,
            action,
        }));
        match action {
            Action::Buy => Some(Side::Buy),
            Action::Sell => Some(Side::Sell),
            Action::Hold => None,
        }
    }

    /// Trades the decided side unless already positioned or entering that
    /// way: as backtesting.py's SmaCross, closes what is open, then enters.
    fn order(&self, ctx: &mut Context<'_>, instrument: InstrumentId, side: Side, price: f64) {
        let position = ctx.position(instrument);
        if Self::holds_or_enters(ctx, instrument, side, position) {
            return;
        }
        // A refused order is journaled with its reason; the signal stands.
        if position != 0.0 {
            let _ = ctx.submit(OrderRequest::close(
                instrument,
                position,
                OrderType::Market,
                price,
            ));
        }
        let quantity = ctx.entry_quantity(instrument, price);
        let _ = ctx.submit(OrderRequest::market(instrument, side, quantity, price));
    }

    /// Whether the instrument is already positioned (or entering) the way
    /// `side` wants, so a new signal places no order.
    fn holds_or_enters(
        ctx: &mut Context<'_>,
        instrument: InstrumentId,
        side: Side,
        position: f64,
    ) -> bool {
        // The newest working entry order counts; a later opposite signal
        // supersedes an older one.
        let entering = ctx
            .open_orders()
            .rev()
            .find(|o| o.instrument == instrument && !o.reduce_only)
            .is_some_and(|o| o.side == side);
        // backtesting.py's SmaCross closes and re-enters on every crossover,
        // also one in the direction held (after a tie swallowed the opposite
        // crossover). Models that vote a state repeat their signal at every
        // event, so while any of them votes, a held position stays.
        let reenter = ctx.models.slots().iter().all(|s| s.model.signals_events());
        entering || (position * side.sign() > 0.0 && !reenter)
    }
}
