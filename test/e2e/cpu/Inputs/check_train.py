"""End-to-end check of a compiled GSPO train step (zen-compile --train) on a
tiny spec against the numpy reference, through `zen-run train-step`.

The reference loss is test/reference: the model forward with the LoRA
adapters merged (models.py), the causal-shifted selective log-probs, group
advantages and the GSPO loss (training.py), all in float64 and written from
shared/reference, not from Zen's lowering. Checks, with non-zero random
adapters (PEFT's B = 0 init would make d/dA vanish):
  grads   zen-run --dump-grads equals the central finite difference of the
          reference loss (float64, h = 1e-5) on a sample of adapter entries,
          on-policy (no old_logprobs) and off-policy;
  update  --save-adapter after one step equals torch's AdamW applied to the
          dumped gradients after global-norm clipping (gspo-training.md §7);
  resume  two steps in one run equal one step, a checkpoint and a resumed
          step, bit for bit.
With TRAINING.yaml (the file given to zen-compile --training) its settings
replace the spec's; `finetune: full` checks every weight of the model
instead of adapters: one sampled entry of each tensor, and the update and
the resume through --checkpoint's model.safetensors.
Prints "OK <case> <figures>"; any mismatch raises.

usage: check_train.py ZEN_RUN MODEL.so SPEC.yaml SRC_ROOT WORK_DIR [TRAINING.yaml]
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import yaml

zen_run, model_path, spec_path, src_root, work = sys.argv[1:6]
sys.path.insert(0, os.path.join(src_root, "test", "reference"))
import models  # noqa: E402
import safetensors_io as st  # noqa: E402
import training  # noqa: E402

shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
with open(spec_path) as f:
    spec = yaml.safe_load(f)
config = spec["model"]
train = spec.get("training", {})
if len(sys.argv) > 6:
    with open(sys.argv[6]) as f:
        train = yaml.safe_load(f)
full = train.get("finetune", "lora") == "full"
G = int(train.get("num_generations", 8))
lora_cfg = train.get("lora", {})
r = int(lora_cfg.get("r", 8))
alpha = float(lora_cfg.get("lora_alpha", 2 * r))
targets = lora_cfg.get("target_modules", [])
if targets == "all-linear":
    targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
               "down_proj"]
eps_low = float(train.get("epsilon", 3e-4))
eps_high = float(train.get("epsilon_high", 4e-4))
temperature = float(train.get("temperature", 1.0))
lr = float(train.get("learning_rate", 1e-6))
wd = float(train.get("weight_decay", 0.01))
max_norm = float(train.get("max_grad_norm", 1.0))
V = config["vocab_size"]
rng = np.random.default_rng(7)

# --- Weights, a non-zero adapter in PEFT layout, a batch.
weights = models.random_weights(config, seed=1)
wdir = os.path.join(work, "weights")
os.makedirs(wdir)
st.save_file(os.path.join(wdir, "model.safetensors"), weights)

adapter = {}
for name, w in sorted(weights.items()) if not full else []:
    if not name.startswith("model.layers.") or ".experts." in name:
        continue
    module = name[:-len(".weight")]
    if module.rsplit(".", 1)[-1] not in targets or w.ndim != 2:
        continue
    out_dim, in_dim = w.shape
    prefix = "base_model.model." + module
    adapter[prefix + ".lora_A.weight"] = (
        0.2 * rng.standard_normal((r, in_dim))).astype(np.float32)
    adapter[prefix + ".lora_B.weight"] = (
        0.2 * rng.standard_normal((out_dim, r))).astype(np.float32)
adir = os.path.join(work, "adapter")
os.makedirs(adir)
st.save_file(os.path.join(adir, "adapter_model.safetensors"), adapter)
with open(os.path.join(adir, "adapter_config.json"), "w") as f:
    json.dump({"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r,
               "lora_alpha": alpha, "lora_dropout": 0.0,
               "target_modules": targets, "bias": "none",
               "use_rslora": False, "base_model_name_or_path": ""}, f)

N, T, PROMPT = 2 * G, 9, 3
ids = rng.integers(0, V, size=(N, T)).astype(np.int64)
completion_mask = np.zeros((N, T), dtype=np.float32)
for i in range(N):
    completion_mask[i, PROMPT:PROMPT + 1 + (i * 5) % (T - PROMPT)] = 1
rewards = rng.standard_normal(N).astype(np.float32)
positions = np.tile(np.arange(T, dtype=np.int64), (N, 1))


def reference_logp(trained):
    """Log-probs with the trained tensors: adapters, or (full) all weights."""
    if full:
        return training.completion_logprobs(config, trained, ids, None,
                                            positions, temperature)
    lora = models.lora_from_peft(trained, alpha, r)
    return training.completion_logprobs(config, weights, ids, None, positions,
                                        temperature, lora=lora)


def reference_loss(ad, old):
    adv = training.group_advantages(rewards, G)
    return training.gspo_loss(reference_logp(ad), old, adv, completion_mask,
                              eps_low, eps_high).loss


def run(batch, *args, stderr=None):
    path = os.path.join(work, "batch.safetensors")
    st.save_file(path, batch)
    cmd = [zen_run, model_path, "train-step", "--weights", wdir, "--batch",
           path, *args]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit("zen-run train-step failed:\n" + out.stderr)
    if stderr is not None:
        stderr.append(out.stderr)
    return out.stdout


def load_grads(path):
    grads = st.load_file(path)[0]
    return {k[len("grad:"):] if k.startswith("grad:") else k: v
            for k, v in grads.items()}


# What is trained, its initial values, and how zen-run starts from them.
trained0 = weights if full else adapter
start = [] if full else ["--adapter", adir]
logp0 = reference_logp(trained0)
batch = {"input_ids": ids, "completion_mask": completion_mask,
         "rewards": rewards}
# Qwen3-Next's multi-token-prediction head is not in the policy's loss, so
# full-weight training leaves it alone.
names = sorted(n for n in trained0 if not n.startswith("mtp."))


def sample_entries():
    """16 random adapter entries; with full weights one entry per tensor, an
    embedding row of a token in the batch (other rows get no gradient)."""
    if not full:
        for _ in range(16):
            name = names[rng.integers(len(names))]
            yield name, tuple(rng.integers(d) for d in adapter[name].shape)
        return
    for name in names:
        shape = weights[name].shape
        idx = tuple(rng.integers(d) for d in shape)
        if name.endswith("embed_tokens.weight"):
            idx = (int(ids[rng.integers(N), rng.integers(T - 1)]),) + idx[1:]
        yield name, idx
for case, old in [("on-policy", None),
                  ("off-policy", (logp0 + 2e-4 * rng.standard_normal(logp0.shape)
                                  * completion_mask).astype(np.float32))]:
    b = dict(batch)
    if old is not None:
        b["old_logprobs"] = old
    gpath = os.path.join(work, case + "-grads.safetensors")
    run(b, *start, "--dump-grads", gpath, "--steps", "1")
    grads = load_grads(gpath)
    missing = set(names) - set(grads)
    assert not missing, "no gradient for %s" % sorted(missing)[:3]
    scale = max(float(np.max(np.abs(g))) for g in grads.values())
    old_ref = logp0 if old is None else old.astype(np.float64)
    worst, h, count = 0.0, 1e-5, 0
    for name, idx in sample_entries():
        count += 1
        plus = {n: a.astype(np.float64) for n, a in trained0.items()}
        minus = {n: a.astype(np.float64) for n, a in trained0.items()}
        plus[name][idx] += h
        minus[name][idx] -= h
        fd = (reference_loss(plus, old_ref) - reference_loss(minus, old_ref)) / (2 * h)
        err = abs(float(grads[name][idx]) - fd) / max(scale, 1e-12)
        worst = max(worst, err)
        assert err < 2e-3, "%s %s%s: zen %g, finite difference %g" % (
            case, name, idx, grads[name][idx], fd)
    print("OK grads %s: %d entries, max |zen - fd| / max|grad| = %.1e"
          % (case, count, worst))

# --- One AdamW step on the clipped gradients (torch semantics).
outdir = os.path.join(work, "after-1")
gpath = os.path.join(work, "step-grads.safetensors")
saved = "model.safetensors" if full else "adapter_model.safetensors"
run(batch, *start, "--dump-grads", gpath,
    "--checkpoint" if full else "--save-adapter", outdir, "--steps", "1")
grads = load_grads(gpath)
after = st.load_file(os.path.join(outdir, saved))[0]
total = np.sqrt(sum(np.sum(grads[n].astype(np.float64) ** 2) for n in names))
clip = min(1.0, max_norm / (total + 1e-6))
worst = 0.0
for n in names:
    g = grads[n].astype(np.float64) * clip
    theta = trained0[n].astype(np.float64) * (1 - lr * wd)
    m = 0.1 * g
    v = 0.001 * g * g
    expect = theta - (lr / 0.1) * m / (np.sqrt(v) / np.sqrt(0.001) + 1e-8)
    err = float(np.max(np.abs(after[n] - expect)))
    worst = max(worst, err)
    assert err < 1e-6, "%s after one step: max |zen - adamw| = %g" % (n, err)
print("OK update: max |zen - adamw| = %.1e (lr %g, grad norm %.3g)"
      % (worst, lr, total))

# --- Resume: two steps in one run == one step, a checkpoint, one resumed step.
two = os.path.join(work, "two-steps")
ckpt = os.path.join(work, "ckpt")
resumed = os.path.join(work, "resumed")
save = "--checkpoint" if full else "--save-adapter"
run(batch, *start, "--steps", "2", save, two)
run(batch, *start, "--steps", "1", "--checkpoint", ckpt)
run(batch, "--resume", ckpt, "--steps", "1", save, resumed)
a = st.load_file(os.path.join(two, saved))[0]
b = st.load_file(os.path.join(resumed, saved))[0]
assert sorted(a) == sorted(b)
for n in a:
    assert np.array_equal(a[n], b[n]), "%s differs after resuming" % n
print("OK resume: %d tensors bit-identical" % len(a))

# --- A non-finite step is skipped with a warning and changes nothing. An old
# log-prob of -1e30 (finite, so the batch is valid) makes the sequence ratio
# exp(mean(logp - old)) overflow; with a negative advantage the clipped
# objective min(s·A, clip(s)·A) is -inf.
bad = dict(batch)
bad_rewards = rewards.copy()
bad_rewards[0] = float(np.min(rewards[:G])) - 1.0  # advantage < 0
bad["rewards"] = bad_rewards
bad_old = logp0.astype(np.float32).copy()
bad_old[0, completion_mask[0] > 0] = -1e30
bad["old_logprobs"] = bad_old
before = os.path.join(work, "before-skip")
after_skip = os.path.join(work, "after-skip")
run(batch, *start, "--steps", "1", "--checkpoint", before)
warnings = []
out = run(bad, "--resume", before, "--steps", "1", "--checkpoint", after_skip,
          stderr=warnings)
assert "[skipped]" in out and "step skipped" in warnings[0], (out, warnings)
for f in sorted(os.listdir(before)):
    if not f.endswith(".safetensors"):
        continue
    x = st.load_file(os.path.join(before, f))[0]
    y = st.load_file(os.path.join(after_skip, f))[0]
    assert sorted(x) == sorted(y), f
    for n in x:
        assert np.array_equal(x[n], y[n]), "%s: %s changed by a skipped step" % (f, n)
print("OK skip: %s" % warnings[0].strip().splitlines()[-1])
