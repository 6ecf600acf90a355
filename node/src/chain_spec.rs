//! Chain specifications: `dev` (Alice alone) and `local` (Alice, Bob, Charlie, Dave).

use concerto_runtime::WASM_BINARY;
use polkadot_sdk::{sc_service::ChainType, *};

/// The chain specification type of Concerto (no extensions).
pub(crate) type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
    WASM_BINARY.ok_or_else(|| {
        "the runtime wasm is not available: build without SKIP_WASM_BUILD (cargo build -p concerto-node)"
            .to_string()
    })
}

fn properties() -> sc_service::Properties {
    let mut p = sc_service::Properties::new();
    p.insert("tokenSymbol".into(), "CONC".into());
    p.insert("tokenDecimals".into(), 12.into());
    p.insert("ss58Format".into(), 42.into());
    p
}

/// The development chain: a single validator (Alice), 1 s blocks.
pub(crate) fn development_chain_spec() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Concerto Development")
        .with_id("concerto_dev")
        .with_chain_type(ChainType::Development)
        .with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}

/// The local testnet: Alice, Bob, Charlie and Dave validate (1 s blocks; 3 of the 4
/// finalize).
pub(crate) fn local_chain_spec() -> Result<ChainSpec, String> {
    Ok(ChainSpec::builder(wasm()?, None)
        .with_name("Concerto Local Testnet")
        .with_id("concerto_local")
        .with_chain_type(ChainType::Local)
        .with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
        .with_properties(properties())
        .build())
}
