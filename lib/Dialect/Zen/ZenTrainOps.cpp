//===- ZenTrainOps.cpp - verifiers and shape inference for training ops ---===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::zen;
using shape::named;

/// The three results of a policy loss: loss, mean_ratio, clip_fraction.
static void inferLossScalars(MLIRContext *context,
                             SmallVectorImpl<Type> &inferred) {
  auto scalar = RankedTensorType::get({}, Float32Type::get(context));
  inferred.append(3, scalar);
}

/// `t` is [N, T] with N and T those of `logp`.
static LogicalResult expectPerToken(Operation *op, const shape::Named &t,
                                    const shape::Named &logp) {
  if (failed(shape::expectRank(op, t, 2, "[N, T]")) ||
      failed(shape::expectDimsMatch(op, t, 0, "sequences", logp, 0,
                                    "sequences")) ||
      failed(
          shape::expectDimsMatch(op, t, 1, "positions", logp, 1, "positions")))
    return failure();
  return success();
}

/// Shapes and clip range shared by zen.gspo_loss and zen.grpo_loss.
static LogicalResult verifyPolicyLoss(Operation *op, Value logpValue,
                                      Value oldLogp, Value advantagesValue,
                                      Value maskValue, FloatAttr epsLow,
                                      FloatAttr epsHigh) {
  auto logp = named("logp", logpValue);
  auto advantages = named("advantages", advantagesValue);
  if (failed(shape::expectRank(op, logp, 2, "[N, T]")) ||
      failed(expectPerToken(op, named("old_logp", oldLogp), logp)) ||
      failed(shape::expectRank(op, advantages, 1, "[N]")) ||
      failed(shape::expectDimsMatch(op, advantages, 0, "sequences", logp, 0,
                                    "sequences")) ||
      failed(expectPerToken(op, named("mask", maskValue), logp)))
    return failure();
  // Written as negated comparisons so that NaN is rejected too.
  double low = epsLow.getValueAsDouble(), high = epsHigh.getValueAsDouble();
  if (!(low >= 0.0 && low < 1.0))
    return op->emitOpError() << "expects 0 <= eps_low < 1, found " << epsLow;
  if (!(high >= 0.0))
    return op->emitOpError() << "expects eps_high >= 0, found " << epsHigh;
  return success();
}

//===----------------------------------------------------------------------===//
// TokenLogprobsOp
//===----------------------------------------------------------------------===//

LogicalResult TokenLogprobsOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, ValueRange operands,
    DictionaryAttr attributes, OpaqueProperties properties, RegionRange regions,
    SmallVectorImpl<Type> &inferred) {
  Adaptor adaptor(operands, attributes, properties, regions);
  auto targets = dyn_cast<RankedTensorType>(adaptor.getTargets().getType());
  auto hidden = dyn_cast<RankedTensorType>(adaptor.getHidden().getType());
  if (!targets)
    return emitOptionalError(location,
                             "zen.token_logprobs expects ranked targets");
  // One log-prob per target; a dim that targets leave dynamic is taken from
  // hidden when the ranks line up ([..., H] against [...]).
  SmallVector<int64_t> dims(targets.getShape());
  if (hidden && hidden.getRank() == targets.getRank() + 1)
    for (auto [i, dim] : llvm::enumerate(dims))
      if (ShapedType::isDynamic(dim))
        dim = hidden.getDimSize(i);
  inferred.push_back(RankedTensorType::get(dims, Float32Type::get(context)));
  return success();
}

/// hidden [..., H], lm_head_w [V, H], targets [...] and τ > 0: shared by
/// zen.token_logprobs and zen.token_logprobs_grad.
template <typename OpT> static LogicalResult verifyTokenLogprobs(OpT op) {
  auto hidden = named("hidden", op.getHidden());
  auto head = named("lm_head_w", op.getLmHeadW());
  auto targets = named("targets", op.getTargets());
  if (failed(shape::expectMinRank(op, hidden, 1, "[..., H]")) ||
      failed(shape::expectRank(op, head, 2, "[V, H]")) ||
      failed(shape::expectDimsMatch(op, head, 1, "hidden", hidden, -1,
                                    "hidden")) ||
      failed(shape::expectSameElementType(op, head, hidden)) ||
      failed(shape::expectRank(op, targets, hidden.rank() - 1,
                               "(the dims of hidden before H)")))
    return failure();
  // [N, T] is the usual layout; other ranks get unlabelled dims.
  bool sequenceLayout = targets.rank() == 2;
  for (int64_t d = 0; d < targets.rank(); ++d) {
    StringRef label = !sequenceLayout ? "" : d == 0 ? "sequences" : "positions";
    if (failed(shape::expectDimsMatch(op, targets, d, label, hidden, d, label)))
      return failure();
  }
  if (!(op.getTemperature().convertToDouble() > 0.0))
    return op.emitOpError()
           << "expects temperature > 0, found " << op.getTemperatureAttr();
  return success();
}

LogicalResult TokenLogprobsOp::verify() { return verifyTokenLogprobs(*this); }

//===----------------------------------------------------------------------===//
// TokenLogprobsGradOp
//===----------------------------------------------------------------------===//

LogicalResult TokenLogprobsGradOp::verify() {
  if (failed(verifyTokenLogprobs(*this)))
    return failure();
  auto targets = named("targets", getTargets());
  for (auto t : {named("logp", getLogp()), named("grad_logp", getGradLogp())}) {
    if (failed(shape::expectRank(*this, t, targets.rank(),
                                 "(the dims of targets)")) ||
        failed(shape::expectSameShape(*this, t, targets)))
      return failure();
  }
  if (!getHiddenGrad() && !getLmHeadWGrad())
    return emitOpError() << "expects at least one result (hidden_grad or "
                            "lm_head_w_grad)";
  for (auto [name, result, primal] :
       {std::tuple<StringRef, Value, Value>{"hidden_grad", getHiddenGrad(),
                                            getHidden()},
        {"lm_head_w_grad", getLmHeadWGrad(), getLmHeadW()}})
    if (result && result.getType() != primal.getType())
      return emitOpError() << "expects " << name << " to have the type of "
                           << (primal == getHidden() ? "hidden" : "lm_head_w")
                           << ", " << primal.getType() << ", found "
                           << result.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// GroupAdvantagesOp
//===----------------------------------------------------------------------===//

LogicalResult GroupAdvantagesOp::verify() {
  auto rewards = named("rewards", getRewards());
  if (failed(shape::expectRank(*this, rewards, 1, "[N]")))
    return failure();
  if (getGroupSize() <= 0)
    return emitOpError() << "expects group_size > 0, found " << getGroupSize();
  if (failed(shape::expectDimDivisibleBy(*this, rewards, 0, "sequences",
                                         getGroupSize(), "group_size")))
    return failure();
  if (!(getEps().convertToDouble() >= 0.0))
    return emitOpError() << "expects eps >= 0, found " << getEpsAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// GspoLossOp
//===----------------------------------------------------------------------===//

LogicalResult GspoLossOp::inferReturnTypes(MLIRContext *context,
                                           std::optional<Location>, ValueRange,
                                           DictionaryAttr, OpaqueProperties,
                                           RegionRange,
                                           SmallVectorImpl<Type> &inferred) {
  inferLossScalars(context, inferred);
  return success();
}

LogicalResult GspoLossOp::verify() {
  return verifyPolicyLoss(*this, getLogp(), getOldLogp(), getAdvantages(),
                          getMask(), getEpsLowAttr(), getEpsHighAttr());
}

//===----------------------------------------------------------------------===//
// GrpoLossOp
//===----------------------------------------------------------------------===//

LogicalResult GrpoLossOp::inferReturnTypes(MLIRContext *context,
                                           std::optional<Location>, ValueRange,
                                           DictionaryAttr, OpaqueProperties,
                                           RegionRange,
                                           SmallVectorImpl<Type> &inferred) {
  inferLossScalars(context, inferred);
  return success();
}

/// Shared by zen.grpo_loss and zen.grpo_loss_grad.
template <typename OpT> static LogicalResult verifyGrpoLoss(OpT op) {
  if (failed(verifyPolicyLoss(op, op.getLogp(), op.getOldLogp(),
                              op.getAdvantages(), op.getMask(),
                              op.getEpsLowAttr(), op.getEpsHighAttr())))
    return failure();
  auto logp = named("logp", op.getLogp());
  if (op.getRefLogp() &&
      failed(expectPerToken(op, named("ref_logp", op.getRefLogp()), logp)))
    return failure();

  double beta = op.getBeta().convertToDouble();
  if (!(beta >= 0.0))
    return op.emitOpError() << "expects beta >= 0, found " << op.getBetaAttr();
  if (beta != 0.0 && !op.getRefLogp())
    return op.emitOpError() << "expects a ref_logp operand when beta != 0 (the "
                               "k3 KL term needs the reference policy's "
                               "log-probs), found beta = "
                            << op.getBetaAttr();

  std::optional<int64_t> maxLength = op.getMaxCompletionLength();
  if (!maxLength)
    return success();
  if (op.getLossType() != GrpoLossType::dr_grpo)
    return op.emitOpError()
           << "has max_completion_length, which only loss_type "
              "dr_grpo uses, with loss_type "
           << stringifyGrpoLossType(op.getLossType());
  if (*maxLength <= 0)
    return op.emitOpError()
           << "expects max_completion_length > 0, found " << *maxLength;
  // TRL truncates completions to max_completion_length, so the padded
  // completion length T never exceeds it.
  int64_t positions = logp.dim(1);
  if (!ShapedType::isDynamic(positions) && *maxLength < positions)
    return op.emitOpError()
           << "expects max_completion_length >= " << positions
           << ", the completion length (logp dim 1), found " << *maxLength;
  return success();
}

LogicalResult GrpoLossOp::verify() { return verifyGrpoLoss(*this); }

//===----------------------------------------------------------------------===//
// GspoLossGradOp, GrpoLossGradOp
//===----------------------------------------------------------------------===//

LogicalResult GspoLossGradOp::verify() {
  return verifyPolicyLoss(*this, getLogp(), getOldLogp(), getAdvantages(),
                          getMask(), getEpsLowAttr(), getEpsHighAttr());
}

LogicalResult GrpoLossGradOp::verify() { return verifyGrpoLoss(*this); }

//===----------------------------------------------------------------------===//
// ClipGradNormOp
//===----------------------------------------------------------------------===//

LogicalResult
ClipGradNormOp::inferReturnTypes(MLIRContext *context, std::optional<Location>,
                                 ValueRange operands, DictionaryAttr,
                                 OpaqueProperties, RegionRange,
                                 SmallVectorImpl<Type> &inferred) {
  // One clipped tensor per gradient, with its type, then the total norm.
  llvm::append_range(inferred, operands.getTypes());
  inferred.push_back(RankedTensorType::get({}, Float32Type::get(context)));
  return success();
}

LogicalResult ClipGradNormOp::verify() {
  if (getGrads().empty())
    return emitOpError() << "expects at least one gradient";
  if (!(getMaxNorm().convertToDouble() > 0.0))
    return emitOpError() << "expects max_norm > 0, found " << getMaxNormAttr();
  return success();
}

//===----------------------------------------------------------------------===//
// AdamWOp
//===----------------------------------------------------------------------===//

/// ", found 2, 2, 1 and 2" when the four AdamW groups differ in length.
static std::string groupLengthMismatch(size_t params, size_t grads,
                                       size_t expAvg, size_t expAvgSq) {
  if (params == grads && params == expAvg && params == expAvgSq)
    return {};
  return "expects params, grads, exp_avg and exp_avg_sq groups of equal "
         "length, found " +
         std::to_string(params) + ", " + std::to_string(grads) + ", " +
         std::to_string(expAvg) + " and " + std::to_string(expAvgSq);
}

ParseResult AdamWOp::parseParamTypes(
    OpAsmParser &parser, UnresolvedOperands params, UnresolvedOperands grads,
    UnresolvedOperands expAvg, UnresolvedOperands expAvgSq,
    SmallVectorImpl<Type> &paramTypes, SmallVectorImpl<Type> &gradTypes,
    SmallVectorImpl<Type> &expAvgTypes, SmallVectorImpl<Type> &expAvgSqTypes) {
  std::string mismatch = groupLengthMismatch(params.size(), grads.size(),
                                             expAvg.size(), expAvgSq.size());
  if (!mismatch.empty())
    return parser.emitError(parser.getNameLoc(), "zen.adamw ") << mismatch;
  if (parser.parseColon() || parser.parseTypeList(paramTypes))
    return failure();
  gradTypes.assign(paramTypes.begin(), paramTypes.end());
  expAvgTypes.assign(paramTypes.begin(), paramTypes.end());
  expAvgSqTypes.assign(paramTypes.begin(), paramTypes.end());
  return success();
}

void AdamWOp::printParamTypes(OpAsmPrinter &printer, Operation *, ValueRange,
                              ValueRange, ValueRange, ValueRange,
                              TypeRange paramTypes, TypeRange, TypeRange,
                              TypeRange) {
  // Only verified ops use the custom form, so the other groups' types equal
  // these.
  printer << ": " << paramTypes;
}

LogicalResult AdamWOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                        ValueRange operands,
                                        DictionaryAttr attributes,
                                        OpaqueProperties properties,
                                        RegionRange regions,
                                        SmallVectorImpl<Type> &inferred) {
  // New parameters, new exp_avg and new exp_avg_sq all have the parameters'
  // types; the verifier checks that the state groups agree.
  Adaptor adaptor(operands, attributes, properties, regions);
  TypeRange paramTypes = adaptor.getParams().getTypes();
  for (int group = 0; group < 3; ++group)
    llvm::append_range(inferred, paramTypes);
  return success();
}

LogicalResult AdamWOp::verify() {
  if (getParams().empty())
    return emitOpError() << "expects at least one parameter";
  std::string mismatch =
      groupLengthMismatch(getParams().size(), getGrads().size(),
                          getExpAvg().size(), getExpAvgSq().size());
  if (!mismatch.empty())
    return emitOpError() << mismatch;
  for (auto [groupName, group] :
       {std::pair<StringRef, OperandRange>{"grads", getGrads()},
        {"exp_avg", getExpAvg()},
        {"exp_avg_sq", getExpAvgSq()}})
    for (auto [j, param, value] : llvm::enumerate(getParams(), group))
      if (param.getType() != value.getType())
        return emitOpError()
               << "expects " << groupName << " #" << j
               << " to have the type of params #" << j << ", "
               << param.getType() << ", found " << value.getType();

  if (!(getLr().convertToDouble() >= 0.0))
    return emitOpError() << "expects lr >= 0, found " << getLrAttr();
  for (auto [name, attr] :
       {std::pair<StringRef, FloatAttr>{"beta1", getBeta1Attr()},
        {"beta2", getBeta2Attr()}}) {
    double beta = attr.getValueAsDouble();
    if (!(beta >= 0.0 && beta < 1.0))
      return emitOpError() << "expects 0 <= " << name << " < 1, found " << attr;
  }
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError() << "expects eps > 0, found " << getEpsAttr();
  if (!(getWeightDecay().convertToDouble() >= 0.0))
    return emitOpError() << "expects weight_decay >= 0, found "
                         << getWeightDecayAttr();
  return success();
}
