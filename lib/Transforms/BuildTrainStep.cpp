//===- BuildTrainStep.cpp - zen-build-train-step --------------------------===//
//
// @forward -> @policy_loss (LoRA, fused selective log-probs, advantages,
// GSPO/GRPO loss) -> its VJP (ReverseMode) -> @train_step (clip, AdamW,
// in-place update guarded by a finiteness check). See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/ZenOps.h"
#include "zen/Transforms/EntryPointAttrs.h"
#include "zen/Transforms/Passes.h"
#include "zen/Transforms/ReverseMode.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <cmath>

namespace mlir::zen {
#define GEN_PASS_DEF_ZENBUILDTRAINSTEP
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

/// "model.layers.3.self_attn.q_proj.weight" -> "q_proj".
StringRef moduleNameOf(StringRef weightName) {
  StringRef path = weightName;
  path.consume_back(".weight");
  return path.rsplit('.').second.empty() ? path : path.rsplit('.').second;
}

/// PEFT's name of a LoRA matrix of the HF weight `weightName`:
/// "base_model.model.<module path>.lora_A.weight".
std::string peftName(StringRef weightName, StringRef which) {
  StringRef path = weightName;
  path.consume_back(".weight");
  return ("base_model.model." + path + ".lora_" + which + ".weight").str();
}

/// The checkpoint name of `v` when it is an argument of `fn` bound to a
/// weight (frozen or trainable).
StringAttr weightNameOf(func::FuncOp fn, Value v) {
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg || arg.getOwner()->getParentOp() != fn)
    return {};
  unsigned i = arg.getArgNumber();
  if (auto p = fn.getArgAttrOfType<StringAttr>(i, ZenDialect::getParamAttrName()))
    return p;
  return fn.getArgAttrOfType<StringAttr>(i, kTrainableAttr);
}

Value scalarConstant(OpBuilder &b, Location loc, Type elementType,
                     double value) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute attr = isa<FloatType>(elementType)
                       ? Attribute(b.getFloatAttr(elementType, value))
                       : Attribute(b.getIntegerAttr(elementType,
                                                    static_cast<int64_t>(value)));
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, attr));
}

struct BuildTrainStepPass
    : zen::impl::ZenBuildTrainStepBase<BuildTrainStepPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  bool isLoRA() const { return loraRank > 0; }
  bool isTarget(StringRef module) const {
    for (const std::string &t : loraTargets)
      if (t == "all-linear" || t == module)
        return true;
    return false;
  }
  double loraScale() const {
    return useRslora ? loraAlpha / std::sqrt(double(loraRank))
                     : loraAlpha / double(loraRank);
  }

  LogicalResult validateOptions(ModuleOp module);
  FailureOr<func::FuncOp> buildPolicyLoss(func::FuncOp forward);
  LogicalResult injectLoRA(func::FuncOp policy);
  FailureOr<func::FuncOp> loraVariant(func::FuncOp callee, func::CallOp site,
                                      func::FuncOp caller,
                                      SmallVectorImpl<unsigned> &adapted);
  LogicalResult buildTrainStep(func::FuncOp policy, func::FuncOp vjp,
                               ArrayRef<unsigned> trainableArgs);
  void recordConfig(ModuleOp module);
  func::FuncOp gradNormFunction(Type gradType);
  func::FuncOp updateFunction(Type paramType, Type gradType);
  func::FuncOp privateFunction(StringRef name, FunctionType type);

  DenseMap<Type, func::FuncOp> gradNormFns;
  DenseMap<std::pair<Type, Type>, func::FuncOp> updateFns;
  llvm::StringMap<std::pair<func::FuncOp, SmallVector<unsigned>>> loraCallees;
  /// Number of leading data inputs of @policy_loss (before the weights).
  unsigned numInputs = 0;
};

LogicalResult BuildTrainStepPass::validateOptions(ModuleOp module) {
  auto bad = [&](const Twine &msg) {
    return module.emitError("zen-build-train-step: ") << msg;
  };
  if (algorithm != "gspo" && algorithm != "grpo")
    return bad("algorithm must be gspo or grpo, found '" + algorithm + "'");
  if (groupSize < 1)
    return bad("group-size must be >= 1, found " + Twine(groupSize));
  if (gspoLevel != "sequence" && gspoLevel != "token")
    return bad("gspo-level must be sequence or token, found '" + gspoLevel +
               "'");
  if (!symbolizeGrpoLossType(lossType))
    return bad("loss-type must be grpo, bnpo, dr_grpo or dapo, found '" +
               lossType + "'");
  if (!symbolizeRewardScaling(scaleRewards))
    return bad("scale-rewards must be group, batch or none, found '" +
               scaleRewards + "'");
  if (loraRank < 0)
    return bad("lora-rank must be >= 0, found " + Twine(loraRank));
  if (isLoRA() && loraTargets.empty())
    return bad("lora-targets is empty: name the modules to adapt (e.g. "
               "q_proj,v_proj or all-linear)");
  if (!(temperature > 0))
    return bad("temperature must be > 0");
  return success();
}

/// Clones @forward into @policy_loss: new data inputs after the forward's
/// three, the LM head replaced by the loss.
FailureOr<func::FuncOp>
BuildTrainStepPass::buildPolicyLoss(func::FuncOp forward) {
  MLIRContext *ctx = forward.getContext();
  SmallVector<LMHeadOp> heads;
  forward.walk([&](LMHeadOp op) { heads.push_back(op); });
  if (heads.size() != 1)
    return forward.emitError("zen-build-train-step: expected one zen.lm_head "
                             "in @forward, found ")
           << heads.size();
  if (forward.getNumArguments() < 3)
    return forward.emitError("zen-build-train-step: @forward must take "
                             "input_ids, positions and attention_mask first");

  OpBuilder mb(forward);
  func::FuncOp policy = forward.clone();
  mb.insert(policy);
  policy.setName("policy_loss");
  policy.setPrivate();
  SymbolTable(forward->getParentOfType<ModuleOp>()).insert(policy);

  Location loc = forward.getLoc();
  Type f32 = Float32Type::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  int64_t dyn = ShapedType::kDynamic;
  auto nt = RankedTensorType::get({dyn, dyn}, f32);
  SmallVector<std::pair<StringRef, Type>> extra = {
      {"completion_mask", nt},
      {"rewards", RankedTensorType::get({dyn}, f32)},
      {"old_logprobs", nt},
      {"use_old_logprobs", RankedTensorType::get({}, i64)}};
  if (beta != 0.0)
    extra.push_back({"ref_logprobs", nt});
  unsigned at = 3;
  for (auto [name, type] : extra) {
    (void)policy.insertArgument(
        at++, type,
        DictionaryAttr::get(ctx, {NamedAttribute(StringAttr::get(ctx, "zen.name"),
                                                 StringAttr::get(ctx, name))}),
        loc);
  }
  numInputs = at;

  LMHeadOp head;
  policy.walk([&](LMHeadOp op) { head = op; });
  auto ret = cast<func::ReturnOp>(policy.front().getTerminator());
  OpBuilder b(ret);
  Value ids = policy.getArgument(0);
  Value hidden = head.getInput();
  auto hiddenType = cast<RankedTensorType>(hidden.getType());
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value n = tensor::DimOp::create(b, loc, ids, c0);
  Value t = tensor::DimOp::create(b, loc, ids, c1);
  Value tm1 = arith::SubIOp::create(b, loc, t, c1);
  // The logits at position t score token t+1 (causal shift).
  auto slice2d = [&](Value src, int64_t offset) -> Value {
    auto type = cast<RankedTensorType>(src.getType());
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0),
                                         b.getIndexAttr(offset)};
    SmallVector<OpFoldResult> sizes = {n, tm1};
    SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
    return tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({dyn, dyn}, type.getElementType()), src,
        offsets, sizes, strides);
  };
  SmallVector<OpFoldResult> hOffsets(3, b.getIndexAttr(0));
  SmallVector<OpFoldResult> hSizes = {n, tm1,
                                      b.getIndexAttr(hiddenType.getDimSize(2))};
  SmallVector<OpFoldResult> hStrides(3, b.getIndexAttr(1));
  Value hShift = tensor::ExtractSliceOp::create(
      b, loc,
      RankedTensorType::get({dyn, dyn, hiddenType.getDimSize(2)},
                            hiddenType.getElementType()),
      hidden, hOffsets, hSizes, hStrides);
  Value targets = slice2d(ids, 1);
  Value logp = TokenLogprobsOp::create(b, loc, nt, hShift, head.getWeight(),
                                       targets, b.getF64FloatAttr(temperature),
                                       materializeLogits ? b.getUnitAttr()
                                                         : UnitAttr());
  Value mask = slice2d(policy.getArgument(3), 1);
  Value old = slice2d(policy.getArgument(5), 1);
  Value useOld = tensor::ExtractOp::create(b, loc, policy.getArgument(6),
                                           ValueRange{});
  Value zero64 = arith::ConstantIntOp::create(b, loc, i64, 0);
  Value isOff = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                      useOld, zero64);
  // On-policy: old = logp; the loss ops give no gradient to old_logp, so
  // this is logp's stop-gradient and the ratio is exactly 1.
  Value oldOrSelf = arith::SelectOp::create(b, loc, isOff, old, logp);
  Value advantages = GroupAdvantagesOp::create(
      b, loc, policy.getArgument(4).getType(), policy.getArgument(4),
      b.getI64IntegerAttr(groupSize),
      RewardScalingAttr::get(ctx, *symbolizeRewardScaling(scaleRewards)),
      b.getF64FloatAttr(1e-4));
  auto scalar = RankedTensorType::get({}, f32);
  SmallVector<Type> lossTypes(3, scalar);
  Operation *loss;
  if (algorithm == "gspo") {
    loss = GspoLossOp::create(
        b, loc, lossTypes, logp, oldOrSelf, advantages, mask,
        b.getF64FloatAttr(epsilonLow), b.getF64FloatAttr(epsilonHigh),
        GspoLevelAttr::get(ctx, gspoLevel == "token" ? GspoLevel::token
                                                     : GspoLevel::sequence));
  } else {
    Value ref = beta != 0.0 ? slice2d(policy.getArgument(7), 1) : Value();
    loss = GrpoLossOp::create(
        b, loc, lossTypes, logp, oldOrSelf, advantages, mask, ref,
        b.getF64FloatAttr(epsilonLow), b.getF64FloatAttr(epsilonHigh),
        b.getF64FloatAttr(beta),
        GrpoLossTypeAttr::get(ctx, *symbolizeGrpoLossType(lossType)),
        IntegerAttr());
  }
  func::ReturnOp::create(b, loc, loss->getResults());
  ret.erase();
  head.erase();
  policy.setType(FunctionType::get(ctx, policy.getArgumentTypes(), lossTypes));
  // The data results of @forward described logits; @policy_loss is private.
  for (unsigned i = 0; i < 3; ++i)
    policy.setResultAttrs(i, DictionaryAttr::get(ctx));
  return policy;
}

/// The LoRA variant of a layer function: targeted zen.mlp ops split into
/// linears, then every targeted zen.linear gets two new trailing arguments
/// (A [r, in], B [out, r]). `adapted` receives, per new (A, B) pair in
/// order, the index of the callee argument holding the adapted weight.
FailureOr<func::FuncOp>
BuildTrainStepPass::loraVariant(func::FuncOp callee, func::CallOp site,
                                func::FuncOp caller,
                                SmallVectorImpl<unsigned> &adapted) {
  auto weightModule = [&](Value w) -> std::optional<StringRef> {
    auto arg = dyn_cast<BlockArgument>(w);
    if (!arg)
      return std::nullopt;
    StringAttr name = weightNameOf(caller, site.getOperand(arg.getArgNumber()));
    if (!name)
      return std::nullopt;
    return moduleNameOf(name.getValue());
  };
  auto targeted = [&](Value w) {
    std::optional<StringRef> m = weightModule(w);
    return m && isTarget(*m);
  };

  func::FuncOp variant = callee.clone();
  OpBuilder mb(callee);
  mb.setInsertionPointAfter(callee);
  mb.insert(variant);
  variant.setName((callee.getSymName() + "_lora").str());
  SymbolTable(callee->getParentOfType<ModuleOp>()).insert(variant);
  MLIRContext *ctx = callee.getContext();

  // zen.mlp = down(swiglu(gate(x), up(x))): split it when one of its
  // projections is adapted, so each projection is a zen.linear.
  SmallVector<MLPOp> mlps;
  variant.walk([&](MLPOp op) { mlps.push_back(op); });
  for (MLPOp mlp : mlps) {
    if (!targeted(mlp.getGateWeight()) && !targeted(mlp.getUpWeight()) &&
        !targeted(mlp.getDownWeight()))
      continue;
    OpBuilder b(mlp);
    Location loc = mlp.getLoc();
    auto proj = [&](Value x, Value w) -> Value {
      auto xt = cast<RankedTensorType>(x.getType());
      auto wt = cast<RankedTensorType>(w.getType());
      SmallVector<int64_t> shape(xt.getShape());
      shape.back() = wt.getDimSize(0);
      return LinearOp::create(b, loc,
                              RankedTensorType::get(shape, xt.getElementType()),
                              x, w, Value(), Value(), FloatAttr());
    };
    Value gate = proj(mlp.getInput(), mlp.getGateWeight());
    Value up = proj(mlp.getInput(), mlp.getUpWeight());
    Value act = SwiGLUOp::create(b, loc, gate.getType(), gate, up);
    Value down = proj(act, mlp.getDownWeight());
    mlp.replaceAllUsesWith(down);
    mlp.erase();
  }

  SmallVector<LinearOp> linears;
  variant.walk([&](LinearOp op) { linears.push_back(op); });
  for (LinearOp linear : linears) {
    if (linear.getLoraA() || !targeted(linear.getWeight()))
      continue;
    auto wt = cast<RankedTensorType>(linear.getWeight().getType());
    if (!wt.hasStaticShape())
      return linear.emitError("zen-build-train-step: LoRA needs a static "
                              "weight shape, found ")
             << wt;
    Type et = wt.getElementType();
    auto aType = RankedTensorType::get({loraRank, wt.getDimSize(1)}, et);
    auto bType = RankedTensorType::get({wt.getDimSize(0), loraRank}, et);
    unsigned idx = variant.getNumArguments();
    (void)variant.insertArgument(idx, aType, {}, linear.getLoc());
    (void)variant.insertArgument(idx + 1, bType, {}, linear.getLoc());
    linear.getLoraAMutable().assign(variant.getArgument(idx));
    linear.getLoraBMutable().assign(variant.getArgument(idx + 1));
    linear.setLoraScaleAttr(FloatAttr::get(Float64Type::get(ctx), loraScale()));
    adapted.push_back(cast<BlockArgument>(linear.getWeight()).getArgNumber());
  }
  return variant;
}

/// Adds the adapters of every layer call of @policy_loss as trailing
/// arguments named as PEFT saves them.
LogicalResult BuildTrainStepPass::injectLoRA(func::FuncOp policy) {
  SmallVector<func::CallOp> calls;
  policy.walk([&](func::CallOp call) { calls.push_back(call); });
  MLIRContext *ctx = policy.getContext();
  for (func::CallOp call : calls) {
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    if (!callee)
      return call.emitError("zen-build-train-step: unknown callee");
    auto it = loraCallees.find(callee.getSymName());
    if (it == loraCallees.end()) {
      SmallVector<unsigned> adapted;
      FailureOr<func::FuncOp> variant =
          loraVariant(callee, call, policy, adapted);
      if (failed(variant))
        return failure();
      it = loraCallees
               .try_emplace(callee.getSymName(),
                            std::make_pair(*variant, adapted))
               .first;
    }
    auto &[variant, adapted] = it->second;
    if (adapted.empty())
      continue;
    SmallVector<Value> operands(call.getOperands());
    unsigned base = callee.getNumArguments();
    for (auto [k, weightArg] : llvm::enumerate(adapted)) {
      StringAttr name = weightNameOf(policy, call.getOperand(weightArg));
      if (!name)
        return call.emitError("zen-build-train-step: operand #")
               << weightArg << " of the layer call is not a named weight";
      for (unsigned ab = 0; ab < 2; ++ab) {
        Type type = variant.getArgumentTypes()[base + 2 * k + ab];
        unsigned idx = policy.getNumArguments();
        std::string peft = peftName(name.getValue(), ab ? "B" : "A");
        (void)policy.insertArgument(
            idx, type,
            DictionaryAttr::get(
                ctx, {NamedAttribute(StringAttr::get(ctx, kTrainableAttr),
                                     StringAttr::get(ctx, peft))}),
            call.getLoc());
        operands.push_back(policy.getArgument(idx));
      }
    }
    OpBuilder b(call);
    auto replacement =
        func::CallOp::create(b, call.getLoc(), variant, operands);
    call.replaceAllUsesWith(replacement.getResults());
    call.erase();
  }
  return success();
}

/// @train_step: inputs (the policy's data inputs, learning_rate, step),
/// frozen weights, trainables, AdamW moments.
LogicalResult
BuildTrainStepPass::buildTrainStep(func::FuncOp policy, func::FuncOp vjp,
                                   ArrayRef<unsigned> trainableArgs) {
  MLIRContext *ctx = policy.getContext();
  Location loc = policy.getLoc();
  Type f32 = Float32Type::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  auto scalarF32 = RankedTensorType::get({}, f32);
  auto scalarI64 = RankedTensorType::get({}, i64);
  auto named = [&](StringRef attr, StringRef value) {
    return DictionaryAttr::get(ctx,
                               {NamedAttribute(StringAttr::get(ctx, attr),
                                               StringAttr::get(ctx, value))});
  };

  // Argument list.
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  SmallVector<int> policyArgToStep(policy.getNumArguments(), -1);
  for (unsigned i = 0; i < numInputs; ++i) {
    policyArgToStep[i] = argTypes.size();
    argTypes.push_back(policy.getArgumentTypes()[i]);
    argAttrs.push_back(policy.getArgAttrDict(i));
  }
  unsigned lrArg = argTypes.size();
  argTypes.push_back(scalarF32);
  argAttrs.push_back(named("zen.name", "learning_rate"));
  unsigned stepArg = argTypes.size();
  argTypes.push_back(scalarI64);
  argAttrs.push_back(named("zen.name", "step"));
  llvm::SmallDenseSet<unsigned> trainable(trainableArgs.begin(),
                                          trainableArgs.end());
  for (unsigned i = numInputs; i < policy.getNumArguments(); ++i) {
    if (trainable.contains(i))
      continue;
    policyArgToStep[i] = argTypes.size();
    argTypes.push_back(policy.getArgumentTypes()[i]);
    argAttrs.push_back(policy.getArgAttrDict(i));
  }
  SmallVector<std::string> names;
  for (unsigned i : trainableArgs) {
    auto name = policy.getArgAttrOfType<StringAttr>(i, kTrainableAttr);
    names.push_back(name.str());
    policyArgToStep[i] = argTypes.size();
    argTypes.push_back(policy.getArgumentTypes()[i]);
    argAttrs.push_back(named(kTrainableAttr, name.getValue()));
  }
  SmallVector<unsigned> mArgs, vArgs;
  for (auto [which, list] :
       {std::make_pair(".exp_avg", &mArgs), std::make_pair(".exp_avg_sq", &vArgs)})
    for (auto [k, i] : llvm::enumerate(trainableArgs)) {
      auto type = cast<RankedTensorType>(policy.getArgumentTypes()[i]);
      list->push_back(argTypes.size());
      argTypes.push_back(RankedTensorType::get(type.getShape(), f32));
      argAttrs.push_back(named(kOptimAttr, names[k] + which));
    }

  // Results: statistics, raw gradients, then the in-place state.
  SmallVector<Type> resultTypes = {scalarF32, scalarF32, scalarF32, scalarF32,
                                   scalarI64};
  SmallVector<DictionaryAttr> resultAttrs;
  for (StringRef name :
       {"loss", "mean_ratio", "clip_fraction", "grad_norm", "skipped"})
    resultAttrs.push_back(named("zen.name", name));
  for (auto [k, i] : llvm::enumerate(trainableArgs)) {
    resultTypes.push_back(policy.getArgumentTypes()[i]);
    resultAttrs.push_back(named("zen.name", "grad:" + names[k]));
  }
  for (unsigned i : trainableArgs) {
    resultTypes.push_back(argTypes[policyArgToStep[i]]);
    resultAttrs.push_back(argAttrs[policyArgToStep[i]]);
  }
  for (unsigned a : llvm::concat<unsigned>(mArgs, vArgs)) {
    resultTypes.push_back(argTypes[a]);
    resultAttrs.push_back(argAttrs[a]);
  }

  OpBuilder mb(policy);
  auto step = func::FuncOp::create(mb, loc, "train_step",
                                   FunctionType::get(ctx, argTypes,
                                                     resultTypes));
  SymbolTable(policy->getParentOfType<ModuleOp>()).insert(step);
  for (auto [i, attrs] : llvm::enumerate(argAttrs))
    if (attrs)
      step.setArgAttrs(i, attrs);
  for (auto [i, attrs] : llvm::enumerate(resultAttrs))
    step.setResultAttrs(i, attrs);

  Block *entry = step.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockEnd(entry);
  SmallVector<Value> operands;
  for (unsigned i = 0; i < policy.getNumArguments(); ++i)
    operands.push_back(step.getArgument(policyArgToStep[i]));
  // d loss = 1; the statistics are not differentiated.
  operands.push_back(scalarConstant(b, loc, f32, 1.0));
  operands.push_back(scalarConstant(b, loc, f32, 0.0));
  operands.push_back(scalarConstant(b, loc, f32, 0.0));
  auto call = func::CallOp::create(b, loc, vjp, operands);
  Value loss = call.getResult(0);
  SmallVector<Value> grads(call.getResults().drop_front(3));

  // Global-norm clipping and AdamW run per trainable, in private functions
  // shared by the trainables of one type (gradNormFunction, updateFunction):
  // inlined, the
  // thousands of loop nests of a real model (2 × 7 LoRA targets × 28
  // layers × clip, update and copy) in one block make the block-splitting
  // lowerings (scf -> cf, buffer deallocation) quadratic in the block.
  // total = sqrt(Σ ‖g‖²), scale as zen.clip_grad_norm: min(max_norm /
  // (total + 1e-6), 1).
  Value sumSq = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  for (Value g : grads) {
    func::FuncOp fn = gradNormFunction(g.getType());
    Value n = tensor::ExtractOp::create(
        b, loc, func::CallOp::create(b, loc, fn, g).getResult(0), ValueRange{});
    sumSq = arith::AddFOp::create(b, loc, sumSq,
                                  arith::MulFOp::create(b, loc, n, n));
  }
  Value total = math::SqrtOp::create(b, loc, sumSq);
  Value norm =
      tensor::FromElementsOp::create(b, loc, scalarF32, ValueRange{total});
  auto f32Const = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  };
  Value coef = arith::DivFOp::create(
      b, loc, f32Const(maxGradNorm),
      arith::AddFOp::create(b, loc, total, f32Const(1e-6)));
  coef = arith::MinimumFOp::create(b, loc, coef, f32Const(1.0));
  Value coefTensor =
      tensor::FromElementsOp::create(b, loc, scalarF32, ValueRange{coef});

  // Finite loss and gradient norm, else leave every buffer untouched.
  auto finite = [&](Value scalarTensor) {
    Value x = tensor::ExtractOp::create(b, loc, scalarTensor, ValueRange{});
    Value ax = math::AbsFOp::create(b, loc, x);
    Value inf = arith::ConstantOp::create(
        b, loc, b.getF32FloatAttr(std::numeric_limits<float>::infinity()));
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, ax, inf);
  };
  Value ok = arith::AndIOp::create(b, loc, finite(loss), finite(norm));

  SmallVector<Value> olds, freshParams, freshMs, freshVs;
  for (auto [k, i] : llvm::enumerate(trainableArgs)) {
    Value param = step.getArgument(policyArgToStep[i]);
    Value m = step.getArgument(mArgs[k]), v = step.getArgument(vArgs[k]);
    func::FuncOp fn = updateFunction(param.getType(), grads[k].getType());
    auto update = func::CallOp::create(
        b, loc, fn,
        ValueRange{param, grads[k], m, v, coefTensor,
                   step.getArgument(stepArg), step.getArgument(lrArg), ok});
    freshParams.push_back(update.getResult(0));
    freshMs.push_back(update.getResult(1));
    freshVs.push_back(update.getResult(2));
  }
  for (unsigned i : trainableArgs)
    olds.push_back(step.getArgument(policyArgToStep[i]));
  for (unsigned a : llvm::concat<unsigned>(mArgs, vArgs))
    olds.push_back(step.getArgument(a));

  SmallVector<Value> results = {loss, call.getResult(1), call.getResult(2),
                                norm};
  Value one = arith::ConstantIntOp::create(b, loc, i64, 1);
  Value zero = arith::ConstantIntOp::create(b, loc, i64, 0);
  Value skipped = arith::SelectOp::create(b, loc, ok, zero, one);
  results.push_back(
      tensor::FromElementsOp::create(b, loc, scalarI64, ValueRange{skipped}));
  llvm::append_range(results, grads);
  // The update functions write in place (their results are their argument
  // buffers), so these copies fold away after bufferization.
  for (auto [fresh, old] : llvm::zip_equal(
           llvm::concat<Value>(freshParams, freshMs, freshVs), olds))
    results.push_back(bufferization::MaterializeInDestinationOp::create(
                          b, loc, fresh, old)
                          .getResult());
  func::ReturnOp::create(b, loc, results);
  return success();
}

/// An empty private function `name` (made unique) at the end of the module.
func::FuncOp BuildTrainStepPass::privateFunction(StringRef name,
                                                 FunctionType type) {
  ModuleOp module = getOperation();
  OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
  auto fn = func::FuncOp::create(mb, module.getLoc(), name, type);
  fn.setPrivate();
  SymbolTable(module).insert(fn);
  fn.addEntryBlock();
  return fn;
}

/// @train_grad_norm(g) -> ‖g‖ (tensor<f32>): the total_norm of a
/// zen.clip_grad_norm of the one tensor (its clipped result is dead code).
func::FuncOp BuildTrainStepPass::gradNormFunction(Type gradType) {
  func::FuncOp &fn = gradNormFns[gradType];
  if (fn)
    return fn;
  auto scalarF32 = RankedTensorType::get({}, Float32Type::get(&getContext()));
  fn = privateFunction("train_grad_norm",
                       FunctionType::get(&getContext(), gradType, scalarF32));
  OpBuilder b = OpBuilder::atBlockEnd(&fn.front());
  Location loc = fn.getLoc();
  auto clip = ClipGradNormOp::create(b, loc, TypeRange{gradType, scalarF32},
                                     fn.getArgument(0),
                                     b.getF64FloatAttr(maxGradNorm));
  func::ReturnOp::create(b, loc, clip.getTotalNorm());
  return fn;
}

/// @train_update(param, grad, exp_avg, exp_avg_sq, scale, step, lr, ok)
///     -> (param', exp_avg', exp_avg_sq')
/// One AdamW step on grad · scale (the clipping scale), written over the
/// three state tensors when `ok`, else their old values: destination-style
/// into the arguments, so that bufferization updates them in place.
func::FuncOp BuildTrainStepPass::updateFunction(Type paramType,
                                                Type gradType) {
  func::FuncOp &fn = updateFns[{paramType, gradType}];
  if (fn)
    return fn;
  MLIRContext *ctx = &getContext();
  Type f32 = Float32Type::get(ctx);
  auto param = cast<RankedTensorType>(paramType);
  auto grad = cast<RankedTensorType>(gradType);
  auto moment = RankedTensorType::get(param.getShape(), f32);
  auto scalarF32 = RankedTensorType::get({}, f32);
  auto scalarI64 = RankedTensorType::get({}, IntegerType::get(ctx, 64));
  fn = privateFunction(
      "train_update",
      FunctionType::get(ctx,
                        {paramType, gradType, moment, moment, scalarF32,
                         scalarI64, scalarF32, IntegerType::get(ctx, 1)},
                        {paramType, moment, moment}));
  OpBuilder b = OpBuilder::atBlockEnd(&fn.front());
  Location loc = fn.getLoc();
  ValueRange args = fn.getArguments();
  unsigned rank = param.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap scalar = AffineMap::get(rank, 0, ArrayRef<AffineExpr>{}, ctx);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);

  // grad · scale, in f32 (zen.clip_grad_norm's clipped gradient).
  Value empty = tensor::EmptyOp::create(b, loc, grad.getShape(),
                                        grad.getElementType());
  Value scaled =
      linalg::GenericOp::create(
          b, loc, TypeRange{gradType}, ValueRange{args[1], args[4]},
          ValueRange{empty}, ArrayRef<AffineMap>{id, scalar, id}, parallel,
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value g = a[0];
            Type elem = g.getType();
            if (elem != f32)
              g = arith::ExtFOp::create(nb, l, f32, g);
            Value r = arith::MulFOp::create(nb, l, g, a[1]);
            if (elem != f32)
              r = arith::TruncFOp::create(nb, l, elem, r);
            linalg::YieldOp::create(nb, l, r);
          })
          .getResult(0);
  auto adam = AdamWOp::create(
      b, loc, TypeRange{paramType, moment, moment}, ValueRange{args[0]},
      ValueRange{scaled}, ValueRange{args[2]}, ValueRange{args[3]}, args[5],
      args[6], b.getF64FloatAttr(learningRate), b.getF64FloatAttr(adamBeta1),
      b.getF64FloatAttr(adamBeta2), b.getF64FloatAttr(adamEpsilon),
      b.getF64FloatAttr(weightDecay));
  Value ok = args[7];
  auto chosen = linalg::GenericOp::create(
      b, loc, TypeRange{paramType, moment, moment}, adam.getResults(),
      ValueRange{args[0], args[2], args[3]},
      ArrayRef<AffineMap>{id, id, id, id, id, id}, parallel,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        SmallVector<Value> picked;
        for (unsigned j = 0; j < 3; ++j)
          picked.push_back(arith::SelectOp::create(nb, l, ok, a[j], a[j + 3]));
        linalg::YieldOp::create(nb, l, picked);
      });
  func::ReturnOp::create(b, loc, chosen.getResults());
  return fn;
}

/// The configuration the runtime needs (metadata "training").
void BuildTrainStepPass::recordConfig(ModuleOp module) {
  Builder b(module.getContext());
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("algorithm", b.getStringAttr(algorithm)),
      b.getNamedAttr("group_size", b.getI64IntegerAttr(groupSize)),
      b.getNamedAttr("gspo_level", b.getStringAttr(gspoLevel)),
      b.getNamedAttr("loss_type", b.getStringAttr(lossType)),
      b.getNamedAttr("scale_rewards", b.getStringAttr(scaleRewards)),
      b.getNamedAttr("epsilon_low", b.getF64FloatAttr(epsilonLow)),
      b.getNamedAttr("epsilon_high", b.getF64FloatAttr(epsilonHigh)),
      b.getNamedAttr("beta", b.getF64FloatAttr(beta)),
      b.getNamedAttr("temperature", b.getF64FloatAttr(temperature)),
      b.getNamedAttr("learning_rate", b.getF64FloatAttr(learningRate)),
      b.getNamedAttr("weight_decay", b.getF64FloatAttr(weightDecay)),
      b.getNamedAttr("adam_beta1", b.getF64FloatAttr(adamBeta1)),
      b.getNamedAttr("adam_beta2", b.getF64FloatAttr(adamBeta2)),
      b.getNamedAttr("adam_epsilon", b.getF64FloatAttr(adamEpsilon)),
      b.getNamedAttr("max_grad_norm", b.getF64FloatAttr(maxGradNorm)),
      b.getNamedAttr("materialize_logits", b.getBoolAttr(materializeLogits))};
  if (isLoRA()) {
    SmallVector<Attribute> targets;
    for (const std::string &t : loraTargets)
      targets.push_back(b.getStringAttr(t));
    attrs.push_back(b.getNamedAttr(
        "lora", b.getDictionaryAttr({
                    b.getNamedAttr("r", b.getI64IntegerAttr(loraRank)),
                    b.getNamedAttr("lora_alpha", b.getF64FloatAttr(loraAlpha)),
                    b.getNamedAttr("target_modules", b.getArrayAttr(targets)),
                    b.getNamedAttr("use_rslora", b.getBoolAttr(useRslora)),
                    b.getNamedAttr("lora_dropout", b.getF64FloatAttr(0.0)),
                })));
  } else {
    attrs.push_back(b.getNamedAttr("lora", b.getUnitAttr())); // JSON null
  }
  module->setAttr("zen.training", b.getDictionaryAttr(attrs));
}

void BuildTrainStepPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (failed(validateOptions(module)))
    return signalPassFailure();
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.isExternal()) {
    module.emitError("zen-build-train-step: the module has no @forward to "
                     "build the train step from");
    return signalPassFailure();
  }
  FailureOr<func::FuncOp> policy = buildPolicyLoss(forward);
  if (failed(policy))
    return signalPassFailure();

  SmallVector<unsigned> trainableArgs;
  if (isLoRA()) {
    if (failed(injectLoRA(*policy)))
      return signalPassFailure();
    for (unsigned i = numInputs; i < policy->getNumArguments(); ++i)
      if (policy->getArgAttr(i, kTrainableAttr))
        trainableArgs.push_back(i);
    if (trainableArgs.empty()) {
      module.emitError("zen-build-train-step: no projection matches "
                       "lora-targets (")
          << llvm::join(loraTargets, ",") << ")";
      return signalPassFailure();
    }
  } else {
    // Full fine-tuning: every weight is trained.
    MLIRContext *ctx = &getContext();
    for (unsigned i = numInputs; i < policy->getNumArguments(); ++i) {
      auto name = policy->getArgAttrOfType<StringAttr>(
          i, ZenDialect::getParamAttrName());
      if (!name)
        continue;
      policy->setArgAttrs(
          i, DictionaryAttr::get(
                 ctx, {NamedAttribute(StringAttr::get(ctx, kTrainableAttr),
                                      name)}));
      trainableArgs.push_back(i);
    }
  }

  SmallVector<bool> needs(policy->getNumArguments(), false);
  for (unsigned i : trainableArgs)
    needs[i] = true;
  ReverseModeBuilder reverse(module);
  FailureOr<func::FuncOp> vjp = reverse.getOrBuild(
      *policy, needs, /*returnPrimals=*/true, "policy_loss_vjp");
  if (failed(vjp))
    return signalPassFailure();
  if (failed(buildTrainStep(*policy, *vjp, trainableArgs)))
    return signalPassFailure();
  recordConfig(module);
}

} // namespace
