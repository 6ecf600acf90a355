//! Command-line interface: the standard Substrate run command plus subcommands.

use polkadot_sdk::{sc_cli, *};

/// `concerto-node` arguments.
#[derive(Debug, clap::Parser)]
pub(crate) struct Cli {
    /// A subcommand; without one the node runs.
    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,

    /// Options of the node itself.
    #[clap(flatten)]
    pub run: sc_cli::RunCmd,

    /// Options of the execution slots.
    #[clap(flatten)]
    pub slots: crate::slots::SlotParams,

    /// Options of the output index and its RPC.
    #[clap(flatten)]
    pub serve: crate::serve::ServeParams,
}

/// Subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub(crate) enum Subcommand {
    /// Key management (generate, inspect, insert session keys).
    #[command(subcommand)]
    Key(sc_cli::KeySubcommand),

    /// Build a chain specification (legacy; prefer `export-chain-spec`).
    BuildSpec(sc_cli::BuildSpecCmd),

    /// Export the chain specification of `--chain` (add `--raw` for the raw form).
    ExportChainSpec(sc_cli::ExportChainSpecCmd),

    /// Validate blocks.
    CheckBlock(sc_cli::CheckBlockCmd),

    /// Export blocks.
    ExportBlocks(sc_cli::ExportBlocksCmd),

    /// Export the state of a given block into a chain spec.
    ExportState(sc_cli::ExportStateCmd),

    /// Import blocks.
    ImportBlocks(sc_cli::ImportBlocksCmd),

    /// Remove the whole chain.
    PurgeChain(sc_cli::PurgeChainCmd),

    /// Revert the chain to a previous state.
    Revert(sc_cli::RevertCmd),

    /// Runtime benchmarks (`benchmark pallet` needs a build with `--features runtime-benchmarks`).
    #[command(subcommand)]
    Benchmark(frame_benchmarking_cli::BenchmarkCmd),

    /// Database metadata.
    ChainInfo(sc_cli::ChainInfoCmd),

    /// Serve one execution slot on stdin/stdout (started by the node itself).
    #[command(hide = true)]
    SlotWorker,
}
