//! Request signatures, with well-kept crates for the cryptography (`hmac`,
//! `sha2`, `ed25519-dalek`) and nothing written by hand but the message
//! each venue signs.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signer as _, SigningKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// A key that cannot sign.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum KeyError {
    /// The secret is empty.
    #[error("the API secret is empty")]
    Empty,
    /// The Ed25519 private key is not a PKCS#8 PEM key.
    #[error("the Ed25519 private key is not a PKCS#8 PEM key: {0}")]
    Ed25519(String),
}

/// How Binance requests are signed.
#[derive(Clone)]
pub enum BinanceKey {
    /// HMAC-SHA256 of the payload, hex.
    Hmac(Vec<u8>),
    /// Ed25519 signature of the payload, Base64 (to be URL-encoded).
    Ed25519(Box<SigningKey>),
}

impl std::fmt::Debug for BinanceKey {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Hmac(_) => "BinanceKey::Hmac(..)",
            Self::Ed25519(_) => "BinanceKey::Ed25519(..)",
        })
    }
}

impl BinanceKey {
    /// An HMAC secret.
    pub fn hmac(secret: &str) -> Result<Self, KeyError> {
        if secret.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self::Hmac(secret.as_bytes().to_vec()))
    }

    /// An Ed25519 private key in PKCS#8 PEM (as Binance's key generator
    /// writes it).
    pub fn ed25519_pem(pem: &str) -> Result<Self, KeyError> {
        SigningKey::from_pkcs8_pem(pem)
            .map(|k| Self::Ed25519(Box::new(k)))
            .map_err(|e| KeyError::Ed25519(e.to_string()))
    }

    /// An Ed25519 key from its 32-byte seed.
    pub fn ed25519_seed(seed: &[u8; 32]) -> Self {
        Self::Ed25519(Box::new(SigningKey::from_bytes(seed)))
    }

    /// The `signature` parameter for a payload: the query string, or for
    /// mixed requests the query string immediately followed by the body
    /// (no separator), percent-encoded before signing.
    pub fn sign(&self, payload: &str) -> String {
        match self {
            Self::Hmac(secret) => {
                let mut mac =
                    HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
                mac.update(payload.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            Self::Ed25519(key) => BASE64.encode(key.sign(payload.as_bytes()).to_bytes()),
        }
    }
}

/// OKX v5: `OK-ACCESS-SIGN` = Base64(HMAC-SHA256(secret, timestamp +
/// METHOD + requestPath + body)), with `timestamp` the ISO 8601 time in
/// milliseconds (`2020-12-08T09:08:57.715Z`) also sent as
/// `OK-ACCESS-TIMESTAMP`, and `requestPath` including the query string.
pub fn okx_sign(
    secret: &str,
    timestamp: &str,
    method: &str,
    request_path: &str,
    body: &str,
) -> Result<String, KeyError> {
    if secret.is_empty() {
        return Err(KeyError::Empty);
    }
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    for part in [timestamp, &method.to_ascii_uppercase(), request_path, body] {
        mac.update(part.as_bytes());
    }
    Ok(BASE64.encode(mac.finalize().into_bytes()))
}
