// End to end, nothing mocked: a lying solver is slashed by the chain itself. A real
// `aichain-solver` started with `--corrupt-step 7` trains Dave's job (20 steps of the digits
// program: one verification segment, so the segment Alice is drawn for must contain the lie)
// and posts the corrupted result through Ferdie's offchain worker. Alice's worker (the dev
// validator, drawn as verifier) re-executes its segment on the same service (which re-executes
// honestly), finds the result wrong, bisects to step 7, gathers the solver's state after step 6,
// minibatch 7 and their proofs from the solver's public side, checks them with the engine's
// referee and sends the fraud proof fee-free. The runtime re-executes step 7 in Wasm and
// convicts: Ferdie's stake is slashed by half, Alice gets half of that, the treasury the rest,
// Dave is refunded in full. Every balance is checked to the unit.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { sendAndFinalize, startDevNode } from './lib/node.js';
import { startSolver } from './lib/solver.js';
import { watchEvents } from './lib/events.js';
import { DIGITS_PROGRAM } from './lib/programs.js';

const AI = 10n ** 18n;
const TOTAL_SUPPLY = 10_000_000_000n * AI;
const LIE_AT = 7;
const PROGRAM = { ...DIGITS_PROGRAM, steps: 20 };

let node;
let solver;

before(async () => {
  await cryptoWaitReady();
  solver = await startSolver(['--corrupt-step', String(LIE_AT)]);
  node = await startDevNode(['--solver-url', solver.control]);
});

after(async () => {
  await node?.stop();
  solver?.stop();
});

async function free(api, who) {
  return (await api.query.system.account(who)).data.free.toBigInt();
}

test("a solver that lies about one step is proven wrong by Alice's worker and slashed", async () => {
  const { api, provider } = node;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const dave = keyring.addFromUri('//Dave');
  const ferdie = keyring.addFromUri('//Ferdie');

  const params = (await api.query.compute.params()).toJSON();
  params.challengeWindow = 30;
  await sendAndFinalize(api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);
  await sendAndFinalize(api.tx.compute.setEndpoint(solver.url), ferdie);
  await provider.send('author_insertKey', ['aicm', '//Ferdie', u8aToHex(ferdie.publicKey)]);

  const { seen, waitFor, stop } = await watchEvents(api, { node, solver });

  await waitFor('compute.Heartbeat', (d) => d.solver.toString() === ferdie.address, 60_000);
  const stake = (await api.call.computeApi.solver(ferdie.address)).unwrap().stake.toBigInt();
  const quote = (await api.call.computeApi.quote(PROGRAM, 'Cpu')).asOk;
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const daveBefore = await free(api, dave.address);
  const sub = await sendAndFinalize(
    api.tx.compute.submitTask(PROGRAM, { root: solver.root, url: 'digits-train.aids', batches: solver.batches },
      'Cpu', best + 300, quote.fee.toBigInt() * 2n),
    dave,
  );
  const submitted = sub.events.find((r) => r.event.section === 'compute' && r.event.method === 'TaskSubmitted');
  const id = submitted.event.data.task.toNumber();
  const deposit = submitted.event.data.deposit.toBigInt();
  const txFee = sub.events
    .filter((r) => r.event.section === 'transactionPayment' && r.event.method === 'TransactionFeePaid')
    .reduce((sum, r) => sum + r.event.data[1].toBigInt(), 0n);
  const isTask = (d) => d.task.toNumber() === id;

  const posted = await waitFor('compute.ResultSubmitted', isTask);
  const drawn = await waitFor('compute.VerifiersDrawn', isTask);
  assert.deepEqual(drawn.data.verifiers.map(([v]) => v.toString()), [alice.address]);
  const aliceBefore = await free(api, alice.address);
  // While the window is open, the runtime API tells a challenger what a proof needs.
  const info = (await api.call.disputesApi.disputeInfo(id)).unwrap();
  assert.equal(info.solver.toString(), ferdie.address);
  assert.equal(info.steps.toNumber(), 20);
  assert.equal(info.batches.toNumber(), solver.batches);
  assert.equal(info.slash.toBigInt(), stake / 2n);

  const proven = await waitFor('disputes.FraudProven', isTask);
  assert.equal(proven.data.solver.toString(), ferdie.address);
  assert.equal(proven.data.prover.toString(), alice.address);
  assert.equal(proven.data.step.toNumber(), LIE_AT);
  assert.equal(proven.data.fault.type, 'WrongState');
  const slashed = proven.data.slashed.toBigInt();
  assert.equal(slashed, stake / 2n);
  assert.equal(proven.data.reward.toBigInt(), slashed / 2n);
  assert.equal(proven.data.toTreasury.toBigInt(), slashed - slashed / 2n);
  const refunded = await waitFor('compute.TaskRefunded', isTask);
  assert.equal(refunded.data.cause.type, 'ResultDisproved');
  stop();

  // Alice's proof cost her nothing and paid her half the slash.
  assert.equal((await free(api, alice.address)) - aliceBefore, slashed / 2n);
  // Dave paid one transaction fee; the deposit stays escrowed until the task is pruned.
  assert.equal(daveBefore - (await free(api, dave.address)), deposit + txFee);
  const record = (await api.call.computeApi.solver(ferdie.address)).unwrap();
  assert.equal(record.stake.toBigInt(), stake - slashed);
  assert.equal(record.reputation.toNumber(), 0);
  assert.equal(record.stats.disputesLost.toNumber(), 1);
  const task = (await api.call.computeApi.task(id)).unwrap();
  assert.equal(task.status.type, 'Refunded');
  assert.ok((await api.call.disputesApi.disputeInfo(id)).isNone);
  assert.equal((await api.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY);

  console.log(`compute-fraud: result → fraud proven and slashed in ${((proven.at - posted.at) / 1000).toFixed(1)} s ` +
    `(${slashed / AI} AI slashed, ${slashed / 2n / AI} AI to Alice)`);
});
