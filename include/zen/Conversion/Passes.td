//===- Passes.td - Zen conversions ------------------------*- tablegen -*-===//

#ifndef ZEN_CONVERSION_PASSES_TD
#define ZEN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertZenToLinalg : Pass<"convert-zen-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Lower Zen forward ops to linalg, tensor, arith, math and scf";
  let description = [{
    Rewrites every Zen model, attention and MoE op into upstream dialects on
    tensors, so the target pipelines (CPU, CUDA) can tile, fuse, vectorize
    and bufferize them. Patterns are split by op family
    (lib/Conversion/ZenToLinalg/*.cpp) and exposed through
    `populateZen*ToLinalgPatterns`. Reductions and softmaxes accumulate in f32
    whatever the element type, as the HF reference does.

    Before:
    ```mlir
    %y = zen.rms_norm %x, %w : tensor<?x?x64xf32>, tensor<64xf32>
    ```
    After: a `linalg.generic` reduction of x² over the last dim, then a
    `linalg.generic` that scales by rsqrt(mean + eps) and the weight.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // ZEN_CONVERSION_PASSES_TD
