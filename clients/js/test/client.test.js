// The client against a real dev chain (concerto-node --dev, Alice the one validator):
// publishing with each key scheme, the median finalized and followed, certificates,
// every refusal by name, sequence numbers, and the metadata's field names.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Keyring } from '@polkadot/keyring';
import { Struct, Tuple } from '@polkadot/types-codec';
import { stringToHex, u8aToHex } from '@polkadot/util';
import { Concerto, ConcertoError, Publisher, publisherKey, publisherPair } from '@concerto/client';
import { medianTemplate, SDK_MACHINE, startDevNode, waitFor } from './support.js';

const ASSET = 7;
/** What each stream and topic of these tests gets in its budget (1,000 UNIT). */
const BUDGET = 1_000n * 10n ** 12n;

/** @type {Awaited<ReturnType<typeof startDevNode>>} */
let node;
/** @type {Concerto} */
let concerto;
let alice;
/** @type {Record<string, import('@polkadot/keyring/types').KeyringPair>} */
let pairs;
let stream;
let topic;

/** The value of field `name` of the first `method` event. */
function eventField(events, method, name) {
  const event = events.find((e) => e.method === method);
  assert.ok(event, `no ${method} event in ${JSON.stringify(events)}`);
  assert.ok(name in event.data, `${method} has no field ${name}: ${JSON.stringify(event.data)}`);
  return event.data[name];
}

async function registerStream(publishers) {
  const { api } = concerto;
  const { events } = await concerto.send(api.tx.topics.registerStream(stringToHex('js client test')), alice);
  const id = eventField(events, 'StreamRegistered', 'stream');
  for (const pair of publishers) {
    await concerto.send(api.tx.topics.addPublisher(id, publisherKey(pair)), alice);
  }
  await concerto.send(api.tx.topics.fundStream(id, BUDGET), alice);
  return id;
}

before(async () => {
  node = await startDevNode();
  concerto = await Concerto.connect(node.url);
  alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  pairs = {
    sr25519: await publisherPair('sr25519', '//JsPriceSr'),
    ed25519: await publisherPair('ed25519', '//JsPriceEd'),
    ethereum: await publisherPair('ethereum', `0x${'42'.repeat(32)}`),
  };
  stream = await registerStream(Object.values(pairs));
  const { api } = concerto;
  const code = medianTemplate();
  const uploaded = await concerto.send(api.tx.topics.uploadTemplate(u8aToHex(code), SDK_MACHINE), alice);
  const template = eventField(uploaded.events, 'TemplateUploaded', 'template');
  const config = concerto.encode('MedianConfig', { maxAgeMs: 60_000, minPublishers: 3 });
  const registered = await concerto.send(
    api.tx.topics.registerTopic([stream], template, config, 2, null, 'Stateless'),
    alice,
  );
  topic = eventField(registered.events, 'TopicRegistered', 'topic');
  await concerto.send(api.tx.topics.fundTopic(topic, BUDGET), alice);
});

after(async () => {
  await concerto?.disconnect();
  await node?.stop();
});

describe('publishing', () => {
  test('sr25519, ed25519 and Ethereum events are finalized into the median, followed and certified', async () => {
    const outputs = [];
    const certificates = [];
    const stopOutputs = await concerto.followOutputs(topic, (o) => outputs.push(o));
    const stopCertified = await concerto.followCertified(topic, (c) => certificates.push(c));
    const now = Date.now();
    // One call, so all three land in the same block and batch.
    const prices = { sr25519: 100n, ed25519: 104n, ethereum: 102n };
    const events = [];
    for (const [scheme, price] of Object.entries(prices)) {
      const sequence = await concerto.nextSequence(stream, pairs[scheme]);
      const payload = concerto.encode('PriceTick', { assetId: ASSET, price, observedAt: now });
      events.push(concerto.signEvent(pairs[scheme], { stream, sequence, payload }));
    }
    const answers = await concerto.submitEvents(events);
    assert.deepEqual(answers, [{ result: 'accepted' }, { result: 'accepted' }, { result: 'accepted' }]);

    const medianOf = (o) =>
      (concerto.decodeOutputs(o) ?? [])
        .map((bytes) => concerto.decode('MedianOutput', bytes))
        .find((m) => m.assetId === ASSET && m.publishers === 3);
    const output = await waitFor(() => outputs.find(medianOf), 120_000, 'a finalized median of three publishers');
    const median = medianOf(output);
    assert.equal(BigInt(median.median), 102n);
    assert.equal(BigInt(median.min), 100n);
    assert.equal(BigInt(median.max), 104n);
    assert.equal(median.batchNumber, output.batch);
    assert.equal(output.verdict, 'Accepted');
    assert.equal(output.topic, topic);

    // The same output from the index, and the certificate of the same result.
    assert.deepEqual(await concerto.output(topic, output.batch), output);
    const certificate = await waitFor(
      () => certificates.find((c) => c.batch === output.batch),
      30_000,
      'the certificate of the finalized batch',
    );
    assert.equal(certificate.outputsRoot, output.outputsRoot);
    assert.equal(certificate.stateRoot, output.stateRoot);
    assert.deepEqual(concerto.decodeOutputs(certificate), concerto.decodeOutputs(output));
    stopOutputs();
    stopCertified();
  });

  test('a Publisher assigns sequence numbers, resends the same bytes, and counts queued events', async () => {
    const publisher = new Publisher(concerto, pairs.sr25519, stream);
    const start = await publisher.sync();
    const published = await publisher.publishMany(['0x01', '0x02', '0x03']);
    assert.deepEqual(
      published,
      [0, 1, 2].map((i) => ({ sequence: start + i, result: 'accepted' })),
    );
    // The node counts what it accepted, included in a block yet or not.
    assert.equal(await concerto.nextSequence(stream, pairs.sr25519), start + 3);
    const one = await publisher.publish(concerto.encode('PriceTick', { assetId: 9, price: 1, observedAt: 1 }));
    assert.deepEqual(one, { sequence: start + 3, result: 'accepted' });

    // A retry after a lost answer sends the same signed bytes: answered duplicate.
    const event = concerto.signEvent(pairs.sr25519, { stream, sequence: start + 4, payload: '0x04' });
    assert.deepEqual(await concerto.submitEvents([event]), [{ result: 'accepted' }]);
    assert.deepEqual(await concerto.submitEvents([event]), [{ result: 'duplicate' }]);
  });
});

describe('every refused event has a name', () => {
  /** Submits one event and returns the refusal's name (and expected sequence). */
  async function refusal(event) {
    const [answer] = await concerto.submitEvents([event]);
    assert.equal(answer.result, 'rejected', `expected a refusal, got ${JSON.stringify(answer)}`);
    assert.ok(answer.message.length > 10, 'the refusal explains itself');
    return answer;
  }

  test('BadSignature: a payload changed after signing', async () => {
    const sequence = await concerto.nextSequence(stream, pairs.ed25519);
    const signed = concerto.signEvent(pairs.ed25519, { stream, sequence, payload: '0xaa' }).toJSON();
    const tampered = concerto.api.registry.createType(concerto.typeNames.signedEvent, { ...signed, payload: '0xab' });
    assert.equal((await refusal(tampered)).error, 'BadSignature');
    // Another chain's signature (the signing message binds the genesis hash) too.
    const other = new Concerto(concerto.api);
    other.genesis = new Uint8Array(32);
    assert.equal((await refusal(other.signEvent(pairs.ed25519, { stream, sequence, payload: '0xaa' }))).error, 'BadSignature');
  });

  test('NotPublisher, UnknownStream and StreamClosed', async () => {
    const stranger = await publisherPair('sr25519', '//JsStranger');
    assert.equal((await refusal(concerto.signEvent(stranger, { stream, sequence: 0, payload: '0x01' }))).error, 'NotPublisher');
    assert.equal((await refusal(concerto.signEvent(stranger, { stream: 999_999, sequence: 0, payload: '0x01' }))).error, 'UnknownStream');
    const closing = await publisherPair('sr25519', '//JsClosing');
    const closed = await registerStream([closing]);
    await concerto.send(concerto.api.tx.topics.closeStream(closed), alice);
    assert.equal((await refusal(concerto.signEvent(closing, { stream: closed, sequence: 0, payload: '0x01' }))).error, 'StreamClosed');
    // The same names from nextSequence and from a Publisher.
    await assert.rejects(concerto.nextSequence(stream, stranger), { name: 'NotPublisher' });
    await assert.rejects(new Publisher(concerto, closing, closed).publish('0x01'), { name: 'StreamClosed' });
  });

  test('PayloadTooLong: one byte over the chain limit', async () => {
    const max = concerto.api.consts.topics.maxPayloadLen.toNumber();
    const sequence = await concerto.nextSequence(stream, pairs.ed25519);
    // The client refuses to sign it, by name and with the limit.
    assert.throws(
      () => concerto.signEvent(pairs.ed25519, { stream, sequence, payload: new Uint8Array(max + 1) }),
      (e) => e instanceof ConcertoError && e.name === 'PayloadTooLong' && e.limit === max,
    );
    // Made by hand, the node refuses it by the same name.
    const atMax = concerto.signEvent(pairs.ed25519, { stream, sequence, payload: new Uint8Array(max) });
    const over = concerto.api.registry.createType(concerto.typeNames.signedEvent, {
      ...atMax.toJSON(),
      payload: u8aToHex(new Uint8Array(max + 1)),
    });
    assert.equal((await refusal(over)).error, 'PayloadTooLong');
    // At the limit it is accepted.
    const [ok] = await concerto.submitEvents([atMax]);
    assert.equal(ok.result, 'accepted');
  });

  test('SequenceUsed and SequenceGap tell the next sequence number', async () => {
    const publisher = new Publisher(concerto, pairs.ethereum, stream);
    const { sequence } = await publisher.publish('0x10');
    const reused = await refusal(concerto.signEvent(pairs.ethereum, { stream, sequence, payload: '0x11' }));
    assert.equal(reused.error, 'SequenceUsed');
    assert.equal(reused.expected, sequence + 1);
    const gap = await refusal(concerto.signEvent(pairs.ethereum, { stream, sequence: sequence + 5, payload: '0x12' }));
    assert.equal(gap.error, 'SequenceGap');
    assert.equal(gap.expected, sequence + 1);
    // A Publisher whose count is off gets the error with `expected`; sync() adopts it.
    publisher.next = sequence + 3;
    await assert.rejects(publisher.publish('0x13'), (e) => e instanceof ConcertoError && e.name === 'SequenceGap' && e.expected === sequence + 1);
    assert.equal(await publisher.sync(), sequence + 1);
    assert.equal((await publisher.publish('0x13')).result, 'accepted');
  });

  test('Undecodable bytes', async () => {
    assert.equal((await refusal('0x00')).error, 'Undecodable');
  });

  // Issue 19, case 4: through stock polkadot.js such calls fail in the runtime's codec
  // ("wasm `unreachable` instruction executed"); the client names the bound first.
  test('arguments beyond the chain bounds are refused by name before anything is sent', async () => {
    const { api } = concerto;
    const consts = api.consts.topics;
    const beyond = async (tx, name, limit) => {
      await assert.rejects(concerto.send(tx, alice), (e) => {
        assert.ok(e instanceof ConcertoError, String(e));
        assert.equal(e.name, name);
        assert.equal(e.limit, limit);
        assert.match(e.message, new RegExp(`at most ${limit}`));
        return true;
      });
    };
    const maxTemplate = consts.maxTemplateSize.toNumber();
    await beyond(api.tx.topics.uploadTemplate(u8aToHex(new Uint8Array(maxTemplate + 1)), SDK_MACHINE), 'TemplateTooLarge', maxTemplate);
    const maxStreams = consts.maxStreamsPerTopic.toNumber();
    const nine = Array.from({ length: maxStreams + 1 }, (_, i) => i);
    await beyond(api.tx.topics.registerTopic(nine, `0x${'00'.repeat(32)}`, '0x', 1, null, 'Stateless'), 'TooManyStreams', maxStreams);
    const maxConfig = consts.maxTopicConfigLen.toNumber();
    await beyond(
      api.tx.topics.registerTopic([stream], `0x${'00'.repeat(32)}`, u8aToHex(new Uint8Array(maxConfig + 1)), 1, null, 'Stateless'),
      'ConfigTooLong',
      maxConfig,
    );
    const maxMeta = consts.maxMetadataLen.toNumber();
    await beyond(api.tx.topics.registerStream(u8aToHex(new Uint8Array(maxMeta + 1))), 'MetadataTooLong', maxMeta);
    // Within the bounds, the chain decides: here a template that is no ELF file.
    await assert.rejects(
      concerto.send(api.tx.topics.uploadTemplate(u8aToHex(new Uint8Array(maxTemplate)), SDK_MACHINE), alice),
      { name: 'TemplateNotElf' },
    );
  });

  test('a failed dispatch is named from the metadata', async () => {
    await assert.rejects(
      concerto.send(concerto.api.tx.topics.closeStream(999_999), alice),
      (e) => e instanceof ConcertoError && e.name === 'UnknownStream' && e.section === 'topics',
    );
  });
});

describe('metadata', () => {
  test("no field of Concerto's types is shadowed by a polkadot.js codec member", () => {
    const { registry } = concerto.api;
    // What polkadot.js defines on its structs and event data: a field with one of these
    // names cannot be read by name (`TemplateUploaded.hash` once could not).
    const members = new Set();
    for (const instance of [new Struct(registry, { a: 'u8' }), new Tuple(registry, ['u8'])]) {
      for (let o = instance; o; o = Object.getPrototypeOf(o)) {
        Object.getOwnPropertyNames(o).forEach((n) => members.add(n));
      }
    }
    assert.ok(members.has('hash') && members.has('toHex'), 'the member list is read from polkadot.js');
    const ours = /^(pallet_topics|concerto_)/;
    const clashes = [];
    let checked = 0;
    for (const { id, type } of registry.metadata.lookup.types) {
      const path = type.path.map((p) => p.toString()).join('::');
      if (!ours.test(path)) continue;
      const fieldSets = type.def.isComposite
        ? [['', type.def.asComposite.fields]]
        : type.def.isVariant
          ? type.def.asVariant.variants.map((v) => [`.${v.name}`, v.fields])
          : [];
      for (const [variant, fields] of fieldSets) {
        for (const field of fields) {
          if (field.name.isNone) continue;
          const [name] = registry.lookup.sanitizeField(field.name);
          checked += 1;
          if (name && members.has(name)) clashes.push(`${path}${variant}.${name} (type ${id.toNumber()})`);
        }
      }
    }
    assert.ok(checked > 50, `checked ${checked} fields`);
    assert.deepEqual(clashes, []);
  });

  test('TemplateUploaded and TemplateRemoved name their template', () => {
    const events = concerto.api.events.topics;
    for (const name of ['TemplateUploaded', 'TemplateRemoved']) {
      const fields = events[name].meta.fields.map((f) => f.name.unwrap().toString());
      assert.equal(fields[0], 'template', `${name}: ${fields}`);
    }
    assert.equal(u8aToHex(concerto.genesis), concerto.api.genesisHash.toHex());
  });
});
