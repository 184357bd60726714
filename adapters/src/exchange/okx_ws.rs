//! OKX public channels to engine inputs: `tickers` (last price, best bid
//! and ask with sizes), `bbo-tbt` (best bid and offer, tick by tick) and
//! `trades` (last price and size) become `Tick`s for the instrument. Subscription acks, logins and notices
//! are not market data (None); anything else is an error.

use axon_engine::market::Tick;
use serde::Deserialize;

use crate::exchange::binance_ws::DecodeError;
use crate::exchange::books::{Books, num};

#[derive(Deserialize)]
struct Arg<'a> {
    channel: &'a str,
    #[serde(rename = "instId")]
    inst_id: Option<&'a str>,
}

#[derive(Deserialize)]
struct Push<'a> {
    #[serde(borrow)]
    arg: Option<Arg<'a>>,
    #[serde(borrow, default)]
    data: Vec<Row<'a>>,
    event: Option<&'a str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Row<'a> {
    last: Option<&'a str>,
    #[serde(rename = "lastSz")]
    last_sz: Option<&'a str>,
    #[serde(rename = "askPx")]
    ask_px: Option<&'a str>,
    #[serde(rename = "askSz")]
    ask_sz: Option<&'a str>,
    #[serde(rename = "bidPx")]
    bid_px: Option<&'a str>,
    #[serde(rename = "bidSz")]
    bid_sz: Option<&'a str>,
    #[serde(borrow)]
    asks: Vec<Vec<&'a str>>,
    #[serde(borrow)]
    bids: Vec<Vec<&'a str>>,
    px: Option<&'a str>,
    sz: Option<&'a str>,
}

/// Turns OKX pushes into ticks, keeping each instrument's last state.
#[derive(Debug, Default)]
pub struct OkxDecoder {
    books: Books,
}

impl OkxDecoder {
    /// A decoder for these instruments (`BTC-USDT`), ids in order.
    pub fn new(inst_ids: &[&str]) -> Self {
        Self {
            books: Books::new(inst_ids),
        }
    }

    /// The tick a push makes (the last row of `data`), or None for events
    /// and instruments not traded here.
    pub fn decode(&mut self, msg: &str) -> Result<Option<Tick>, DecodeError> {
        if msg == "pong" {
            return Ok(None);
        }
        let push: Push<'_> =
            serde_json::from_str(msg).map_err(|e| DecodeError::Unknown(e.to_string()))?;
        if push.event.is_some() {
            return Ok(None);
        }
        let Some(arg) = push.arg else {
            return Err(DecodeError::Unknown("no arg and no event".into()));
        };
        let Some(row) = push.data.last() else {
            return Ok(None);
        };
        let Some(t) = arg.inst_id.and_then(|i| self.books.get_mut(i)) else {
            return Ok(None);
        };
        match arg.channel {
            "tickers" => {
                let field = |v: Option<&str>, name| v.map(|s| num(name, s)).transpose();
                if let Some(v) = field(row.last, "last")? {
                    t.last = v;
                }
                t.volume = field(row.last_sz, "lastSz")?.unwrap_or(0.0);
                if let Some(v) = field(row.bid_px, "bidPx")? {
                    t.bid = v;
                }
                if let Some(v) = field(row.bid_sz, "bidSz")? {
                    t.bid_size = v;
                }
                if let Some(v) = field(row.ask_px, "askPx")? {
                    t.ask = v;
                }
                if let Some(v) = field(row.ask_sz, "askSz")? {
                    t.ask_size = v;
                }
            }
            "bbo-tbt" => {
                // Levels are [price, size, deprecated, orders].
                if let Some(b) = row.bids.first().filter(|l| l.len() >= 2) {
                    t.bid = num("bids[0][0]", b[0])?;
                    t.bid_size = num("bids[0][1]", b[1])?;
                }
                if let Some(a) = row.asks.first().filter(|l| l.len() >= 2) {
                    t.ask = num("asks[0][0]", a[0])?;
                    t.ask_size = num("asks[0][1]", a[1])?;
                }
                t.volume = 0.0;
            }
            "trades" => {
                let px = row
                    .px
                    .ok_or_else(|| DecodeError::Unknown("trades row without px".into()))?;
                t.last = num("px", px)?;
                // A push may carry several trades: the volume is their sum.
                t.volume = push
                    .data
                    .iter()
                    .map(|r| r.sz.map_or(Ok(0.0), |s| num("sz", s)))
                    .sum::<Result<f64, _>>()?;
            }
            other => return Err(DecodeError::Unknown(format!("channel {other:?}"))),
        }
        Ok(Some(*t))
    }
}
