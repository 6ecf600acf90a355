//! # Concerto runtime
//!
//! The FRAME runtime of the Concerto appchain: aura block production, GRANDPA finality,
//! session (keys: aura, grandpa and Concerto's own attestation key type `conc`), balances,
//! transaction payment, sudo, pallet-contracts and pallet-topics (streams, templates,
//! topics, batches, attestations).
#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]
// `construct_runtime`, `impl_runtime_apis` and the included wasm blob generate items
// without doc comments; every hand-written public item here is documented.
#![allow(missing_docs)]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// Declared first, with `macro_use`: `apis` invokes the `list_benchmarks!` and
// `add_benchmarks!` macros that `define_benchmarks!` generates here.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod keys;
pub mod weights;

use alloc::vec::Vec;
use polkadot_sdk::*;
use sp_runtime::{
    generic, impl_opaque_keys,
    traits::{BlakeTwo256, IdentifyAccount, Verify},
    MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: what the node needs to know about the runtime without knowing its calls.
pub mod opaque {
    use super::*;
    use sp_runtime::{generic, traits::Hash as HashT};

    pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

    /// Opaque block header type.
    pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
    /// Opaque block type.
    pub type Block = generic::Block<Header, UncheckedExtrinsic>;
    /// Opaque block identifier type.
    pub type BlockId = generic::BlockId<Block>;
    /// Opaque block hash type.
    pub type Hash = <BlakeTwo256 as HashT>::Output;
}

impl_opaque_keys! {
    /// The session keys a Concerto validator holds: block production (aura), finality
    /// (grandpa) and the key that signs batch attestations (`conc`).
    pub struct SessionKeys {
        /// Aura block-production key.
        pub aura: Aura,
        /// GRANDPA finality key.
        pub grandpa: Grandpa,
        /// Concerto attestation key (key type `conc`, sr25519).
        pub concerto: Topics,
    }
}

/// The runtime version.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("concerto"),
    impl_name: alloc::borrow::Cow::Borrowed("concerto"),
    authoring_version: 1,
    spec_version: 100,
    impl_version: 1,
    apis: apis::RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

/// Target block time in milliseconds.
///
/// Set at build time with the environment variable `CONCERTO_BLOCK_TIME_MS` (whole
/// milliseconds, at least 500); the default is 1000 (1 s blocks). The aura slot duration
/// and the timestamp pallet's minimum period derive from it, so it is fixed per runtime.
pub const MILLI_SECS_PER_BLOCK: u64 = parse_block_time(option_env!("CONCERTO_BLOCK_TIME_MS"));

const fn parse_block_time(value: Option<&str>) -> u64 {
    let bytes = match value {
        Some(v) => v.as_bytes(),
        None => return 1000,
    };
    let mut out: u64 = 0;
    let mut i = 0;
    while i < bytes.len() {
        let d = bytes[i];
        assert!(
            d >= b'0' && d <= b'9',
            "CONCERTO_BLOCK_TIME_MS must be whole milliseconds"
        );
        out = out * 10 + (d - b'0') as u64;
        i += 1;
    }
    assert!(out >= 500, "CONCERTO_BLOCK_TIME_MS must be at least 500");
    out
}

/// Aura slot duration: one block per slot.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;

/// Blocks per minute, hour and day at the target block time.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// The smallest unit of the native token has 12 decimals: 1 UNIT = 10^12.
pub const UNIT: Balance = 1_000_000_000_000;
/// One thousandth of a unit.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// One millionth of a unit.
pub const MICRO_UNIT: Balance = 1_000_000;
/// The existential deposit.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// Signature type of the chain.
pub type Signature = MultiSignature;
/// Account id: the public key behind a signature.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account.
pub type Balance = u128;
/// Transaction nonce.
pub type Nonce = u32;
/// Block hash.
pub type Hash = sp_core::H256;
/// Block number.
pub type BlockNumber = u32;
/// The address format for describing accounts.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A block with its justifications.
pub type SignedBlock = generic::SignedBlock<Block>;
/// Block id.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions, in order. `AuthorizeCall` comes first so that calls with a
/// `#[pallet::authorize]` rule become authorized general transactions.
pub type TxExtension = (
    frame_system::AuthorizeCall<Runtime>,
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
    frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
    frame_system::WeightReclaim<Runtime>,
);

/// The transaction extensions a client attaches, in order: only the mortality `era` and the
/// signer's `nonce` vary (no tip, no metadata-hash check). Offchain workers use it with
/// `Era::Immortal` and nonce 0 for authorized transactions, which have no signer.
pub fn tx_extension(era: generic::Era, nonce: Nonce) -> TxExtension {
    (
        frame_system::AuthorizeCall::<Runtime>::new(),
        frame_system::CheckNonZeroSender::<Runtime>::new(),
        frame_system::CheckSpecVersion::<Runtime>::new(),
        frame_system::CheckTxVersion::<Runtime>::new(),
        frame_system::CheckGenesis::<Runtime>::new(),
        frame_system::CheckEra::<Runtime>::from(era),
        frame_system::CheckNonce::<Runtime>::from(nonce),
        frame_system::CheckWeight::<Runtime>::new(),
        pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
        frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
        frame_system::WeightReclaim::<Runtime>::new(),
    )
}

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
    generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Storage migrations run on runtime upgrade (none yet).
type Migrations = ();

/// Executive: dispatches calls to the pallets.
pub type Executive = frame_executive::Executive<
    Runtime,
    Block,
    frame_system::ChainContext<Runtime>,
    Runtime,
    AllPalletsWithSystem,
    Migrations,
>;

/// The runtime: its pallets and their indices.
#[frame_support::runtime]
mod runtime {
    /// The Concerto runtime.
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    /// Accounts, blocks, events.
    #[runtime::pallet_index(0)]
    pub type System = frame_system;

    /// On-chain time.
    #[runtime::pallet_index(1)]
    pub type Timestamp = pallet_timestamp;

    /// Aura block production.
    #[runtime::pallet_index(2)]
    pub type Aura = pallet_aura;

    /// GRANDPA finality.
    #[runtime::pallet_index(3)]
    pub type Grandpa = pallet_grandpa;

    /// Native token balances.
    #[runtime::pallet_index(4)]
    pub type Balances = pallet_balances;

    /// Transaction fees.
    #[runtime::pallet_index(5)]
    pub type TransactionPayment = pallet_transaction_payment;

    /// Superuser (dev and test networks).
    #[runtime::pallet_index(6)]
    pub type Sudo = pallet_sudo;

    /// Wasm smart contracts.
    #[runtime::pallet_index(7)]
    pub type Contracts = pallet_contracts;

    /// Bonded validators, added and removed by governance, slashed for faults; plans
    /// each session's set (declared before Session so its genesis is built first).
    #[runtime::pallet_index(10)]
    pub type ValidatorSet = pallet_validator_set;

    /// Validator sessions and their keys.
    #[runtime::pallet_index(8)]
    pub type Session = pallet_session;

    /// Streams, templates, topics, event ingestion, batches, attestations, outputs.
    #[runtime::pallet_index(9)]
    pub type Topics = pallet_topics;
}

#[cfg(test)]
mod tests;
