//! Binance market streams to engine inputs: `bookTicker` updates the best
//! bid and ask, `aggTrade` the last price and volume; either yields a
//! `Tick` for the symbol's instrument. Raw and combined-stream
//! (`{"stream": ..., "data": ...}`) messages are both accepted. Fields are
//! borrowed from the message; nothing is allocated per message.

use axon_engine::market::Tick;
use serde::Deserialize;

use crate::exchange::books::{Books, num};
use thiserror::Error;

/// A message that is not a market update we can use.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// Not JSON of a known stream.
    #[error("not a bookTicker or aggTrade message: {0}")]
    Unknown(String),
    /// A number field that does not parse.
    #[error("field {field}: {value:?} is not a number")]
    Number {
        /// Field.
        field: &'static str,
        /// Its text.
        value: String,
    },
}

#[derive(Deserialize)]
struct BookTicker<'a> {
    s: &'a str,
    b: &'a str,
    #[serde(rename = "B")]
    bq: &'a str,
    a: &'a str,
    #[serde(rename = "A")]
    aq: &'a str,
}

#[derive(Deserialize)]
struct AggTrade<'a> {
    s: &'a str,
    p: &'a str,
    q: &'a str,
}

enum Data<'a> {
    Book(BookTicker<'a>),
    Trade(AggTrade<'a>),
}

#[derive(Deserialize)]
struct Combined<'a> {
    #[serde(borrow)]
    data: &'a serde_json::value::RawValue,
}

/// `aggTrade` messages say so in `e`; the individual-symbol `bookTicker`
/// stream has no event type.
fn parse(msg: &str) -> Result<Data<'_>, serde_json::Error> {
    if msg.contains("\"e\":\"aggTrade\"") {
        serde_json::from_str(msg).map(Data::Trade)
    } else {
        serde_json::from_str(msg).map(Data::Book)
    }
}

/// Turns stream messages into ticks, keeping each symbol's last book and
/// trade so every tick is complete.
#[derive(Debug, Default)]
pub struct BinanceDecoder {
    books: Books,
}

impl BinanceDecoder {
    /// A decoder for these symbols (`BTCUSDT`), instrument ids in order.
    pub fn new(symbols: &[&str]) -> Self {
        Self {
            books: Books::new(symbols),
        }
    }

    /// The tick a message makes, or None for a symbol not traded here.
    pub fn decode(&mut self, msg: &str) -> Result<Option<Tick>, DecodeError> {
        let unknown = |e: serde_json::Error| DecodeError::Unknown(e.to_string());
        let combined;
        let inner = if msg.contains("\"stream\"") {
            combined = serde_json::from_str::<Combined<'_>>(msg).map_err(unknown)?;
            combined.data.get()
        } else {
            msg
        };
        let data = parse(inner).map_err(unknown)?;
        let symbol = match &data {
            Data::Book(b) => b.s,
            Data::Trade(t) => t.s,
        };
        let Some(t) = self.books.get_mut(symbol) else {
            return Ok(None);
        };
        match data {
            Data::Book(b) => {
                t.bid = num("b", b.b)?;
                t.bid_size = num("B", b.bq)?;
                t.ask = num("a", b.a)?;
                t.ask_size = num("A", b.aq)?;
                t.volume = 0.0;
            }
            Data::Trade(tr) => {
                t.last = num("p", tr.p)?;
                t.volume = num("q", tr.q)?;
            }
        }
        Ok(Some(*t))
    }
}
