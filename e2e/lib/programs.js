// Training programs the end-to-end tests and the throughput benchmark submit.

/** The digits job of the engine issue: 64-64-10 ReLU, η 0.1, μ 0.9, batch 32, 1,500 steps. */
export const DIGITS_PROGRAM = {
  model: { inputs: 64, hidden: [{ units: 64, activation: 'Relu' }], classes: 10 },
  optimizer: { learningRate: 6554, momentum: 58982 },
  batchSize: 32,
  steps: 1500,
  seed: 42,
};
