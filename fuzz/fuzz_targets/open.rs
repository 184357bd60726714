//! A journal whose last segment is made from the input (after a valid
//! manifest and a sealed first segment): `JournalReader::verify` and
//! `Journal::open` return Ok or Err and never panic, and a journal that
//! recovery accepts verifies and takes an append.

#![no_main]

#[path = "../../journal/tests/support/fuzz_props.rs"]
#[allow(dead_code, reason = "each target uses one of the shared properties")]
mod fuzz_props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_props::check_open(data);
});
