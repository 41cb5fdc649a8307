"""Writes checkpoints for the tiny model (test/e2e/cpu/Inputs/tiny-lm.mlir)
into DIR: good.safetensors and one broken variant per binding error.

usage: make_checkpoints.py SRC_ROOT DIR
"""
import os
import sys

import numpy as np

src_root, out = sys.argv[1:3]
sys.path.insert(0, os.path.join(src_root, "test", "reference"))
import safetensors_io as st  # noqa: E402

os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
good = {
    "model.embed_tokens.weight": rng.standard_normal((32, 16)).astype(np.float32),
    "model.norm.weight": np.ones(16, np.float32),
    "lm_head.weight": rng.standard_normal((32, 16)).astype(np.float32),
}


def save(name, **changes):
    tensors = dict(good)
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            del tensors[key]
        else:
            tensors[key] = value
    st.save_file(os.path.join(out, name + ".safetensors"), tensors)


save("good")
save("missing", lm_head__weight=None)
save("extra", **{"mtp__fc__weight": np.zeros((4, 4), np.float32)})
save("misnamed", model__norm__weight=None,
     **{"model__final_norm__weight": np.ones(16, np.float32)})
save("misshapen", lm_head__weight=np.zeros((16, 32), np.float32))
save("int", model__norm__weight=np.ones(16, np.int64))
# A sharded copy with one tensor missing from every shard.
shards = os.path.join(out, "sharded")
os.makedirs(shards, exist_ok=True)
tensors = dict(good)
del tensors["model.norm.weight"]
st.save_sharded(shards, tensors, max_shard_bytes=2100)
# Token ids as .npy in every accepted and one rejected dtype.
np.save(os.path.join(out, "ids-i32.npy"), np.array([[1, 2, 3]], np.int32))
np.save(os.path.join(out, "ids-1d.npy"), np.array([1, 2, 3], np.int64))
np.save(os.path.join(out, "ids-f32.npy"), np.array([1, 2, 3], np.float32))
np.save(os.path.join(out, "ids-3d.npy"), np.zeros((1, 1, 3), np.int64))
