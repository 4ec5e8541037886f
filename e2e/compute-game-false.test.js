// End to end, nothing mocked: a false challenge loses its bond. An honest `aichain-solver`
// trains Dave's job (20 steps of the digits program) for Ferdie. Bob, from @polkadot/api, opens
// a bisection game claiming other state hashes for every step, and plays it to the end as any
// wallet would: his reveals with proofs against his own root, then the referee move with the
// minibatch the solver's public side serves. Ferdie's worker answers every move from his
// service's stored trace, fee-free. The runtime recomputes step 1 and finds Ferdie right: Bob's
// bond goes half to Ferdie and half to the treasury, and Ferdie is paid after the window.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady } from '@polkadot/util-crypto';
import { sendAndFinalize, startDevNode } from './lib/node.js';
import { startSolver } from './lib/solver.js';
import { watchEvents } from './lib/events.js';
import { DIGITS_PROGRAM } from './lib/programs.js';

const AI = 10n ** 18n;
const TOTAL_SUPPLY = 10_000_000_000n * AI;
const PROGRAM = { ...DIGITS_PROGRAM, steps: 20 };

let node;
let solver;

before(async () => {
  await cryptoWaitReady();
  solver = await startSolver();
  node = await startDevNode(['--solver-url', solver.control]);
});

after(async () => {
  await node?.stop();
  solver?.stop();
});

async function free(api, who) {
  return (await api.query.system.account(who)).data.free.toBigInt();
}

/**
 * The root of `leaves` and the proof of leaf `index` (0-based), built as the chain's binary
 * Merkle tree builds them: leaves hashed once more, pairs hashed, an odd last node promoted.
 */
function merkle(leaves, index) {
  let row = leaves.map((l) => blake2AsU8a(l, 256));
  let position = index;
  const siblings = [];
  while (row.length > 1) {
    const next = [];
    for (let i = 0; i < row.length; i += 2) {
      const [a, b] = [row[i], row[i + 1]];
      if (position === i && b) siblings.push(u8aToHex(b));
      if (position === i + 1) siblings.push(u8aToHex(a));
      next.push(b ? blake2AsU8a(u8aConcat(a, b), 256) : a);
    }
    row = next;
    position = Math.floor(position / 2);
  }
  return { root: u8aToHex(row[0]), proof: { siblings } };
}

test("a false challenge from a wallet, answered by the solver's worker, loses its bond", async () => {
  const { api, provider } = node;
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const alice = keyring.addFromUri('//Alice');
  const bob = keyring.addFromUri('//Bob');
  const dave = keyring.addFromUri('//Dave');
  const ferdie = keyring.addFromUri('//Ferdie');

  const params = (await api.query.compute.params()).toJSON();
  params.challengeWindow = 24;
  await sendAndFinalize(api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);
  await sendAndFinalize(api.tx.compute.setEndpoint(solver.url), ferdie);
  await provider.send('author_insertKey', ['aicm', '//Ferdie', u8aToHex(ferdie.publicKey)]);

  const { seen, waitFor, stop } = await watchEvents(api, { node, solver });

  await waitFor('compute.Heartbeat', (d) => d.solver.toString() === ferdie.address, 60_000);
  const quote = (await api.call.computeApi.quote(PROGRAM, 'Cpu')).asOk;
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const sub = await sendAndFinalize(
    api.tx.compute.submitTask(PROGRAM, { root: solver.root, url: 'digits-train.aids', batches: solver.batches },
      'Cpu', best + 300, quote.fee.toBigInt() * 2n),
    dave,
  );
  const id = sub.events
    .find((r) => r.event.section === 'compute' && r.event.method === 'TaskSubmitted')
    .event.data.task.toNumber();
  const isTask = (d) => d.task.toNumber() === id;
  await waitFor('compute.ResultSubmitted', isTask);

  // Bob's claim: other hashes after every step.
  const claim = Array.from({ length: 20 }, (_, i) => blake2AsU8a(`bob's step ${i + 1}`, 256));
  const leafAt = (step) => ({ hash: u8aToHex(claim[step - 1]), proof: merkle(claim, step - 1).proof });
  const opening = {
    claimRoot: merkle(claim, 0).root,
    from: 0,
    to: 20,
    fromLeaf: null,
    fromTraceProof: null,
    claimTo: leafAt(20),
    solverTo: null,
  };
  const [bobBefore, ferdieBefore] = [await free(api, bob.address), await free(api, ferdie.address)];
  const open = await sendAndFinalize(api.tx.disputes.openGame(id, opening), bob);
  const opened = open.events.find((r) => r.event.section === 'disputes' && r.event.method === 'GameOpened');
  assert.ok(opened, 'the game opened');
  const game = opened.event.data.game.toNumber();
  const bond = opened.event.data.bond.toBigInt();
  let bobFees = open.events
    .filter((r) => r.event.section === 'transactionPayment' && r.event.method === 'TransactionFeePaid')
    .reduce((sum, r) => sum + r.event.data[1].toBigInt(), 0n);

  // Bob plays every move due from him until the game ends.
  const stepCost = (await api.call.disputesApi.disputeInfo(id)).unwrap().stepCost.toBigInt();
  const jobs = await (await fetch(`${solver.control}/jobs`)).json();
  const job = jobs.find((j) => j.id.startsWith(`aichain-${id}-`)).id;
  for (;;) {
    const info = await api.call.disputesApi.game(game);
    if (info.isNone) break;
    const g = info.unwrap();
    if (g.due.type !== 'Challenger') {
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    let move;
    if (g.dueStep.isSome) {
      move = { Reveal: leafAt(g.dueStep.unwrap().toNumber()) };
    } else {
      const step = g.record.state.to.toNumber();
      assert.equal(step, 1, 'every hash of Bob differs: the first step is the one left');
      const served = await (await fetch(`${solver.url}/jobs/${job}/steps/${step}/minibatch`)).json();
      move = {
        Referee: {
          maxCost: stepCost,
          priorState: '0x',
          minibatch: served.minibatch,
          minibatchProof: { siblings: served.proof },
        },
      };
    }
    const played = await sendAndFinalize(api.tx.disputes.play(game, move), bob);
    bobFees += played.events
      .filter((r) => r.event.section === 'transactionPayment' && r.event.method === 'TransactionFeePaid')
      .reduce((sum, r) => sum + r.event.data[1].toBigInt(), 0n);
  }

  const ended = await waitFor('disputes.GameEnded', (d) => d.game.toNumber() === game);
  assert.equal(ended.data.winner.type, 'Solver');
  assert.equal(ended.data.end.type, 'SolverRight');
  const forfeited = await waitFor('disputes.BondForfeited', (d) => d.game.toNumber() === game);
  assert.equal(forfeited.data.toSolver.toBigInt(), bond / 2n);
  assert.equal(forfeited.data.toTreasury.toBigInt(), bond - bond / 2n);
  const solverMoves = seen.filter((x) => x.key === 'disputes.Revealed' &&
    x.data.game.toNumber() === game && x.data.by.type === 'Solver').length;
  assert.ok(solverMoves >= 2, `Ferdie's worker answered ${solverMoves} moves`);
  assert.equal(bobBefore - (await free(api, bob.address)), bond + bobFees);

  // Ferdie is paid once the window has closed.
  const finalized = await waitFor('compute.TaskFinalized', isTask);
  stop();
  assert.equal(finalized.data.solver.toString(), ferdie.address);
  const ferdieGot = (await free(api, ferdie.address)) - ferdieBefore;
  assert.equal(ferdieGot, bond / 2n + finalized.data.solverReward.toBigInt(), 'half the bond, and his share of the fee');
  assert.equal((await api.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY);
  console.log(`compute-game-false: Bob lost ${bond / AI} AI (${forfeited.data.toSolver.toBigInt() / AI} to Ferdie), ` +
    `${solverMoves} moves answered by Ferdie's worker`);
});
