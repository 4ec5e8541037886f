// End to end: OpenGov on a real `aichain-node --dev`, driven through @polkadot/api with no custom
// types, as a token holder does it from polkadot.js apps. Alice notes three preimages and submits
// three referenda (the market's fee split on the protocol-parameters track, a grant on the
// small-spender track, a vault pause on the emergency track) and places their decision deposits;
// Bob votes with conviction. Each is enacted: the next task's payout uses the new split, the
// grant is paid, the vault is paused. Dev chains run track time 2,880 times faster (a day lasts
// 5 blocks; the chain has a sudo key); a public chain runs the same runtime in days.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, sendAndFinalize } from './lib/node.js';
import { DIGITS_PROGRAM as PROGRAM } from './lib/programs.js';

const AI = 10n ** 18n;
const TOTAL_SUPPLY = 10_000_000_000n * AI;
const PERBILL = 1_000_000_000n;
// `modl` + PalletId("ai/bybck"), padded with zeros: the BuyBack Vault.
const BUYBACK_VAULT = '0x6d6f646c61692f627962636b' + '00'.repeat(20);

let node;
let alice; // the dev validator (the drawn verifier) and the proposer
let bob; // votes
let charlie; // a solver
let dave; // submits a task
let eve; // claims the grant for its beneficiary
let grantee; // receives the grant

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  charlie = keyring.addFromUri('//Charlie');
  dave = keyring.addFromUri('//Dave');
  eve = keyring.addFromUri('//Eve');
  grantee = keyring.addFromUri('//Governance//Grantee');
  node = await startDevNode();
});

after(async () => {
  await node?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function free(api, who, at) {
  const q = at ? await api.at(at) : api;
  return (await q.query.system.account(who)).data.free.toBigInt();
}

function events(result, section, method) {
  return result.events
    .filter((r) => r.event.section === section && r.event.method === method)
    .map((r) => r.event.data);
}

async function until(what, check, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

test('referenda on three tracks pass, are enacted, and the market pays by the new split', async () => {
  const { api } = node;

  // The tracks, decoded from metadata alone: names (FRAME pads them with NULs to 25 bytes),
  // deposits and (dev) periods.
  const tracks = new Map(
    api.consts.referenda.tracks.map(([id, info]) => [
      info.name.toString().replace(/\0+$/, ''),
      { id: id.toNumber(), info },
    ]),
  );
  assert.deepEqual(
    [...tracks.keys()],
    ['root', 'protocol_params', 'treasurer', 'emergency', 'small_spender', 'big_spender'],
  );
  const paramsTrack = tracks.get('protocol_params');
  assert.equal(paramsTrack.id, 10);
  assert.equal(paramsTrack.info.decisionDeposit.toBigInt(), 100_000n * AI);
  assert.equal(paramsTrack.info.decisionPeriod.toNumber(), 70, '14 days of track time');
  assert.equal(paramsTrack.info.confirmPeriod.toNumber(), 5, 'a day of track time');
  assert.equal(api.consts.referenda.submissionDeposit.toBigInt(), 100n * AI);

  // Three proposals, as polkadot.js builds them: the call's bytes are the preimage.
  const market = (await api.query.compute.params()).toJSON();
  market.solverShare = 850_000_000; // 85% (was 80%)
  market.verifierShare = 50_000_000; // 5% (was 10%)
  market.challengeWindow = 10;
  const grant = 1_000n * AI;
  const spendIndex = (await api.query.treasury.spendCount()).toNumber();
  const proposals = [
    { origin: { Origins: 'ProtocolParams' }, call: api.tx.compute.setParams(market) },
    {
      origin: { Origins: 'SmallSpender' },
      call: api.tx.treasury.spend(null, grant, grantee.address, null),
    },
    { origin: { Origins: 'Emergency' }, call: api.tx.buyback.setPaused(true) },
  ];
  const first = (await api.query.referenda.referendumCount()).toNumber();
  const calls = [];
  proposals.forEach(({ origin, call }, i) => {
    const bytes = call.method.toHex();
    const hash = blake2AsHex(bytes);
    const len = (bytes.length - 2) / 2;
    calls.push(api.tx.preimage.notePreimage(bytes));
    calls.push(api.tx.referenda.submit(origin, { Lookup: { hash, len } }, { After: 1 }));
    calls.push(api.tx.referenda.placeDecisionDeposit(first + i));
  });
  const proposed = await sendAndFinalize(api.tx.utility.batchAll(calls), alice);
  const submitted = events(proposed, 'referenda', 'Submitted');
  assert.equal(submitted.length, 3);
  assert.deepEqual(submitted.map((d) => d.track.toNumber()), [10, 30, 20]);
  assert.equal(events(proposed, 'referenda', 'DecisionDepositPlaced').length, 3);

  // Bob votes aye on all three with 900,000 AI at 1x conviction: his tokens are locked (not
  // moved) while the referenda run and for 7 days of track time after. Support is measured
  // against the tokens that can vote (the keyless genesis buckets cannot): on the dev chain,
  // about 6.3 million AI, so Bob alone brings 14%, above every track's threshold but root's.
  const standard = { Standard: { vote: { aye: true, conviction: 'Locked1x' }, balance: 900_000n * AI } };
  await sendAndFinalize(
    api.tx.utility.batchAll([0, 1, 2].map((i) => api.tx.convictionVoting.vote(first + i, standard))),
    bob,
  );
  const locks = await api.query.balances.locks(bob.address);
  assert.ok(locks.some((l) => l.id.toUtf8() === 'pyconvot' && l.amount.toBigInt() === 900_000n * AI));

  // Referendum info decodes with no custom types: ongoing with a tally, then approved.
  const ongoing = await api.query.referenda.referendumInfoFor(first);
  assert.ok(ongoing.unwrap().isOngoing);
  assert.equal(ongoing.unwrap().asOngoing.tally.ayes.toBigInt() > 0n, true);
  for (let i = 0; i < 3; i += 1) {
    await until(`referendum ${first + i} approved`, async () =>
      (await api.query.referenda.referendumInfoFor(first + i)).unwrap().isApproved);
  }

  // Enacted: the vault is paused, the market has the new split, the grant can be paid out.
  await until('the vault paused', async () => (await api.query.buyback.paused()).isTrue);
  await until('the new fee split', async () =>
    (await api.query.compute.params()).solverShare.toNumber() === 850_000_000);
  await until('the grant approved', async () => (await api.query.treasury.spends(spendIndex)).isSome);
  const grantee0 = await free(api, grantee.address);
  const paid = await sendAndFinalize(api.tx.treasury.payout(spendIndex), eve);
  assert.equal(events(paid, 'treasury', 'Paid').length, 1);
  assert.equal((await free(api, grantee.address)) - grantee0, grant);
  const execute = api.tx.buyback.execute();
  await assert.rejects(sendAndFinalize(execute, eve), /buyback\.Paused/);

  // Deposits come back to Alice once the referenda are approved.
  const refunds = [];
  for (let i = 0; i < 3; i += 1) {
    refunds.push(api.tx.referenda.refundDecisionDeposit(first + i));
    refunds.push(api.tx.referenda.refundSubmissionDeposit(first + i));
  }
  const refunded = await sendAndFinalize(api.tx.utility.batchAll(refunds), eve);
  assert.equal(events(refunded, 'referenda', 'DecisionDepositRefunded').length, 3);
  assert.equal(events(refunded, 'referenda', 'SubmissionDepositRefunded').length, 3);

  // The next task is paid by the split the referendum set: 85% solver, 5% verifier, 10% vault.
  const minStake = (await api.query.compute.params()).minStake.toBigInt();
  await sendAndFinalize(api.tx.compute.registerSolver(minStake, 1_000_000_000n, 'Gpu'), charlie);
  const fee = (await api.call.computeApi.quote(PROGRAM, 'Cpu')).asOk.fee.toBigInt();
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  const dataset = { root: '0x' + '11'.repeat(32), url: 'http://127.0.0.1:8420/datasets/digits.aids', batches: 44 };
  const sub = await sendAndFinalize(api.tx.compute.submitTask(PROGRAM, dataset, 'Cpu', best + 200, fee), dave);
  const id = events(sub, 'compute', 'TaskSubmitted')[0].task.toNumber();
  await until('the task assigned', async () => (await api.call.computeApi.task(id)).unwrap().status.isAssigned);
  const assignedFee = (await api.call.computeApi.task(id)).unwrap().fee.toBigInt();
  await sendAndFinalize(api.tx.compute.acceptTask(id), charlie);
  const result = { modelHash: '0x' + '22'.repeat(32), traceRoot: '0x' + '33'.repeat(32), steps: 1500 };
  const res = await sendAndFinalize(api.tx.compute.submitResult(id, result), charlie);
  await until('verifiers drawn', async () => {
    const t = (await api.call.computeApi.task(id)).unwrap();
    return t.status.isSubmitted && t.status.asSubmitted.drawAt.isNone;
  });
  const charlieAfterTx = await free(api, charlie.address, res.blockHash);
  const vaultBefore = await free(api, BUYBACK_VAULT, res.blockHash);
  const att = await sendAndFinalize(api.tx.compute.attest(id), alice);
  const aliceAfterTx = await free(api, alice.address, att.blockHash);
  await until('the task finalized', async () => (await api.call.computeApi.task(id)).unwrap().status.isFinalized, 120_000);
  const solverShare = (assignedFee * 850_000_000n) / PERBILL;
  const verifierShare = (assignedFee * 50_000_000n) / PERBILL;
  assert.equal((await free(api, charlie.address)) - charlieAfterTx, solverShare);
  assert.equal((await free(api, alice.address)) - aliceAfterTx, verifierShare);
  assert.equal((await free(api, BUYBACK_VAULT)) - vaultBefore, assignedFee - solverShare - verifierShare);

  // Governance moved tokens and minted none.
  assert.equal((await api.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY);
});
