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

#endif // ZEN_TRANSFORMS_PASSES_TD
