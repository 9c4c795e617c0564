"""The bench's networks built the Keras way, shared by keras_peer.py (speed) and keras_fidelity.py (accuracy).

CIFAR nets layer by layer as lib/models/cifar.ts; the pneumonia Model 2 nets
as keras.applications backbones (no top, random init) with the heads of
lib/models/heads.ts. Import after TensorFlow's thread pools are set: nothing
here creates TensorFlow's runtime before a model is built.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import CIFAR_CONVS, TEACHER_DROPOUT, TEACHER_POOL_SIZE, feature_map_side  # noqa: E402

import numpy as np  # noqa: E402
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


def student_model2(size, classes, dropout=0.0):
    """heads.ts studentHead: GAP → [Dropout] → Dense 512 ReLU → [Dropout] → Dense(classes); one rate for both, none at 0 (Model 2)."""
    backbone = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(size, size, 3))
    x = layers.GlobalAveragePooling2D(name="head_gap")(backbone.output)
    if dropout:
        x = layers.Dropout(dropout, name="head_dropout1")(x)
    x = layers.Dense(512, activation="relu", name="head_fc1")(x)
    if dropout:
        x = layers.Dropout(dropout, name="head_dropout2")(x)
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
