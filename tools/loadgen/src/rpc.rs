//! A JSON-RPC client of one node (HTTP), with the chain reads and writes the generator
//! needs: Alice's signed registry calls, heads and events, on top of `concerto-client`
//! (which submits the events).

use codec::{Decode, Encode};
use concerto_runtime::{
    tx_extension, Address, Header, RuntimeCall, RuntimeEvent, SignedPayload, UncheckedExtrinsic,
    VERSION,
};
use jsonrpsee_core::{params::ArrayParams, rpc_params, DeserializeOwned};
use polkadot_sdk::{
    frame_system,
    sp_core::{Bytes, H256},
    sp_io::hashing::twox_128,
    sp_keyring::Sr25519Keyring,
    sp_runtime::{generic::Era, MultiSignature},
};

/// What went wrong talking to a node.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RpcError {
    /// The call failed (see the client's error).
    #[error(transparent)]
    Client(#[from] concerto_client::Error),
    /// The node's answer does not decode as expected.
    #[error("{0}: the node's answer does not decode")]
    Decode(&'static str),
}

/// A client of one node.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    client: concerto_client::Client,
}

type EventRecord = frame_system::EventRecord<RuntimeEvent, H256>;

impl Node {
    /// Connects to `url` (`http://host:port`); must be called inside a tokio runtime.
    pub(crate) async fn connect(url: &str) -> Result<Node, RpcError> {
        Ok(Node {
            client: concerto_client::Client::connect(url).await?,
        })
    }

    /// One call.
    pub(crate) async fn call<R: DeserializeOwned>(
        &self,
        method: &'static str,
        params: ArrayParams,
    ) -> Result<R, RpcError> {
        Ok(self.client.call(method, params).await?)
    }

    /// The genesis hash.
    pub(crate) fn genesis(&self) -> H256 {
        self.client.genesis()
    }

    /// The best block's header.
    pub(crate) async fn best_header(&self) -> Result<Header, RpcError> {
        self.call("chain_getHeader", rpc_params![]).await
    }

    /// The finalized block's number.
    pub(crate) async fn finalized_number(&self) -> Result<u32, RpcError> {
        let hash: H256 = self.call("chain_getFinalizedHead", rpc_params![]).await?;
        let header: Header = self.call("chain_getHeader", rpc_params![hash]).await?;
        Ok(header.number)
    }

    /// The hash of block `n` on the best chain.
    pub(crate) async fn block_hash(&self, n: u32) -> Result<Option<H256>, RpcError> {
        self.call("chain_getBlockHash", rpc_params![n]).await
    }

    /// The runtime events of a block.
    pub(crate) async fn events(&self, block: H256) -> Result<Vec<RuntimeEvent>, RpcError> {
        let mut key = twox_128(b"System").to_vec();
        key.extend(twox_128(b"Events"));
        let raw: Option<Bytes> = self
            .call("state_getStorage", rpc_params![Bytes(key), block])
            .await?;
        let Some(raw) = raw else {
            return Ok(Vec::new());
        };
        let records = Vec::<EventRecord>::decode(&mut &raw[..])
            .map_err(|_| RpcError::Decode("System.Events"))?;
        Ok(records.into_iter().map(|r| r.event).collect())
    }

    /// Submits Alice's signed calls with consecutive nonces.
    pub(crate) async fn submit_as_alice(
        &self,
        genesis: H256,
        calls: Vec<RuntimeCall>,
    ) -> Result<(), RpcError> {
        let alice = Sr25519Keyring::Alice;
        let mut nonce: u32 = self
            .call(
                "system_accountNextIndex",
                rpc_params![alice.to_account_id()],
            )
            .await?;
        for call in calls {
            let ext = tx_extension(Era::Immortal, nonce);
            let implicit = (
                (),
                (),
                VERSION.spec_version,
                VERSION.transaction_version,
                genesis,
                genesis,
                (),
                (),
                (),
                None,
                (),
            );
            let payload = SignedPayload::from_raw(call.clone(), ext.clone(), implicit);
            let signature = payload.using_encoded(|bytes| alice.sign(bytes));
            let xt = UncheckedExtrinsic::new_signed(
                call,
                Address::Id(alice.to_account_id()),
                MultiSignature::Sr25519(signature),
                ext,
            );
            let _: H256 = self
                .call("author_submitExtrinsic", rpc_params![Bytes(xt.encode())])
                .await?;
            nonce += 1;
        }
        Ok(())
    }

    /// `concerto_submitEvents`: one answer per event.
    pub(crate) async fn submit_events(
        &self,
        events: Vec<Bytes>,
    ) -> Result<Vec<concerto_client::Answer>, RpcError> {
        Ok(self.client.submit_encoded(events).await?)
    }
}
