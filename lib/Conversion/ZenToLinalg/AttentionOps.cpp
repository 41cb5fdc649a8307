//===- AttentionOps.cpp - Zen attention ops -> linalg ---------------------===//
//
// Lowers the token mixers (reference: qwen3-architectures.md §2.2, §2.3,
// §2.6, §2.7 steps 4-5 and 10, §2.10): grouped-query softmax attention with
// its KV cache, and the Gated DeltaNet pieces around the delta rule (causal
// conv, gates, gated norm). Scores, softmax and statistics run in f32;
// results are rounded to the activation dtype where HF rounds them.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilders.h"
#include "zen/Conversion/ZenToLinalg.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Private helpers
//===----------------------------------------------------------------------===//

/// Index value of a (static or dynamic) size.
Value indexOf(ImplicitLocOpBuilder &b, OpFoldResult size) {
  return getValueOrCreateConstantIndexOp(b, b.getLoc(), size);
}

/// tensor.cast to `type` when the lowering computed a less static type than
/// the op's result (result inference may take a static dim from another
/// operand).
Value castToType(ImplicitLocOpBuilder &b, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, type, value);
}

/// A copy of `input` with its dims permuted (result dim i is input dim
/// perm[i]; the identity permutation makes a plain copy), written into
/// `init`, or a new tensor when `init` is null. A linalg.generic, not
/// linalg.transpose/copy, so the same tiling and fusion rules apply as to the
/// other ops here.
Value permuteDims(ImplicitLocOpBuilder &b, Value input, ArrayRef<unsigned> perm,
                  Value init = Value()) {
  auto type = cast<RankedTensorType>(input.getType());
  unsigned rank = type.getRank();
  if (!init) {
    SmallVector<OpFoldResult> inSizes = sizesOf(b, input), outSizes;
    for (unsigned d : perm)
      outSizes.push_back(inSizes[d]);
    init = emptyTensor(b, outSizes, type.getElementType());
  }
  MLIRContext *ctx = b.getContext();
  // Loops run over the output; input dim perm[i] is loop i.
  SmallVector<AffineExpr> inExprs(rank);
  for (unsigned i = 0; i < rank; ++i)
    inExprs[perm[i]] = getAffineDimExpr(i, ctx);
  return linalg::GenericOp::create(
             b, init.getType(), input, init,
             ArrayRef<AffineMap>{loopMap(ctx, rank, inExprs),
                                 identityMap(ctx, rank)},
             parallelIterators(rank),
             [](OpBuilder &nb, Location loc, ValueRange args) {
               linalg::YieldOp::create(nb, loc, args[0]);
             })
      .getResult(0);
}

/// dest with the window [offsets, offsets + sizes) replaced by
/// fill(window) (unit strides). Destination-passing style: `fill` writes
/// into an extract_slice of `dest` and the result goes back with the
/// matching insert_slice, so bufferization writes the window in place (after
/// CSE the two subviews are one and the copy between them folds away).
Value updateWindow(ImplicitLocOpBuilder &b, Value dest,
                   ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                   function_ref<Value(Value window)> fill) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  Value window =
      tensor::ExtractSliceOp::create(b, dest, offsets, sizes, strides);
  return tensor::InsertSliceOp::create(b, fill(window), dest, offsets, sizes,
                                       strides);
}



/// erf(x) in f32 by Abramowitz & Stegun 7.1.26 (|error| <= 1.5e-7):
/// erf(|x|) = 1 - t (a1 + t (a2 + t (a3 + t (a4 + t a5)))) exp(-x²),
/// t = 1 / (1 + p |x|), odd in x. Written out because the CPU pipeline has no
/// lowering for math.erf (MathToLLVM has none and there is no libm pass).
Value erfF32(OpBuilder &b, Location loc, Value x) {
  static constexpr double kP = 0.3275911;
  static constexpr double kA[] = {0.254829592, -0.284496736, 1.421413741,
                                  -1.453152027, 1.061405429};
  Value one = f32Const(b, loc, 1.0);
  Value ax = math::AbsFOp::create(b, loc, x);
  Value t = arith::DivFOp::create(
      b, loc, one,
      arith::AddFOp::create(
          b, loc, one,
          arith::MulFOp::create(b, loc, f32Const(b, loc, kP), ax)));
  Value poly = f32Const(b, loc, kA[4]);
  for (int i = 3; i >= 0; --i)
    poly = arith::AddFOp::create(b, loc, f32Const(b, loc, kA[i]),
                                 arith::MulFOp::create(b, loc, t, poly));
  poly = arith::MulFOp::create(b, loc, t, poly);
  Value gauss = math::ExpOp::create(
      b, loc,
      arith::NegFOp::create(b, loc, arith::MulFOp::create(b, loc, ax, ax)));
  Value erfAbs = arith::SubFOp::create(
      b, loc, one, arith::MulFOp::create(b, loc, poly, gauss));
  return math::CopySignOp::create(b, loc, erfAbs, x);
}

/// The pointwise activations of zen.causal_conv1d, on an f32 scalar, with
/// torch's definitions (F.silu, F.gelu exact and approximate="tanh").
Value activationF32(OpBuilder &b, Location loc, Value x, Activation act) {
  switch (act) {
  case Activation::none:
    return x;
  case Activation::silu:
    return siluF32(b, loc, x);
  case Activation::gelu: {
    // 0.5 x (1 + erf(x / sqrt(2)))
    Value arg = arith::MulFOp::create(b, loc, x, f32Const(b, loc, M_SQRT1_2));
    Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0),
                                          erfF32(b, loc, arg));
    return arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), x),
        onePlus);
  }
  case Activation::gelu_tanh: {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    Value x3 =
        arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
    Value inner = arith::AddFOp::create(
        b, loc, x,
        arith::MulFOp::create(b, loc, f32Const(b, loc, 0.044715), x3));
    Value arg = arith::MulFOp::create(b, loc, inner,
                                      f32Const(b, loc, std::sqrt(2.0 / M_PI)));
    Value onePlus = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0),
                                          math::TanhOp::create(b, loc, arg));
    return arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, f32Const(b, loc, 0.5), x),
        onePlus);
  }
  }
  llvm_unreachable("unknown activation");
}

/// mask element != 0 (i1, i32, i64 or f32): the key may be attended to.
Value maskAllows(OpBuilder &b, Location loc, Value m) {
  Type type = m.getType();
  if (isa<FloatType>(type))
    return arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::UNE, m,
        arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, 0.0)));
  return arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne, m,
      arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, 0)));
}

//===----------------------------------------------------------------------===//
// zen.attention
//===----------------------------------------------------------------------===//

// s = scale · q·k (f32), -inf where masked or (causal) key pos > query pos;
// o = softmax_u(s) · v with the row max subtracted, rows with no key left
// give 0; out = round(o) · round(sigmoid(gate)) like HF's bf16 chain. With a
// cache the new k, v are written at cache_position first and attention runs
// over cache slots [0, pos + S).
//
// The [B, nh, T, Skv] score and probability tensors are materialised: six
// linalg.generic ops (q·kᵀ, row max, exp, row sum, p·v, normalise + gate),
// each tileable on its parallel dims. A flash-style version would instead
// walk key blocks with running max / sum / accumulator (online softmax) so
// that only a [T_tile, S_tile] block of scores ever exists.
struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    auto kType = cast<RankedTensorType>(op.getK().getType());
    int64_t nh = qType.getDimSize(2), nkv = kType.getDimSize(2);
    // The head mapping j -> j // n_rep is an affine map only for a constant
    // n_rep; head counts come from the model config and are always static.
    if (ShapedType::isDynamic(nh) || ShapedType::isDynamic(nkv))
      return op.emitOpError()
             << "cannot be lowered with a dynamic head count: expected "
                "static q dim 2 (nh) and k dim 2 (nkv), found "
             << qType << " and " << kType;
    int64_t nRep = nh / nkv;

    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Type elem = qType.getElementType();
    Type f32 = b.getF32Type();
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV();
    Value mask = adaptor.getMask();
    bool withCache = op.hasCache();
    bool causal = op.getCausal();

    // Keys/values to attend over: k, v [B, S, nkv, hd] without a cache; the
    // updated caches' first pos + S slots [B, nkv, L, hd] with one.
    Value keys = k, values = v, newKCache, newVCache;
    Value pos0 = arith::ConstantIndexOp::create(b, 0);
    if (withCache) {
      Value pos = tensor::ExtractOp::create(b, adaptor.getCachePosition(),
                                            ValueRange{});
      pos0 = arith::IndexCastOp::create(b, b.getIndexType(), pos);
      // new_cache[b, h, pos + u, :] = x[b, u, h, :], written in place.
      auto writeCache = [&](Value x, Value cache) -> Value {
        SmallVector<OpFoldResult> xSizes = sizesOf(b, x); // B, S, nkv, hd
        SmallVector<OpFoldResult> offsets = {
            b.getIndexAttr(0), b.getIndexAttr(0), pos0, b.getIndexAttr(0)};
        return updateWindow(b, cache, offsets,
                            {xSizes[0], xSizes[2], xSizes[1], xSizes[3]},
                            [&](Value window) {
                              return permuteDims(b, x, {0, 2, 1, 3}, window);
                            });
      };
      newKCache = writeCache(k, adaptor.getKCache());
      newVCache = writeCache(v, adaptor.getVCache());
      Value len = arith::AddIOp::create(b, pos0, indexOf(b, sizesOf(b, k)[1]));
      auto prefix = [&](Value cache) -> Value {
        SmallVector<OpFoldResult> sizes = sizesOf(b, cache);
        sizes[2] = len;
        SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
        SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
        return tensor::ExtractSliceOp::create(b, cache, offsets, sizes,
                                              strides);
      };
      keys = prefix(newKCache);
      values = prefix(newVCache);
      // Mask column u is cache slot u; only the first L slots are attended.
      if (mask) {
        SmallVector<OpFoldResult> sizes = sizesOf(b, mask);
        sizes[1] = len;
        SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0));
        SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
        mask = tensor::ExtractSliceOp::create(b, mask, offsets, sizes, strides);
      }
    }
    unsigned keyDim = withCache ? 2 : 1; // the key-position dim of `keys`
    OpFoldResult numKeys = sizesOf(b, keys)[keyDim];

    Value scale;
    if (std::optional<double> s = op.getScaleValue()) {
      scale = f32Const(b, b.getLoc(), *s);
    } else { // dynamic hd: hd^-0.5 at run time
      Value hd = arith::IndexCastOp::create(b, b.getI64Type(),
                                            indexOf(b, sizesOf(b, q)[3]));
      scale = math::RsqrtOp::create(b, toF32(b, b.getLoc(), hd));
    }

    // Whether query t may see key u: the mask and causality, null when every
    // key is visible.
    auto allowed = [&](OpBuilder &nb, Location loc, Value t, Value u,
                       Value maskValue) -> Value {
      Value ok;
      if (causal) {
        Value qPos = arith::AddIOp::create(nb, loc, pos0, t);
        ok = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ule, u, qPos);
      }
      if (maskValue) {
        Value m = maskAllows(nb, loc, maskValue);
        ok = ok ? arith::AndIOp::create(nb, loc, ok, m).getResult() : m;
      }
      return ok;
    };

    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx),
               d4 = getAffineDimExpr(4, ctx);
    SmallVector<OpFoldResult> qSizes = sizesOf(b, q); // B, T, nh, hd
    SmallVector<OpFoldResult> scoreSizes = {qSizes[0], qSizes[2], qSizes[1],
                                            numKeys}; // B, nh, T, L

    AffineExpr d5 = getAffineDimExpr(5, ctx);
    // 1. raw[b, j, t, u] = Σ_d q[b, t, j, d] · k[b, u | j // n_rep, d] (f32),
    //    with the query heads split j = g · n_rep + r (g the KV head): loops
    //    (b, g, r, t, u, d) into raw [B, nkv, n_rep, T, L], then the heads
    //    merged back.
    AffineMap keyMap = withCache ? loopMap(ctx, 6, {d0, d1, d4, d5})
                                 : loopMap(ctx, 6, {d0, d4, d1, d5});
    SmallVector<OpFoldResult> splitScoreSizes = {
        scoreSizes[0], b.getIndexAttr(nkv), b.getIndexAttr(nRep),
        scoreSizes[2], scoreSizes[3]};
    Value rawInit = filledTensor(b, splitScoreSizes, f32, 0.0);
    Value rawSplit =
        linalg::GenericOp::create(
            b, rawInit.getType(), ValueRange{splitDim(b, q, 2, nRep), keys},
            rawInit,
            ArrayRef<AffineMap>{loopMap(ctx, 6, {d0, d3, d1, d2, d5}), keyMap,
                                loopMap(ctx, 6, {d0, d1, d2, d3, d4})},
            lastReducedIterators(6),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value prod = arith::MulFOp::create(
                  nb, loc, toF32(nb, loc, args[0]), toF32(nb, loc, args[1]));
              linalg::YieldOp::create(
                  nb, loc,
                  arith::AddFOp::create(nb, loc, args[2], prod).getResult());
            })
            .getResult(0);
    Value raw = mergeDims(b, rawSplit, 1);
    auto scoreType = cast<RankedTensorType>(raw.getType());

    // Inputs and maps shared by the softmax generics over (b, j, t, u):
    // raw scores, then the key-padding mask [B, L] when present.
    SmallVector<Value> softmaxIns = {raw};
    SmallVector<AffineMap> softmaxMaps = {identityMap(ctx, 4)};
    if (mask) {
      softmaxIns.push_back(mask);
      softmaxMaps.push_back(loopMap(ctx, 4, {d0, d3}));
    }
    auto maskArg = [&](ValueRange args) -> Value {
      return mask ? args[1] : Value();
    };
    auto scaled = [&](OpBuilder &nb, Location loc, Value r) -> Value {
      return arith::MulFOp::create(nb, loc, r, scale);
    };

    // 2. m[b, j, t] = max over visible u of s (-inf when none is visible).
    SmallVector<OpFoldResult> rowSizes(scoreSizes.begin(),
                                       scoreSizes.end() - 1);
    Value negInf = filledTensor(b, rowSizes, f32,
                                -std::numeric_limits<double>::infinity());
    SmallVector<AffineMap> maxMaps = softmaxMaps;
    maxMaps.push_back(dropLastDimMap(ctx, 4));
    Value rowMax =
        linalg::GenericOp::create(
            b, negInf.getType(), softmaxIns, negInf, maxMaps,
            lastReducedIterators(4),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value s = scaled(nb, loc, args[0]);
              Value t = linalg::IndexOp::create(nb, loc, 2);
              Value u = linalg::IndexOp::create(nb, loc, 3);
              if (Value ok = allowed(nb, loc, t, u, maskArg(args)))
                s = arith::SelectOp::create(
                    nb, loc, ok, s,
                    f32Const(nb, loc,
                             -std::numeric_limits<double>::infinity()));
              linalg::YieldOp::create(
                  nb, loc,
                  arith::MaximumFOp::create(nb, loc, args.back(), s)
                      .getResult());
            })
            .getResult(0);

    // 3. e[b, j, t, u] = exp(s - m) where visible, else 0. A visible key
    //    makes m finite, so fully-masked rows never compute exp(-inf + inf).
    SmallVector<Value> expIns = softmaxIns;
    expIns.push_back(rowMax);
    SmallVector<AffineMap> expMaps = softmaxMaps;
    expMaps.push_back(dropLastDimMap(ctx, 4));
    expMaps.push_back(identityMap(ctx, 4));
    Value expScores =
        linalg::GenericOp::create(
            b, scoreType, expIns, emptyTensor(b, scoreSizes, f32), expMaps,
            parallelIterators(4),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value m = args[args.size() - 2];
              Value e = math::ExpOp::create(
                  nb, loc,
                  arith::SubFOp::create(nb, loc, scaled(nb, loc, args[0]), m));
              Value t = linalg::IndexOp::create(nb, loc, 2);
              Value u = linalg::IndexOp::create(nb, loc, 3);
              if (Value ok = allowed(nb, loc, t, u, maskArg(args)))
                e = arith::SelectOp::create(nb, loc, ok, e,
                                            f32Const(nb, loc, 0.0));
              linalg::YieldOp::create(nb, loc, e);
            })
            .getResult(0);

    // 4. l[b, j, t] = Σ_u e.
    Value rowSum = reduceLastDimF32(
        b, expScores, [](OpBuilder &, Location, Value x) { return x; });

    // 5. o[b, t, j, e] = Σ_u e[b, j, t, u] · v[b, u | j // n_rep, e] (f32),
    //    heads split as in 1: loops (b, t, g, r, u, e) into o [B, T, nkv,
    //    n_rep, hd], then merged. The key position u (the reduction, summed
    //    in increasing order) sits outside the head dim e, so the inner loop
    //    reads a row of v and updates o contiguously (it vectorizes) instead
    //    of walking v with a stride of hd per step.
    AffineMap valueMap = withCache ? loopMap(ctx, 6, {d0, d2, d4, d5})
                                   : loopMap(ctx, 6, {d0, d4, d2, d5});
    SmallVector<OpFoldResult> splitOutSizes = {qSizes[0], qSizes[1],
                                               b.getIndexAttr(nkv),
                                               b.getIndexAttr(nRep), qSizes[3]};
    Value acc = filledTensor(b, splitOutSizes, f32, 0.0);
    SmallVector<utils::IteratorType> pvIterators = parallelIterators(6);
    pvIterators[4] = utils::IteratorType::reduction;
    Value oSplit =
        linalg::GenericOp::create(
            b, acc.getType(), ValueRange{splitDim(b, expScores, 1, nRep), values},
            acc,
            ArrayRef<AffineMap>{loopMap(ctx, 6, {d0, d2, d3, d1, d4}), valueMap,
                                loopMap(ctx, 6, {d0, d1, d2, d3, d5})},
            pvIterators,
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value prod = arith::MulFOp::create(nb, loc, args[0],
                                                 toF32(nb, loc, args[1]));
              linalg::YieldOp::create(
                  nb, loc,
                  arith::AddFOp::create(nb, loc, args[2], prod).getResult());
            })
            .getResult(0);
    Value o = mergeDims(b, oSplit, 2);

    // 6. out = o / l (0 for rows with no visible key), then the gate:
    //    round(o) · round(sigmoid(gate)), rounded (HF multiplies in q's
    //    dtype; exact products of two bf16s make this one f32 multiply).
    Value gate = adaptor.getGate();
    SmallVector<Value> outIns = {o, rowSum};
    SmallVector<AffineMap> outMaps = {identityMap(ctx, 4),
                                      loopMap(ctx, 4, {d0, d2, d1})};
    if (gate) {
      outIns.push_back(gate);
      outMaps.push_back(identityMap(ctx, 4));
    }
    outMaps.push_back(identityMap(ctx, 4));
    Value outInit = emptyTensor(b, qSizes, elem);
    Value out =
        linalg::GenericOp::create(
            b, outInit.getType(), outIns, outInit, outMaps,
            parallelIterators(4),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value l = args[1];
              Value zero = f32Const(nb, loc, 0.0);
              Value positive = arith::CmpFOp::create(
                  nb, loc, arith::CmpFPredicate::OGT, l, zero);
              Value denom = arith::SelectOp::create(nb, loc, positive, l,
                                                    f32Const(nb, loc, 1.0));
              Value r = castFloat(
                  nb, loc, arith::DivFOp::create(nb, loc, args[0], denom),
                  elem);
              if (gate) {
                Value sig = castFloat(
                    nb, loc, sigmoidF32(nb, loc, toF32(nb, loc, args[2])),
                    elem);
                r = castFloat(nb, loc,
                              arith::MulFOp::create(nb, loc, toF32(nb, loc, r),
                                                    toF32(nb, loc, sig)),
                              elem);
              }
              linalg::YieldOp::create(nb, loc, r);
            })
            .getResult(0);

    SmallVector<Value> results = {castToType(b, out, op.getOut().getType())};
    if (withCache) {
      results.push_back(castToType(b, newKCache, op.getNewKCache().getType()));
      results.push_back(castToType(b, newVCache, op.getNewVCache().getType()));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.causal_conv1d
//===----------------------------------------------------------------------===//

// xpad = state ‖ x along time ([B, K + T, C], zeros for the state part when
// absent); y[b, t, c] = Σ_i w[c, 0, i] · xpad[b, t + 1 + i, c] in f32;
// out = round(act(round(y))) (HF's conv output is in the model dtype before
// the activation); new_state = xpad[:, T:T+K, :] transposed to [B, C, K].
struct CausalConv1dLowering : OpConversionPattern<CausalConv1dOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CausalConv1dOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    Type elem = cast<RankedTensorType>(x.getType()).getElementType();
    Type f32 = b.getF32Type();
    SmallVector<OpFoldResult> xSizes = sizesOf(b, x); // B, T, C
    OpFoldResult kSize = sizesOf(b, w)[2];
    OpFoldResult padded =
        b.createOrFold<arith::AddIOp>(indexOf(b, kSize), indexOf(b, xSizes[1]));
    if (auto cst = getConstantIntValue(padded))
      padded = b.getIndexAttr(*cst);
    SmallVector<OpFoldResult> padSizes = {xSizes[0], padded, xSizes[2]};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    OpFoldResult zero = b.getIndexAttr(0);

    // xpad[b, m, c]: state column m (0 without a state) for m < K, then
    // x[b, m - K, c]. Both parts are written in place into one buffer.
    Value state = adaptor.getState();
    Value xpad = updateWindow(
        b, emptyTensor(b, padSizes, elem), {zero, zero, zero},
        {xSizes[0], kSize, xSizes[2]}, [&](Value window) -> Value {
          if (state)
            return permuteDims(b, state, {0, 2, 1}, window);
          Value zeroElem =
              arith::ConstantOp::create(b, elem, b.getFloatAttr(elem, 0.0));
          return linalg::FillOp::create(b, zeroElem, window).getResult(0);
        });
    xpad =
        updateWindow(b, xpad, {zero, kSize, zero}, xSizes, [&](Value window) {
          return permuteDims(b, x, {0, 1, 2}, window);
        });

    // y: loops (b, t, c, i), i reduced.
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
    Value acc = filledTensor(b, xSizes, f32, 0.0);
    Value y =
        linalg::GenericOp::create(
            b, acc.getType(), ValueRange{xpad, w}, acc,
            ArrayRef<AffineMap>{
                loopMap(ctx, 4, {d0, d1 + d3 + 1, d2}),
                loopMap(ctx, 4, {d2, getAffineConstantExpr(0, ctx), d3}),
                loopMap(ctx, 4, {d0, d1, d2})},
            lastReducedIterators(4),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value prod = arith::MulFOp::create(
                  nb, loc, toF32(nb, loc, args[0]), toF32(nb, loc, args[1]));
              linalg::YieldOp::create(
                  nb, loc,
                  arith::AddFOp::create(nb, loc, args[2], prod).getResult());
            })
            .getResult(0);

    Activation act = op.getActivation();
    Value out;
    if (act == Activation::none) {
      out = castTensor(b, y, elem);
    } else {
      Value outInit = emptyTensor(b, xSizes, elem);
      out =
          linalg::GenericOp::create(
              b, outInit.getType(), y, outInit,
              ArrayRef<AffineMap>{identityMap(ctx, 3), identityMap(ctx, 3)},
              parallelIterators(3),
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                Value yr = toF32(nb, loc, castFloat(nb, loc, args[0], elem));
                linalg::YieldOp::create(
                    nb, loc,
                    castFloat(nb, loc, activationF32(nb, loc, yr, act), elem));
              })
              .getResult(0);
    }

    // new_state: the last K columns of xpad, back to [B, C, K].
    Value tail = tensor::ExtractSliceOp::create(
        b, xpad, ArrayRef<OpFoldResult>{zero, xSizes[1], zero},
        ArrayRef<OpFoldResult>{xSizes[0], kSize, xSizes[2]}, strides);
    Value newState = permuteDims(b, tail, {0, 2, 1});

    rewriter.replaceOp(op,
                       {castToType(b, out, op.getOut().getType()),
                        castToType(b, newState, op.getNewState().getType())});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gdn_gates
//===----------------------------------------------------------------------===//

// g = -exp(A_log) · softplus(a + dt_bias), softplus(x) = x > 20 ? x :
// log1p(exp(x)); beta = sigmoid(b); all f32 (arch §2.7 step 5).
struct GdnGatesLowering : OpConversionPattern<GdnGatesOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GdnGatesOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Value a = adaptor.getA();
    Type f32 = b.getF32Type();
    Value gInit = emptyLike(b, a, f32), betaInit = emptyLike(b, a, f32);
    auto generic = linalg::GenericOp::create(
        b, TypeRange{gInit.getType(), betaInit.getType()},
        ValueRange{a, adaptor.getB(), adaptor.getALog(), adaptor.getDtBias()},
        ValueRange{gInit, betaInit},
        ArrayRef<AffineMap>{identityMap(ctx, 3), identityMap(ctx, 3),
                            lastDimMap(ctx, 3), lastDimMap(ctx, 3),
                            identityMap(ctx, 3), identityMap(ctx, 3)},
        parallelIterators(3),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value x = arith::AddFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                          toF32(nb, loc, args[3]));
          Value threshold = f32Const(nb, loc, 20.0);
          // exp of min(x, 20) so the untaken branch never overflows.
          Value clipped = arith::MinimumFOp::create(nb, loc, x, threshold);
          Value soft = math::Log1pOp::create(
              nb, loc, math::ExpOp::create(nb, loc, clipped));
          Value above = arith::CmpFOp::create(
              nb, loc, arith::CmpFPredicate::OGT, x, threshold);
          Value softplus = arith::SelectOp::create(nb, loc, above, x, soft);
          Value decay = math::ExpOp::create(nb, loc, toF32(nb, loc, args[2]));
          Value g = arith::NegFOp::create(
              nb, loc, arith::MulFOp::create(nb, loc, decay, softplus));
          Value beta = sigmoidF32(nb, loc, toF32(nb, loc, args[1]));
          linalg::YieldOp::create(nb, loc, ValueRange{g, beta});
        });
    rewriter.replaceOp(
        op, {castToType(b, generic.getResult(0), op.getG().getType()),
             castToType(b, generic.getResult(1), op.getBeta().getType())});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gated_rms_norm
//===----------------------------------------------------------------------===//

// Qwen3NextRMSNormGated (arch §2.2): y = x · rsqrt(mean(x²) + eps) in f32;
// y = w · round(y) in the model dtype; out = round(y · silu(f32(z))).
struct GatedRMSNormLowering : OpConversionPattern<GatedRMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatedRMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput(), z = adaptor.getGate(),
          w = adaptor.getWeight();
    auto type = cast<RankedTensorType>(x.getType());
    Type elem = type.getElementType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();

    Value sumSq =
        reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value xv) {
          return arith::MulFOp::create(nb, loc, xv, xv);
        });
    Value width =
        toF32(b, b.getLoc(),
              arith::IndexCastOp::create(b, b.getI64Type(),
                                         indexOf(b, sizesOf(b, x).back())));
    double eps = op.getEps().convertToDouble();
    Value result =
        linalg::GenericOp::create(
            b, type, ValueRange{x, sumSq, w, z}, emptyLike(b, x, elem),
            ArrayRef<AffineMap>{identityMap(ctx, rank),
                                dropLastDimMap(ctx, rank),
                                lastDimMap(ctx, rank), identityMap(ctx, rank),
                                identityMap(ctx, rank)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value mean = arith::DivFOp::create(nb, loc, args[1], width);
              Value inv = math::RsqrtOp::create(
                  nb, loc,
                  arith::AddFOp::create(nb, loc, mean, f32Const(nb, loc, eps)));
              Value y =
                  arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]), inv);
              Value wy = arith::MulFOp::create(nb, loc, args[2],
                                               castFloat(nb, loc, y, elem));
              Value gated = arith::MulFOp::create(
                  nb, loc, toF32(nb, loc, wy),
                  siluF32(nb, loc, toF32(nb, loc, args[3])));
              linalg::YieldOp::create(nb, loc, castFloat(nb, loc, gated, elem));
            })
            .getResult(0);
    rewriter.replaceOp(op, castToType(b, result, op.getResult().getType()));
    return success();
  }
};

} // namespace

void mlir::zen::populateZenAttentionOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionLowering, CausalConv1dLowering, GdnGatesLowering,
               GatedRMSNormLowering>(patterns.getContext());
}
