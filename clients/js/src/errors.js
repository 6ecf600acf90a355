// Named errors: every refusal a Concerto node or runtime gives, mapped to its name.

/**
 * The names `concerto_submitEvents` gives a refused event (the node's `IngestError`).
 * @type {Readonly<Record<string, string>>}
 */
export const EVENT_ERRORS = Object.freeze({
  Undecodable: 'the bytes are not a SCALE-encoded SignedEvent',
  PayloadTooLong: "the payload is longer than the chain's MaxPayloadLen",
  BadSignature: "the publisher's signature does not verify over the event's signing message",
  UnknownStream: 'no stream with this id',
  StreamClosed: 'the stream is closed',
  NotPublisher: 'the key is not a publisher of this stream',
  SequenceUsed: 'the sequence number was used already (by another event)',
  SequenceGap: 'the sequence number skips ahead',
  QueueFull: "the node's ingestion queue is full; retry later",
});

/** Refusals that a retry of the very same bytes may get past. */
export const RETRYABLE = new Set(['QueueFull', 'Transport']);

/**
 * An error with a name a client can show and match on.
 *
 * `name` is the error's name (`BadSignature`, `StreamClosed`, … for events; the pallet's
 * error name for a failed extrinsic; `Transport` when the node could not be reached).
 * `expected` is the next sequence number for `SequenceUsed` / `SequenceGap`.
 */
export class ConcertoError extends Error {
  /**
   * @param {string} name
   * @param {string} message
   * @param {{ expected?: number, section?: string, cause?: unknown }} [details]
   */
  constructor(name, message, details = {}) {
    super(`${name}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = name;
    /** @type {number | undefined} */
    this.expected = details.expected;
    /** @type {string | undefined} */
    this.section = details.section;
  }

  /** Whether sending the same bytes again may succeed. */
  get retryable() {
    return RETRYABLE.has(this.name);
  }
}

/**
 * The `ConcertoError` of one `concerto_submitEvents` answer, or `null` when it was
 * accepted or a duplicate.
 * @param {{ result: string, error?: string, message?: string, expected?: number }} answer
 */
export function answerError(answer) {
  if (answer.result !== 'rejected') return null;
  const name = answer.error ?? 'Rejected';
  return new ConcertoError(name, answer.message ?? EVENT_ERRORS[name] ?? 'refused', {
    expected: answer.expected,
  });
}

/**
 * The `ConcertoError` of a failed dispatch (`ExtrinsicFailed`'s `dispatchError`), named
 * from the chain's metadata: `topics.NotOwner` becomes `name: 'NotOwner'`,
 * `section: 'topics'`.
 * @param {import('@polkadot/api').ApiPromise} api
 * @param {any} dispatchError
 */
export function dispatchError(api, dispatchError) {
  if (dispatchError.isModule) {
    const meta = api.registry.findMetaError(dispatchError.asModule);
    return new ConcertoError(meta.name, meta.docs.join(' ') || `${meta.section}.${meta.name}`, {
      section: meta.section,
    });
  }
  const kind = dispatchError.type ?? 'DispatchError';
  return new ConcertoError(kind, dispatchError.toString());
}
