//! A walk-forward's strategy: one strategy per segment, as
//! [`StrategyConfig::WalkForward`] describes, in one session.
//!
//! Each segment's strategy sees the market from its `warm_from_ns`, warming
//! its indicators with every order refused ([`OrderError::Warming`]),
//! while the segment before it still trades. At the first market event at
//! or after its `trade_from_ns` the trading segment retires: its working
//! orders are cancelled and its positions closed with market orders (all
//! journaled as any strategy's). The new segment trades from the first
//! market event at which the account is flat with no working order (with
//! fills at the next bar's open, one bar later) and receives that event
//! and every one after it, and the fills of its own orders.
//!
//! Each segment has its own ensemble, whose slot 0 is its rule (the SMA
//! crossover of an `sma_cross` segment), so segments with other parameters
//! never share indicator state. Model slots loaded by swaps stay in the
//! engine's ensemble, which segments do not see.

use crate::config::{EngineConfig, Segment, StrategyConfig};
use crate::desk::Desk;
use crate::ensemble::Ensemble;
use crate::event::{Fill, Output};
use crate::market::InstrumentId;
use crate::risk::Risk;

use super::{BarEvent, Context, MarketEvent, Strategy, StrategyFactory};

/// One segment at run time.
#[derive(Debug)]
struct Part {
    warm_from_ns: i64,
    trade_from_ns: i64,
    strategy: Box<dyn Strategy>,
    models: Ensemble,
    /// An empty desk the strategy reads while warming (orders refused).
    desk: Desk,
}

impl Part {
    /// Hands the trading segment's strategy the session's context, with
    /// the segment's own models.
    fn trade(
        &mut self,
        ctx: &mut Context<'_>,
        f: impl FnOnce(&mut dyn Strategy, &mut Context<'_>),
    ) {
        let mut live = Context {
            time_ns: ctx.time_ns,
            config: ctx.config,
            portfolio: ctx.portfolio,
            desk: &mut *ctx.desk,
            models: &mut self.models,
            rng: &mut *ctx.rng,
            out: &mut *ctx.out,
            dry: false,
        };
        f(self.strategy.as_mut(), &mut live);
    }
}

/// Where the walk-forward stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before the first segment trades.
    Before,
    /// Segment `i` trades.
    Trading(usize),
    /// Segment `i` is due: waiting for the account to be flat.
    Flattening(usize),
}

/// The walk-forward strategy; see the [module](self).
#[derive(Debug)]
pub struct Segmented {
    parts: Vec<Part>,
    phase: Phase,
    /// Scratch for what warming strategies produce (dropped).
    scratch: Vec<Output>,
}

impl Segmented {
    /// Builds each segment's strategy with `factory` (a session config
    /// whose strategy is the segment's).
    pub fn build(
        config: &EngineConfig,
        factory: &dyn StrategyFactory,
    ) -> Result<Box<dyn Strategy>, String> {
        let StrategyConfig::WalkForward { segments, .. } = &config.strategy else {
            return Err(format!("{} is not a walk-forward", config.strategy.kind()));
        };
        let n = config.instruments.len();
        let parts = segments
            .iter()
            .enumerate()
            .map(|(i, seg)| {
                Self::part(config, factory, seg, n).map_err(|e| format!("segment {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Box::new(Self {
            parts,
            phase: Phase::Before,
            scratch: Vec::new(),
        }))
    }

    fn part(
        config: &EngineConfig,
        factory: &dyn StrategyFactory,
        seg: &Segment,
        n: usize,
    ) -> Result<Part, String> {
        let inner = EngineConfig {
            strategy: seg.strategy.clone(),
            ..config.clone()
        };
        let models = Ensemble::with_config(
            vec![crate::engine::slot0(&seg.strategy, n)],
            vec![config.ensemble.weights.first().copied().unwrap_or(1.0)],
            config.ensemble.clone(),
        )
        .map_err(|e| e.to_string())?;
        Ok(Part {
            warm_from_ns: seg.warm_from_ns,
            trade_from_ns: seg.trade_from_ns,
            strategy: factory.build(&inner)?,
            models,
            desk: Desk::new(Risk::new(config.risk)),
        })
    }

    /// Moves the phase on at a market event at `time_ns`: retires the
    /// trading segment when the next one is due (cancels its orders and
    /// closes its positions), and lets the due one trade once flat.
    fn advance(&mut self, ctx: &mut Context<'_>, time_ns: i64) {
        let due = self.parts.iter().rposition(|p| p.trade_from_ns <= time_ns);
        let Some(due) = due else { return };
        match self.phase {
            Phase::Before => self.phase = Phase::Flattening(due),
            Phase::Trading(i) if due > i => {
                ctx.desk.cancel_all(ctx.out);
                for instrument in 0..ctx.portfolio.instruments() as InstrumentId {
                    // A refused close is journaled with its reason.
                    let _ = ctx.close_position(instrument);
                }
                self.phase = Phase::Flattening(due);
            }
            Phase::Flattening(i) if due > i => self.phase = Phase::Flattening(due),
            _ => {}
        }
        if let Phase::Flattening(i) = self.phase {
            let flat = (0..ctx.portfolio.instruments() as InstrumentId)
                .all(|k| ctx.portfolio.position(k) == 0.0)
                && ctx.open_orders().next().is_none();
            if flat {
                self.phase = Phase::Trading(i);
            }
        }
    }

    /// Hands an event to every segment that sees it: the trading one with
    /// the session's context (and its own models), those warming up with
    /// orders refused.
    fn deliver(
        &mut self,
        ctx: &mut Context<'_>,
        time_ns: i64,
        mut f: impl FnMut(&mut dyn Strategy, &mut Context<'_>),
    ) {
        let (trading, first) = match self.phase {
            Phase::Before => (None, 0),
            Phase::Trading(i) => (Some(i), i),
            // The due segment still warms; the retired one sees nothing.
            Phase::Flattening(i) => (None, i),
        };
        for (k, part) in self.parts.iter_mut().enumerate().skip(first) {
            if trading == Some(k) {
                part.trade(ctx, &mut f);
            } else if part.warm_from_ns <= time_ns {
                let mut warming = Context {
                    time_ns: ctx.time_ns,
                    config: ctx.config,
                    portfolio: ctx.portfolio,
                    desk: &mut part.desk,
                    models: &mut part.models,
                    rng: &mut *ctx.rng,
                    out: &mut self.scratch,
                    dry: true,
                };
                f(part.strategy.as_mut(), &mut warming);
                self.scratch.clear();
            }
        }
    }
}

impl Strategy for Segmented {
    fn on_instrument(&mut self, id: InstrumentId, symbol: &str) {
        for part in &mut self.parts {
            part.strategy.on_instrument(id, symbol);
        }
    }

    fn on_market(&mut self, ctx: &mut Context<'_>, event: &MarketEvent) {
        self.advance(ctx, event.time_ns);
        self.deliver(ctx, event.time_ns, |s, c| s.on_market(c, event));
    }

    fn on_bar(&mut self, ctx: &mut Context<'_>, bar: &BarEvent) {
        let time_ns = ctx.time_ns();
        self.advance(ctx, time_ns);
        self.deliver(ctx, time_ns, |s, c| s.on_bar(c, bar));
    }

    fn on_fill(&mut self, ctx: &mut Context<'_>, fill: &Fill) {
        // Fills of a retired segment's close-outs go to no strategy.
        if let Phase::Trading(i) = self.phase {
            self.parts[i].trade(ctx, |s, c| s.on_fill(c, fill));
        }
    }

    fn fault(&self) -> Option<&str> {
        self.parts.iter().find_map(|p| p.strategy.fault())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{EngineConfig, Segment, StrategyConfig};
    use crate::event::Output;
    use crate::market::Bar;
    use crate::model::RuleModels;
    use crate::{Engine, Input};

    const DAY: i64 = 86_400_000_000_000;

    /// A zigzag close: the SMA(2, 4) crossover fires every few bars.
    fn bar(i: i64) -> Input {
        let close = 100.0 + [0.0, 3.0, 6.0, 3.0, 0.0, -3.0][(i % 6) as usize];
        Input::Bar(Bar {
            instrument: 0,
            open: close,
            high: close + 1.0,
            low: close - 1.0,
            close,
            volume: 1.0,
        })
    }

    /// Days of the bars at which the engine sent an order intent.
    fn intents(config: EngineConfig, bars: i64) -> Vec<i64> {
        let mut engine = Engine::new(config, Box::new(RuleModels)).unwrap();
        let mut out = Vec::new();
        let mut days = Vec::new();
        for i in 0..bars {
            out.clear();
            engine.step(i * DAY, &bar(i), &mut out);
            if out.iter().any(|o| matches!(o, Output::OrderIntent(_))) {
                days.push(i);
            }
        }
        days
    }

    fn walk_forward(segments: &[(i64, i64)]) -> EngineConfig {
        let mut config = EngineConfig::sma(10_000.0, vec!["X".into()], 2, 4);
        config.strategy = StrategyConfig::WalkForward {
            warmup: 3,
            segments: segments
                .iter()
                .map(|&(warm, trade)| Segment {
                    warm_from_ns: warm * DAY,
                    trade_from_ns: trade * DAY,
                    strategy: StrategyConfig::SmaCross { fast: 2, slow: 4 },
                })
                .collect(),
        };
        config
    }

    #[test]
    fn a_segment_trades_only_from_its_start_and_warms_up_before() {
        let plain = intents(EngineConfig::sma(10_000.0, vec!["X".into()], 2, 4), 60);
        assert!(plain.iter().any(|&d| d < 20), "{plain:?}");
        // Warmed from day 16, trading from day 20: the same decisions as
        // the plain strategy from day 20 on, none before.
        let segmented = intents(walk_forward(&[(16, 20)]), 60);
        let later: Vec<i64> = plain.iter().copied().filter(|&d| d >= 20).collect();
        assert_eq!(segmented, later);
        // Not warmed: its SMAs are undefined for its first bars, so its
        // first decision comes later than a warmed segment's.
        let cold = intents(walk_forward(&[(20, 20)]), 60);
        assert!(
            cold.first() > segmented.first(),
            "{cold:?} vs {segmented:?}"
        );
    }

    #[test]
    fn segments_must_follow_each_other_and_not_nest() {
        let mut config = walk_forward(&[(16, 20), (30, 20)]);
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("segment 1")
        );
        config = walk_forward(&[(25, 20)]);
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("warms from")
        );
        config = walk_forward(&[]);
        assert!(config.validate().is_err());
        let inner = walk_forward(&[(16, 20)]).strategy;
        if let StrategyConfig::WalkForward { segments, .. } = &mut config.strategy {
            segments.push(Segment {
                warm_from_ns: 0,
                trade_from_ns: 0,
                strategy: inner,
            });
        }
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("itself")
        );
    }
}
