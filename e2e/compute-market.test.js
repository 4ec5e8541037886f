// End to end: the compute market on a real `aichain-node --dev`, as a wallet or script drives it
// through @polkadot/api. A solver registers, a user gets a quote from the runtime API and submits
// a training task, the solver posts its result, the drawn verifier attests, the task is finalized
// and every balance is checked to the unit.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, sendAndFinalize } from './lib/node.js';
import { DIGITS_PROGRAM as PROGRAM } from './lib/programs.js';

const AI = 10n ** 18n;
const TOTAL_SUPPLY = 10_000_000_000n * AI;
// `modl` + PalletId("ai/bybck"), padded with zeros: the BuyBack Vault.
const BUYBACK_VAULT = '0x6d6f646c61692f627962636b' + '00'.repeat(20);
// The market's escrow account ('modl' + 'ai/escrw'): stakes, fees and deposits are held there.
const ESCROW = '0x6d6f646c61692f6573637277' + '00'.repeat(20);
const PERBILL = 1_000_000_000n;

const WORK_UNITS = 333_204n * 1500n;

let node;
let alice; // the dev validator: the verifier drawn for every result
let charlie; // the solver
let dave; // submits the task

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  charlie = keyring.addFromUri('//Charlie');
  dave = keyring.addFromUri('//Dave');
  node = await startDevNode();
});

after(async () => {
  await node?.stop();
});

async function free(api, who, at) {
  const q = at ? await api.at(at) : api;
  return (await q.query.system.account(who)).data.free.toBigInt();
}

async function held(api, who, reason) {
  const holds = await api.query.balances.holds(who);
  return holds
    .filter((h) => h.id.isCompute && h.id.asCompute.type === reason)
    .reduce((sum, h) => sum + h.amount.toBigInt(), 0n);
}

// What the market holds in escrow under `reason`; nothing of it may be held on its owners.
async function escrowed(api, reason, ...owners) {
  for (const who of owners) assert.equal(await held(api, who, reason), 0n, `${reason} held on ${who}`);
  return held(api, ESCROW, reason);
}

async function total(api, who) {
  const { data } = await api.query.system.account(who);
  return data.free.toBigInt() + data.reserved.toBigInt();
}

function feePaid(events, who) {
  const e = events.find(
    (r) => r.event.section === 'transactionPayment' && r.event.method === 'TransactionFeePaid' &&
      r.event.data[0].toString() === who,
  );
  assert.ok(e, `TransactionFeePaid for ${who}`);
  return e.event.data[1].toBigInt();
}

function compute(events, method) {
  return events.filter((r) => r.event.section === 'compute' && r.event.method === method).map((r) => r.event.data);
}

async function waitForStatus(api, id, wanted, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const task = (await api.call.computeApi.task(id)).unwrap();
    if (task.status.type === wanted) return task;
    if (Date.now() > deadline) throw new Error(`task ${id} stuck in ${task.status.type}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('a training task from quote to payout, every balance to the unit', async () => {
  const { api } = node;

  // Governance (sudo on the dev chain) shortens the challenge window to keep the test short.
  const params = (await api.query.compute.params()).toJSON();
  params.challengeWindow = 10;
  await sendAndFinalize(api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);
  assert.equal((await api.query.compute.params()).challengeWindow.toNumber(), 10);

  // A solver registers with the minimum stake, moved from its balance into the market's escrow.
  const minStake = (await api.query.compute.params()).minStake.toBigInt();
  assert.equal(minStake, 10_000n * AI);
  const stakes0 = await escrowed(api, 'SolverStake');
  const charlie0 = await total(api, charlie.address);
  const reg = await sendAndFinalize(api.tx.compute.registerSolver(minStake, 1_000_000_000n, 'Gpu'), charlie);
  assert.equal(compute(reg.events, 'SolverRegistered').length, 1);
  assert.equal((await escrowed(api, 'SolverStake', charlie.address)) - stakes0, minStake);
  assert.equal(charlie0 - (await total(api, charlie.address)), minStake + feePaid(reg.events, charlie.address));
  const solver = (await api.call.computeApi.solver(charlie.address)).unwrap();
  assert.equal(solver.status.type, 'Active');
  assert.equal(solver.reputation.toNumber(), 500_000);

  // The runtime API quotes the program: exact work units × price × class multiplier.
  const quote = (await api.call.computeApi.quote(PROGRAM, 'Cpu')).asOk;
  assert.equal(quote.workUnits.toBigInt(), WORK_UNITS);
  const price = quote.pricePerUnit.toBigInt();
  assert.equal(price, (await api.call.computeApi.pricePerUnit()).toBigInt());
  const fee = quote.fee.toBigInt();
  assert.equal(fee, WORK_UNITS * price);
  const invalid = await api.call.computeApi.quote({ ...PROGRAM, steps: 0 }, 'Cpu');
  assert.ok(invalid.isErr && invalid.asErr.type === 'InvalidProgram');

  // Dave submits it; the quoted fee goes into escrow.
  const daveTotal0 = await total(api, dave.address);
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const dataset = { root: '0x' + '11'.repeat(32), url: 'http://127.0.0.1:8420/datasets/digits.aids', batches: 44 };
  const sub = await sendAndFinalize(
    api.tx.compute.submitTask(PROGRAM, dataset, 'Cpu', best + 200, fee),
    dave,
  );
  const [submitted] = compute(sub.events, 'TaskSubmitted');
  const id = submitted.task.toNumber();
  assert.equal(submitted.fee.toBigInt(), fee);
  // A deposit for the task's record and wake-ups stays in escrow until the record is pruned.
  const deposit = submitted.deposit.toBigInt();
  const params2 = await api.query.compute.params();
  assert.equal(deposit, params2.wakeupDeposit.toBigInt() * 3n);
  assert.equal(await escrowed(api, 'TaskDeposit', dave.address), deposit);
  assert.equal(submitted.workUnits.toBigInt(), WORK_UNITS);
  const submitFee = feePaid(sub.events, dave.address);

  // With the VRF output of a block after the submission, the only online solver is drawn; it
  // has the acceptance period to accept or decline.
  const assigned = await waitForStatus(api, id, 'Assigned');
  assert.equal(assigned.status.asAssigned.solver.toString(), charlie.address);
  assert.equal(
    assigned.status.asAssigned.acceptBy.toNumber() - assigned.queuedAt.toNumber() >= params2.acceptancePeriod.toNumber(),
    true,
  );
  assert.equal(assigned.fee.toBigInt(), fee, 'the price did not move: nothing released');
  assert.equal(await escrowed(api, 'TaskFee', dave.address), fee);

  // The solver accepts it and posts its result; a block or two later Alice (the only validator)
  // is drawn to verify, with the segment of the trace she must re-execute.
  const acc = await sendAndFinalize(api.tx.compute.acceptTask(id), charlie);
  const result = { modelHash: '0x' + '22'.repeat(32), traceRoot: '0x' + '33'.repeat(32), steps: 1500 };
  const res = await sendAndFinalize(api.tx.compute.submitResult(id, result), charlie);
  assert.equal(compute(res.events, 'ResultSubmitted').length, 1);
  let drawn;
  for (let i = 0; i < 60; i += 1) {
    const t = (await api.call.computeApi.task(id)).unwrap();
    if (t.status.isSubmitted && t.status.asSubmitted.drawAt.isNone) {
      drawn = t.status.asSubmitted.verifiers;
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.ok(drawn, 'verifiers drawn');
  assert.deepEqual(drawn.map((v) => v.account.toString()), [alice.address]);
  const segment = drawn[0].segment;
  assert.equal(segment.to.toNumber() - segment.from.toNumber(), 32);
  assert.ok(segment.to.toNumber() <= 1500);
  const solverTxFees = feePaid(acc.events, charlie.address) + feePaid(res.events, charlie.address);
  const charlieAfterTx = await free(api, charlie.address, res.blockHash);
  const vaultBefore = await free(api, BUYBACK_VAULT, res.blockHash);

  const att = await sendAndFinalize(api.tx.compute.attest(id), alice);
  assert.equal(compute(att.events, 'ResultAttested').length, 1);
  const aliceAfterTx = await free(api, alice.address, att.blockHash);

  // After the window the fee is split: 80% solver, 10% attesting verifier, 10% vault.
  const finalized = await waitForStatus(api, id, 'Finalized');
  assert.equal(finalized.status.asFinalized.result.traceRoot.toHex(), result.traceRoot);
  const solverShare = (fee * 800_000_000n) / PERBILL;
  const verifierShare = (fee * 100_000_000n) / PERBILL;
  const protocolShare = fee - solverShare - verifierShare;

  assert.equal(await escrowed(api, 'TaskFee', dave.address), 0n);
  const daveTotal1 = await total(api, dave.address);
  assert.equal(
    daveTotal0 - daveTotal1,
    fee + deposit + submitFee,
    'Dave paid the fee and one transaction fee; the deposit waits in escrow',
  );
  assert.equal(await escrowed(api, 'TaskDeposit', dave.address), deposit, 'the deposit until pruning');
  assert.equal((await free(api, charlie.address)) - charlieAfterTx, solverShare);
  assert.equal((await free(api, alice.address)) - aliceAfterTx, verifierShare);
  assert.equal((await free(api, BUYBACK_VAULT)) - vaultBefore, protocolShare);
  assert.ok(solverTxFees > 0n);

  const record = (await api.call.computeApi.solver(charlie.address)).unwrap();
  assert.equal(record.stats.completed.toNumber(), 1);
  assert.equal(record.activeTasks.toNumber(), 0);
  assert.equal(record.reputation.toNumber(), 510_000);
  assert.equal((await api.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY, 'no mint, no burn');
});
