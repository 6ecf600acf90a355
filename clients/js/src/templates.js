// The SCALE formats of the templates shipped in offchain-workers/templates, as polkadot.js
// type definitions: event payloads, topic configurations and outputs. `Concerto.connect`
// registers them, so `concerto.decode('MedianOutput', bytes)` and
// `concerto.encode('PriceTick', {...})` work out of the box.
//
// Field order is the encoding (SCALE is positional); the Rust definitions are in
// offchain-workers/primitives/src/{price,eth}.rs. Field names are camelCase and never a
// member of polkadot.js' codec classes (`LogData.Hashed.hash` is `dataHash` here).

/** The median price aggregator (`median`). */
export const median = Object.freeze({
  /** Event payload: one observation. */
  PriceTick: { assetId: 'u32', price: 'u128', observedAt: 'u64' },
  /** Event payload: an observation with its source's label. */
  LabelledTick: { tick: 'PriceTick', source: 'Bytes' },
  /** Topic configuration. */
  MedianConfig: { maxAgeMs: 'u64', minPublishers: 'u32' },
  /** One output per asset and batch. */
  MedianOutput: {
    batchNumber: 'u64',
    assetId: 'u32',
    median: 'u128',
    min: 'u128',
    max: 'u128',
    publishers: 'u32',
    referenceTime: 'u64',
  },
});

/** The Ethereum receipt-proof verifier (`eth-verifier`). */
export const ethVerifier = Object.freeze({
  /** Topic configuration. */
  VerifierConfig: { minConfirmations: 'u32', relayerStreamId: 'u32' },
  /** A claim: a log in a receipt, with the header and the receipt trie proof. */
  ReceiptClaim: { headerRlp: 'Bytes', txIndex: 'u32', proof: 'Vec<Bytes>', logIndex: 'u32' },
  /** Event payload: a relayer's observation of a block hash (index 0), or a claim (1). */
  EthPayload: {
    _enum: {
      Observation: { blockNumber: 'u64', blockHash: 'H256' },
      Claim: 'ReceiptClaim',
    },
  },
  /** A log's data: inline, or its keccak-256 and length when long. */
  LogData: { _enum: { Inline: 'Bytes', Hashed: { dataHash: 'H256', len: 'u32' } } },
  /** One output per verified claim. */
  VerifiedLog: {
    blockNumber: 'u64',
    blockHash: 'H256',
    txIndex: 'u32',
    logIndex: 'u32',
    address: '[u8; 20]',
    topics: 'Vec<H256>',
    data: 'LogData',
  },
});

/** Every shipped template's types, for `ApiPromise.create({ types })`. */
export const templateTypes = Object.freeze({ ...median, ...ethVerifier });
