//===- ZenInterfaces.td - Zen op interfaces ---------------*- tablegen -*-===//

#ifndef ZEN_INTERFACES_TD
#define ZEN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Zen_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::zen";
  let description = [{
    An op that can build its vector-Jacobian product in Zen IR (reverse-mode
    autodiff). `zen-build-train-step` (and the `zen-differentiate` test pass)
    walk a function in reverse and call `buildVJP` on every op whose results
    carry a cotangent.

    Contract:
    - `resultCotangents` has one entry per result; a null entry means the
      cotangent of that result is zero (nobody differentiates it).
    - `operandNeedsGrad` has one entry per operand: whether the caller wants
      that operand's cotangent (activity analysis: frozen weights, token ids
      and masks are never wanted). Ops must not spend work on unwanted
      cotangents (a frozen [151936, 1024] embedding gets no gradient).
    - On success `operandCotangents` holds exactly one entry per operand:
      the cotangent (with exactly the type of the operand) or null where it
      was not wanted or does not exist.
    - Ops are built at the builder's insertion point, after the primal op;
      they may use the op's operands and results (the forward stays in the
      function: recomputation is the caller's choice, at layer granularity).
    Heavy ops (attention, the gated delta rule, MoE, the selective log-prob)
    build dedicated backward ops (`zen.<op>_grad`) that recompute what they
    need instead of many small ones. Implementations are external models
    attached by `registerAutodiffInterfaceModels`
    (lib/Dialect/Zen/Autodiff), one file per op family.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/"Builds the vector-Jacobian product; fills one cotangent per operand.",
      /*retTy=*/"::llvm::LogicalResult", /*methodName=*/"buildVJP",
      /*args=*/(ins "::mlir::OpBuilder &":$builder,
                    "::mlir::ValueRange":$resultCotangents,
                    "::llvm::ArrayRef<bool>":$operandNeedsGrad,
                    "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>
  ];
}

#endif // ZEN_INTERFACES_TD
