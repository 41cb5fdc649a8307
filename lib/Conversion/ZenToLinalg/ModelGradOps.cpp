//===- ModelGradOps.cpp - Zen backward ops of the model blocks and attention -> linalg ===//
//
// Lowers the backward ops of ZenModelGradOps.td. Everything accumulates in
// f32 and each result is rounded once to its element type. The input
// gradients of linear_grad are x · Wᵀ-shaped contractions (contractLastDimF32
// on a transposed weight), the form the CPU codegen tiles into its GEMM
// kernels; weight gradients reduce over every leading (row) dim in one
// generic. Attention recomputes its probabilities from q and k.
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

#include <limits>

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

//===----------------------------------------------------------------------===//
// Helpers private to this file
//===----------------------------------------------------------------------===//

static Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// An all-parallel generic over `ins` (all shaped like ins[0]) yielding
/// body(f32 or raw scalars) as one `elem` tensor.
static Value elementwise(
    ImplicitLocOpBuilder &b, ValueRange ins, Type elem,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = cast<RankedTensorType>(ins[0].getType()).getRank();
  Value init = emptyLike(b, ins[0], elem);
  SmallVector<AffineMap> maps(ins.size() + 1,
                              identityMap(b.getContext(), rank));
  return linalg::GenericOp::create(
             b, init.getType(), ins, init, maps, parallelIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               yieldValue(nb, loc, body(nb, loc, args.drop_back()));
             })
      .getResult(0);
}



/// Elementwise `scale · t` rounded to `elem` (t f32).
static Value scaleToType(ImplicitLocOpBuilder &b, Value t, double scale,
                         Type elem) {
  if (scale == 1.0)
    return castTensor(b, t, elem);
  return elementwise(b, t, elem, [&](OpBuilder &nb, Location loc,
                                     ValueRange args) {
    Value v = arith::MulFOp::create(nb, loc, args[0], f32Const(nb, loc, scale));
    return castFloat(nb, loc, v, elem);
  });
}

/// Σ over the last dim of term(elements of `ins`) in f32, `ins` read through
/// `maps` (over ins[0]'s dims): an f32 tensor of ins[0]'s shape minus its last
/// dim.
static Value rowSumF32(
    ImplicitLocOpBuilder &b, ValueRange ins, ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> term) {
  unsigned rank = cast<RankedTensorType>(ins[0].getType()).getRank();
  Value init = filledTensor(b, ArrayRef(sizesOf(b, ins[0])).drop_back(),
                            b.getF32Type(), 0.0);
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(dropLastDimMap(b.getContext(), rank));
  return linalg::GenericOp::create(
             b, init.getType(), ins, init, allMaps, lastReducedIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               yieldValue(nb, loc,
                          arith::AddFOp::create(nb, loc, args.back(),
                                                term(nb, loc, args.drop_back())));
             })
      .getResult(0);
}

/// The width of the last dim of `x` as an f32 scalar.
static Value lastDimF32(ImplicitLocOpBuilder &b, Value x) {
  Value size = getValueOrCreateConstantIndexOp(b, b.getLoc(),
                                               sizesOf(b, x).back());
  return toF32(b, b.getLoc(),
               arith::IndexCastOp::create(b, b.getI64Type(), size));
}

/// mask element != 0 (i1, i32, i64 or f32): the key may be attended to.
static Value maskAllows(OpBuilder &b, Location loc, Value m) {
  Type type = m.getType();
  if (isa<FloatType>(type))
    return arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::UNE, m,
        arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, 0.0)));
  return arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::ne, m,
      arith::ConstantOp::create(b, loc, type, b.getIntegerAttr(type, 0)));
}

namespace {

//===----------------------------------------------------------------------===//
// zen.linear_grad
//===----------------------------------------------------------------------===//

// dx = dy·W + s (dy·B)·A as x·Wᵀ-shaped contractions on transposed weights;
// dW = Σ dyᵀ x, dA = s Σ (dy B)ᵀ x, dB = s Σ dyᵀ (x Aᵀ) as row reductions.
struct LinearGradLowering : OpConversionPattern<LinearGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value dy = adaptor.getOutputGrad(), x = adaptor.getInput(),
          w = adaptor.getWeight();
    Type elem = elementTypeOf(x);
    double s = op.getLoraScale() ? op.getLoraScale()->convertToDouble() : 1.0;
    Value dyB; // f32 [..., r], shared by dx and dA
    if (op.hasLoRA() && (op.getInputGrad() || op.getLoraAGrad()))
      dyB = contractLastDimF32(b, dy, transpose2D(b, adaptor.getLoraB()));

    SmallVector<Value> results;
    if (op.getInputGrad()) {
      Value dx = contractLastDimF32(b, dy, transpose2D(b, w));
      if (op.hasLoRA()) {
        Value lora = contractLastDimF32(b, dyB,
                                        transpose2D(b, adaptor.getLoraA()));
        dx = elementwise(b, {dx, lora}, b.getF32Type(),
                         [&](OpBuilder &nb, Location loc, ValueRange args) {
                           Value scaled = arith::MulFOp::create(
                               nb, loc, args[1], f32Const(nb, loc, s));
                           return arith::AddFOp::create(nb, loc, args[0],
                                                        scaled)
                               .getResult();
                         });
      }
      results.push_back(castTensor(b, dx, elem));
    }
    if (op.getWeightGrad())
      results.push_back(castTensor(b, rowsOuterF32(b, dy, x), elem));
    if (op.getLoraAGrad())
      results.push_back(scaleToType(b, rowsOuterF32(b, dyB, x), s, elem));
    if (op.getLoraBGrad()) {
      Value xA = contractLastDimF32(b, x, adaptor.getLoraA());
      results.push_back(scaleToType(b, rowsOuterF32(b, dy, xA), s, elem));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.rms_norm_grad and zen.l2_norm_grad
//===----------------------------------------------------------------------===//

// With r = rsqrt(mean(x²) + eps), y = x r, g = dy ⊙ s (s = w or 1 + w):
// c = Σ_D g ⊙ x (per row), dx = r g − x r³ c / D; dw = Σ_rows dy ⊙ x r.
// Three generics: Σx², c, then dx; dw is a fourth (rows reduced).
struct RMSNormGradLowering : OpConversionPattern<RMSNormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RMSNormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value dy = adaptor.getOutputGrad(), x = adaptor.getInput(),
          w = adaptor.getWeight();
    auto type = cast<RankedTensorType>(x.getType());
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();
    double eps = op.getEps().convertToDouble();
    bool zeroCentered = op.getZeroCentered();
    Value width = lastDimF32(b, x);

    Value sumSq =
        reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value v) {
          return arith::MulFOp::create(nb, loc, v, v);
        });
    // r from the row's Σx², in a generic body.
    auto rsqrtOf = [&](OpBuilder &nb, Location loc, Value ss) -> Value {
      Value mean = arith::DivFOp::create(nb, loc, ss, width);
      return math::RsqrtOp::create(
          nb, loc, arith::AddFOp::create(nb, loc, mean, f32Const(nb, loc, eps)));
    };
    auto scaleOf = [&](OpBuilder &nb, Location loc, Value wv) -> Value {
      Value wf = toF32(nb, loc, wv);
      return zeroCentered
                 ? arith::AddFOp::create(nb, loc, f32Const(nb, loc, 1.0), wf)
                       .getResult()
                 : wf;
    };

    SmallVector<Value> results;
    if (op.getInputGrad()) {
      // c[row] = Σ_D dy s x.
      Value c = rowSumF32(
          b, {dy, x, w},
          {identityMap(ctx, rank), identityMap(ctx, rank), lastDimMap(ctx, rank)},
          [&](OpBuilder &nb, Location loc, ValueRange args) -> Value {
            Value g = arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                            scaleOf(nb, loc, args[2]));
            return arith::MulFOp::create(nb, loc, g, toF32(nb, loc, args[1]));
          });
      Value dx =
          linalg::GenericOp::create(
              b, type, ValueRange{dy, x, w, sumSq, c}, emptyLike(b, x, type.getElementType()),
              ArrayRef<AffineMap>{identityMap(ctx, rank), identityMap(ctx, rank),
                                  lastDimMap(ctx, rank),
                                  dropLastDimMap(ctx, rank),
                                  dropLastDimMap(ctx, rank),
                                  identityMap(ctx, rank)},
              parallelIterators(rank),
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                Value r = rsqrtOf(nb, loc, args[3]);
                Value g = arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                                scaleOf(nb, loc, args[2]));
                // r g − x r³ c / D
                Value r3 = arith::MulFOp::create(
                    nb, loc, r, arith::MulFOp::create(nb, loc, r, r));
                Value corr = arith::DivFOp::create(
                    nb, loc,
                    arith::MulFOp::create(
                        nb, loc,
                        arith::MulFOp::create(nb, loc, toF32(nb, loc, args[1]),
                                              r3),
                        args[4]),
                    width);
                Value v = arith::SubFOp::create(
                    nb, loc, arith::MulFOp::create(nb, loc, r, g), corr);
                yieldValue(nb, loc, castFloat(nb, loc, v, type.getElementType()));
              })
              .getResult(0);
      results.push_back(dx);
    }
    if (op.getWeightGrad()) {
      // dw[d] = Σ_rows dy x r: the rows reduced, the last dim parallel.
      Value init = filledTensor(b, {sizesOf(b, x).back()}, b.getF32Type(), 0.0);
      SmallVector<utils::IteratorType> iters(rank,
                                             utils::IteratorType::reduction);
      iters.back() = utils::IteratorType::parallel;
      Value dw =
          linalg::GenericOp::create(
              b, init.getType(), ValueRange{dy, x, sumSq}, init,
              ArrayRef<AffineMap>{identityMap(ctx, rank), identityMap(ctx, rank),
                                  dropLastDimMap(ctx, rank),
                                  lastDimMap(ctx, rank)},
              iters,
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                Value y = arith::MulFOp::create(nb, loc, toF32(nb, loc, args[1]),
                                                rsqrtOf(nb, loc, args[2]));
                Value prod =
                    arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]), y);
                yieldValue(nb, loc,
                           arith::AddFOp::create(nb, loc, args[3], prod));
              })
              .getResult(0);
      results.push_back(castTensor(b, dw, elementTypeOf(w)));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

// r = rsqrt(Σx² + eps), c = Σ dy x (per row): dx = r dy − x r³ c.
struct L2NormGradLowering : OpConversionPattern<L2NormGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(L2NormGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value dy = adaptor.getOutputGrad(), x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();
    double eps = op.getEps().convertToDouble();
    Value sumSq =
        reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value v) {
          return arith::MulFOp::create(nb, loc, v, v);
        });
    Value c = rowSumF32(
        b, {dy, x}, {identityMap(ctx, rank), identityMap(ctx, rank)},
        [&](OpBuilder &nb, Location loc, ValueRange args) -> Value {
          return arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                       toF32(nb, loc, args[1]));
        });
    Value dx =
        linalg::GenericOp::create(
            b, type, ValueRange{dy, x, sumSq, c},
            emptyLike(b, x, type.getElementType()),
            ArrayRef<AffineMap>{identityMap(ctx, rank), identityMap(ctx, rank),
                                dropLastDimMap(ctx, rank),
                                dropLastDimMap(ctx, rank),
                                identityMap(ctx, rank)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value r = math::RsqrtOp::create(
                  nb, loc,
                  arith::AddFOp::create(nb, loc, args[2],
                                        f32Const(nb, loc, eps)));
              Value r3 = arith::MulFOp::create(
                  nb, loc, r, arith::MulFOp::create(nb, loc, r, r));
              Value corr = arith::MulFOp::create(
                  nb, loc,
                  arith::MulFOp::create(nb, loc, toF32(nb, loc, args[1]), r3),
                  args[3]);
              Value v = arith::SubFOp::create(
                  nb, loc,
                  arith::MulFOp::create(nb, loc, r, toF32(nb, loc, args[0])),
                  corr);
              yieldValue(nb, loc, castFloat(nb, loc, v, type.getElementType()));
            })
            .getResult(0);
    rewriter.replaceOp(op, dx);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.embedding_grad
//===----------------------------------------------------------------------===//

// A scatter-add: an f32 [V, H] accumulator threaded through one scf.for per
// ids dim (no reshape merges the dynamic batch and sequence dims); each
// token adds its output row to the row of its (clamped) id. O(tokens · H),
// never O(V · tokens · H).
struct EmbeddingGradLowering : OpConversionPattern<EmbeddingGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value dy = adaptor.getOutputGrad(), ids = adaptor.getIds(),
          table = adaptor.getTable();
    auto tableType = cast<RankedTensorType>(table.getType());
    Type elem = tableType.getElementType();
    Type f32 = b.getF32Type();
    unsigned idsRank = cast<RankedTensorType>(ids.getType()).getRank();
    MLIRContext *ctx = b.getContext();

    SmallVector<OpFoldResult> tableSizes = sizesOf(b, table);
    Value acc = filledTensor(b, tableSizes, f32, 0.0);
    Value lastRow = arith::SubIOp::create(
        b, getValueOrCreateConstantIndexOp(b, b.getLoc(), tableSizes[0]),
        indexConst(b, b.getLoc(), 1));
    SmallVector<Value> lbs, ubs, steps;
    for (OpFoldResult size : sizesOf(b, ids)) {
      lbs.push_back(indexConst(b, b.getLoc(), 0));
      ubs.push_back(getValueOrCreateConstantIndexOp(b, b.getLoc(), size));
      steps.push_back(indexConst(b, b.getLoc(), 1));
    }
    OpFoldResult hidden = tableSizes[1];
    auto rowType = RankedTensorType::get({tableType.getDimSize(1)}, f32);
    auto dyRowType = RankedTensorType::get({tableType.getDimSize(1)},
                                           elementTypeOf(dy));
    scf::LoopNest nest = scf::buildLoopNest(
        b, b.getLoc(), lbs, ubs, steps, ValueRange{acc},
        [&](OpBuilder &nb, Location loc, ValueRange ivs,
            ValueRange iterArgs) -> scf::ValueVector {
          Value id = tensor::ExtractOp::create(nb, loc, ids, ivs);
          Value row =
              arith::IndexCastOp::create(nb, loc, nb.getIndexType(), id);
          row = arith::MaxSIOp::create(nb, loc, row, indexConst(nb, loc, 0));
          row = arith::MinSIOp::create(nb, loc, row, lastRow);
          SmallVector<OpFoldResult> one = {nb.getIndexAttr(1),
                                           nb.getIndexAttr(1)};
          SmallVector<OpFoldResult> accOffsets = {row, nb.getIndexAttr(0)};
          SmallVector<OpFoldResult> accSizes = {nb.getIndexAttr(1), hidden};
          Value accRow = tensor::ExtractSliceOp::create(
              nb, loc, rowType, iterArgs[0], accOffsets, accSizes, one);
          SmallVector<OpFoldResult> dyOffsets(ivs.begin(), ivs.end());
          dyOffsets.push_back(nb.getIndexAttr(0));
          SmallVector<OpFoldResult> dySizes(idsRank, nb.getIndexAttr(1));
          dySizes.push_back(hidden);
          SmallVector<OpFoldResult> dyStrides(idsRank + 1, nb.getIndexAttr(1));
          Value dyRow = tensor::ExtractSliceOp::create(
              nb, loc, dyRowType, dy, dyOffsets, dySizes, dyStrides);
          Value sum =
              linalg::GenericOp::create(
                  nb, loc, rowType, ValueRange{dyRow}, ValueRange{accRow},
                  ArrayRef<AffineMap>{identityMap(ctx, 1), identityMap(ctx, 1)},
                  parallelIterators(1),
                  [&](OpBuilder &bb, Location l, ValueRange args) {
                    yieldValue(bb, l,
                               arith::AddFOp::create(
                                   bb, l, args[1], toF32(bb, l, args[0])));
                  })
                  .getResult(0);
          Value updated = tensor::InsertSliceOp::create(
              nb, loc, sum, iterArgs[0], accOffsets, accSizes, one);
          return {updated};
        });
    Value result = nest.results.empty() ? acc : nest.results[0];
    result = castTensor(b, result, elem);
    if (result.getType() != tableType)
      result = tensor::CastOp::create(b, tableType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.rope_grad
//===----------------------------------------------------------------------===//

// The inverse rotation is zen.rope at −positions: f32(−p) · inv_freq is
// exactly −(f32(p) · inv_freq), cos is even and sin odd. The zen.rope built
// here is lowered by the forward pattern.
struct RoPEGradLowering : OpConversionPattern<RoPEGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RoPEGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value pos = adaptor.getPositions();
    auto posType = cast<RankedTensorType>(pos.getType());
    Value negated = elementwise(
        b, pos, posType.getElementType(),
        [&](OpBuilder &nb, Location loc, ValueRange args) {
          Value zero = arith::ConstantOp::create(
              nb, loc, args[0].getType(), nb.getIntegerAttr(args[0].getType(), 0));
          return arith::SubIOp::create(nb, loc, zero, args[0]).getResult();
        });
    Value rotated = RoPEOp::create(b, adaptor.getOutputGrad().getType(),
                                   adaptor.getOutputGrad(), negated,
                                   op.getThetaAttr(), op.getRotaryDimAttr());
    rewriter.replaceOp(op, rotated);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.swiglu_grad
//===----------------------------------------------------------------------===//

// One elementwise generic per wanted gradient, in f32:
// d gate = dy up σ(g)(1 + g(1 − σ(g))), d up = dy g σ(g).
struct SwiGLUGradLowering : OpConversionPattern<SwiGLUGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SwiGLUGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    SmallVector<Value> ins = {adaptor.getOutputGrad(), adaptor.getGate(),
                              adaptor.getUp()};
    Type elem = elementTypeOf(adaptor.getGate());
    auto grad = [&](bool ofGate) {
      return elementwise(b, ins, elem,
                         [&](OpBuilder &nb, Location loc, ValueRange args) {
        Value d = toF32(nb, loc, args[0]), g = toF32(nb, loc, args[1]);
        Value sig = sigmoidF32(nb, loc, g);
        Value v;
        if (ofGate) {
          Value one = f32Const(nb, loc, 1.0);
          Value gs = arith::MulFOp::create(
              nb, loc, g, arith::SubFOp::create(nb, loc, one, sig));
          Value dsilu = arith::MulFOp::create(
              nb, loc, sig, arith::AddFOp::create(nb, loc, one, gs));
          v = arith::MulFOp::create(
              nb, loc, arith::MulFOp::create(nb, loc, d, toF32(nb, loc, args[2])),
              dsilu);
        } else {
          v = arith::MulFOp::create(nb, loc, d,
                                    arith::MulFOp::create(nb, loc, g, sig));
        }
        return castFloat(nb, loc, v, elem);
      });
    };
    SmallVector<Value> results;
    if (op.getGateGrad())
      results.push_back(grad(true));
    if (op.getUpGrad())
      results.push_back(grad(false));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.attention_grad
//===----------------------------------------------------------------------===//

// Recomputes p from q and k as the forward does (row max, exp, sum, all f32,
// 0 where masked or on rows with no visible key), in a [B, nkv, n_rep, T, S]
// layout so that the GQA head sums of dk and dv are plain reduction loops
// (query head j = h · n_rep + r). The q-shaped tensors (q, do, dq) are split
// the same way, [B, T, nkv, n_rep, hd] (tensor.expand_shape of the static
// head dim), so that every indexing map is a projected permutation: the CPU
// code generation vectorizes those and leaves j // n_rep maps scalar. Then,
// in f32:
//   do = dy σ(gate) (or dy);  dp = do · vᵀ;  ds = scale · p (dp − Σ_u p dp)
//   dq = ds · k;  dk = Σ_{r,t} ds q;  dv = Σ_{r,t} p do;
//   d gate = dy o σ(1 − σ) with o = p · v recomputed only for it.
struct AttentionGradLowering : OpConversionPattern<AttentionGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    auto kType = cast<RankedTensorType>(op.getK().getType());
    int64_t nh = qType.getDimSize(2), nkv = kType.getDimSize(2);
    if (ShapedType::isDynamic(nh) || ShapedType::isDynamic(nkv))
      return op.emitOpError()
             << "cannot be lowered with a dynamic head count: expected "
                "static q dim 2 (nh) and k dim 2 (nkv), found "
             << qType << " and " << kType;
    int64_t nRep = nh / nkv;
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    MLIRContext *ctx = b.getContext();
    Type f32 = b.getF32Type();
    Value dy = adaptor.getOutputGrad(), q = adaptor.getQ(), k = adaptor.getK(),
          v = adaptor.getV(), mask = adaptor.getMask(),
          gate = adaptor.getGate();
    bool causal = op.getCausal();

    Value scale;
    if (std::optional<double> s = op.getScaleValue()) {
      scale = f32Const(b, b.getLoc(), *s);
    } else {
      Value hd = arith::IndexCastOp::create(
          b, b.getI64Type(),
          getValueOrCreateConstantIndexOp(b, b.getLoc(), sizesOf(b, q)[3]));
      scale = math::RsqrtOp::create(b, toF32(b, b.getLoc(), hd));
    }

    SmallVector<AffineExpr> d;
    for (unsigned i = 0; i < 6; ++i)
      d.push_back(getAffineDimExpr(i, ctx));
    SmallVector<OpFoldResult> qSizes = sizesOf(b, q), kSizes = sizesOf(b, k);
    // Scores: [B, nkv, n_rep, T, S].
    SmallVector<OpFoldResult> scoreSizes = {qSizes[0], b.getIndexAttr(nkv),
                                            b.getIndexAttr(nRep), qSizes[1],
                                            kSizes[1]};
    AffineMap scoreId = identityMap(ctx, 5);

    // scores[b, h, r, t, u] = Σ_e x[b, t, h, r, e] · y[b, u, h, e] with x
    // split (raw = q·k and dp = do·v). Loops (b, h, r, t, u, e).
    auto contractBody = [](OpBuilder &nb, Location loc, ValueRange args) {
      Value prod = arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                         toF32(nb, loc, args[1]));
      yieldValue(nb, loc, arith::AddFOp::create(nb, loc, args[2], prod));
    };
    auto scoresOf = [&](Value x, Value y) -> Value {
      Value init = filledTensor(b, scoreSizes, f32, 0.0);
      return linalg::GenericOp::create(
                 b, init.getType(), ValueRange{x, y}, init,
                 ArrayRef<AffineMap>{
                     loopMap(ctx, 6, {d[0], d[3], d[1], d[2], d[5]}),
                     loopMap(ctx, 6, {d[0], d[4], d[1], d[5]}),
                     loopMap(ctx, 6, {d[0], d[1], d[2], d[3], d[4]})},
                 lastReducedIterators(6), contractBody)
          .getResult(0);
    };
    Value qSplit = splitDim(b, q, 2, nRep);
    Value raw = scoresOf(qSplit, k);
    auto scoreType = cast<RankedTensorType>(raw.getType());

    // Visibility of key u for query t (null: all visible).
    auto allowed = [&](OpBuilder &nb, Location loc, Value maskValue) -> Value {
      Value ok;
      if (causal) {
        Value t = linalg::IndexOp::create(nb, loc, 3);
        Value u = linalg::IndexOp::create(nb, loc, 4);
        ok = arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ule, u, t);
      }
      if (maskValue) {
        Value m = maskAllows(nb, loc, maskValue);
        ok = ok ? arith::AndIOp::create(nb, loc, ok, m).getResult() : m;
      }
      return ok;
    };
    SmallVector<Value> ins = {raw};
    SmallVector<AffineMap> maps = {scoreId};
    if (mask) {
      ins.push_back(mask);
      maps.push_back(loopMap(ctx, 5, {d[0], d[4]}));
    }
    auto maskArg = [&](ValueRange args) { return mask ? args[1] : Value(); };
    AffineMap rowMap = dropLastDimMap(ctx, 5);
    SmallVector<OpFoldResult> rowSizes(scoreSizes.begin(), scoreSizes.end() - 1);
    constexpr double kNegInf = -std::numeric_limits<double>::infinity();

    // 2. Row max of the visible scaled scores.
    Value negInf = filledTensor(b, rowSizes, f32, kNegInf);
    SmallVector<AffineMap> maxMaps = maps;
    maxMaps.push_back(rowMap);
    Value rowMax =
        linalg::GenericOp::create(
            b, negInf.getType(), ins, negInf, maxMaps, lastReducedIterators(5),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value s = arith::MulFOp::create(nb, loc, args[0], scale);
              if (Value ok = allowed(nb, loc, maskArg(args)))
                s = arith::SelectOp::create(nb, loc, ok, s,
                                            f32Const(nb, loc, kNegInf));
              yieldValue(nb, loc,
                         arith::MaximumFOp::create(nb, loc, args.back(), s));
            })
            .getResult(0);
    // 3. e = exp(s − m) where visible, else 0.
    SmallVector<Value> expIns = ins;
    expIns.push_back(rowMax);
    SmallVector<AffineMap> expMaps = maps;
    expMaps.push_back(rowMap);
    expMaps.push_back(scoreId);
    Value expScores =
        linalg::GenericOp::create(
            b, scoreType, expIns, emptyTensor(b, scoreSizes, f32), expMaps,
            parallelIterators(5),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value s = arith::MulFOp::create(nb, loc, args[0], scale);
              Value e = math::ExpOp::create(
                  nb, loc,
                  arith::SubFOp::create(nb, loc, s, args[args.size() - 2]));
              if (Value ok = allowed(nb, loc, maskArg(args)))
                e = arith::SelectOp::create(nb, loc, ok, e,
                                            f32Const(nb, loc, 0.0));
              yieldValue(nb, loc, e);
            })
            .getResult(0);
    // 4. p = e / Σ_u e (rows with no visible key stay 0).
    Value rowSum = reduceLastDimF32(
        b, expScores, [](OpBuilder &, Location, Value x) { return x; });
    Value p = linalg::GenericOp::create(
                  b, scoreType, ValueRange{expScores, rowSum},
                  emptyTensor(b, scoreSizes, f32),
                  ArrayRef<AffineMap>{scoreId, rowMap, scoreId},
                  parallelIterators(5),
                  [&](OpBuilder &nb, Location loc, ValueRange args) {
                    Value l = args[1];
                    Value positive = arith::CmpFOp::create(
                        nb, loc, arith::CmpFPredicate::OGT, l,
                        f32Const(nb, loc, 0.0));
                    Value denom = arith::SelectOp::create(
                        nb, loc, positive, l, f32Const(nb, loc, 1.0));
                    yieldValue(nb, loc,
                               arith::DivFOp::create(nb, loc, args[0], denom));
                  })
                  .getResult(0);

    // 5. do = dy σ(gate) in f32 (dy itself without a gate).
    Value dOut = dy;
    if (gate)
      dOut = elementwise(b, {dy, gate}, f32,
                         [&](OpBuilder &nb, Location loc, ValueRange args) {
                           return arith::MulFOp::create(
                                      nb, loc, toF32(nb, loc, args[0]),
                                      sigmoidF32(nb, loc, toF32(nb, loc, args[1])))
                               .getResult();
                         });
    Value dOutSplit = splitDim(b, dOut, 2, nRep);
    SmallVector<Value> results;
    bool wantQK = op.getQGrad() || op.getKGrad();
    Value ds;
    if (wantQK) {
      Value dp = scoresOf(dOutSplit, v);
      // 7. δ = Σ_u p dp; ds = scale · p (dp − δ).
      Value delta = rowSumF32(
          b, {p, dp}, {scoreId, scoreId},
          [&](OpBuilder &nb, Location loc, ValueRange args) -> Value {
            return arith::MulFOp::create(nb, loc, args[0], args[1]);
          });
      ds = linalg::GenericOp::create(
               b, scoreType, ValueRange{p, dp, delta},
               emptyTensor(b, scoreSizes, f32),
               ArrayRef<AffineMap>{scoreId, scoreId, rowMap, scoreId},
               parallelIterators(5),
               [&](OpBuilder &nb, Location loc, ValueRange args) {
                 Value diff = arith::SubFOp::create(nb, loc, args[1], args[2]);
                 Value v = arith::MulFOp::create(
                     nb, loc, arith::MulFOp::create(nb, loc, args[0], diff),
                     scale);
                 yieldValue(nb, loc, v);
               })
               .getResult(0);
    }
    // The two contractions below put the reduction loops outside the head
    // dim e, as the forward's p·v does: the innermost loop then reads one
    // contiguous row of k, v, q or do and updates a contiguous output row
    // (zen-cpu-plan-kernels vectorizes it), instead of walking a token
    // dimension with a stride of a whole row (nh·hd or nkv·hd floats) per
    // scalar step. Each sum still runs in increasing order.
    //
    // Both are out[b, x, h, r, e] = Σ_y scores(...) · rows(...) over loops
    // (b, x, h, r, y, e), y reduced, into a split [B, X, nkv, n_rep, hd].
    auto splitHeadContraction = [&](ArrayRef<OpFoldResult> outSizes,
                                    Value scores, AffineMap scoresMap,
                                    Value rows, AffineMap rowsMap) -> Value {
      Value init = filledTensor(b, outSizes, f32, 0.0);
      SmallVector<utils::IteratorType> iters = parallelIterators(6);
      iters[4] = utils::IteratorType::reduction;
      return linalg::GenericOp::create(
                 b, init.getType(), ValueRange{scores, rows}, init,
                 ArrayRef<AffineMap>{
                     scoresMap, rowsMap,
                     loopMap(ctx, 6, {d[0], d[1], d[2], d[3], d[5]})},
                 iters, contractBody)
          .getResult(0);
    };
    // q-shaped: out[b, t, h, r, e] = Σ_u scores[b, h, r, t, u] y[b, u, h, e],
    // then merged to [B, T, nh, hd]. Loops (b, t, h, r, u, e).
    SmallVector<OpFoldResult> qSplitSizes = {qSizes[0], qSizes[1],
                                             b.getIndexAttr(nkv),
                                             b.getIndexAttr(nRep), qSizes[3]};
    auto qShaped = [&](Value scores, Value kvTensor) -> Value {
      return mergeDims(
          b,
          splitHeadContraction(
              qSplitSizes, scores,
              loopMap(ctx, 6, {d[0], d[2], d[3], d[1], d[4]}), kvTensor,
              loopMap(ctx, 6, {d[0], d[4], d[2], d[5]})),
          2);
    };
    // kv-shaped: out[b, u, h, e] = Σ_r Σ_t scores[b, h, r, t, u] x[b, t, h,
    // r, e] (x split), in two steps that each reduce over one loop: per
    // query head of the group, loops (b, u, h, r, t, e), then the n_rep heads
    // summed in order, loops (b, u, h, r, e). (With both sums in one
    // generic, the vector lowering of its tiles' two unit reductions
    // unrolls them lane by lane.)
    SmallVector<OpFoldResult> kvSplitSizes = {kSizes[0], kSizes[1],
                                              b.getIndexAttr(nkv),
                                              b.getIndexAttr(nRep), kSizes[3]};
    auto kvShaped = [&](Value scores, Value xSplit) -> Value {
      Value perHead = splitHeadContraction(
          kvSplitSizes, scores, loopMap(ctx, 6, {d[0], d[2], d[3], d[4], d[1]}),
          xSplit, loopMap(ctx, 6, {d[0], d[4], d[2], d[3], d[5]}));
      if (nRep == 1)
        return mergeDims(b, perHead, 2);
      Value sumInit = filledTensor(b, kSizes, f32, 0.0);
      SmallVector<utils::IteratorType> sumIters = parallelIterators(5);
      sumIters[3] = utils::IteratorType::reduction;
      return linalg::GenericOp::create(
                 b, sumInit.getType(), perHead, sumInit,
                 ArrayRef<AffineMap>{
                     identityMap(ctx, 5),
                     loopMap(ctx, 5, {d[0], d[1], d[2], d[4]})},
                 sumIters,
                 [](OpBuilder &nb, Location loc, ValueRange args) {
                   yieldValue(nb, loc,
                              arith::AddFOp::create(nb, loc, args[1], args[0]));
                 })
          .getResult(0);
    };
    if (op.getQGrad())
      results.push_back(castTensor(b, qShaped(ds, k), elementTypeOf(q)));
    if (op.getKGrad())
      results.push_back(castTensor(b, kvShaped(ds, qSplit), elementTypeOf(k)));
    if (op.getVGrad())
      results.push_back(castTensor(b, kvShaped(p, dOutSplit), elementTypeOf(v)));
    if (op.getGateGrad()) {
      Value o = qShaped(p, v);
      Type elem = elementTypeOf(gate);
      results.push_back(elementwise(
          b, {dy, o, gate}, elem,
          [&](OpBuilder &nb, Location loc, ValueRange args) {
            Value sig = sigmoidF32(nb, loc, toF32(nb, loc, args[2]));
            Value dsig = arith::MulFOp::create(
                nb, loc, sig,
                arith::SubFOp::create(nb, loc, f32Const(nb, loc, 1.0), sig));
            Value val = arith::MulFOp::create(
                nb, loc,
                arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]), args[1]),
                dsig);
            return castFloat(nb, loc, val, elem);
          }));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::zen::populateZenModelGradOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<LinearGradLowering, RMSNormGradLowering, L2NormGradLowering,
               EmbeddingGradLowering, RoPEGradLowering, SwiGLUGradLowering,
               AttentionGradLowering>(patterns.getContext());
}
