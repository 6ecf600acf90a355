//! The pallets whose benchmarks the node's `benchmark pallet` command can run.

#![cfg(feature = "runtime-benchmarks")]

use polkadot_sdk::*;

frame_benchmarking::define_benchmarks!(
    [frame_benchmarking, BaselineBench::<Runtime>]
    [frame_system, SystemBench::<Runtime>]
    [frame_system_extensions, SystemExtensionsBench::<Runtime>]
    [pallet_balances, Balances]
    [pallet_timestamp, Timestamp]
    [pallet_sudo, Sudo]
    [pallet_topics, Topics]
    [pallet_validator_set, ValidatorSet]
);
