//! Building blocks of the live exchange adapters: request signing for
//! Binance spot (HMAC-SHA256 hex, Ed25519) and OKX v5 (Base64 HMAC-SHA256
//! over timestamp, method, path and body), Binance's symbol filters, and
//! client order ids derived from the journal.

pub mod binance;
pub mod binance_ws;
mod books;
pub mod client_id;
pub mod config;
mod connection;
pub mod depth;
pub mod filters;
mod market;
pub mod okx;
pub mod okx_ws;
pub mod request;
mod rest;
pub mod sign;
pub mod venue;
mod ws;
