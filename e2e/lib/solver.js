// Start a real `aichain-solver serve` for a test, with the digits dataset imported into its
// dataset directory.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './node.js';

const TARGET = process.env.CARGO_TARGET_DIR ?? join(process.env.HOME, '.cache/aichain/target');
export const SOLVER_BIN = process.env.AICHAIN_SOLVER ?? join(TARGET, 'release/aichain-solver');
const DIGITS_CSV = join(process.env.HOME, '.cache/aichain/datasets/digits.csv');

/**
 * Import the digits training set (batch 32) and start the service on free ports, with `extraArgs`.
 * The public listener is what verifiers read (a solver's on-chain endpoint); the control listener,
 * on loopback, is the node's own (`--solver-url`). Returns { url, control, root, batches, logs,
 * stop }; `stop()` kills it and removes its directory.
 */
export async function startSolver(extraArgs = []) {
  const work = mkdtempSync(join(tmpdir(), 'aichain-solver-'));
  const datasets = join(work, 'datasets');
  execFileSync(SOLVER_BIN, [
    'dataset', 'import', '--csv', DIGITS_CSV, '--divide-by', '16', '--test-percent', '20',
    '--out-dir', datasets, '--name', 'digits', '--batch-size', '32',
  ]);
  const rootOut = execFileSync(SOLVER_BIN, [
    'dataset', 'root', join(datasets, 'digits-train.aids'), '--batch-size', '32',
  ]).toString();
  const root = rootOut.match(/0x[0-9a-f]{64}/)[0];
  const batches = Number(rootOut.match(/(\d+) minibatches/)[1]);
  const port = await freePort();
  const controlPort = await freePort();
  const child = spawn(SOLVER_BIN, [
    'serve', '--listen', `127.0.0.1:${port}`, '--control-listen', `127.0.0.1:${controlPort}`,
    '--data-dir', join(work, 'data'), '--dataset-dir', datasets, ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.on('data', (d) => { logs += d; });
  child.stderr.on('data', (d) => { logs += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (i > 100) throw new Error(`solver did not come up:\n${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    control: `http://127.0.0.1:${controlPort}`,
    root,
    batches,
    logs: () => logs,
    stop: () => {
      child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    },
  };
}
