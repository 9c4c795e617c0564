"""Keras 3 on TensorFlow trains kdlab's recipe on kdlab's pixels: the Keras side of the bench's fidelity part.

kdlab sends the recipe it read from its own experiment config, already in
Keras's terms (bench/fidelity/recipe.ts does the translation and says why
each value is what it is), the parameter counts and decayed kernels of its
network, and one folder of images per seed: the uint8 arrays kdlab's own
pipeline decoded and resized (bench/fidelity/data.ts), so both frameworks
train on the same pixels. Per seed this builds the network
(keras_models.student_model2 with the head's dropout), rewrites its config so
every Conv2D / DepthwiseConv2D / Dense kernel carries L2(l2) and every
BatchNormalization the recipe's momentum, refuses a network whose counts
differ from kdlab's, trains it the idiomatic way (compile + fit, shuffled
each epoch, ReduceLROnPlateau and EarlyStopping on the validation
cross-entropy) and predicts the test split. It prints per seed the softmax
probabilities of the test images; kdlab scores them with its own metric code.

    python bench/peers/keras_fidelity.py '<request JSON>'
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import fail, log  # noqa: E402

if len(sys.argv) != 2:
    fail("usage: keras_fidelity.py '<request JSON>'")
request = json.loads(sys.argv[1])
for key in ("threads", "model", "recipe", "expectParams", "expectDecayed", "runs"):
    if key not in request:
        fail(f"request.{key} missing")
if request["model"] != "pneumonia-student-final":
    fail(f"the fidelity part mirrors pneumonia-student-final only, got {request['model']!r}")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# Thread pools are fixed before TensorFlow creates its runtime.
tf.config.threading.set_intra_op_parallelism_threads(request["threads"])
tf.config.threading.set_inter_op_parallelism_threads(request["threads"])

import keras  # noqa: E402
from keras_models import param_counts, student_model2  # noqa: E402

# The config key of each layer class's decayed weight (kdlab decays every trainable kernel, depthwise ones included).
KERNEL_REGULARIZER_KEY = {"Conv2D": "kernel_regularizer", "DepthwiseConv2D": "depthwise_regularizer", "Dense": "kernel_regularizer"}


def with_recipe(model, l2, bn_momentum):
    """The same network rebuilt from its config with L2 on every kernel and the recipe's BatchNorm momentum (fresh weights)."""
    config = model.get_config()
    for layer in config["layers"]:
        key = KERNEL_REGULARIZER_KEY.get(layer["class_name"])
        if key and l2 > 0:
            layer["config"][key] = keras.regularizers.serialize(keras.regularizers.L2(l2))
        if layer["class_name"] == "BatchNormalization" and bn_momentum is not None:
            layer["config"]["momentum"] = bn_momentum
    return keras.Model.from_config(config)


def decayed(model):
    weights = [w for w in model.trainable_weights if w.regularizer is not None]
    return {"weights": len(weights), "elements": int(sum(np.prod(w.shape) for w in weights))}


def dropout_layers(model):
    return [{"name": layer.name, "rate": float(layer.rate)} for layer in model.layers if isinstance(layer, keras.layers.Dropout)]


def batch_norm_momenta(model):
    return sorted({float(layer.momentum) for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)})


def build(recipe):
    model = student_model2(recipe["inputSize"], recipe["classes"], dropout=recipe["dropout"])
    return with_recipe(model, recipe["l2"], recipe["batchNormMomentum"])


def check_same_network(model):
    counted, expected = param_counts(model), request["expectParams"]
    if counted["trainable"] != expected["trainable"] or counted["total"] != expected["total"]:
        fail(f"Keras's network has {counted['trainable']:,} trainable / {counted['total']:,} total parameters, kdlab's {expected['trainable']:,} / {expected['total']:,}: not the same architecture, not trained")
    mine, theirs = decayed(model), request["expectDecayed"]
    if mine != theirs:
        fail(f"Keras decays {mine['weights']} weights ({mine['elements']:,} values), kdlab {theirs['weights']} ({theirs['elements']:,}): not the same regularisation")
    return counted


def images(folder, split):
    """kdlab's decoded uint8 pixels → [0, 1] → gray repeated to RGB → MobileNetV2's [-1, 1], as kdlab's pipeline and preprocessing do."""
    pixels = np.load(os.path.join(folder, f"{split}_images.npy"))
    x = pixels.astype("float32") / 255.0
    if x.shape[-1] == 1:
        x = np.repeat(x, 3, axis=-1)
    labels = np.load(os.path.join(folder, f"{split}_labels.npy")).astype("int32")
    return x * 2.0 - 1.0, labels


def optimizer(spec):
    if spec["kind"] == "adam":
        return keras.optimizers.Adam(learning_rate=spec["learningRate"], beta_1=spec["beta1"], beta_2=spec["beta2"], epsilon=spec["epsilon"])
    return keras.optimizers.SGD(learning_rate=spec["learningRate"], momentum=spec["momentum"])


class EpochLog(keras.callbacks.Callback):
    """Each epoch's learning rate (as it trained) and metrics, logged as kdlab's progress lines are."""

    def __init__(self, seed, epochs):
        super().__init__()
        self.seed, self.epochs, self.rows, self.lr, self.started = seed, epochs, [], None, 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self.lr = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        row = {"epoch": epoch + 1, "lr": self.lr, "seconds": time.perf_counter() - self.started}
        row.update({key: float(logs[key]) for key in ("loss", "accuracy", "val_ce", "val_accuracy") if key in logs})
        self.rows.append(row)
        log(f"keras: seed {self.seed} epoch {epoch + 1}/{self.epochs}: loss {row.get('loss', float('nan')):.4f}, val_ce {row.get('val_ce', float('nan')):.4f}, val_accuracy {row.get('val_accuracy', float('nan')):.4f} ({row['seconds']:.1f} s)")


def train_one(recipe, seed, folder):
    keras.utils.set_random_seed(seed)
    model = build(recipe)
    params = check_same_network(model)
    x_train, y_train = images(folder, "train")
    x_val, y_val = images(folder, "validation")
    x_test, y_test = images(folder, "test")
    monitor = recipe["monitor"]
    model.compile(
        optimizer=optimizer(recipe["optimizer"]),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        # val_ce is the validation cross-entropy without the L2 term (Keras's val_loss adds it; kdlab's val_loss does not).
        metrics=[keras.metrics.SparseCategoricalCrossentropy(from_logits=True, name="ce"), keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        # Quick runs train a few steps: tracing the train function would take most of their time.
        run_eagerly=bool(request.get("runEagerly", False)),
    )
    epoch_log = EpochLog(seed, recipe["epochs"])
    callbacks = [epoch_log]
    plateau = recipe["reduceLrOnPlateau"]
    if plateau:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor=plateau["monitor"], mode=plateau["mode"], factor=plateau["factor"], patience=plateau["patience"], min_delta=plateau["minDelta"], min_lr=plateau["minLr"], cooldown=plateau["cooldown"]))
    stopping = recipe["earlyStopping"]
    early = None
    if stopping:
        early = keras.callbacks.EarlyStopping(monitor=monitor, mode="min", patience=stopping["patience"], min_delta=stopping["minDelta"], restore_best_weights=stopping["restoreBestWeights"])
        callbacks.append(early)
    log(f"keras: seed {seed}: training {request['model']} on {len(y_train)} images ({len(y_val)} validation, {len(y_test)} test) at {recipe['inputSize']}×{recipe['inputSize']}")
    started = time.perf_counter()
    model.fit(x_train, y_train, batch_size=recipe["batchSize"], epochs=recipe["epochs"], validation_data=(x_val, y_val), shuffle=True, callbacks=callbacks, verbose=0)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    logits = model.predict(x_test, batch_size=recipe["batchSize"], verbose=0)
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1)).astype("float64")
    test_seconds = time.perf_counter() - started
    history = epoch_log.rows
    best_epoch = early.best_epoch + 1 if early is not None and early.best_weights is not None else None
    run = {
        "seed": seed,
        "params": params,
        "decayed": decayed(model),
        "dropout": dropout_layers(model),
        "batchNormMomenta": batch_norm_momenta(model),
        "jitCompile": bool(model.jit_compile),
        "runEagerly": bool(model.run_eagerly),
        "epochsRun": len(history),
        "bestEpoch": best_epoch,
        "stoppedEarly": bool(early is not None and early.stopped_epoch > 0),
        "history": history,
        "testLabels": [int(v) for v in y_test],
        "testProbabilities": [float(v) for v in probabilities.reshape(-1)],
        "seconds": {"train": train_seconds, "test": test_seconds},
    }
    del model
    keras.backend.clear_session(free_memory=True)
    return run


def main():
    recipe = request["recipe"]
    runs = [train_one(recipe, spec["seed"], spec["data"]) for spec in request["runs"]]
    print(json.dumps({
        "framework": "keras",
        "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "python": sys.version.split()[0]},
        "threads": {"intraOp": tf.config.threading.get_intra_op_parallelism_threads(), "interOp": tf.config.threading.get_inter_op_parallelism_threads()},
        "settings": {"TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset"), "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA", "unset")},
        "runs": runs,
    }), flush=True)


main()
