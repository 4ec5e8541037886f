// End to end, nothing mocked: a lying solver that withholds its trace is cornered by a bisection
// game that nobody at a keyboard plays. A real `aichain-solver` started with `--corrupt-step 7
// --withhold-trace` trains Dave's job (20 steps of the digits program) wrongly from step 7 and
// serves nothing on its public side. Alice's worker (the dev validator, drawn as verifier) cannot
// check its segment; after its retries it re-executes the job on its own service, finds a model
// other than the posted one and opens a game over the whole trace with its own leaves (fee-free,
// its bond from its account). Ferdie's worker must answer every move from its service's stored
// trace (the lie it committed to); Alice's worker reveals her midpoints and, with one step left,
// makes the referee move. The runtime recomputes step 7 and convicts: Ferdie is slashed, Alice
// gets her bond back and half the slash, Dave is refunded. Every balance is checked to the unit.

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
  solver = await startSolver(['--corrupt-step', String(LIE_AT), '--withhold-trace']);
  node = await startDevNode(['--solver-url', solver.control]);
});

after(async () => {
  await node?.stop();
  solver?.stop();
});

async function free(api, who) {
  return (await api.query.system.account(who)).data.free.toBigInt();
}

test("a withholding liar is cornered by Alice's worker in a bisection game and slashed", async () => {
  const { api, provider } = node;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const dave = keyring.addFromUri('//Dave');
  const ferdie = keyring.addFromUri('//Ferdie');

  const params = (await api.query.compute.params()).toJSON();
  params.challengeWindow = 40;
  await sendAndFinalize(api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);
  await sendAndFinalize(api.tx.compute.setEndpoint(solver.url), ferdie);
  await provider.send('author_insertKey', ['aicm', '//Ferdie', u8aToHex(ferdie.publicKey)]);
  const gameParams = (await api.query.disputes.gameParameters()).toJSON();
  assert.equal(gameParams.clock, 66, 'the dev preset plays games on short clocks');

  const { seen, waitFor, stop } = await watchEvents(api, { node, solver, defaultTimeoutMs: 420_000 });

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
  const fee = (await api.call.computeApi.task(id)).unwrap().fee.toBigInt();

  // Alice's worker opens the game by itself, bonding the larger of 100 AI and 5% of the fee.
  const opened = await waitFor('disputes.GameOpened', isTask);
  assert.equal(opened.data.challenger.toString(), alice.address);
  const bond = opened.data.bond.toBigInt();
  assert.equal(bond, fee / 20n > 100n * AI ? fee / 20n : 100n * AI);
  assert.deepEqual([opened.data.from.toNumber(), opened.data.to.toNumber()], [0, 20]);
  const game = opened.data.game.toNumber();
  const info = (await api.call.disputesApi.game(game)).unwrap();
  assert.equal(info.record.challenger.toString(), alice.address);
  assert.equal(info.record.solver.toString(), ferdie.address);
  assert.deepEqual((await api.call.disputesApi.gamesOf(id)).map((g) => g.toNumber()), [game]);

  const ended = await waitFor('disputes.GameEnded', (d) => d.game.toNumber() === game);
  assert.equal(ended.data.winner.type, 'Challenger');
  assert.equal(ended.data.end.type, 'Refereed');
  assert.equal(ended.data.end.asRefereed.type, 'WrongState');
  const proven = await waitFor('disputes.FraudProven', isTask);
  assert.equal(proven.data.prover.toString(), alice.address);
  assert.equal(proven.data.step.toNumber(), LIE_AT);
  const slashed = proven.data.slashed.toBigInt();
  assert.equal(slashed, stake / 2n);
  const refunded = await waitFor('compute.TaskRefunded', isTask);
  assert.equal(refunded.data.cause.type, 'ResultDisproved');
  await waitFor('disputes.BondReturned', (d) => d.game.toNumber() === game);
  stop();

  // Every move was the parties' workers': Ferdie's reveals from his (lying) stored trace, Alice's
  // from her own run, at most ceil(log2 20) = 5 rounds.
  const reveals = seen.filter((x) => x.key === 'disputes.Revealed' && x.data.game.toNumber() === game);
  const rounds = reveals.filter((x) => x.data.by.type === 'Challenger').length;
  assert.ok(rounds >= 1 && rounds <= 5, `${rounds} rounds`);
  assert.equal(reveals.filter((x) => x.data.by.type === 'Solver').length, rounds + 1, 'the end and each midpoint');
  // Alice's moves were fee-free: her bond came back with half the slash.
  assert.equal((await free(api, alice.address)) - aliceBefore, slashed / 2n);
  assert.equal(daveBefore - (await free(api, dave.address)), deposit + txFee);
  const record = (await api.call.computeApi.solver(ferdie.address)).unwrap();
  assert.equal(record.stake.toBigInt(), stake - slashed);
  assert.ok((await api.call.disputesApi.game(game)).isNone);
  assert.equal((await api.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY);

  const blocks = (await api.rpc.chain.getHeader()).number.toNumber();
  console.log(`compute-game: result → game opened in ${((opened.at - posted.at) / 1000).toFixed(1)} s, ` +
    `game → slash in ${((ended.at - opened.at) / 1000).toFixed(1)} s (${rounds} rounds, ` +
    `${reveals.length + 1} moves; bond ${bond / AI} AI; ${slashed / AI} AI slashed; at block ${blocks})`);
});
