//! The node service: client, database, networking, aura + GRANDPA, offchain workers, RPC.

use concerto_runtime::{apis::RuntimeApi, opaque::Block};
use concerto_slots_interface::{SlotsBackend, SlotsExt};
use futures::FutureExt;
use polkadot_sdk::sp_blockchain::HeaderBackend;
use polkadot_sdk::{
    sc_client_api::{Backend, BlockBackend},
    sc_consensus_aura::{ImportQueueParams, SlotProportion, StartAuraParams},
    sc_consensus_grandpa::SharedVoterState,
    sc_service::{error::Error as ServiceError, Configuration, TaskManager, WarpSyncConfig},
    sc_telemetry::{Telemetry, TelemetryWorker},
    sc_transaction_pool_api::OffchainTransactionPoolFactory,
    sp_consensus_aura::sr25519::AuthorityPair as AuraPair,
    *,
};
use std::{sync::Arc, time::Duration};

/// Host functions the runtime may import. With `runtime-benchmarks` the benchmarking
/// host functions are added, because a runtime built that way imports them.
#[cfg(not(feature = "runtime-benchmarks"))]
pub(crate) type HostFunctions = (
    sp_io::SubstrateHostFunctions,
    concerto_slots_interface::slots::HostFunctions,
    concerto_verify_interface::verify::HostFunctions,
);
/// Host functions the runtime may import (benchmarking build).
#[cfg(feature = "runtime-benchmarks")]
pub(crate) type HostFunctions = (
    sp_io::SubstrateHostFunctions,
    concerto_slots_interface::slots::HostFunctions,
    concerto_verify_interface::verify::HostFunctions,
    frame_benchmarking::benchmarking::HostFunctions,
);

/// The full client type.
pub(crate) type FullClient =
    sc_service::TFullClient<Block, RuntimeApi, sc_executor::WasmExecutor<HostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;

/// GRANDPA justifications are generated at least every this many blocks, so light
/// clients and warp sync have recent proofs.
const GRANDPA_JUSTIFICATION_PERIOD: u32 = 512;

/// What `new_partial` builds: enough for the import-only subcommands.
pub(crate) type Service = sc_service::PartialComponents<
    FullClient,
    FullBackend,
    FullSelectChain,
    sc_consensus::DefaultImportQueue<Block>,
    sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
    (
        sc_consensus_grandpa::GrandpaBlockImport<FullBackend, Block, FullClient, FullSelectChain>,
        sc_consensus_grandpa::LinkHalf<Block, FullClient, FullSelectChain>,
        Option<Telemetry>,
    ),
>;

/// Builds the client, database, import queue and transaction pool.
pub(crate) fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
    let telemetry = config
        .telemetry_endpoints
        .clone()
        .filter(|x| !x.is_empty())
        .map(|endpoints| -> Result<_, sc_telemetry::Error> {
            let worker = TelemetryWorker::new(16)?;
            let telemetry = worker.handle().new_telemetry(endpoints);
            Ok((worker, telemetry))
        })
        .transpose()?;

    let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
    let (client, backend, keystore_container, task_manager) =
        sc_service::new_full_parts::<Block, RuntimeApi, _>(
            config,
            telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
            executor,
            Default::default(),
        )?;
    let client = Arc::new(client);

    let telemetry = telemetry.map(|(worker, telemetry)| {
        task_manager
            .spawn_handle()
            .spawn("telemetry", None, worker.run());
        telemetry
    });

    let select_chain = sc_consensus::LongestChain::new(backend.clone());

    let transaction_pool = Arc::from(
        sc_transaction_pool::Builder::new(
            task_manager.spawn_essential_handle(),
            client.clone(),
            config.role.is_authority().into(),
        )
        .with_options(config.transaction_pool.clone())
        .with_prometheus(config.prometheus_registry())
        .build(),
    );

    let (grandpa_block_import, grandpa_link) = sc_consensus_grandpa::block_import(
        client.clone(),
        GRANDPA_JUSTIFICATION_PERIOD,
        &client,
        select_chain.clone(),
        telemetry.as_ref().map(|x| x.handle()),
    )?;

    let cidp_client = client.clone();
    let import_queue = sc_consensus_aura::import_queue::<AuraPair, _, _, _, _, _>(
        ImportQueueParams {
            block_import: grandpa_block_import.clone(),
            justification_import: Some(Box::new(grandpa_block_import.clone())),
            client: client.clone(),
            create_inherent_data_providers: move |parent_hash, _| {
                let cidp_client = cidp_client.clone();
                async move {
                    let slot_duration = sc_consensus_aura::standalone::slot_duration_at(
                        &*cidp_client,
                        parent_hash,
                    )?;
                    let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
                    let slot =
                        sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
                            *timestamp,
                            slot_duration,
                        );
                    Ok((slot, timestamp))
                }
            },
            spawner: &task_manager.spawn_essential_handle(),
            registry: config.prometheus_registry(),
            check_for_equivocation: Default::default(),
            telemetry: telemetry.as_ref().map(|x| x.handle()),
            compatibility_mode: Default::default(),
        },
    )?;

    Ok(sc_service::PartialComponents {
        client,
        backend,
        task_manager,
        import_queue,
        keystore_container,
        select_chain,
        transaction_pool,
        other: (grandpa_block_import, grandpa_link, telemetry),
    })
}

/// Builds and starts a full node (validator when `--validator`/`--alice`/`--dev`).
pub(crate) fn new_full<
    N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>,
>(
    config: Configuration,
    slot_params: &crate::slots::SlotParams,
    serve_params: &crate::serve::ServeParams,
) -> Result<TaskManager, ServiceError> {
    let sc_service::PartialComponents {
        client,
        backend,
        mut task_manager,
        import_queue,
        keystore_container,
        select_chain,
        transaction_pool,
        other: (block_import, grandpa_link, mut telemetry),
    } = new_partial(&config)?;

    let mut net_config = sc_network::config::FullNetworkConfiguration::<
        Block,
        <Block as sp_runtime::traits::Block>::Hash,
        N,
    >::new(&config.network, config.prometheus_registry().cloned());
    let metrics = N::register_notification_metrics(config.prometheus_registry());

    let peer_store_handle = net_config.peer_store_handle();
    let genesis = client.block_hash(0)?.expect("Genesis block exists; qed");
    let grandpa_protocol_name =
        sc_consensus_grandpa::protocol_standard_name(&genesis, &config.chain_spec);
    let (grandpa_protocol_config, grandpa_notification_service) =
        sc_consensus_grandpa::grandpa_peers_set_config::<_, N>(
            grandpa_protocol_name.clone(),
            metrics.clone(),
            peer_store_handle,
        );
    net_config.add_notification_protocol(grandpa_protocol_config);
    // Quorum certificates: validators' attestations gossiped to every node.
    let certify_protocol = crate::certify::protocol_name(&genesis);
    let (certify_protocol_config, certify_notification_service) =
        crate::certify::peers_set_config::<N>(
            certify_protocol.clone(),
            metrics.clone(),
            net_config.peer_store_handle(),
        );
    net_config.add_notification_protocol(certify_protocol_config);

    let warp_sync = Arc::new(sc_consensus_grandpa::warp_proof::NetworkProvider::new(
        backend.clone(),
        grandpa_link.shared_authority_set().clone(),
        Vec::default(),
    ));

    let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
        sc_service::build_network(sc_service::BuildNetworkParams {
            config: &config,
            net_config,
            client: client.clone(),
            transaction_pool: transaction_pool.clone(),
            spawn_handle: task_manager.spawn_handle(),
            spawn_essential_handle: task_manager.spawn_essential_handle(),
            import_queue,
            block_announce_validator_builder: None,
            warp_sync_config: Some(WarpSyncConfig::WithProvider(warp_sync)),
            block_relay: None,
            metrics,
            gap_sync_body_policy: None,
        })?;

    if config.offchain_worker.enabled {
        // Validators run sealed batches in execution slots from their offchain workers.
        let slots: Option<Arc<dyn SlotsBackend>> =
            match (config.role.is_authority(), backend.offchain_storage()) {
                (true, Some(storage)) => {
                    use pallet_topics::runtime_api::TopicsApi;
                    use polkadot_sdk::sp_api::ProvideRuntimeApi;
                    let started = client
                        .runtime_api()
                        .machine_bounds(client.info().best_hash)
                        .map_err(crate::slots::StartError::Bounds)
                        .and_then(|bounds| {
                            crate::slots::start_pool(
                                slot_params,
                                &bounds,
                                &config.data_path,
                                config.prometheus_registry(),
                            )
                        });
                    let (pool, cache) = started.map_err(|e| ServiceError::Other(e.to_string()))?;
                    // Stateful topics' machine states, under the chain's directory.
                    let state_path = config
                        .base_path
                        .config_dir(config.chain_spec.id())
                        .join("concerto-state");
                    let states = Arc::new(
                        crate::state::StateStore::open(&state_path, config.prometheus_registry())
                            .map_err(|e| ServiceError::Other(e.to_string()))?,
                    );
                    let closing = states.clone();
                    task_manager
                        .spawn_handle()
                        .spawn("concerto-state-store", None, async move {
                            /// Closes the store when the task is dropped (node shutdown).
                            struct CloseOnDrop(Arc<crate::state::StateStore>);
                            impl Drop for CloseOnDrop {
                                fn drop(&mut self) {
                                    self.0.close();
                                }
                            }
                            let _close = CloseOnDrop(closing);
                            futures::future::pending::<()>().await
                        });
                    let finalized_client = client.clone();
                    Some(Arc::new(
                        crate::slots::NodeSlots::new(pool, cache, storage, states, move || {
                            finalized_client.info().finalized_number
                        })
                        .deviating(slot_params.deviates()),
                    ))
                }
                (true, None) => {
                    log::warn!("🎼 no offchain database: this validator will not run batches");
                    None
                }
                (false, _) => None,
            };
        let offchain_workers =
            sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
                runtime_api_provider: client.clone(),
                is_validator: config.role.is_authority(),
                keystore: Some(keystore_container.keystore()),
                offchain_db: backend.offchain_storage(),
                transaction_pool: Some(OffchainTransactionPoolFactory::new(
                    transaction_pool.clone(),
                )),
                network_provider: Arc::new(network.clone()),
                enable_http_requests: true,
                custom_extensions: move |_| {
                    slots
                        .iter()
                        .map(|s| Box::new(SlotsExt(s.clone())) as Box<_>)
                        .collect()
                },
            })?;
        task_manager.spawn_handle().spawn(
            "offchain-workers-runner",
            "offchain-worker",
            offchain_workers
                .run(client.clone(), task_manager.spawn_handle())
                .boxed(),
        );
    }

    let role = config.role;
    let force_authoring = config.force_authoring;
    let backoff_authoring_blocks: Option<()> = None;
    let name = config.network.node_name.clone();
    let enable_grandpa = !config.disable_grandpa;
    let prometheus_registry = config.prometheus_registry().cloned();

    // The real-time ingestion path: RPC → durable queue → this node's blocks.
    let ingest_path = config
        .base_path
        .config_dir(config.chain_spec.id())
        .join("concerto-ingest");
    let ingest =
        crate::ingest::Ingest::start(client.clone(), &ingest_path, config.prometheus_registry())
            .map_err(|e| ServiceError::Other(e.to_string()))?;
    // Runtime calls and disk writes on every block: a blocking task, off the async workers.
    task_manager.spawn_handle().spawn_blocking(
        "concerto-ingest",
        Some("concerto"),
        ingest.clone().follow_chain(),
    );

    // Serving: the index of finalized outputs behind the `concerto_` serving RPC.
    let index_path = config
        .base_path
        .config_dir(config.chain_spec.id())
        .join("concerto-index");
    let index = crate::serve::Index::open(
        client.clone(),
        backend.offchain_storage(),
        &index_path,
        serve_params,
        config.prometheus_registry(),
    )
    .map_err(|e| ServiceError::Other(e.to_string()))?;
    // As the ingestion follower: runtime calls and disk writes per finalized block.
    task_manager.spawn_handle().spawn_blocking(
        "concerto-index",
        Some("concerto"),
        index.clone().follow_finality(),
    );

    let certifier = crate::certify::Certifier::new(genesis, config.prometheus_registry())
        .map_err(|e| ServiceError::Other(e.to_string()))?;
    task_manager.spawn_handle().spawn(
        "concerto-certify",
        Some("concerto"),
        crate::certify::run(
            certifier.clone(),
            client.clone(),
            transaction_pool.clone(),
            keystore_container.keystore(),
            crate::certify::Gossip {
                network: network.clone(),
                sync: sync_service.clone(),
                notification_service: certify_notification_service,
                protocol: certify_protocol,
            },
            config.prometheus_registry().cloned(),
        ),
    );

    let rpc_extensions_builder = {
        let client = client.clone();
        let pool = transaction_pool.clone();
        let ingest = ingest.clone();
        let index = index.clone();
        let certifier = certifier.clone();

        Box::new(move |_| {
            let deps = crate::rpc::FullDeps {
                client: client.clone(),
                pool: pool.clone(),
                ingest: ingest.clone(),
                index: index.clone(),
                certifier: certifier.clone(),
            };
            crate::rpc::create_full(deps).map_err(Into::into)
        })
    };

    let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
        network: Arc::new(network.clone()),
        client: client.clone(),
        keystore: keystore_container.keystore(),
        task_manager: &mut task_manager,
        transaction_pool: transaction_pool.clone(),
        rpc_builder: rpc_extensions_builder,
        backend,
        system_rpc_tx,
        tx_handler_controller,
        sync_service: sync_service.clone(),
        config,
        telemetry: telemetry.as_mut(),
        tracing_execute_block: None,
    })?;

    if role.is_authority() {
        // The ingest inherent is paced by how long this node's proposals take.
        let proposer_factory = crate::ingest::pace::PacedProposerFactory::new(
            sc_basic_authorship::ProposerFactory::new(
                task_manager.spawn_handle(),
                client.clone(),
                transaction_pool.clone(),
                prometheus_registry.as_ref(),
                telemetry.as_ref().map(|x| x.handle()),
            ),
            ingest.pacer(),
        );

        let slot_duration = sc_consensus_aura::slot_duration(&*client)?;

        let aura = sc_consensus_aura::start_aura::<AuraPair, _, _, _, _, _, _, _, _, _, _>(
            StartAuraParams {
                slot_duration,
                client,
                select_chain,
                block_import,
                proposer_factory,
                create_inherent_data_providers: move |_, ()| {
                    let events = ingest.inherent_data();
                    async move {
                        let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
                        let slot =
                            sp_consensus_aura::inherents::InherentDataProvider::from_timestamp_and_slot_duration(
                                *timestamp,
                                slot_duration,
                            );
                        Ok((slot, timestamp, events))
                    }
                },
                force_authoring,
                backoff_authoring_blocks,
                keystore: keystore_container.keystore(),
                sync_oracle: sync_service.clone(),
                justification_sync_link: sync_service.clone(),
                block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
                max_block_proposal_slot_portion: None,
                telemetry: telemetry.as_ref().map(|x| x.handle()),
                compatibility_mode: Default::default(),
            },
        )?;

        // Block authoring is essential: if it fails, the node stops.
        task_manager
            .spawn_essential_handle()
            .spawn_blocking("aura", Some("block-authoring"), aura);
    }

    if enable_grandpa {
        // A non-authority node still takes part in GRANDPA gossip as an observer.
        let keystore = if role.is_authority() {
            Some(keystore_container.keystore())
        } else {
            None
        };

        let grandpa_config = sc_consensus_grandpa::Config {
            gossip_duration: Duration::from_millis(333),
            justification_generation_period: GRANDPA_JUSTIFICATION_PERIOD,
            name: Some(name),
            observer_enabled: false,
            keystore,
            local_role: role,
            telemetry: telemetry.as_ref().map(|x| x.handle()),
            protocol_name: grandpa_protocol_name,
        };

        let grandpa_params = sc_consensus_grandpa::GrandpaParams {
            config: grandpa_config,
            link: grandpa_link,
            network,
            sync: Arc::new(sync_service),
            notification_service: grandpa_notification_service,
            // No voting rule: vote for the best block at once. The default rules hold finality
            // back (`BeforeBestBlockBy(2)`), two blocks of latency for every finalized output.
            voting_rule: (),
            prometheus_registry,
            shared_voter_state: SharedVoterState::empty(),
            telemetry: telemetry.as_ref().map(|x| x.handle()),
            offchain_tx_pool_factory: OffchainTransactionPoolFactory::new(transaction_pool),
        };

        task_manager.spawn_essential_handle().spawn_blocking(
            "grandpa-voter",
            None,
            sc_consensus_grandpa::run_grandpa_voter(grandpa_params)?,
        );
    }

    Ok(task_manager)
}
