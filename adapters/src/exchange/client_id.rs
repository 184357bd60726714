//! Client order ids derived from the journal, so a replay produces the same
//! ids and a retried request can never create a second order: the venue
//! refuses a duplicate client id, and after a timeout the order is looked
//! up by it.
//!
//! `ax` + 10 hex digits of the session tag (the SHA-256 of the journal's
//! session-start record) + the engine's order number in base 36: at most
//! 2 + 10 + 13 = 25 characters, letters and digits only, which both Binance
//! (`newClientOrderId`, up to 36) and OKX (`clOrdId`, up to 32 alphanumeric)
//! accept.

use sha2::{Digest, Sha256};

const PREFIX: &str = "ax";
const TAG_LEN: usize = 10;

/// The session tag: from the session-start record's payload bytes.
pub fn session_tag(session_start_payload: &[u8]) -> String {
    hex::encode(Sha256::digest(session_start_payload))[..TAG_LEN].to_string()
}

/// The client order id of the engine's order `client_id` in a session.
pub fn client_order_id(tag: &str, client_id: u64) -> String {
    format!("{PREFIX}{tag}{}", base36(client_id))
}

/// The engine's order number behind a client order id of this session
/// (None for ids of other sessions or of other software).
pub fn parse_client_order_id(tag: &str, id: &str) -> Option<u64> {
    let rest = id.strip_prefix(PREFIX)?.strip_prefix(tag)?;
    if rest.is_empty() || rest.len() > 13 {
        return None;
    }
    u64::from_str_radix(rest, 36).ok()
}

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::with_capacity(13);
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_alphanumeric_unique_and_parse_back() {
        let tag = session_tag(b"session start payload");
        assert_eq!(tag.len(), TAG_LEN);
        assert_eq!(tag, session_tag(b"session start payload"), "deterministic");
        let mut seen = std::collections::BTreeSet::new();
        for id in [0, 1, 35, 36, 1_000_000, u64::MAX] {
            let s = client_order_id(&tag, id);
            assert!(
                s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric()),
                "{s}"
            );
            assert_eq!(parse_client_order_id(&tag, &s), Some(id));
            assert!(seen.insert(s));
        }
        let other = session_tag(b"another session");
        assert_eq!(
            parse_client_order_id(&other, &client_order_id(&tag, 7)),
            None
        );
        assert_eq!(parse_client_order_id(&tag, "x-R4BD3S82"), None);
        assert_eq!(parse_client_order_id(&tag, &format!("ax{tag}")), None);
    }
}
