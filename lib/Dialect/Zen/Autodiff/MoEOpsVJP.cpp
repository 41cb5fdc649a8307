//===- MoEOpsVJP.cpp - vector-Jacobian products of the MoE ops ===//
//
// Backward of the softmax router and the sparse MoE block, as torch autograd
// differentiates HF's Qwen3MoeSparseMoeBlock / Qwen3NextSparseMoeBlock: the
// top-k indices are piecewise constant (no gradient); gradients flow through
// the selected routing weights (softmax over all experts, then the optional
// renormalisation) into the router logits, and through each selected expert
// and the gated shared expert. The heavy lifting is in two backward ops
// (dialects/Zen/ZenMoEGradOps.td):
//   zen.moe_router_grad  routing-weight cotangent -> input, router_w
//   zen.moe_grad         output cotangent -> input, routing weights, experts,
//                        shared expert (given the forward's routing)
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/Autodiff.h"
#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::zen;

namespace {

/// The requested type when `wanted`, else a null type (an absent optional
/// result of a backward op).
Type typeIf(bool wanted, Value primal) {
  return wanted && primal ? primal.getType() : Type();
}

/// The router backward for the cotangent `dWeights` of the routing weights;
/// fills the cotangents of `input` and `routerW` as `needInput` /
/// `needRouter` ask (null otherwise).
void buildRouterGrad(OpBuilder &b, Location loc, Value input, Value routerW,
                     Value indices, Value dWeights, bool normTopK,
                     bool needInput, bool needRouter, Value &dInput,
                     Value &dRouter) {
  dInput = dRouter = Value();
  if (!dWeights || (!needInput && !needRouter))
    return;
  auto grad = MoERouterGradOp::create(
      b, loc, typeIf(needInput, input), typeIf(needRouter, routerW), input,
      routerW, indices, dWeights, normTopK ? b.getUnitAttr() : UnitAttr());
  dInput = grad.getInputGrad();
  dRouter = grad.getRouterWGrad();
}

// weights, indices = moe_router(x, W): only `weights` carries a cotangent.
struct MoERouterVJP
    : DifferentiableOpInterface::ExternalModel<MoERouterVJP, MoERouterOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> operandNeedsGrad,
                         SmallVectorImpl<Value> &operandCotangents) const {
    auto router = cast<MoERouterOp>(op);
    operandCotangents.assign(op->getNumOperands(), Value());
    Value dInput, dRouter;
    buildRouterGrad(b, op->getLoc(), router.getInput(), router.getRouterW(),
                    router.getIndices(), resultCotangents[0],
                    router.getNormTopkProb(), operandNeedsGrad[0],
                    operandNeedsGrad[1], dInput, dRouter);
    operandCotangents[0] = dInput;
    operandCotangents[1] = dRouter;
    return success();
  }
};

// y = moe(x, router_w, experts..., shared...): recompute the routing with
// zen.moe_router (its indices fix the piecewise-constant selection), run
// zen.moe_grad for the experts and the shared expert, and, when x or router_w
// wants a gradient, zen.moe_router_grad on the routing weights' cotangent.
struct MoEVJP : DifferentiableOpInterface::ExternalModel<MoEVJP, MoEOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b,
                         ValueRange resultCotangents,
                         ArrayRef<bool> operandNeedsGrad,
                         SmallVectorImpl<Value> &operandCotangents) const {
    auto moe = cast<MoEOp>(op);
    Location loc = op->getLoc();
    operandCotangents.assign(op->getNumOperands(), Value());
    Value dy = resultCotangents[0];
    if (!dy || llvm::none_of(operandNeedsGrad, [](bool n) { return n; }))
      return success();

    // Operands in ODS order: input, router_w, gate_w, up_w, down_w, then the
    // four shared-expert operands when present (all or none).
    auto need = [&](unsigned i) {
      return i < operandNeedsGrad.size() && operandNeedsGrad[i];
    };
    bool needInput = need(0), needRouter = need(1);
    bool needRouting = needInput || needRouter;

    auto routing = MoERouterOp::create(b, loc, moe.getInput(), moe.getRouterW(),
                                       moe.getTopK(), moe.getNormTopkProb());
    Value weights = routing.getWeights(), indices = routing.getIndices();
    auto grad = MoEGradOp::create(
        b, loc, typeIf(needInput, moe.getInput()), typeIf(needRouting, weights),
        typeIf(need(2), moe.getGateW()), typeIf(need(3), moe.getUpW()),
        typeIf(need(4), moe.getDownW()), typeIf(need(5), moe.getSharedGateW()),
        typeIf(need(6), moe.getSharedUpW()),
        typeIf(need(7), moe.getSharedDownW()),
        typeIf(need(8), moe.getSharedExpertGateW()), moe.getInput(), weights,
        indices, moe.getGateW(), moe.getUpW(), moe.getDownW(), dy,
        moe.getSharedGateW(), moe.getSharedUpW(), moe.getSharedDownW(),
        moe.getSharedExpertGateW());

    Value dInputRouter, dRouter;
    buildRouterGrad(b, loc, moe.getInput(), moe.getRouterW(), indices,
                    grad.getWeightsGrad(), moe.getNormTopkProb(), needInput,
                    needRouter, dInputRouter, dRouter);
    Value dInput = grad.getInputGrad();
    if (dInput && dInputRouter)
      dInput = arith::AddFOp::create(b, loc, dInput, dInputRouter);

    // One cotangent per operand use (the caller sums the uses of a value).
    Value perOperand[] = {dInput,
                          dRouter,
                          grad.getGateWGrad(),
                          grad.getUpWGrad(),
                          grad.getDownWGrad(),
                          grad.getSharedGateWGrad(),
                          grad.getSharedUpWGrad(),
                          grad.getSharedDownWGrad(),
                          grad.getSharedExpertGateWGrad()};
    for (unsigned i = 0; i < op->getNumOperands(); ++i)
      operandCotangents[i] = perOperand[i];
    return success();
  }
};

} // namespace

void mlir::zen::registerMoEOpsVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, ZenDialect *) {
    MoERouterOp::attachInterface<MoERouterVJP>(*ctx);
    MoEOp::attachInterface<MoEVJP>(*ctx);
  });
}
