"""The toy GSPO loop on a compiled tiny model (zen-run MODEL.so gspo).

  check_gspo.py ZEN_RUN MODEL.so WORKDIR

1. Learning: from random weights the mean reward (fraction of completion
   tokens equal to the target, about 1/V at random) must rise clearly:
   below 0.05 over the first ten steps, above 0.8 over the last ten.
2. Resume: 2k steps in one run equal k steps, a checkpoint and k resumed
   steps: the same rewards step by step and byte-identical checkpoint files
   (trained weights, AdamW state, step and the task's random stream).
3. Bad checkpoints are refused with a clear error and a non-zero exit and
   are never modified: one saved for another model, one with a truncated
   optimizer file.
"""
import filecmp
import os
import re
import shutil
import subprocess
import sys

zen_run, model, work = sys.argv[1:4]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)

STEP = re.compile(r"^step (\d+): mean reward ([0-9.]+),")


def gspo(*args, expect_ok=True):
    p = subprocess.run([zen_run, model, "gspo", "--random-weights", "0",
                        *map(str, args)], capture_output=True, text=True)
    if expect_ok and p.returncode != 0:
        sys.exit(f"FAIL zen-run gspo {' '.join(map(str, args))}: "
                 f"exit {p.returncode}\n{p.stderr}")
    rewards = {}
    for line in p.stdout.splitlines():
        m = STEP.match(line)
        if m:
            rewards[int(m.group(1))] = float(m.group(2))
    return p, rewards


def mean(xs):
    return sum(xs) / len(xs)


# 1. The reward rises.
steps = int(os.environ.get("ZEN_GSPO_STEPS", "150"))
_, rewards = gspo("--steps", steps)
if sorted(rewards) != list(range(1, steps + 1)):
    sys.exit(f"FAIL expected steps 1..{steps}, got {sorted(rewards)[:5]}...")
first = mean([rewards[i] for i in range(1, 11)])
last = mean([rewards[i] for i in range(steps - 9, steps + 1)])
if not (first < 0.05 and last > 0.8):
    sys.exit(f"FAIL reward did not rise clearly: {first:.4f} over the first "
             f"10 steps, {last:.4f} over the last 10")
print(f"OK reward rises: {first:.4f} -> {last:.4f}")

# 2. Resume equals an uninterrupted run.
k = 6
whole, split1, split2 = (os.path.join(work, n) for n in ("whole", "a", "b"))
_, r_whole = gspo("--steps", 2 * k, "--checkpoint", whole)
_, r_a = gspo("--steps", k, "--checkpoint", split1)
_, r_b = gspo("--resume", split1, "--steps", k, "--checkpoint", split2)
if [r_whole[i] for i in range(1, 2 * k + 1)] != \
        [r_a[i] for i in range(1, k + 1)] + \
        [r_b[i] for i in range(k + 1, 2 * k + 1)]:
    sys.exit(f"FAIL resumed rewards differ: {r_whole} vs {r_a} + {r_b}")
names = sorted(os.listdir(whole))
if names != sorted(os.listdir(split2)) or "trainer_state.json" not in names:
    sys.exit(f"FAIL checkpoint files differ: {names} vs "
             f"{sorted(os.listdir(split2))}")
_, mismatch, errors = filecmp.cmpfiles(whole, split2, names, shallow=False)
if mismatch or errors:
    sys.exit(f"FAIL resumed checkpoint differs in {mismatch + errors}")
print(f"OK resume ({len(names)} files identical)")


# 3. Bad checkpoints: refused, untouched.
def refused(ckpt, what, pattern):
    before = {n: open(os.path.join(ckpt, n), "rb").read()
              for n in os.listdir(ckpt)}
    p, _ = gspo("--resume", ckpt, "--steps", 1, "--checkpoint", ckpt,
                expect_ok=False)
    if p.returncode == 0 or not re.search(pattern, p.stderr):
        sys.exit(f"FAIL {what}: exit {p.returncode}, stderr:\n{p.stderr}")
    after = {n: open(os.path.join(ckpt, n), "rb").read()
             for n in os.listdir(ckpt)}
    if before != after:
        sys.exit(f"FAIL {what}: the checkpoint was modified")
    print(f"OK {what}: {p.stderr.strip().splitlines()[-1]}")


other = os.path.join(work, "other-model")
shutil.copytree(split1, other)
state = os.path.join(other, "trainer_state.json")
text = open(state).read()
open(state, "w").write(text.replace('"model": "', '"model": "zen-eco-'))
refused(other, "another model's checkpoint", r"zen-eco-")

truncated = os.path.join(work, "truncated")
shutil.copytree(split1, truncated)
opt = os.path.join(truncated, "optimizer.safetensors")
data = open(opt, "rb").read()
open(opt, "wb").write(data[: len(data) // 2])
refused(truncated, "a truncated optimizer file", r"optimizer\.safetensors")
