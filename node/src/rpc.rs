//! The node's JSON-RPC API: the standard Substrate methods plus account nonces and fees,
//! Concerto's `concerto_submitEvents` (see `crate::ingest::rpc`) and its serving methods
//! (`concerto_subscribeOutputs`, `concerto_output(s)`, `concerto_topic`; see
//! `crate::serve::rpc`) and quorum certificates (`concerto_subscribeCertified`; see
//! `crate::certify::rpc`).

use concerto_runtime::{opaque::Block, AccountId, Balance, Nonce};
use jsonrpsee::RpcModule;
use polkadot_sdk::{
    sc_transaction_pool_api::TransactionPool,
    sp_block_builder::BlockBuilder,
    sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata},
    *,
};
use sp_api::ProvideRuntimeApi;
use std::sync::Arc;

/// What the RPC extensions need.
pub(crate) struct FullDeps<C, P, B: sc_client_api::Backend<Block>> {
    /// The client.
    pub client: Arc<C>,
    /// The transaction pool.
    pub pool: Arc<P>,
    /// The ingestion path (`concerto_submitEvents`).
    pub ingest: Arc<crate::ingest::Ingest<C>>,
    /// The output index (the serving methods).
    pub index: Arc<crate::serve::Index<C, B>>,
    /// The quorum certificates (`concerto_subscribeCertified`).
    pub certifier: Arc<crate::certify::Certifier>,
}

/// Builds the RPC extensions of a full node.
pub(crate) fn create_full<C, P, B>(
    deps: FullDeps<C, P, B>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
    C: ProvideRuntimeApi<Block>
        + HeaderBackend<Block>
        + HeaderMetadata<Block, Error = BlockChainError>
        + Send
        + Sync
        + 'static,
    C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
    C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
    C::Api: BlockBuilder<Block>,
    C::Api: pallet_topics::runtime_api::IngestApi<Block>,
    C: sc_client_api::BlockchainEvents<Block>,
    C: sc_client_api::StorageProvider<Block, B>,
    C::Api: pallet_topics::runtime_api::TopicsApi<
        Block,
        AccountId,
        concerto_runtime::Hash,
        concerto_runtime::BlockNumber,
        concerto_runtime::keys::crypto::Public,
    >,
    B: sc_client_api::Backend<Block> + 'static,
    P: TransactionPool + 'static,
{
    use crate::certify::rpc::CertifyRpcServer;
    use crate::ingest::rpc::IngestRpcServer;
    use crate::serve::rpc::ServeRpcServer;
    use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
    use substrate_frame_rpc_system::{System, SystemApiServer};

    let mut module = RpcModule::new(());
    let FullDeps {
        client,
        pool,
        ingest,
        index,
        certifier,
    } = deps;

    module.merge(System::new(client.clone(), pool).into_rpc())?;
    module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
    module.merge(crate::ingest::rpc::IngestRpcHandler(ingest).into_rpc())?;
    module.merge(crate::certify::rpc::CertifyRpcHandler { certifier, client }.into_rpc())?;
    module.merge(crate::serve::rpc::ServeRpcHandler(index).into_rpc())?;

    Ok(module)
}
