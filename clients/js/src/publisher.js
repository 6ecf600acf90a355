// A publisher on one stream: sequence numbers, signing, batching and retries.

import { answerError, ConcertoError } from './errors.js';
import { MAX_EVENTS_PER_CALL } from './concerto.js';
import { publisherKey } from './keys.js';

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Publishes a key's events on one stream through a node's `concerto_submitEvents`.
 *
 * Sequence numbers are assigned in order from the node's `nextSequence` (read on the
 * first publish, or with `sync()`). Each event is signed once; a retry resends the same
 * bytes, which the node answers `duplicate` if it accepted them before, so a lost answer
 * never publishes an event twice. Only transport failures and `QueueFull` are retried
 * (`retries` times, backing off from `backoffMs`); any other refusal rejects with its
 * named `ConcertoError` and leaves the sequence at the refused event, so the next
 * publish reuses its number. `SequenceUsed` / `SequenceGap` mean another client is
 * publishing with this key or this node has not seen its events: the error's
 * `expected` tells the node's next number; call `sync()` to adopt it.
 */
export class Publisher {
  /**
   * @param {import('./concerto.js').Concerto} concerto
   * @param {import('@polkadot/keyring/types').KeyringPair} pair
   * @param {number} stream
   * @param {{ retries?: number, backoffMs?: number }} [options]
   */
  constructor(concerto, pair, stream, { retries = 5, backoffMs = 200 } = {}) {
    this.concerto = concerto;
    this.pair = pair;
    this.stream = stream;
    /** The pallet's `PublisherKey` of this publisher. */
    this.key = publisherKey(pair);
    this.retries = retries;
    this.backoffMs = backoffMs;
    /** @type {number | undefined} the next sequence number, once known */
    this.next = undefined;
  }

  /** Reads the next sequence number from the node; resolves to it. */
  async sync() {
    this.next = await this.concerto.nextSequence(this.stream, this.key);
    return this.next;
  }

  /**
   * Signs and publishes one event; resolves to `{ sequence, result }` (`accepted`, or
   * `duplicate` when a retry found it accepted already).
   * @param {Uint8Array | string} payload
   */
  async publish(payload) {
    const [answer] = await this.publishMany([payload]);
    return answer;
  }

  /**
   * Signs and publishes events with consecutive sequence numbers, in as few calls as the
   * node's limit allows; resolves to one `{ sequence, result }` per payload. On a
   * refusal, rejects with the first refused event's `ConcertoError`, whose `published`
   * holds the answers of the events before it (those are accepted).
   * @param {Array<Uint8Array | string>} payloads
   * @returns {Promise<Array<{ sequence: number, result: string }>>}
   */
  async publishMany(payloads) {
    if (this.next === undefined) await this.sync();
    const first = /** @type {number} */ (this.next);
    const signed = payloads.map((payload, i) =>
      this.concerto.signEvent(this.pair, { stream: this.stream, sequence: first + i, payload }).toHex(),
    );
    /** @type {Array<{ sequence: number, result: string }>} */
    const published = [];
    for (let start = 0; start < signed.length; start += MAX_EVENTS_PER_CALL) {
      const chunk = signed.slice(start, start + MAX_EVENTS_PER_CALL);
      const answers = await this.#submit(chunk);
      for (const [i, answer] of answers.entries()) {
        const error = answerError(answer);
        if (error) {
          this.next = first + published.length;
          Object.assign(error, { published });
          throw error;
        }
        published.push({ sequence: first + start + i, result: answer.result });
      }
    }
    this.next = first + published.length;
    return published;
  }

  /**
   * One call, retried on transport failures and `QueueFull` with the same bytes: the
   * events accepted before are answered `duplicate`.
   * @param {string[]} events
   */
  async #submit(events) {
    for (let attempt = 0; ; attempt += 1) {
      /** @type {ConcertoError} */
      let failure;
      try {
        const answers = await this.concerto.submitEvents(events);
        const full = answers.findIndex((a) => a.result === 'rejected' && a.error === 'QueueFull');
        if (full < 0) return answers;
        failure = /** @type {ConcertoError} */ (answerError(answers[full]));
      } catch (error) {
        failure = error instanceof ConcertoError ? error : new ConcertoError('Transport', String(error));
      }
      if (!failure.retryable || attempt >= this.retries) throw failure;
      await sleep(this.backoffMs * 2 ** attempt);
    }
  }
}
