//! Extrinsics of the Concerto runtime built, signed and submitted over JSON-RPC, and the
//! runtime's events read back, the way a polkadot.js or subxt client does it.

use super::Node;
use codec::{Decode, Encode};
use concerto_runtime::{
    tx_extension, Address, RuntimeCall, RuntimeEvent, SignedPayload, UncheckedExtrinsic, VERSION,
};
use jsonrpsee_core::rpc_params;
use polkadot_sdk::{
    frame_system,
    sp_core::{Bytes, H256},
    sp_io::hashing::twox_128,
    sp_keyring::Sr25519Keyring,
    sp_runtime::{generic::Era, MultiSignature},
};
use std::time::{Duration, Instant};

type EventRecord = frame_system::EventRecord<RuntimeEvent, H256>;

/// A client of one node: knows the genesis hash and keeps a cursor over new blocks.
pub(crate) struct Chain<'a> {
    node: &'a Node,
    /// The chain's genesis hash (signed into every transaction and publisher message).
    pub(crate) genesis: H256,
    next_block: u64,
}

impl<'a> Chain<'a> {
    /// Waits until the node answers and has produced block 1.
    pub(crate) fn connect(node: &'a Node) -> Chain<'a> {
        let genesis = node
            .wait_for(Duration::from_secs(180), |n| {
                n.best_number().filter(|b| *b >= 1)?;
                n.rpc("chain_getBlockHash", rpc_params![0]).ok()
            })
            .unwrap_or_else(|| panic!("node did not start; log:\n{}", node.log()));
        Chain {
            node,
            genesis,
            next_block: 1,
        }
    }

    /// The node this client talks to.
    pub(crate) fn node(&self) -> &'a Node {
        self.node
    }

    /// The next nonce of `who`, counting transactions in the pool.
    pub(crate) fn nonce(&self, who: Sr25519Keyring) -> u32 {
        self.node
            .call("system_accountNextIndex", rpc_params![who.to_account_id()])
            .expect("nonce")
    }

    /// A signed, immortal transaction of `signer` with `nonce`.
    pub(crate) fn signed(
        &self,
        signer: Sr25519Keyring,
        nonce: u32,
        call: RuntimeCall,
    ) -> UncheckedExtrinsic {
        let ext = tx_extension(Era::Immortal, nonce);
        let implicit = (
            (),
            (),
            VERSION.spec_version,
            VERSION.transaction_version,
            self.genesis,
            self.genesis,
            (),
            (),
            (),
            None,
            (),
        );
        let payload = SignedPayload::from_raw(call.clone(), ext.clone(), implicit);
        let signature = payload.using_encoded(|bytes| signer.sign(bytes));
        UncheckedExtrinsic::new_signed(
            call,
            Address::Id(signer.to_account_id()),
            MultiSignature::Sr25519(signature),
            ext,
        )
    }

    /// Submits `calls` signed by `who` (consecutive nonces) and waits until `done` picks
    /// an event (and one block more); panics with the node log otherwise.
    pub(crate) fn submit_calls<T>(
        &mut self,
        who: Sr25519Keyring,
        calls: Vec<RuntimeCall>,
        timeout: Duration,
        done: impl FnMut(&RuntimeEvent) -> Option<T>,
    ) -> T {
        let nonce = self.nonce(who);
        for (i, call) in calls.into_iter().enumerate() {
            let xt = self.signed(who, nonce + i as u32, call);
            self.submit(&xt)
                .unwrap_or_else(|e| panic!("{who:?}'s call {i} refused: {e}"));
        }
        let (block, found) = self
            .wait_event(timeout, done)
            .unwrap_or_else(|| panic!("{who:?}'s calls not included; log:\n{}", self.node.log()));
        // The transaction pool validates against its own view of the best block, which
        // follows block import asynchronously: wait for the next block so the view includes
        // `block` before anything that depends on it is submitted.
        self.node
            .wait_for(timeout, |n| n.best_number().filter(|b| *b > block))
            .expect("the chain keeps producing blocks");
        found
    }

    /// An authorized (fee-less, unsigned) general transaction: the call's
    /// `#[pallet::authorize]` rule decides whether it is valid.
    pub(crate) fn authorized(&self, call: RuntimeCall) -> UncheckedExtrinsic {
        UncheckedExtrinsic::new_transaction(call, tx_extension(Era::Immortal, 0))
    }

    /// Submits an extrinsic; `Err` carries the node's JSON-RPC error (e.g. why the pool
    /// refused it).
    pub(crate) fn submit(&self, xt: &UncheckedExtrinsic) -> Result<H256, String> {
        self.node
            .call("author_submitExtrinsic", rpc_params![Bytes(xt.encode())])
            .map_err(|e| e.to_string())
    }

    /// The hash of block `n` on the best chain, once it exists.
    pub(crate) fn block_hash(&self, n: u64) -> Option<H256> {
        self.node
            .rpc("chain_getBlockHash", rpc_params![n])
            .ok()
            .flatten()
    }

    /// A plain storage value `pallet::item` at `block`, SCALE-decoded.
    pub(crate) fn storage_value<T: Decode>(
        &self,
        pallet: &str,
        item: &str,
        block: H256,
    ) -> Option<T> {
        let mut key = twox_128(pallet.as_bytes()).to_vec();
        key.extend(twox_128(item.as_bytes()));
        let raw: Bytes = self
            .node
            .call::<Option<Bytes>>("state_getStorage", rpc_params![Bytes(key), block])
            .ok()
            .flatten()?;
        Some(T::decode(&mut &raw[..]).expect("storage value decodes"))
    }

    /// The runtime events of a block.
    pub(crate) fn events(&self, block: H256) -> Vec<RuntimeEvent> {
        self.storage_value::<Vec<EventRecord>>("System", "Events", block)
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.event)
            .collect()
    }

    /// Walks new blocks (from where the last call stopped) until `f` picks an event;
    /// returns it with the block number it was in.
    pub(crate) fn wait_event<T>(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(&RuntimeEvent) -> Option<T>,
    ) -> Option<(u64, T)> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            match self.block_hash(self.next_block) {
                Some(hash) => {
                    let n = self.next_block;
                    if let Some(found) = self.events(hash).iter().find_map(&mut f) {
                        // The next wait starts at this block again: it may hold more.
                        return Some((n, found));
                    }
                    self.next_block += 1;
                }
                None => std::thread::sleep(Duration::from_millis(250)),
            }
        }
        None
    }

    /// Calls a runtime API function at the best block and decodes its result.
    pub(crate) fn runtime_api<R: Decode>(&self, method: &str, args: impl Encode) -> R {
        let raw: Bytes = self
            .node
            .call("state_call", rpc_params![method, Bytes(args.encode())])
            .unwrap_or_else(|e| panic!("{method} failed: {e}"));
        R::decode(&mut &raw[..]).expect("runtime API result decodes")
    }

    /// Reads the node's PERSISTENT offchain storage (an unsafe RPC, open on localhost).
    pub(crate) fn offchain_get(&self, key: &[u8]) -> Option<Vec<u8>> {
        let value: Option<Bytes> = self
            .node
            .rpc(
                "offchain_localStorageGet",
                rpc_params!["PERSISTENT", Bytes(key.to_vec())],
            )
            .ok()?;
        value.map(|v| v.0)
    }
}
