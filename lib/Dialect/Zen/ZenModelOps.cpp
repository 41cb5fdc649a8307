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
  return shape::verifyLastDimNorm(*this, getInput(), getWeight(),
                                  getEpsAttr());
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

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

// Tolerant on purpose: any table of rank >= 1 yields a type (its last dim is
// the hidden size), so that verify() can report a wrong table rank by name.
LogicalResult EmbeddingOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  auto ids = dyn_cast<RankedTensorType>(operands[0].getType());
  auto table = dyn_cast<RankedTensorType>(operands[1].getType());
  if (!ids || !table || table.getRank() < 1)
    return emitOptionalError(
        location, "zen.embedding expects ranked ids and a table [vocab, hidden]");
  SmallVector<int64_t> dims(ids.getShape());
  dims.push_back(table.getDimSize(table.getRank() - 1));
  inferred.push_back(RankedTensorType::get(dims, table.getElementType()));
  return success();
}

LogicalResult EmbeddingOp::verify() {
  return shape::expectRank(*this, named("table", getTable()), 2,
                           "[vocab, hidden]");
}

//===----------------------------------------------------------------------===//
// RoPEOp
//===----------------------------------------------------------------------===//

LogicalResult RoPEOp::verify() {
  auto input = named("input", getInput());
  auto positions = named("positions", getPositions());
  if (failed(shape::expectRank(*this, input, 4,
                               "[batch, seq, heads, head_dim]")) ||
      failed(shape::expectRank(*this, positions, 2, "[batch, seq]")) ||
      failed(shape::expectDimsMatch(*this, positions, 0, "batch", input, 0,
                                    "batch")) ||
      failed(shape::expectDimsMatch(*this, positions, 1, "seq", input, 1,
                                    "seq")))
    return failure();
  int64_t rotaryDim = getRotaryDim();
  if (rotaryDim <= 0)
    return emitOpError() << "expects rotary_dim > 0, found " << rotaryDim;
  // rotate_half pairs lane i with lane i + rotary_dim / 2.
  if (rotaryDim % 2 != 0)
    return emitOpError() << "expects an even rotary_dim (rotate_half pairs "
                            "lane i with lane i + rotary_dim / 2), found "
                         << rotaryDim;
  int64_t headDim = input.dim(3);
  if (!ShapedType::isDynamic(headDim) && rotaryDim > headDim)
    return emitOpError() << "expects rotary_dim <= input dim 3 (head_dim): "
                            "expected at most "
                         << headDim << ", found " << rotaryDim;
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError() << "expects theta > 0, found " << getThetaAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// MLPOp
//===----------------------------------------------------------------------===//

LogicalResult MLPOp::verify() {
  auto input = named("input", getInput());
  auto gate = named("gate_weight", getGateWeight());
  auto up = named("up_weight", getUpWeight());
  auto down = named("down_weight", getDownWeight());
  if (failed(shape::expectMinRank(*this, input, 1, "[..., hidden]")) ||
      failed(shape::expectRank(*this, gate, 2, "[intermediate, hidden]")) ||
      failed(shape::expectRank(*this, up, 2, "[intermediate, hidden]")) ||
      failed(shape::expectRank(*this, down, 2, "[hidden, intermediate]")) ||
      failed(shape::expectDimsMatch(*this, gate, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, up, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, up, 0, "intermediate", gate, 0,
                                    "intermediate")) ||
      failed(shape::expectDimsMatch(*this, down, 0, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, down, 1, "intermediate", gate, 0,
                                    "intermediate")) ||
      failed(shape::expectSameElementType(*this, gate, input)) ||
      failed(shape::expectSameElementType(*this, up, input)) ||
      failed(shape::expectSameElementType(*this, down, input)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// LMHeadOp
//===----------------------------------------------------------------------===//

// Tolerant like EmbeddingOp: a weight of any rank >= 1 gives V = its dim 0,
// and verify() names a wrong weight rank.
LogicalResult LMHeadOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  auto input = dyn_cast<RankedTensorType>(operands[0].getType());
  auto weight = dyn_cast<RankedTensorType>(operands[1].getType());
  if (!input || !weight || input.getRank() < 1 || weight.getRank() < 1)
    return emitOptionalError(
        location,
        "zen.lm_head expects input [..., hidden] and weight [vocab, hidden]");
  inferred.push_back(shape::withDim(input, -1, weight.getDimSize(0)));
  return success();
}

LogicalResult LMHeadOp::verify() {
  auto input = named("input", getInput());
  auto weight = named("weight", getWeight());
  if (failed(shape::expectRank(*this, weight, 2, "[vocab, hidden]")) ||
      failed(shape::expectDimsMatch(*this, weight, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectSameElementType(*this, weight, input)))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// L2NormOp
//===----------------------------------------------------------------------===//

LogicalResult L2NormOp::verify() {
  if (failed(shape::expectMinRank(*this, named("input", getInput()), 1,
                                  "[..., D]")))
    return failure();
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError() << "expects eps > 0, found " << getEpsAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// MaskPaddingOp
//===----------------------------------------------------------------------===//

LogicalResult MaskPaddingOp::verify() {
  auto input = named("input", getInput());
  auto mask = named("mask", getMask());
  if (failed(shape::expectMinRank(*this, input, 2, "[batch, seq, ...]")) ||
      failed(shape::expectRank(*this, mask, 2, "[batch, seq]")) ||
      failed(shape::expectDimsMatch(*this, mask, 0, "batch", input, 0,
                                    "batch")) ||
      failed(shape::expectDimsMatch(*this, mask, 1, "seq", input, 1, "seq")))
    return failure();
  return success();
}
