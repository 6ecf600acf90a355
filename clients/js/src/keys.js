// Publisher keys: sr25519, ed25519 and Ethereum (secp256k1), as pallet-topics checks them.

import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, ethereumEncode } from '@polkadot/util-crypto';

/** The key schemes a stream's publishers may use. */
export const SCHEMES = Object.freeze(['sr25519', 'ed25519', 'ethereum']);

/**
 * A publisher's key pair from a secret URI (`//Name`, a mnemonic, or a 32-byte hex
 * seed; an Ethereum key takes a mnemonic or a hex private key).
 * @param {'sr25519' | 'ed25519' | 'ethereum'} scheme
 * @param {string} uri
 * @returns {Promise<import('@polkadot/keyring/types').KeyringPair>}
 */
export async function publisherPair(scheme, uri) {
  if (!SCHEMES.includes(scheme)) {
    throw new TypeError(`unknown key scheme ${scheme}; use one of ${SCHEMES.join(', ')}`);
  }
  await cryptoWaitReady();
  return new Keyring({ type: scheme }).addFromUri(uri);
}

/**
 * The pallet's `PublisherKey` of a pair (what `topics.addPublisher` takes): the public
 * key for sr25519 and ed25519, the 20-byte address for Ethereum keys.
 * @param {import('@polkadot/keyring/types').KeyringPair} pair
 * @returns {{ Sr25519: string } | { Ed25519: string } | { Ethereum: string }}
 */
export function publisherKey(pair) {
  switch (pair.type) {
    case 'sr25519':
      return { Sr25519: u8aToHex(pair.publicKey) };
    case 'ed25519':
      return { Ed25519: u8aToHex(pair.publicKey) };
    case 'ethereum':
      return { Ethereum: ethereumEncode(pair.publicKey).toLowerCase() };
    default:
      throw new TypeError(`a ${pair.type} key cannot publish; use one of ${SCHEMES.join(', ')}`);
  }
}

/**
 * The pallet's `PublisherSignature` of `message` by `pair`: sr25519 and ed25519 sign the
 * message itself; an Ethereum key signs keccak-256 of it (65 bytes, r ‖ s ‖ v).
 * @param {import('@polkadot/keyring/types').KeyringPair} pair
 * @param {Uint8Array} message
 */
export function publisherSignature(pair, message) {
  const signature = u8aToHex(pair.sign(message));
  switch (pair.type) {
    case 'sr25519':
      return { Sr25519: signature };
    case 'ed25519':
      return { Ed25519: signature };
    case 'ethereum':
      return { Ethereum: signature };
    default:
      throw new TypeError(`a ${pair.type} key cannot publish; use one of ${SCHEMES.join(', ')}`);
  }
}
