//===- TrainOps.cpp - Zen training-step ops -> linalg ---------------------===//
//
// Lowers the ops of one GSPO / GRPO step (reference: gspo-training.md §2-§5,
// §7) and their backward ops. Statistics, losses and optimizer arithmetic run
// in f32; the selective log-prob never builds [tokens × V]: it streams the LM
// head over vocabulary tiles (scf.for) with an online max / sum of exp.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "zen/Conversion/ZenToLinalg.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>
#include <limits>

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

/// Vocabulary rows of the LM head per streamed tile: a [tokens × 2048] f32
/// logits tile is 32 MiB for 4096 tokens, and V = 151936 takes 75 tiles.
static constexpr int64_t kVocabTile = 2048;

//===----------------------------------------------------------------------===//
// Helpers private to this file
//===----------------------------------------------------------------------===//

using BodyFn = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic with the given maps and iterators; returns its results.
static SmallVector<Value> generic(ImplicitLocOpBuilder &b, ValueRange ins,
                                  ValueRange outs, ArrayRef<AffineMap> maps,
                                  ArrayRef<utils::IteratorType> iters,
                                  BodyFn body) {
  TypeRange types = outs.getTypes();
  auto op = linalg::GenericOp::create(b, types, ins, outs, maps, iters, body);
  return SmallVector<Value>(op.getResults());
}

/// The map of `n` loops onto no dims: a 0-d tensor (a scalar accumulator).
static AffineMap scalarMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::get(n, 0, ArrayRef<AffineExpr>{}, ctx);
}

/// A 0-d f32 tensor holding `value`.
static Value scalarTensor(ImplicitLocOpBuilder &b, double value) {
  return filledTensor(b, {}, b.getF32Type(), value);
}

/// The scalar in a 0-d tensor.
static Value extractScalar(ImplicitLocOpBuilder &b, Value tensor) {
  return tensor::ExtractOp::create(b, tensor, ValueRange{});
}

/// A 0-d f32 tensor from an f32 scalar.
static Value fromScalar(ImplicitLocOpBuilder &b, Value scalar) {
  return tensor::FromElementsOp::create(
      b, RankedTensorType::get({}, b.getF32Type()), ValueRange{scalar});
}

/// Dimension `dim` of `value` as an f32 scalar.
static Value dimAsF32(ImplicitLocOpBuilder &b, Value value, int64_t dim) {
  Value size = getValueOrCreateConstantIndexOp(b, b.getLoc(),
                                               sizesOf(b, value)[dim]);
  return toF32(b, b.getLoc(),
               arith::IndexCastOp::create(b, b.getI64Type(), size));
}

static Value maxF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MaximumFOp::create(b, loc, x, y);
}
static Value minF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MinimumFOp::create(b, loc, x, y);
}
static Value cmpF(OpBuilder &b, Location loc, arith::CmpFPredicate p, Value x,
                  Value y) {
  return arith::CmpFOp::create(b, loc, p, x, y);
}
static Value select(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}
static Value addF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
static Value subF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
static Value mulF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
static Value divF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::DivFOp::create(b, loc, x, y);
}

/// Whether the clipped branch of min(ρ A, clip(ρ) A) is the minimum, i.e. the
/// token or sequence gets no policy gradient (train §4): (ρ < 1 − eps_low and
/// A < 0) or (ρ > 1 + eps_high and A > 0). Also the clip-fraction indicator.
static Value isClipped(OpBuilder &b, Location loc, Value ratio, Value adv,
                       double epsLow, double epsHigh) {
  using P = arith::CmpFPredicate;
  Value zero = f32Const(b, loc, 0.0);
  Value low = arith::AndIOp::create(
      b, loc, cmpF(b, loc, P::OLT, ratio, f32Const(b, loc, 1.0 - epsLow)),
      cmpF(b, loc, P::OLT, adv, zero));
  Value high = arith::AndIOp::create(
      b, loc, cmpF(b, loc, P::OGT, ratio, f32Const(b, loc, 1.0 + epsHigh)),
      cmpF(b, loc, P::OGT, adv, zero));
  return arith::OrIOp::create(b, loc, low, high);
}

/// −min(ρ A, clip(ρ, 1 − eps_low, 1 + eps_high) A).
static Value surrogate(OpBuilder &b, Location loc, Value ratio, Value adv,
                       double epsLow, double epsHigh) {
  Value clipped =
      minF(b, loc, maxF(b, loc, ratio, f32Const(b, loc, 1.0 - epsLow)),
           f32Const(b, loc, 1.0 + epsHigh));
  Value obj = minF(b, loc, mulF(b, loc, ratio, adv), mulF(b, loc, clipped, adv));
  return arith::NegFOp::create(b, loc, obj);
}

/// 1.0 or 0.0 from an i1.
static Value boolToF32(OpBuilder &b, Location loc, Value flag) {
  return arith::UIToFPOp::create(b, loc, b.getF32Type(), flag);
}

//===----------------------------------------------------------------------===//
// Selective log-prob: shared by the forward and the backward
//===----------------------------------------------------------------------===//

namespace {
/// The pieces of a vocabulary-tiled stream over the LM head [V, H].
struct VocabStream {
  Value hidden, head, targets;
  Type elem;
  double temperature;
  unsigned leadRank; // rank of targets

  /// round(round(z) / τ) in f32: HF's lm_head output is stored in the
  /// activation dtype, and TRL divides those logits by the temperature in
  /// that dtype. Identity roundings for f32.
  Value scaledLogit(OpBuilder &b, Location loc, Value zF32) const {
    Value z = roundThrough(b, loc, zF32, elem);
    return roundThrough(b, loc, divF(b, loc, z, f32Const(b, loc, temperature)),
                        elem);
  }

  /// The sizes of the leading dims (those of targets), from hidden, which
  /// carries every static size the result type has.
  SmallVector<OpFoldResult> leadSizes(ImplicitLocOpBuilder &b) const {
    SmallVector<OpFoldResult> sizes = sizesOf(b, hidden);
    sizes.pop_back();
    return sizes;
  }

  /// Loops over vocabulary tiles [v0, v0 + min(tile, V − v0)); `body` gets
  /// the tile start, the tile of the LM head [vt, H] and the logits tile
  /// z = h W_tileᵀ [..., vt] (f32), and yields the new iter values.
  SmallVector<Value>
  forEachTile(ImplicitLocOpBuilder &b, ValueRange inits,
              function_ref<SmallVector<Value>(ImplicitLocOpBuilder &, Value,
                                              Value, Value, ValueRange)>
                  body) const {
    Value vocab = getValueOrCreateConstantIndexOp(b, b.getLoc(),
                                                  sizesOf(b, head)[0]);
    OpFoldResult width = sizesOf(b, head)[1];
    Value tile = indexConst(b, b.getLoc(), kVocabTile);
    auto loop = scf::ForOp::create(
        b, indexConst(b, b.getLoc(), 0), vocab, tile, inits,
        [&](OpBuilder &lb, Location loc, Value v0, ValueRange iter) {
          ImplicitLocOpBuilder ib(loc, lb);
          Value rows = arith::MinSIOp::create(
              ib, tile, arith::SubIOp::create(ib, vocab, v0));
          Value headTile = tensor::ExtractSliceOp::create(
              ib, head, ArrayRef<OpFoldResult>{v0, ib.getIndexAttr(0)},
              ArrayRef<OpFoldResult>{rows, width},
              ArrayRef<OpFoldResult>{ib.getIndexAttr(1), ib.getIndexAttr(1)});
          Value logits = contractLastDimF32(ib, hidden, headTile);
          SmallVector<Value> next = body(ib, v0, headTile, logits, iter);
          scf::YieldOp::create(ib, next);
        });
    return SmallVector<Value>(loop.getResults());
  }
};
} // namespace

/// Whether the vocabulary id of the current element of a [..., vt] tile
/// (loop dim `dim`, tile start `v0`) is the target `y`.
static Value isTarget(OpBuilder &b, Location loc, unsigned dim, Value v0,
                      Value y) {
  Value id = arith::AddIOp::create(b, loc, linalg::IndexOp::create(b, loc, dim),
                                   v0);
  Value target = arith::IndexCastOp::create(b, loc, b.getIndexType(), y);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, id, target);
}


/// rows[..., :] = table[ids[...], :]: a tensor shaped like `like` [..., H]
/// with the element type of `table` [V, H]. Built as a nest of scf.for over
/// the ids copying one row slice each (a gather in a linalg body, a
/// tensor.extract at a computed index, is miscompiled by the CPU pipeline's
/// vectorizer when H is not a multiple of the vector width).
static Value gatherRows(ImplicitLocOpBuilder &b, Value table, Value ids,
                        Value like) {
  auto likeType = cast<RankedTensorType>(like.getType());
  unsigned r = likeType.getRank() - 1;
  Type elem = cast<RankedTensorType>(table.getType()).getElementType();
  SmallVector<OpFoldResult> sizes = sizesOf(b, like);
  OpFoldResult width = sizesOf(b, table)[1];
  Value init = emptyTensor(b, sizes, elem);
  Value c0 = indexConst(b, b.getLoc(), 0), c1 = indexConst(b, b.getLoc(), 1);
  SmallVector<Value> idx;
  // Recursive nest: depth d loops over lead dim d, carrying the result.
  std::function<Value(OpBuilder &, Location, unsigned, Value)> nest =
      [&](OpBuilder &ob, Location loc, unsigned d, Value acc) -> Value {
    ImplicitLocOpBuilder ib(loc, ob);
    if (d == r) {
      Value id = tensor::ExtractOp::create(ib, ids, idx);
      Value row = arith::IndexCastOp::create(ib, ib.getIndexType(), id);
      auto one = ib.getIndexAttr(1), zero = ib.getIndexAttr(0);
      SmallVector<OpFoldResult> unitStrides(r + 1, one);
      Value slice = tensor::ExtractSliceOp::create(
          ib,
          RankedTensorType::get(
              {cast<RankedTensorType>(table.getType()).getDimSize(1)}, elem),
          table,
          ArrayRef<OpFoldResult>{row, zero}, ArrayRef<OpFoldResult>{one, width},
          ArrayRef<OpFoldResult>{one, one});
      SmallVector<OpFoldResult> offsets(idx.begin(), idx.end());
      offsets.push_back(zero);
      SmallVector<OpFoldResult> sliceSizes(r, one);
      sliceSizes.push_back(width);
      return tensor::InsertSliceOp::create(ib, slice, acc, offsets, sliceSizes,
                                           unitStrides);
    }
    Value ub = getValueOrCreateConstantIndexOp(ib, loc, sizes[d]);
    auto loop = scf::ForOp::create(
        ib, c0, ub, c1, ValueRange{acc},
        [&](OpBuilder &lb, Location l, Value iv, ValueRange iter) {
          idx.push_back(iv);
          Value next = nest(lb, l, d + 1, iter[0]);
          idx.pop_back();
          scf::YieldOp::create(lb, l, next);
        });
    return loop.getResult(0);
  };
  return nest(b, b.getLoc(), 0, init);
}

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
    VocabStream stream{adaptor.getHidden(), adaptor.getLmHeadW(),
                       adaptor.getTargets(),
                       cast<RankedTensorType>(adaptor.getHidden().getType())
                           .getElementType(),
                       op.getTemperature().convertToDouble(),
                       static_cast<unsigned>(
                           cast<RankedTensorType>(
                               adaptor.getTargets().getType())
                               .getRank())};
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
                linalg::YieldOp::create(nb, loc,
                                        ValueRange{mNew, sNew, pNew});
              });
        });
    AffineMap ids = identityMap(ctx, r);
    Value logp =
        generic(b, ValueRange{stats[0], stats[1], stats[2]},
                emptyTensor(b, lead, f32), {ids, ids, ids, ids},
                parallelIterators(r),
                [&](OpBuilder &nb, Location loc, ValueRange args) {
                  Value lse = addF(nb, loc, args[0],
                                   math::LogOp::create(nb, loc, args[1]));
                  yieldValue(nb, loc, subF(nb, loc, args[2], lse));
                })[0];
    if (logp.getType() != op.getType())
      logp = tensor::CastOp::create(b, op.getType(), logp);
    rewriter.replaceOp(op, logp);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.token_logprobs_grad
//===----------------------------------------------------------------------===//

// train §2 backward: with g = d loss / d logp,
//   d x = g (onehot(y) − softmax(x)), x = z/τ;  d z = d x / τ
//   d hidden = Σ_tiles d z_tile · W_tile;  d W_tile = Σ_tokens d z_tileᵀ h.
// softmax(x)_v = exp(x_v − lse), with lse = x[y] − logp recovered from the
// forward's result (x[y] is one dot product per token), so every tile is
// recomputed once and nothing of size V per token is kept.
struct TokenLogprobsGradLowering
    : OpConversionPattern<TokenLogprobsGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TokenLogprobsGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Value hidden = adaptor.getHidden(), head = adaptor.getLmHeadW();
    auto hiddenType = cast<RankedTensorType>(hidden.getType());
    VocabStream stream{hidden,
                       head,
                       adaptor.getTargets(),
                       hiddenType.getElementType(),
                       op.getTemperature().convertToDouble(),
                       static_cast<unsigned>(hiddenType.getRank() - 1)};
    unsigned r = stream.leadRank;
    Type f32 = b.getF32Type();
    SmallVector<OpFoldResult> lead = stream.leadSizes(b);
    AffineMap ids = identityMap(ctx, r);

    // x[y] per token: Σ_k h[..., k] W[y, k], against the gathered target
    // rows of the LM head.
    Value targetRows = gatherRows(b, head, stream.targets, hidden);
    Value picked = generic(
        b, ValueRange{hidden, targetRows}, filledTensor(b, lead, f32, 0.0),
        {identityMap(ctx, r + 1), identityMap(ctx, r + 1),
         dropLastDimMap(ctx, r + 1)},
        lastReducedIterators(r + 1),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value prod = mulF(nb, loc, toF32(nb, loc, args[0]),
                            toF32(nb, loc, args[1]));
          yieldValue(nb, loc, addF(nb, loc, args[2], prod));
        })[0];
    // lse = x[y] − logp; coef = g / τ.
    double tau = stream.temperature;
    SmallVector<Value> perToken = generic(
        b, ValueRange{picked, adaptor.getLogp(), adaptor.getGradLogp()},
        ValueRange{emptyTensor(b, lead, f32), emptyTensor(b, lead, f32)},
        {ids, ids, ids, ids, ids}, parallelIterators(r),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value lse = subF(nb, loc, stream.scaledLogit(nb, loc, args[0]),
                           args[1]);
          Value coef = divF(nb, loc, args[2], f32Const(nb, loc, tau));
          linalg::YieldOp::create(nb, loc, ValueRange{lse, coef});
        });
    Value lse = perToken[0], coef = perToken[1];

    bool wantHidden = static_cast<bool>(op.getHiddenGrad());
    bool wantHead = static_cast<bool>(op.getLmHeadWGrad());
    SmallVector<Value> inits;
    if (wantHidden)
      inits.push_back(filledTensor(b, sizesOf(b, hidden), f32, 0.0));
    if (wantHead)
      inits.push_back(emptyTensor(
          b, sizesOf(b, head),
          cast<RankedTensorType>(head.getType()).getElementType()));

    // Loops of the two tile contractions: d hidden over (lead..., k, v) and
    // d W over (v, k, lead...).
    unsigned n = r + 2;
    SmallVector<AffineExpr> leadExprs;
    for (unsigned i = 0; i < r; ++i)
      leadExprs.push_back(getAffineDimExpr(i, ctx));
    AffineExpr k = getAffineDimExpr(r, ctx), v = getAffineDimExpr(r + 1, ctx);
    auto withTail = [&](ArrayRef<AffineExpr> tail) {
      SmallVector<AffineExpr> e(leadExprs);
      e.append(tail.begin(), tail.end());
      return AffineMap::get(n, 0, e, ctx);
    };
    // For d W the lead dims come last: (v, k, lead...).
    SmallVector<AffineExpr> wLead;
    for (unsigned i = 0; i < r; ++i)
      wLead.push_back(getAffineDimExpr(2 + i, ctx));
    AffineExpr wv = getAffineDimExpr(0, ctx), wk = getAffineDimExpr(1, ctx);
    auto wMap = [&](ArrayRef<AffineExpr> head, bool withLead,
                    ArrayRef<AffineExpr> tail) {
      SmallVector<AffineExpr> e(head);
      if (withLead)
        e.append(wLead.begin(), wLead.end());
      e.append(tail.begin(), tail.end());
      return AffineMap::get(n, 0, e, ctx);
    };

    SmallVector<Value> grads = stream.forEachTile(
        b, inits,
        [&](ImplicitLocOpBuilder &ib, Value v0, Value headTile, Value logits,
            ValueRange iter) {
          AffineMap tileId = identityMap(ctx, r + 1),
                    tileRow = dropLastDimMap(ctx, r + 1);
          Value dz = generic(
              ib, ValueRange{logits, stream.targets, lse, coef},
              emptyLike(ib, logits, f32),
              {tileId, tileRow, tileRow, tileRow, tileId},
              parallelIterators(r + 1),
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                Value x = stream.scaledLogit(nb, loc, args[0]);
                Value p = math::ExpOp::create(nb, loc,
                                              subF(nb, loc, x, args[2]));
                Value hit = boolToF32(nb, loc,
                                      isTarget(nb, loc, r, v0, args[1]));
                yieldValue(nb, loc,
                           mulF(nb, loc, args[3], subF(nb, loc, hit, p)));
              })[0];
          SmallVector<Value> next;
          unsigned slot = 0;
          if (wantHidden) {
            auto iters = parallelIterators(n);
            iters.back() = utils::IteratorType::reduction;
            next.push_back(generic(
                ib, ValueRange{dz, headTile}, iter[slot++],
                {withTail({v}), AffineMap::get(n, 0, {v, k}, ctx),
                 withTail({k})},
                iters, [&](OpBuilder &nb, Location loc, ValueRange args) {
                  Value prod = mulF(nb, loc, args[0], toF32(nb, loc, args[1]));
                  yieldValue(nb, loc, addF(nb, loc, args[2], prod));
                })[0]);
          }
          if (wantHead) {
            SmallVector<utils::IteratorType> iters(
                n, utils::IteratorType::reduction);
            iters[0] = iters[1] = utils::IteratorType::parallel;
            SmallVector<OpFoldResult> tileSizes = sizesOf(ib, headTile);
            Value tileGrad = generic(
                ib, ValueRange{dz, hidden},
                filledTensor(ib, tileSizes, f32, 0.0),
                {wMap({}, true, {wv}), wMap({}, true, {wk}),
                 AffineMap::get(n, 0, {wv, wk}, ctx)},
                iters, [&](OpBuilder &nb, Location loc, ValueRange args) {
                  Value prod = mulF(nb, loc, args[0], toF32(nb, loc, args[1]));
                  yieldValue(nb, loc, addF(nb, loc, args[2], prod));
                })[0];
            Type headElem =
                cast<RankedTensorType>(head.getType()).getElementType();
            tileGrad = castTensor(ib, tileGrad, headElem);
            next.push_back(tensor::InsertSliceOp::create(
                ib, tileGrad, iter[slot++],
                ArrayRef<OpFoldResult>{v0, ib.getIndexAttr(0)}, tileSizes,
                ArrayRef<OpFoldResult>{ib.getIndexAttr(1),
                                       ib.getIndexAttr(1)}));
          }
          return next;
        });
    SmallVector<Value> results;
    unsigned slot = 0;
    if (wantHidden) {
      Value dh = castTensor(b, grads[slot++], stream.elem);
      if (dh.getType() != op.getHiddenGrad().getType())
        dh = tensor::CastOp::create(b, op.getHiddenGrad().getType(), dh);
      results.push_back(dh);
    }
    if (wantHead) {
      Value dw = grads[slot++];
      if (dw.getType() != op.getLmHeadWGrad().getType())
        dw = tensor::CastOp::create(b, op.getLmHeadWGrad().getType(), dw);
      results.push_back(dw);
    }
    rewriter.replaceOp(op, results);
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
    AffineMap member = AffineMap::get(2, 0, {i.floorDiv(groupSize) * groupSize + j}, ctx);
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
          linalg::YieldOp::create(
              nb, loc,
              ValueRange{addF(nb, loc, args[2], x), maxF(nb, loc, args[3], x),
                         minF(nb, loc, args[4], x)});
        });
    Value sum = first[0], hi = first[1], lo = first[2];
    Value groupF = f32Const(b, b.getLoc(), static_cast<double>(groupSize));
    RewardScaling scaling = op.getScaling();
    // Σ (r − mean_g)² over i's group, for scaling = group only.
    Value sq = scaling != RewardScaling::group ? sum : generic(
        b, ValueRange{rewards, range, sum}, filledTensor(b, n, f32, 0.0),
        {member, lane, row, row}, reduceJ,
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value d = subF(nb, loc, args[0], divF(nb, loc, args[2], groupF));
          yieldValue(nb, loc, addF(nb, loc, args[3], mulF(nb, loc, d, d)));
        })[0];

    Value batchStd;
    if (scaling == RewardScaling::batch) {
      // std over all N rewards, unbiased: two scalar reductions.
      AffineMap all = identityMap(ctx, 1), none = scalarMap(ctx, 1);
      auto red = SmallVector<utils::IteratorType>{utils::IteratorType::reduction};
      Value total = generic(b, rewards, scalarTensor(b, 0.0), {all, none}, red,
                            [&](OpBuilder &nb, Location loc, ValueRange args) {
                              yieldValue(nb, loc, addF(nb, loc, args[1], args[0]));
                            })[0];
      Value count = dimAsF32(b, rewards, 0);
      Value mean = divF(b, b.getLoc(), extractScalar(b, total), count);
      Value dev = generic(b, rewards, scalarTensor(b, 0.0), {all, none}, red,
                          [&](OpBuilder &nb, Location loc, ValueRange args) {
                            Value d = subF(nb, loc, args[0], mean);
                            yieldValue(nb, loc,
                                       addF(nb, loc, args[1], mulF(nb, loc, d, d)));
                          })[0];
      Value var = divF(b, b.getLoc(), extractScalar(b, dev),
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
            adv = divF(nb, loc, dev, addF(nb, loc, std, f32Const(nb, loc, eps)));
          }
          Value constant =
              cmpF(nb, loc, arith::CmpFPredicate::OEQ, args[3], args[4]);
          yieldValue(nb, loc, select(nb, loc, constant, f32Const(nb, loc, 0.0), adv));
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

/// Per sequence: L_i = Σ_t mask and the masked log-ratio sum
/// D_i = Σ_t mask (logp − old_logp), in one reduction over T.
static std::pair<Value, Value> sequenceSums(ImplicitLocOpBuilder &b, Value logp,
                                            Value old, Value mask) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> rows = {sizesOf(b, logp)[0]};
  Type f32 = b.getF32Type();
  AffineMap id = identityMap(ctx, 2), row = dropLastDimMap(ctx, 2);
  SmallVector<Value> sums = generic(
      b, ValueRange{logp, old, mask},
      ValueRange{filledTensor(b, rows, f32, 0.0), filledTensor(b, rows, f32, 0.0)},
      {id, id, id, row, row}, lastReducedIterators(2),
      [&](OpBuilder &nb, Location loc, ValueRange args) {
        Value m = toF32(nb, loc, args[2]);
        Value d = mulF(nb, loc, m, subF(nb, loc, args[0], args[1]));
        linalg::YieldOp::create(
            nb, loc, ValueRange{addF(nb, loc, args[3], m), addF(nb, loc, args[4], d)});
      });
  return {sums[0], sums[1]};
}

/// s_i = exp(D_i / max(L_i, 1)) (train §4).
static Value sequenceRatio(OpBuilder &b, Location loc, Value length, Value sum) {
  return math::ExpOp::create(
      b, loc, divF(b, loc, sum, maxF(b, loc, length, f32Const(b, loc, 1.0))));
}

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
    auto [length, sum] = sequenceSums(b, adaptor.getLogp(), adaptor.getOldLogp(),
                                      adaptor.getMask());
    double epsLow = op.getEpsLow().convertToDouble();
    double epsHigh = op.getEpsHigh().convertToDouble();
    AffineMap id = identityMap(ctx, 1), none = scalarMap(ctx, 1);
    SmallVector<Value> sums = generic(
        b, ValueRange{length, sum, adaptor.getAdvantages()},
        ValueRange{scalarTensor(b, 0.0), scalarTensor(b, 0.0), scalarTensor(b, 0.0)},
        {id, id, id, none, none, none},
        {utils::IteratorType::reduction},
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value s = sequenceRatio(nb, loc, args[0], args[1]);
          Value live = cmpF(nb, loc, arith::CmpFPredicate::OGT, args[0],
                            f32Const(nb, loc, 0.0));
          Value term = select(nb, loc, live,
                              surrogate(nb, loc, s, args[2], epsLow, epsHigh),
                              f32Const(nb, loc, 0.0));
          Value clipped = boolToF32(nb, loc, isClipped(nb, loc, s, args[2],
                                                        epsLow, epsHigh));
          linalg::YieldOp::create(
              nb, loc,
              ValueRange{addF(nb, loc, args[3], term), addF(nb, loc, args[4], s),
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

// d loss / d logp[i,t] = g · mask · (−A_i s_i / (max(L_i, 1) N)) where the
// unclipped branch is the minimum and L_i > 0, else 0 (train §4; identical
// for GSPO-token with per-sequence advantages).
struct GspoLossGradLowering : OpConversionPattern<GspoLossGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GspoLossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Value logp = adaptor.getLogp();
    auto [length, sum] =
        sequenceSums(b, logp, adaptor.getOldLogp(), adaptor.getMask());
    double epsLow = op.getEpsLow().convertToDouble();
    double epsHigh = op.getEpsHigh().convertToDouble();
    Value count = dimAsF32(b, logp, 0);
    Value g = extractScalar(b, adaptor.getGradLoss());
    Type f32 = b.getF32Type();
    AffineMap id = identityMap(ctx, 1);
    Value coef = generic(
        b, ValueRange{length, sum, adaptor.getAdvantages()},
        emptyTensor(b, {sizesOf(b, logp)[0]}, f32), {id, id, id, id},
        parallelIterators(1),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value s = sequenceRatio(nb, loc, args[0], args[1]);
          Value dead = arith::OrIOp::create(
              nb, loc, isClipped(nb, loc, s, args[2], epsLow, epsHigh),
              cmpF(nb, loc, arith::CmpFPredicate::OLE, args[0],
                   f32Const(nb, loc, 0.0)));
          Value denom = mulF(nb, loc, maxF(nb, loc, args[0], f32Const(nb, loc, 1.0)),
                             count);
          Value c = divF(nb, loc, arith::NegFOp::create(nb, loc, mulF(nb, loc, args[2], s)),
                         denom);
          yieldValue(nb, loc, select(nb, loc, dead, f32Const(nb, loc, 0.0),
                                     mulF(nb, loc, g, c)));
        })[0];
    AffineMap id2 = identityMap(ctx, 2), row = dropLastDimMap(ctx, 2);
    Value grad = generic(
        b, ValueRange{coef, adaptor.getMask()}, emptyLike(b, logp, f32),
        {row, id2, id2}, parallelIterators(2),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          yieldValue(nb, loc, mulF(nb, loc, args[0], toF32(nb, loc, args[1])));
        })[0];
    if (grad.getType() != op.getType())
      grad = tensor::CastOp::create(b, op.getType(), grad);
    rewriter.replaceOp(op, grad);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.grpo_loss, zen.grpo_loss_grad
//===----------------------------------------------------------------------===//

/// Per token of GRPO (train §5): ρ = exp(logp − old), the loss term ℓ (with
/// β · k3 KL when beta ≠ 0), the clipped flag and d ℓ / d logp.
struct GrpoToken {
  Value ratio, loss, clipped, grad;
};
static GrpoToken grpoToken(OpBuilder &b, Location loc, Value logp, Value old,
                           Value adv, Value ref, double epsLow, double epsHigh,
                           double beta) {
  GrpoToken t;
  t.ratio = math::ExpOp::create(b, loc, subF(b, loc, logp, old));
  t.loss = surrogate(b, loc, t.ratio, adv, epsLow, epsHigh);
  t.clipped = isClipped(b, loc, t.ratio, adv, epsLow, epsHigh);
  t.grad = select(b, loc, t.clipped, f32Const(b, loc, 0.0),
                  arith::NegFOp::create(b, loc, mulF(b, loc, adv, t.ratio)));
  if (beta != 0.0) {
    // e^d − d − 1 = expm1(d) − d and 1 − e^d = −expm1(d): the KL is small
    // (d near 0), where e^d − 1 in f32 would cancel to a few ulps of 1.
    Value d = subF(b, loc, ref, logp);
    Value em1 = math::ExpM1Op::create(b, loc, d);
    Value betaC = f32Const(b, loc, beta);
    Value kl = subF(b, loc, em1, d);
    t.loss = addF(b, loc, t.loss, mulF(b, loc, betaC, kl));
    t.grad = subF(b, loc, t.grad, mulF(b, loc, betaC, em1));
  }
  return t;
}

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
        GrpoToken t = grpoToken(nb, loc, args[0], args[1], args[2],
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

/// T_max of dr_grpo: max_completion_length, or T.
template <typename OpT>
static Value completionLength(ImplicitLocOpBuilder &b, OpT op, Value logp) {
  if (std::optional<int64_t> len = op.getMaxCompletionLength())
    return f32Const(b, b.getLoc(), static_cast<double>(*len));
  return dimAsF32(b, logp, 1);
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
          Value perRow = divF(nb, loc, a[0], maxF(nb, loc, a[1], f32Const(nb, loc, 1.0)));
          linalg::YieldOp::create(
              nb, loc,
              ValueRange{addF(nb, loc, a[4], perRow), addF(nb, loc, a[5], a[0]),
                         addF(nb, loc, a[6], a[1]), addF(nb, loc, a[7], a[2]),
                         addF(nb, loc, a[8], a[3])});
        });
    Location loc = b.getLoc();
    Value perRowSum = extractScalar(b, sums[0]), total = extractScalar(b, sums[1]);
    Value active = maxF(b, loc, extractScalar(b, sums[2]), f32Const(b, loc, 1.0));
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
      loss = divF(b, loc, total, mulF(b, loc, count, completionLength(b, op, logp)));
      break;
    }
    rewriter.replaceOp(
        op, ValueRange{fromScalar(b, loss),
                       fromScalar(b, divF(b, loc, extractScalar(b, sums[3]), active)),
                       fromScalar(b, divF(b, loc, extractScalar(b, sums[4]), active))});
    return success();
  }
};

// d loss / d logp = g · w_i · M · (−A ρ [unclipped] + β (1 − e^{ref − logp}))
// with the loss_type's weight w_i: 1 / (max(1, L_i) N) (grpo),
// 1 / max(1, Σ M) (bnpo, dapo), 1 / (N T_max) (dr_grpo).
struct GrpoLossGradLowering : OpConversionPattern<GrpoLossGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GrpoLossGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Location loc = b.getLoc();
    Value logp = adaptor.getLogp(), mask = adaptor.getMask();
    Value count = dimAsF32(b, logp, 0);
    Value g = extractScalar(b, adaptor.getGradLoss());
    GrpoLossType type = op.getLossType();
    // Per-row weight (already times g), [N].
    Value length = reduceLastDimF32(
        b, mask, [](OpBuilder &, Location, Value m) { return m; });
    Value uniform;
    if (type == GrpoLossType::bnpo || type == GrpoLossType::dapo) {
      AffineMap id = identityMap(ctx, 1), none = scalarMap(ctx, 1);
      Value total = generic(b, length, scalarTensor(b, 0.0), {id, none},
                            {utils::IteratorType::reduction},
                            [&](OpBuilder &nb, Location l, ValueRange a) {
                              yieldValue(nb, l, addF(nb, l, a[1], a[0]));
                            })[0];
      uniform = divF(b, loc, g, maxF(b, loc, extractScalar(b, total),
                                     f32Const(b, loc, 1.0)));
    } else if (type == GrpoLossType::dr_grpo) {
      uniform = divF(b, loc, g, mulF(b, loc, count, completionLength(b, op, logp)));
    }
    double epsLow = op.getEpsLow().convertToDouble();
    double epsHigh = op.getEpsHigh().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    bool withRef = beta != 0.0;
    AffineMap id = identityMap(ctx, 2), row = dropLastDimMap(ctx, 2);
    SmallVector<Value> ins = {logp, adaptor.getOldLogp(), adaptor.getAdvantages(),
                              mask, length};
    SmallVector<AffineMap> maps = {id, id, row, id, row};
    if (withRef) {
      ins.push_back(adaptor.getRefLogp());
      maps.push_back(id);
    }
    maps.push_back(id);
    Value grad = generic(
        b, ins, emptyLike(b, logp, b.getF32Type()), maps, parallelIterators(2),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          GrpoToken t = grpoToken(nb, l, a[0], a[1], a[2],
                                  withRef ? a[5] : Value(), epsLow, epsHigh, beta);
          Value w = uniform;
          if (type == GrpoLossType::grpo)
            w = divF(nb, l, g,
                     mulF(nb, l, maxF(nb, l, a[4], f32Const(nb, l, 1.0)), count));
          Value mw = mulF(nb, l, toF32(nb, l, a[3]), w);
          yieldValue(nb, l, mulF(nb, l, mw, t.grad));
        })[0];
    if (grad.getType() != op.getType())
      grad = tensor::CastOp::create(b, op.getType(), grad);
    rewriter.replaceOp(op, grad);
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
      SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::reduction);
      sumSq = generic(b, grad, sumSq, {identityMap(ctx, rank), scalarMap(ctx, rank)},
                      iters, [&](OpBuilder &nb, Location l, ValueRange a) {
                        Value x = toF32(nb, l, a[0]);
                        yieldValue(nb, l, addF(nb, l, a[1], mulF(nb, l, x, x)));
                      })[0];
    }
    Value total = math::SqrtOp::create(b, extractScalar(b, sumSq));
    Value coef = divF(b, loc, f32Const(b, loc, op.getMaxNorm().convertToDouble()),
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
          {identityMap(ctx, rank), identityMap(ctx, rank)}, parallelIterators(rank),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            yieldValue(nb, l, castFloat(nb, l, mulF(nb, l, toF32(nb, l, a[0]), coef),
                                        elem));
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
    double lr = op.getLr().convertToDouble();
    double beta1 = op.getBeta1().convertToDouble();
    double beta2 = op.getBeta2().convertToDouble();
    Type f64 = b.getF64Type(), f32 = b.getF32Type();
    auto c64 = [&](double v) {
      return arith::ConstantOp::create(b, f64, b.getF64FloatAttr(v)).getResult();
    };
    Value t = arith::SIToFPOp::create(b, f64, extractScalar(b, adaptor.getStep()));
    Value bc1 = arith::SubFOp::create(b, c64(1.0),
                                      math::PowFOp::create(b, c64(beta1), t));
    Value bc2 = arith::SubFOp::create(b, c64(1.0),
                                      math::PowFOp::create(b, c64(beta2), t));
    Value negStepSize = arith::TruncFOp::create(
        b, f32, arith::NegFOp::create(b, arith::DivFOp::create(b, c64(lr), bc1)));
    Value bc2Sqrt = arith::TruncFOp::create(b, f32, math::SqrtOp::create(b, bc2));
    double decay = 1.0 - lr * op.getWeightDecay().convertToDouble();
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
            theta = roundThrough(nb, l, mulF(nb, l, theta, f32Const(nb, l, decay)), elem);
            // torch's lerp: weight < 0.5 ? m + w (g − m) : g − (g − m)(1 − w).
            float w = static_cast<float>(1.0 - beta1);
            Value diff = subF(nb, l, g, m);
            Value mNew = w < 0.5f
                             ? addF(nb, l, m, mulF(nb, l, f32Const(nb, l, w), diff))
                             : subF(nb, l, g, mulF(nb, l, diff,
                                                   f32Const(nb, l, 1.0f - w)));
            mNew = roundThrough(nb, l, mNew, elem);
            Value vNew = roundThrough(nb, l, mulF(nb, l, v, f32Const(nb, l, beta2)), elem);
            Value gg = mulF(nb, l, mulF(nb, l, f32Const(nb, l, 1.0 - beta2), g), g);
            vNew = roundThrough(nb, l, addF(nb, l, vNew, gg), elem);
            Value denom = addF(nb, l, divF(nb, l, math::SqrtOp::create(nb, l, vNew), bc2Sqrt),
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
  patterns.add<TokenLogprobsLowering, TokenLogprobsGradLowering,
               GroupAdvantagesLowering, GspoLossLowering, GspoLossGradLowering,
               GrpoLossLowering, GrpoLossGradLowering, ClipGradNormLowering,
               AdamWLowering>(patterns.getContext());
}
