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
  BudgetExhausted: "the stream's ingestion budget is exhausted; its owner must fund it (topics.fundStream)",
  SequenceUsed: 'the sequence number was used already (by another event)',
  SequenceGap: 'the sequence number skips ahead',
  QueueFull: "the node's ingestion queue is full; retry later",
});

/**
 * The names the client gives an argument beyond one of the chain's bounds, found before
 * anything is signed or sent (a transaction with such an argument does not even decode in
 * the runtime, which the node reports only as a failed `wasm` call).
 * @type {Readonly<Record<string, string>>}
 */
export const BOUND_ERRORS = Object.freeze({
  MetadataTooLong: "the stream's metadata is longer than the chain's MaxMetadataLen",
  TemplateTooLarge: "the template's code is larger than the chain's MaxTemplateSize",
  TooManyStreams: 'the topic names more streams than the chain\'s MaxStreamsPerTopic',
  ConfigTooLong: "the topic's configuration is longer than the chain's MaxTopicConfigLen",
  TooManyReaders: "the stream's access names more accounts than the chain's MaxStreamReaders",
  TooManyEvents: "the call carries more events than the chain's MaxEventsPerCall",
  PayloadTooLong: EVENT_ERRORS.PayloadTooLong,
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
   * @param {{ expected?: number, limit?: number, section?: string, cause?: unknown }} [details]
   */
  constructor(name, message, details = {}) {
    super(`${name}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = name;
    /** @type {number | undefined} */
    this.expected = details.expected;
    /** The chain's bound, for an argument beyond it (`BOUND_ERRORS`). @type {number | undefined} */
    this.limit = details.limit;
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
