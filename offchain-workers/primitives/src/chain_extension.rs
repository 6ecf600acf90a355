//! The contracts chain extension through which Wasm contracts read finalized outputs
//! (`pallet-contracts`' `seal_call_chain_extension`, extension id 0).
//!
//! Each function takes SCALE input and writes a SCALE
//! `Option<OutputView<u32>>` ([`crate::OutputView`], block numbers `u32`): the output
//! while the chain holds it (the latest `MaxOutputsPerTopic` finalized outputs of each
//! topic), `None` otherwise. The return value is 0. Each call is charged the benchmarked
//! weight of one read.

/// `latest_output(topic: TopicId)`: the topic's most recently finalized output.
pub const LATEST_OUTPUT: u32 = 1;

/// `output((topic: TopicId, batch: BatchNumber))`: one batch's finalized output.
pub const OUTPUT: u32 = 2;
