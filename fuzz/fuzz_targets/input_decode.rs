//! What a template decodes from bytes others chose: the `Input` of each advance-state
//! request with its `EventEnvelope` or `BatchHeader`, the shipped templates' payload and
//! configuration formats, and the outputs payload, output view and attestation result
//! that clients and contracts decode (the gossip's messages: `certificate_decode`). Every decoder must refuse or accept without a panic,
//! and whatever it accepts must encode back to the same bytes (one value, one encoding:
//! validators and templates never disagree on what an input said).
#![no_main]

use codec::{DecodeAll, Encode};
use concerto_primitives::eth::{EthPayload, VerifierConfig};
use concerto_primitives::price::{LabelledTick, MedianConfig, PriceTick};
use concerto_primitives::{
    AttestationResult, BatchHeader, EventEnvelope, Input, OutputView, OutputsPayload,
};
use libfuzzer_sys::fuzz_target;
// The bounded allocator.
use concerto_fuzz as _;

/// Decodes `bytes` as a `T`; a value it yields must re-encode to exactly `bytes`.
fn round_trip<T: DecodeAll + Encode + core::fmt::Debug>(bytes: &[u8]) -> Option<T> {
    let value = T::decode_all(&mut &bytes[..]).ok()?;
    assert_eq!(
        value.encode(),
        bytes,
        "{} decoded from bytes it does not encode to: {value:?}",
        core::any::type_name::<T>()
    );
    Some(value)
}

/// The templates' own formats, as the median and Ethereum verifier templates read them.
fn payloads(bytes: &[u8]) {
    round_trip::<PriceTick>(bytes);
    round_trip::<LabelledTick>(bytes);
    round_trip::<EthPayload>(bytes);
}

fn configs(bytes: &[u8]) {
    round_trip::<MedianConfig>(bytes);
    round_trip::<VerifierConfig>(bytes);
}

fuzz_target!(|bytes: &[u8]| {
    match Input::from_bytes(bytes) {
        Ok(input) => {
            assert_eq!(input.to_bytes(), bytes, "Input is not canonical: {input:?}");
            match input {
                Input::Header(header) => configs(&header.config),
                Input::Event(event) => payloads(&event.payload),
                Input::End { .. } => {}
            }
        }
        Err(_) => {
            // The same bytes as a payload or a configuration on their own.
            payloads(bytes);
            configs(bytes);
        }
    }
    round_trip::<EventEnvelope>(bytes);
    round_trip::<BatchHeader>(bytes);
    round_trip::<OutputsPayload<Vec<u8>>>(bytes);
    round_trip::<OutputView<u32>>(bytes);
    round_trip::<AttestationResult<Vec<u8>>>(bytes);
});
