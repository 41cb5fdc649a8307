//===- ZenMoEGradOps.cpp - verifiers of the MoE backward ops ----------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

using namespace mlir;
using namespace mlir::zen;
using shape::named;

/// An optional gradient result `grad` named `gradName` has exactly the type of
/// its primal operand `primal` (named `primalName`), and exists only when the
/// primal does (the optional shared-expert weights).
static LogicalResult expectGradType(Operation *op, StringRef gradName,
                                    Value grad, StringRef primalName,
                                    Value primal) {
  if (!grad)
    return success();
  if (!primal)
    return op->emitOpError()
           << "expects no " << gradName << " without " << primalName;
  if (grad.getType() == primal.getType())
    return success();
  return op->emitOpError() << "expects " << gradName << " to have the type of "
                           << primalName << " " << primal.getType()
                           << ", found " << grad.getType();
}

/// The per-slot routing tensor `slots` [..., k] has `input`'s [..., H] leading
/// dims.
static LogicalResult expectSlotsOf(Operation *op, const shape::Named &slots,
                                   const shape::Named &input) {
  if (failed(shape::expectRank(op, slots, input.rank(), "[..., k]")))
    return failure();
  for (int64_t d = 0; d + 1 < input.rank(); ++d)
    if (failed(
            shape::expectDimsMatch(op, slots, d, "token", input, d, "token")))
      return failure();
  return success();
}

static LogicalResult expectSomeGrad(Operation *op, StringRef names) {
  for (Value v : op->getResults())
    if (v)
      return success();
  return op->emitOpError() << "expects at least one gradient result (" << names
                           << ")";
}

//===----------------------------------------------------------------------===//
// MoERouterGradOp
//===----------------------------------------------------------------------===//

LogicalResult MoERouterGradOp::verify() {
  auto input = named("input", getInput());
  auto router = named("router_w", getRouterW());
  auto indices = named("indices", getIndices());
  auto dw = named("weights_grad", getWeightsGrad());
  if (failed(shape::expectMinRank(*this, input, 1, "[..., H]")) ||
      failed(shape::expectRank(*this, router, 2, "[E, H]")) ||
      failed(shape::expectDimsMatch(*this, router, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectSameElementType(*this, router, input)) ||
      failed(expectSlotsOf(*this, indices, input)) ||
      failed(shape::expectSameShape(*this, dw, indices)))
    return failure();
  int64_t k = indices.dim(-1), experts = router.dim(0);
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(experts) &&
      k > experts)
    return emitOpError() << "expects indices dim " << indices.rank() - 1
                         << " (top_k) <= " << experts
                         << ", the number of experts (router_w dim 0), found "
                         << k;
  if (failed(expectSomeGrad(*this, "input_grad, router_w_grad")))
    return failure();
  return failure(failed(expectGradType(*this, "input_grad", getInputGrad(),
                                       "input", getInput())) ||
                 failed(expectGradType(*this, "router_w_grad", getRouterWGrad(),
                                       "router_w", getRouterW())));
}

//===----------------------------------------------------------------------===//
// MoEGradOp
//===----------------------------------------------------------------------===//

/// The optional shared expert (all four operands or none), shaped as in
/// zen.moe: shared_gate_w/shared_up_w [Is, H], shared_down_w [H, Is],
/// shared_expert_gate_w [1, H].
static LogicalResult verifySharedExpert(MoEGradOp op,
                                        const shape::Named &input) {
  unsigned present =
      (op.getSharedGateW() ? 1 : 0) + (op.getSharedUpW() ? 1 : 0) +
      (op.getSharedDownW() ? 1 : 0) + (op.getSharedExpertGateW() ? 1 : 0);
  if (present == 0)
    return success();
  if (present != 4)
    return op.emitOpError()
           << "expects all four shared-expert operands (shared_gate_w, "
              "shared_up_w, shared_down_w, shared_expert_gate_w) or none, "
              "found "
           << present;
  auto gate = named("shared_gate_w", op.getSharedGateW());
  auto up = named("shared_up_w", op.getSharedUpW());
  auto down = named("shared_down_w", op.getSharedDownW());
  auto scalarGate = named("shared_expert_gate_w", op.getSharedExpertGateW());
  Operation *o = op;
  if (failed(shape::expectRank(o, gate, 2, "[Is, H]")) ||
      failed(shape::expectRank(o, up, 2, "[Is, H]")) ||
      failed(shape::expectRank(o, down, 2, "[H, Is]")) ||
      failed(shape::expectRank(o, scalarGate, 2, "[1, H]")) ||
      failed(
          shape::expectDimsMatch(o, gate, 1, "hidden", input, -1, "hidden")) ||
      failed(shape::expectDimsMatch(o, up, 1, "hidden", input, -1, "hidden")) ||
      failed(
          shape::expectDimsMatch(o, down, 0, "hidden", input, -1, "hidden")) ||
      failed(shape::expectDimsMatch(o, scalarGate, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(o, up, 0, "shared_intermediate", gate, 0,
                                    "shared_intermediate")) ||
      failed(shape::expectDimsMatch(o, down, 1, "shared_intermediate", gate, 0,
                                    "shared_intermediate")) ||
      failed(shape::expectDimEquals(o, scalarGate, 0, "gate outputs", 1)))
    return failure();
  for (const shape::Named *w : {&gate, &up, &down, &scalarGate})
    if (failed(shape::expectSameElementType(o, *w, input)))
      return failure();
  return success();
}

LogicalResult MoEGradOp::verify() {
  auto input = named("input", getInput());
  auto weights = named("weights", getWeights());
  auto indices = named("indices", getIndices());
  auto gate = named("gate_w", getGateW());
  auto up = named("up_w", getUpW());
  auto down = named("down_w", getDownW());
  if (failed(shape::expectMinRank(*this, input, 1, "[..., H]")) ||
      failed(expectSlotsOf(*this, weights, input)) ||
      failed(shape::expectSameShape(*this, indices, weights)) ||
      failed(shape::expectRank(*this, gate, 3, "[E, I, H]")) ||
      failed(shape::expectRank(*this, up, 3, "[E, I, H]")) ||
      failed(shape::expectRank(*this, down, 3, "[E, H, I]")) ||
      failed(shape::expectDimsMatch(*this, gate, 2, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, up, 2, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, down, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, up, 0, "experts", gate, 0,
                                    "experts")) ||
      failed(shape::expectDimsMatch(*this, down, 0, "experts", gate, 0,
                                    "experts")) ||
      failed(shape::expectDimsMatch(*this, up, 1, "moe_intermediate", gate, 1,
                                    "moe_intermediate")) ||
      failed(shape::expectDimsMatch(*this, down, 2, "moe_intermediate", gate, 1,
                                    "moe_intermediate")))
    return failure();
  for (const shape::Named *w : {&gate, &up, &down})
    if (failed(shape::expectSameElementType(*this, *w, input)))
      return failure();
  if (failed(verifySharedExpert(*this, input)) ||
      failed(expectSomeGrad(*this, "input_grad, weights_grad, gate_w_grad, "
                                   "up_w_grad, down_w_grad, shared_*_grad")))
    return failure();
  struct Pair {
    StringRef gradName;
    Value grad;
    StringRef primalName;
    Value primal;
  };
  Pair pairs[] = {
      {"input_grad", getInputGrad(), "input", getInput()},
      {"weights_grad", getWeightsGrad(), "weights", getWeights()},
      {"gate_w_grad", getGateWGrad(), "gate_w", getGateW()},
      {"up_w_grad", getUpWGrad(), "up_w", getUpW()},
      {"down_w_grad", getDownWGrad(), "down_w", getDownW()},
      {"shared_gate_w_grad", getSharedGateWGrad(), "shared_gate_w",
       getSharedGateW()},
      {"shared_up_w_grad", getSharedUpWGrad(), "shared_up_w", getSharedUpW()},
      {"shared_down_w_grad", getSharedDownWGrad(), "shared_down_w",
       getSharedDownW()},
      {"shared_expert_gate_w_grad", getSharedExpertGateWGrad(),
       "shared_expert_gate_w", getSharedExpertGateW()}};
  for (const Pair &p : pairs)
    if (failed(
            expectGradType(*this, p.gradName, p.grad, p.primalName, p.primal)))
      return failure();
  return success();
}
