//! Binance `exchangeInfo` symbol filters, applied before an order leaves:
//! prices snapped to `PRICE_FILTER.tickSize`, quantities to
//! `LOT_SIZE.stepSize` (or `MARKET_LOT_SIZE` for market orders), then
//! bounds and notional checked, so the venue never sees an order it would
//! reject for them. Decimal arithmetic, so 0.1 + 0.2 is 0.3.
//!
//! Rounding never makes an order more aggressive or larger: a buy price
//! rounds down, a sell price up, a quantity down.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::Value;
use thiserror::Error;

/// Why an order cannot be sent as it is.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FilterError {
    /// The symbol is not in exchangeInfo.
    #[error("{0}: not in exchangeInfo")]
    UnknownSymbol(String),
    /// exchangeInfo is not what Binance sends.
    #[error("exchangeInfo: {0}")]
    Malformed(String),
    /// A filter refuses the order; names the filter and the bound.
    #[error("{symbol}: {filter}: {detail}")]
    Rejected {
        /// Symbol.
        symbol: String,
        /// The filter, as Binance names it (`PRICE_FILTER`, `LOT_SIZE`, ...).
        filter: &'static str,
        /// The value and the bound it breaks.
        detail: String,
    },
}

/// A side, for the rounding direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Buy: prices round down.
    Buy,
    /// Sell: prices round up.
    Sell,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Range {
    min: Decimal,
    max: Decimal,
    step: Decimal,
}

/// One symbol's filters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SymbolFilters {
    /// Symbol.
    pub symbol: String,
    price: Option<Range>,
    lot: Option<Range>,
    market_lot: Option<Range>,
    min_notional: Option<(Decimal, bool)>,
    max_notional: Option<(Decimal, bool)>,
}

/// An order after the filters: what to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Price (None for market orders).
    pub price: Option<Decimal>,
    /// Quantity.
    pub quantity: Decimal,
}

fn dec(v: &Value, key: &str, filter: &str) -> Result<Decimal, FilterError> {
    let s = v[key]
        .as_str()
        .ok_or_else(|| FilterError::Malformed(format!("{filter} lacks {key}")))?;
    Decimal::from_str(s)
        .map_err(|_| FilterError::Malformed(format!("{filter}.{key} = {s:?} is not a decimal")))
}

fn snap(v: Decimal, min: Decimal, step: Decimal, strategy: RoundingStrategy) -> Decimal {
    if step.is_zero() {
        return v;
    }
    let steps = ((v - min) / step).round_dp_with_strategy(0, strategy);
    (min + steps * step).normalize()
}

impl SymbolFilters {
    /// The filters of `symbol` from an exchangeInfo response.
    pub fn from_exchange_info(info: &Value, symbol: &str) -> Result<Self, FilterError> {
        let symbols = info["symbols"]
            .as_array()
            .ok_or_else(|| FilterError::Malformed("no symbols array".into()))?;
        let s = symbols
            .iter()
            .find(|s| s["symbol"] == symbol)
            .ok_or_else(|| FilterError::UnknownSymbol(symbol.into()))?;
        let mut out = Self {
            symbol: symbol.into(),
            ..Self::default()
        };
        for f in s["filters"].as_array().into_iter().flatten() {
            let range =
                |min: &str, max: &str, step: &str, name: &str| -> Result<Range, FilterError> {
                    Ok(Range {
                        min: dec(f, min, name)?,
                        max: dec(f, max, name)?,
                        step: dec(f, step, name)?,
                    })
                };
            match f["filterType"].as_str() {
                Some("PRICE_FILTER") => {
                    out.price = Some(range("minPrice", "maxPrice", "tickSize", "PRICE_FILTER")?)
                }
                Some("LOT_SIZE") => {
                    out.lot = Some(range("minQty", "maxQty", "stepSize", "LOT_SIZE")?)
                }
                Some("MARKET_LOT_SIZE") => {
                    out.market_lot = Some(range("minQty", "maxQty", "stepSize", "MARKET_LOT_SIZE")?)
                }
                Some("NOTIONAL") => {
                    out.min_notional = Some((
                        dec(f, "minNotional", "NOTIONAL")?,
                        f["applyMinToMarket"].as_bool().unwrap_or(true),
                    ));
                    out.max_notional = Some((
                        dec(f, "maxNotional", "NOTIONAL")?,
                        f["applyMaxToMarket"].as_bool().unwrap_or(true),
                    ));
                }
                Some("MIN_NOTIONAL") => {
                    out.min_notional = Some((
                        dec(f, "minNotional", "MIN_NOTIONAL")?,
                        f["applyToMarket"].as_bool().unwrap_or(true),
                    ));
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Filters from a tick size, a lot size and a minimum quantity (OKX
    /// `tickSz`, `lotSz`, `minSz`), checked as Binance's PRICE_FILTER and
    /// LOT_SIZE with no upper bounds.
    pub fn from_steps(symbol: &str, tick: Decimal, lot: Decimal, min_qty: Decimal) -> Self {
        Self {
            symbol: symbol.into(),
            price: Some(Range {
                min: tick,
                max: Decimal::ZERO,
                step: tick,
            }),
            lot: Some(Range {
                min: min_qty,
                max: Decimal::ZERO,
                step: lot,
            }),
            ..Self::default()
        }
    }

    /// The step quantities are floored to: `LOT_SIZE`'s, or for a market
    /// order the coarser of it and `MARKET_LOT_SIZE`'s (zero: no step).
    pub fn quantity_step(&self, market: bool) -> Decimal {
        let lot = self.lot.map_or(Decimal::ZERO, |f| f.step);
        let market_lot = self
            .market_lot
            .filter(|_| market)
            .map_or(Decimal::ZERO, |f| f.step);
        lot.max(market_lot)
    }

    fn reject(&self, filter: &'static str, detail: String) -> FilterError {
        FilterError::Rejected {
            symbol: self.symbol.clone(),
            filter,
            detail,
        }
    }

    /// A stop's trigger price on the `PRICE_FILTER` grid, rounded so that
    /// it never fires before the price asked for: up for a buy, down for
    /// a sell; or why it is outside the filter.
    pub fn trigger(&self, side: Side, stop: Decimal) -> Result<Decimal, FilterError> {
        let Some(f) = self.price else {
            return Ok(stop);
        };
        let strategy = match side {
            Side::Buy => RoundingStrategy::ToPositiveInfinity,
            Side::Sell => RoundingStrategy::ToNegativeInfinity,
        };
        let p = snap(stop, f.min, f.step, strategy);
        if p < f.min || (!f.max.is_zero() && p > f.max) {
            return Err(self.reject(
                "PRICE_FILTER",
                format!("stop price {p} outside [{}, {}]", f.min, f.max),
            ));
        }
        Ok(p)
    }

    /// Snaps and checks an order. `price` is the limit price (None for a
    /// market order); `reference_price` prices a market order's notional.
    pub fn apply(
        &self,
        side: Side,
        price: Option<Decimal>,
        quantity: Decimal,
        reference_price: Decimal,
    ) -> Result<Checked, FilterError> {
        let price = match (price, self.price) {
            (Some(p), Some(f)) => {
                let strategy = match side {
                    Side::Buy => RoundingStrategy::ToNegativeInfinity,
                    Side::Sell => RoundingStrategy::ToPositiveInfinity,
                };
                let p = snap(p, f.min, f.step, strategy);
                if p < f.min || (!f.max.is_zero() && p > f.max) {
                    return Err(self.reject(
                        "PRICE_FILTER",
                        format!("price {p} outside [{}, {}]", f.min, f.max),
                    ));
                }
                Some(p)
            }
            (p, _) => p,
        };
        let market = price.is_none();
        // LOT_SIZE applies to every order; MARKET_LOT_SIZE also to market
        // orders (a zero step there means no step of its own).
        let mut quantity = quantity;
        let mut lots = vec![("LOT_SIZE", self.lot)];
        if market {
            lots.push(("MARKET_LOT_SIZE", self.market_lot));
        }
        for (name, f) in lots {
            let Some(f) = f else { continue };
            let q = snap(
                quantity,
                f.min,
                f.step,
                RoundingStrategy::ToNegativeInfinity,
            );
            if q < f.min || (!f.max.is_zero() && q > f.max) || q <= Decimal::ZERO {
                return Err(self.reject(
                    name,
                    format!(
                        "quantity {quantity} rounds to {q}, outside [{}, {}] step {}",
                        f.min.normalize(),
                        f.max.normalize(),
                        f.step.normalize()
                    ),
                ));
            }
            quantity = q;
        }
        let notional = price.unwrap_or(reference_price) * quantity;
        if let Some((min, applies)) = self.min_notional
            && (!market || applies)
            && notional < min
        {
            return Err(self.reject(
                "NOTIONAL",
                format!("notional {notional} below the minimum {min}"),
            ));
        }
        if let Some((max, applies)) = self.max_notional
            && (!market || applies)
            && !max.is_zero()
            && notional > max
        {
            return Err(self.reject(
                "NOTIONAL",
                format!("notional {notional} above the maximum {max}"),
            ));
        }
        Ok(Checked { price, quantity })
    }
}
