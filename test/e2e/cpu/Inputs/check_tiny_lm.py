"""End-to-end checks of a compiled model (Inputs/tiny-lm.mlir) against numpy.

Runs zen-run (forward, generate) and libzenrt through ctypes
(zen_model_call on an entry point with two results, zen_model_forward, bound
parameter data) on the f32 and bf16 builds of the tiny model, with weights
from safetensors checkpoints written by test/reference/safetensors_io.py
and with random weights. Prints one "OK <case>" line per case; any mismatch
raises.

usage: check_tiny_lm.py ZEN_RUN LIBZENRT MODEL_F32 MODEL_BF16 SRC_ROOT WORK_DIR
"""

import ctypes as C
import os
import shutil
import subprocess
import sys

import numpy as np

zen_run, libzenrt, model_f32, model_bf16, src_root, work = sys.argv[1:7]
sys.path.insert(0, os.path.join(src_root, "test", "reference"))
import safetensors_io as st  # noqa: E402

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
V, H = 32, 16


def path(name):
    return os.path.join(work, name)


def run(*args):
    result = subprocess.run([zen_run, *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError("zen-run %s failed:\n%s" % (" ".join(args),
                                                          result.stderr))
    return result.stdout


def reference(w, ids, mask=None, positions=None):
    """The math of tiny-lm.mlir in float64: (logits, hidden)."""
    ids = np.asarray(ids)
    mask = np.ones_like(ids) if mask is None else np.asarray(mask)
    if positions is None:  # test/reference/models.py default_positions
        positions = np.maximum(np.cumsum(mask, axis=-1) - 1, 0)
    embed = w["model.embed_tokens.weight"].astype(np.float64)
    x = embed[ids] * (1 + positions[..., None] / 8) + mask[..., None] / 2
    hidden = x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6)
    hidden = hidden * w["model.norm.weight"]
    return hidden @ w["lm_head.weight"].astype(np.float64).T, hidden


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / np.abs(ref).max())


rng = np.random.default_rng(3)
weights = {
    "model.embed_tokens.weight": rng.standard_normal((V, H)).astype(np.float32),
    "model.norm.weight": (1 + 0.1 * rng.standard_normal(H)).astype(np.float32),
    "lm_head.weight": (0.3 * rng.standard_normal((V, H))).astype(np.float32),
}
st.save_file(path("f32.safetensors"), weights)
ids = np.array([[3, 1, 4, 1, 5], [0, 0, 9, 2, 6]], dtype=np.int64)
mask = np.array([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]], dtype=np.int64)
np.save(path("ids.npy"), ids)
np.save(path("mask.npy"), mask)

# --- f32: zen-run forward with padding, default and explicit positions.
run(model_f32, "forward", "--weights", path("f32.safetensors"), "--input-ids",
    path("ids.npy"), "--attention-mask", path("mask.npy"), "--dump-logits",
    path("out.npy"))
got = np.load(path("out.npy"))
assert got.dtype == np.float32 and got.shape == (2, 5, V), got.shape
err = rel_err(got, reference(weights, ids, mask)[0])
assert err < 1e-5, err
run(model_f32, "forward", "--weights", path("f32.safetensors"), "--input-ids",
    "3,1,4;1,5,9", "--positions", "7,8,9;0,0,1", "--dump-logits",
    path("pos.npy"))
err = rel_err(np.load(path("pos.npy")),
              reference(weights, [[3, 1, 4], [1, 5, 9]],
                        positions=np.array([[7, 8, 9], [0, 0, 1]]))[0])
assert err < 1e-5, err
print("OK f32 forward")

# --- bf16: an f32 checkpoint converts at binding (round to nearest even, as
# st.bf16_from_f32 does), a bf16 one is used in place: same logits.
run(model_bf16, "forward", "--weights", path("f32.safetensors"),
    "--input-ids", path("ids.npy"), "--attention-mask", path("mask.npy"),
    "--dump-logits", path("bf16-a.npy"))
st.save_file(path("bf16.safetensors"),
             {k: st.bf16_from_f32(v) for k, v in weights.items()})
run(model_bf16, "forward", "--weights", path("bf16.safetensors"),
    "--input-ids", path("ids.npy"), "--attention-mask", path("mask.npy"),
    "--dump-logits", path("bf16-b.npy"))
a, b = np.load(path("bf16-a.npy")), np.load(path("bf16-b.npy"))
assert a.dtype == np.float32 and np.array_equal(a, b)
err = rel_err(a, reference(weights, ids, mask)[0])
assert err < 3e-2, err
print("OK bf16 forward")

# --- libzenrt through ctypes.
zen = C.CDLL(libzenrt)
Status = C.c_void_p
zen.zen_status_message.restype = C.c_char_p
zen.zen_status_message.argtypes = [Status]


class Tensor(C.Structure):
    _fields_ = [("dtype", C.c_int), ("rank", C.c_int32),
                ("shape", C.c_int64 * 8), ("data", C.c_void_p)]


for fn, args in {
    "zen_model_open": [C.c_char_p, C.POINTER(C.c_void_p)],
    "zen_model_bind_checkpoint": [C.c_void_p, C.c_char_p, C.c_void_p],
    "zen_model_bind_random": [C.c_void_p, C.c_uint64],
    "zen_model_find_param": [C.c_void_p, C.c_char_p, C.POINTER(C.c_size_t)],
    "zen_model_param_data": [C.c_void_p, C.c_size_t, C.POINTER(C.c_void_p)],
    "zen_model_call": [C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(Tensor),
                       C.c_size_t, C.POINTER(Tensor)],
    "zen_model_forward": [C.c_void_p, C.c_char_p, C.c_int64, C.c_int64,
                          C.c_void_p, C.c_void_p, C.c_void_p, C.c_void_p,
                          C.c_uint64, C.POINTER(C.c_void_p)],
}.items():
    getattr(zen, fn).argtypes = args
    getattr(zen, fn).restype = Status
zen.zen_model_close.argtypes = [C.c_void_p]
zen.zen_model_close.restype = None
zen.zen_tensor_release.argtypes = [C.POINTER(Tensor)]
zen.zen_tensor_release.restype = None
zen.zen_free.argtypes = [C.c_void_p]
zen.zen_free.restype = None


def check(status):
    if status:
        raise AssertionError(zen.zen_status_message(status).decode())


def tensor_of(array):
    t = Tensor()
    t.dtype = {np.dtype(np.int64): 4, np.dtype(np.float32): 1}[array.dtype]
    t.rank = array.ndim
    for i, d in enumerate(array.shape):
        t.shape[i] = d
    t.data = array.ctypes.data
    return t


def numpy_of(t):
    shape = tuple(t.shape[i] for i in range(t.rank))
    buffer = (C.c_float * int(np.prod(shape))).from_address(t.data)
    return np.frombuffer(buffer, dtype=np.float32).reshape(shape).copy()


model = C.c_void_p()
check(zen.zen_model_open(model_f32.encode(), C.byref(model)))
check(zen.zen_model_bind_checkpoint(model, path("f32.safetensors").encode(), None))
positions = np.maximum(np.cumsum(mask, axis=-1) - 1, 0)
inputs = [np.ascontiguousarray(x) for x in (ids, positions, mask)]
args = (Tensor * 3)(*[tensor_of(x) for x in inputs])
results = (Tensor * 2)()
check(zen.zen_model_call(model, b"forward_hidden", 3, args, 2, results))
logits, hidden = numpy_of(results[0]), numpy_of(results[1])
for r in results:
    zen.zen_tensor_release(C.byref(r))
ref_logits, ref_hidden = reference(weights, ids, mask)
assert rel_err(logits, ref_logits) < 1e-5 and rel_err(hidden, ref_hidden) < 1e-5
out = C.c_void_p()
check(zen.zen_model_forward(model, None, 2, 5, ids.ctypes.data,
                            mask.ctypes.data, None, None, 0, C.byref(out)))
forward = np.frombuffer((C.c_float * (2 * 5 * V)).from_address(out.value),
                        dtype=np.float32).reshape(2, 5, V).copy()
zen.zen_free(out)
assert np.array_equal(forward, logits)
print("OK call two results")


def param(name, count):
    index, data = C.c_size_t(), C.c_void_p()
    check(zen.zen_model_find_param(model, name.encode(), C.byref(index)))
    check(zen.zen_model_param_data(model, index, C.byref(data)))
    return np.frombuffer((C.c_float * count).from_address(data.value),
                         dtype=np.float32).copy()


check(zen.zen_model_bind_random(model, 11))
embed = param("model.embed_tokens.weight", V * H)
assert abs(embed.std() - 0.02) < 0.004, embed.std()
assert np.array_equal(param("model.norm.weight", H), np.ones(H, np.float32))
zen.zen_model_close(model)

# Random weights are the same from run to run, and differ between seeds.
for name, seed in (("r1", "7"), ("r2", "7"), ("r3", "8")):
    run(model_f32, "forward", "--random-weights", seed, "--input-ids",
        "1,2,3", "--dump-logits", path(name + ".npy"))
r1, r2, r3 = (np.load(path(n + ".npy")) for n in ("r1", "r2", "r3"))
assert np.array_equal(r1, r2) and not np.array_equal(r1, r3)
print("OK random weights")

# --- generate: greedy decoding equals numpy's argmax loop.
out = run(model_f32, "generate", "--weights", path("f32.safetensors"),
          "--prompt-ids", "3,1,4;2,7,1", "--max-new-tokens", "6")
got = [[int(t) for t in line.split(",")] for line in out.split()]
sequences = np.array([[3, 1, 4], [2, 7, 1]])
for _ in range(6):
    step = reference(weights, sequences)[0][:, -1].argmax(-1)
    sequences = np.concatenate([sequences, step[:, None]], axis=1)
assert got == sequences[:, 3:].tolist(), (got, sequences)
# Sampling is reproducible with a seed.
args = ("generate", "--weights", path("f32.safetensors"), "--prompt-ids",
        "3,1,4", "--max-new-tokens", "8", "--temperature", "1.5", "--top-k",
        "20", "--top-p", "0.95", "--seed")
assert run(model_f32, *args, "5") == run(model_f32, *args, "5")
print("OK generate")
