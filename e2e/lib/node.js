// Start a real aichain node for a test and connect @polkadot/api to it.

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiPromise, WsProvider } from '@polkadot/api';

export const NODE_BIN =
  process.env.AICHAIN_NODE ??
  join(process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/aichain/target'), 'release/aichain-node');

/** A free TCP port on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start `aichain-node --dev` (or another node binary, `bin`) on free ports with a fresh base path
 * and wait until its RPC answers. Returns { api, provider, url, basePath, stop, logs }; `stop()`
 * removes the base path, `stop({ keepDatabase: true })` leaves it for the caller.
 */
export async function startDevNode(extraArgs = [], { bin = NODE_BIN } = {}) {
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const basePath = mkdtempSync(join(tmpdir(), 'aichain-e2e-'));
  const args = [
    '--dev',
    '--base-path', basePath,
    '--rpc-port', String(rpcPort),
    '--port', String(p2pPort),
    '--no-prometheus',
    '--no-telemetry',
    '--no-mdns',
    ...extraArgs,
  ];
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  const collect = (d) => {
    logs += d.toString();
    if (logs.length > 200_000) logs = logs.slice(-100_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));

  const stop = async ({ keepDatabase = false } = {}) => {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (!keepDatabase) rmSync(basePath, { recursive: true, force: true });
  };

  const deadline = Date.now() + 60_000;
  let api;
  let provider;
  while (!api) {
    if (child.exitCode !== null) {
      throw new Error(`node exited with ${child.exitCode} before its RPC came up:\n${logs}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`node RPC did not come up within 60 s:\n${logs}`);
    }
    try {
      provider = new WsProvider(`ws://127.0.0.1:${rpcPort}`, false);
      await provider.connect();
      await provider.isReadyOrError;
      api = await ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return {
    api,
    // For RPC methods @polkadot/api does not decorate yet.
    provider,
    url: `ws://127.0.0.1:${rpcPort}`,
    basePath,
    logs: () => logs,
    stop: async (options) => {
      await api.disconnect();
      await stop(options);
    },
  };
}

/** Wait until the finalized head reaches `n`, or fail after `timeoutMs`. */
export async function waitForFinalized(api, n, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const head = await api.rpc.chain.getFinalizedHead();
    const header = await api.rpc.chain.getHeader(head);
    if (header.number.toNumber() >= n) return header.number.toNumber();
    if (Date.now() > deadline) throw new Error(`finalized head stuck at #${header.number}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Sign and send `tx`, resolve with its events once the including block is finalized. */
export function sendAndFinalize(tx, signer) {
  return new Promise((resolve, reject) => {
    let unsub;
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) {
        unsub?.();
        let reason = dispatchError.toString();
        if (dispatchError.isModule) {
          const { section, name } = tx.registry.findMetaError(dispatchError.asModule);
          reason = `${section}.${name}`;
        }
        reject(new Error(`dispatch error: ${reason}`));
      } else if (status.isFinalized) {
        unsub?.();
        resolve({ blockHash: status.asFinalized, events });
      } else if (status.isDropped || status.isInvalid || status.isUsurped) {
        unsub?.();
        reject(new Error(`transaction ${status.type}`));
      }
    })
      .then((u) => {
        unsub = u;
      })
      .catch(reject);
  });
}
