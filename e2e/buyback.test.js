// End to end: the BuyBack Vault on a real `aichain-node --dev`, driven through @polkadot/api as a
// wallet or a keeper script would. The dev preset has the dUSD stable asset and Alice's AI/dUSD
// pool. Bob pays protocol revenue into the vault (dUSD and AI), Charlie executes it: the vault
// sells the dUSD in the pool under the TWAP guard, burns 70% of its AI, pays 29% to the treasury
// and 1% to Charlie. The burn shows in total issuance, and issuance + burned stays 10 billion.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startDevNode, sendAndFinalize, waitForFinalized } from './lib/node.js';

const AI = 10n ** 18n;
const USD = 10n ** 6n;
const TOTAL_SUPPLY = 10_000_000_000n * AI;
const STABLE = 1;
// The genesis pool: 200,000 AI against 20,000 dUSD.
const POOL_AI = 200_000n * AI;
const POOL_USD = 20_000n * USD;
const FIXED = 10n ** 18n; // FixedU128's accuracy

let node;
let bob;
let charlie;
let alice;

before(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  charlie = keyring.addFromUri('//Charlie');
  node = await startDevNode();
});

after(async () => {
  await node?.stop();
});

async function free(api, who, at) {
  return (await (await api.at(at)).query.system.account(who)).data.free.toBigInt();
}

async function issuance(api, at) {
  return (await (await api.at(at)).query.balances.totalIssuance()).toBigInt();
}

function event(events, section, method) {
  const found = events.find((r) => r.event.section === section && r.event.method === method);
  assert.ok(found, `${section}.${method} in ${events.map((r) => `${r.event.section}.${r.event.method}`)}`);
  return found.event.data;
}

test('revenue in dUSD and AI is bought back: 70% burned, 29% treasury, 1% executor', async () => {
  const { api } = node;
  // The genesis state has time 0; prices are read from block 2 on.
  await waitForFinalized(api, 2);
  const vault = api.consts.buyback.vaultAccount.toString();
  // `modl` + PalletId("py/trsry"), padded with zeros: the Community Treasury.
  const treasury = '0x6d6f646c70792f7472737279' + '00'.repeat(20);

  // What polkadot.js apps shows: the dUSD asset, the pool and the vault's prices.
  const metadata = await api.query.assets.metadata(STABLE);
  assert.equal(metadata.symbol.toUtf8(), 'dUSD');
  assert.equal(metadata.decimals.toNumber(), 6);
  const reserves = await api.call.assetConversionApi.getReserves({ WithId: STABLE }, 'Native');
  assert.deepEqual(reserves.unwrap().map((r) => r.toBigInt()), [POOL_USD, POOL_AI]);
  const genesisPrice = (POOL_AI * FIXED) / POOL_USD;
  assert.equal((await api.call.buybackApi.spotPrice()).unwrap().toBigInt(), genesisPrice);
  assert.equal((await api.call.buybackApi.twapPrice()).unwrap().toBigInt(), genesisPrice);
  assert.equal((await api.query.system.account(vault)).data.free.toBigInt(), 10n ** 16n);

  // Bob pays protocol revenue: 100 dUSD and 50 AI.
  await sendAndFinalize(
    api.tx.utility.batchAll([
      api.tx.assets.transfer(STABLE, vault, 100n * USD),
      api.tx.balances.transferKeepAlive(vault, 50n * AI),
    ]),
    bob,
  );

  // Charlie executes the vault.
  const started = Date.now();
  const { blockHash, events } = await sendAndFinalize(api.tx.buyback.execute(), charlie);
  console.log(`buyback.execute finalized in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const parent = (await api.rpc.chain.getHeader(blockHash)).parentHash;

  const bought = event(events, 'buyback', 'Bought');
  const [stableSold, aiBought, twapPrice, minAiOut, stableLeft] = bought.map((v) => v.toBigInt());
  assert.equal(stableSold, 100n * USD);
  assert.equal(stableLeft, 0n);
  assert.equal(twapPrice, genesisPrice);
  // The guard: at least the TWAP less 5% (10 AI per dUSD → 950 AI for 100 dUSD).
  assert.equal(minAiOut, 950n * AI);
  assert.ok(aiBought >= minAiOut, `${aiBought} >= ${minAiOut}`);
  // What the constant-product pool pays for 100 dUSD with its 0.3% fee.
  const inWithFee = 100n * USD * 997_000n;
  assert.equal(aiBought, (inWithFee * POOL_AI) / (POOL_USD * 1_000_000n + inWithFee));

  const executed = event(events, 'buyback', 'Executed');
  const executor = executed[0].toString();
  const [total, burned, toTreasury, toExecutor] = executed.slice(1, 5).map((v) => v.toBigInt());
  assert.equal(executor, charlie.address);
  assert.equal(total, aiBought + 50n * AI);
  assert.equal(burned, (total * 70n) / 100n);
  assert.equal(toExecutor, total / 100n);
  assert.equal(toTreasury, total - burned - toExecutor);

  // The burn is recorded by the supply ledger and shows in total issuance.
  const supplyBurned = event(events, 'supply', 'Burned');
  assert.equal(supplyBurned[0].toBigInt(), burned);
  const before = await issuance(api, parent);
  const after = await issuance(api, blockHash);
  assert.equal(before - after, burned);
  const totalBurned = (await (await api.at(blockHash)).query.supply.burned()).toBigInt();
  assert.equal(after + totalBurned, TOTAL_SUPPLY);
  console.log(`burned ${burned} planck: total issuance ${before} -> ${after}`);

  // Payouts to the unit: the treasury, Charlie (less his transaction fee), the vault emptied.
  assert.equal((await free(api, treasury, blockHash)) - (await free(api, treasury, parent)), toTreasury);
  const fee = event(events, 'transactionPayment', 'TransactionFeePaid')[1].toBigInt();
  assert.equal(
    (await free(api, charlie.address, blockHash)) - (await free(api, charlie.address, parent)),
    toExecutor - fee,
  );
  assert.equal(await free(api, vault, blockHash), 10n ** 16n);
  const vaultUsd = await (await api.at(blockHash)).query.assets.account(STABLE, vault);
  assert.ok(vaultUsd.isNone || vaultUsd.unwrap().balance.toBigInt() === 0n);
  const afterReserves = await api.call.assetConversionApi.getReserves({ WithId: STABLE }, 'Native');
  assert.deepEqual(afterReserves.unwrap().map((r) => r.toBigInt()), [POOL_USD + 100n * USD, POOL_AI - aiBought]);

  // Once per epoch: a second execution is refused.
  await sendAndFinalize(api.tx.balances.transferKeepAlive(vault, 5n * AI), bob);
  await assert.rejects(sendAndFinalize(api.tx.buyback.execute(), bob), /buyback\.TooEarly/);
});

test('governance pauses the vault', async () => {
  const { api } = node;
  const { events } = await sendAndFinalize(api.tx.sudo.sudo(api.tx.buyback.setPaused(true)), alice);
  event(events, 'buyback', 'Paused');
  assert.equal((await api.query.buyback.paused()).isTrue, true);
  await assert.rejects(sendAndFinalize(api.tx.buyback.execute(), charlie), /buyback\.Paused/);
});
