// The README examples, run as written against a fresh dev chain: every ```js <name>.mjs
// block of clients/js/README.md and of the repository's README.md, in order, as its own
// Node.js process, each checked by what it prints.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { medianTemplatePath, ROOT, startDevNode } from './support.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
// Inside the package, so `@concerto/client` and `@polkadot/*` resolve as for a user.
const DIR = join(HERE, '.examples');

/** What each example must print (every example in the READMEs needs an entry). */
const EXPECT = {
  'quickstart.mjs': [/topic 0 batch \d+: median 64010 \(3 publishers\), finalized in block \d+/],
  'publish.mjs': [/sequence: 1, result: 'accepted'/, /sequence: 2, result: 'accepted'/, /refused: NotPublisher/],
  'follow.mjs': [/batch \d+ Accepted: 1=64010/, /^true$/m],
  'polkadot-publish.mjs': [/\[ \{ result: 'accepted' \} \]/],
  'polkadot-read.mjs': [/^on chain: batch \d+ Accepted/m, /^indexed: batch \d+ Accepted, finalized in block \d+/m],
  'sdk-read.mjs': [/^batch \d+: asset 1 median 64010 from 3 publishers$/m],
};

/** The ```js <name>.mjs blocks of a markdown file, in order. */
function examples(markdown) {
  const found = [];
  const fence = /^```js ([\w-]+\.mjs)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(markdown); m; m = fence.exec(markdown)) found.push({ name: m[1], code: m[2] });
  return found;
}

const all = [
  ...examples(readFileSync(join(HERE, '../README.md'), 'utf8')),
  ...examples(readFileSync(join(ROOT, 'README.md'), 'utf8')),
];

let node;
before(async () => {
  node = await startDevNode();
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
});
after(async () => {
  await node?.stop();
});

test('the READMEs have the examples this test expects', () => {
  assert.deepEqual(all.map((e) => e.name).sort(), Object.keys(EXPECT).sort());
});

for (const { name, code } of all) {
  test(`README example ${name} runs as written`, async () => {
    const file = join(DIR, name);
    writeFileSync(file, code);
    const args = name === 'quickstart.mjs' ? [file, medianTemplatePath()] : [file];
    let stdout;
    try {
      ({ stdout } = await run(process.execPath, args, {
        env: { ...process.env, CONCERTO_WS: node.url },
        timeout: 180_000,
      }));
    } catch (error) {
      assert.fail(`${name} failed: ${error.message}\nstdout:\n${error.stdout}\nstderr:\n${error.stderr}`);
    }
    for (const pattern of EXPECT[name] ?? []) assert.match(stdout, pattern, `${name} printed:\n${stdout}`);
  });
}
