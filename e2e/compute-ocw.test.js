// End to end, nothing mocked: a real `aichain-solver` process and a real `aichain-node --dev`
// started with `--solver-url`. The dev chain's genesis solver (Ferdie) gets its key into the
// node's keystore; Dave submits the digits training job of the engine issue; the node's offchain
// worker hands it to the solver service, accepts it, reports the result the service trained,
// Alice's offchain worker (the dev validator, drawn as verifier) re-executes a random segment
// of the trace and attests, and the task is finalized and paid. Every balance is checked to the
// unit, and the time of each stage is printed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sendAndFinalize, startDevNode } from './lib/node.js';
import { startSolver } from './lib/solver.js';
import { DIGITS_PROGRAM as PROGRAM } from './lib/programs.js';

const AI = 10n ** 18n;
const TOTAL_SUPPLY = 10_000_000_000n * AI;
const BUYBACK_VAULT = '0x6d6f646c61692f627962636b' + '00'.repeat(20);
const PERBILL = 1_000_000_000n;

let node;
let solver;
let keyring;

before(async () => {
  await cryptoWaitReady();
  keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  solver = await startSolver();
  node = await startDevNode(['--solver-url', solver.control]);
});

after(async () => {
  await node?.stop();
  solver?.stop();
});

async function free(api, who, at) {
  const q = at ? await api.at(at) : api;
  return (await q.query.system.account(who)).data.free.toBigInt();
}

function feePaid(events, who) {
  return events
    .filter((r) => r.event.section === 'transactionPayment' && r.event.method === 'TransactionFeePaid' &&
      r.event.data[0].toString() === who)
    .reduce((sum, r) => sum + r.event.data[1].toBigInt(), 0n);
}

test('a training job goes from submission to payout through the offchain workers', async () => {
  const { api, provider } = node;
  const alice = keyring.addFromUri('//Alice');
  const dave = keyring.addFromUri('//Dave');
  const ferdie = keyring.addFromUri('//Ferdie');

  // Ferdie is the dev chain's genesis solver: offline until its worker sends a heartbeat.
  const genesisSolver = (await api.call.computeApi.solver(ferdie.address)).unwrap();
  assert.equal(genesisSolver.status.type, 'Active');

  // Governance shortens the challenge window; Ferdie points verifiers at this test's service.
  const params = (await api.query.compute.params()).toJSON();
  params.challengeWindow = 10;
  await sendAndFinalize(api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);
  await sendAndFinalize(api.tx.compute.setEndpoint(solver.url), ferdie);

  // The operator puts the solver's key into the node's keystore (key type `aicm`).
  await provider.send('author_insertKey', ['aicm', '//Ferdie', u8aToHex(ferdie.publicKey)]);
  assert.equal(await provider.send('author_hasKey', [u8aToHex(ferdie.publicKey), 'aicm']), true);

  // Events by block, as they come.
  const seen = [];
  const unsub = await api.query.system.events((events) => {
    const at = Date.now();
    for (const { event } of events) {
      if (event.section === 'compute') seen.push({ at, method: event.method, data: event.data });
    }
  });
  const waitFor = async (method, pred = () => true, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = seen.find((x) => x.method === method && pred(x.data));
      if (e) return e;
      if (Date.now() > deadline) {
        throw new Error(`no compute.${method} in ${timeoutMs} ms; seen ${seen.map((x) => x.method)}\n` +
          node.logs().slice(-6000) + '\n--- solver ---\n' + solver.logs().slice(-3000));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  // Its worker finds the service healthy and reports it online.
  await waitFor('Heartbeat', (d) => d.solver.toString() === ferdie.address, 60_000);

  // Dave submits the digits job; the dataset is a file in the service's dataset directory.
  const quote = (await api.call.computeApi.quote(PROGRAM, 'Cpu')).asOk;
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const daveBefore = await free(api, dave.address);
  const t0 = Date.now();
  const sub = await sendAndFinalize(
    api.tx.compute.submitTask(PROGRAM, { root: solver.root, url: 'digits-train.aids', batches: solver.batches }, 'Cpu', best + 300,
      quote.fee.toBigInt() * 2n),
    dave,
  );
  const submitted = sub.events.find((r) => r.event.section === 'compute' && r.event.method === 'TaskSubmitted');
  const id = submitted.event.data.task.toNumber();
  const deposit = submitted.event.data.deposit.toBigInt();
  const isTask = (d) => d.task.toNumber() === id;

  const assigned = await waitFor('TaskAssigned', isTask);
  assert.equal(assigned.data.solver.toString(), ferdie.address);
  const fee = assigned.data.fee.toBigInt();
  const accepted = await waitFor('TaskAccepted', isTask);
  const posted = await waitFor('ResultSubmitted', isTask);
  const result = posted.data.result;
  // Alice is drawn with the segment her worker re-executes, after the result landed.
  const drawn = await waitFor('VerifiersDrawn', isTask);
  assert.deepEqual(drawn.data.verifiers.map(([v]) => v.toString()), [alice.address]);
  const ferdieAfterResult = await free(api, ferdie.address);
  const aliceBefore = await free(api, alice.address);
  const vaultBefore = await free(api, BUYBACK_VAULT);

  // The result is exactly what the service trained.
  const job = await (await fetch(`${solver.control}/jobs`)).json();
  // The endpoint Ferdie publishes is the read side: it takes no jobs.
  const refused = await fetch(`${solver.url}/jobs`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  assert.equal(refused.status, 403);
  const trained = job.find((j) => j.id.startsWith(`aichain-${id}-`));
  assert.ok(trained, `the service holds job aichain-${id}-…: ${JSON.stringify(job)}`);
  assert.equal(trained.state, 'completed');
  assert.equal(result.traceRoot.toHex(), trained.result.trace_root);
  assert.equal(result.modelHash.toHex(), trained.result.model_hash);
  assert.equal(result.steps.toNumber(), 1500);

  const attested = await waitFor('ResultAttested', isTask);
  assert.equal(attested.data.verifier.toString(), alice.address);
  const finalized = await waitFor('TaskFinalized', isTask);
  const t1 = Date.now();
  const unsubAfter = unsub;

  // 80% to Ferdie, 10% to Alice, 10% to the vault; Dave paid the fee and one transaction fee;
  // the workers' reports cost their senders nothing.
  const solverShare = (fee * 800_000_000n) / PERBILL;
  const verifierShare = (fee * 100_000_000n) / PERBILL;
  assert.equal(finalized.data.solverReward.toBigInt(), solverShare);
  assert.equal(finalized.data.verifierReward.toBigInt(), verifierShare);
  assert.equal(
    daveBefore - (await free(api, dave.address)),
    fee + deposit + feePaid(sub.events, dave.address),
    'the fee, one transaction fee, and the deposit escrowed until the task is pruned',
  );
  assert.equal((await free(api, ferdie.address)) - ferdieAfterResult, solverShare);
  assert.equal((await free(api, alice.address)) - aliceBefore, verifierShare);
  assert.equal((await free(api, BUYBACK_VAULT)) - vaultBefore, fee - solverShare - verifierShare);
  assert.equal((await api.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY);
  const record = (await api.call.computeApi.solver(ferdie.address)).unwrap();
  assert.equal(record.stats.completed.toNumber(), 1);

  // A task whose data does not match its root: Ferdie's worker declines it by itself, at no
  // cost to Ferdie; with no other solver it waits, and its submitter can cancel it.
  const stakeBefore = (await api.call.computeApi.solver(ferdie.address)).unwrap().stake.toBigInt();
  const wrong = await sendAndFinalize(
    api.tx.compute.submitTask(PROGRAM, { root: '0x' + '44'.repeat(32), url: 'digits-train.aids', batches: solver.batches }, 'Cpu',
      (await api.rpc.chain.getHeader()).number.toNumber() + 300, quote.fee.toBigInt() * 2n),
    dave,
  );
  const wrongId = wrong.events.find((r) => r.event.method === 'TaskSubmitted').event.data.task.toNumber();
  const declined = await waitFor('TaskDeclined', (d) => d.task.toNumber() === wrongId, 120_000);
  assert.equal(declined.data.solver.toString(), ferdie.address);
  assert.equal(declined.data.reason.type, 'RootMismatch');
  const after = (await api.call.computeApi.solver(ferdie.address)).unwrap();
  assert.equal(after.stake.toBigInt(), stakeBefore, 'declining costs nothing');
  const wrongTask = (await api.call.computeApi.task(wrongId)).unwrap();
  assert.equal(wrongTask.status.type, 'Queued');
  assert.equal(wrongTask.status.asQueued.reason.type, 'SolverDeclined');
  await sendAndFinalize(api.tx.compute.cancelTask(wrongId), dave);
  unsubAfter();

  const s = (e) => ((e.at - t0) / 1000).toFixed(1);
  console.log(`compute-ocw: submitted → assigned ${s(assigned)} s, accepted ${s(accepted)} s, ` +
    `result ${s(posted)} s, attested ${s(attested)} s, finalized ${((t1 - t0) / 1000).toFixed(1)} s ` +
    `(challenge window ${params.challengeWindow} blocks)`);
});
