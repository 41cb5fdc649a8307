//===- DeltaNetGradOps.cpp - Zen backward ops of Gated DeltaNet -> linalg ===//
//
// Lowers the backward ops of dialects/Zen/ZenDeltaNetGradOps.td, all in f32
// with results rounded once to their element types. The derivatives follow
// the forward math of qwen3-architectures.md §2.7 (and the ops'
// descriptions) by the chain rule:
//
// - causal_conv1d_grad / _weight_grad: recompute y = conv(x) (f32), then
//   dy = dout · act'(y) and the transposed convolution / the per-channel
//   correlation of dy with x. Out-of-range taps (t < 0, t >= T) are masked in
//   the generic bodies (tensor.extract of a clamped index), never padded.
// - gdn_gates_grad / _param_grad: elementwise, plus (b, t) reductions.
// - gated_rms_norm_grad / _weight_grad: per-row statistics then elementwise.
// - gated_delta_rule_grad: token-by-token reverse-time recurrence over the
//   state. States are recomputed, never stored by the forward: sweep 1 keeps
//   only the state at each chunk start; sweep 2 walks the chunks backwards,
//   recomputes the chunk's per-token states from its start state into a
//   [B, Hv, C, dk, dv] buffer, then walks the chunk's tokens backwards.
//
// Like DeltaRule.cpp, batch and head dims stay parallel dims of every
// linalg.generic, time is sliced (never reshaped), and per-token results are
// stored with scalar tensor.insert loops that bufferize in place.
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
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Small builders (private; generic, Calc, sliceAlong, storeInto, castTo and
// refine are copies of DeltaRule.cpp's, generic extended to several reduced
// dims)
//===----------------------------------------------------------------------===//

/// A linalg.generic operand: the tensor and, per tensor dim, the loop dim
/// indexing it (or an explicit `map`).
struct Operand {
  Value value;
  SmallVector<unsigned, 5> dims;
  AffineMap map = {};
};

/// One linalg.generic over `numDims` loops, the dims in `reduced` reductions
/// and the others parallel. `body` gets the scalar block arguments (ins, then
/// outs) and returns one value per output.
SmallVector<Value> generic(
    ImplicitLocOpBuilder &b, unsigned numDims, ArrayRef<unsigned> reduced,
    ArrayRef<Operand> ins, ArrayRef<Operand> outs,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs, inits;
  SmallVector<Type> resultTypes;
  auto addMap = [&](const Operand &operand) {
    if (operand.map) {
      maps.push_back(operand.map);
      return;
    }
    SmallVector<AffineExpr> exprs;
    for (unsigned d : operand.dims)
      exprs.push_back(getAffineDimExpr(d, ctx));
    maps.push_back(AffineMap::get(numDims, 0, exprs, ctx));
  };
  for (const Operand &in : ins) {
    inputs.push_back(in.value);
    addMap(in);
  }
  for (const Operand &out : outs) {
    inits.push_back(out.value);
    resultTypes.push_back(out.value.getType());
    addMap(out);
  }
  SmallVector<utils::IteratorType> iterators = parallelIterators(numDims);
  for (unsigned d : reduced)
    iterators[d] = utils::IteratorType::reduction;
  auto op = linalg::GenericOp::create(
      b, resultTypes, inputs, inits, maps, iterators,
      [&](OpBuilder &nb, Location loc, ValueRange args) {
        linalg::YieldOp::create(nb, loc, body(nb, loc, args));
      });
  return SmallVector<Value>(op.getResults());
}

/// Scalar f32 arithmetic inside a generic body.
struct Calc {
  OpBuilder &b;
  Location loc;
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value neg(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value rsqrt(Value x) { return math::RsqrtOp::create(b, loc, x); }
  Value f32(Value x) { return toF32(b, loc, x); }
  Value cst(double x) { return f32Const(b, loc, x); }
  Value index(unsigned dim) { return linalg::IndexOp::create(b, loc, dim); }
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value addi(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value subi(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value muli(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate pred, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value sigmoid(Value x) { return sigmoidF32(b, loc, x); }
  /// silu'(y) = σ(y) (1 + y (1 − σ(y))).
  Value siluPrime(Value y) {
    Value s = sigmoid(y);
    return mul(s, add(cst(1.0), mul(y, sub(cst(1.0), s))));
  }
  /// x[ivs] as f32 when `inRange`, else 0 (the index is clamped to 0 so the
  /// untaken read stays in bounds).
  Value readOrZero(Value x, SmallVector<Value> ivs, unsigned dim,
                   Value inRange) {
    ivs[dim] = select(inRange, ivs[dim], idx(0));
    Value v = f32(tensor::ExtractOp::create(b, loc, x, ivs));
    return select(inRange, v, cst(0.0));
  }
};

/// `size` elements of `source` from `offset` along `dim`, every other dim
/// whole; with `dropDim` (size 1) the dim is removed from the result type.
Value sliceAlong(ImplicitLocOpBuilder &b, Value source, unsigned dim,
                 OpFoldResult offset, OpFoldResult size, bool dropDim) {
  auto type = cast<RankedTensorType>(source.getType());
  unsigned rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = sizesOf(b, source);
  offsets[dim] = offset;
  sizes[dim] = size;
  SmallVector<int64_t> shape;
  for (unsigned i = 0; i < rank; ++i)
    if (!(dropDim && i == dim))
      shape.push_back(
          getConstantIntValue(sizes[i]).value_or(ShapedType::kDynamic));
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExtractSliceOp::create(b, resultType, source, offsets, sizes,
                                        strides);
}

/// dest[index(ivs)] = value[ivs] (rounded to dest's element type) for every
/// index ivs of `value`, as an scf.for nest of scalar extract/insert, which
/// bufferizes to stores into dest's buffer in place.
Value storeInto(
    ImplicitLocOpBuilder &b, Value value, Value dest,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> index) {
  Type elem = cast<RankedTensorType>(dest.getType()).getElementType();
  unsigned rank = cast<RankedTensorType>(value.getType()).getRank();
  Value zero = arith::ConstantIndexOp::create(b, 0);
  Value one = arith::ConstantIndexOp::create(b, 1);
  SmallVector<Value> lbs(rank, zero), steps(rank, one), ubs;
  for (OpFoldResult size : sizesOf(b, value))
    ubs.push_back(getValueOrCreateConstantIndexOp(b, b.getLoc(), size));
  scf::LoopNest nest = scf::buildLoopNest(
      b, b.getLoc(), lbs, ubs, steps, ValueRange{dest},
      [&](OpBuilder &nb, Location loc, ValueRange ivs,
          ValueRange iter) -> scf::ValueVector {
        Value x = tensor::ExtractOp::create(nb, loc, value, ivs);
        return {tensor::InsertOp::create(nb, loc, castFloat(nb, loc, x, elem),
                                         iter[0], index(nb, loc, ivs))};
      });
  return nest.results[0];
}

/// tensor.cast to `type` when it differs (static <-> dynamic dims only).
Value castTo(ImplicitLocOpBuilder &b, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, type, value);
}

/// `value`'s tensor type with `shape` (more static than its own).
RankedTensorType refine(Value value, ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  return RankedTensorType::get(shape, type.getElementType());
}

Value indexValue(ImplicitLocOpBuilder &b, OpFoldResult size) {
  return getValueOrCreateConstantIndexOp(b, b.getLoc(), size);
}

/// The size of the last dim of `x` as an f32 scalar.
Value lastDimF32(ImplicitLocOpBuilder &b, Value x) {
  Value size = indexValue(b, sizesOf(b, x).back());
  return toF32(b, b.getLoc(),
               arith::IndexCastOp::create(b, b.getI64Type(), size));
}

//===----------------------------------------------------------------------===//
// zen.causal_conv1d_grad, zen.causal_conv1d_weight_grad
//===----------------------------------------------------------------------===//

// Taps are read through zero-padded copies of x and dy and affine maps, not
// linalg.index in the reduction bodies: zen-cpu-apply-schedule tiles an
// innermost reduction without offsetting linalg.index (wrong taps when K is
// not a power of two).

/// [B, T, C] -> f32 [B, T + K − 1, C]: `x` shifted by `front` rows (K − 1:
/// zeros before the sequence; 0: zeros after it); an all-parallel generic.
Value padTime(ImplicitLocOpBuilder &b, Value x, Value kMinus1, bool front) {
  SmallVector<OpFoldResult> s = sizesOf(b, x);
  Value steps = indexValue(b, s[1]);
  OpFoldResult padded =
      getAsOpFoldResult(b.createOrFold<arith::AddIOp>(steps, kMinus1));
  return generic(
      b, 3, {}, {},
      {{emptyTensor(b, {s[0], padded, s[2]}, b.getF32Type()),
        {0, 1, 2}}},
      [&](OpBuilder &nb, Location loc, ValueRange) {
        Calc c{nb, loc};
        Value src = front ? c.subi(c.index(1), kMinus1) : c.index(1);
        Value inRange =
            front ? c.cmp(arith::CmpIPredicate::sge, src, c.idx(0))
                  : c.cmp(arith::CmpIPredicate::slt, src, steps);
        return SmallVector<Value>{
            c.readOrZero(x, {c.index(0), src, c.index(2)}, 1, inRange)};
      })[0];
}

Value kMinusOne(ImplicitLocOpBuilder &b, Value w) {
  return b.createOrFold<arith::SubIOp>(indexValue(b, sizesOf(b, w)[2]),
                                      arith::ConstantIndexOp::create(b, 1));
}

/// xpad = padTime(x, front) and dy = dout · act'(y) in f32 [B, T, C], with
/// y[b,t,c] = Σ_i w[c,0,i] · xpad[b, t + i, c] recomputed (loops (b, t, c,
/// i), i reduced).
std::array<Value, 2> convOutGrad(ImplicitLocOpBuilder &b, Value x, Value w,
                                 Value dout, Activation act) {
  Type f32 = b.getF32Type();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> xSizes = sizesOf(b, x);
  Value xpad = padTime(b, x, kMinusOne(b, w), /*front=*/true);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
  Value y = generic(
      b, 4, {3},
      {{xpad, {}, AffineMap::get(4, 0, {d0, d1 + d3, d2}, ctx)},
       {w, {}, AffineMap::get(4, 0, {d2, getAffineConstantExpr(0, ctx), d3},
                              ctx)}},
      {{filledTensor(b, xSizes, f32, 0.0), {0, 1, 2}}},
      [&](OpBuilder &nb, Location loc, ValueRange a) {
        Calc c{nb, loc};
        return SmallVector<Value>{c.add(a[2], c.mul(c.f32(a[1]), a[0]))};
      })[0];
  Value dy = generic(b, 3, {}, {{y, {0, 1, 2}}, {dout, {0, 1, 2}}},
                     {{emptyTensor(b, xSizes, f32), {0, 1, 2}}},
                     [&](OpBuilder &nb, Location loc, ValueRange a) {
                       Calc c{nb, loc};
                       Value d = c.f32(a[1]);
                       if (act == Activation::silu)
                         d = c.mul(d, c.siluPrime(a[0]));
                       return SmallVector<Value>{d};
                     })[0];
  return {xpad, dy};
}

// dx[b,s,c] = Σ_i w[c,0,i] · dy[b, s + K − 1 − i, c] over taps inside [0, T)
// = Σ_j w[c,0,K−1−j] · dypad[b, s + j, c], dypad zero after T.
struct CausalConv1dGradLowering : OpConversionPattern<CausalConv1dGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CausalConv1dGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    Type elem = cast<RankedTensorType>(x.getType()).getElementType();
    Type f32 = b.getF32Type();
    Value kMinus1 = kMinusOne(b, w);
    Value dy =
        convOutGrad(b, x, w, adaptor.getOutGrad(), op.getActivation())[1];
    Value dyPad = padTime(b, dy, kMinus1, /*front=*/false);
    // The kernel reversed in time: wRev[c, 0, j] = w[c, 0, K − 1 − j].
    Value wRev = generic(
        b, 3, {}, {}, {{emptyLike(b, w, f32), {0, 1, 2}}},
        [&](OpBuilder &nb, Location loc, ValueRange) {
          Calc c{nb, loc};
          Value j = c.subi(kMinus1, c.index(2));
          return SmallVector<Value>{c.f32(tensor::ExtractOp::create(
              nb, loc, w, ValueRange{c.index(0), c.index(1), j}))};
        })[0];
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
    Value dx = generic(
        b, 4, {3},
        {{dyPad, {}, AffineMap::get(4, 0, {d0, d1 + d3, d2}, ctx)},
         {wRev, {}, AffineMap::get(4, 0, {d2, getAffineConstantExpr(0, ctx), d3},
                                   ctx)}},
        {{filledTensor(b, sizesOf(b, x), f32, 0.0), {0, 1, 2}}},
        [&](OpBuilder &nb, Location loc, ValueRange a) {
          Calc c{nb, loc};
          return SmallVector<Value>{c.add(a[2], c.mul(a[1], a[0]))};
        })[0];
    rewriter.replaceOp(op, castTo(b, castTensor(b, dx, elem),
                                  op.getInputGrad().getType()));
    return success();
  }
};

// dw[c,0,i] = Σ_{b,t} dy[b,t,c] · xpad[b, t + i, c]; loops (c, i, b, t).
struct CausalConv1dWeightGradLowering
    : OpConversionPattern<CausalConv1dWeightGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CausalConv1dWeightGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    Type elem = cast<RankedTensorType>(w.getType()).getElementType();
    auto [xpad, dy] =
        convOutGrad(b, x, w, adaptor.getOutGrad(), op.getActivation());
    MLIRContext *ctx = b.getContext();
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
    Value dw = generic(
        b, 4, {2, 3},
        {{dy, {2, 3, 0}},
         {xpad, {}, AffineMap::get(4, 0, {d2, d3 + d1, d0}, ctx)}},
        {{filledTensor(b, sizesOf(b, w), b.getF32Type(), 0.0), {},
          AffineMap::get(4, 0, {d0, getAffineConstantExpr(0, ctx), d1}, ctx)}},
        [&](OpBuilder &nb, Location loc, ValueRange a) {
          Calc c{nb, loc};
          return SmallVector<Value>{c.add(a[2], c.mul(a[0], a[1]))};
        })[0];
    rewriter.replaceOp(op, castTo(b, castTensor(b, dw, elem),
                                  op.getWeightGrad().getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gdn_gates_grad, zen.gdn_gates_param_grad
//===----------------------------------------------------------------------===//

/// d softplus(x)/dx = 1 above torch's threshold 20, else σ(x).
Value softplusPrime(Calc &c, Value x) {
  Value above = arith::CmpFOp::create(c.b, c.loc, arith::CmpFPredicate::OGT, x,
                                      c.cst(20.0));
  return c.select(above, c.cst(1.0), c.sigmoid(x));
}

// da = dg · (−e^{A_log}) · softplus'(a + dt_bias); db = dβ · σ(b)(1 − σ(b)).
struct GdnGatesGradLowering : OpConversionPattern<GdnGatesGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GdnGatesGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value a = adaptor.getA();
    Type elem = cast<RankedTensorType>(a.getType()).getElementType();
    SmallVector<Value> grads = generic(
        b, 3, {},
        {{a, {0, 1, 2}},
         {adaptor.getB(), {0, 1, 2}},
         {adaptor.getALog(), {2}},
         {adaptor.getDtBias(), {2}},
         {adaptor.getGGrad(), {0, 1, 2}},
         {adaptor.getBetaGrad(), {0, 1, 2}}},
        {{emptyLike(b, a, elem), {0, 1, 2}}, {emptyLike(b, a, elem), {0, 1, 2}}},
        [&](OpBuilder &nb, Location loc, ValueRange v) {
          Calc c{nb, loc};
          Value x = c.add(c.f32(v[0]), c.f32(v[3]));
          Value da = c.mul(c.mul(v[4], c.neg(c.exp(c.f32(v[2])))),
                           softplusPrime(c, x));
          Value s = c.sigmoid(c.f32(v[1]));
          Value db = c.mul(v[5], c.mul(s, c.sub(c.cst(1.0), s)));
          return SmallVector<Value>{castFloat(nb, loc, da, elem),
                                    castFloat(nb, loc, db, elem)};
        });
    rewriter.replaceOp(op, {castTo(b, grads[0], op.getAGrad().getType()),
                            castTo(b, grads[1], op.getBGrad().getType())});
    return success();
  }
};

// dA_log[h] = Σ_{b,t} dg · (−e^{A_log} softplus(x)); ddt_bias[h] = Σ_{b,t} da;
// loops (h, b, t).
struct GdnGatesParamGradLowering : OpConversionPattern<GdnGatesParamGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GdnGatesParamGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value aLog = adaptor.getALog(), dtBias = adaptor.getDtBias();
    Type f32 = b.getF32Type();
    SmallVector<Value> sums = generic(
        b, 3, {1, 2},
        {{adaptor.getA(), {1, 2, 0}},
         {aLog, {0}},
         {dtBias, {0}},
         {adaptor.getGGrad(), {1, 2, 0}}},
        {{filledTensor(b, sizesOf(b, aLog), f32, 0.0), {0}},
         {filledTensor(b, sizesOf(b, dtBias), f32, 0.0), {0}}},
        [&](OpBuilder &nb, Location loc, ValueRange v) {
          Calc c{nb, loc};
          Value x = c.add(c.f32(v[0]), c.f32(v[2]));
          // softplus(x) = x above 20, else log1p(exp(min(x, 20))).
          Value clipped = arith::MinimumFOp::create(nb, loc, x, c.cst(20.0));
          Value soft = math::Log1pOp::create(nb, loc, c.exp(clipped));
          Value above = arith::CmpFOp::create(
              nb, loc, arith::CmpFPredicate::OGT, x, c.cst(20.0));
          Value softplus = c.select(above, x, soft);
          Value negDecay = c.neg(c.exp(c.f32(v[1])));
          Value dALog = c.mul(v[3], c.mul(negDecay, softplus));
          Value da = c.mul(c.mul(v[3], negDecay), softplusPrime(c, x));
          return SmallVector<Value>{c.add(v[4], dALog), c.add(v[5], da)};
        });
    Type aLogElem = cast<RankedTensorType>(aLog.getType()).getElementType();
    Type dtElem = cast<RankedTensorType>(dtBias.getType()).getElementType();
    rewriter.replaceOp(
        op, {castTo(b, castTensor(b, sums[0], aLogElem),
                    op.getALogGrad().getType()),
             castTo(b, castTensor(b, sums[1], dtElem),
                    op.getDtBiasGrad().getType())});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gated_rms_norm_grad, zen.gated_rms_norm_weight_grad
//===----------------------------------------------------------------------===//

/// Dims 0 .. rank−1 of a row-wise operand, the row dims only, and the last.
SmallVector<unsigned, 5> allDims(unsigned rank) {
  return llvm::to_vector<5>(llvm::seq<unsigned>(0, rank));
}
SmallVector<unsigned, 5> rowDims(unsigned rank) {
  return llvm::to_vector<5>(llvm::seq<unsigned>(0, rank - 1));
}

// r = rsqrt(mean(x²) + eps), y = x r, dy = dout · w · silu(z):
// dx = r (dy − y · mean(dy · y)); dz = dout · w · y · silu'(z).
struct GatedRMSNormGradLowering : OpConversionPattern<GatedRMSNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatedRMSNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput(), z = adaptor.getGate(),
          w = adaptor.getWeight(), dout = adaptor.getOutGrad();
    auto type = cast<RankedTensorType>(x.getType());
    Type elem = type.getElementType();
    unsigned rank = type.getRank();
    double eps = op.getEps().convertToDouble();
    Value sumSq =
        reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value xv) {
          return arith::MulFOp::create(nb, loc, xv, xv);
        });
    Value width = lastDimF32(b, x);
    auto inv = [&](Calc &c, Value ss) {
      return c.rsqrt(c.add(c.div(ss, width), c.cst(eps)));
    };
    unsigned last = rank - 1;
    SmallVector<Operand> ins = {{x, allDims(rank)},
                                {sumSq, rowDims(rank)},
                                {w, {last}},
                                {z, allDims(rank)},
                                {dout, allDims(rank)}};
    // dot[row] = Σ_d dy · y.
    Value dot = generic(
        b, rank, {last}, ins,
        {{filledTensor(b, sizesOf(b, sumSq), b.getF32Type(), 0.0),
          rowDims(rank)}},
        [&](OpBuilder &nb, Location loc, ValueRange a) {
          Calc c{nb, loc};
          Value y = c.mul(c.f32(a[0]), inv(c, a[1]));
          Value dy = c.mul(c.mul(c.f32(a[4]), c.f32(a[2])),
                           siluF32(nb, loc, c.f32(a[3])));
          return SmallVector<Value>{c.add(a[5], c.mul(dy, y))};
        })[0];
    ins.push_back({dot, rowDims(rank)});
    SmallVector<Value> grads = generic(
        b, rank, {}, ins,
        {{emptyLike(b, x, elem), allDims(rank)},
         {emptyLike(b, x, elem), allDims(rank)}},
        [&](OpBuilder &nb, Location loc, ValueRange a) {
          Calc c{nb, loc};
          Value r = inv(c, a[1]);
          Value y = c.mul(c.f32(a[0]), r);
          Value zf = c.f32(a[3]);
          Value dw = c.mul(c.f32(a[4]), c.f32(a[2]));
          Value dy = c.mul(dw, siluF32(nb, loc, zf));
          Value dx = c.mul(r, c.sub(dy, c.mul(y, c.div(a[5], width))));
          Value dz = c.mul(c.mul(dw, y), c.siluPrime(zf));
          return SmallVector<Value>{castFloat(nb, loc, dx, elem),
                                    castFloat(nb, loc, dz, elem)};
        });
    rewriter.replaceOp(op, {castTo(b, grads[0], op.getInputGrad().getType()),
                            castTo(b, grads[1], op.getGateGrad().getType())});
    return success();
  }
};

// dw[d] = Σ_rows dout · y · silu(z); loops (rows..., d), rows reduced.
struct GatedRMSNormWeightGradLowering
    : OpConversionPattern<GatedRMSNormWeightGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatedRMSNormWeightGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
    Type elem = cast<RankedTensorType>(w.getType()).getElementType();
    double eps = op.getEps().convertToDouble();
    Value sumSq =
        reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value xv) {
          return arith::MulFOp::create(nb, loc, xv, xv);
        });
    Value width = lastDimF32(b, x);
    SmallVector<unsigned, 5> reduced = rowDims(rank);
    Value dw = generic(
        b, rank, reduced,
        {{x, allDims(rank)},
         {sumSq, rowDims(rank)},
         {adaptor.getGate(), allDims(rank)},
         {adaptor.getOutGrad(), allDims(rank)}},
        {{filledTensor(b, sizesOf(b, w), b.getF32Type(), 0.0), {rank - 1}}},
        [&](OpBuilder &nb, Location loc, ValueRange a) {
          Calc c{nb, loc};
          Value r = c.rsqrt(c.add(c.div(a[1], width), c.cst(eps)));
          Value y = c.mul(c.f32(a[0]), r);
          Value term = c.mul(c.mul(c.f32(a[3]), y),
                             siluF32(nb, loc, c.f32(a[2])));
          return SmallVector<Value>{c.add(a[4], term)};
        })[0];
    rewriter.replaceOp(op, castTo(b, castTensor(b, dw, elem),
                                  op.getWeightGrad().getType()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.gated_delta_rule_grad
//===----------------------------------------------------------------------===//

/// q or k [B, T, Hk, d] -> f32 [B, Hv, T, d], value head h reading key head
/// h / ratio (HF repeat_interleave), times rsqrt(sumSq + 1e-6) when `sumSq`
/// (the forward's in-kernel L2 norm) and `scale` when given.
Value expandHeads(ImplicitLocOpBuilder &b, Value x, Value ratio,
                  OpFoldResult hv, Value sumSq, Value scale) {
  SmallVector<OpFoldResult> s = sizesOf(b, x);
  Value init = emptyTensor(b, {s[0], hv, s[1], s[3]}, b.getF32Type());
  return generic(b, 4, {}, {}, {{init, {0, 1, 2, 3}}},
                 [&](OpBuilder &nb, Location loc, ValueRange) {
                   Calc c{nb, loc};
                   Value kh = arith::DivUIOp::create(nb, loc, c.index(1), ratio);
                   Value xf = c.f32(tensor::ExtractOp::create(
                       nb, loc, x,
                       ValueRange{c.index(0), c.index(2), kh, c.index(3)}));
                   if (sumSq)
                     xf = c.mul(xf, c.rsqrt(c.add(
                                        tensor::ExtractOp::create(
                                            nb, loc, sumSq,
                                            ValueRange{c.index(0), c.index(2), kh}),
                                        c.cst(1e-6))));
                   return SmallVector<Value>{scale ? c.mul(xf, scale) : xf};
                 })[0];
}

/// [B, T, H(, d)] -> [B, H, T(, d)] (dims 1 and 2 swapped) with element type
/// `elem`: head-major f32 copies of the inputs, and the way back.
Value swapTimeHeads(ImplicitLocOpBuilder &b, Value x, Type elem) {
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> sizes = sizesOf(b, x);
  std::swap(sizes[1], sizes[2]);
  SmallVector<unsigned, 5> dims = {0, 2, 1};
  if (rank == 4)
    dims.push_back(3);
  return generic(b, rank, {}, {{x, dims}},
                 {{emptyTensor(b, sizes, elem), allDims(rank)}},
                 [&](OpBuilder &nb, Location loc, ValueRange a) {
                   return SmallVector<Value>{castFloat(nb, loc, a[0], elem)};
                 })[0];
}

/// Head-major f32 token slices of the preprocessed inputs.
struct Token {
  Value q, k, v, dout; // [B, Hv, d]
  Value decay, beta;   // [B, Hv]: e^{g_t}, β_t
};

Token tokenAt(ImplicitLocOpBuilder &b, ArrayRef<Value> inputs, Value t) {
  OpFoldResult unit = b.getIndexAttr(1);
  auto at = [&](Value x) { return sliceAlong(b, x, 2, t, unit, true); };
  Value g = at(inputs[3]);
  Value decay = generic(b, 2, {}, {{g, {0, 1}}},
                        {{emptyLike(b, g, b.getF32Type()), {0, 1}}},
                        [](OpBuilder &nb, Location loc, ValueRange a) {
                          return SmallVector<Value>{Calc{nb, loc}.exp(a[0])};
                        })[0];
  return {at(inputs[0]), at(inputs[1]), at(inputs[2]), at(inputs[5]), decay,
          at(inputs[4])};
}

/// u[b,h,j] = Σ_i e^{g_t} S[i,j] k[i] = (A_tᵀ k_t)_j; loops (b, h, i, j).
Value decayedReadout(ImplicitLocOpBuilder &b, Value s, const Token &tok) {
  return generic(b, 4, {2},
                 {{s, {0, 1, 2, 3}}, {tok.k, {0, 1, 2}}, {tok.decay, {0, 1}}},
                 {{filledTensor(b, sizesOf(b, tok.v), b.getF32Type(), 0.0),
                   {0, 1, 3}}},
                 [](OpBuilder &nb, Location loc, ValueRange a) {
                   Calc c{nb, loc};
                   return SmallVector<Value>{
                       c.add(a[3], c.mul(c.mul(a[2], a[0]), a[1]))};
                 })[0];
}

/// S_t = e^{g_t} S + k_t β_t (v_t − u)ᵀ, written over S (the scf.for carrying
/// S then keeps it in one buffer); loops (b, h, i, j).
Value stepState(ImplicitLocOpBuilder &b, Value s, const Token &tok) {
  Value u = decayedReadout(b, s, tok);
  return generic(b, 4, {},
                 {{tok.k, {0, 1, 2}},
                  {tok.v, {0, 1, 3}},
                  {u, {0, 1, 3}},
                  {tok.decay, {0, 1}},
                  {tok.beta, {0, 1}}},
                 {{s, {0, 1, 2, 3}}},
                 [](OpBuilder &nb, Location loc, ValueRange a) {
                   Calc c{nb, loc};
                   Value delta = c.mul(a[4], c.sub(a[1], a[2]));
                   return SmallVector<Value>{
                       c.add(c.mul(a[3], a[5]), c.mul(a[0], delta))};
                 })[0];
}

/// The cotangents of one token, given the state before it (`sPrev`) and
/// dS, the cotangent of the state after it. Returns dS_{t−1} (written over
/// dS) and dq̂, dk̂ [B, Hv, dk], dv [B, Hv, dv], dg, dβ [B, Hv].
struct TokenGrads {
  Value dS, dq, dk, dv, dg, dbeta;
};

TokenGrads tokenBackward(ImplicitLocOpBuilder &b, Value sPrev, Value dS,
                         const Token &tok) {
  Type f32 = b.getF32Type();
  auto zeros = [&](Value like) {
    return filledTensor(b, sizesOf(b, like), f32, 0.0);
  };
  auto mulAcc = [](OpBuilder &nb, Location loc, ValueRange a) {
    Calc c{nb, loc};
    return SmallVector<Value>{c.add(a[2], c.mul(a[0], a[1]))};
  };
  // u = A_tᵀ k; δ = β (v − u), and v − u.
  Value u = decayedReadout(b, sPrev, tok);
  SmallVector<Value> du = generic(
      b, 3, {}, {{tok.v, {0, 1, 2}}, {u, {0, 1, 2}}, {tok.beta, {0, 1}}},
      {{emptyLike(b, u, f32), {0, 1, 2}}, {emptyLike(b, u, f32), {0, 1, 2}}},
      [](OpBuilder &nb, Location loc, ValueRange a) {
        Calc c{nb, loc};
        Value vmu = c.sub(a[0], a[1]);
        return SmallVector<Value>{c.mul(a[2], vmu), vmu};
      });
  Value delta = du[0], vMinusU = du[1];
  // dq̂[i] = Σ_j S_t[i,j] do[j], S_t = e^g S_{t−1} + k δᵀ; loops (b,h,i,j).
  Value dq = generic(b, 4, {3},
                     {{sPrev, {0, 1, 2, 3}},
                      {tok.decay, {0, 1}},
                      {tok.k, {0, 1, 2}},
                      {delta, {0, 1, 3}},
                      {tok.dout, {0, 1, 3}}},
                     {{zeros(tok.q), {0, 1, 2}}},
                     [](OpBuilder &nb, Location loc, ValueRange a) {
                       Calc c{nb, loc};
                       Value st = c.add(c.mul(a[1], a[0]), c.mul(a[2], a[3]));
                       return SmallVector<Value>{c.add(a[5], c.mul(st, a[4]))};
                     })[0];
  // dS += q̂ doᵀ (over dS).
  Value dSp = generic(b, 4, {}, {{tok.q, {0, 1, 2}}, {tok.dout, {0, 1, 3}}},
                      {{dS, {0, 1, 2, 3}}}, [](OpBuilder &nb, Location loc,
                                               ValueRange a) {
                        Calc c{nb, loc};
                        return SmallVector<Value>{
                            c.add(a[2], c.mul(a[0], a[1]))};
                      })[0];
  // dδ[j] = Σ_i dS[i,j] k[i]; loops (b, h, i, j).
  Value dDelta = generic(b, 4, {2}, {{dSp, {0, 1, 2, 3}}, {tok.k, {0, 1, 2}}},
                         {{zeros(tok.v), {0, 1, 3}}}, mulAcc)[0];
  // dv = β dδ; du = −β dδ; loops (b, h, j).
  SmallVector<Value> vu = generic(
      b, 3, {}, {{dDelta, {0, 1, 2}}, {tok.beta, {0, 1}}},
      {{emptyLike(b, u, f32), {0, 1, 2}}, {emptyLike(b, u, f32), {0, 1, 2}}},
      [](OpBuilder &nb, Location loc, ValueRange a) {
        Calc c{nb, loc};
        Value dv = c.mul(a[1], a[0]);
        return SmallVector<Value>{dv, c.neg(dv)};
      });
  Value dv = vu[0], dU = vu[1];
  // dβ = Σ_j dδ[j] (v − u)[j]; loops (b, h, j).
  Value dBeta = generic(b, 3, {2}, {{dDelta, {0, 1, 2}}, {vMinusU, {0, 1, 2}}},
                        {{zeros(tok.beta), {0, 1}}}, mulAcc)[0];
  // dk̂[i] = Σ_j dS[i,j] δ[j] + A[i,j] du[j], A = e^g S_{t−1}.
  Value dk = generic(b, 4, {3},
                     {{dSp, {0, 1, 2, 3}},
                      {delta, {0, 1, 3}},
                      {sPrev, {0, 1, 2, 3}},
                      {tok.decay, {0, 1}},
                      {dU, {0, 1, 3}}},
                     {{zeros(tok.k), {0, 1, 2}}},
                     [](OpBuilder &nb, Location loc, ValueRange a) {
                       Calc c{nb, loc};
                       Value fromS = c.mul(a[0], a[1]);
                       Value fromA = c.mul(c.mul(a[3], a[2]), a[4]);
                       return SmallVector<Value>{c.add(a[5], c.add(fromS, fromA))};
                     })[0];
  // dA = dS + k duᵀ; dg = ⟨A, dA⟩; loops (b, h, i, j), i and j reduced.
  auto dA = [](Calc &c, Value dSv, Value k, Value duv) {
    return c.add(dSv, c.mul(k, duv));
  };
  Value dg = generic(b, 4, {2, 3},
                     {{dSp, {0, 1, 2, 3}},
                      {tok.k, {0, 1, 2}},
                      {dU, {0, 1, 3}},
                      {sPrev, {0, 1, 2, 3}},
                      {tok.decay, {0, 1}}},
                     {{zeros(tok.beta), {0, 1}}},
                     [&](OpBuilder &nb, Location loc, ValueRange a) {
                       Calc c{nb, loc};
                       Value aij = c.mul(a[4], a[3]);
                       return SmallVector<Value>{
                           c.add(a[5], c.mul(aij, dA(c, a[0], a[1], a[2])))};
                     })[0];
  // dS_{t−1} = e^g dA (over dS).
  Value dSNext = generic(
      b, 4, {}, {{tok.k, {0, 1, 2}}, {dU, {0, 1, 3}}, {tok.decay, {0, 1}}},
      {{dSp, {0, 1, 2, 3}}}, [&](OpBuilder &nb, Location loc, ValueRange a) {
        Calc c{nb, loc};
        return SmallVector<Value>{c.mul(a[2], dA(c, a[3], a[0], a[1]))};
      })[0];
  return {dSNext, dq, dk, dv, dg, dBeta};
}

/// Head-group sum, scale and L2-norm backward of dq̂ or dk̂ [B, Hv, T, d]:
/// dy[b,t,kh,d] = scale · Σ_{h in group kh} dx̂[b,h,t,d], then with y = x r,
/// r = rsqrt(Σx² + 1e-6): dx = r (dy − y (y · dy)). Rounded to x's type.
Value keyGrad(ImplicitLocOpBuilder &b, Value x, Value dHat, Value ratio,
              bool l2norm, Value scale) {
  Type f32 = b.getF32Type();
  Type elem = cast<RankedTensorType>(x.getType()).getElementType();
  // Loops (b, t, kh, d, r), r over the value heads of key head kh. With a
  // static ratio the head is the affine kh * ratio + r; otherwise it is read
  // with tensor.extract. r is sized by an unread ratio-long tensor (the CPU
  // schedule tiles only static innermost reductions, and would not offset
  // linalg.index there).
  Value acc = filledTensor(b, sizesOf(b, x), f32, 0.0);
  auto sum = [&](OpBuilder &nb, Location loc, Value v, Value out) {
    Calc c{nb, loc};
    return SmallVector<Value>{c.add(out, scale ? c.mul(v, scale) : v)};
  };
  Value dy;
  Value group = emptyTensor(b, {getAsOpFoldResult(ratio)}, f32);
  if (std::optional<int64_t> r = getConstantIntValue(ratio)) {
    MLIRContext *ctx = b.getContext();
    auto dimE = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap headMap = AffineMap::get(
        5, 0, {dimE(0), dimE(2) * *r + dimE(4), dimE(1), dimE(3)}, ctx);
    dy = generic(b, 5, {4}, {{dHat, {}, headMap}, {group, {4}}},
                 {{acc, {0, 1, 2, 3}}},
                 [&](OpBuilder &nb, Location loc, ValueRange a) {
                   return sum(nb, loc, a[0], a[2]);
                 })[0];
  } else {
    dy = generic(b, 5, {4}, {{group, {4}}}, {{acc, {0, 1, 2, 3}}},
                 [&](OpBuilder &nb, Location loc, ValueRange a) {
                   Calc c{nb, loc};
                   Value h = c.addi(c.muli(c.index(2), ratio), c.index(4));
                   Value v = tensor::ExtractOp::create(
                       nb, loc, dHat,
                       ValueRange{c.index(0), h, c.index(1), c.index(3)});
                   return sum(nb, loc, v, a[1]);
                 })[0];
  }
  if (!l2norm)
    return castTensor(b, dy, elem);
  Value sumSq = reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value v) {
    return arith::MulFOp::create(nb, loc, v, v);
  });
  auto inv = [](Calc &c, Value ss) { return c.rsqrt(c.add(ss, c.cst(1e-6))); };
  // dot[b,t,kh] = Σ_d y · dy.
  Value dot = generic(
      b, 4, {3}, {{x, {0, 1, 2, 3}}, {sumSq, {0, 1, 2}}, {dy, {0, 1, 2, 3}}},
      {{filledTensor(b, sizesOf(b, sumSq), f32, 0.0), {0, 1, 2}}},
      [&](OpBuilder &nb, Location loc, ValueRange a) {
        Calc c{nb, loc};
        Value y = c.mul(c.f32(a[0]), inv(c, a[1]));
        return SmallVector<Value>{c.add(a[3], c.mul(y, a[2]))};
      })[0];
  return generic(b, 4, {},
                 {{x, {0, 1, 2, 3}},
                  {sumSq, {0, 1, 2}},
                  {dy, {0, 1, 2, 3}},
                  {dot, {0, 1, 2}}},
                 {{emptyLike(b, x, elem), {0, 1, 2, 3}}},
                 [&](OpBuilder &nb, Location loc, ValueRange a) {
                   Calc c{nb, loc};
                   Value r = inv(c, a[1]);
                   Value y = c.mul(c.f32(a[0]), r);
                   Value dx = c.mul(r, c.sub(a[2], c.mul(y, a[3])));
                   return SmallVector<Value>{castFloat(nb, loc, dx, elem)};
                 })[0];
}

// Preprocess as the forward does, recompute chunk-start states (sweep 1),
// then walk chunks and tokens backwards (sweep 2), then map the cotangents of
// the preprocessed inputs back to the operands.
struct GatedDeltaRuleGradLowering : OpConversionPattern<GatedDeltaRuleGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatedDeltaRuleGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV();
    Value g = adaptor.getG(), beta = adaptor.getBeta();
    Value dOut = adaptor.getOutGrad();
    Value state = adaptor.getInitialState();
    Value dFinal = adaptor.getFinalStateGrad();
    Type f32 = b.getF32Type();

    // Make every dim static that any operand knows statically.
    auto dim = [](Value value, unsigned d) {
      return value ? cast<RankedTensorType>(value.getType()).getDimSize(d)
                   : ShapedType::kDynamic;
    };
    auto pick = [](std::initializer_list<int64_t> sizes) {
      for (int64_t s : sizes)
        if (!ShapedType::isDynamic(s))
          return s;
      return ShapedType::kDynamic;
    };
    int64_t bN = pick({dim(q, 0), dim(k, 0), dim(v, 0), dim(g, 0), dim(beta, 0),
                       dim(state, 0), dim(dFinal, 0)});
    int64_t tN =
        pick({dim(q, 1), dim(k, 1), dim(v, 1), dim(g, 1), dim(beta, 1)});
    int64_t hkN = pick({dim(q, 2), dim(k, 2)});
    int64_t hvN = pick({dim(v, 2), dim(g, 2), dim(beta, 2), dim(state, 1),
                        dim(dFinal, 1)});
    int64_t dkN = pick({dim(q, 3), dim(k, 3), dim(state, 2), dim(dFinal, 2)});
    int64_t dvN = pick({dim(v, 3), dim(state, 3), dim(dFinal, 3)});
    q = castTo(b, q, refine(q, {bN, tN, hkN, dkN}));
    k = castTo(b, k, refine(k, {bN, tN, hkN, dkN}));
    v = castTo(b, v, refine(v, {bN, tN, hvN, dvN}));
    dOut = castTo(b, dOut, refine(dOut, {bN, tN, hvN, dvN}));
    g = castTo(b, g, refine(g, {bN, tN, hvN}));
    beta = castTo(b, beta, refine(beta, {bN, tN, hvN}));

    Value scale;
    if (std::optional<double> known = op.getScaleValue()) {
      scale = f32Const(b, b.getLoc(), *known);
    } else {
      Value dk = arith::IndexCastOp::create(b, b.getI64Type(),
                                            tensor::DimOp::create(b, q, 3));
      scale = math::RsqrtOp::create(b, toF32(b, b.getLoc(), dk));
    }
    bool l2norm = op.getUseQkL2norm();
    OpFoldResult hv = sizesOf(b, v)[2];
    // Folded to a constant when both head counts are static.
    Value ratio = b.createOrFold<arith::DivUIOp>(indexValue(b, hv),
                                                 indexValue(b, sizesOf(b, q)[2]));
    auto sumSq = [&](Value x) -> Value {
      if (!l2norm)
        return Value();
      return reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value e) {
        return arith::MulFOp::create(nb, loc, e, e);
      });
    };
    // Inputs in tokenAt's order: q̂, k̂, v, g, β, dO (head-major f32).
    SmallVector<Value> in = {expandHeads(b, q, ratio, hv, sumSq(q), scale),
                             expandHeads(b, k, ratio, hv, sumSq(k), Value()),
                             swapTimeHeads(b, v, f32),
                             swapTimeHeads(b, g, f32),
                             swapTimeHeads(b, beta, f32),
                             swapTimeHeads(b, dOut, f32)};

    SmallVector<OpFoldResult> stateSizes = {sizesOf(b, q)[0], hv,
                                            sizesOf(b, q)[3], sizesOf(b, v)[3]};
    auto copyOrZeros = [&](Value init) -> Value {
      if (!init)
        return filledTensor(b, stateSizes, f32, 0.0);
      init = castTo(b, init, refine(init, {bN, hvN, dkN, dvN}));
      return linalg::CopyOp::create(b, init, emptyLike(b, init, f32))
          .getResult(0);
    };

    Value zero = arith::ConstantIndexOp::create(b, 0);
    Value one = arith::ConstantIndexOp::create(b, 1);
    Value chunk = arith::ConstantIndexOp::create(b, op.getChunkSize());
    Value steps = tensor::DimOp::create(b, in[2], 2);
    Value numChunks = arith::DivUIOp::create(
        b, arith::AddIOp::create(b, steps, arith::SubIOp::create(b, chunk, one)),
        chunk);
    auto chunkBounds = [&](ImplicitLocOpBuilder &lb, Value c) {
      Value t0 = arith::MulIOp::create(lb, c, chunk);
      Value n = arith::MinSIOp::create(lb, chunk,
                                       arith::SubIOp::create(lb, steps, t0));
      return std::array<Value, 2>{t0, n};
    };
    auto atSlot = [](Value slot) {
      return [slot](OpBuilder &, Location, ValueRange ivs) {
        return SmallVector<Value>{ivs[0], ivs[1], slot, ivs[2], ivs[3]};
      };
    };

    // Sweep 1: the state at the start of every chunk, [B, Hv, nc, dk, dv].
    SmallVector<OpFoldResult> slots = {stateSizes[0], hv, OpFoldResult(numChunks),
                                       stateSizes[2], stateSizes[3]};
    auto sweep1 = scf::ForOp::create(
        b, zero, numChunks, one,
        ValueRange{copyOrZeros(state), emptyTensor(b, slots, f32)},
        [&](OpBuilder &nb, Location loc, Value c, ValueRange iter) {
          ImplicitLocOpBuilder lb(loc, nb);
          Value starts = storeInto(lb, iter[0], iter[1], atSlot(c));
          std::array<Value, 2> bounds = chunkBounds(lb, c);
          Value t0 = bounds[0], n = bounds[1];
          auto tokens = scf::ForOp::create(
              lb, zero, n, one, ValueRange{iter[0]},
              [&](OpBuilder &tb, Location tl, Value r, ValueRange s) {
                ImplicitLocOpBuilder ib(tl, tb);
                Value t = arith::AddIOp::create(ib, t0, r);
                scf::YieldOp::create(
                    ib, stepState(ib, s[0], tokenAt(ib, in, t)));
              });
          scf::YieldOp::create(lb, ValueRange{tokens.getResult(0), starts});
        });
    Value chunkStarts = sweep1.getResult(1);

    // Sweep 2: chunks in reverse; per chunk, the states before each token
    // ([B, Hv, C, dk, dv]), then its tokens in reverse.
    SmallVector<OpFoldResult> keySizes = {stateSizes[0], hv, OpFoldResult(steps),
                                          stateSizes[2]};
    SmallVector<OpFoldResult> valSizes = {stateSizes[0], hv, OpFoldResult(steps),
                                          stateSizes[3]};
    SmallVector<OpFoldResult> gateSizes = {stateSizes[0], hv,
                                           OpFoldResult(steps)};
    SmallVector<OpFoldResult> bufSizes = {stateSizes[0], hv,
                                          b.getIndexAttr(op.getChunkSize()),
                                          stateSizes[2], stateSizes[3]};
    SmallVector<Value> init = {
        copyOrZeros(dFinal),          emptyTensor(b, keySizes, f32),
        emptyTensor(b, keySizes, f32), emptyTensor(b, valSizes, f32),
        emptyTensor(b, gateSizes, f32), emptyTensor(b, gateSizes, f32),
        emptyTensor(b, bufSizes, f32)};
    auto sweep2 = scf::ForOp::create(
        b, zero, numChunks, one, init,
        [&](OpBuilder &nb, Location loc, Value ci, ValueRange iter) {
          ImplicitLocOpBuilder lb(loc, nb);
          Value c = arith::SubIOp::create(
              lb, arith::SubIOp::create(lb, numChunks, one), ci);
          std::array<Value, 2> bounds = chunkBounds(lb, c);
          Value t0 = bounds[0], n = bounds[1];
          Value start = sliceAlong(lb, chunkStarts, 2, c, lb.getIndexAttr(1),
                                   true);
          start = linalg::CopyOp::create(lb, start, emptyLike(lb, start, f32))
                      .getResult(0);
          auto recompute = scf::ForOp::create(
              lb, zero, n, one, ValueRange{start, iter[6]},
              [&](OpBuilder &tb, Location tl, Value r, ValueRange s) {
                ImplicitLocOpBuilder ib(tl, tb);
                Value saved = storeInto(ib, s[0], s[1], atSlot(r));
                Value t = arith::AddIOp::create(ib, t0, r);
                Value next = stepState(ib, s[0], tokenAt(ib, in, t));
                scf::YieldOp::create(ib, ValueRange{next, saved});
              });
          Value before = recompute.getResult(1);
          auto tokens = scf::ForOp::create(
              lb, zero, n, one, iter.take_front(6),
              [&](OpBuilder &tb, Location tl, Value ri, ValueRange s) {
                ImplicitLocOpBuilder ib(tl, tb);
                Value r = arith::SubIOp::create(
                    ib, arith::SubIOp::create(ib, n, one), ri);
                Value t = arith::AddIOp::create(ib, t0, r);
                Value sPrev =
                    sliceAlong(ib, before, 2, r, ib.getIndexAttr(1), true);
                TokenGrads d = tokenBackward(ib, sPrev, s[0], tokenAt(ib, in, t));
                auto atT = [t](OpBuilder &, Location, ValueRange ivs) {
                  SmallVector<Value> at = {ivs[0], ivs[1], t};
                  at.append(ivs.begin() + 2, ivs.end());
                  return at;
                };
                scf::YieldOp::create(
                    ib, ValueRange{d.dS, storeInto(ib, d.dq, s[1], atT),
                                   storeInto(ib, d.dk, s[2], atT),
                                   storeInto(ib, d.dv, s[3], atT),
                                   storeInto(ib, d.dg, s[4], atT),
                                   storeInto(ib, d.dbeta, s[5], atT)});
              });
          SmallVector<Value> yielded(tokens.getResults());
          yielded.push_back(before);
          scf::YieldOp::create(lb, yielded);
        });

    SmallVector<Value> results = {
        keyGrad(b, q, sweep2.getResult(1), ratio, l2norm, scale),
        keyGrad(b, k, sweep2.getResult(2), ratio, l2norm, Value()),
        swapTimeHeads(b, sweep2.getResult(3),
                      cast<RankedTensorType>(v.getType()).getElementType()),
        swapTimeHeads(b, sweep2.getResult(4), f32),
        swapTimeHeads(b, sweep2.getResult(5), f32)};
    if (state)
      results.push_back(sweep2.getResult(0));
    for (auto [value, result] : llvm::zip(results, op.getResults()))
      value = castTo(b, value, result.getType());
    rewriter.replaceOp(op, results);
    return success();
  }
};
} // namespace

void mlir::zen::populateZenDeltaNetGradOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CausalConv1dGradLowering, CausalConv1dWeightGradLowering,
               GdnGatesGradLowering, GdnGatesParamGradLowering,
               GatedRMSNormGradLowering, GatedRMSNormWeightGradLowering,
               GatedDeltaRuleGradLowering>(patterns.getContext());
}
