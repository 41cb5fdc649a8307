//===- ZenInterfaces.td - Zen op interfaces ---------------*- tablegen -*-===//

#ifndef ZEN_INTERFACES_TD
#define ZEN_INTERFACES_TD

include "mlir/IR/OpBase.td"

def Zen_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::mlir::zen";
  let description = [{
    An op that can build its vector-Jacobian product in Zen IR. Given the
    cotangents of the op's results (null for results nobody differentiates),
    `buildVJP` appends ops at the builder's insertion point and returns one
    cotangent per operand (null for operands that carry no gradient, such as
    token ids or masks). `zen-build-train-step` walks the forward in reverse
    and calls this on every op; heavy ops (attention, gated delta rule) build
    dedicated backward ops instead of many small ones.
  }];
  let methods = [
    InterfaceMethod<
      /*desc=*/"Builds the vector-Jacobian product; fills one cotangent per operand.",
      /*retTy=*/"::llvm::LogicalResult", /*methodName=*/"buildVJP",
      /*args=*/(ins "::mlir::OpBuilder &":$builder,
                    "::mlir::ValueRange":$resultCotangents,
                    "::llvm::SmallVectorImpl<::mlir::Value> &":$operandCotangents)>
  ];
}

#endif // ZEN_INTERFACES_TD
