//! What peers send a node and light clients: the attestation gossip message
//! (`SignedAttestation`) and quorum certificates, decoded and then checked, signatures
//! included. No bytes may panic the decoder or the checks; a message that decodes must
//! encode back to the same bytes, and a certificate built from a decoded attestation
//! must keep its signer and result.
#![no_main]

use codec::{DecodeAll, Encode};
use concerto_certificate::{verify_certificate, Certificate, SignedAttestation, ValidatorSet};
use libfuzzer_sys::fuzz_target;
// The bounded allocator.
use concerto_fuzz as _;

const GENESIS: [u8; 32] = [7; 32];

fuzz_target!(|bytes: &[u8]| {
    if let Ok(signed) = SignedAttestation::decode_all(&mut &bytes[..]) {
        assert_eq!(signed.encode(), bytes, "gossip message not canonical");
        let verified = signed.verify(&GENESIS);
        let certificate = Certificate::of(core::slice::from_ref(&signed)).expect("one attestation");
        assert_eq!(
            certificate.signatures,
            vec![(signed.attestation.validator, signed.signature)]
        );
        assert_eq!(
            certificate.attestation_of(signed.attestation.validator),
            signed.attestation
        );
        let set = ValidatorSet {
            genesis: GENESIS,
            validators: vec![signed.attestation.validator],
        };
        // The certificate of one attestation verifies exactly when its signature does.
        assert_eq!(verify_certificate(&certificate, &set, 1).is_ok(), verified);
    }
    if let Ok(certificate) = Certificate::decode_all(&mut &bytes[..]) {
        assert_eq!(certificate.encode(), bytes, "certificate not canonical");
        let validators = certificate.signatures.iter().map(|(key, _)| *key).collect();
        let set = ValidatorSet {
            genesis: GENESIS,
            validators,
        };
        let _ = verify_certificate(&certificate, &set, set.quorum(None));
    }
});
