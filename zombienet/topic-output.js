// Zombienet `js-script` for local.zndsl: on the node it runs against, registers a stream
// with two publishers, uploads the median template (CONCERTO_MEDIAN_ELF, built by
// scripts/zombienet.sh), registers a topic with two-block windows, publishes one price
// tick per publisher through concerto_submitEvents and waits for the batch to be
// finalized by the four validators' quorum. Returns the finalized median (the .zndsl
// expects 102, the median of 100 and 104).
//
// Zombienet loads this file with require(); the Concerto client is an ES module, so it
// is imported dynamically (from the repository's node_modules).

const { readFileSync } = require('node:fs');

/** What the stream and the topic get in their budgets (1,000 UNIT). */
const BUDGET = 1_000n * 10n ** 12n;
const ASSET = 7;

async function run(nodeName, networkInfo) {
  const { Concerto, publisherPair, publisherKey } = await import('@concerto/client');
  const { Keyring } = await import('@polkadot/keyring');
  const { stringToHex, u8aToHex } = await import('@polkadot/util');
  const elf = process.env.CONCERTO_MEDIAN_ELF;
  if (!elf) throw new Error('CONCERTO_MEDIAN_ELF is not set: run this through scripts/zombienet.sh');

  const concerto = await Concerto.connect(networkInfo.nodesByName[nodeName].wsUri);
  try {
    const { api } = concerto;
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    const field = (events, method, name) => {
      const event = events.find((e) => e.method === method);
      if (!event) throw new Error(`no ${method} event in ${JSON.stringify(events)}`);
      return event.data[name];
    };
    const pairs = [await publisherPair('sr25519', '//ZombieA'), await publisherPair('sr25519', '//ZombieB')];
    const registered = await concerto.send(api.tx.topics.registerStream(stringToHex('zombienet')), alice);
    const stream = field(registered.events, 'StreamRegistered', 'stream');
    for (const pair of pairs) {
      await concerto.send(api.tx.topics.addPublisher(stream, publisherKey(pair)), alice);
    }
    await concerto.send(api.tx.topics.fundStream(stream, BUDGET), alice);
    const machine = {
      ramSize: 128 * 2 ** 20,
      maxCyclesPerInput: 2_000_000_000,
      maxCyclesPerBatch: 4_000_000_000,
      maxOutputBytes: 64 * 1024,
    };
    const uploaded = await concerto.send(
      api.tx.topics.uploadTemplate(u8aToHex(new Uint8Array(readFileSync(elf))), machine),
      alice,
    );
    const template = field(uploaded.events, 'TemplateUploaded', 'template');
    const config = concerto.encode('MedianConfig', { maxAgeMs: 600_000, minPublishers: 2 });
    const topicRegistered = await concerto.send(
      api.tx.topics.registerTopic([stream], template, config, 2, null, 'Stateless'),
      alice,
    );
    const topic = field(topicRegistered.events, 'TopicRegistered', 'topic');
    await concerto.send(api.tx.topics.fundTopic(topic, BUDGET), alice);

    const outputs = [];
    const stop = await concerto.followOutputs(topic, (o) => outputs.push(o));
    const now = Date.now();
    const events = [];
    for (const [pair, price] of [[pairs[0], 100n], [pairs[1], 104n]]) {
      const sequence = await concerto.nextSequence(stream, pair);
      const payload = concerto.encode('PriceTick', { assetId: ASSET, price, observedAt: now });
      events.push(concerto.signEvent(pair, { stream, sequence, payload }));
    }
    const answers = await concerto.submitEvents(events);
    if (answers.some((a) => a.result !== 'accepted')) throw new Error(`events refused: ${JSON.stringify(answers)}`);
    for (;;) {
      for (const output of outputs) {
        const median = (concerto.decodeOutputs(output) ?? [])
          .map((bytes) => concerto.decode('MedianOutput', bytes))
          .find((m) => m.assetId === ASSET && m.publishers === 2);
        if (median) {
          stop();
          console.log(`topic ${topic} batch ${output.batch}: median ${median.median} (finalized)`);
          return Number(median.median);
        }
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await concerto.disconnect();
  }
}

module.exports = { run };
