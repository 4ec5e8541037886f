// zombienet js-script: the compute market's whole loop on three solver-running validators.
// Each node's offchain worker gets its validator's account key as solver key (type `aicm`; its
// `compute` session key is already there); Dave submits the digits job; the drawn solver's
// worker trains it on its own service and reports the result; the two other validators' workers
// re-execute a segment of the trace (from the solver's endpoint) and attest; the task is
// finalized with 80% to the solver, 10% shared by the verifiers and 10% to the BuyBack Vault.
const AI = 10n ** 18n;
const NAMES = ['alice', 'bob', 'charlie'];

const PROGRAM = {
  model: { inputs: 64, hidden: [{ units: 64, activation: 'Relu' }], classes: 10 },
  optimizer: { learningRate: 6554, momentum: 58982 },
  batchSize: 32,
  steps: 1500,
  seed: 42,
};

function until(api, pred, what, timeoutMs) {
  return new Promise((resolve, reject) => {
    let unsub;
    const timer = setTimeout(() => { unsub?.(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
    api.query.system.events((events) => {
      for (const { event } of events) {
        if (pred(event)) { clearTimeout(timer); unsub?.(); resolve(event); return; }
      }
    }).then((u) => { unsub = u; });
  });
}

function finalize(tx, signer) {
  return new Promise((resolve, reject) => {
    tx.signAndSend(signer, ({ status, events, dispatchError }) => {
      if (dispatchError) reject(new Error(dispatchError.toString()));
      else if (status.isFinalized) resolve(events);
      else if (status.isInvalid || status.isDropped) reject(new Error(status.type));
    }).catch(reject);
  });
}

async function run(nodeName, networkInfo) {
  const keyring = new zombie.Keyring({ type: 'sr25519' });
  const apis = {};
  for (const name of NAMES) {
    const { wsUri, userDefinedTypes } = networkInfo.nodesByName[name];
    apis[name] = await zombie.connect(wsUri, userDefinedTypes);
    const pair = keyring.addFromUri(`//${name[0].toUpperCase()}${name.slice(1)}`);
    await apis[name].rpc.author.insertKey('aicm', `//${name[0].toUpperCase()}${name.slice(1)}`,
      '0x' + Buffer.from(pair.publicKey).toString('hex'));
  }
  const api = apis[nodeName];
  const alice = keyring.addFromUri('//Alice');
  const dave = keyring.addFromUri('//Dave');

  const params = (await api.query.compute.params()).toJSON();
  params.challengeWindow = 10;
  await finalize(api.tx.sudo.sudo(api.tx.compute.setParams(params)), alice);

  // All three solvers report online (their heartbeats may well have landed already).
  const solvers = NAMES.map((n) => keyring.addFromUri(`//${n[0].toUpperCase()}${n.slice(1)}`).address);
  for (let waited = 0; ; waited += 3) {
    const period = (await api.query.compute.onlineCapacityOf()).period.toNumber();
    const seen = await Promise.all(solvers.map((a) => api.query.compute.solvers(a)));
    if (seen.every((s) => s.isSome && s.unwrap().seenPeriod.toNumber() === period)) break;
    if (waited > 180) throw new Error('the three solvers did not report online within 180 s');
    await new Promise((r) => setTimeout(r, 3000));
  }

  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  // (zombienet's bundled @polkadot/api does not decorate the runtime API; the cap is generous.)
  const events = await finalize(api.tx.compute.submitTask(PROGRAM,
    { root: process.env.DIGITS_ROOT, url: 'digits-train.aids', batches: Number(process.env.DIGITS_BATCHES) },
    'Cpu', best + 300, 1_000n * AI), dave);
  const id = events.find(({ event }) => event.method === 'TaskSubmitted').event.data.task.toNumber();
  const isTask = (e) => e.section === 'compute' && e.data.task && e.data.task.toNumber() === id;

  const posted = await until(api, (e) => isTask(e) && e.method === 'ResultSubmitted', 'the result', 300_000);
  const verifiers = posted.data.verifiers.map((v) => v.toString());
  if (verifiers.length !== 2 || verifiers.includes(posted.data.solver.toString())) {
    throw new Error(`verifiers ${verifiers} for solver ${posted.data.solver}`);
  }
  const done = await until(api, (e) => isTask(e) && e.method === 'TaskFinalized', 'finalization', 180_000);
  // Both verifiers attested: the whole verifier share was earned.
  if (done.data.verifierReward.toBigInt() === 0n || done.data.unearned.toBigInt() !== 0n) {
    throw new Error(`verifiers were paid ${done.data.verifierReward}, unearned ${done.data.unearned}`);
  }
  const issuance = (await api.query.balances.totalIssuance()).toBigInt();
  for (const name of NAMES) await apis[name].disconnect();
  if (issuance !== 10_000_000_000n * AI) throw new Error(`total issuance ${issuance}`);
  return 1;
}

module.exports = { run };
