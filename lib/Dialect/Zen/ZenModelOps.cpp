//===- ZenModelOps.cpp - verifiers and shape inference for model ops ------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::zen;
using shape::named;

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  auto input = named("input", getInput());
  auto weight = named("weight", getWeight());
  if (failed(shape::expectMinRank(*this, input, 1, "[..., D]")) ||
      failed(shape::expectRank(*this, weight, 1, "[D]")) ||
      failed(shape::expectDimsMatch(*this, weight, 0, "D", input, -1, "D")) ||
      failed(shape::expectSameElementType(*this, weight, input)))
    return failure();
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError() << "expects eps > 0, found " << getEpsAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  auto input = dyn_cast<RankedTensorType>(operands[0].getType());
  auto weight = dyn_cast<RankedTensorType>(operands[1].getType());
  if (!input || !weight || input.getRank() < 1 || weight.getRank() != 2)
    return emitOptionalError(
        location, "zen.linear expects input [..., in] and weight [out, in]");
  inferred.push_back(shape::withDim(input, -1, weight.getDimSize(0)));
  return success();
}

LogicalResult LinearOp::verify() {
  auto input = named("input", getInput());
  auto weight = named("weight", getWeight());
  if (failed(shape::expectMinRank(*this, input, 1, "[..., in]")) ||
      failed(shape::expectRank(*this, weight, 2, "[out, in]")) ||
      failed(shape::expectDimsMatch(*this, weight, 1, "in_features", input,
                                    -1, "in_features")) ||
      failed(shape::expectSameElementType(*this, weight, input)))
    return failure();
  if (!hasLoRA()) {
    if (getLoraScale())
      return emitOpError() << "has lora_scale but no LoRA operands";
    return success();
  }
  if (!getLoraScale())
    return emitOpError() << "has LoRA operands but no lora_scale (alpha / r)";
  auto a = named("lora_a", getLoraA());
  auto b = named("lora_b", getLoraB());
  if (failed(shape::expectRank(*this, a, 2, "[r, in]")) ||
      failed(shape::expectRank(*this, b, 2, "[out, r]")) ||
      failed(shape::expectDimsMatch(*this, a, 1, "in_features", weight, 1,
                                    "in_features")) ||
      failed(shape::expectDimsMatch(*this, b, 0, "out_features", weight, 0,
                                    "out_features")) ||
      failed(shape::expectDimsMatch(*this, b, 1, "rank", a, 0, "rank")))
    return failure();
  return success();
}

namespace {
/// A LoRA adapter scaled by 0 contributes nothing: drop it.
struct DropZeroScaleLoRA : OpRewritePattern<LinearOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LinearOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasLoRA() || !op.getLoraScale() ||
        !op.getLoraScale()->isZero())
      return rewriter.notifyMatchFailure(op, "no LoRA adapter scaled by 0");
    rewriter.replaceOpWithNewOp<LinearOp>(op, op.getInput(), op.getWeight(),
                                          /*lora_a=*/Value(),
                                          /*lora_b=*/Value(),
                                          /*lora_scale=*/FloatAttr());
    return success();
  }
};
} // namespace

void LinearOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<DropZeroScaleLoRA>(context);
}
