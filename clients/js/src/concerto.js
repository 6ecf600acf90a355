// A connection to a Concerto node: stock polkadot.js plus Concerto's RPC, event signing,
// outputs and certificates.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { hexToU8a, stringToHex, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { BOUND_ERRORS, ConcertoError, dispatchError } from './errors.js';
import { publisherKey, publisherSignature } from './keys.js';
import { rpc } from './rpc.js';
import { templateTypes } from './templates.js';

/** The domain tag of an event's signing message (`concerto_primitives::domain`). */
export const EVENT_SIGNING = 'concerto/event/v1';

/** The most events one `concerto_submitEvents` call takes (the node's limit). */
export const MAX_EVENTS_PER_CALL = 16_384;

/**
 * The JSON-RPC error of a failed node call as a `ConcertoError`.
 * @param {unknown} error
 */
function rpcError(error) {
  if (error instanceof ConcertoError) return error;
  const text = String(/** @type {any} */ (error)?.message ?? error);
  const code = /^(-?\d+):/.exec(text)?.[1];
  const named = {
    '1010': 'InvalidTransaction',
    '1011': 'UnknownTransaction',
    '4001': 'UnknownTopic',
    '4002': 'LimitExceeded',
    '4003': 'IndexFailed',
    '4004': 'EventsPruned',
    '4005': 'EventsMissing',
    '-32602': 'InvalidParams',
  }[code ?? ''];
  return new ConcertoError(named ?? 'Transport', text, { cause: error });
}

/**
 * The bounded arguments of the pallet's calls: for each call, the lengths to check, each as
 * (the error's name, the constant of `api.consts.topics` that bounds it, a function from the
 * call's arguments by name to the lengths).
 * @type {Record<string, Array<[string, string, (args: any) => number[]]>>}
 */
const BOUNDED_CALLS = {
  registerStream: [['MetadataTooLong', 'maxMetadataLen', (a) => [a.metadata.length]]],
  uploadTemplate: [['TemplateTooLarge', 'maxTemplateSize', (a) => [a.code.length]]],
  registerTopic: [
    ['TooManyStreams', 'maxStreamsPerTopic', (a) => [a.streams.length]],
    ['ConfigTooLong', 'maxTopicConfigLen', (a) => [a.config.length]],
  ],
  setStreamAccess: [['TooManyReaders', 'maxStreamReaders', (a) => (a.access.isAccounts ? [a.access.asAccounts.length] : [])]],
  publish: [['PayloadTooLong', 'maxPayloadLen', (a) => [a.event.payload.length]]],
  publishBatch: [
    ['TooManyEvents', 'maxEventsPerCall', (a) => [a.events.length]],
    ['PayloadTooLong', 'maxPayloadLen', (a) => a.events.map((/** @type {any} */ e) => e.payload.length)],
  ],
};

/**
 * An event's fields by name (`{ stream: 3, owner: '5Grw…' }`), or as an array when the
 * event has unnamed fields.
 * @param {any} data polkadot.js event data
 */
function eventData(data) {
  if (!data.names) return data.toJSON();
  return Object.fromEntries(data.names.map((/** @type {string} */ name, /** @type {number} */ i) => [name, data[i].toJSON()]));
}

/**
 * A connection to one Concerto node. `api` is a stock `ApiPromise` with Concerto's RPC
 * section (`api.rpc.concerto.*`) and the shipped templates' types registered.
 */
export class Concerto {
  /**
   * Connects to a node's WebSocket RPC endpoint.
   * @param {string} [endpoint] default `ws://127.0.0.1:9944`
   * @param {{ types?: Record<string, unknown>, provider?: import('@polkadot/api').WsProvider }} [options]
   *   `types`: more polkadot.js type definitions (your templates' formats).
   */
  static async connect(endpoint = 'ws://127.0.0.1:9944', options = {}) {
    const provider = options.provider ?? new WsProvider(endpoint);
    const api = await ApiPromise.create({
      provider,
      rpc: { concerto: rpc },
      types: { ...templateTypes, ...(options.types ?? {}) },
      noInitWarn: true,
    });
    return new Concerto(api, provider);
  }

  /**
   * @param {ApiPromise} api an API created with `{ rpc: { concerto: rpc } }`
   * @param {import('@polkadot/rpc-provider/types').ProviderInterface} [provider] its provider
   *   (subscriptions go through it; default: the API's own)
   */
  constructor(api, provider) {
    /** The polkadot.js API. */
    this.api = api;
    /** Its provider. */
    this.provider = provider ?? /** @type {any} */ (api)._rpcCore.provider;
    /** The chain's genesis hash: every signature is bound to it. */
    this.genesis = api.genesisHash.toU8a();
    const signedEvent = api.tx.topics.publish.meta.args[0].type.toString();
    const probe = /** @type {any} */ (api.registry.createType(signedEvent));
    /** The metadata's type names of the pallet's formats. */
    this.typeNames = {
      signedEvent,
      publisherKey: probe.Type.publisher,
      publisherSignature: probe.Type.signature,
    };
  }

  /** Closes the connection. */
  async disconnect() {
    await this.api.disconnect();
  }

  /**
   * The SCALE `PublisherKey` of a pair or of a key object (`{ Sr25519: '0x…' }`, …).
   * @param {import('@polkadot/keyring/types').KeyringPair | object} key
   */
  encodeKey(key) {
    const value = 'publicKey' in key && 'sign' in key ? publisherKey(/** @type {any} */ (key)) : key;
    return this.api.registry.createType(this.typeNames.publisherKey, value);
  }

  /**
   * The bytes a publisher signs: SCALE `("concerto/event/v1", genesis hash, stream,
   * publisher, sequence, blake2_256(payload))`.
   * @param {{ stream: number, publisher: object, sequence: number | bigint, payload: Uint8Array }} event
   */
  signingMessage({ stream, publisher, sequence, payload }) {
    return this.api.registry
      .createType(`(Bytes, [u8; 32], u32, ${this.typeNames.publisherKey}, u64, [u8; 32])`, [
        stringToHex(EVENT_SIGNING),
        this.genesis,
        stream,
        publisher,
        sequence,
        blake2AsU8a(payload, 256),
      ])
      .toU8a();
  }

  /**
   * A signed event, as the pallet and `concerto_submitEvents` check it (a polkadot.js
   * codec: `.toHex()` is its SCALE bytes, `.toJSON()` its fields).
   * @param {import('@polkadot/keyring/types').KeyringPair} pair the publisher's key
   * @param {{ stream: number, sequence: number | bigint, payload: Uint8Array | string }} event
   *   `payload`: bytes, or a hex string
   */
  signEvent(pair, { stream, sequence, payload }) {
    // A Uint8Array given to polkadot.js' `Bytes` would be read as length-prefixed SCALE:
    // the payload goes in as hex.
    const bytes = typeof payload === 'string' ? hexToU8a(payload) : payload;
    this.#checkBound('PayloadTooLong', 'maxPayloadLen', bytes.length);
    const publisher = publisherKey(pair);
    const message = this.signingMessage({ stream, publisher, sequence, payload: bytes });
    return this.api.registry.createType(this.typeNames.signedEvent, {
      stream,
      publisher,
      sequence,
      payload: u8aToHex(bytes),
      signature: publisherSignature(pair, message),
    });
  }

  /**
   * Submits signed events to this node's `concerto_submitEvents` (one call, at most
   * `MAX_EVENTS_PER_CALL`). Resolves to one answer per event, in order:
   * `{ result: 'accepted' | 'duplicate' }` or `{ result: 'rejected', error, message,
   * expected? }`; a whole-call failure rejects with a `ConcertoError`.
   * @param {Array<{ toHex(): string } | string>} events signed events or their SCALE hex
   * @returns {Promise<Array<{ result: string, error?: string, message?: string, expected?: number }>>}
   */
  async submitEvents(events) {
    const hex = events.map((e) => (typeof e === 'string' ? e : e.toHex()));
    return this.#call('submitEvents', hex);
  }

  /**
   * The sequence number the publisher's next event on `stream` must carry on this node
   * (counting events it accepted that the chain has not included). Rejects with
   * `UnknownStream`, `StreamClosed` or `NotPublisher` when the key may not publish.
   * @param {number} stream
   * @param {import('@polkadot/keyring/types').KeyringPair | object} key a pair or a `PublisherKey`
   * @returns {Promise<number>}
   */
  async nextSequence(stream, key) {
    const state = await this.#call('nextSequence', stream, this.encodeKey(key).toHex());
    if (state.state === 'open') return state.next;
    const name = state.state.charAt(0).toUpperCase() + state.state.slice(1);
    throw new ConcertoError(name, `stream ${stream}: the key may not publish`);
  }

  /**
   * Signs and sends a transaction from `signer` (e.g. `topics.registerStream`) and
   * resolves to its block and events once it is in a block; a failed dispatch rejects
   * with the pallet error's name (`ConcertoError`, `section` set).
   * @param {import('@polkadot/api/types').SubmittableExtrinsic<'promise'>} tx
   * @param {import('@polkadot/keyring/types').KeyringPair} signer
   * @returns {Promise<{ blockHash: string, events: Array<{ section: string, method: string, data: any }> }>}
   *   each event's `data`: its fields by name
   */
  send(tx, signer) {
    try {
      this.checkBounds(tx);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      let done = false;
      /** @type {(() => void) | undefined} */
      let unsubscribe;
      const finish = () => {
        done = true;
        unsubscribe?.();
      };
      tx.signAndSend(signer, (result) => {
        if (done) return;
        if (result.dispatchError) {
          finish();
          reject(dispatchError(this.api, result.dispatchError));
        } else if (result.status.isInBlock) {
          finish();
          resolve({
            blockHash: result.status.asInBlock.toHex(),
            events: result.events.map(({ event }) => ({
              section: event.section,
              method: event.method,
              data: eventData(event.data),
            })),
          });
        } else if (result.isError) {
          finish();
          reject(new ConcertoError('Dropped', `transaction ${result.status.type}`));
        }
      })
        .then((u) => {
          unsubscribe = u;
          if (done) u();
        })
        .catch((error) => {
          done = true;
          reject(rpcError(error));
        });
    });
  }

  /**
   * Throws a `ConcertoError` (`TemplateTooLarge`, `TooManyStreams`, `PayloadTooLong`, …; see
   * `BOUND_ERRORS`) when an argument of a `topics` call is beyond the chain's bound for
   * it. `send` checks every transaction so; the chain itself could only fail to decode it.
   * @param {import('@polkadot/api/types').SubmittableExtrinsic<'promise'>} tx
   */
  checkBounds(tx) {
    const { method } = tx;
    if (method.section !== 'topics') return;
    const checks = BOUNDED_CALLS[method.method];
    if (!checks) return;
    /** @type {Record<string, any>} */
    const args = Object.fromEntries(method.meta.args.map((arg, i) => [arg.name.toString().replace(/_(\w)/g, (_, c) => c.toUpperCase()), method.args[i]]));
    for (const [name, constant, lengths] of checks) {
      for (const len of lengths(args)) this.#checkBound(name, constant, len);
    }
  }

  /**
   * @param {string} name the error's name
   * @param {string} constant the bounding constant in `api.consts.topics`
   * @param {number} len the length to check
   */
  #checkBound(name, constant, len) {
    const max = /** @type {any} */ (this.api.consts.topics[constant]).toNumber();
    if (len > max) {
      throw new ConcertoError(name, `${BOUND_ERRORS[name]}: ${len} where at most ${max} are allowed`, { limit: max });
    }
  }

  /**
   * One finalized output from the node's index, or `null` if not (yet) indexed.
   * @param {number} topic
   * @param {number} batch
   */
  async output(topic, batch) {
    return this.#call('output', topic, batch);
  }

  /**
   * Up to `limit` (≤ 256) finalized outputs of `topic` in batch order from `fromBatch`.
   * @param {number} topic
   * @param {number} fromBatch
   * @param {number} [limit]
   */
  async outputs(topic, fromBatch, limit = 256) {
    return this.#call('outputs', topic, fromBatch, limit);
  }

  /**
   * A topic at the best block (owner, streams, template, config, window, quorum, …).
   * @param {number} topic
   */
  async topic(topic) {
    return this.#call('topic', topic);
  }

  /**
   * A finalized batch's events as the machine read them.
   * @param {number} topic
   * @param {number} batch
   */
  async batchEvents(topic, batch) {
    return this.#call('batchEvents', topic, batch);
  }

  /**
   * Calls `concerto_<method>` and resolves to its JSON answer as the node sent it.
   * @param {string} method
   * @param {...unknown} params
   * @returns {Promise<any>}
   */
  async #call(method, ...params) {
    try {
      return await this.provider.send(`concerto_${method}`, params);
    } catch (error) {
      throw rpcError(error);
    }
  }

  /**
   * Follows `topic`'s finalized outputs: `onOutput(output)` once per batch, in batch
   * order, as each output's block is GRANDPA-finalized. With `fromBatch`, the indexed
   * outputs from that batch come first. After a lost connection (polkadot.js reconnects
   * and resubscribes) the outputs finalized meanwhile are fetched from the index, so
   * none is missed or repeated. Resolves to a function that stops following.
   * @param {number} topic
   * @param {(output: any) => void} onOutput
   * @param {{ fromBatch?: number }} [options]
   * @returns {Promise<() => void>}
   */
  async followOutputs(topic, onOutput, { fromBatch } = {}) {
    let next = fromBatch ?? 0;
    let seen = fromBatch !== undefined;
    let stopped = false;
    /** @param {any} output */
    const deliver = (output) => {
      if (stopped || (seen && output.batch < next)) return;
      seen = true;
      next = output.batch + 1;
      onOutput(output);
    };
    const catchUp = async () => {
      if (!seen) return;
      for (;;) {
        const page = await this.outputs(topic, next).catch(() => []);
        page.forEach(deliver);
        if (page.length < 256) return;
      }
    };
    const onConnected = () => {
      catchUp();
    };
    this.api.on('connected', onConnected);
    let unsubscribe;
    try {
      const params = fromBatch === undefined ? [topic] : [topic, fromBatch];
      unsubscribe = await this.#subscribe('Outputs', 'finalizedOutput', params, deliver);
    } catch (error) {
      this.api.off('connected', onConnected);
      throw error;
    }
    return () => {
      stopped = true;
      this.api.off('connected', onConnected);
      unsubscribe();
    };
  }

  /**
   * Subscribes with `concerto_subscribe<what>` through the provider (which resubscribes
   * after a reconnect); resolves, once the node confirmed the subscription, to a function
   * that ends it.
   * @param {string} what
   * @param {string} notification
   * @param {unknown[]} params
   * @param {(item: any) => void} onItem
   * @returns {Promise<() => void>}
   */
  async #subscribe(what, notification, params, onItem) {
    const { provider } = this;
    const type = `concerto_${notification}`;
    /** @type {string | number} */
    let id;
    try {
      id = await provider.subscribe(type, `concerto_subscribe${what}`, params, (/** @type {unknown} */ error, /** @type {any} */ item) => {
        if (!error) onItem(item);
      });
    } catch (error) {
      throw rpcError(error);
    }
    return () => {
      provider.unsubscribe(type, `concerto_unsubscribe${what}`, id).catch(() => {});
    };
  }

  /**
   * Follows `topic`'s quorum certificates as this node collects them from the
   * validators' gossip (before the chain includes the attestations): `onCertificate`
   * once per batch. Resolves to a function that stops following.
   * @param {number} topic
   * @param {(certificate: any) => void} onCertificate
   * @returns {Promise<() => void>}
   */
  async followCertified(topic, onCertificate) {
    const delivered = new Set();
    let stopped = false;
    const unsubscribe = await this.#subscribe('Certified', 'certifiedResult', [topic], (certificate) => {
      if (stopped || delivered.has(certificate.batch)) return;
      delivered.add(certificate.batch);
      onCertificate(certificate);
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  /**
   * The outputs of a finalized output or certificate (its `outputs`: hex SCALE
   * `Vec<Vec<u8>>`), or `null` when they were too large to be inline (then only
   * `outputsHash` is on chain).
   * @param {{ outputs: string | null }} output
   * @returns {Uint8Array[] | null}
   */
  decodeOutputs(output) {
    if (output.outputs == null) return null;
    return /** @type {any} */ (this.api.registry.createType('Vec<Bytes>', output.outputs)).map(
      (/** @type {any} */ b) => b.toU8a(true),
    );
  }

  /**
   * Decodes SCALE bytes as a registered type (`MedianOutput`, a metadata type, or one of
   * `connect`'s `types`) to plain values: numbers, or decimal strings for integers past
   * 2^53; byte arrays and hashes as hex.
   * @param {string} type
   * @param {Uint8Array | string} bytes
   */
  decode(type, bytes) {
    return this.api.registry.createType(type, bytes).toPrimitive();
  }

  /**
   * Encodes a value as a registered type (`PriceTick`, `MedianConfig`, …): its SCALE
   * bytes as hex, which is what polkadot.js takes for a `Bytes` argument (a Uint8Array
   * would be read as length-prefixed) and what `signEvent` takes as a payload.
   * @param {string} type
   * @param {unknown} value
   * @returns {string}
   */
  encode(type, value) {
    return this.api.registry.createType(type, value).toHex();
  }
}
