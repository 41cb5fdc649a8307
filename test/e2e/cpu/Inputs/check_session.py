"""End-to-end checks of a model library built by zen-compile from a tiny spec
(dense, MoE or hybrid) against the numpy reference (test/reference/models.py).

With random weights from reference.models.random_weights, written to a
safetensors checkpoint by safetensors_io and bound by libzenrt (ctypes):
  forward   zen_model_forward on a left-padded batch of 2 vs models.forward;
  session   zen_session_prefill of a left-padded prompt, then token-by-token
            zen_session_decode, reproduces forward's logits at every position
            (for the hybrid spec the prompt is longer than one 64-token chunk
            of the chunked delta rule and not a multiple of it; decode runs the
            recurrent rule over the carried conv and recurrent states); the
            caches the session hands to the model hold the reference's keys,
            values and states; a prompt prefilled in two chunks gives the same
            logits;
  generate  zen-run generate (prefill + decode) gives the ids of a numpy
            greedy loop over models.forward.
Prints "OK <case> <figures>" per case; any mismatch raises.

usage: check_session.py LIBZENRT ZEN_RUN MODEL.so SPEC.yaml SRC_ROOT WORK_DIR
"""

import ctypes as C
import os
import shutil
import subprocess
import sys

import numpy as np
import yaml

libzenrt, zen_run, model_path, spec_path, src_root, work = sys.argv[1:7]
sys.path.insert(0, os.path.join(src_root, "test", "reference"))
import models  # noqa: E402
import safetensors_io as st  # noqa: E402

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
with open(spec_path) as f:
    spec = yaml.safe_load(f)
config = spec["model"]
family = spec["family"]
V = config["vocab_size"]
TOL = 1e-4

weights = models.random_weights(config, seed=1)
ckpt = os.path.join(work, "weights.safetensors")
st.save_file(ckpt, weights)

# --- libzenrt through ctypes.
zen = C.CDLL(libzenrt)
Status = C.c_void_p
zen.zen_status_message.restype = C.c_char_p
zen.zen_status_message.argtypes = [Status]
zen.zen_status_free.argtypes = [Status]
zen.zen_status_free.restype = None


class Tensor(C.Structure):
    _fields_ = [("dtype", C.c_int), ("rank", C.c_int32),
                ("shape", C.c_int64 * 8), ("data", C.c_void_p)]


class SessionInfo(C.Structure):
    _fields_ = [("batch", C.c_int64), ("max_seq_len", C.c_int64),
                ("vocab_size", C.c_int64), ("cache_position", C.c_int64),
                ("attention_mask", C.POINTER(C.c_int64)),
                ("next_positions", C.POINTER(C.c_int64)),
                ("num_caches", C.c_size_t), ("cache_bytes", C.c_uint64)]


P = C.c_void_p
for fn, args in {
    "zen_model_open": [C.c_char_p, C.POINTER(P)],
    "zen_model_bind_checkpoint": [P, C.c_char_p, P],
    "zen_model_forward": [P, C.c_char_p, C.c_int64, C.c_int64, P, P, P, P,
                          C.c_uint64, C.POINTER(P)],
    "zen_session_create": [P, C.c_int64, C.c_int64, C.POINTER(P)],
    "zen_session_reset": [P],
    "zen_session_prefill": [P, C.c_int64, P, P, P],
    "zen_session_decode": [P, P, P],
    "zen_session_info": [P, C.POINTER(SessionInfo)],
    "zen_session_cache": [P, C.c_size_t, C.POINTER(C.c_char_p),
                          C.POINTER(Tensor)],
}.items():
    getattr(zen, fn).argtypes = args
    getattr(zen, fn).restype = Status
for fn in ("zen_model_close", "zen_session_free"):
    getattr(zen, fn).argtypes = [P]
    getattr(zen, fn).restype = None


def check(status):
    if status:
        message = zen.zen_status_message(status).decode()
        zen.zen_status_free(status)
        raise AssertionError(message)


def ptr(array):
    return None if array is None else array.ctypes.data


def rel_err(got, ref):
    return float(np.abs(got - ref).max() / np.abs(ref).max())


model = P()
check(zen.zen_model_open(model_path.encode(), C.byref(model)))
check(zen.zen_model_bind_checkpoint(model, ckpt.encode(), None))


def compiled_forward(ids, mask):
    B, T = ids.shape
    out = np.zeros((B, T, V), np.float32)
    check(zen.zen_model_forward(model, None, B, T, ptr(ids), ptr(mask), None,
                                ptr(out), out.size, None))
    return out


# Two sequences of N tokens, the second left-padded by PAD. The hybrid prompt
# spans more than one 64-token chunk of the chunked delta rule.
rng = np.random.default_rng(7)
PROMPT = 70 if family == "hybrid" else 13
DECODE = 10 if family == "hybrid" else 9
PAD = 5
N = PROMPT + DECODE
ids = rng.integers(0, V, size=(2, N)).astype(np.int64)
mask = np.ones((2, N), np.int64)
mask[1, :PAD] = 0
ids[1, :PAD] = 0
real = mask.astype(bool)

# --- (a) forward with left padding (padding positions' outputs are not
# meaningful and are not compared).
ref = models.forward(config, weights, ids, mask)
got = compiled_forward(ids, mask)
forward_err = rel_err(got[real], ref[real])
assert forward_err <= TOL, forward_err
print("OK forward B=2 T=%d left padding %d: max|d|/max|ref| = %.2e"
      % (N, PAD, forward_err))

# --- (b) prefill + token-by-token decode reproduce forward's logits.
session = P()
MAXLEN = N + 3
check(zen.zen_session_create(model, 2, MAXLEN, C.byref(session)))
info = SessionInfo()
check(zen.zen_session_info(session, C.byref(info)))
assert (info.batch, info.max_seq_len, info.vocab_size) == (2, MAXLEN, V)
logits = np.zeros((2, V), np.float32)
prompt_ids = np.ascontiguousarray(ids[:, :PROMPT])
prompt_mask = np.ascontiguousarray(mask[:, :PROMPT])
check(zen.zen_session_prefill(session, PROMPT, ptr(prompt_ids),
                              ptr(prompt_mask), ptr(logits)))
steps = [logits.copy()]
for t in range(PROMPT, N):
    step_ids = np.ascontiguousarray(ids[:, t])
    check(zen.zen_session_decode(session, ptr(step_ids), ptr(logits)))
    steps.append(logits.copy())
steps = np.stack(steps, axis=1)          # positions PROMPT-1 .. N-1
prefill_err = rel_err(steps[:, 0], ref[:, PROMPT - 1])
decode_err = rel_err(steps[:, 1:], ref[:, PROMPT:])
fwd_err = rel_err(steps, got[:, PROMPT - 1:])
assert prefill_err <= TOL and decode_err <= TOL and fwd_err <= TOL, (
    prefill_err, decode_err, fwd_err)

check(zen.zen_session_info(session, C.byref(info)))
assert info.cache_position == N
slot_mask = np.ctypeslib.as_array(info.attention_mask, (2, MAXLEN))
assert (slot_mask[:, :N] == mask).all() and not slot_mask[:, N:].any()
next_pos = np.ctypeslib.as_array(info.next_positions, (2,))
assert next_pos.tolist() == mask.sum(1).tolist(), next_pos

# The session's caches are the buffers the model updated: compare them with
# the reference's after the same prefill + decode.
_, ref_cache = models.prefill(config, weights, prompt_ids, prompt_mask,
                              max_len=MAXLEN)
for t in range(PROMPT, N):
    models.decode(config, weights, ref_cache, ids[:, t:t + 1])
cache_err = 0.0
for i in range(info.num_caches):
    name, t = C.c_char_p(), Tensor()
    check(zen.zen_session_cache(session, i, C.byref(name), C.byref(t)))
    shape = tuple(t.shape[d] for d in range(t.rank))
    assert t.dtype == 1, t.dtype                       # f32
    buf = (C.c_float * int(np.prod(shape))).from_address(t.data)
    cache = np.frombuffer(buf, np.float32).reshape(shape)
    layer, kind = name.value.decode().split(".")[1:3]
    entry = ref_cache.layers[int(layer)]
    if kind in ("k_cache", "v_cache"):
        want = entry[kind[0]]
        assert not cache[:, :, N:].any()               # never written
        # Padded slots hold whatever the padding tokens produced.
        cache = cache[:, :, :N].transpose(0, 2, 1, 3)[real]
        want = want[:, :, :N].transpose(0, 2, 1, 3)[real]
    else:
        want = entry[kind]
    err = rel_err(cache, want)
    assert err <= TOL, (name.value, err)
    cache_err = max(cache_err, err)
print("OK session prefill %d + decode %d (B=2, left padding %d): prefill "
      "%.2e, decode %.2e vs reference; %.2e vs compiled forward; caches %.2e"
      % (PROMPT, DECODE, PAD, prefill_err, decode_err, fwd_err, cache_err))

# A prompt prefilled in two chunks (the second continuing the caches and
# states) gives the same logits.
check(zen.zen_session_reset(session))
check(zen.zen_session_info(session, C.byref(info)))
assert info.cache_position == 0 and not slot_mask.any()
SPLIT = PROMPT - 3
first_ids = np.ascontiguousarray(ids[:, :SPLIT])
first_mask = np.ascontiguousarray(mask[:, :SPLIT])
check(zen.zen_session_prefill(session, SPLIT, ptr(first_ids), ptr(first_mask),
                              None))
rest_ids = np.ascontiguousarray(ids[:, SPLIT:N])
check(zen.zen_session_prefill(session, N - SPLIT, ptr(rest_ids), None,
                              ptr(logits)))
chunk_err = rel_err(logits, ref[:, N - 1])
assert chunk_err <= TOL, chunk_err
print("OK session chunked prefill %d + %d: %.2e" % (SPLIT, N - SPLIT,
                                                    chunk_err))
zen.zen_session_free(session)
zen.zen_model_close(model)

# --- (c) greedy generation: zen-run generate vs a numpy greedy loop.
NEW = 6
gen_prompt = rng.integers(0, V, size=(2, 7)).astype(np.int64)
result = subprocess.run(
    [zen_run, model_path, "generate", "--weights", ckpt, "--prompt-ids",
     ";".join(",".join(str(x) for x in row) for row in gen_prompt),
     "--max-new-tokens", str(NEW)], capture_output=True, text=True)
assert result.returncode == 0, result.stderr
assert "prefill + decode" in result.stderr, result.stderr
got_ids = [[int(x) for x in line.split(",")] for line in result.stdout.split()]
sequences = gen_prompt
margin = np.inf
for _ in range(NEW):
    last = models.forward(config, weights, sequences)[:, -1]
    top2 = np.sort(last, axis=-1)[:, -2:]
    margin = min(margin, float((top2[:, 1] - top2[:, 0]).min()))
    sequences = np.concatenate([sequences, last.argmax(-1)[:, None]], axis=1)
assert got_ids == sequences[:, 7:].tolist(), (got_ids, sequences[:, 7:])
print("OK generate greedy %d x %d tokens (smallest top-2 logit gap %.2e)"
      % (2, NEW, margin))
