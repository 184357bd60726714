//! A minimal HTTP/1.1 client and request signing for the tests, written out
//! by hand so that the tests check the mock against the documented rules
//! rather than against a client library's idea of them.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axon_mockex::{MockConfig, MockExchange};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

pub const KEY: &str = "mock-key";
pub const SECRET: &str = "mock-secret";
pub const PASSPHRASE: &str = "mock-pass";

/// A reply: status, headers (names lower case) and body.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub fn start() -> MockExchange {
    MockExchange::start(MockConfig::default()).expect("mock starts")
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// One request on a fresh connection (`Connection: close`).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read reply");
    let text = String::from_utf8(raw).expect("utf-8 reply");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

pub fn hmac(msg: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(msg.as_bytes());
    mac.finalize().into_bytes().into()
}

/// `params&timestamp=..` plus its Binance signature, as one string.
pub fn binance_sign(params: &str) -> String {
    let total = if params.is_empty() {
        format!("timestamp={}", now_ms())
    } else {
        format!("{params}&timestamp={}", now_ms())
    };
    format!("{total}&signature={}", hex::encode(hmac(&total)))
}

/// A signed Binance request: parameters in the body for POST, in the query
/// string otherwise.
pub fn binance(mock: &MockExchange, method: &str, path: &str, params: &str) -> Resp {
    let signed = binance_sign(params);
    let key = [("X-MBX-APIKEY", KEY)];
    if method == "POST" {
        let headers = [
            key[0],
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        http(mock.addr(), method, path, &headers, &signed)
    } else {
        http(mock.addr(), method, &format!("{path}?{signed}"), &key, "")
    }
}

/// ISO 8601 UTC with milliseconds, e.g. `2020-12-08T09:08:57.715Z`.
pub fn iso(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        ms % 1000
    )
}

/// A signed OKX request; `path` includes any `?query`.
pub fn okx(mock: &MockExchange, method: &str, path: &str, body: &str) -> Resp {
    let ts = iso(now_ms());
    let sign = base64::engine::general_purpose::STANDARD
        .encode(hmac(&format!("{ts}{method}{path}{body}")));
    let headers = [
        ("OK-ACCESS-KEY", KEY),
        ("OK-ACCESS-PASSPHRASE", PASSPHRASE),
        ("OK-ACCESS-TIMESTAMP", ts.as_str()),
        ("OK-ACCESS-SIGN", sign.as_str()),
        ("Content-Type", "application/json"),
        ("x-simulated-trading", "1"),
    ];
    http(mock.addr(), method, path, &headers, body)
}

/// The OKX websocket login request for now.
pub fn okx_login() -> String {
    let ts = (now_ms() / 1000).to_string();
    let sign = base64::engine::general_purpose::STANDARD
        .encode(hmac(&format!("{ts}GET/users/self/verify")));
    serde_json::json!({"op": "login", "args": [{
        "apiKey": KEY, "passphrase": PASSPHRASE, "timestamp": ts, "sign": sign
    }]})
    .to_string()
}
