//! ccxt's static request fixtures for Binance and OKX spot
//! (tests/fixtures/*_request_spot.json): the requests our builders make for
//! the same orders carry the same parameters, keys in `skipKeys` aside.
//! Where ccxt calls the batch endpoint for one order (OKX), the order
//! object is compared. ccxt's conventions are mapped onto our `Order`: a
//! market buy given a price is a buy by quote amount (amount × price), and
//! `postOnly` is a maker-only limit order; prices and quantities go through
//! the symbol filters first (LTC/USDT: tick 0.01, step 0.001).

use std::collections::BTreeMap;
use std::str::FromStr;

use axon_adapters::exchange::filters::{self, SymbolFilters};
use axon_adapters::exchange::request::{
    Order, OrderType, Side, binance_cancel_all, binance_cancel_order, binance_new_order,
    okx_cancel_order, okx_open_orders, okx_order_object, okx_query_order,
};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn dec(v: &Value) -> Decimal {
    Decimal::from_str(&v.to_string()).unwrap()
}

fn skip(f: &Value) -> Vec<String> {
    serde_json::from_value(f["skipKeys"].clone()).unwrap()
}

fn query(s: &str) -> BTreeMap<String, String> {
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn without(mut m: BTreeMap<String, String>, keys: &[String]) -> BTreeMap<String, String> {
    m.retain(|k, _| !keys.contains(k));
    m
}

/// Tick 0.01 and step 0.001, as exchangeInfo has them for these symbols.
fn filters_for(symbol: &str) -> SymbolFilters {
    let info = json!({"symbols": [{"symbol": symbol.replace('/', ""), "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.01", "maxPrice": "100000", "tickSize": "0.01"},
        {"filterType": "LOT_SIZE", "minQty": "0.001", "maxQty": "90000", "stepSize": "0.001"}
    ]}]});
    SymbolFilters::from_exchange_info(&info, &symbol.replace('/', "")).unwrap()
}

/// ccxt's `createOrder(symbol, type, side, amount, price?, params?)`.
fn order_from_ccxt(input: &[Value]) -> Order {
    let symbol = input[0].as_str().unwrap().to_string();
    let kind = input[1].as_str().unwrap();
    let side = if input[2] == "buy" {
        Side::Buy
    } else {
        Side::Sell
    };
    let amount = dec(&input[3]);
    let price = input.get(4).filter(|p| p.is_number()).map(dec);
    let params = input.get(5).cloned().unwrap_or(Value::Null);
    let mut o = Order {
        symbol,
        side,
        order_type: OrderType::Limit,
        price,
        quantity: amount,
        stop_price: None,
        by_quote: false,
        client_order_id: "axtest".into(),
        self_trade_prevention: params["selfTradePrevention"].as_str().map(str::to_string),
        iceberg_quantity: params.get("icebergAmount").map(dec),
    };
    if kind == "market" {
        o.order_type = OrderType::Market;
        if let (Side::Buy, Some(p)) = (side, price) {
            o.by_quote = true;
            o.quantity = amount * p;
        }
        o.price = None;
    } else if params["postOnly"] == true {
        o.order_type = OrderType::LimitMaker;
    }
    o
}

/// ccxt's `createMarketBuyOrderWithCost(symbol, cost)`.
fn market_buy_with_cost(input: &[Value]) -> Order {
    Order {
        symbol: input[0].as_str().unwrap().into(),
        side: Side::Buy,
        order_type: OrderType::Market,
        price: None,
        quantity: dec(&input[1]),
        stop_price: None,
        by_quote: true,
        client_order_id: "axtest".into(),
        self_trade_prevention: None,
        iceberg_quantity: None,
    }
}

fn filtered(mut o: Order) -> Order {
    if o.by_quote {
        return o;
    }
    let side = if o.side == Side::Buy {
        filters::Side::Buy
    } else {
        filters::Side::Sell
    };
    let reference = o.price.unwrap_or(Decimal::ONE_HUNDRED);
    let c = filters_for(&o.symbol)
        .apply(side, o.price, o.quantity, reference)
        .unwrap();
    o.price = c.price;
    o.quantity = c.quantity;
    o
}

#[test]
fn binance_orders_match_ccxt() {
    let f = fixture("binance_request_spot.json");
    let skip = skip(&f);
    let mut compared = 0;
    for case in f["methods"]["createOrder"].as_array().unwrap() {
        let input = case["input"].as_array().unwrap();
        let req = binance_new_order(&filtered(order_from_ccxt(input)));
        assert_eq!((req.method, req.path), ("POST", "/api/v3/order"));
        assert!(case["url"].as_str().unwrap().ends_with(req.path));
        let ours = without(req.params.into_iter().collect(), &skip);
        let theirs = without(query(case["output"].as_str().unwrap()), &skip);
        assert_eq!(ours, theirs, "{}", case["description"]);
        compared += 1;
    }
    for case in f["methods"]["createMarketBuyOrderWithCost"]
        .as_array()
        .unwrap()
    {
        let input = case["input"].as_array().unwrap();
        let o = market_buy_with_cost(input);
        let ours = without(binance_new_order(&o).params.into_iter().collect(), &skip);
        assert_eq!(
            ours,
            without(query(case["output"].as_str().unwrap()), &skip),
            "{}",
            case["description"]
        );
        compared += 1;
    }
    for (method, build) in [
        (
            "cancelOrder",
            &(|i: &[Value]| binance_cancel_order(i[1].as_str().unwrap(), i[0].as_str().unwrap()))
                as &dyn Fn(&[Value]) -> _,
        ),
        ("cancelAllOrders", &|i: &[Value]| {
            binance_cancel_all(i[0].as_str().unwrap())
        }),
    ] {
        for case in f["methods"][method].as_array().unwrap() {
            let req = build(case["input"].as_array().unwrap());
            let url = case["url"].as_str().unwrap();
            let (path, q) = url.split_once('?').unwrap();
            assert!(path.ends_with(req.path), "{url}");
            assert_eq!(req.method, "DELETE");
            assert_eq!(
                without(req.params.into_iter().collect(), &skip),
                without(query(q), &skip),
                "{method}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 8, "every spot fixture");
}

fn object_without(v: &Value, keys: &[String]) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.as_object_mut() {
        m.retain(|k, _| !keys.contains(k));
    }
    v
}

#[test]
fn okx_orders_match_ccxt() {
    let f = fixture("okx_request_spot.json");
    let skip = skip(&f);
    let mut compared = 0;
    for case in f["methods"]["createOrder"].as_array().unwrap() {
        let o = order_from_ccxt(case["input"].as_array().unwrap());
        let theirs: Value = serde_json::from_str(case["output"].as_str().unwrap()).unwrap();
        assert_eq!(
            object_without(&okx_order_object(&o), &skip),
            object_without(&theirs[0], &skip),
            "{}",
            case["description"]
        );
        compared += 1;
    }
    for case in f["methods"]["createMarketBuyOrderWithCost"]
        .as_array()
        .unwrap()
    {
        let input = case["input"].as_array().unwrap();
        let o = market_buy_with_cost(input);
        let theirs: Value = serde_json::from_str(case["output"].as_str().unwrap()).unwrap();
        assert_eq!(
            object_without(&okx_order_object(&o), &skip),
            object_without(&theirs[0], &skip)
        );
        compared += 1;
    }
    let get = |method: &str| f["methods"][method].as_array().unwrap().clone();
    for case in get("fetchOrder") {
        let i = case["input"].as_array().unwrap();
        let req = okx_query_order(i[1].as_str().unwrap(), i[0].as_str().unwrap());
        let (path, q) = case["url"].as_str().unwrap().split_once('?').unwrap();
        assert!(path.ends_with(req.path));
        assert_eq!(req.params.into_iter().collect::<BTreeMap<_, _>>(), query(q));
        compared += 1;
    }
    for case in get("fetchOpenOrders") {
        let i = case["input"].as_array().unwrap();
        let req = okx_open_orders(i[0].as_str().unwrap());
        let (path, q) = case["url"].as_str().unwrap().split_once('?').unwrap();
        assert!(path.ends_with(req.path));
        assert_eq!(req.params.into_iter().collect::<BTreeMap<_, _>>(), query(q));
        compared += 1;
    }
    for case in get("cancelOrder") {
        let i = case["input"].as_array().unwrap();
        let req = okx_cancel_order(i[1].as_str().unwrap(), i[0].as_str().unwrap());
        assert!(case["url"].as_str().unwrap().ends_with(req.path));
        let theirs: Value = serde_json::from_str(case["output"].as_str().unwrap()).unwrap();
        assert_eq!(req.body.unwrap(), theirs);
        compared += 1;
    }
    for case in get("cancelOrders") {
        // A batch: each element is the single cancel's body.
        let i = case["input"].as_array().unwrap();
        let theirs: Value = serde_json::from_str(case["output"].as_str().unwrap()).unwrap();
        for (k, id) in i[0].as_array().unwrap().iter().enumerate() {
            let req = okx_cancel_order(i[1].as_str().unwrap(), id.as_str().unwrap());
            assert_eq!(req.body.unwrap(), theirs[k]);
        }
        compared += 1;
    }
    assert_eq!(compared, 8, "every spot fixture");
}
