#!/usr/bin/env python3
"""The numpy float32 baseline of the training engine's benchmark (scripts/bench-engine.sh).

Trains the same MLP as an aichain program (ReLU hidden layers, softmax cross-entropy, SGD with
momentum: v <- mu*v + g, w <- w - eta*v, g the batch-mean gradient) from the same initial weights
on the same training split, with minibatches of whole epochs in a seeded random order, and prints
one JSON line: samples per second of training and test accuracy.

Usage: numpy_mlp.py DIR, where DIR (written by the `vs_numpy` bench) holds meta.json,
train_x.f32, train_y.u16, test_x.f32, test_y.u16 and layer{i}_w.f32 / layer{i}_b.f32
(weights output-major, as the engine stores them).
"""
import json
import os
import sys
import time

import numpy as np


def main(directory):
    meta = json.load(open(os.path.join(directory, "meta.json")))
    features = meta["inputs"]

    def load(name, dtype):
        return np.fromfile(os.path.join(directory, name), dtype=dtype)

    train_x = load("train_x.f32", np.float32).reshape(-1, features)
    train_y = load("train_y.u16", np.uint16).astype(np.int64)
    test_x = load("test_x.f32", np.float32).reshape(-1, features)
    test_y = load("test_y.u16", np.uint16).astype(np.int64)
    weights, biases = [], []
    for i, (inputs, outputs) in enumerate(meta["layers"]):
        weights.append(load(f"layer{i}_w.f32", np.float32).reshape(outputs, inputs).copy())
        biases.append(load(f"layer{i}_b.f32", np.float32).copy())
    vw = [np.zeros_like(w) for w in weights]
    vb = [np.zeros_like(b) for b in biases]
    eta = np.float32(meta["learning_rate"])
    mu = np.float32(meta["momentum"])
    batch = meta["batch_size"]
    steps = meta["steps"]
    batches = len(train_y) // batch
    classes = meta["classes"]
    eye = np.eye(classes, dtype=np.float32)
    rng = np.random.default_rng(meta["seed"])

    def forward(x):
        acts = [x]
        for w, b in zip(weights[:-1], biases[:-1]):
            acts.append(np.maximum(acts[-1] @ w.T + b, np.float32(0)))
        return acts, acts[-1] @ weights[-1].T + biases[-1]

    order = None
    start = time.perf_counter()
    for step in range(steps):
        position = step % batches
        if position == 0:
            order = rng.permutation(batches)
        first = order[position] * batch
        x = train_x[first:first + batch]
        y = train_y[first:first + batch]
        acts, logits = forward(x)
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        delta = (p - eye[y]) / np.float32(batch)
        for layer in range(len(weights) - 1, -1, -1):
            gw = delta.T @ acts[layer]
            gb = delta.sum(axis=0)
            if layer > 0:
                delta = (delta @ weights[layer]) * (acts[layer] > 0)
            vw[layer] *= mu
            vw[layer] += gw
            vb[layer] *= mu
            vb[layer] += gb
            weights[layer] -= eta * vw[layer]
            biases[layer] -= eta * vb[layer]
    elapsed = time.perf_counter() - start
    _, logits = forward(test_x)
    accuracy = float((logits.argmax(axis=1) == test_y).mean())
    print(json.dumps({"samples_per_s": steps * batch / elapsed, "accuracy": accuracy}))


if __name__ == "__main__":
    main(sys.argv[1])
