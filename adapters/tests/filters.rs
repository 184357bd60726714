//! Binance symbol filters applied before an order leaves: snapping to tick
//! and step sizes in the safe direction, and local rejections that name the
//! filter. The exchangeInfo excerpt has the shape and BTCUSDT values of
//! Binance's documented response.

use std::str::FromStr;

use axon_adapters::exchange::filters::{FilterError, Side, SymbolFilters};
use rust_decimal::Decimal;
use serde_json::json;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn btcusdt() -> SymbolFilters {
    let info = json!({
        "timezone": "UTC",
        "symbols": [{
            "symbol": "BTCUSDT",
            "status": "TRADING",
            "baseAsset": "BTC",
            "quoteAsset": "USDT",
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
                {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
                {"filterType": "ICEBERG_PARTS", "limit": 10},
                {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00000000", "maxQty": "83.39873020", "stepSize": "0.00000000"},
                {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": true, "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5}
            ]
        }]
    });
    SymbolFilters::from_exchange_info(&info, "BTCUSDT").unwrap()
}

#[test]
fn prices_and_quantities_snap_in_the_safe_direction() {
    let f = btcusdt();
    let buy = f
        .apply(Side::Buy, Some(d("50000.129")), d("0.0012345"), d("50000"))
        .unwrap();
    assert_eq!(buy.price, Some(d("50000.12")), "a buy never pays more");
    assert_eq!(buy.quantity, d("0.00123"), "never more than asked");
    let sell = f
        .apply(Side::Sell, Some(d("50000.121")), d("0.0012399"), d("50000"))
        .unwrap();
    assert_eq!(sell.price, Some(d("50000.13")), "a sell never sells lower");
    assert_eq!(sell.quantity, d("0.00123"));
    // Exact decimals: already on the grid stays put.
    let on_grid = f
        .apply(Side::Buy, Some(d("0.30")), d("100"), d("0.3"))
        .unwrap();
    assert_eq!(on_grid.price, Some(d("0.3")));
}

#[test]
fn orders_the_venue_would_refuse_are_rejected_locally_naming_the_filter() {
    let f = btcusdt();
    let named = |r: Result<_, FilterError>| match r {
        Err(FilterError::Rejected { filter, detail, .. }) => format!("{filter}: {detail}"),
        other => panic!("{other:?}"),
    };
    let e = named(f.apply(Side::Buy, Some(d("50000")), d("0.000001"), d("50000")));
    assert!(e.starts_with("LOT_SIZE") && e.contains("0.000001"), "{e}");
    let e = named(f.apply(Side::Buy, Some(d("50000")), d("0.00005"), d("50000")));
    assert!(
        e.starts_with("NOTIONAL") && e.contains("below the minimum 5"),
        "{e}"
    );
    let e = named(f.apply(Side::Sell, Some(d("2000000")), d("1"), d("50000")));
    assert!(e.starts_with("PRICE_FILTER"), "{e}");
    let e = named(f.apply(Side::Buy, Some(d("10")), d("10000"), d("10")));
    assert!(e.starts_with("LOT_SIZE") && e.contains("9000"), "{e}");
    // Market orders: LOT_SIZE's step, then MARKET_LOT_SIZE's bounds.
    let e = named(f.apply(Side::Buy, None, d("200.123456"), d("50000")));
    assert!(
        e.starts_with("MARKET_LOT_SIZE") && e.contains("83.3987302"),
        "{e}"
    );
    let m = f
        .apply(Side::Buy, None, d("1.2345678"), d("50000"))
        .unwrap();
    assert_eq!((m.price, m.quantity), (None, d("1.23456")));
    // The notional minimum applies to market orders (priced at the
    // reference), the maximum does not (applyMaxToMarket = false).
    let e = named(f.apply(Side::Sell, None, d("0.00005"), d("50000")));
    assert!(e.starts_with("NOTIONAL"), "{e}");
}

#[test]
fn unknown_symbols_and_malformed_info_are_errors() {
    let info = json!({"symbols": [{"symbol": "ETHUSDT", "filters": [{"filterType": "PRICE_FILTER", "minPrice": "x", "maxPrice": "1", "tickSize": "0.01"}]}]});
    assert_eq!(
        SymbolFilters::from_exchange_info(&info, "BTCUSDT").unwrap_err(),
        FilterError::UnknownSymbol("BTCUSDT".into())
    );
    let e = SymbolFilters::from_exchange_info(&info, "ETHUSDT")
        .unwrap_err()
        .to_string();
    assert!(e.contains("PRICE_FILTER.minPrice"), "{e}");
    assert!(SymbolFilters::from_exchange_info(&json!({}), "BTCUSDT").is_err());
}

#[test]
fn quantity_step_is_the_lot_step_or_the_coarser_market_one() {
    let f = btcusdt();
    // MARKET_LOT_SIZE's zero step means none of its own.
    assert_eq!(f.quantity_step(true), d("0.00001"));
    assert_eq!(f.quantity_step(false), d("0.00001"));
    let okx = SymbolFilters::from_steps("BTC-USDT", d("0.1"), d("0.0001"), d("0.001"));
    assert_eq!(okx.quantity_step(true), d("0.0001"));
    assert_eq!(SymbolFilters::default().quantity_step(true), Decimal::ZERO);
}
