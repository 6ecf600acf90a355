//! # concerto-verify-interface
//!
//! One host function, [`verify::sr25519_all`], through which the runtime checks the
//! publisher signatures of many events at once, and its native half ([`native`]), which
//! the node's ingestion RPC calls directly.
//!
//! Natively, the signatures are checked by schnorrkel's batch verification (one
//! multiscalar multiplication per chunk instead of one double-scalar multiplication per
//! signature) on all cores. A signature the node has already seen verify (in its RPC, in
//! its pool or in a block it built) is remembered in a bounded in-memory cache and not
//! verified again. The answer is the same as verifying each signature with
//! `sp_io::crypto::sr25519_verify` (version 2, context `substrate`): verification is a
//! pure function, so remembering its `true` answers cannot change a block's outcome;
//! batch verification accepts exactly when every signature verifies (but with
//! probability below 2⁻¹²⁸).
//!
//! The node registers [`verify::HostFunctions`] with its executor; without it a runtime
//! calling [`verify::sr25519_all`] does not instantiate.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode};
use sp_runtime_interface::{
    pass_by::{AllocateAndReturnByCodec, PassFatPointerAndDecode},
    runtime_interface,
};

/// One sr25519 signature to check: the public key, the signature and the signed message.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct Sr25519Check {
    /// The signer's public key.
    pub public: [u8; 32],
    /// The signature (schnorrkel, with the 0.8+ marker bit).
    pub signature: [u8; 64],
    /// The signed message (signed in the `substrate` signing context).
    pub message: Vec<u8>,
}

/// Signature checks for the runtime, answered natively by the node.
#[runtime_interface]
pub trait Verify {
    /// Whether every check verifies.
    fn sr25519_all(checks: PassFatPointerAndDecode<Vec<Sr25519Check>>) -> bool {
        native::sr25519_all(&checks)
    }

    /// Whether each check verifies, in order (for finding the bad ones after
    /// [`sr25519_all`](verify::sr25519_all) said no).
    fn sr25519_each(
        checks: PassFatPointerAndDecode<Vec<Sr25519Check>>,
    ) -> AllocateAndReturnByCodec<Vec<bool>> {
        native::sr25519_each(&checks)
    }
}

/// The native implementation: batch verification on all cores, with a cache.
#[cfg(feature = "std")]
pub mod native {
    use super::Sr25519Check;
    use blake2::{digest::consts::U32, Blake2b, Digest};
    use rayon::prelude::*;
    use schnellru::{ByLength, LruMap};
    use std::sync::{Mutex, OnceLock};

    /// The signing context of Substrate's sr25519 signatures.
    const SIGNING_CONTEXT: &[u8] = b"substrate";
    /// Signatures checked per batch-verification call (and per parallel task).
    const CHUNK: usize = 256;
    /// Verified signatures remembered (32-byte digests: ~64 MiB at most with the map's
    /// overhead).
    const CACHE_ENTRIES: u32 = 1 << 20;

    type Digest32 = [u8; 32];

    fn cache() -> &'static Mutex<LruMap<Digest32, ()>> {
        static CACHE: OnceLock<Mutex<LruMap<Digest32, ()>>> = OnceLock::new();
        CACHE.get_or_init(|| Mutex::new(LruMap::new(ByLength::new(CACHE_ENTRIES))))
    }

    fn digest(check: &Sr25519Check) -> Digest32 {
        let mut h = Blake2b::<U32>::new();
        h.update(check.public);
        h.update(check.signature);
        h.update(&check.message);
        h.finalize().into()
    }

    fn parse(check: &Sr25519Check) -> Option<(schnorrkel::PublicKey, schnorrkel::Signature)> {
        let public = schnorrkel::PublicKey::from_bytes(&check.public).ok()?;
        let signature = schnorrkel::Signature::from_bytes(&check.signature).ok()?;
        Some((public, signature))
    }

    /// Whether one signature verifies (no cache).
    pub fn sr25519_one(check: &Sr25519Check) -> bool {
        parse(check).is_some_and(|(public, signature)| {
            public
                .verify_simple(SIGNING_CONTEXT, &check.message, &signature)
                .is_ok()
        })
    }

    /// Batch-verifies one chunk (no cache).
    fn chunk_all(checks: &[&Sr25519Check]) -> bool {
        let mut publics = Vec::with_capacity(checks.len());
        let mut signatures = Vec::with_capacity(checks.len());
        for check in checks {
            let Some((public, signature)) = parse(check) else {
                return false;
            };
            publics.push(public);
            signatures.push(signature);
        }
        let context = schnorrkel::signing_context(SIGNING_CONTEXT);
        let transcripts = checks.iter().map(|c| context.bytes(&c.message));
        schnorrkel::verify_batch(transcripts, &signatures, &publics, false).is_ok()
    }

    /// The checks not yet known to verify: their indices and digests.
    fn unknown(checks: &[Sr25519Check]) -> Vec<(usize, Digest32)> {
        let digests: Vec<Digest32> = checks.par_iter().map(digest).collect();
        let mut cache = cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        digests
            .into_iter()
            .enumerate()
            .filter(|(_, d)| cache.get(d).is_none())
            .collect()
    }

    fn remember(digests: impl IntoIterator<Item = Digest32>) {
        let mut cache = cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for d in digests {
            cache.insert(d, ());
        }
    }

    /// Whether every check verifies: the ones not in the cache are batch-verified in
    /// parallel chunks, and remembered when all of them verify.
    pub fn sr25519_all(checks: &[Sr25519Check]) -> bool {
        let pending = unknown(checks);
        let refs: Vec<&Sr25519Check> = pending.iter().map(|(i, _)| &checks[*i]).collect();
        let ok = refs.par_chunks(CHUNK).all(chunk_all);
        if ok {
            remember(pending.into_iter().map(|(_, d)| d));
        }
        ok
    }

    /// Whether each check verifies, in order: chunks are batch-verified in parallel and
    /// only a chunk that fails is verified signature by signature. Good ones are
    /// remembered.
    pub fn sr25519_each(checks: &[Sr25519Check]) -> Vec<bool> {
        let pending = unknown(checks);
        let verdicts: Vec<bool> = pending
            .par_chunks(CHUNK)
            .flat_map_iter(|chunk| {
                let refs: Vec<&Sr25519Check> = chunk.iter().map(|(i, _)| &checks[*i]).collect();
                if chunk_all(&refs) {
                    vec![true; chunk.len()]
                } else {
                    refs.iter().map(|c| sr25519_one(c)).collect()
                }
            })
            .collect();
        let mut answers = vec![true; checks.len()];
        let mut good = Vec::with_capacity(pending.len());
        for ((index, d), ok) in pending.into_iter().zip(verdicts) {
            answers[index] = ok;
            if ok {
                good.push(d);
            }
        }
        remember(good);
        answers
    }

    /// Forgets every remembered signature (benchmarks measure cold verification).
    pub fn clear_cache() {
        cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::{native, Sr25519Check};
    use polkadot_sdk::sp_core::{sr25519, Pair};

    fn checks(n: usize, seed: u8) -> Vec<Sr25519Check> {
        (0..n)
            .map(|i| {
                let pair = sr25519::Pair::from_seed(&[seed.wrapping_add(i as u8 % 8); 32]);
                let message = format!("event {seed} {i}").into_bytes();
                Sr25519Check {
                    public: pair.public().0,
                    signature: pair.sign(&message).0,
                    message,
                }
            })
            .collect()
    }

    #[test]
    fn agrees_with_sp_core_on_good_and_bad_signatures() {
        let mut all = checks(600, 1);
        assert!(native::sr25519_all(&all));
        // One tampered message, one tampered signature, one malformed key: not in the cache.
        all[10].message.push(0);
        all[300].signature[5] ^= 1;
        all[599].public = [0xff; 32];
        assert!(!native::sr25519_all(&all));
        let each = native::sr25519_each(&all);
        for (i, (check, ok)) in all.iter().zip(&each).enumerate() {
            let expected = sr25519::Pair::verify(
                &sr25519::Signature::from_raw(check.signature),
                &check.message,
                &sr25519::Public::from_raw(check.public),
            );
            assert_eq!(*ok, expected, "check {i}");
        }
        assert_eq!(each.iter().filter(|ok| !**ok).count(), 3);
    }

    #[test]
    fn a_bad_signature_is_never_remembered_as_good() {
        let mut bad = checks(3, 9);
        bad[1].signature[0] ^= 0x80;
        assert_eq!(native::sr25519_each(&bad), vec![true, false, true]);
        assert!(!native::sr25519_all(&bad));
        assert!(!native::sr25519_all(&bad[1..2]));
    }
}
