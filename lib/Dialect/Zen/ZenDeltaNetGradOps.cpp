//===- ZenDeltaNetGradOps.cpp - verifiers of the DeltaNet backward ops ----------===//
//
// The backward ops take their forward op's operands plus cotangents, so their
// checks repeat the forward op's (same messages) and add the cotangents'.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::zen;
using shape::named;

/// The input, weight and activation of a causal_conv1d backward op: the
/// forward op's checks (stateless form) and an activation the backward
/// supports.
static LogicalResult verifyConvGrad(Operation *op, Value inputValue,
                                    Value weightValue, Activation activation) {
  auto input = named("input", inputValue);
  auto weight = named("weight", weightValue);
  if (failed(shape::expectRank(op, input, 3, "[B, T, C]")) ||
      failed(shape::expectRank(op, weight, 3, "[C, 1, K]")) ||
      failed(shape::expectSameElementType(op, weight, input)) ||
      failed(shape::expectDimsMatch(op, weight, 0, "C", input, 2, "C")) ||
      failed(shape::expectDimEquals(op, weight, 1, "depthwise", 1)))
    return failure();
  if (activation != Activation::none && activation != Activation::silu)
    return op->emitOpError() << "expects activation none or silu, found "
                             << stringifyActivation(activation);
  return success();
}

LogicalResult CausalConv1dGradOp::verify() {
  return verifyConvGrad(*this, getInput(), getWeight(), getActivation());
}

LogicalResult CausalConv1dWeightGradOp::verify() {
  return verifyConvGrad(*this, getInput(), getWeight(), getActivation());
}

/// a [B, T, Hv], A_log and dt_bias [Hv], and the f32 cotangent dg of g.
static LogicalResult verifyGatesGrad(Operation *op, Value aValue,
                                     Value aLogValue, Value dtBiasValue,
                                     Value gGradValue) {
  auto a = named("a", aValue);
  auto aLog = named("A_log", aLogValue);
  auto dtBias = named("dt_bias", dtBiasValue);
  auto gGrad = named("g_grad", gGradValue);
  if (failed(shape::expectRank(op, a, 3, "[B, T, Hv]")) ||
      failed(shape::expectRank(op, aLog, 1, "[Hv]")) ||
      failed(shape::expectRank(op, dtBias, 1, "[Hv]")) ||
      failed(shape::expectDimsMatch(op, aLog, 0, "Hv", a, 2, "Hv")) ||
      failed(shape::expectDimsMatch(op, dtBias, 0, "Hv", a, 2, "Hv")) ||
      failed(shape::expectSameShape(op, gGrad, a)))
    return failure();
  return success();
}

LogicalResult GdnGatesGradOp::verify() {
  // b, a_grad, b_grad have a's type and beta_grad g_grad's (ODS traits).
  return verifyGatesGrad(*this, getA(), getALog(), getDtBias(), getGGrad());
}

LogicalResult GdnGatesParamGradOp::verify() {
  return verifyGatesGrad(*this, getA(), getALog(), getDtBias(), getGGrad());
}

//===----------------------------------------------------------------------===//
// GatedDeltaRuleGradOp
//===----------------------------------------------------------------------===//

LogicalResult GatedDeltaRuleGradOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  if (operands.size() < 6)
    return emitOptionalError(location, "zen.gated_delta_rule_grad expects q, "
                                       "k, v, g, beta and out_grad");
  // One cotangent per primal input, of its type.
  for (Value primal : {adaptor.getQ(), adaptor.getK(), adaptor.getV(),
                       adaptor.getG(), adaptor.getBeta()})
    inferred.push_back(primal.getType());
  if (Value state = adaptor.getInitialState())
    inferred.push_back(state.getType());
  (void)context;
  return success();
}

std::optional<double> GatedDeltaRuleGradOp::getScaleValue() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  RankedTensorType q = getQ().getType();
  int64_t dk = q.getRank() == 4 ? q.getDimSize(3) : ShapedType::kDynamic;
  if (ShapedType::isDynamic(dk) || dk <= 0)
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(dk));
}

LogicalResult GatedDeltaRuleGradOp::verify() {
  // out_grad has v's type (ODS trait); the results are checked against the
  // inferred types.
  auto q = named("q", getQ());
  auto k = named("k", getK());
  auto v = named("v", getV());
  auto g = named("g", getG());
  auto beta = named("beta", getBeta());
  if (failed(shape::expectRank(*this, q, 4, "[B, T, Hk, dk]")) ||
      failed(shape::expectRank(*this, k, 4, "[B, T, Hk, dk]")) ||
      failed(shape::expectRank(*this, v, 4, "[B, T, Hv, dv]")) ||
      failed(shape::expectRank(*this, g, 3, "[B, T, Hv]")) ||
      failed(shape::expectRank(*this, beta, 3, "[B, T, Hv]")) ||
      failed(shape::expectSameElementType(*this, k, q)) ||
      failed(shape::expectSameElementType(*this, v, q)) ||
      failed(shape::expectDimsMatch(*this, k, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, k, 1, "T", q, 1, "T")) ||
      failed(shape::expectDimsMatch(*this, k, 2, "Hk", q, 2, "Hk")) ||
      failed(shape::expectDimsMatch(*this, k, 3, "dk", q, 3, "dk")) ||
      failed(shape::expectDimsMatch(*this, v, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, v, 1, "T", q, 1, "T")) ||
      failed(shape::expectDimDivisibleBy(*this, v, 2, "Hv", q.dim(2),
                                         "q dim 2 (Hk)")) ||
      failed(shape::expectDimsMatch(*this, g, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, g, 1, "T", q, 1, "T")) ||
      failed(shape::expectDimsMatch(*this, g, 2, "Hv", v, 2, "Hv")) ||
      failed(shape::expectSameShape(*this, beta, g)))
    return failure();
  auto checkState = [&](StringRef name, Value value) -> LogicalResult {
    if (!value)
      return success();
    auto state = named(name, value);
    if (failed(shape::expectRank(*this, state, 4, "[B, Hv, dk, dv]")) ||
        failed(shape::expectDimsMatch(*this, state, 0, "B", q, 0, "B")) ||
        failed(shape::expectDimsMatch(*this, state, 1, "Hv", v, 2, "Hv")) ||
        failed(shape::expectDimsMatch(*this, state, 2, "dk", q, 3, "dk")) ||
        failed(shape::expectDimsMatch(*this, state, 3, "dv", v, 3, "dv")))
      return failure();
    return success();
  };
  if (failed(checkState("initial_state", getInitialState())) ||
      failed(checkState("final_state_grad", getFinalStateGrad())))
    return failure();
  if (getChunkSize() <= 0)
    return emitOpError() << "expects chunk_size > 0, found " << getChunkSize();
  if (std::optional<APFloat> scale = getScale();
      scale && !(scale->convertToDouble() > 0.0))
    return emitOpError() << "expects scale > 0, found " << getScaleAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// GatedRMSNormGradOp, GatedRMSNormWeightGradOp
//===----------------------------------------------------------------------===//

LogicalResult GatedRMSNormGradOp::verify() {
  // gate, out_grad and the results have input's type (ODS trait).
  return shape::verifyLastDimNorm(*this, getInput(), getWeight(),
                                  getEpsAttr());
}

LogicalResult GatedRMSNormWeightGradOp::verify() {
  return shape::verifyLastDimNorm(*this, getInput(), getWeight(),
                                  getEpsAttr());
}
