//! The live session loop: venue events in, stamped with their receive
//! time, journaled before the engine sees them (the sequencer), the
//! engine's orders out to the venue (or, in paper mode, to the simulated
//! exchange), every answer back in as a journaled input.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axon_adapters::exchange::client_id::client_order_id;
use axon_adapters::exchange::venue::{OrderUpdate, Stamped, UpdateKind, VenueEvent, now_ns};
use axon_adapters::{Account, PaperVenue, Venue};
use axon_config::{LivePlan, Mode};
use axon_engine::event::Reconcile;
use axon_engine::market::Tick;
use axon_engine::{Input, Output, Sequencer};
use axon_inference::ModelRegistry;
use axon_journal::Journal;
use axon_metrics::MetricsCollector;
use axon_replay::RunMetrics;
use axon_replicate::Replicator;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use crate::control::{self, Call};
use crate::error::LiveError;
use crate::latency::{Latency, LatencyReport};
use crate::models;
use crate::orders::Tracker;
use crate::sizing;
use crate::start;

mod operate;
mod requests;

use requests::{lookup, venue_order};

/// How long a stopping session waits for its replica to catch up.
const REPLICATION_DRAIN: Duration = Duration::from_secs(30);
/// How long shutdown waits for order requests already sent.
const DRAIN: Duration = Duration::from_secs(10);
/// How long after an unknown outcome the order is looked up again.
const RECHECK: Duration = Duration::from_secs(2);
/// Venue events waiting for the session loop; when full, the socket
/// readers wait (backpressure) rather than drop anything.
const EVENT_QUEUE: usize = 8192;

/// What a session did.
#[derive(Debug)]
pub struct LiveReport {
    pub venue: &'static str,
    pub mode: Mode,
    pub ticks: u64,
    pub orders: u64,
    pub fills: u64,
    pub rejects: u64,
    pub reconnects: u64,
    pub records: u64,
    pub head_hash: String,
    pub elapsed_secs: f64,
    pub stopped_by: String,
    pub differences: Vec<String>,
    pub equity: f64,
    /// Whether the session continued an existing journal.
    pub resumed: bool,
    /// The session's tag (its client order ids' prefix; its name in a
    /// journal replica).
    pub session: String,
    /// Records the replica had not acknowledged when the session ended
    /// (`None`: no replication).
    pub replication_lag: Option<u64>,
    /// Tick-to-order latency by stage, and the event queue's high mark.
    pub latency: Option<LatencyReport>,
}

struct Live {
    seq: Sequencer<Journal>,
    symbols: Vec<String>,
    tag: String,
    tracker: Tracker,
    last_time: i64,
    venue: Arc<dyn Venue>,
    tasks: JoinSet<Vec<Stamped>>,
    stopping: bool,
    /// Why the strategy stopped, with the seq of the input it failed on:
    /// the session ends there.
    fault: Option<String>,
    metrics: Option<RunMetrics>,
    collector: Option<MetricsCollector>,
    /// Each stream's state: the venue counts as connected while all are up.
    streams_up: std::collections::BTreeMap<&'static str, bool>,
    report: LiveReport,
    /// The journal's replication to NATS JetStream, if configured.
    replication: Option<Replicator>,
    latency: Latency,
    /// The receive time of the tick being stepped, while it is.
    stamp: Option<i64>,
    /// An order request was spawned since the loop last yielded.
    placing: bool,
}

/// Runs a session until `shutdown` resolves, `max_duration` passes or a
/// stream is lost for good.
pub async fn run(
    plan: LivePlan,
    max_duration: Option<Duration>,
    collector: Option<MetricsCollector>,
    shutdown: impl Future<Output = ()>,
) -> Result<LiveReport, LiveError> {
    let started = Instant::now();
    let venue = open_venue(&plan)?;
    venue.connect().await?;
    // The venue's account before anything is journaled (none where the
    // session's own portfolio is the account).
    let account = venue.account().await?;
    let (mut live, first_reconcile, registry) = Live::open(&plan, venue.clone(), collector)?;
    live.catch_up(&plan, account, first_reconcile.as_ref())
        .await?;
    if let Some(c) = &live.collector {
        models::publish_serving(c, live.seq.engine(), &plan);
    }
    let (model_tx, mut model_rx) = mpsc::unbounded_channel::<Input>();
    let (watchers, first) = models::watch(
        &plan,
        live.seq.engine(),
        live.seq.log().artifacts(),
        &registry,
        model_tx,
    )?;
    for input in first {
        let t = live.time(now_ns());
        live.submit(t, input)?;
    }

    live.replication = plan.replicate.clone().map(|target| {
        Replicator::spawn(
            target,
            plan.session.journal_dir.clone(),
            live.tag.clone(),
            live.seq.log().next_seq(),
        )
    });
    let (ctl_tx, mut ctl_rx) = mpsc::channel::<Call>(16);
    // Without its control socket (a path too long for one, say) the session
    // still trades; `axon ctl` then finds no session.
    let control = control::listen(&plan.session.journal_dir, ctl_tx)
        .inspect_err(|e| tracing::warn!(error = %e, "operator control (axon ctl) is not available"))
        .ok();

    let (tx, mut rx) = mpsc::channel::<Stamped>(EVENT_QUEUE);
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut streams = vec![venue.clone().spawn_market(tx.clone(), stop_rx.clone())];
    streams.extend(venue.clone().spawn_user(tx.clone(), stop_rx.clone()));
    drop(tx);
    tokio::pin!(shutdown);
    let deadline =
        tokio::time::sleep(max_duration.unwrap_or(Duration::from_secs(100 * 365 * 86_400)));
    tokio::pin!(deadline);
    let mut refresh = tokio::time::interval(Duration::from_secs(1));
    let mut lost = None;
    let stopped_by = loop {
        tokio::select! {
            biased;
            _ = &mut shutdown => break "signal".to_string(),
            _ = &mut deadline => break "max-duration".to_string(),
            Some(done) = live.tasks.join_next(), if !live.tasks.is_empty() => {
                for s in done.unwrap_or_default() {
                    live.on_event(s)?;
                }
                if live.fault.is_some() {
                    break "strategy failed".to_string();
                }
            }
            msg = rx.recv() => match msg {
                Some(s) => {
                    live.latency.queued(rx.len());
                    if let VenueEvent::StreamLost { stream, reason } = &s.event {
                        lost = Some(format!("{} {stream} stream lost: {reason}", plan.venue.name()));
                        break "stream lost".to_string();
                    }
                    live.on_event(s)?;
                    if live.fault.is_some() {
                        break "strategy failed".to_string();
                    }
                    if std::mem::take(&mut live.placing) {
                        // The order requests just spawned go out before
                        // the next event is taken.
                        tokio::task::yield_now().await;
                    }
                }
                None => break "streams ended".to_string(),
            },
            Some(input) = model_rx.recv() => {
                let t = live.time(now_ns());
                live.submit(t, input)?;
            }
            Some(call) = ctl_rx.recv() => {
                let answer = live.control(&plan, &registry, call.request, &call.who)?;
                let _ = call.reply.send(answer);
                if live.fault.is_some() {
                    break "strategy failed".to_string();
                }
            }
            _ = refresh.tick() => live.refresh_metrics(),
        }
    };
    // Files changed from here on are for the next session to pick up, and
    // operators are answered that the session is stopping.
    drop(watchers);
    drop(control);
    // Graceful stop: no new orders, answers to sent ones still journaled.
    tracing::info!(reason = %stopped_by, "stopping: no new orders; waiting for answers to sent ones");
    live.stopping = true;
    venue.close_orders();
    let _ = stop_tx.send(true);
    live.drain(streams, &mut rx).await?;
    let replication = live.replication.take();
    if let Some(r) = &replication {
        r.written(live.seq.log().next_seq());
    }
    let mut closed = live.close(started, stopped_by, lost);
    // The rest of the journal and its close go to the replica, whatever
    // ended the session.
    if let Some(r) = replication {
        let lag = r.finish(REPLICATION_DRAIN).await;
        if lag.records > 0 {
            tracing::warn!(
                records = lag.records,
                "the replica is behind the closed journal; the next session on this journal catches it up"
            );
        }
        if let Ok(report) = &mut closed {
            report.replication_lag = Some(lag.records);
        }
    }
    closed
}

impl Live {
    /// Opens the session's journal (new or resumed) and the session's state.
    fn open(
        plan: &LivePlan,
        venue: Arc<dyn Venue>,
        collector: Option<MetricsCollector>,
    ) -> Result<(Self, Option<Reconcile>, Arc<ModelRegistry>), LiveError> {
        let resume = plan.session.journal_dir.join("manifest.json").exists();
        let opened = if resume {
            start::resume(plan, &collector)?
        } else {
            start::new(plan, &collector)?
        };
        let mut metrics = collector
            .clone()
            .map(|m| RunMetrics::new(m, plan.venue.name()));
        if let Some(m) = &mut metrics {
            for symbol in &plan.exchange.symbols {
                m.declare_instrument(symbol);
            }
        }
        let first_reconcile = opened.first_reconcile.clone();
        let resumed = opened.resumed;
        let registry = opened.registry.clone();
        let live = Live {
            seq: opened.seq,
            symbols: plan.exchange.symbols.clone(),
            tracker: opened.tracker,
            tag: opened.tag.clone(),
            last_time: opened.last_time,
            venue,
            tasks: JoinSet::new(),
            stopping: false,
            fault: None,
            metrics,
            collector,
            streams_up: std::collections::BTreeMap::new(),
            replication: None,
            latency: Latency::new(EVENT_QUEUE),
            stamp: None,
            placing: false,
            report: LiveReport {
                venue: plan.venue.name(),
                mode: plan.mode,
                ticks: 0,
                orders: 0,
                fills: 0,
                rejects: 0,
                reconnects: 0,
                records: 0,
                head_hash: String::new(),
                elapsed_secs: 0.0,
                stopped_by: String::new(),
                differences: Vec::new(),
                equity: 0.0,
                resumed,
                session: opened.tag.clone(),
                replication_lag: None,
                latency: None,
            },
        };
        Ok((live, first_reconcile, registry))
    }

    /// Before the first tick: what became of the journal's working orders
    /// (resumed sessions), the venue's account against the journal's
    /// (journaled as a reconciliation), and the sizing basis.
    async fn catch_up(
        &mut self,
        plan: &LivePlan,
        account: Option<Account>,
        first_reconcile: Option<&Reconcile>,
    ) -> Result<(), LiveError> {
        let mut venue_balances = None;
        if let Some(mut account) = account {
            if self.report.resumed {
                // The journal's working orders first: what became of them while
                // no session ran is journaled before anything else.
                self.settle_open_orders().await?;
                account = self.venue.account().await?.unwrap_or_default();
            }
            venue_balances = Some(account.balances.clone());
            self.reconcile(first_reconcile, account.balances, account.open_orders)?;
        }
        for input in sizing::basis(plan, self.venue.as_ref(), venue_balances.as_deref())? {
            let t = self.time(now_ns());
            self.submit(t, input)?;
        }
        Ok(())
    }

    /// After the loop: answers to requests already sent (up to `DRAIN`),
    /// order updates already received, and a lookup of orders whose answer
    /// never came.
    async fn drain(
        &mut self,
        streams: Vec<tokio::task::JoinHandle<()>>,
        rx: &mut mpsc::Receiver<Stamped>,
    ) -> Result<(), LiveError> {
        let drain_until = tokio::time::Instant::now() + DRAIN;
        while !self.tasks.is_empty() {
            match tokio::time::timeout_at(drain_until, self.tasks.join_next()).await {
                Ok(Some(done)) => {
                    for s in done.unwrap_or_default() {
                        self.on_event(s)?;
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        pending = self.tasks.len(),
                        "shutdown: order requests still unanswered; the next session reconciles them"
                    );
                    self.tasks.abort_all();
                    break;
                }
            }
        }
        for h in streams {
            let _ = h.await;
        }
        // Order updates already received are journaled, market data is not.
        while let Ok(s) = rx.try_recv() {
            if matches!(s.event, VenueEvent::Order(_)) {
                self.on_event(s)?;
            }
        }
        // Orders whose answer never came (given up above): what the venue
        // says of them is journaled now rather than left to the next session.
        match tokio::time::timeout(DRAIN, self.settle(|t| !t.acked)).await {
            Ok(settled) => settled?,
            Err(_) => tracing::warn!(
                "shutdown: some orders could not be looked up; the next session reconciles them"
            ),
        }
        Ok(())
    }

    /// Closes the journal and completes the report.
    fn close(
        mut self,
        started: Instant,
        stopped_by: String,
        lost: Option<String>,
    ) -> Result<LiveReport, LiveError> {
        self.refresh_metrics();
        let stats = self.venue.stats();
        let equity = self.seq.engine().portfolio().equity();
        self.report.latency = Some(self.latency.report());
        let Live {
            seq,
            mut report,
            fault,
            ..
        } = self;
        report.equity = equity;
        let (_, journal) = seq.into_parts();
        report.records = journal.next_seq();
        report.head_hash = journal.close()?.head_hash;
        report.reconnects = stats.reconnects.load(std::sync::atomic::Ordering::Relaxed);
        report.elapsed_secs = started.elapsed().as_secs_f64();
        report.stopped_by = stopped_by;
        if let Some(reason) = fault {
            return Err(LiveError::Strategy {
                reason,
                records: report.records,
            });
        }
        if let Some(reason) = lost {
            return Err(LiveError::StreamLost {
                reason,
                records: report.records,
            });
        }
        Ok(report)
    }
}

/// The venue a plan names: the exchange itself, or in paper mode its
/// market data against the simulated exchange.
fn open_venue(plan: &LivePlan) -> Result<Arc<dyn Venue>, LiveError> {
    let exchange = plan.venue.open(plan.exchange.clone())?;
    Ok(match plan.mode {
        Mode::Paper => Arc::new(PaperVenue::new(
            exchange,
            plan.session.sim,
            plan.exchange.symbols.len(),
        )),
        Mode::Testnet | Mode::Production => exchange,
    })
}

impl Live {
    /// Looks up every order the journal holds as working and journals
    /// what became of it (resumed sessions).
    async fn settle_open_orders(&mut self) -> Result<(), LiveError> {
        self.settle(|_| true).await
    }

    /// Looks up the working orders `pick` selects and journals what the
    /// venue says of each.
    async fn settle(
        &mut self,
        pick: impl Fn(&crate::orders::Tracked) -> bool,
    ) -> Result<(), LiveError> {
        let open: Vec<(u64, u32)> = self
            .tracker
            .open()
            .filter(|(_, t)| pick(t))
            .map(|(id, t)| (id, t.instrument))
            .collect();
        for (id, instrument) in open {
            let symbol = self.symbols[instrument as usize].clone();
            let cid = client_order_id(&self.tag, id);
            for s in lookup(self.venue.clone(), symbol, cid).await {
                self.on_event(s)?;
            }
        }
        Ok(())
    }

    /// Journals the venue's state against the journal's as a `Reconcile`
    /// input and logs each difference.
    fn reconcile(
        &mut self,
        first: Option<&Reconcile>,
        balances: Vec<axon_adapters::exchange::venue::Balance>,
        open: Vec<axon_adapters::exchange::venue::VenueOrder>,
    ) -> Result<(), LiveError> {
        let positions: Vec<f64> = (0..self.symbols.len() as u32)
            .map(|i| self.seq.engine().portfolio().position(i))
            .collect();
        let rec = crate::reconcile::reconcile(
            self.report.venue,
            &self.symbols,
            &crate::reconcile::Journaled {
                tag: &self.tag,
                tracker: &self.tracker,
                positions: &positions,
                first,
            },
            balances,
            open,
        );
        for d in &rec.differences {
            tracing::warn!(difference = %d, "reconciliation");
        }
        self.report.differences = rec.differences.clone();
        let t = self.time(now_ns());
        self.submit(t, Input::Reconcile(rec))
    }

    /// Event time: the receive time, never before the previous input.
    fn time(&mut self, recv_ns: i64) -> i64 {
        self.last_time = self.last_time.max(recv_ns);
        self.last_time
    }

    fn on_event(&mut self, s: Stamped) -> Result<(), LiveError> {
        let t = self.time(s.recv_ns);
        match s.event {
            VenueEvent::Tick(tick) => {
                if self.stopping {
                    return Ok(());
                }
                self.latency.dequeued(s.recv_ns);
                if let Some(m) = &self.collector {
                    m.record_market_data_received(self.report.venue, t as f64 / 1e9);
                }
                self.tick(s.recv_ns, t, tick)?;
            }
            VenueEvent::Order(u) => {
                for input in self.tracker.inputs(&u) {
                    self.submit(t, input)?;
                }
            }
            VenueEvent::StreamUp { stream, reconnect } => {
                tracing::info!(stream, reconnect, "stream up");
                self.streams_up.insert(stream, true);
                if let Some(m) = &self.collector {
                    m.set_exchange_connected(
                        self.report.venue,
                        self.streams_up.values().all(|up| *up),
                    );
                    if reconnect {
                        m.record_reconnect(self.report.venue);
                    }
                }
                // Updates may have been missed while the stream was down.
                if reconnect && stream == "user" {
                    let open: Vec<u64> = self.tracker.open().map(|(id, _)| id).collect();
                    for id in open {
                        self.spawn_lookup(id, Duration::ZERO);
                    }
                }
            }
            VenueEvent::StreamDown { stream, reason } => {
                tracing::warn!(stream, %reason, "stream down");
                self.streams_up.insert(stream, false);
                if let Some(m) = &self.collector {
                    m.set_exchange_connected(self.report.venue, false);
                }
            }
            VenueEvent::StreamLost { .. } => {}
        }
        Ok(())
    }

    fn tick(&mut self, recv_ns: i64, t: i64, tick: Tick) -> Result<(), LiveError> {
        self.report.ticks += 1;
        // A venue that fills in step (paper) fills what is due before the
        // tick, as in a backtest, each fill stepped before the next is
        // asked for (it sizes from the portfolio).
        while let Some(ev) = self.venue.before_tick(&tick, self.seq.engine().portfolio()) {
            self.submit(t, ev)?;
        }
        self.stamp = Some(recv_ns);
        self.submit(t, Input::Tick(tick))?;
        self.venue.after_tick(&tick);
        while let Some(ev) = self.venue.immediate(self.seq.engine().portfolio()) {
            self.submit(t, ev)?;
        }
        Ok(())
    }

    fn count(&mut self, input: &Input) {
        match input {
            Input::Fill(_) => self.report.fills += 1,
            Input::Reject(_) => self.report.rejects += 1,
            _ => {}
        }
        self.report.orders += self
            .seq
            .outputs()
            .iter()
            .filter(|o| matches!(o, Output::OrderSubmitted(_)))
            .count() as u64;
    }

    /// The sequence number of the input just stepped (its outputs follow it).
    fn last_input_seq(&self) -> u64 {
        self.seq.log().next_seq() - 1 - self.seq.outputs().len() as u64
    }

    /// Journals and steps one input, then hands the engine's orders and
    /// cancels to the venue: booked in step, or sent by request.
    fn submit(&mut self, t: i64, input: Input) -> Result<(), LiveError> {
        // Only the tick itself is timed, not the inputs its outputs cause.
        let stamp = self.stamp.take();
        match stamp {
            Some(recv_ns) => {
                let mut journaled = 0;
                self.seq.submit_marked(t, &input, || journaled = now_ns())?;
                self.latency.tick(recv_ns, journaled);
            }
            None => {
                self.seq.submit(t, &input)?;
            }
        }
        if let Some(r) = &self.replication {
            r.written(self.seq.log().next_seq());
        }
        if self.fault.is_none()
            && let Some(why) = self.seq.engine().strategy_fault()
        {
            self.fault = Some(format!("{why} (at seq {})", self.last_input_seq()));
        }
        self.count(&input);
        if let Some(m) = &mut self.metrics {
            m.observe(t, &input, &self.seq);
        }
        if self.venue.take_outputs(self.seq.outputs()) {
            return Ok(());
        }
        // Most inputs (ticks) send nothing: copy the outputs only when they do.
        let sends = |o: &Output| matches!(o, Output::OrderSubmitted(_) | Output::CancelRequest(_));
        if !self.seq.outputs().iter().any(sends) {
            return Ok(());
        }
        let outputs = self.seq.outputs().to_vec();
        let mut refused = Vec::new();
        for o in outputs {
            match o {
                Output::OrderSubmitted(s) => {
                    let intent = s.order;
                    self.tracker
                        .submitted(intent.client_id, intent.instrument, intent.side);
                    if self.stopping {
                        refused.push((intent.client_id, "session stopping: not sent".to_string()));
                        continue;
                    }
                    match venue_order(&intent, &self.symbols, &self.tag) {
                        Ok(order) => {
                            let clock = stamp.map(|r| self.latency.order_clock(r));
                            self.spawn_place(order, clock);
                        }
                        Err(reason) => refused.push((intent.client_id, reason)),
                    }
                }
                Output::CancelRequest(c) => self.spawn_cancel(c.client_id),
                _ => {}
            }
        }
        for (client_id, reason) in refused {
            let u = OrderUpdate {
                client_order_id: client_order_id(&self.tag, client_id),
                venue_order_id: String::new(),
                kind: UpdateKind::Rejected(reason),
            };
            for input in self.tracker.inputs(&u) {
                self.submit(t, input)?;
            }
        }
        Ok(())
    }

    fn refresh_metrics(&mut self) {
        if let Some(m) = &mut self.metrics {
            m.refresh(&self.seq);
        }
        if let Some(c) = &self.collector {
            c.set_rate_limit_headroom(self.report.venue, self.venue.stats().headroom());
            if let Some(r) = &self.replication {
                let lag = r.lag();
                c.set_replication_lag(lag.records, lag.seconds);
            }
        }
    }
}
