"""Writes training batches for the fake train_step model
(test/unit/RuntimeTrainFake.c: V = 8, group size 2) into DIR: good.safetensors
(a BOOL completion mask, as torch saves one) and one file per bad-input
class of docs/runtime.md ("Training").

usage: make_train_batches.py DIR
"""
import json
import os
import struct
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(name, tensors):
    """A safetensors file; values are (dtype name, numpy array)."""
    header, data = {}, b""
    for key, (dtype, array) in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        header[key] = {"dtype": dtype, "shape": list(array.shape),
                       "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    with open(os.path.join(out, name), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


ids = np.array([[1, 2, 3, 4], [1, 2, 5, 6]], "<i8")
mask = np.array([[0, 0, 1, 1], [0, 0, 1, 0]], np.uint8)
rewards = np.array([1, 0], "<f4")
good = {"input_ids": ("I64", ids), "completion_mask": ("BOOL", mask),
        "rewards": ("F32", rewards)}


def variant(name, **changes):
    tensors = dict(good)
    for key, value in changes.items():
        if value is None:
            del tensors[key]
        else:
            tensors[key] = value
    save(name, tensors)


variant("good.safetensors")
variant("old.safetensors", old_logprobs=("F32", np.full((2, 4), -1, "<f4")))
variant("missing.safetensors", rewards=None)
variant("rank.safetensors", input_ids=("I64", ids.reshape(8)))
variant("dtype.safetensors", input_ids=("F32", ids.astype("<f4")))
variant("odd.safetensors", input_ids=("I64", ids[:1]),
        completion_mask=("BOOL", mask[:1]), rewards=("F32", rewards[:1]))
variant("empty.safetensors",
        completion_mask=("U8", np.array([[0, 0, 1, 1], [0, 0, 0, 0]], np.uint8)))
# Weights of unit scale for the fake model (bf16/f16 not needed: F32).
rng = np.random.default_rng(0)
save("unit-weights.safetensors", {
    "model.embed_tokens.weight": ("F32", rng.standard_normal((8, 4)).astype("<f4")),
    "model.layers.0.self_attn.q_proj.weight":
        ("F32", (0.3 * rng.standard_normal((4, 4))).astype("<f4"))})
variant("huge.safetensors", rewards=("F32", np.array([3e38, 3e38], "<f4")))
