//! A real pallet-contracts contract (`contracts/settlement`, built for wasm32v1-none)
//! reads finalized outputs through the runtime's outputs chain extension on a dev chain:
//! a price bet settles only from a finalized, accepted median (paying the winning side the
//! pot); an escrow is released only for an Ethereum log the eth-verifier template
//! finalized as verified; missing outputs, rejected ones, outputs without the price or the
//! log, and second settlements are refused.

use crate::{
    common::{
        chain::Chain,
        concerto::{
            as_alice, finalized_output, fund_topics, inline_outputs, median_topic, open_stream,
            publish, register_stream, stream_registered, template, ticks, topic as topic_call,
            topic_registered, upload, Publisher, SDK_MACHINE, WAIT,
        },
        Node,
    },
    harness_support::eth::{self, HostLog},
};
use codec::{Decode, Encode};
use concerto_primitives::{
    eth::{EthPayload, ReceiptClaim, VerifierConfig},
    price::MedianConfig,
};
use concerto_runtime::{AccountId, Balance, RuntimeCall, RuntimeEvent, UNIT};
use pallet_topics::Verdict;
use polkadot_sdk::{
    pallet_balances, pallet_contracts,
    sp_core::{crypto::AccountId32, Pair},
    sp_keyring::Sr25519Keyring,
    sp_weights::Weight,
};
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

const ASSET: u32 = 7;

/// The contract's ABI, written out here as a client would (SCALE, see
/// `contracts/settlement/src/lib.rs`).
#[derive(Encode)]
enum Terms {
    #[codec(index = 0)]
    PriceBet {
        topic: u32,
        batch: u64,
        asset_id: u32,
        strike: u128,
        over: [u8; 32],
        under: [u8; 32],
    },
    #[codec(index = 1)]
    LogEscrow {
        topic: u32,
        batch: u64,
        address: [u8; 20],
        topic0: [u8; 32],
        beneficiary: [u8; 32],
    },
}

const JOIN: u8 = 0;
const SETTLE: u8 = 1;

/// The contract's `Error` indices.
mod refused {
    pub(super) const OUTPUT_MISSING: u8 = 1;
    pub(super) const OUTPUT_REJECTED: u8 = 2;
    pub(super) const NO_MATCHING_LOG: u8 = 5;
    pub(super) const NOT_JOINED: u8 = 6;
    pub(super) const WRONG_STAKE: u8 = 8;
    pub(super) const ALREADY_SETTLED: u8 = 9;
}

#[derive(Decode, Debug, PartialEq, Eq)]
struct Settlement {
    to: [u8; 32],
    amount: Balance,
    batch: u64,
}

/// The contract's Wasm, built by `scripts/build-contracts.sh` (into
/// `$CONCERTO_CONTRACTS_TARGET_DIR`, default `contracts/target`).
fn contract_wasm(name: &str) -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = std::env::var_os("CONCERTO_CONTRACTS_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("contracts/target"));
    let out = std::process::Command::new("bash")
        .arg(root.join("scripts/build-contracts.sh"))
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("run scripts/build-contracts.sh");
    assert!(
        out.status.success(),
        "scripts/build-contracts.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = stdout
        .lines()
        .find_map(|l| l.strip_prefix(&format!("CONTRACT {name} ")))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no contract {name} in:\n{stdout}"));
    std::fs::read(path).expect("contract Wasm readable")
}

type EventRecord = polkadot_sdk::frame_system::EventRecord<RuntimeEvent, concerto_runtime::Hash>;
type ExecResult = pallet_contracts::ContractExecResult<Balance, EventRecord>;
type InstantiateResult =
    pallet_contracts::ContractInstantiateResult<AccountId, Balance, EventRecord>;

struct Contracts<'c, 'n> {
    chain: &'c mut Chain<'n>,
    code: Vec<u8>,
}

impl Contracts<'_, '_> {
    fn account(who: Sr25519Keyring) -> AccountId {
        AccountId32::from(who.pair().public().0)
    }

    /// Signs `call` from `who`, waits until it is in a block (the block where `who` paid
    /// its fee), and returns that block's events.
    fn submit(&mut self, who: Sr25519Keyring, call: RuntimeCall) -> Vec<RuntimeEvent> {
        let from = self.chain.node().best_number().unwrap_or(0) + 1;
        let nonce = self.chain.nonce(who);
        let xt = self.chain.signed(who, nonce, call);
        let hash = self
            .chain
            .submit(&xt)
            .expect("transaction accepted by the pool");
        let signer = Self::account(who);
        let paid = |e: &RuntimeEvent| {
            matches!(
                e,
                RuntimeEvent::TransactionPayment(
                    polkadot_sdk::pallet_transaction_payment::Event::TransactionFeePaid { who, .. }
                ) if *who == signer
            )
        };
        let deadline = Instant::now() + WAIT;
        let mut n = from;
        while Instant::now() < deadline {
            let Some(block) = self.chain.block_hash(n) else {
                std::thread::sleep(Duration::from_millis(200));
                continue;
            };
            let events = self.chain.events(block);
            if events.iter().any(paid) {
                // The pool validates against its view of the best block: let it see this one.
                self.chain
                    .node()
                    .wait_for(WAIT, |node| node.best_number().filter(|b| *b > n))
                    .expect("the chain goes on");
                return events;
            }
            n += 1;
        }
        panic!(
            "transaction {hash:?} not included; log:\n{}",
            self.chain.node().log()
        )
    }

    /// Deploys the contract with `terms` and `value` from `who`; returns its account.
    fn deploy(
        &mut self,
        who: Sr25519Keyring,
        terms: &Terms,
        value: Balance,
        salt: u8,
    ) -> AccountId {
        let dry: InstantiateResult = self.chain.runtime_api(
            "ContractsApi_instantiate",
            (
                Self::account(who),
                value,
                None::<Weight>,
                None::<Balance>,
                pallet_contracts::Code::<concerto_runtime::Hash>::Upload(self.code.clone()),
                terms.encode(),
                vec![salt],
            ),
        );
        let deployed = dry
            .result
            .unwrap_or_else(|e| panic!("instantiation dry-run failed: {e:?}"));
        assert!(!deployed.result.did_revert(), "deploy reverted");
        let call = RuntimeCall::Contracts(pallet_contracts::Call::instantiate_with_code {
            value,
            gas_limit: dry.gas_required,
            storage_deposit_limit: None,
            code: self.code.clone(),
            data: terms.encode(),
            salt: vec![salt],
        });
        let events = self.submit(who, call);
        assert!(
            events.iter().any(|e| matches!(
                e,
                RuntimeEvent::Contracts(pallet_contracts::Event::Instantiated { contract, .. })
                    if *contract == deployed.account_id
            )),
            "not instantiated: {events:?}"
        );
        deployed.account_id
    }

    /// A dry-run call: `Ok(return data)` or `Err(revert data)`.
    fn dry_call(
        &self,
        who: Sr25519Keyring,
        contract: &AccountId,
        value: Balance,
        message: u8,
    ) -> (Result<Vec<u8>, Vec<u8>>, Weight) {
        let dry: ExecResult = self.chain.runtime_api(
            "ContractsApi_call",
            (
                Self::account(who),
                contract.clone(),
                value,
                None::<Weight>,
                None::<Balance>,
                vec![message],
            ),
        );
        let done = dry
            .result
            .unwrap_or_else(|e| panic!("call dry-run trapped: {e:?}"));
        let outcome = if done.did_revert() {
            Err(done.data)
        } else {
            Ok(done.data)
        };
        (outcome, dry.gas_required)
    }

    /// Calls the contract for real (after a dry run that must succeed).
    fn call(
        &mut self,
        who: Sr25519Keyring,
        contract: &AccountId,
        value: Balance,
        message: u8,
    ) -> Vec<RuntimeEvent> {
        let (outcome, gas_limit) = self.dry_call(who, contract, value, message);
        outcome.unwrap_or_else(|data| panic!("message {message} reverts: {data:?}"));
        let call = RuntimeCall::Contracts(pallet_contracts::Call::call {
            dest: contract.clone().into(),
            value,
            gas_limit,
            storage_deposit_limit: None,
            data: vec![message],
        });
        self.submit(who, call)
    }

    /// The revert error index of a dry-run call that must revert.
    fn refusal(
        &self,
        who: Sr25519Keyring,
        contract: &AccountId,
        value: Balance,
        message: u8,
    ) -> u8 {
        match self.dry_call(who, contract, value, message).0 {
            Err(data) => data
                .first()
                .copied()
                .expect("revert data is the SCALE Error"),
            Ok(data) => panic!("message {message} succeeded: {data:?}"),
        }
    }
}

#[test]
fn a_contract_pays_out_only_on_finalized_accepted_outputs() {
    let node = Node::start(&["--dev", "--tmp"]);
    let mut chain = Chain::connect(&node);
    let publishers = [Publisher::new(61), Publisher::new(62), Publisher::new(63)];
    let config = MedianConfig {
        max_age_ms: u64::MAX / 4,
        min_publishers: 3,
    };
    let (stream, topic) = median_topic(&mut chain, &publishers, config, 2);
    let [a, b, c] = &publishers;

    // Batch 0: the median of 100, 104 and 102.
    publish(
        &chain,
        ticks(&chain, stream, ASSET, &[(a, 100), (b, 104), (c, 102)]),
    );
    let (_, verdict, accepted) = finalized_output(&chain, topic, 0, WAIT);
    assert_eq!(verdict, Verdict::Accepted, "log:\n{}", node.log());
    // The next batch holds a payload the template refuses: finalized as rejected, though
    // it still has a median of the other two ticks.
    let garbage = a.event(&chain, stream, 1, b"not a price");
    let more = vec![
        garbage,
        b.event(&chain, stream, 1, &tick(ASSET, 500)),
        c.event(&chain, stream, 1, &tick(ASSET, 500)),
    ];
    publish(&chain, more);
    let rejected_batch = accepted.batch + 1;
    let (_, verdict, _) = finalized_output(&chain, topic, rejected_batch, WAIT);
    assert_eq!(verdict, Verdict::Rejected);

    // An Ethereum verifier topic over a relayer stream and a claim stream, and a verified
    // log: a made-up block (real receipts trie, well-formed header) whose first receipt
    // holds the log, confirmed by two relayers.
    let (relay_a, relay_b, claimer) = (Publisher::new(64), Publisher::new(65), Publisher::new(66));
    let relayers = as_alice(
        &mut chain,
        vec![register_stream(), register_stream()],
        stream_registered,
    );
    let claims = relayers + 1;
    let (upload_call, verifier) = upload(template("eth-verifier"), SDK_MACHINE);
    let mut calls = open_stream(relayers, &[&relay_a, &relay_b]);
    calls.extend(open_stream(claims, &[&claimer]));
    calls.push(upload_call);
    let config = VerifierConfig {
        min_confirmations: 2,
        relayer_stream_id: relayers,
    };
    calls.push(topic_call(
        vec![relayers, claims],
        verifier,
        config.encode(),
        2,
    ));
    let eth_topic = as_alice(&mut chain, calls, topic_registered);
    fund_topics(&mut chain, &[eth_topic]);
    let log = HostLog {
        address: LOG_ADDRESS,
        topics: vec![LOG_TOPIC0, [0x02; 32]],
        data: vec![0xab; 40].into(),
    };
    let block = eth::synthetic(19_000_000, vec![vec![], vec![log]]);
    let observation = EthPayload::Observation {
        block_number: block.number,
        block_hash: block.hash,
    }
    .encode();
    let claim = EthPayload::Claim(ReceiptClaim {
        header_rlp: block.header_rlp.clone(),
        tx_index: 1,
        proof: block.trie.proof(1),
        log_index: 0,
    })
    .encode();
    publish(
        &chain,
        vec![
            relay_a.event(&chain, relayers, 0, &observation),
            relay_b.event(&chain, relayers, 0, &observation),
            claimer.event(&chain, claims, 0, &claim),
        ],
    );
    let (_, verdict, verified) = finalized_output(&chain, eth_topic, 0, WAIT);
    assert_eq!(verdict, Verdict::Accepted, "log:\n{}", node.log());
    assert_eq!(
        inline_outputs(&verified),
        vec![eth::verified_log(&block, 1, 0).encode()]
    );

    let code = contract_wasm("settlement");
    let mut contracts = Contracts {
        chain: &mut chain,
        code,
    };
    let (alice, bob, charlie) = (
        Sr25519Keyring::Alice,
        Sr25519Keyring::Bob,
        Sr25519Keyring::Charlie,
    );
    let stake = 100 * UNIT;
    let bet = contracts.deploy(
        alice,
        &Terms::PriceBet {
            topic,
            batch: accepted.batch,
            asset_id: ASSET,
            strike: 102,
            over: alice.public().0,
            under: bob.public().0,
        },
        stake,
        0,
    );
    assert_eq!(
        contracts.refusal(charlie, &bet, 0, SETTLE),
        refused::NOT_JOINED
    );
    assert_eq!(
        contracts.refusal(bob, &bet, stake - 1, JOIN),
        refused::WRONG_STAKE
    );
    contracts.call(bob, &bet, stake, JOIN);

    // Anyone may settle: the median (102) reached the strike, so `over` (Alice) is paid
    // both stakes.
    let (outcome, _) = contracts.dry_call(charlie, &bet, 0, SETTLE);
    let expected = Settlement {
        to: alice.public().0,
        amount: 2 * stake,
        batch: accepted.batch,
    };
    assert_eq!(
        Settlement::decode(&mut &outcome.expect("settles")[..]).expect("Settlement"),
        expected
    );
    let events = contracts.call(charlie, &bet, 0, SETTLE);
    assert_paid(&events, &bet, alice, 2 * stake);
    assert!(
        events.iter().any(|e| matches!(
            e,
            RuntimeEvent::Contracts(pallet_contracts::Event::ContractEmitted { contract, data })
                if *contract == bet
                    && Settlement::decode(&mut &data[..]).ok().as_ref() == Some(&expected)
        )),
        "no settlement event: {events:?}"
    );
    assert_eq!(
        contracts.refusal(charlie, &bet, 0, SETTLE),
        refused::ALREADY_SETTLED
    );

    // Refusals of outputs that do not pay: an escrow settles without anyone joining.
    let escrow = |batch: u64| Terms::LogEscrow {
        topic,
        batch,
        address: [0xee; 20],
        topic0: [0x01; 32],
        beneficiary: bob.public().0,
    };
    let cases = [
        (rejected_batch, refused::OUTPUT_REJECTED),
        (1_000, refused::OUTPUT_MISSING),
        // Accepted, but a median topic's outputs are no verified Ethereum log.
        (accepted.batch, refused::NO_MATCHING_LOG),
    ];
    for (salt, (batch, error)) in cases.into_iter().enumerate() {
        let contract = contracts.deploy(alice, &escrow(batch), UNIT, 1 + salt as u8);
        assert_eq!(
            contracts.refusal(charlie, &contract, 0, SETTLE),
            error,
            "escrow on batch {batch}"
        );
    }

    // The escrow of the verified log pays Bob; one waiting for another event does not.
    let release = |topic0: [u8; 32]| Terms::LogEscrow {
        topic: eth_topic,
        batch: verified.batch,
        address: LOG_ADDRESS,
        topic0,
        beneficiary: bob.public().0,
    };
    let other = contracts.deploy(alice, &release([0x03; 32]), UNIT, 10);
    assert_eq!(
        contracts.refusal(charlie, &other, 0, SETTLE),
        refused::NO_MATCHING_LOG
    );
    let escrow = contracts.deploy(alice, &release(LOG_TOPIC0), 50 * UNIT, 11);
    let events = contracts.call(charlie, &escrow, 0, SETTLE);
    assert_paid(&events, &escrow, bob, 50 * UNIT);
}

/// That `events` hold the transfer of `amount` from `contract` to `to`.
fn assert_paid(events: &[RuntimeEvent], contract: &AccountId, to: Sr25519Keyring, amount: Balance) {
    let payee = Contracts::account(to);
    assert!(
        events.iter().any(|e| matches!(
            e,
            RuntimeEvent::Balances(pallet_balances::Event::Transfer { from, to, amount: paid })
                if from == contract && *to == payee && *paid == amount
        )),
        "no transfer of {amount} from the contract to {to:?}: {events:?}"
    );
}

/// The verified log's emitter and first topic.
const LOG_ADDRESS: [u8; 20] = [0xc0; 20];
const LOG_TOPIC0: [u8; 32] = [0x01; 32];

/// A median tick payload.
fn tick(asset_id: u32, price: u128) -> Vec<u8> {
    concerto_primitives::price::PriceTick {
        asset_id,
        price,
        observed_at: 1_700_000_000_000,
    }
    .encode()
}
