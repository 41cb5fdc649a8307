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

#endif // ZEN_TRANSFORMS_PASSES_TD
