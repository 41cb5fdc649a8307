//===- DeltaNetOpsVJP.cpp - vector-Jacobian products of the Gated-DeltaNet ops ===//
//
// DifferentiableOpInterface models of causal_conv1d, gdn_gates,
// gated_delta_rule and gated_rms_norm, in the forms the model's forward uses
// (no conv state; an optional delta-rule initial state). Each builds the
// dedicated backward ops of ZenDeltaNetGradOps.td; parameter cotangents have
// their own ops, built only when wanted, so frozen weights cost nothing.
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/Autodiff.h"
#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::zen;

namespace {

/// A zero tensor of `like`'s type (a null cotangent made explicit where a
/// backward op needs one), its dynamic sizes read from `like`.
Value zerosLike(OpBuilder &b, Location loc, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  Value zero = arith::ConstantOp::create(
      b, loc, type.getElementType(),
      b.getFloatAttr(type.getElementType(), 0.0));
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamic.push_back(tensor::DimOp::create(b, loc, like, d));
  return tensor::SplatOp::create(b, loc, type, zero, dynamic);
}

bool any(ArrayRef<bool> flags) { return llvm::is_contained(flags, true); }

//===----------------------------------------------------------------------===//
// zen.causal_conv1d
//===----------------------------------------------------------------------===//

struct CausalConv1dVJP
    : DifferentiableOpInterface::ExternalModel<CausalConv1dVJP,
                                               CausalConv1dOp> {
  LogicalResult buildVJP(Operation *operation, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> needsGrad,
                         SmallVectorImpl<Value> &cotangents) const {
    auto op = cast<CausalConv1dOp>(operation);
    cotangents.assign(op->getNumOperands(), Value());
    if (!any(needsGrad))
      return success();
    if (op.getState())
      return op.emitOpError()
             << "cannot be differentiated with a conv state (decode form); "
                "differentiate the stateless prefill form";
    if (resultCotangents[1])
      return op.emitOpError() << "cannot be differentiated through new_state "
                                 "(only through out)";
    Activation act = op.getActivation();
    if (act != Activation::none && act != Activation::silu)
      return op.emitOpError() << "cannot be differentiated with activation "
                              << stringifyActivation(act)
                              << " (supported: none, silu)";
    Value dOut = resultCotangents[0];
    if (!dOut)
      return success(); // out unused: every cotangent is zero (left null)
    Location loc = op.getLoc();
    if (needsGrad[0])
      cotangents[0] = CausalConv1dGradOp::create(b, loc, op.getInput(),
                                                 op.getWeight(), dOut, act);
    if (needsGrad[1])
      cotangents[1] = CausalConv1dWeightGradOp::create(
          b, loc, op.getInput(), op.getWeight(), dOut, act);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gdn_gates
//===----------------------------------------------------------------------===//

struct GdnGatesVJP
    : DifferentiableOpInterface::ExternalModel<GdnGatesVJP, GdnGatesOp> {
  LogicalResult buildVJP(Operation *operation, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> needsGrad,
                         SmallVectorImpl<Value> &cotangents) const {
    auto op = cast<GdnGatesOp>(operation);
    cotangents.assign(op->getNumOperands(), Value());
    Value dg = resultCotangents[0], dBeta = resultCotangents[1];
    if (!dg && !dBeta)
      return success();
    Location loc = op.getLoc();
    if (needsGrad[0] || needsGrad[1]) {
      auto grad = GdnGatesGradOp::create(
          b, loc, op.getA(), op.getB(), op.getALog(), op.getDtBias(),
          dg ? dg : zerosLike(b, loc, op.getG()),
          dBeta ? dBeta : zerosLike(b, loc, op.getBeta()));
      if (needsGrad[0])
        cotangents[0] = grad.getAGrad();
      if (needsGrad[1])
        cotangents[1] = grad.getBGrad();
    }
    // A_log and dt_bias only reach g.
    if ((needsGrad[2] || needsGrad[3]) && dg) {
      auto grad = GdnGatesParamGradOp::create(b, loc, op.getA(), op.getALog(),
                                              op.getDtBias(), dg);
      if (needsGrad[2])
        cotangents[2] = grad.getALogGrad();
      if (needsGrad[3])
        cotangents[3] = grad.getDtBiasGrad();
    }
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gated_delta_rule
//===----------------------------------------------------------------------===//

struct GatedDeltaRuleVJP
    : DifferentiableOpInterface::ExternalModel<GatedDeltaRuleVJP,
                                               GatedDeltaRuleOp> {
  LogicalResult buildVJP(Operation *operation, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> needsGrad,
                         SmallVectorImpl<Value> &cotangents) const {
    auto op = cast<GatedDeltaRuleOp>(operation);
    cotangents.assign(op->getNumOperands(), Value());
    Value dOut = resultCotangents[0], dFinal = resultCotangents[1];
    if (!any(needsGrad) || (!dOut && !dFinal))
      return success();
    Location loc = op.getLoc();
    // Both modes compute the same function; the backward recomputes the
    // states chunk by chunk with the forward's chunk size.
    auto grad = GatedDeltaRuleGradOp::create(
        b, loc, op.getQ(), op.getK(), op.getV(), op.getG(), op.getBeta(),
        dOut ? dOut : zerosLike(b, loc, op.getOut()), op.getInitialState(),
        dFinal, op.getChunkSizeAttr(), op.getScaleAttr(),
        op.getUseQkL2normAttr());
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      if (needsGrad[i])
        cotangents[i] = grad->getResult(i);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gated_rms_norm
//===----------------------------------------------------------------------===//

struct GatedRMSNormVJP
    : DifferentiableOpInterface::ExternalModel<GatedRMSNormVJP,
                                               GatedRMSNormOp> {
  LogicalResult buildVJP(Operation *operation, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> needsGrad,
                         SmallVectorImpl<Value> &cotangents) const {
    auto op = cast<GatedRMSNormOp>(operation);
    cotangents.assign(op->getNumOperands(), Value());
    Value dOut = resultCotangents[0];
    if (!dOut)
      return success();
    Location loc = op.getLoc();
    if (needsGrad[0] || needsGrad[1]) {
      auto grad = GatedRMSNormGradOp::create(b, loc, op.getInput(),
                                             op.getGate(), op.getWeight(),
                                             dOut, op.getEpsAttr());
      if (needsGrad[0])
        cotangents[0] = grad.getInputGrad();
      if (needsGrad[1])
        cotangents[1] = grad.getGateGrad();
    }
    if (needsGrad[2])
      cotangents[2] = GatedRMSNormWeightGradOp::create(
          b, loc, op.getInput(), op.getGate(), op.getWeight(), dOut,
          op.getEpsAttr());
    return success();
  }
};

} // namespace

void mlir::zen::registerDeltaNetOpsVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, ZenDialect *) {
    CausalConv1dOp::attachInterface<CausalConv1dVJP>(*ctx);
    GdnGatesOp::attachInterface<GdnGatesVJP>(*ctx);
    GatedDeltaRuleOp::attachInterface<GatedDeltaRuleVJP>(*ctx);
    GatedRMSNormOp::attachInterface<GatedRMSNormVJP>(*ctx);
  });
}
