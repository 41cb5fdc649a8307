//===- TrainOpsVJP.cpp - vector-Jacobian products of the training ops ===//
//
// The selective log-prob and the two policy losses (gspo-training.md §2,
// §4, §5). Only `logp` (and, through zen.token_logprobs, the hidden states
// and the LM head) carry gradient: old_logp and ref_logp are detached, token
// ids and masks are not differentiable, and the logged statistics
// (mean_ratio, clip_fraction) are detached like TRL's metrics, so their
// cotangents are ignored.
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/Autodiff.h"
#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::zen;

namespace {

// d hidden and/or d lm_head_w through zen.token_logprobs_grad, which
// recomputes the logits tile by tile (whole, with materialize_logits);
// targets get none.
struct TokenLogprobsVJP
    : DifferentiableOpInterface::ExternalModel<TokenLogprobsVJP,
                                               TokenLogprobsOp> {
  LogicalResult buildVJP(Operation *operation, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> operandNeedsGrad,
                         SmallVectorImpl<Value> &operandCotangents) const {
    auto op = cast<TokenLogprobsOp>(operation);
    operandCotangents.assign(operation->getNumOperands(), Value());
    bool wantHidden = operandNeedsGrad[0], wantHead = operandNeedsGrad[1];
    if (!resultCotangents[0] || (!wantHidden && !wantHead))
      return success();
    auto grad = TokenLogprobsGradOp::create(
        b, op.getLoc(), wantHidden ? op.getHidden().getType() : Type(),
        wantHead ? op.getLmHeadW().getType() : Type(), op.getHidden(),
        op.getLmHeadW(), op.getTargets(), op.getLogp(), resultCotangents[0],
        op.getTemperatureAttr(), op.getMaterializeLogitsAttr());
    if (wantHidden)
      operandCotangents[0] = grad.getHiddenGrad();
    if (wantHead)
      operandCotangents[1] = grad.getLmHeadWGrad();
    return success();
  }
};

// d logp only (operand 0); old_logp, advantages and mask get none.
struct GspoLossVJP
    : DifferentiableOpInterface::ExternalModel<GspoLossVJP, GspoLossOp> {
  LogicalResult buildVJP(Operation *operation, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> operandNeedsGrad,
                         SmallVectorImpl<Value> &operandCotangents) const {
    auto op = cast<GspoLossOp>(operation);
    operandCotangents.assign(operation->getNumOperands(), Value());
    if (!operandNeedsGrad[0] || !resultCotangents[0])
      return success();
    operandCotangents[0] = GspoLossGradOp::create(
        b, op.getLoc(), resultCotangents[0], op.getLogp(), op.getOldLogp(),
        op.getAdvantages(), op.getMask(), op.getEpsLowAttr(),
        op.getEpsHighAttr(), op.getLevelAttr());
    return success();
  }
};

struct GrpoLossVJP
    : DifferentiableOpInterface::ExternalModel<GrpoLossVJP, GrpoLossOp> {
  LogicalResult buildVJP(Operation *operation, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> operandNeedsGrad,
                         SmallVectorImpl<Value> &operandCotangents) const {
    auto op = cast<GrpoLossOp>(operation);
    operandCotangents.assign(operation->getNumOperands(), Value());
    if (!operandNeedsGrad[0] || !resultCotangents[0])
      return success();
    operandCotangents[0] = GrpoLossGradOp::create(
        b, op.getLoc(), resultCotangents[0], op.getLogp(), op.getOldLogp(),
        op.getAdvantages(), op.getMask(), op.getRefLogp(), op.getEpsLowAttr(),
        op.getEpsHighAttr(), op.getBetaAttr(), op.getLossTypeAttr(),
        op.getMaxCompletionLengthAttr());
    return success();
  }
};

} // namespace

void mlir::zen::registerTrainOpsVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, ZenDialect *) {
    TokenLogprobsOp::attachInterface<TokenLogprobsVJP>(*ctx);
    GspoLossOp::attachInterface<GspoLossVJP>(*ctx);
    GrpoLossOp::attachInterface<GrpoLossVJP>(*ctx);
  });
}
