//! Subcommand dispatch and node start-up.

use crate::{
    chain_spec,
    cli::{Cli, Subcommand},
    service,
};
use concerto_runtime::opaque::Block;
use frame_benchmarking_cli::{BenchmarkCmd, SUBSTRATE_REFERENCE_HARDWARE};
use polkadot_sdk::{
    sc_cli::{self, SubstrateCli},
    sc_service::PartialComponents,
    *,
};

impl SubstrateCli for Cli {
    fn impl_name() -> String {
        "Concerto Node".into()
    }

    fn impl_version() -> String {
        env!("SUBSTRATE_CLI_IMPL_VERSION").into()
    }

    fn description() -> String {
        env!("CARGO_PKG_DESCRIPTION").into()
    }

    fn author() -> String {
        env!("CARGO_PKG_AUTHORS").into()
    }

    fn support_url() -> String {
        "https://example.invalid/concerto/issues".into()
    }

    fn copyright_start_year() -> i32 {
        2026
    }

    fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
        Ok(match id {
            "dev" => Box::new(chain_spec::development_chain_spec()?),
            "" | "local" => Box::new(chain_spec::local_chain_spec()?),
            path => Box::new(
                chain_spec::ChainSpec::from_json_file(std::path::PathBuf::from(path)).map_err(
                    |e| {
                        format!(
                            "cannot load chain spec {path}: {e} (use dev, local or a JSON file)"
                        )
                    },
                )?,
            ),
        })
    }
}

/// Parses the command line and runs what it asks for.
pub(crate) fn run() -> sc_cli::Result<()> {
    let cli = Cli::from_args();

    match &cli.subcommand {
        Some(Subcommand::Key(cmd)) => cmd.run(&cli),
        Some(Subcommand::BuildSpec(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
        }
        Some(Subcommand::ExportChainSpec(cmd)) => {
            let spec = cli.load_spec(&cmd.chain)?;
            cmd.run(spec)
        }
        Some(Subcommand::CheckBlock(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    import_queue,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::ExportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.database), task_manager))
            })
        }
        Some(Subcommand::ExportState(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, config.chain_spec), task_manager))
            })
        }
        Some(Subcommand::ImportBlocks(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    import_queue,
                    ..
                } = service::new_partial(&config)?;
                Ok((cmd.run(client, import_queue), task_manager))
            })
        }
        Some(Subcommand::PurgeChain(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run(config.database))
        }
        Some(Subcommand::Revert(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.async_run(|config| {
                let PartialComponents {
                    client,
                    task_manager,
                    backend,
                    ..
                } = service::new_partial(&config)?;
                let aux_revert = Box::new(|client, _, blocks| {
                    sc_consensus_grandpa::revert(client, blocks)?;
                    Ok(())
                });
                Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
            })
        }
        Some(Subcommand::Benchmark(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| match cmd {
                BenchmarkCmd::Pallet(cmd) => {
                    if !cfg!(feature = "runtime-benchmarks") {
                        return Err(
                            "runtime benchmarking is not enabled: rebuild with \
                            `cargo build --release -p concerto-node --features runtime-benchmarks`"
                                .into(),
                        );
                    }
                    cmd.run_with_spec::<sp_runtime::traits::HashingFor<Block>, (
                        concerto_slots_interface::slots::HostFunctions,
                        concerto_verify_interface::verify::HostFunctions,
                    )>(Some(config.chain_spec))
                }
                BenchmarkCmd::Block(cmd) => {
                    let PartialComponents { client, .. } = service::new_partial(&config)?;
                    cmd.run(client)
                }
                #[cfg(feature = "runtime-benchmarks")]
                BenchmarkCmd::Storage(cmd) => {
                    let PartialComponents {
                        client, backend, ..
                    } = service::new_partial(&config)?;
                    let db = backend.expose_db();
                    let storage = backend.expose_storage();
                    let shared_trie_cache = backend.expose_shared_trie_cache();
                    cmd.run(config, client, db, storage, shared_trie_cache)
                }
                #[cfg(not(feature = "runtime-benchmarks"))]
                BenchmarkCmd::Storage(_) => Err("`benchmark storage` needs a build with \
                    `--features runtime-benchmarks`"
                    .into()),
                BenchmarkCmd::Machine(cmd) => {
                    cmd.run(&config, SUBSTRATE_REFERENCE_HARDWARE.clone())
                }
                // Base block and extrinsic weights: empty blocks and blocks of
                // `System::remark`s signed by Alice, built from the chain spec's genesis.
                BenchmarkCmd::Overhead(cmd) => cmd.run_with_default_builder_and_spec::<Block, (
                    concerto_slots_interface::slots::HostFunctions,
                    concerto_verify_interface::verify::HostFunctions,
                )>(Some(config.chain_spec)),
                BenchmarkCmd::Extrinsic(_) => Err(
                    "`benchmark extrinsic` is not supported by concerto-node; use \
                     `benchmark pallet` (per call) or `benchmark overhead` (base weights)"
                        .into(),
                ),
            })
        }
        Some(Subcommand::SlotWorker) => concerto_slots::worker::run_worker(),
        Some(Subcommand::ChainInfo(cmd)) => {
            let runner = cli.create_runner(cmd)?;
            runner.sync_run(|config| cmd.run::<Block>(&config))
        }
        None => {
            let runner = cli.create_runner(&cli.run)?;
            let slots = cli.slots.clone();
            let serve = cli.serve.clone();
            runner.run_node_until_exit(|mut config| async move {
                // Event payloads reach validators only through offchain indexing (the chain
                // keeps their hashes), so a Concerto node always indexes.
                limit_public_rpc(&mut config);
                if !config.offchain_worker.indexing_enabled {
                    log::info!(
                        "📇 Offchain indexing turned on: Concerto keeps event payloads there"
                    );
                    config.offchain_worker.indexing_enabled = true;
                }
                match config.network.network_backend {
                    sc_network::config::NetworkBackendType::Libp2p => {
                        service::new_full::<
                            sc_network::NetworkWorker<
                                Block,
                                <Block as sp_runtime::traits::Block>::Hash,
                            >,
                        >(config, &slots, &serve)
                        .map_err(sc_cli::Error::Service)
                    }
                    sc_network::config::NetworkBackendType::Litep2p => {
                        service::new_full::<sc_network::Litep2pNetworkBackend>(
                            config, &slots, &serve,
                        )
                        .map_err(sc_cli::Error::Service)
                    }
                }
            })
        }
    }
}

/// Calls per minute per connection a public (non-loopback) RPC endpoint allows when
/// `--rpc-rate-limit` is not given: 20 calls a second keeps a publisher that batches its
/// events (up to 16,384 per `concerto_submitEvents`) and a dapp's subscriptions well within
/// it, while one connection can no longer keep the node's cores busy with refused calls.
const PUBLIC_RPC_RATE_LIMIT: std::num::NonZeroU32 = match std::num::NonZeroU32::new(1_200) {
    Some(n) => n,
    None => unreachable!(),
};

/// Gives every public RPC endpoint without an explicit `--rpc-rate-limit` the default
/// [`PUBLIC_RPC_RATE_LIMIT`] (loopback endpoints stay unlimited; exempt addresses with
/// `--rpc-rate-limit-whitelisted-ips`).
fn limit_public_rpc(config: &mut sc_service::Configuration) {
    let Some(endpoints) = config.rpc.addr.as_mut() else {
        return;
    };
    let mut limited = false;
    for endpoint in endpoints
        .iter_mut()
        .filter(|e| !e.listen_addr.ip().is_loopback() && e.rate_limit.is_none())
    {
        endpoint.rate_limit = Some(PUBLIC_RPC_RATE_LIMIT);
        limited = true;
    }
    if limited {
        log::info!(
            "🎼 public RPC: at most {PUBLIC_RPC_RATE_LIMIT} calls per minute per connection \
             (set another with --rpc-rate-limit)"
        );
    }
}
