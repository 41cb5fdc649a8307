//===- Passes.td - Zen-level transforms -------------------*- tablegen -*-===//

#ifndef ZEN_TRANSFORMS_PASSES_TD
#define ZEN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ZenVerifyParams : Pass<"zen-verify-params", "::mlir::ModuleOp"> {
  let summary = "Check that every weight argument can be bound from a checkpoint";
  let description = [{
    The runtime binds checkpoint tensors to function arguments through their
    `zen.param` attribute (the HuggingFace tensor name). This pass checks, for
    every function, that each `zen.param` is a non-empty string, that no two
    arguments of one function carry the same name, and that each weight has a
    static shape (checkpoints have fixed shapes; only activations have dynamic
    batch and sequence dimensions). It changes nothing; it fails with an error
    on the offending argument.

    Before and after (unchanged):
    ```mlir
    func.func @layer(%x: tensor<?x?x1024xf32>,
                     %w: tensor<1024xf32> {zen.param = "model.norm.weight"})
    ```
  }];
  let dependentDialects = ["::mlir::zen::ZenDialect"];
}

def ZenExportEntryPoints : Pass<"zen-export-entry-points", "::mlir::ModuleOp"> {
  let summary = "Describe the public functions for the runtime (module metadata)";
  let description = [{
    Records, as the module attribute `zen.metadata`, the JSON document that
    docs/runtime-abi.md specifies: every public function with a body becomes
    an entry point whose arguments are `param`s (they carry `zen.param`, the
    HF tensor name the runtime binds) or `input`s, with dtypes and shapes
    (-1 for dynamic dims). Argument and result names come from `zen.name`
    attributes where present; the model name and family from the module's
    `zen.model` / `zen.family` attributes (SpecToZen sets them). Run it on Zen IR, before lowering erases the
    tensor types; `zen-emit-runtime-abi` turns the attribute into symbols.

    After:
    ```mlir
    module attributes {zen.metadata = "{\"zen_abi\":1,...}"} { ... }
    ```
  }];
}

def ZenEmitRuntimeABI : Pass<"zen-emit-runtime-abi", "::mlir::ModuleOp"> {
  let summary = "Emit the runtime entry symbols of a lowered model";
  let description = [{
    Runs on the LLVM dialect after the CPU pipeline. For every entry point in
    the module's `zen.metadata`, adds `void zen_entry_<name>(void **args)`,
    which loads the descriptor pointers from `args` and calls
    `_mlir_ciface_<name>`; and adds `const char *zen_model_metadata(void)`
    returning the JSON document. Fails if an entry point has no C interface.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ZenDifferentiate : Pass<"zen-differentiate", "::mlir::ModuleOp"> {
  let summary = "Build the vector-Jacobian product of marked functions";
  let description = [{
    For every `func.func` carrying the unit attribute `zen.differentiate`,
    adds a public function `@<name>_vjp` taking the original arguments and
    one cotangent per floating-point tensor result, and returning one
    cotangent per floating-point tensor argument that does not carry the
    argument attribute `zen.no_grad`, in argument order. The forward is
    recomputed inside; Zen ops contribute their VJPs through
    DifferentiableOpInterface, calls are differentiated through the
    callee's own VJP function (built once per activity pattern). This is
    the autodiff core of `zen-build-train-step`, exposed for gradient tests.

    ```mlir
    func.func @f(%x: tensor<4xf32>, %w: tensor<4xf32> {zen.no_grad})
        -> tensor<4xf32> attributes {zen.differentiate} {
      %y = arith.mulf %x, %w : tensor<4xf32>
      return %y : tensor<4xf32>
    }
    // adds
    func.func @f_vjp(%x: tensor<4xf32>, %w: tensor<4xf32>,
                     %dy: tensor<4xf32>) -> tensor<4xf32>   // d x = dy * w
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ZenBuildTrainStep : Pass<"zen-build-train-step", "::mlir::ModuleOp"> {
  let summary = "Build the GSPO / GRPO `train_step` entry point from @forward";
  let description = [{
    Turns the model's `@forward` into a compiled training step
    (shared/reference/gspo-training.md):

    1. `@policy_loss` (private): the forward with LoRA adapters injected
       into the targeted projections (PEFT semantics, y = x Wᵀ + s·x Aᵀ Bᵀ;
       a targeted `zen.mlp` is split into its three `zen.linear`s and a
       `zen.swiglu`), the LM head replaced by the fused selective log-prob
       `zen.token_logprobs` of tokens 1..T−1 from positions 0..T−2 (never
       the [tokens × vocab] logits), group advantages from the rewards and
       the GSPO or GRPO loss over the completion mask. Off-policy ratios use
       `old_logprobs` when `use_old_logprobs` is set, else the log-probs
       themselves (ratio 1, gradient of the on-policy objective).
    2. Its vector-Jacobian product with respect to the trainable parameters
       (LoRA A/B, or every weight with `lora-rank=0`), built by the same
       reverse-mode builder as `zen-differentiate`: layers recompute their
       forward in the backward pass (one backward function per layer kind).
    3. `@train_step` (public): loss and gradients, global-norm clipping,
       then AdamW on the trainables, all updated in place, unless the loss
       or the gradient norm is not finite (then nothing is written and
       `skipped` is 1). Each trainable's norm and update is a call to a
       private function shared by the trainables of its type
       (`@train_grad_norm`, `@train_update`), so that @train_step stays
       free of loop nests however many trainables there are.

    Entry point ABI (docs/runtime-abi.md): inputs `input_ids`, `positions`,
    `attention_mask`, `completion_mask`, `rewards`, `old_logprobs`,
    `use_old_logprobs`[, `ref_logprobs` when beta ≠ 0], `learning_rate`,
    `step`; then the frozen weights (`zen.param`), the trainables
    (`zen.trainable`, PEFT names for LoRA) and the AdamW moments
    (`zen.optim`: `<name>.exp_avg`, `<name>.exp_avg_sq`); results `loss`,
    `mean_ratio`, `clip_fraction`, `grad_norm`, `skipped` and one
    `grad:<name>` per trainable (unclipped). The configuration is recorded
    in the module attribute `zen.training` for the metadata.
  }];
  let options = [
    Option<"algorithm", "algorithm", "std::string", "\"gspo\"",
           "gspo or grpo">,
    Option<"groupSize", "group-size", "int64_t", "8",
           "completions per prompt (G)">,
    Option<"gspoLevel", "gspo-level", "std::string", "\"sequence\"",
           "GSPO importance ratio level: sequence or token">,
    Option<"lossType", "loss-type", "std::string", "\"grpo\"",
           "GRPO aggregation: grpo, bnpo, dr_grpo or dapo">,
    Option<"scaleRewards", "scale-rewards", "std::string", "\"group\"",
           "advantage scaling: group, batch or none">,
    Option<"epsilonLow", "epsilon-low", "double", "3e-4", "clip ε low">,
    Option<"epsilonHigh", "epsilon-high", "double", "4e-4", "clip ε high">,
    Option<"beta", "beta", "double", "0.0", "KL coefficient (k3 estimator)">,
    Option<"temperature", "temperature", "double", "1.0",
           "sampling temperature the log-probs are computed at">,
    Option<"materializeLogits", "materialize-logits", "bool", "false",
           "compute the log-probs from the whole [tokens x vocab] logits "
           "(zen.token_logprobs materialize_logits): the unfused baseline "
           "of the memory benchmark">,
    Option<"learningRate", "learning-rate", "double", "1e-6",
           "default learning rate (recorded in the metadata)">,
    Option<"weightDecay", "weight-decay", "double", "0.01", "AdamW decay">,
    Option<"adamBeta1", "adam-beta1", "double", "0.9", "AdamW β1">,
    Option<"adamBeta2", "adam-beta2", "double", "0.999", "AdamW β2">,
    Option<"adamEpsilon", "adam-epsilon", "double", "1e-8", "AdamW ε">,
    Option<"maxGradNorm", "max-grad-norm", "double", "1.0",
           "global-norm gradient clipping threshold">,
    Option<"loraRank", "lora-rank", "int64_t", "8",
           "LoRA rank r; 0 trains every weight instead">,
    Option<"loraAlpha", "lora-alpha", "double", "16.0", "LoRA alpha">,
    Option<"useRslora", "use-rslora", "bool", "false",
           "scale alpha / sqrt(r) instead of alpha / r">,
    ListOption<"loraTargets", "lora-targets", "std::string",
               "module names to adapt (q_proj, ...; all-linear: every "
               "projection of the decoder layers)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::zen::ZenDialect"];
}

def ZenDropCacheResults : Pass<"zen-drop-cache-results", "::mlir::ModuleOp"> {
  let summary = "Drop entry-point results that return a cache argument in place";
  let description = [{
    Runs after bufferization. An entry point's updated cache is a result
    tagged `zen.cache` whose buffer, once bufferized in place, is the
    argument with the same tag. Upstream's drop-equivalent-buffer-results
    only rewrites private functions (it needs every call site), so this pass
    removes those results from the public entry points: the runtime sees the
    update in the buffer it passed. A tagged result that is not its
    argument's buffer is an error: the update was not done in place.

    Before / after:
    ```mlir
    func.func @decode(%kc: memref<?x2x?x32xf32> {zen.cache = "layers.0.k_cache"})
        -> (memref<?x1x64xf32>, memref<?x2x?x32xf32> {zen.cache = "layers.0.k_cache"})
    // becomes
    func.func @decode(%kc: memref<?x2x?x32xf32> {zen.cache = "layers.0.k_cache"})
        -> memref<?x1x64xf32>
    ```
  }];
}

def ZenCPUPlanKernels : Pass<"zen-cpu-plan-kernels", "::mlir::ModuleOp"> {
  let summary = "Choose a CPU kernel and tile plan for every linalg op";
  let description = [{
    Runs on linalg on tensors, after `convert-zen-to-linalg`. Every
    contraction `y[..., n] += x[..., k] * w[n, k]` (what `zen.linear` lowers
    to; f32 or bf16 inputs, f32 accumulation; `w` static) becomes a choice,
    at run time, on the number of rows M (the product of the leading dims):

    - M < `packed-min-rows`: the *dot* kernel, the same contraction with
      `fastmath<contract>` (so multiply-adds fuse) on f32 inputs. Its plan
      tiles N across the cores, then an mr x nr register tile whose K loop
      keeps vector-length partial sums (`tile_reduction_using_for`), reduced
      once per tile. No operand is copied: right for decode (M = 1), which
      is bound by reading the weights.
    - otherwise the *packed* GEMM: `w` is packed (and converted to f32) into
      panels `[N/nr][K][nr]` by a `linalg.generic` transpose; the product is
      a generic over (leading dims, n1, k, n0) writing `[..., N/nr, nr]`,
      collapsed back to `[..., N]`. Its plan tiles panels across the cores
      and an mr x nr register tile of outer products (the M loop peeled for
      the last rows). Only when nr divides N (every Qwen3 projection); other
      N (LoRA ranks) always take the dot kernel.

    bf16 activations are converted to f32 once, before either kernel. bf16
    weights are widened in registers by the dot kernel; when 2·VL divides K
    they are read as pairs (`w` seen as [N, K/2VL, VL, 2], the activations
    rearranged to [..., K/2VL, 2, VL] to match) so that each i32 lane yields
    two f32 weights with a shift and a mask (see zen-cpu-apply-schedule). A
    contraction into a non-zero accumulator adds it after the kernel.
    Register tiles follow `vector-width` (the host's by default): AVX-512
    16x16 (packed) and 4x4 (dot); AVX2 6x16 and 3x4 (2x4 with bf16 weights,
    which take registers to widen).

    Every other linalg op whose innermost loop is static gets a plan that
    tiles its outer dims by 1 and its innermost dim by a vector-sized step
    ("elementwise"), or, for a single innermost reduction, to vector partial
    sums ("reduction"), so that it vectorizes; the rest keep scalar loops.
    With `parallel`, such an op with two or more dynamic loops (work growing
    with tokens x tokens: attention's scores, p·v and their gradients) also
    runs the iterations of its first static parallel loop outside every
    reduction (the KV head) as tasks across the cores (`task_loop`, an
    scf.forall); each element is still computed by one task, in the same
    order. Plans are `zen.cpu_schedule` dictionary attributes; `zen-cpu-apply-schedule`
    carries them out.

    Before:
    ```mlir
    %y = linalg.generic {... iterator_types = ["parallel", "parallel",
        "parallel", "reduction"]} ins(%x, %w : tensor<?x?x1024xf32>,
        tensor<2048x1024xf32>) outs(%zero : tensor<?x?x2048xf32>) {...}
    ```
    After:
    ```mlir
    %small = arith.cmpi ult, %rows, %c48 : index
    %y = scf.if %small -> (tensor<?x?x2048xf32>) {
      %d = linalg.generic {...} {zen.cpu_schedule = {kind = "dot", ...}}
      scf.yield %d : tensor<?x?x2048xf32>
    } else {
      %panels = linalg.generic {...} {zen.cpu_schedule = {kind = "pack", ...}}
      %c = linalg.generic {...} ins(%x, %panels : ...)
          {zen.cpu_schedule = {kind = "packed", ...}}
      %y2 = tensor.collapse_shape %c [[0], [1], [2, 3]] : ...
      scf.yield %y2 : tensor<?x?x2048xf32>
    }
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "unsigned", /*default=*/"0",
           "f32 lanes per vector register (16: AVX-512, 8: AVX2, 4: SSE); "
           "0: the host's">,
    Option<"packedMinRows", "packed-min-rows", "unsigned", /*default=*/"48",
           "Rows from which contractions use the packed GEMM">,
    Option<"otherOps", "other-ops", "bool", /*default=*/"true",
           "Also plan the ops that are not contractions (elementwise and "
           "innermost reductions); off: they keep scalar loops">,
    Option<"parallel", "parallel", "bool", /*default=*/"false",
           "Mark the module `zen.cpu_parallel`: zen-cpu-lower-parallel then "
           "runs the scf.forall tiles on all cores (OpenMP)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect", "::mlir::tensor::TensorDialect"
  ];
}

def ZenCPUApplySchedule : Pass<"zen-cpu-apply-schedule", "::mlir::ModuleOp"> {
  let summary = "Carry out the zen.cpu_schedule plans with a transform schedule";
  let description = [{
    Builds one transform-dialect module for the plans that
    `zen-cpu-plan-kernels` left on linalg ops (one named sequence per
    distinct plan, matched by its attribute) and applies it with the
    transform interpreter. The sequences tile to `scf.forall` (one iteration
    per group of panels or columns; later run on the cores), tile and peel to
    the register tile, vectorize, hoist the accumulators out of the K loop
    (`transform.loop.hoist_loop_invariant_subsets`) and lower
    `vector.contract` to outer products and FMAs. The module has three entry
    points run in turn (tile and vectorize; clean up and hoist; lower), and
    between the first two one C++ rewrite no transform op offers: bf16
    weight pairs, `extf(transpose(v : vector<...xJx2xbf16>))`, become one
    load of 2J bf16 seen as J i32 lanes, `lane << 16` and
    `lane & 0xFFFF0000` (two integer ops per 2J weights). Transposes left
    at the end (packing) become shuffles. A plan that cannot be carried out
    (a shape the vectorizer does not take) leaves its op unvectorized, which
    is slower but still correct. Removes the plans.
    `--zen-cpu-apply-schedule=dump-schedule` prints the transform module.

    Before: `linalg.generic {...} {zen.cpu_schedule = {kind = "packed", ...}}`.
    After (the packed GEMM's inner loop):
    ```mlir
    scf.forall (%p) in (32) shared_outs(...) {
      scf.for %n1 ... { scf.for %m = ... step %c6 ... {
        %acc = scf.for %k = %c0 to %c1024 step %c1
            iter_args(%a = %zero) -> (vector<6x1x16xf32>) {
          ... vector.fma ... : vector<16xf32>
        } } } }
    ```
  }];
  let options = [
    Option<"dumpSchedule", "dump-schedule", "bool", /*default=*/"false",
           "Print the transform module to stderr before applying it">,
  ];
}

def ZenCPULowerParallel : Pass<"zen-cpu-lower-parallel", "::mlir::ModuleOp"> {
  let summary = "Run scf.forall tiles on the cores (OpenMP) or in order";
  let description = [{
    Runs after bufferization. When `zen-cpu-plan-kernels{parallel}` marked
    the module `zen.cpu_parallel`, every `scf.forall` becomes an
    `scf.parallel` and then `omp.parallel` + `omp.wsloop` (static schedule,
    OpenMP's default thread count, so `OMP_NUM_THREADS` applies), with
    operands already typed for LLVM (`convert-openmp-to-llvm`); the library
    then calls libomp (`__kmpc_fork_call`) and its emission needs the OpenMP
    dialect's LLVM IR translation. Otherwise each `scf.forall` becomes an
    `scf.for` and the code needs no runtime. The tensor stage decides, so
    this stage needs no option of its own.

    Before:
    ```mlir
    scf.forall (%i) in (32) { ... }
    ```
    After (not parallel):
    ```mlir
    scf.for %i = %c0 to %c32 step %c1 { ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect", "::mlir::omp::OpenMPDialect",
    "::mlir::scf::SCFDialect", "::mlir::memref::MemRefDialect"
  ];
}

def ZenCopiesToLinalg : Pass<"zen-copies-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    Runs after bufferization, in the CPU and the CUDA pipeline. Upstream
    lowers a `memref.copy` between non-contiguous memrefs to a call of
    `memrefCopy` from MLIR's C runner utils, which model libraries do not
    link; a `linalg.copy` becomes loops on the CPU and a kernel on the GPU,
    like every other linalg op.

    Before:
    ```mlir
    memref.copy %a, %b : memref<4x8xf32, strided<[16, 1]>> to memref<4x8xf32>
    ```
    After:
    ```mlir
    linalg.copy ins(%a : memref<4x8xf32, strided<[16, 1]>>)
                outs(%b : memref<4x8xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ZenSimplifyDeallocations
    : Pass<"zen-simplify-deallocations", "::mlir::func::FuncOp"> {
  let summary = "buffer-deallocation-simplification where it is affordable";
  let description = [{
    Runs upstream's `buffer-deallocation-simplification` on each function
    whose widest `bufferization.dealloc` has at most `max-operands` memref
    and retained operands, and leaves the others as they are. The upstream
    pass compares every memref of a dealloc with every retained one through
    the buffer-origin analysis, for every dealloc: cubic in the buffers that
    are live at once. The backward function of a real model keeps one
    gradient buffer per trainable alive to its return (392 LoRA matrices for
    Qwen3-0.6B), which took the pass from seconds to tens of minutes. For
    Qwen3-0.6B the widest deallocs are 2682 operands in @train_step, 1585
    in @policy_loss_vjp and 763 in @policy_loss (skipped), 404 in
    @prefill and @decode and at most 219 in the layer functions (kept). A
    dealloc left unsimplified is still correct: `lower-deallocations`
    checks its aliasing at run time (pointer comparisons, negligible next
    to the GEMMs of such a function).

    Part of the CPU and CUDA pipelines' deallocation stage, in the place of
    the simplification in upstream's `buildBufferDeallocationPipeline`.
  }];
  let options = [
    Option<"maxOperands", "max-operands", "unsigned", "512",
           "simplify a function only if none of its deallocs has more "
           "memref + retained operands">
  ];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def ZenEmitCInterface : Pass<"zen-emit-c-interface", "::mlir::ModuleOp"> {
  let summary = "Ask for C-interface wrappers of the module's public functions";
  let description = [{
    Sets `llvm.emit_c_interface` on every public function defined at the
    top of the module (not on device functions inside a `gpu.module`), so
    that the LLVM lowering emits `_mlir_ciface_<name>`, which takes each
    memref as a pointer to its descriptor. The runtime ABI's
    `zen_entry_<name>` wrappers (zen-emit-runtime-abi) forward to them.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

#endif // ZEN_TRANSFORMS_PASSES_TD
