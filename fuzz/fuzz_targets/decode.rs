//! `decode_frame` over the whole buffer (next frame after a good one, next
//! byte after a bad one) and `SegmentHeader::decode`: never panic, and what
//! decodes re-encodes to the same bytes.

#![no_main]

#[path = "../../journal/tests/support/fuzz_props.rs"]
#[allow(dead_code, reason = "each target uses one of the shared properties")]
mod fuzz_props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_props::check_decode(data);
});
