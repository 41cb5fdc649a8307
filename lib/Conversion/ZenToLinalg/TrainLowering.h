//===- TrainLowering.h - helpers of the training-op lowerings ---*- C++ -*-===//
//
// Private to TrainOps.cpp (forward ops) and TrainGradOps.cpp (backward ops):
// scalar builders for generic bodies, the vocabulary-tiled stream over the LM
// head shared by zen.token_logprobs and its backward, and the per-sequence /
// per-token pieces of the GSPO and GRPO losses shared with their gradients.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_LIB_CONVERSION_ZENTOLINALG_TRAINLOWERING_H
#define ZEN_LIB_CONVERSION_ZENTOLINALG_TRAINLOWERING_H

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <functional>

namespace mlir {
class RewritePatternSet;
namespace zen::lowering::train {

/// The backward ops' patterns (TrainGradOps.cpp).
void populateTrainGradOpsPatterns(RewritePatternSet &patterns);

/// Vocabulary rows of the LM head per streamed tile: a [tokens × 2048] f32
/// logits tile is 32 MiB for 4096 tokens, and V = 151936 takes 75 tiles.
inline constexpr int64_t kVocabTile = 2048;

//===----------------------------------------------------------------------===//
// Helpers private to this file
//===----------------------------------------------------------------------===//

using BodyFn = function_ref<void(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic with the given maps and iterators; returns its results.
inline SmallVector<Value> generic(ImplicitLocOpBuilder &b, ValueRange ins,
                                  ValueRange outs, ArrayRef<AffineMap> maps,
                                  ArrayRef<utils::IteratorType> iters,
                                  BodyFn body) {
  TypeRange types = outs.getTypes();
  auto op = linalg::GenericOp::create(b, types, ins, outs, maps, iters, body);
  return SmallVector<Value>(op.getResults());
}

/// The map of `n` loops onto no dims: a 0-d tensor (a scalar accumulator).
inline AffineMap scalarMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::get(n, 0, ArrayRef<AffineExpr>{}, ctx);
}

/// A 0-d f32 tensor holding `value`.
inline Value scalarTensor(ImplicitLocOpBuilder &b, double value) {
  return filledTensor(b, {}, b.getF32Type(), value);
}

/// The scalar in a 0-d tensor.
inline Value extractScalar(ImplicitLocOpBuilder &b, Value tensor) {
  return tensor::ExtractOp::create(b, tensor, ValueRange{});
}

/// A 0-d f32 tensor from an f32 scalar.
inline Value fromScalar(ImplicitLocOpBuilder &b, Value scalar) {
  return tensor::FromElementsOp::create(
      b, RankedTensorType::get({}, b.getF32Type()), ValueRange{scalar});
}

/// Dimension `dim` of `value` as an f32 scalar.
inline Value dimAsF32(ImplicitLocOpBuilder &b, Value value, int64_t dim) {
  Value size =
      getValueOrCreateConstantIndexOp(b, b.getLoc(), sizesOf(b, value)[dim]);
  return toF32(b, b.getLoc(),
               arith::IndexCastOp::create(b, b.getI64Type(), size));
}

inline Value maxF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MaximumFOp::create(b, loc, x, y);
}
inline Value minF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MinimumFOp::create(b, loc, x, y);
}
inline Value cmpF(OpBuilder &b, Location loc, arith::CmpFPredicate p, Value x,
                  Value y) {
  return arith::CmpFOp::create(b, loc, p, x, y);
}
inline Value select(OpBuilder &b, Location loc, Value c, Value x, Value y) {
  return arith::SelectOp::create(b, loc, c, x, y);
}
inline Value addF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddFOp::create(b, loc, x, y);
}
inline Value subF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::SubFOp::create(b, loc, x, y);
}
inline Value mulF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulFOp::create(b, loc, x, y);
}
inline Value divF(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::DivFOp::create(b, loc, x, y);
}

/// Whether the clipped branch of min(ρ A, clip(ρ) A) is the minimum, i.e. the
/// token or sequence gets no policy gradient (train §4): (ρ < 1 − eps_low and
/// A < 0) or (ρ > 1 + eps_high and A > 0). Also the clip-fraction indicator.
inline Value isClipped(OpBuilder &b, Location loc, Value ratio, Value adv,
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
inline Value surrogate(OpBuilder &b, Location loc, Value ratio, Value adv,
                       double epsLow, double epsHigh) {
  Value clipped =
      minF(b, loc, maxF(b, loc, ratio, f32Const(b, loc, 1.0 - epsLow)),
           f32Const(b, loc, 1.0 + epsHigh));
  Value obj =
      minF(b, loc, mulF(b, loc, ratio, adv), mulF(b, loc, clipped, adv));
  return arith::NegFOp::create(b, loc, obj);
}

/// 1.0 or 0.0 from an i1.
inline Value boolToF32(OpBuilder &b, Location loc, Value flag) {
  return arith::UIToFPOp::create(b, loc, b.getF32Type(), flag);
}

//===----------------------------------------------------------------------===//
// Selective log-prob: shared by the forward and the backward
//===----------------------------------------------------------------------===//

/// The pieces of a vocabulary-tiled stream over the LM head [V, H].
struct VocabStream {
  Value hidden, head, targets;
  Type elem;
  double temperature;
  unsigned leadRank; // rank of targets
  /// One tile of all V rows: the [..., V] logits built whole
  /// (materialize_logits, the unfused baseline).
  bool wholeVocabulary = false;

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

  /// Loops over vocabulary tiles of the LM head [V, H]; `body` gets the tile
  /// start, the tile [vt, H] and the logits tile z = h W_tileᵀ [..., vt]
  /// (f32), and yields the new iter values. Every tile has a static shape,
  /// so that the contractions on it run on the CPU codegen's GEMM kernels:
  /// an scf.for over the full tiles, then one remainder tile of V mod tile
  /// rows (a dynamic V falls back to one loop of min(tile, V − v0) rows).
  /// With `wholeVocabulary`, `body` runs once, on all V rows.
  SmallVector<Value>
  forEachTile(ImplicitLocOpBuilder &b, ValueRange inits,
              function_ref<SmallVector<Value>(ImplicitLocOpBuilder &, Value,
                                              Value, Value, ValueRange)>
                  body) const {
    OpFoldResult width = sizesOf(b, head)[1];
    auto one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
    auto tileAt = [&](ImplicitLocOpBuilder &ib, Value v0, OpFoldResult rows,
                      ValueRange iter) {
      Value headTile = tensor::ExtractSliceOp::create(
          ib, head, ArrayRef<OpFoldResult>{v0, zero},
          ArrayRef<OpFoldResult>{rows, width}, ArrayRef<OpFoldResult>{one, one});
      Value logits = contractLastDimF32(ib, hidden, headTile);
      return body(ib, v0, headTile, logits, iter);
    };
    if (wholeVocabulary)
      return tileAt(b, indexConst(b, b.getLoc(), 0), sizesOf(b, head)[0],
                    inits);
    int64_t V = cast<RankedTensorType>(head.getType()).getDimSize(0);
    Value tile = indexConst(b, b.getLoc(), kVocabTile);
    if (ShapedType::isDynamic(V)) {
      Value vocab =
          getValueOrCreateConstantIndexOp(b, b.getLoc(), sizesOf(b, head)[0]);
      auto loop = scf::ForOp::create(
          b, indexConst(b, b.getLoc(), 0), vocab, tile, inits,
          [&](OpBuilder &lb, Location loc, Value v0, ValueRange iter) {
            ImplicitLocOpBuilder ib(loc, lb);
            Value rows = arith::MinSIOp::create(
                ib, tile, arith::SubIOp::create(ib, vocab, v0));
            scf::YieldOp::create(ib, tileAt(ib, v0, rows, iter));
          });
      return SmallVector<Value>(loop.getResults());
    }
    int64_t full = V - V % kVocabTile;
    SmallVector<Value> values(inits.begin(), inits.end());
    if (full > 0) {
      auto loop = scf::ForOp::create(
          b, indexConst(b, b.getLoc(), 0), indexConst(b, b.getLoc(), full),
          tile, values,
          [&](OpBuilder &lb, Location loc, Value v0, ValueRange iter) {
            ImplicitLocOpBuilder ib(loc, lb);
            scf::YieldOp::create(
                ib, tileAt(ib, v0, ib.getIndexAttr(kVocabTile), iter));
          });
      values.assign(loop.getResults().begin(), loop.getResults().end());
    }
    if (full < V)
      values = tileAt(b, indexConst(b, b.getLoc(), full),
                      b.getIndexAttr(V - full), values);
    return values;
  }
};

/// Whether the vocabulary id of the current element of a [..., vt] tile
/// (loop dim `dim`, tile start `v0`) is the target `y`.
inline Value isTarget(OpBuilder &b, Location loc, unsigned dim, Value v0,
                      Value y) {
  Value id =
      arith::AddIOp::create(b, loc, linalg::IndexOp::create(b, loc, dim), v0);
  Value target = arith::IndexCastOp::create(b, loc, b.getIndexType(), y);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, id, target);
}

/// rows[..., :] = table[ids[...], :]: a tensor shaped like `like` [..., H]
/// with the element type of `table` [V, H]. Built as a nest of scf.for over
/// the ids copying one row slice each (a gather in a linalg body, a
/// tensor.extract at a computed index, is miscompiled by the CPU pipeline's
/// vectorizer when H is not a multiple of the vector width).
inline Value gatherRows(ImplicitLocOpBuilder &b, Value table, Value ids,
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
          table, ArrayRef<OpFoldResult>{row, zero},
          ArrayRef<OpFoldResult>{one, width}, ArrayRef<OpFoldResult>{one, one});
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

/// Per sequence: L_i = Σ_t mask and the masked log-ratio sum
/// D_i = Σ_t mask (logp − old_logp), in one reduction over T.
inline std::pair<Value, Value> sequenceSums(ImplicitLocOpBuilder &b, Value logp,
                                            Value old, Value mask) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> rows = {sizesOf(b, logp)[0]};
  Type f32 = b.getF32Type();
  AffineMap id = identityMap(ctx, 2), row = dropLastDimMap(ctx, 2);
  SmallVector<Value> sums =
      generic(b, ValueRange{logp, old, mask},
              ValueRange{filledTensor(b, rows, f32, 0.0),
                         filledTensor(b, rows, f32, 0.0)},
              {id, id, id, row, row}, lastReducedIterators(2),
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                Value m = toF32(nb, loc, args[2]);
                Value d = mulF(nb, loc, m, subF(nb, loc, args[0], args[1]));
                linalg::YieldOp::create(nb, loc,
                                        ValueRange{addF(nb, loc, args[3], m),
                                                   addF(nb, loc, args[4], d)});
              });
  return {sums[0], sums[1]};
}

/// s_i = exp(D_i / max(L_i, 1)) (train §4).
inline Value sequenceRatio(OpBuilder &b, Location loc, Value length,
                           Value sum) {
  return math::ExpOp::create(
      b, loc, divF(b, loc, sum, maxF(b, loc, length, f32Const(b, loc, 1.0))));
}

/// Per token of GRPO (train §5): ρ = exp(logp − old), the loss term ℓ (with
/// β · k3 KL when beta ≠ 0), the clipped flag and d ℓ / d logp.
struct GrpoToken {
  Value ratio, loss, clipped, grad;
};
inline GrpoToken grpoToken(OpBuilder &b, Location loc, Value logp, Value old,
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

/// T_max of dr_grpo: max_completion_length, or T.
template <typename OpT>
inline Value completionLength(ImplicitLocOpBuilder &b, OpT op, Value logp) {
  if (std::optional<int64_t> len = op.getMaxCompletionLength())
    return f32Const(b, b.getLoc(), static_cast<double>(*len));
  return dimAsF32(b, logp, 1);
}

} // namespace zen::lowering::train
} // namespace mlir

#endif // ZEN_LIB_CONVERSION_ZENTOLINALG_TRAINLOWERING_H
