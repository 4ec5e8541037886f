// End to end: a real `aichain-node --dev`, driven through @polkadot/api as polkadot.js apps does.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, sendAndFinalize, waitForFinalized } from './lib/node.js';

const AI = 10n ** 18n;
const TOTAL_SUPPLY = 10_000_000_000n * AI;
// `modl` + PalletId("ai/rwpot"), padded with zeros: the staking reward pot.
const REWARD_POT = '0x6d6f646c61692f7277706f740000000000000000000000000000000000000000';

let node;
let alice;
let bob;

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  node = await startDevNode();
});

after(async () => {
  await node?.stop();
});

test('the dev chain produces and finalizes blocks', async () => {
  const finalized = await waitForFinalized(node.api, 3);
  assert.ok(finalized >= 3);
  const best = (await node.api.rpc.chain.getHeader()).number.toNumber();
  assert.ok(best >= finalized, `best #${best} behind finalized #${finalized}`);
});

test('chain properties show the AI token', async () => {
  const props = await node.api.rpc.system.properties();
  assert.equal(props.tokenSymbol.unwrap()[0].toString(), 'AI');
  assert.equal(props.tokenDecimals.unwrap()[0].toNumber(), 18);
  assert.equal(props.ss58Format.unwrap().toNumber(), 42);
  assert.equal((await node.api.rpc.system.chain()).toString(), 'aichain dev');
  assert.equal(node.api.runtimeVersion.specName.toString(), 'aichain');
});

test('total issuance is exactly 10 billion AI', async () => {
  const issuance = (await node.api.query.balances.totalIssuance()).toBigInt();
  assert.equal(issuance, TOTAL_SUPPLY);
});

test('staking: Alice is the validator of the active era', async () => {
  const validators = (await node.api.query.session.validators()).map((v) => v.toString());
  assert.deepEqual(validators, [alice.address]);
  const prefs = await node.api.query.staking.validators(alice.address);
  assert.ok(prefs.commission !== undefined);
  const ledger = (await node.api.query.staking.ledger(alice.address)).unwrap();
  assert.equal(ledger.active.toBigInt(), 100_000n * AI);
  const activeEra = (await node.api.query.staking.activeEra()).unwrap();
  assert.equal(activeEra.index.toNumber(), 0);
  // The staking runtime API answers too.
  const quota = await node.api.call.stakingApi.nominationsQuota(1000n * AI);
  assert.equal(quota.toNumber(), 16);
});

test('a transfer moves exactly its amount and its fee funds the reward pot', async () => {
  const amount = 12_345n * AI;
  const bobBefore = (await node.api.query.system.account(bob.address)).data.free.toBigInt();
  const aliceBefore = (await node.api.query.system.account(alice.address)).data.free.toBigInt();
  const potBefore = (await node.api.query.system.account(REWARD_POT)).data.free.toBigInt();

  const tx = node.api.tx.balances.transferKeepAlive(bob.address, amount);
  const estimate = (await tx.paymentInfo(alice)).partialFee.toBigInt();
  assert.ok(estimate > 0n, 'payment_queryInfo returns a fee');

  const { blockHash, events } = await sendAndFinalize(tx, alice);
  const feeEvent = events.find((e) => e.event.section === 'transactionPayment' && e.event.method === 'TransactionFeePaid');
  assert.ok(feeEvent, 'TransactionFeePaid emitted');
  const fee = feeEvent.event.data[1].toBigInt();
  assert.ok(events.some((e) => e.event.section === 'balances' && e.event.method === 'Transfer'));

  const at = await node.api.at(blockHash);
  const bobAfter = (await at.query.system.account(bob.address)).data.free.toBigInt();
  const aliceAfter = (await at.query.system.account(alice.address)).data.free.toBigInt();
  const potAfter = (await at.query.system.account(REWARD_POT)).data.free.toBigInt();
  assert.equal(bobAfter - bobBefore, amount);
  assert.equal(aliceBefore - aliceAfter, amount + fee);
  assert.equal(potAfter - potBefore, fee, 'the whole fee lands in the staking reward pot');
  assert.equal((await at.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY);
});

test('balances.burn is filtered: issuance cannot go down outside the supply ledger', async () => {
  await assert.rejects(
    sendAndFinalize(node.api.tx.balances.burn(AI, true), bob),
    /CallFiltered/,
  );
  assert.equal((await node.api.query.balances.totalIssuance()).toBigInt(), TOTAL_SUPPLY);
});

test('a new validator: bond, session keys with proof of ownership, validate', async () => {
  const { api } = node;
  // The README's steps, with Bob: bond from the stash ...
  await sendAndFinalize(api.tx.staking.bond(20_000n * AI, 'Staked'), bob);
  const ledger = (await api.query.staking.ledger(bob.address)).unwrap();
  assert.equal(ledger.active.toBigInt(), 20_000n * AI);

  // ... let the node generate session keys with a proof that Bob owns them ...
  const generated = await node.provider.send('author_rotateKeysWithOwner', [
    api.createType('AccountId', bob.address).toHex(),
  ]);
  assert.match(generated.keys, /^0x[0-9a-f]{192}$/, 'BABE + GRANDPA + compute public keys');
  const hasKeys = await api.rpc.author.hasSessionKeys(generated.keys);
  assert.ok(hasKeys.isTrue, 'the node holds the private keys');

  // ... register them (1 AI is held as the key deposit) and declare the intention to validate.
  const heldBefore = (await api.query.system.account(bob.address)).data.reserved.toBigInt();
  await sendAndFinalize(api.tx.session.setKeys(generated.keys, generated.proof), bob);
  assert.equal(
    (await api.query.session.nextKeys(bob.address)).unwrap().toHex(),
    generated.keys,
  );
  const heldAfter = (await api.query.system.account(bob.address)).data.reserved.toBigInt();
  assert.equal(heldAfter - heldBefore, AI, 'session key deposit');
  await sendAndFinalize(api.tx.staking.validate({ commission: 50_000_000, blocked: false }), bob);
  const prefs = await api.query.staking.validators(bob.address);
  assert.equal(prefs.commission.toNumber(), 50_000_000);
  const candidates = (await api.query.staking.validators.keys()).map((k) => k.args[0].toString());
  assert.ok(candidates.includes(bob.address), 'Bob is a validator candidate for the next era');
});

test('vesting: the investors and team buckets are locked', async () => {
  const entries = await node.api.query.vesting.vesting.entries();
  assert.equal(entries.length, 2);
  const locked = entries
    .map(([, schedules]) => schedules.unwrap()[0].locked.toBigInt())
    .sort((a, b) => (a < b ? -1 : 1));
  assert.deepEqual(locked, [2_500_000_000n * AI, 2_960_000_000n * AI]);
});
