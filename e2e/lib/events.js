// Watch a node's events as they come, for tests that wait on them.

/**
 * Record every event of `sections` from now on, as `{ at, key: 'section.Method', data }`.
 * `waitFor(key, pred, timeoutMs)` resolves with the first recorded event of `key` whose data
 * satisfies `pred`, or throws after `timeoutMs` (default `defaultTimeoutMs`) with what was seen
 * and the tails of the node's and the solver's logs. `stop()` ends the subscription.
 */
export async function watchEvents(
  api,
  { node, solver, sections = ['compute', 'disputes'], defaultTimeoutMs = 300_000 },
) {
  const seen = [];
  const unsub = await api.query.system.events((events) => {
    const at = Date.now();
    for (const { event } of events) {
      if (sections.includes(event.section)) {
        seen.push({ at, key: `${event.section}.${event.method}`, data: event.data });
      }
    }
  });
  const waitFor = async (key, pred = () => true, timeoutMs = defaultTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = seen.find((x) => x.key === key && pred(x.data));
      if (e) return e;
      if (Date.now() > deadline) {
        throw new Error(`no ${key} in ${timeoutMs} ms; seen ${seen.map((x) => x.key)}\n` +
          node.logs().slice(-12000) + '\n--- solver ---\n' + solver.logs().slice(-3000));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  return { seen, waitFor, stop: unsub };
}
