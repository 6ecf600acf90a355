// Test support: a real concerto-node dev chain started per test file, and the median
// template built from the repository's sources.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The node binary: `$CONCERTO_NODE`, else the debug build in `$CARGO_TARGET_DIR`. */
export function nodeBinary() {
  if (process.env.CONCERTO_NODE) return process.env.CONCERTO_NODE;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache/concerto-target');
  const binary = join(target, 'debug/concerto-node');
  if (!existsSync(binary)) {
    throw new Error(`${binary} does not exist: build the node first (bash scripts/build.sh) or set CONCERTO_NODE`);
  }
  return binary;
}

/** A free loopback TCP port. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `concerto-node --dev --tmp` (Alice, the one validator) on free ports and waits
 * until its RPC answers. `stop()` ends it; `log()` is what it printed.
 */
export async function startDevNode() {
  const [rpc, p2p, prometheus] = [await freePort(), await freePort(), await freePort()];
  const args = [
    '--dev', '--tmp', '--rpc-port', String(rpc), '--port', String(p2p),
    '--prometheus-port', String(prometheus), '--no-telemetry', '--no-mdns',
  ];
  const child = spawn(nodeBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (/** @type {Buffer} */ chunk) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `ws://127.0.0.1:${rpc}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`concerto-node exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${rpc}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 1, jsonrpc: '2.0', method: 'chain_getHeader', params: [] }),
      });
      const header = (await response.json()).result;
      if (header && Number(header.number) >= 1) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`concerto-node did not produce a block within 120 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    log: () => output,
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(undefined);
        child.once('exit', () => done(undefined));
        child.kill('SIGTERM');
      }),
  };
}

let medianPath;

/**
 * The median template's ELF path, built by `scripts/build-templates.sh` (a no-op when
 * the build is up to date; the Rust tests build the same target directory).
 * @returns {string}
 */
export function medianTemplatePath() {
  if (!medianPath) {
    const target = process.env.CONCERTO_TEMPLATES_TARGET_DIR ?? join(ROOT, 'offchain-workers/templates/target');
    const out = execFileSync('bash', [join(ROOT, 'scripts/build-templates.sh')], {
      env: { ...process.env, CARGO_TARGET_DIR: target },
      stdio: ['ignore', 'pipe', 'inherit'],
    }).toString();
    const line = out.split('\n').find((l) => l.startsWith('TEMPLATE median '));
    if (!line) throw new Error(`scripts/build-templates.sh printed no median template:\n${out}`);
    medianPath = line.split(' ')[2];
  }
  return medianPath;
}

/** The median template's ELF. */
export function medianTemplate() {
  return new Uint8Array(readFileSync(medianTemplatePath()));
}

/** The machine limits the SDK's templates need (128 MiB RAM). */
export const SDK_MACHINE = {
  ramSize: 128 * 2 ** 20,
  maxCyclesPerInput: 2_000_000_000,
  maxCyclesPerBatch: 4_000_000_000,
  maxOutputBytes: 64 * 1024,
};

/**
 * Waits until `predicate()` resolves truthy (polling), or fails after `ms`.
 * @template T
 * @param {() => Promise<T> | T} predicate
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
