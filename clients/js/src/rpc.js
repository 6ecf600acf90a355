// Concerto's node JSON-RPC methods as polkadot.js custom RPC definitions.
//
// Pass them to `ApiPromise.create({ rpc: { concerto: rpc } })` and stock polkadot.js
// decorates `api.rpc.concerto.*`, subscriptions included (`Concerto.connect` does). The
// answers are JSON codecs: read them with `.toJSON()`. The `Concerto` class calls the
// same methods and hands back the node's JSON as it is.

/** @typedef {{ name: string, type: string, isOptional?: boolean }} Param */

const topic = { name: 'topic', type: 'u32' };
const batch = { name: 'batch', type: 'u64' };

/**
 * The `concerto` RPC section for `ApiPromise.create({ rpc: { concerto: rpc } })`.
 * Every answer is JSON (`Json` codec; read it with `.toJSON()`).
 */
export const rpc = {
  submitEvents: {
    description:
      'Check and queue signed events (SCALE SignedEvent each); answers accepted, duplicate or rejected with a named error, per event',
    params: [{ name: 'events', type: 'Vec<Bytes>' }],
    type: 'Vec<Json>',
  },
  nextSequence: {
    description:
      "The sequence number a publisher's next event on a stream must carry, counting events this node accepted and the chain has not included yet",
    params: [
      { name: 'stream', type: 'u32' },
      { name: 'publisher', type: 'Bytes' },
    ],
    type: 'Json',
  },
  output: {
    description: 'One finalized output from the node index, or null',
    params: [topic, batch],
    type: 'Json',
  },
  outputs: {
    description: 'Up to `limit` (<= 256) finalized outputs in batch order from `fromBatch`',
    params: [topic, { name: 'fromBatch', type: 'u64' }, { name: 'limit', type: 'u32' }],
    type: 'Vec<Json>',
  },
  batchEvents: {
    description: "A finalized batch's events as the machine read them",
    params: [topic, batch],
    type: 'Json',
  },
  topic: {
    description: 'A topic at the best block',
    params: [topic],
    type: 'Json',
  },
  subscribeOutputs: {
    description:
      "A topic's outputs as their blocks are GRANDPA-finalized (from `fromBatch` first, when given)",
    params: [topic, { name: 'fromBatch', type: 'u64', isOptional: true }],
    pubsub: ['finalizedOutput', 'subscribeOutputs', 'unsubscribeOutputs'],
    type: 'Json',
  },
  subscribeCertified: {
    description: "A topic's quorum certificates as this node collects them from gossip",
    params: [topic],
    pubsub: ['certifiedResult', 'subscribeCertified', 'unsubscribeCertified'],
    type: 'Json',
  },
};
