// Bad zen-build-train-step options are reported before anything is built.
// RUN: not zen-opt %s --zen-build-train-step="algorithm=ppo" 2>&1 | FileCheck %s --check-prefix=ALGO
// RUN: not zen-opt %s --zen-build-train-step="lora-rank=4" 2>&1 | FileCheck %s --check-prefix=TARGETS
// RUN: not zen-opt %s --zen-build-train-step="group-size=0 lora-targets=q_proj" 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not zen-opt %s --zen-build-train-step="algorithm=grpo loss-type=sum lora-targets=q_proj" 2>&1 | FileCheck %s --check-prefix=LOSS
// RUN: not zen-opt %s --zen-build-train-step="scale-rewards=max lora-targets=q_proj" 2>&1 | FileCheck %s --check-prefix=SCALE
// RUN: not zen-opt %s --zen-build-train-step="temperature=0 lora-targets=q_proj" 2>&1 | FileCheck %s --check-prefix=TEMP

// ALGO: error: zen-build-train-step: algorithm must be gspo or grpo, found 'ppo'
// TARGETS: error: zen-build-train-step: lora-targets is empty: name the modules to adapt (e.g. q_proj,v_proj or all-linear)
// GROUP: error: zen-build-train-step: group-size must be >= 1, found 0
// LOSS: error: zen-build-train-step: loss-type must be grpo, bnpo, dr_grpo or dapo, found 'sum'
// SCALE: error: zen-build-train-step: scale-rewards must be group, batch or none, found 'max'
// TEMP: error: zen-build-train-step: temperature must be > 0
module {
}
