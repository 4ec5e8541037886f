// zombienet js-script: Alice sends Dave 1,000 AI; the transfer must be finalized and exact.
const AI = 10n ** 18n;

async function run(nodeName, networkInfo) {
  const { wsUri, userDefinedTypes } = networkInfo.nodesByName[nodeName];
  const api = await zombie.connect(wsUri, userDefinedTypes);
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const alice = keyring.addFromUri('//Alice');
  const dave = keyring.addFromUri('//Dave');
  const amount = 1_000n * AI;

  const before = (await api.query.system.account(dave.address)).data.free.toBigInt();
  const blockHash = await new Promise((resolve, reject) => {
    api.tx.balances
      .transferKeepAlive(dave.address, amount)
      .signAndSend(alice, ({ status, dispatchError }) => {
        if (dispatchError) reject(new Error(dispatchError.toString()));
        else if (status.isFinalized) resolve(status.asFinalized);
        else if (status.isInvalid || status.isDropped) reject(new Error(status.type));
      })
      .catch(reject);
  });
  const at = await api.at(blockHash);
  const after = (await at.query.system.account(dave.address)).data.free.toBigInt();
  const issuance = (await at.query.balances.totalIssuance()).toBigInt();
  await api.disconnect();
  if (after - before !== amount) {
    throw new Error(`Dave received ${after - before}, expected ${amount}`);
  }
  if (issuance !== 10_000_000_000n * AI) throw new Error(`total issuance ${issuance}`);
  return 1;
}

module.exports = { run };
