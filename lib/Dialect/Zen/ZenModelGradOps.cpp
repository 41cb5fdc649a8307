//===- ZenModelGradOps.cpp - verifiers of the Model backward ops ----------===//
//
// Every backward op checks its primal operands exactly as the forward op
// does (same messages), then that `output_grad` has the forward result's
// shape and that each present `*_grad` result has the type of the operand
// it differentiates.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace mlir::zen;
using shape::named;

/// A present gradient result has exactly the type of its primal operand.
static LogicalResult expectGradType(Operation *op, StringRef resultName,
                                    Value result, StringRef operandName,
                                    Value operand) {
  if (!result || result.getType() == operand.getType())
    return success();
  return op->emitOpError() << "expects " << resultName << " to have the type of "
                           << operandName << ": expected " << operand.getType()
                           << ", found " << result.getType();
}

/// A backward op with no result computes nothing: reject it.
static LogicalResult expectSomeResult(Operation *op) {
  if (op->getNumResults() != 0)
    return success();
  return op->emitOpError() << "expects at least one gradient result";
}

/// `output_grad` has the forward result's type `expected` (dynamic dims on
/// either side match anything).
static LogicalResult expectOutputGradShape(Operation *op, Value outputGrad,
                                           RankedTensorType expected) {
  auto dy = named("output_grad", outputGrad);
  if (dy.type.getElementType() != expected.getElementType() ||
      dy.rank() != expected.getRank() ||
      failed(verifyCompatibleShape(dy.type.getShape(), expected.getShape())))
    return op->emitOpError()
           << "expects output_grad to have the shape and element type of the "
              "forward result: expected "
           << expected << ", found " << dy.type;
  return success();
}

//===----------------------------------------------------------------------===//
// LinearGradOp
//===----------------------------------------------------------------------===//

LogicalResult LinearGradOp::verify() {
  auto input = named("input", getInput());
  auto weight = named("weight", getWeight());
  if (failed(expectSomeResult(*this)) ||
      failed(shape::expectMinRank(*this, input, 1, "[..., in]")) ||
      failed(shape::expectRank(*this, weight, 2, "[out, in]")) ||
      failed(shape::expectDimsMatch(*this, weight, 1, "in_features", input,
                                    -1, "in_features")) ||
      failed(shape::expectSameElementType(*this, weight, input)) ||
      failed(expectOutputGradShape(
          *this, getOutputGrad(),
          shape::withDim(input.type, -1, weight.dim(0)))))
    return failure();
  if (!hasLoRA()) {
    if (getLoraScale())
      return emitOpError() << "has lora_scale but no LoRA operands";
    if (getLoraAGrad() || getLoraBGrad())
      return emitOpError() << "has LoRA gradient results but no LoRA operands";
  } else {
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
        failed(shape::expectDimsMatch(*this, b, 1, "rank", a, 0, "rank")) ||
        failed(expectGradType(*this, "lora_a_grad", getLoraAGrad(), "lora_a",
                              getLoraA())) ||
        failed(expectGradType(*this, "lora_b_grad", getLoraBGrad(), "lora_b",
                              getLoraB())))
      return failure();
  }
  return failure(
      failed(expectGradType(*this, "input_grad", getInputGrad(), "input",
                            getInput())) ||
      failed(expectGradType(*this, "weight_grad", getWeightGrad(), "weight",
                            getWeight())));
}

//===----------------------------------------------------------------------===//
// RMSNormGradOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormGradOp::verify() {
  if (failed(expectSomeResult(*this)) ||
      failed(shape::verifyLastDimNorm(*this, getInput(), getWeight(),
                                      getEpsAttr())) ||
      failed(expectOutputGradShape(*this, getOutputGrad(),
                                   getInput().getType())) ||
      failed(expectGradType(*this, "input_grad", getInputGrad(), "input",
                            getInput())) ||
      failed(expectGradType(*this, "weight_grad", getWeightGrad(), "weight",
                            getWeight())))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// L2NormGradOp
//===----------------------------------------------------------------------===//

LogicalResult L2NormGradOp::verify() {
  if (failed(shape::expectMinRank(*this, named("input", getInput()), 1,
                                  "[..., D]")))
    return failure();
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError() << "expects eps > 0, found " << getEpsAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingGradOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingGradOp::verify() {
  auto table = named("table", getTable());
  if (failed(shape::expectRank(*this, table, 2, "[vocab, hidden]")))
    return failure();
  auto ids = cast<RankedTensorType>(getIds().getType());
  SmallVector<int64_t> dims(ids.getShape());
  dims.push_back(table.dim(1));
  return expectOutputGradShape(
      *this, getOutputGrad(),
      RankedTensorType::get(dims, table.type.getElementType()));
}

//===----------------------------------------------------------------------===//
// RoPEGradOp
//===----------------------------------------------------------------------===//

LogicalResult RoPEGradOp::verify() {
  auto dy = named("output_grad", getOutputGrad());
  auto positions = named("positions", getPositions());
  if (failed(shape::expectRank(*this, dy, 4,
                               "[batch, seq, heads, head_dim]")) ||
      failed(shape::expectRank(*this, positions, 2, "[batch, seq]")) ||
      failed(shape::expectDimsMatch(*this, positions, 0, "batch", dy, 0,
                                    "batch")) ||
      failed(shape::expectDimsMatch(*this, positions, 1, "seq", dy, 1,
                                    "seq")))
    return failure();
  int64_t rotaryDim = getRotaryDim();
  if (rotaryDim <= 0)
    return emitOpError() << "expects rotary_dim > 0, found " << rotaryDim;
  if (rotaryDim % 2 != 0)
    return emitOpError() << "expects an even rotary_dim (rotate_half pairs "
                            "lane i with lane i + rotary_dim / 2), found "
                         << rotaryDim;
  int64_t headDim = dy.dim(3);
  if (!ShapedType::isDynamic(headDim) && rotaryDim > headDim)
    return emitOpError() << "expects rotary_dim <= output_grad dim 3 "
                            "(head_dim): expected at most "
                         << headDim << ", found " << rotaryDim;
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError() << "expects theta > 0, found " << getThetaAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// SwiGLUGradOp
//===----------------------------------------------------------------------===//

LogicalResult SwiGLUGradOp::verify() {
  return failure(
      failed(expectSomeResult(*this)) ||
      failed(expectGradType(*this, "gate_grad", getGateGrad(), "gate",
                            getGate())) ||
      failed(expectGradType(*this, "up_grad", getUpGrad(), "up", getUp())));
}

//===----------------------------------------------------------------------===//
// AttentionGradOp
//===----------------------------------------------------------------------===//

std::optional<double> AttentionGradOp::getScaleValue() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  RankedTensorType q = getQ().getType();
  int64_t hd = q.getRank() == 4 ? q.getDimSize(3) : ShapedType::kDynamic;
  if (ShapedType::isDynamic(hd) || hd <= 0)
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(hd));
}

LogicalResult AttentionGradOp::verify() {
  auto q = named("q", getQ());
  auto k = named("k", getK());
  auto v = named("v", getV());
  if (failed(expectSomeResult(*this)) ||
      failed(shape::expectRank(*this, q, 4, "[B, T, nh, hd]")) ||
      failed(shape::expectRank(*this, k, 4, "[B, S, nkv, hd]")) ||
      failed(shape::expectRank(*this, v, 4, "[B, S, nkv, hd]")) ||
      failed(shape::expectSameElementType(*this, k, q)) ||
      failed(shape::expectSameElementType(*this, v, q)) ||
      failed(shape::expectDimsMatch(*this, k, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, v, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, v, 1, "S", k, 1, "S")) ||
      failed(shape::expectDimsMatch(*this, v, 2, "nkv", k, 2, "nkv")) ||
      failed(shape::expectDimsMatch(*this, k, 3, "hd", q, 3, "hd")) ||
      failed(shape::expectDimsMatch(*this, v, 3, "hd", q, 3, "hd")) ||
      failed(shape::expectDimDivisibleBy(*this, q, 2, "nh", k.dim(2),
                                         "k dim 2 (nkv)")))
    return failure();
  if (getMask()) {
    auto mask = named("mask", getMask());
    if (failed(shape::expectRank(*this, mask, 2, "[B, S]")) ||
        failed(shape::expectDimsMatch(*this, mask, 0, "B", q, 0, "B")) ||
        failed(shape::expectDimsMatch(*this, mask, 1, "S", k, 1, "S")))
      return failure();
  }
  if (std::optional<APFloat> scale = getScale())
    if (!(scale->convertToDouble() > 0.0))
      return emitOpError() << "expects scale > 0, found " << getScaleAttr();
  if (getGateGrad() && !getGate())
    return emitOpError() << "has a gate_grad result but no gate operand";
  return failure(
      failed(expectGradType(*this, "q_grad", getQGrad(), "q", getQ())) ||
      failed(expectGradType(*this, "k_grad", getKGrad(), "k", getK())) ||
      failed(expectGradType(*this, "v_grad", getVGrad(), "v", getV())) ||
      (getGate() && failed(expectGradType(*this, "gate_grad", getGateGrad(),
                                          "gate", getGate()))));
}
