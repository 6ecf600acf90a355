// @concerto/client: publish signed events to Concerto, follow finalized outputs and
// quorum certificates, and decode them, with stock polkadot.js underneath.

export { Concerto, EVENT_SIGNING, MAX_EVENTS_PER_CALL } from './concerto.js';
export { BOUND_ERRORS, ConcertoError, EVENT_ERRORS, answerError, dispatchError } from './errors.js';
export { SCHEMES, publisherKey, publisherPair, publisherSignature } from './keys.js';
export { Publisher } from './publisher.js';
export { rpc } from './rpc.js';
export { ethVerifier, median, templateTypes } from './templates.js';
