//===- TrainOps.cpp - Zen training-step ops -> linalg ---------------------===//
//
// Lowers the ops of one GSPO / GRPO step (reference: gspo-training.md §2-§5,
// §7) and their backward ops. Statistics, losses and optimizer arithmetic run
// in f32; the selective log-prob never builds [tokens × V]: it streams the LM
// head over vocabulary tiles (scf.for) with an online max / sum of exp.
//
//===----------------------------------------------------------------------===//

#include "TrainLowering.h"
#include "zen/Conversion/ZenToLinalg.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;
using namespace mlir::zen::lowering::train;

namespace {

//===----------------------------------------------------------------------===//
// zen.token_logprobs
//===----------------------------------------------------------------------===//

// train §2: logp = z[y]/τ − logsumexp(z/τ), streamed over vocabulary tiles.
// Per token the loop carries the running max m, the sum s of exp(x − m) and
// x[y]; each tile is one contraction (the logits tile) and one reduction
// generic doing the online update with one exp per element:
//   x > m: s ← s·e^{m−x} + 1, m ← x;   else: s ← s + e^{x−m}.
struct TokenLogprobsLowering : OpConversionPattern<TokenLogprobsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TokenLogprobsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    VocabStream stream{
        adaptor.getHidden(),
        adaptor.getLmHeadW(),
        adaptor.getTargets(),
        cast<RankedTensorType>(adaptor.getHidden().getType()).getElementType(),
        op.getTemperature().convertToDouble(),
        static_cast<unsigned>(
            cast<RankedTensorType>(adaptor.getTargets().getType()).getRank()),
        op.getMaterializeLogits()};
    unsigned r = stream.leadRank;
    Type f32 = b.getF32Type();
    SmallVector<OpFoldResult> lead = stream.leadSizes(b);
    double inf = std::numeric_limits<double>::infinity();
    SmallVector<Value> inits = {filledTensor(b, lead, f32, -inf),
                                filledTensor(b, lead, f32, 0.0),
                                filledTensor(b, lead, f32, 0.0)};
    AffineMap id = identityMap(ctx, r + 1), row = dropLastDimMap(ctx, r + 1);
    SmallVector<Value> stats = stream.forEachTile(
        b, inits,
        [&](ImplicitLocOpBuilder &ib, Value v0, Value, Value logits,
            ValueRange iter) {
          return generic(
              ib, ValueRange{logits, stream.targets}, iter,
              {id, row, row, row, row}, lastReducedIterators(r + 1),
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                Value x = stream.scaledLogit(nb, loc, args[0]);
                Value m = args[2], s = args[3], picked = args[4];
                Value above = cmpF(nb, loc, arith::CmpFPredicate::OGT, x, m);
                // e = exp(−|x − m|); m = −inf on the first element gives 0.
                Value e = math::ExpOp::create(
                    nb, loc,
                    arith::NegFOp::create(
                        nb, loc,
                        math::AbsFOp::create(nb, loc, subF(nb, loc, x, m))));
                Value one = f32Const(nb, loc, 1.0);
                Value sNew = select(nb, loc, above,
                                    addF(nb, loc, mulF(nb, loc, s, e), one),
                                    addF(nb, loc, s, e));
                Value mNew = select(nb, loc, above, x, m);
                Value pNew = select(nb, loc, isTarget(nb, loc, r, v0, args[1]),
                                    x, picked);
                linalg::YieldOp::create(nb, loc, ValueRange{mNew, sNew, pNew});
              });
        });
    AffineMap ids = identityMap(ctx, r);
    Value logp = generic(
        b, ValueRange{stats[0], stats[1], stats[2]}, emptyTensor(b, lead, f32),
        {ids, ids, ids, ids}, parallelIterators(r),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value lse =
              addF(nb, loc, args[0], math::LogOp::create(nb, loc, args[1]));
          yieldValue(nb, loc, subF(nb, loc, args[2], lse));
        })[0];
    if (logp.getType() != op.getType())
      logp = tensor::CastOp::create(b, op.getType(), logp);
    rewriter.replaceOp(op, logp);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.group_advantages
//===----------------------------------------------------------------------===//

// train §3: per reward, the statistics of its group come from a generic over
// (i, j), j < G, reading rewards[(i floordiv G)·G + j] (a [G] zero tensor
// gives the loop its range): the sum, max and min in one pass, the squared
// deviations in a second. A group with max == min gets exactly 0.
struct GroupAdvantagesLowering : OpConversionPattern<GroupAdvantagesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GroupAdvantagesOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Value rewards = adaptor.getRewards();
    int64_t groupSize = op.getGroupSize();
    Type f32 = b.getF32Type();
    SmallVector<OpFoldResult> n = sizesOf(b, rewards);
    AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx);
    AffineMap member =
        AffineMap::get(2, 0, {i.floorDiv(groupSize) * groupSize + j}, ctx);
    AffineMap lane = AffineMap::get(2, 0, {j}, ctx);
    AffineMap row = AffineMap::get(2, 0, {i}, ctx);
    Value range = filledTensor(b, {b.getIndexAttr(groupSize)}, f32, 0.0);
    auto reduceJ = parallelIterators(2);
    reduceJ.back() = utils::IteratorType::reduction;
    double inf = std::numeric_limits<double>::infinity();
    SmallVector<Value> first = generic(
        b, ValueRange{rewards, range},
        ValueRange{filledTensor(b, n, f32, 0.0), filledTensor(b, n, f32, -inf),
                   filledTensor(b, n, f32, inf)},
        {member, lane, row, row, row}, reduceJ,
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value x = args[0];
          linalg::YieldOp::create(nb, loc,
                                  ValueRange{addF(nb, loc, args[2], x),
                                             maxF(nb, loc, args[3], x),
                                             minF(nb, loc, args[4], x)});
        });
    Value sum = first[0], hi = first[1], lo = first[2];
    Value groupF = f32Const(b, b.getLoc(), static_cast<double>(groupSize));
    RewardScaling scaling = op.getScaling();
    // Σ (r − mean_g)² over i's group, for scaling = group only.
    Value sq =
        scaling != RewardScaling::group
            ? sum
            : generic(b, ValueRange{rewards, range, sum},
                      filledTensor(b, n, f32, 0.0), {member, lane, row, row},
                      reduceJ,
                      [&](OpBuilder &nb, Location loc, ValueRange args) {
                        Value d = subF(nb, loc, args[0],
                                       divF(nb, loc, args[2], groupF));
                        yieldValue(nb, loc,
                                   addF(nb, loc, args[3], mulF(nb, loc, d, d)));
                      })[0];

    Value batchStd;
    if (scaling == RewardScaling::batch) {
      // std over all N rewards, unbiased: two scalar reductions.
      AffineMap all = identityMap(ctx, 1), none = scalarMap(ctx, 1);
      auto red =
          SmallVector<utils::IteratorType>{utils::IteratorType::reduction};
      Value total =
          generic(b, rewards, scalarTensor(b, 0.0), {all, none}, red,
                  [&](OpBuilder &nb, Location loc, ValueRange args) {
                    yieldValue(nb, loc, addF(nb, loc, args[1], args[0]));
                  })[0];
      Value count = dimAsF32(b, rewards, 0);
      Value mean = divF(b, b.getLoc(), extractScalar(b, total), count);
      Value dev = generic(
          b, rewards, scalarTensor(b, 0.0), {all, none}, red,
          [&](OpBuilder &nb, Location loc, ValueRange args) {
            Value d = subF(nb, loc, args[0], mean);
            yieldValue(nb, loc, addF(nb, loc, args[1], mulF(nb, loc, d, d)));
          })[0];
      Value var =
          divF(b, b.getLoc(), extractScalar(b, dev),
               subF(b, b.getLoc(), count, f32Const(b, b.getLoc(), 1.0)));
      batchStd = math::SqrtOp::create(b, var);
    }
    double eps = op.getEps().convertToDouble();
    AffineMap id = identityMap(ctx, 1);
    Value result = generic(
        b, ValueRange{rewards, sum, sq, hi, lo}, emptyTensor(b, n, f32),
        {id, id, id, id, id, id}, parallelIterators(1),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value dev = subF(nb, loc, args[0], divF(nb, loc, args[1], groupF));
          Value adv = dev;
          if (scaling != RewardScaling::none) {
            Value std = batchStd;
            if (scaling == RewardScaling::group)
              std = math::SqrtOp::create(
                  nb, loc,
                  divF(nb, loc, args[2],
                       f32Const(nb, loc, static_cast<double>(groupSize - 1))));
            adv =
                divF(nb, loc, dev, addF(nb, loc, std, f32Const(nb, loc, eps)));
          }
          Value constant =
              cmpF(nb, loc, arith::CmpFPredicate::OEQ, args[3], args[4]);
          yieldValue(nb, loc,
                     select(nb, loc, constant, f32Const(nb, loc, 0.0), adv));
        })[0];
    if (result.getType() != op.getType())
      result = tensor::CastOp::create(b, op.getType(), result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gspo_loss, zen.gspo_loss_grad
//===----------------------------------------------------------------------===//

// train §4: per row, s_i from the masked log-ratio mean; the loss, the mean
// ratio and the clipped share are sums over rows divided by N. The token
// level (GSPO-token) has the same value: every token ratio equals s_i.
struct GspoLossLowering : OpConversionPattern<GspoLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GspoLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    auto [length, sum] = sequenceSums(b, adaptor.getLogp(),
                                      adaptor.getOldLogp(), adaptor.getMask());
    double epsLow = op.getEpsLow().convertToDouble();
    double epsHigh = op.getEpsHigh().convertToDouble();
    AffineMap id = identityMap(ctx, 1), none = scalarMap(ctx, 1);
    SmallVector<Value> sums = generic(
        b, ValueRange{length, sum, adaptor.getAdvantages()},
        ValueRange{scalarTensor(b, 0.0), scalarTensor(b, 0.0),
                   scalarTensor(b, 0.0)},
        {id, id, id, none, none, none}, {utils::IteratorType::reduction},
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value s = sequenceRatio(nb, loc, args[0], args[1]);
          Value live = cmpF(nb, loc, arith::CmpFPredicate::OGT, args[0],
                            f32Const(nb, loc, 0.0));
          Value term = select(nb, loc, live,
                              surrogate(nb, loc, s, args[2], epsLow, epsHigh),
                              f32Const(nb, loc, 0.0));
          Value clipped = boolToF32(
              nb, loc, isClipped(nb, loc, s, args[2], epsLow, epsHigh));
          linalg::YieldOp::create(nb, loc,
                                  ValueRange{addF(nb, loc, args[3], term),
                                             addF(nb, loc, args[4], s),
                                             addF(nb, loc, args[5], clipped)});
        });
    Value count = dimAsF32(b, adaptor.getLogp(), 0);
    SmallVector<Value> results;
    for (Value total : sums)
      results.push_back(
          fromScalar(b, divF(b, b.getLoc(), extractScalar(b, total), count)));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.grpo_loss, zen.grpo_loss_grad
//===----------------------------------------------------------------------===//

/// Row sums over T: Σ M ℓ, Σ M, Σ M ρ, Σ M [clipped].
static SmallVector<Value> grpoRowSums(ImplicitLocOpBuilder &b, GrpoLossOp op,
                                      Value logp, Value old, Value adv,
                                      Value mask, Value ref) {
  MLIRContext *ctx = b.getContext();
  double epsLow = op.getEpsLow().convertToDouble();
  double epsHigh = op.getEpsHigh().convertToDouble();
  double beta = op.getBeta().convertToDouble();
  SmallVector<OpFoldResult> rows = {sizesOf(b, logp)[0]};
  Type f32 = b.getF32Type();
  AffineMap id = identityMap(ctx, 2), row = dropLastDimMap(ctx, 2);
  SmallVector<Value> ins = {logp, old, adv, mask};
  SmallVector<AffineMap> maps = {id, id, row, id};
  bool withRef = beta != 0.0;
  if (withRef) {
    ins.push_back(ref);
    maps.push_back(id);
  }
  SmallVector<Value> inits;
  for (unsigned k = 0; k < 4; ++k) {
    inits.push_back(filledTensor(b, rows, f32, 0.0));
    maps.push_back(row);
  }
  return generic(
      b, ins, inits, maps, lastReducedIterators(2),
      [&](OpBuilder &nb, Location loc, ValueRange args) {
        Value m = toF32(nb, loc, args[3]);
        ValueRange acc = args.drop_front(withRef ? 5 : 4);
        GrpoToken t =
            grpoToken(nb, loc, args[0], args[1], args[2],
                      withRef ? args[4] : Value(), epsLow, epsHigh, beta);
        linalg::YieldOp::create(
            nb, loc,
            ValueRange{addF(nb, loc, acc[0], mulF(nb, loc, m, t.loss)),
                       addF(nb, loc, acc[1], m),
                       addF(nb, loc, acc[2], mulF(nb, loc, m, t.ratio)),
                       addF(nb, loc, acc[3],
                            mulF(nb, loc, m, boolToF32(nb, loc, t.clipped)))});
      });
}

// train §5: one reduction over T per row (Σ Mℓ, Σ M, Σ Mρ, Σ M·clipped), one
// over rows to scalars, then the loss_type's normalisation in scalar arith.
struct GrpoLossLowering : OpConversionPattern<GrpoLossOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GrpoLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Value logp = adaptor.getLogp();
    SmallVector<Value> rows =
        grpoRowSums(b, op, logp, adaptor.getOldLogp(), adaptor.getAdvantages(),
                    adaptor.getMask(), adaptor.getRefLogp());
    AffineMap id = identityMap(ctx, 1), none = scalarMap(ctx, 1);
    SmallVector<Value> inits;
    for (int k = 0; k < 5; ++k)
      inits.push_back(scalarTensor(b, 0.0));
    SmallVector<Value> sums = generic(
        b, rows, inits, {id, id, id, id, none, none, none, none, none},
        {utils::IteratorType::reduction},
        [&](OpBuilder &nb, Location loc, ValueRange a) {
          Value perRow =
              divF(nb, loc, a[0], maxF(nb, loc, a[1], f32Const(nb, loc, 1.0)));
          linalg::YieldOp::create(
              nb, loc,
              ValueRange{addF(nb, loc, a[4], perRow), addF(nb, loc, a[5], a[0]),
                         addF(nb, loc, a[6], a[1]), addF(nb, loc, a[7], a[2]),
                         addF(nb, loc, a[8], a[3])});
        });
    Location loc = b.getLoc();
    Value perRowSum = extractScalar(b, sums[0]),
          total = extractScalar(b, sums[1]);
    Value active =
        maxF(b, loc, extractScalar(b, sums[2]), f32Const(b, loc, 1.0));
    Value count = dimAsF32(b, logp, 0);
    Value loss;
    switch (op.getLossType()) {
    case GrpoLossType::grpo:
      loss = divF(b, loc, perRowSum, count);
      break;
    case GrpoLossType::bnpo:
    case GrpoLossType::dapo:
      loss = divF(b, loc, total, active);
      break;
    case GrpoLossType::dr_grpo:
      loss = divF(b, loc, total,
                  mulF(b, loc, count, completionLength(b, op, logp)));
      break;
    }
    rewriter.replaceOp(
        op,
        ValueRange{
            fromScalar(b, loss),
            fromScalar(b, divF(b, loc, extractScalar(b, sums[3]), active)),
            fromScalar(b, divF(b, loc, extractScalar(b, sums[4]), active))});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.clip_grad_norm
//===----------------------------------------------------------------------===//

// train §7: Σ g² of every gradient into one f32 scalar, total = sqrt, then
// every gradient times min(1, max_norm / (total + 1e-6)) — torch always
// multiplies by the clamped coefficient, and g · 1 = g exactly.
struct ClipGradNormLowering : OpConversionPattern<ClipGradNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ClipGradNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Location loc = b.getLoc();
    Value sumSq = scalarTensor(b, 0.0);
    for (Value grad : adaptor.getGrads()) {
      unsigned rank = cast<RankedTensorType>(grad.getType()).getRank();
      SmallVector<utils::IteratorType> iters(rank,
                                             utils::IteratorType::reduction);
      sumSq = generic(b, grad, sumSq,
                      {identityMap(ctx, rank), scalarMap(ctx, rank)}, iters,
                      [&](OpBuilder &nb, Location l, ValueRange a) {
                        Value x = toF32(nb, l, a[0]);
                        yieldValue(nb, l, addF(nb, l, a[1], mulF(nb, l, x, x)));
                      })[0];
    }
    Value total = math::SqrtOp::create(b, extractScalar(b, sumSq));
    Value coef =
        divF(b, loc, f32Const(b, loc, op.getMaxNorm().convertToDouble()),
             addF(b, loc, total, f32Const(b, loc, 1e-6)));
    coef = minF(b, loc, coef, f32Const(b, loc, 1.0));
    SmallVector<Value> results;
    for (auto [grad, resultType] :
         llvm::zip(adaptor.getGrads(), op.getClipped().getTypes())) {
      auto type = cast<RankedTensorType>(grad.getType());
      unsigned rank = type.getRank();
      Type elem = type.getElementType();
      Value out = generic(
          b, grad, emptyLike(b, grad, elem),
          {identityMap(ctx, rank), identityMap(ctx, rank)},
          parallelIterators(rank),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            yieldValue(
                nb, l,
                castFloat(nb, l, mulF(nb, l, toF32(nb, l, a[0]), coef), elem));
          })[0];
      if (out.getType() != resultType)
        out = tensor::CastOp::create(b, resultType, out);
      results.push_back(out);
    }
    results.push_back(fromScalar(b, total));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.adamw
//===----------------------------------------------------------------------===//

// train §7 with torch's single-tensor AdamW operation order (f32 tensors,
// Python-float scalars rounded to f32): p·(1 − lr·wd); m.lerp_(g, 1 − β1);
// v·β2 + (1 − β2)·g·g; p + (−step_size·m) / (sqrt(v)/sqrt(bc2) + eps), with
// step_size = lr / (1 − β1^t) and bc2 = 1 − β2^t computed in f64 from t.
struct AdamWLowering : OpConversionPattern<AdamWOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AdamWOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    double beta1 = op.getBeta1().convertToDouble();
    double beta2 = op.getBeta2().convertToDouble();
    Type f64 = b.getF64Type(), f32 = b.getF32Type();
    auto c64 = [&](double v) {
      return arith::ConstantOp::create(b, f64, b.getF64FloatAttr(v))
          .getResult();
    };
    // The run-time learning rate when given, else the attribute.
    Value lr = adaptor.getLrValue()
                   ? arith::ExtFOp::create(
                         b, f64, extractScalar(b, adaptor.getLrValue()))
                         .getResult()
                   : c64(op.getLr().convertToDouble());
    Value t =
        arith::SIToFPOp::create(b, f64, extractScalar(b, adaptor.getStep()));
    Value bc1 = arith::SubFOp::create(b, c64(1.0),
                                      math::PowFOp::create(b, c64(beta1), t));
    Value bc2 = arith::SubFOp::create(b, c64(1.0),
                                      math::PowFOp::create(b, c64(beta2), t));
    Value negStepSize = arith::TruncFOp::create(
        b, f32, arith::NegFOp::create(b, arith::DivFOp::create(b, lr, bc1)));
    Value bc2Sqrt =
        arith::TruncFOp::create(b, f32, math::SqrtOp::create(b, bc2));
    // θ's decay factor 1 − lr·wd: a constant unless lr comes at run time.
    double wd = op.getWeightDecay().convertToDouble();
    Value runtimeDecay;
    if (adaptor.getLrValue())
      runtimeDecay = arith::TruncFOp::create(
          b, f32,
          arith::SubFOp::create(b, c64(1.0),
                                arith::MulFOp::create(b, lr, c64(wd))));
    double constantDecay = 1.0 - op.getLr().convertToDouble() * wd;
    double eps = op.getEps().convertToDouble();

    size_t count = adaptor.getParams().size();
    SmallVector<Value> newParams, newAvg, newAvgSq;
    for (size_t j = 0; j < count; ++j) {
      Value p = adaptor.getParams()[j];
      auto type = cast<RankedTensorType>(p.getType());
      unsigned rank = type.getRank();
      Type elem = type.getElementType();
      AffineMap id = identityMap(ctx, rank);
      SmallVector<Value> outs = {emptyLike(b, p, elem), emptyLike(b, p, elem),
                                 emptyLike(b, p, elem)};
      SmallVector<Value> r = generic(
          b,
          ValueRange{p, adaptor.getGrads()[j], adaptor.getExpAvg()[j],
                     adaptor.getExpAvgSq()[j]},
          outs, SmallVector<AffineMap>(7, id), parallelIterators(rank),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value theta = toF32(nb, l, a[0]), g = toF32(nb, l, a[1]);
            Value m = toF32(nb, l, a[2]), v = toF32(nb, l, a[3]);
            theta = roundThrough(
                nb, l, mulF(nb, l, theta,
                      runtimeDecay ? runtimeDecay
                                   : f32Const(nb, l, constantDecay)), elem);
            // torch's lerp: weight < 0.5 ? m + w (g − m) : g − (g − m)(1 − w).
            float w = static_cast<float>(1.0 - beta1);
            Value diff = subF(nb, l, g, m);
            Value mNew =
                w < 0.5f ? addF(nb, l, m, mulF(nb, l, f32Const(nb, l, w), diff))
                         : subF(nb, l, g,
                                mulF(nb, l, diff, f32Const(nb, l, 1.0f - w)));
            mNew = roundThrough(nb, l, mNew, elem);
            Value vNew = roundThrough(
                nb, l, mulF(nb, l, v, f32Const(nb, l, beta2)), elem);
            Value gg =
                mulF(nb, l, mulF(nb, l, f32Const(nb, l, 1.0 - beta2), g), g);
            vNew = roundThrough(nb, l, addF(nb, l, vNew, gg), elem);
            Value denom = addF(
                nb, l, divF(nb, l, math::SqrtOp::create(nb, l, vNew), bc2Sqrt),
                f32Const(nb, l, eps));
            Value step = divF(nb, l, mulF(nb, l, negStepSize, mNew), denom);
            Value thetaNew = addF(nb, l, theta, step);
            linalg::YieldOp::create(nb, l,
                                    ValueRange{castFloat(nb, l, thetaNew, elem),
                                               castFloat(nb, l, mNew, elem),
                                               castFloat(nb, l, vNew, elem)});
          });
      newParams.push_back(r[0]);
      newAvg.push_back(r[1]);
      newAvgSq.push_back(r[2]);
    }
    SmallVector<Value> results(newParams);
    results.append(newAvg);
    results.append(newAvgSq);
    for (auto [k, result] : llvm::enumerate(results))
      if (result.getType() != op->getResult(k).getType())
        result = tensor::CastOp::create(b, op->getResult(k).getType(), result);
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::zen::populateZenTrainOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TokenLogprobsLowering, GroupAdvantagesLowering, GspoLossLowering,
               GrpoLossLowering, ClipGradNormLowering, AdamWLowering>(
      patterns.getContext());
  populateTrainGradOpsPatterns(patterns);
}
