//===- ZenMoEOps.cpp - verifiers and shape inference for MoE ops ----------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

using namespace mlir;
using namespace mlir::zen;
using shape::named;

/// 0 < top_k <= E. E is router_w dim 0 and may be dynamic, in which case only
/// the lower bound can be checked here.
static LogicalResult verifyTopK(Operation *op, int64_t topK,
                                const shape::Named &router) {
  if (topK <= 0)
    return op->emitOpError() << "expects top_k > 0, found " << topK;
  int64_t experts = router.dim(0);
  if (!ShapedType::isDynamic(experts) && topK > experts)
    return op->emitOpError()
           << "expects top_k <= " << experts << ", the number of experts ("
           << router.name << " dim 0), found " << topK;
  return success();
}

//===----------------------------------------------------------------------===//
// MoERouterOp
//===----------------------------------------------------------------------===//

LogicalResult MoERouterOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto input = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
  if (!input || input.getRank() < 1)
    return emitOptionalError(location, "zen.moe_router expects input [..., H]");
  // The custom parser infers types before it moves the parsed attributes
  // into properties, so top_k may still be in the attribute dictionary.
  IntegerAttr topK = adaptor.getTopKAttr();
  if (!topK && attributes)
    topK = dyn_cast_or_null<IntegerAttr>(attributes.get("top_k"));
  // A missing or non-positive top_k is reported by the verifier; infer a
  // dynamic slot count so that the op can still be built and verified.
  int64_t slots =
      topK && topK.getInt() > 0 ? topK.getInt() : ShapedType::kDynamic;
  RankedTensorType perSlot = shape::withDim(input, -1, slots);
  inferred.push_back(perSlot.clone(Float32Type::get(context)));
  inferred.push_back(perSlot.clone(IntegerType::get(context, 64)));
  return success();
}

LogicalResult MoERouterOp::verify() {
  auto input = named("input", getInput());
  auto router = named("router_w", getRouterW());
  if (failed(shape::expectMinRank(*this, input, 1, "[..., H]")) ||
      failed(shape::expectRank(*this, router, 2, "[E, H]")) ||
      failed(shape::expectDimsMatch(*this, router, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectSameElementType(*this, router, input)))
    return failure();
  return verifyTopK(*this, getTopK(), router);
}

//===----------------------------------------------------------------------===//
// MoEOp
//===----------------------------------------------------------------------===//

/// Checks the optional Qwen3-Next shared expert against the hidden size of
/// `input`: shared_gate_w/shared_up_w [Is, H], shared_down_w [H, Is],
/// shared_expert_gate_w [1, H].
static LogicalResult verifySharedExpert(MoEOp op, const shape::Named &input) {
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
      // One scalar gate per token: sigmoid(h · shared_expert_gate_wᵀ).
      failed(shape::expectDimEquals(o, scalarGate, 0, "gate outputs", 1)))
    return failure();
  for (const shape::Named *w : {&gate, &up, &down, &scalarGate})
    if (failed(shape::expectSameElementType(o, *w, input)))
      return failure();
  return success();
}

LogicalResult MoEOp::verify() {
  auto input = named("input", getInput());
  auto router = named("router_w", getRouterW());
  auto gate = named("gate_w", getGateW());
  auto up = named("up_w", getUpW());
  auto down = named("down_w", getDownW());
  if (failed(shape::expectMinRank(*this, input, 1, "[..., H]")) ||
      failed(shape::expectRank(*this, router, 2, "[E, H]")) ||
      failed(shape::expectRank(*this, gate, 3, "[E, I, H]")) ||
      failed(shape::expectRank(*this, up, 3, "[E, I, H]")) ||
      failed(shape::expectRank(*this, down, 3, "[E, H, I]")) ||
      // Hidden size: every weight's H against the activations.
      failed(shape::expectDimsMatch(*this, router, 1, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, gate, 2, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, up, 2, "hidden", input, -1,
                                    "hidden")) ||
      failed(shape::expectDimsMatch(*this, down, 1, "hidden", input, -1,
                                    "hidden")) ||
      // Expert count: the stacked expert weights against the router.
      failed(shape::expectDimsMatch(*this, gate, 0, "experts", router, 0,
                                    "experts")) ||
      failed(shape::expectDimsMatch(*this, up, 0, "experts", router, 0,
                                    "experts")) ||
      failed(shape::expectDimsMatch(*this, down, 0, "experts", router, 0,
                                    "experts")) ||
      // Expert width I (moe_intermediate_size).
      failed(shape::expectDimsMatch(*this, up, 1, "moe_intermediate", gate, 1,
                                    "moe_intermediate")) ||
      failed(shape::expectDimsMatch(*this, down, 2, "moe_intermediate", gate, 1,
                                    "moe_intermediate")))
    return failure();
  for (const shape::Named *w : {&router, &gate, &up, &down})
    if (failed(shape::expectSameElementType(*this, *w, input)))
      return failure();
  if (failed(verifyTopK(*this, getTopK(), router)))
    return failure();

  // The custom syntax keeps the shared-expert group whole; the generic form
  // and C++ builders can split it.
  unsigned present = (getSharedGateW() ? 1 : 0) + (getSharedUpW() ? 1 : 0) +
                     (getSharedDownW() ? 1 : 0) +
                     (getSharedExpertGateW() ? 1 : 0);
  if (present == 0)
    return success();
  if (present != 4)
    return emitOpError()
           << "expects all four shared-expert operands (shared_gate_w, "
              "shared_up_w, shared_down_w, shared_expert_gate_w) or none, "
              "found "
           << present;
  return verifySharedExpert(*this, input);
}
