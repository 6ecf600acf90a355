//! verify_certificate against real sr25519 keys (sp-core's, as the node's keystore signs).

use concerto_certificate::{
    verify_certificate, Certificate, CertificateError, OffchainAttestation, SignedAttestation,
    ValidatorSet,
};
use concerto_primitives::{AttestationResult, OutputsPayload, Verdict};
use polkadot_sdk::sp_core::{sr25519, Pair};

const GENESIS: [u8; 32] = [0x42; 32];

fn pairs(n: u8) -> Vec<sr25519::Pair> {
    (0..n)
        .map(|i| sr25519::Pair::from_string(&format!("//Validator{i}"), None).unwrap())
        .collect()
}

fn set(pairs: &[sr25519::Pair]) -> ValidatorSet {
    ValidatorSet {
        genesis: GENESIS,
        validators: pairs.iter().map(|p| p.public().0).collect(),
    }
}

fn result(cycles: u64) -> AttestationResult<Vec<u8>> {
    AttestationResult {
        start_root: [1; 32],
        outputs_root: [2; 32],
        state_root: [3; 32],
        outputs: OutputsPayload::Inline(vec![4, 5, 6]),
        cycles,
        verdict: Verdict::Accepted,
    }
}

fn signed(pair: &sr25519::Pair, result: AttestationResult<Vec<u8>>) -> SignedAttestation {
    let attestation = OffchainAttestation {
        topic: 7,
        batch: 9,
        commitment: [8; 32],
        validator: pair.public().0,
        result,
    };
    let signature = pair.sign(&attestation.signing_message(&GENESIS)).0;
    SignedAttestation {
        attestation,
        signature,
    }
}

fn certificate(signers: &[sr25519::Pair]) -> Certificate {
    let signed: Vec<_> = signers.iter().map(|p| signed(p, result(100))).collect();
    Certificate::of(&signed).expect("same result")
}

#[test]
fn a_quorum_of_validators_certifies() {
    let validators = pairs(4);
    let set = set(&validators);
    let quorum = set.quorum(None);
    assert_eq!(quorum, 3);
    let cert = certificate(&validators[..3]);
    assert_eq!(verify_certificate(&cert, &set, quorum), Ok(()));
    assert!(
        cert.signatures.windows(2).all(|w| w[0].0 < w[1].0),
        "key order"
    );
    // All four also certify.
    assert_eq!(
        verify_certificate(&certificate(&validators), &set, quorum),
        Ok(())
    );
}

#[test]
fn signatures_are_sp_core_compatible_both_ways() {
    let validators = pairs(1);
    let s = signed(&validators[0], result(1));
    assert!(s.verify(&GENESIS));
    assert!(sr25519::Pair::verify(
        &sr25519::Signature::from_raw(s.signature),
        s.attestation.signing_message(&GENESIS),
        &validators[0].public(),
    ));
    // Bound to the chain: another genesis does not verify.
    assert!(!s.verify(&[0x43; 32]));
}

#[test]
fn below_quorum_is_refused() {
    let validators = pairs(4);
    let set = set(&validators);
    let cert = certificate(&validators[..2]);
    assert_eq!(
        verify_certificate(&cert, &set, 3),
        Err(CertificateError::BelowQuorum {
            signers: 2,
            quorum: 3
        })
    );
    // A quorum of 0 still needs one signer.
    let empty = Certificate {
        signatures: Vec::new(),
        ..cert
    };
    assert_eq!(
        verify_certificate(&empty, &set, 0),
        Err(CertificateError::BelowQuorum {
            signers: 0,
            quorum: 1
        })
    );
}

#[test]
fn a_non_validator_signature_is_refused() {
    let validators = pairs(4);
    let set = set(&validators[..3]);
    let cert = certificate(&validators);
    assert_eq!(
        verify_certificate(&cert, &set, 3),
        Err(CertificateError::NotValidator(validators[3].public().0))
    );
}

#[test]
fn a_tampered_result_or_signature_is_refused() {
    let validators = pairs(4);
    let set = set(&validators);
    let mut cert = certificate(&validators[..3]);
    cert.result.cycles += 1;
    assert!(matches!(
        verify_certificate(&cert, &set, 3),
        Err(CertificateError::BadSignature(_))
    ));

    let mut cert = certificate(&validators[..3]);
    cert.signatures[1].1[10] ^= 1;
    assert_eq!(
        verify_certificate(&cert, &set, 3),
        Err(CertificateError::BadSignature(cert.signatures[1].0))
    );

    let mut cert = certificate(&validators[..3]);
    cert.batch += 1;
    assert!(matches!(
        verify_certificate(&cert, &set, 3),
        Err(CertificateError::BadSignature(_))
    ));
}

#[test]
fn a_signer_counts_once() {
    let validators = pairs(4);
    let set = set(&validators);
    let mut cert = certificate(&validators[..2]);
    let first = cert.signatures[0];
    cert.signatures.push(first);
    assert_eq!(
        verify_certificate(&cert, &set, 3),
        Err(CertificateError::DuplicateSigner(first.0))
    );
}

#[test]
fn different_results_make_no_certificate() {
    let validators = pairs(2);
    let a = signed(&validators[0], result(1));
    let b = signed(&validators[1], result(2));
    assert_eq!(Certificate::of(&[a.clone(), b]), None);
    assert_eq!(Certificate::of(&[]), None);
    assert!(Certificate::of(&[a]).is_some());
}
