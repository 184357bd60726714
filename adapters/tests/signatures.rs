//! Request signatures against the vectors published by Binance and OKX and
//! by well-known clients (tests/fixtures/signature_vectors.json; origins in
//! tests/fixtures/SOURCES.md).

use axon_adapters::exchange::sign::{BinanceKey, KeyError, okx_sign};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/signature_vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("vector lacks {k}: {v}"))
}

#[test]
fn binance_hmac_vectors() {
    let all = vectors();
    let cases = all["binance_hmac_sha256_hex"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for v in cases {
        let key = BinanceKey::hmac(s(v, "secretKey")).unwrap();
        assert_eq!(
            key.sign(s(v, "payload")),
            s(v, "signature"),
            "{}",
            s(v, "source")
        );
    }
}

#[test]
fn binance_ed25519_vectors() {
    let all = vectors();
    for v in all["binance_ed25519_base64"].as_array().unwrap() {
        let from_pem = BinanceKey::ed25519_pem(s(v, "privateKeyPem")).unwrap();
        assert_eq!(
            from_pem.sign(s(v, "payload")),
            s(v, "signatureBase64"),
            "{}",
            s(v, "source")
        );
        let seed: [u8; 32] = hex::decode(s(v, "privateSeedHex"))
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            BinanceKey::ed25519_seed(&seed).sign(s(v, "payload")),
            s(v, "signatureBase64")
        );
    }
    for v in all["ed25519_base64_SELF_DERIVED"].as_array().unwrap() {
        let seed: [u8; 32] = hex::decode(s(v, "privateSeedHex"))
            .unwrap()
            .try_into()
            .unwrap();
        assert_eq!(
            BinanceKey::ed25519_seed(&seed).sign(s(v, "payload")),
            s(v, "signatureBase64")
        );
    }
}

#[test]
fn okx_vectors() {
    let all = vectors();
    for v in all["okx_hmac_sha256_base64"].as_array().unwrap() {
        let sig = okx_sign(
            s(v, "secretKey"),
            s(v, "timestamp"),
            s(v, "method"),
            s(v, "requestPath"),
            s(v, "body"),
        )
        .unwrap();
        assert_eq!(sig, s(v, "sign"), "{}", s(v, "source"));
        // The method is upper-cased as OKX requires.
        let lower = okx_sign(
            s(v, "secretKey"),
            s(v, "timestamp"),
            &s(v, "method").to_lowercase(),
            s(v, "requestPath"),
            s(v, "body"),
        )
        .unwrap();
        assert_eq!(lower, sig);
    }
}

#[test]
fn bad_keys_are_errors_and_never_printed() {
    assert_eq!(BinanceKey::hmac("").unwrap_err(), KeyError::Empty);
    assert!(matches!(
        BinanceKey::ed25519_pem("not a key"),
        Err(KeyError::Ed25519(_))
    ));
    assert_eq!(
        okx_sign("", "t", "GET", "/", "").unwrap_err(),
        KeyError::Empty
    );
    let key = BinanceKey::hmac("very-secret").unwrap();
    assert!(!format!("{key:?}").contains("very-secret"));
}
