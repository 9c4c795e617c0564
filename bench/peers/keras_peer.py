"""Keras 3 on TensorFlow: the bench's models built the Keras way, timed like kdlab's side.

CIFAR nets layer by layer as lib/models/cifar.ts; the pneumonia Model 2 nets
as keras.applications backbones (no top, random init) with the heads of
lib/models/heads.ts. Training is the idiomatic Keras path: compile() with SGD
momentum and sparse categorical cross-entropy on logits, then
train_on_batch (the compiled train function; Keras's default jit_compile,
"auto", is kept unless the request says otherwise, and the resolved value is
reported). Inference is predict_on_batch.

    python bench/peers/keras_peer.py '<request JSON>'   (see common.py)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (  # noqa: E402
    CIFAR_CONVS, TEACHER_DROPOUT, TEACHER_POOL_SIZE, check_params, emit, feature_map_side, log, read_request, run_peer, time_calls,
)

request = read_request()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["KERAS_BACKEND"] = "tensorflow"

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

# Thread pools are fixed before TensorFlow creates its runtime.
tf.config.threading.set_intra_op_parallelism_threads(request["threads"])
tf.config.threading.set_inter_op_parallelism_threads(request["threads"])

import keras  # noqa: E402
from keras import layers  # noqa: E402


def cifar_net(name, size, classes):
    inputs = keras.Input((size, size, 3), name="image")
    x = inputs
    for i, (filters, strides) in enumerate(CIFAR_CONVS[name]):
        x = layers.Conv2D(filters, 3, strides=strides, padding="same", activation="relu", name=f"conv{i + 1}")(x)
    x = layers.MaxPooling2D(2, strides=2, name="pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(256, activation="relu", name="fc")(x)
    return keras.Model(inputs, layers.Dense(classes, name="logits")(x), name=name.replace("-", "_"))


def student_model2(size, classes):
    backbone = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(size, size, 3))
    x = layers.GlobalAveragePooling2D(name="head_gap")(backbone.output)
    x = layers.Dense(512, activation="relu", name="head_fc1")(x)
    return keras.Model(backbone.input, layers.Dense(classes, name="logits")(x), name="mobilenetv2_student")


def teacher_model2(size, classes):
    backbone = keras.applications.DenseNet121(include_top=False, weights=None, input_shape=(size, size, 3))
    side = feature_map_side(size)
    x = layers.Dropout(TEACHER_DROPOUT, name="head_dropout")(backbone.output)
    x = layers.Conv2D(512, 3, padding="same", activation="relu", name="head_conv")(x)
    pool = min(TEACHER_POOL_SIZE, side)
    x = layers.MaxPooling2D((pool, pool), strides=1, padding="valid", name="head_pool")(x)
    x = layers.Flatten(name="head_flatten")(x)
    x = layers.Dense(64, name="head_fc1")(x)
    return keras.Model(backbone.input, layers.Dense(classes, name="logits")(x), name="densenet121_teacher")


def build(name, size, classes):
    if name in CIFAR_CONVS:
        return cifar_net(name, size, classes)
    return student_model2(size, classes) if name == "pneumonia-student-model2" else teacher_model2(size, classes)


def param_counts(model):
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    return {"trainable": trainable, "total": int(model.count_params())}


def measure_model(spec):
    """One entry of request["models"]: {model, inputSize, batch, classes}."""
    result = {"model": spec["model"]}
    size, batch, classes = spec["inputSize"], spec["batch"], spec["classes"]
    keras.utils.set_random_seed(spec.get("seed", 0))
    model = build(spec["model"], size, classes)
    result["params"] = param_counts(model)
    check_params(spec, result["params"])
    rng = np.random.default_rng(spec.get("seed", 0))
    train = spec.get("train")
    if train:
        jit = spec.get("options", {}).get("jitCompile", "auto")
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=train["learningRate"], momentum=train["momentum"]),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            jit_compile=jit,
        )
        result["jitCompile"] = bool(model.jit_compile)
        xs = tf.constant(rng.uniform(-1, 1, (batch, size, size, 3)).astype("float32"))
        ys = tf.constant(rng.integers(0, classes, batch).astype("int32"))
        log(f"keras: training {spec['model']} (batch {batch}, {size}×{size}, jit_compile={model.jit_compile})")
        result["train"] = {"batch": batch, **time_calls(lambda: model.train_on_batch(xs, ys), train["warmup"], train["timed"])}
    inference = spec.get("inference")
    if inference:
        result["inference"] = {}
        for kind in ("latency", "throughput"):
            n = inference[f"{kind}Batch"]
            xs = tf.constant(rng.uniform(-1, 1, (n, size, size, 3)).astype("float32"))
            log(f"keras: inference {spec['model']} batch {n}")
            timing = time_calls(lambda: model.predict_on_batch(xs), inference["warmup"], inference["timed"])
            result["inference"][kind] = {"batch": n, **timing}
    del model
    keras.backend.clear_session(free_memory=True)
    return result


def measure_matmul(spec):
    """Timing of a square FP32 matmul (run before and after the models)."""
    n = spec["n"]
    a = tf.random.uniform((n, n), seed=1)
    b = tf.random.uniform((n, n), seed=2)
    matmul = tf.function(lambda: tf.linalg.matmul(a, b))
    return time_calls(lambda: matmul().numpy(), spec["warmup"], spec["timed"])


header = {
    "framework": "keras",
    "versions": {"keras": keras.__version__, "tensorflow": tf.__version__, "python": sys.version.split()[0]},
    "threads": {
        "intraOp": tf.config.threading.get_intra_op_parallelism_threads(),
        "interOp": tf.config.threading.get_inter_op_parallelism_threads(),
    },
    # As kdlab's TensorFlow got them (lib/onednn.ts): unset means TensorFlow's own choice for this CPU, which may be off.
    "settings": {
        "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset"),
        "ONEDNN_MAX_CPU_ISA": os.environ.get("ONEDNN_MAX_CPU_ISA", "unset"),
    },
}
run_peer(request, header, measure_matmul, measure_model)
