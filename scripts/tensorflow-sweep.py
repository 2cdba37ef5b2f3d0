#!/usr/bin/env python3
"""The TensorFlow side of `prunelab bench --vs-tensorflow`: one PruneLab sweep done in Keras.

Reads a resolved spec.json (the one `prunelab run` writes into its output folder) and does the
same work with TensorFlow: train the MLP with Adam, then for each method and sparsity prune and
evaluate on the test set. One-shot points prune the trained network; iterative points prune
`sparsity` of the weights in total, a step at a time, retraining `finetune_epochs` between steps
with the mask held (re-applied after every batch, as TF-MOT's pruning wrapper does). It times no
inference, as TensorFlow users rarely do: it is the ordinary Keras way to get the same curve.

Supported: Fashion-MNIST/MNIST IDX folders, methods weight (per-layer magnitude) and unit
(per-layer L2 column norm, as zeroed columns), one-shot and iterative schedules, repeats.
Anything else exits with status 2 and the field it cannot do, so the bench reports it.

Usage: python tensorflow-sweep.py SPEC.json   (prints one JSON line per point, then a summary)
"""
import gzip
import json
import os
import resource
import struct
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def refuse(pointer, why):
    print(f"tensorflow-sweep: {pointer}: {why}", file=sys.stderr)
    sys.exit(2)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    kind, dims = data[2], data[3]
    if kind != 0x08:
        refuse("/dataset/path", f"{path}: element type {kind:#x} is not unsigned bytes")
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def load(spec, np):
    dataset = spec["dataset"]
    if dataset.get("name") not in ("fashion-mnist", "idx"):
        refuse("/dataset/name", f"{dataset.get('name')!r} is not an IDX dataset")
    folder = dataset.get("path", "/usr/share/datasets/fashion-mnist")

    def part(prefix, limit):
        def find(stem):
            for name in (stem, stem + ".gz"):
                if os.path.exists(os.path.join(folder, name)):
                    return os.path.join(folder, name)
            refuse("/dataset/path", f"{folder} has no {stem}")
        shape, pixels = read_idx(find(f"{prefix}-images-idx3-ubyte"))
        _, labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"))
        x = np.frombuffer(pixels, dtype=np.uint8).reshape(shape[0], -1).astype(np.float32) / 255.0
        y = np.frombuffer(labels, dtype=np.uint8).astype(np.int64)
        if limit is not None:
            x, y = x[:limit], y[:limit]
        return x, y

    return part("train", dataset.get("train_limit")), part("t10k", dataset.get("test_limit"))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    import numpy as np
    import tensorflow as tf

    training, pruning, model_spec = spec["training"], spec["pruning"], spec["model"]
    if training.get("optimizer", "adam") != "adam":
        refuse("/training/optimizer", "only adam is done on the TensorFlow side")
    for method in pruning["methods"]:
        if method not in ("weight", "unit"):
            refuse("/pruning/methods", f"{method!r}: only weight and unit are done on the TensorFlow side")
    schedule = pruning.get("schedule", "one-shot")
    if schedule not in ("one-shot", "iterative"):
        refuse("/pruning/schedule", f"{schedule!r}: only one-shot and iterative are done on the TensorFlow side")
    if pruning.get("controls"):
        refuse("/pruning/controls", "controls are not done on the TensorFlow side")
    if pruning.get("rewind") is not None:
        refuse("/pruning/rewind", "rewinding is not done on the TensorFlow side")
    if pruning.get("scope", "all") != "all":
        refuse("/pruning/scope", "only scope all is done on the TensorFlow side")

    started = time.perf_counter()
    (x_train, y_train), (x_test, y_test) = load(spec, np)
    loaded = time.perf_counter()
    batch, epochs = training["batch_size"], training["epochs"]
    finetune = pruning.get("finetune_epochs", 0)
    prune_last = pruning.get("prune_last_layer", False)
    sparsities = pruning["sparsities"]

    def build(seed):
        tf.keras.utils.set_random_seed(seed)
        layers = [tf.keras.Input(shape=(x_train.shape[1],))]
        layers += [tf.keras.layers.Dense(h, activation="relu", use_bias=model_spec.get("bias", False))
                   for h in model_spec["hidden"]]
        layers.append(tf.keras.layers.Dense(int(y_train.max()) + 1, use_bias=model_spec.get("bias", False)))
        net = tf.keras.Sequential(layers)
        net.compile(optimizer=tf.keras.optimizers.Adam(training["learning_rate"]),
                    loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        return net

    def kernels(net):
        return [layer.kernel for layer in net.layers]

    def masks_for(net, method, sparsity):
        result = []
        prunable = len(net.layers) if prune_last else len(net.layers) - 1
        for index, kernel in enumerate(kernels(net)):
            w = kernel.numpy()
            if index >= prunable or sparsity == 0:
                result.append(np.ones_like(w))
                continue
            if method == "weight":
                k = int(round(w.size * sparsity / 100))
                order = np.argsort(np.abs(w), axis=None, kind="stable")
                mask = np.ones(w.size, dtype=np.float32)
                mask[order[:k]] = 0
                result.append(mask.reshape(w.shape))
            else:
                k = int(round(w.shape[1] * sparsity / 100))
                order = np.argsort(np.linalg.norm(w, axis=0), kind="stable")
                mask = np.ones_like(w)
                mask[:, order[:k]] = 0
                result.append(mask)
        return result

    def apply(net, masks):
        for kernel, mask in zip(kernels(net), masks):
            kernel.assign(kernel.numpy() * mask)

    class HoldMasks(tf.keras.callbacks.Callback):
        def __init__(self, masks):
            super().__init__()
            self.masks = masks

        def on_train_batch_end(self, batch, logs=None):
            for kernel, mask in zip(kernels(self.model), self.masks):
                kernel.assign(kernel * mask)

    points = 0
    for repeat in range(spec.get("repeats", 1)):
        seed = training["seed"] + repeat
        net = build(seed)
        net.fit(x_train, y_train, batch_size=batch, epochs=epochs, shuffle=True, verbose=0)
        trained = [w.copy() for w in net.get_weights()]
        for method in pruning["methods"]:
            net.set_weights(trained)
            for sparsity in sparsities:
                if schedule == "one-shot":
                    net.set_weights(trained)
                masks = masks_for(net, method, sparsity)
                apply(net, masks)
                if finetune > 0:
                    net.fit(x_train, y_train, batch_size=batch, epochs=finetune, shuffle=True, verbose=0,
                            callbacks=[HoldMasks(masks)])
                loss, accuracy = net.evaluate(x_test, y_test, batch_size=1000, verbose=0)
                points += 1
                print(json.dumps({"repeat": repeat, "method": method, "sparsity": sparsity,
                                  "accuracy": accuracy, "loss": loss}), flush=True)
    finished = time.perf_counter()
    print(json.dumps({"tensorflow": tf.__version__, "points": points, "load_seconds": loaded - started,
                      "seconds": finished - started,
                      "peak_resident_megabytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}), flush=True)


if __name__ == "__main__":
    main()
