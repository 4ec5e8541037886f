// Throughput benchmark: how many transactions a chain's blocks carry.
//
// Starts a dev node (aichain's, or any Substrate node binary given with --node) or takes the RPC
// URL of a running one (--url), funds a set of sender accounts from //Alice, pre-signs N
// immortal transactions round-robin over them, submits them all as fast as the RPC takes them,
// then follows the chain until every one is in a block and prints, per block: the benchmark's
// transactions, the block's normal-class weight against its limit, proof size and length. The
// summary gives the most per block, the sustained rate over the blocks that carried the load, and,
// for a node this script started, the fullest block's import time against its weight (the node's
// own `benchmark block` re-executes it from the database).
//
//   node e2e/throughput.js [--node BIN | --url ws://…] [--call transfer|submitTask]
//                          [--count N] [--senders S] [--label NAME] [--json FILE]
//
// scripts/throughput.sh builds the node and runs this; BENCHMARKS.md has the figures.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { NODE_BIN, startDevNode } from './lib/node.js';
import { DIGITS_PROGRAM as PROGRAM } from './lib/programs.js';

const { values: opts } = parseArgs({
  options: {
    node: { type: 'string' },
    url: { type: 'string' },
    call: { type: 'string', default: 'transfer' },
    count: { type: 'string' },
    senders: { type: 'string', default: '12' },
    label: { type: 'string' },
    json: { type: 'string' },
    'import-repeat': { type: 'string', default: '10' },
    // Extra arguments for the node this script starts (repeat the option for each).
    'node-arg': { type: 'string', multiple: true, default: [] },
  },
});

const CALL = opts.call;
if (!['transfer', 'submitTask'].includes(CALL)) throw new Error(`--call transfer|submitTask, not ${CALL}`);
// The compute market queues at most 512 tasks: a submitTask run stays below that.
const COUNT = Number(opts.count ?? (CALL === 'transfer' ? 12_000 : 500));
const SENDERS = Number(opts.senders);
const LABEL = opts.label ?? (opts.url ?? opts.node ?? 'aichain-node');
// The transaction pool holds the whole load at once. It is the single-state pool: stable2609's
// default fork-aware pool drops what it has not included about 90 s into such a load
// (BENCHMARKS.md).
const NODE_ARGS = [
  '--pool-type', 'single-state',
  '--pool-limit', String(COUNT + 1_000),
  '--pool-kbytes', String(Math.max(20_480, COUNT)),
  ...opts['node-arg'],
];
const DATASET = { root: '0x' + '11'.repeat(32), url: 'https://example.org/digits.aids', batches: 44 };

const log = (...a) => console.log(...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect() {
  if (opts.url) {
    const provider = new WsProvider(opts.url);
    const api = await ApiPromise.create({ provider, noInitWarn: true });
    return { api, provider, stop: () => api.disconnect() };
  }
  const bin = opts.node ?? NODE_BIN;
  log(`starting ${bin} --dev ${NODE_ARGS.join(' ')}`);
  const node = await startDevNode(NODE_ARGS, { bin });
  return { ...node, bin };
}

/** Send `txs` from `signer` with consecutive nonces; resolve once all are in blocks. */
async function includeAll(api, txs, signer) {
  const nonce = (await api.rpc.system.accountNextIndex(signer.address)).toNumber();
  const pending = txs.map(
    (tx, i) =>
      new Promise((resolve, reject) => {
        tx.signAndSend(signer, { nonce: nonce + i }, ({ status, dispatchError }) => {
          if (dispatchError) reject(new Error(`funding failed: ${dispatchError.toString()}`));
          else if (status.isInBlock) resolve();
          else if (status.isInvalid || status.isDropped) reject(new Error(`funding ${status.type}`));
        }).catch(reject);
      }),
  );
  await Promise.all(pending);
}

/** The call of benchmark transaction `i`, sent by sender `i mod senders.length`. */
function buildCall(api, i, senders, ctx) {
  if (CALL === 'transfer') {
    // To the next sender: an existing account, so no account is created or reaped.
    return api.tx.balances.transferKeepAlive(senders[(i + 1) % senders.length].address, ctx.amount);
  }
  // Deadlines spread over 100 blocks keep every wake-up slot free.
  return api.tx.compute.submitTask(PROGRAM, DATASET, 'Gpu', ctx.deadline + (i % 100), ctx.maxFee);
}

async function main() {
  await cryptoWaitReady();
  const node = await connect();
  const { api } = node;
  const chain = (await api.rpc.system.chain()).toString();
  const version = api.runtimeVersion;
  log(`${LABEL}: chain "${chain}", runtime ${version.specName} v${version.specVersion}`);

  const keyring = new Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const senders = Array.from({ length: SENDERS }, (_, i) => keyring.addFromUri(`//Alice//bench//${i}`));
  const perSender = Math.ceil(COUNT / SENDERS);

  // What each sender needs: the fee of every transaction it sends, twice over (fees may rise
  // under load), plus what the calls themselves move or hold, plus an existential deposit.
  const ed = api.consts.balances.existentialDeposit.toBigInt();
  const ctx = { amount: ed };
  let perTx = ed;
  if (CALL === 'submitTask') {
    const quote = (await api.call.computeApi.quote(PROGRAM, 'Gpu')).asOk;
    ctx.maxFee = quote.fee.toBigInt() * 10n;
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    ctx.deadline = best + 200;
    perTx = ctx.maxFee;
  }
  const sample = buildCall(api, 0, senders, ctx);
  const info = await sample.paymentInfo(alice);
  const fee = info.partialFee.toBigInt();
  log(`one ${CALL} (signed, mortal): fee ${fee} planck, weight ${info.weight.refTime.toBigInt()} ps ` +
      `ref time, ${info.weight.proofSize.toBigInt()} bytes proof`);
  const funding = (2n * fee + perTx) * BigInt(perSender) + 10n * ed;
  log(`funding ${SENDERS} senders with ${funding} planck each`);
  await includeAll(api, senders.map((s) => api.tx.balances.transferKeepAlive(s.address, funding)), alice);

  // Pre-sign everything before the clock starts: immortal, explicit nonces, round-robin order so
  // every sender's transactions reach the pool in nonce order.
  const genesisHash = api.genesisHash;
  const nonces = await Promise.all(senders.map(async (s) => (await api.rpc.system.accountNextIndex(s.address)).toNumber()));
  let t0 = Date.now();
  const signed = [];
  for (let i = 0; i < COUNT; i++) {
    const s = i % SENDERS;
    const tx = buildCall(api, i, senders, ctx);
    await tx.signAsync(senders[s], { nonce: nonces[s] + Math.floor(i / SENDERS), era: 0, blockHash: genesisHash });
    signed.push(tx.toHex());
  }
  log(`pre-signed ${COUNT} ${CALL} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
      `${(signed[0].length - 2) / 2} bytes each (immortal)`);

  const startHeader = await api.rpc.chain.getHeader();
  const startBlock = startHeader.number.toNumber();
  const startTimestamp = (await (await api.at(startHeader.hash)).query.timestamp.now()).toNumber();
  t0 = Date.now();
  // One lane per sender, each submitting its own transactions one after the other: they reach
  // the pool in nonce order (out of order they would wait in its small future queue, or be
  // dropped from it), while the lanes run side by side.
  let accepted = 0;
  let firstError;
  const lanes = senders.map(async (_, s) => {
    for (let i = s; i < signed.length; i += SENDERS) {
      try {
        await api.rpc.author.submitExtrinsic(signed[i]);
        accepted++;
      } catch (e) {
        firstError ??= e?.message ?? String(e);
      }
    }
  });
  await Promise.all(lanes);
  const submitSeconds = (Date.now() - t0) / 1000;
  log(`submitted ${accepted}/${COUNT} in ${submitSeconds.toFixed(1)} s` + (firstError ? `; first refusal: ${firstError}` : ''));

  // Follow the chain until every accepted transaction is in a block (or 5 blocks add none).
  const section = CALL === 'transfer' ? 'balances' : 'compute';
  const method = CALL === 'transfer' ? 'transferKeepAlive' : 'submitTask';
  const limits = api.consts.system.blockWeights;
  const normalMax = limits.perClass.normal.maxTotal.unwrap().refTime.toBigInt();
  const blocks = [];
  let included = 0;
  let idle = 0;
  let next = startBlock + 1;
  while (included < accepted && idle < 5) {
    const best = (await api.rpc.chain.getHeader()).number.toNumber();
    if (best < next) {
      await sleep(300);
      continue;
    }
    const hash = await api.rpc.chain.getBlockHash(next);
    const [block, at] = await Promise.all([api.rpc.chain.getBlock(hash), api.at(hash)]);
    const [weight, now] = await Promise.all([at.query.system.blockWeight(), at.query.timestamp.now()]);
    const exts = block.block.extrinsics;
    const count = exts.filter((x) => x.method.section === section && x.method.method === method).length;
    const row = {
      number: next,
      count,
      extrinsics: exts.length,
      normalRefTime: weight.normal.refTime.toBigInt(),
      normalProof: weight.normal.proofSize.toBigInt(),
      totalRefTime: weight.normal.refTime.toBigInt() + weight.operational.refTime.toBigInt() + weight.mandatory.refTime.toBigInt(),
      length: block.block.toU8a().length,
      timestamp: now.toNumber(),
    };
    blocks.push(row);
    log(`#${row.number}: ${String(count).padStart(5)} ${method}  ` +
        `normal weight ${(Number(row.normalRefTime) / 1e9).toFixed(1)} ms = ` +
        `${((100 * Number(row.normalRefTime)) / Number(normalMax)).toFixed(1)}% of ${(Number(normalMax) / 1e9).toFixed(0)} ms, ` +
        `proof ${(Number(row.normalProof) / 1024).toFixed(0)} KiB, length ${(row.length / 1024).toFixed(0)} KiB`);
    included += count;
    idle = count === 0 && included > 0 ? idle + 1 : 0;
    next++;
  }

  if (included < accepted) {
    const pending = await api.rpc.author.pendingExtrinsics();
    log(`${accepted - included} accepted transactions not included; the pool holds ${pending.length}`);
    if (node.logs) log(node.logs().split('\n').filter((l) => /WARN|ERROR|txpool|Invalid|dropped/i.test(l)).slice(-30).join('\n'));
  }
  const loaded = blocks.filter((b) => b.count > 0);
  const fullest = loaded.reduce((a, b) => (b.count > a.count ? b : a), loaded[0]);
  const first = blocks.indexOf(loaded[0]);
  const last = blocks.indexOf(loaded[loaded.length - 1]);
  // The blocks from the first to the last that carried the load, over the time they took: from
  // the block before the first (its timestamp) to the last.
  const before = first > 0 ? blocks[first - 1].timestamp : startTimestamp;
  const seconds = (blocks[last].timestamp - before) / 1000;
  const sustained = included / seconds;
  // Full blocks: all but the last loaded block (which takes the remainder).
  const full = loaded.slice(0, -1);
  const perFullBlock = full.length ? full.reduce((a, b) => a + b.count, 0) / full.length : fullest.count;
  const summary = {
    label: LABEL,
    call: CALL,
    submitted: COUNT,
    accepted,
    included,
    blocks: loaded.length,
    maxPerBlock: fullest.count,
    meanPerFullBlock: Math.round(perFullBlock),
    sustainedTps: Number(sustained.toFixed(1)),
    fullestBlock: fullest.number,
    fullestNormalWeightMs: Number((Number(fullest.normalRefTime) / 1e9).toFixed(1)),
    fullestTotalWeightMs: Number((Number(fullest.totalRefTime) / 1e9).toFixed(1)),
    normalLimitMs: Number(normalMax) / 1e9,
    fullestProofKiB: Math.round(Number(fullest.normalProof) / 1024),
  };
  log(`\n${LABEL}: ${included} ${method} in ${loaded.length} blocks; at most ${fullest.count} per block ` +
      `(#${fullest.number}), ${summary.meanPerFullBlock} per full block on average; sustained ` +
      `${summary.sustainedTps} per second over ${seconds.toFixed(0)} s`);

  if (node.bin) {
    await node.stop({ keepDatabase: true });
    // Re-execute the fullest block from the database: its import time against its weight.
    const args = ['benchmark', 'block', '--dev', '--base-path', node.basePath,
      '--from', String(fullest.number), '--to', String(fullest.number), '--repeat', opts['import-repeat']];
    const run = spawnSync(node.bin, args, { encoding: 'utf8' });
    const out = `${run.stdout}\n${run.stderr}`;
    const m = out.match(/Block (\d+) with\s+(\d+) tx used\s+([\d.]+)% of its weight \(\s*([\d,]+) of\s+([\d,]+) ns\)/);
    if (m) {
      summary.fullestImportMs = Number((Number(m[4].replaceAll(',', '')) / 1e6).toFixed(1));
      summary.fullestConsumedMs = Number((Number(m[5].replaceAll(',', '')) / 1e6).toFixed(1));
      summary.importPercentOfWeight = Number(m[3]);
      log(`fullest block #${m[1]} (${m[2]} extrinsics) imports in ${summary.fullestImportMs} ms = ` +
          `${m[3]}% of its weight (${summary.fullestConsumedMs} ms)`);
    } else {
      log(`benchmark block gave no figure (exit ${run.status}):\n${out.slice(-2000)}`);
    }
    spawnSync('rm', ['-rf', node.basePath]);
  } else {
    await node.stop();
  }
  log(JSON.stringify(summary));
  if (opts.json) writeFileSync(opts.json, JSON.stringify(summary, null, 2) + '\n');
  if (included < accepted) {
    console.error(`only ${included} of ${accepted} accepted transactions were included`);
    process.exit(1);
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
