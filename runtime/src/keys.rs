//! Concerto's own session key type: validators sign batch attestations with it.

//!
//! pallet-topics binds it to the session keys (`SessionKeys::concerto` is `Topics`).

use polkadot_sdk::*;
use sp_runtime::KeyTypeId;

/// Key type of the Concerto attestation key (`conc`, sr25519). Not used by any SDK pallet.
pub const CONCERTO_KEY_TYPE: KeyTypeId = KeyTypeId(*b"conc");

/// The application crypto of the attestation key.
pub mod crypto {
    use super::CONCERTO_KEY_TYPE;
    use polkadot_sdk::sp_application_crypto::{app_crypto, sr25519};
    app_crypto!(sr25519, CONCERTO_KEY_TYPE);
}
