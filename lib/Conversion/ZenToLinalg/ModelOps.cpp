//===- ModelOps.cpp - Zen model ops -> linalg -----------------------------===//
//
// Lowers the dense building blocks (reference: qwen3-architectures.md §2.1,
// §2.2, §2.4, §2.5, §2.7). Precision follows HF: statistics in f32, results
// rounded to the activation dtype where HF rounds them.
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
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cmath>

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

//===----------------------------------------------------------------------===//
// Helpers private to this file
//===----------------------------------------------------------------------===//




/// out = round(round(silu(round(gate))) * round(up)) elementwise, with every
/// round to `elem`: HF's act_fn(gate_proj(x)) * up_proj(x), where silu runs
/// in f32 and both the activation and the product are stored in the
/// activation dtype. `gate` and `up` may be f32 accumulators (zen.mlp) or
/// already `elem` (zen.swiglu); the rounding of the inputs is then a no-op.
static Value swigluTensor(ImplicitLocOpBuilder &b, Value gate, Value up,
                          Type elem) {
  unsigned rank = cast<RankedTensorType>(gate.getType()).getRank();
  Value init = emptyLike(b, gate, elem);
  MLIRContext *ctx = b.getContext();
  return linalg::GenericOp::create(
             b, init.getType(), ValueRange{gate, up}, init,
             ArrayRef<AffineMap>{identityMap(ctx, rank), identityMap(ctx, rank),
                                 identityMap(ctx, rank)},
             parallelIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value g = roundThrough(nb, loc, args[0], elem);
               Value u = roundThrough(nb, loc, args[1], elem);
               Value act = roundThrough(nb, loc, siluF32(nb, loc, g), elem);
               // A product of two bf16 or f16 values is exact in f32, so one
               // rounding gives the elem-type multiply.
               Value prod = arith::MulFOp::create(nb, loc, act, u);
               linalg::YieldOp::create(nb, loc, castFloat(nb, loc, prod, elem));
             })
      .getResult(0);
}

/// HF's inv_freq as a constant tensor<half x f32>: inv_freq[j] =
/// 1 / theta^(f32(2j) / f32(d)), with the division, powf and reciprocal all in
/// f32 (qwen3-architectures.md §2.4). Folded at compile time with the host's
/// f32 powf, so every target sees the same bits; an in-kernel pow could differ
/// per target (CUDA's powf) by an ulp, which a position of 4000 turns into an
/// angle error of ~2e-4 rad. (glibc's powf is correctly rounded here, as is
/// the reference's float64 power rounded to float32, test/reference/ops.py.)
static Value ropeInvFreq(ImplicitLocOpBuilder &b, int64_t rotaryDim,
                         double theta) {
  int64_t half = rotaryDim / 2;
  float base = static_cast<float>(theta);
  SmallVector<float> values;
  values.reserve(half);
  for (int64_t j = 0; j < half; ++j) {
    float exponent = static_cast<float>(2 * j) / static_cast<float>(rotaryDim);
    values.push_back(1.0f / ::powf(base, exponent));
  }
  auto type = RankedTensorType::get({half}, b.getF32Type());
  return arith::ConstantOp::create(
      b, DenseElementsAttr::get(type, ArrayRef<float>(values)));
}

/// cos and sin of angle[b, t, j] = f32(positions[b, t]) * inv_freq[j], taken
/// in f32 and rounded to `elem`: two [B, T, half] tables. They hold the
/// distinct half of HF's emb = cat(freqs, freqs), computed once per token
/// rather than once per head and lane.
static std::pair<Value, Value> ropeCosSin(ImplicitLocOpBuilder &b,
                                          Value positions, Value invFreq,
                                          int64_t half, Type elem) {
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = sizesOf(b, positions);
  sizes.push_back(b.getIndexAttr(half));
  Value cosInit = emptyTensor(b, sizes, elem);
  Value sinInit = emptyTensor(b, sizes, elem);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx);
  auto generic = linalg::GenericOp::create(
      b, TypeRange{cosInit.getType(), sinInit.getType()},
      ValueRange{positions, invFreq}, ValueRange{cosInit, sinInit},
      ArrayRef<AffineMap>{AffineMap::get(3, 0, {d0, d1}, ctx),
                          AffineMap::get(3, 0, {d2}, ctx), identityMap(ctx, 3),
                          identityMap(ctx, 3)},
      parallelIterators(3), [&](OpBuilder &nb, Location loc, ValueRange args) {
        // One f32 multiply: HF's K = 1 matmul of positions and inv_freq.
        Value angle =
            arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]), args[1]);
        Value c = castFloat(nb, loc, math::CosOp::create(nb, loc, angle), elem);
        Value s = castFloat(nb, loc, math::SinOp::create(nb, loc, angle), elem);
        linalg::YieldOp::create(nb, loc, ValueRange{c, s});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

namespace {

//===----------------------------------------------------------------------===//
// zen.rms_norm
//===----------------------------------------------------------------------===//

// y = x * rsqrt(mean(x²) + eps) in f32; plain: w * round(y); zero-centred:
// round(y * (1 + w)).
struct RMSNormLowering : OpConversionPattern<RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RMSNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    auto type = cast<RankedTensorType>(x.getType());
    Type elem = type.getElementType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();

    Value sumSq = reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc,
                                            Value v) {
      return arith::MulFOp::create(nb, loc, v, v);
    });
    Value width = toF32(
        b, b.getLoc(),
        arith::IndexCastOp::create(
            b, b.getI64Type(),
            getValueOrCreateConstantIndexOp(b, b.getLoc(),
                                            sizesOf(b, x).back())));
    double eps = op.getEps().convertToDouble();
    bool zeroCentered = op.getZeroCentered();

    Value init = emptyLike(b, x, elem);
    Value result =
        linalg::GenericOp::create(
            b, type, ValueRange{x, sumSq, w}, init,
            ArrayRef<AffineMap>{identityMap(ctx, rank),
                                dropLastDimMap(ctx, rank),
                                lastDimMap(ctx, rank), identityMap(ctx, rank)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value xf = toF32(nb, loc, args[0]);
              Value mean = arith::DivFOp::create(nb, loc, args[1], width);
              Value inv = math::RsqrtOp::create(
                  nb, loc,
                  arith::AddFOp::create(nb, loc, mean, f32Const(nb, loc, eps)));
              Value y = arith::MulFOp::create(nb, loc, xf, inv);
              Value out;
              if (zeroCentered) {
                Value scale = arith::AddFOp::create(
                    nb, loc, f32Const(nb, loc, 1.0), toF32(nb, loc, args[2]));
                out = castFloat(nb, loc,
                                arith::MulFOp::create(nb, loc, y, scale), elem);
              } else {
                out = arith::MulFOp::create(
                    nb, loc, castFloat(nb, loc, args[2], elem),
                    castFloat(nb, loc, y, elem));
              }
              linalg::YieldOp::create(nb, loc, out);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.linear
//===----------------------------------------------------------------------===//

// x [..., in] · Wᵀ as one f32-accumulating matmul over the flattened rows;
// LoRA adds scale · (x Aᵀ) Bᵀ, each product rounded to the activation dtype
// as PEFT's nn.Linear chain does.
struct LinearLowering : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput();
    Type elem = cast<RankedTensorType>(x.getType()).getElementType();
    Value y = castTensor(b, contractLastDimF32(b, x, adaptor.getWeight()), elem);
    if (op.hasLoRA()) {
      Value xa = castTensor(b, contractLastDimF32(b, x, adaptor.getLoraA()),
                            elem);
      Value xab = castTensor(b, contractLastDimF32(b, xa, adaptor.getLoraB()),
                             elem);
      double scale = op.getLoraScale()->convertToDouble();
      auto yType = cast<RankedTensorType>(y.getType());
      unsigned rank = yType.getRank();
      MLIRContext *ctx = b.getContext();
      y = linalg::GenericOp::create(
              b, yType, ValueRange{y, xab}, emptyLike(b, y, elem),
              ArrayRef<AffineMap>{identityMap(ctx, rank), identityMap(ctx, rank),
                                  identityMap(ctx, rank)},
              parallelIterators(rank),
              [&](OpBuilder &nb, Location loc, ValueRange args) {
                Value s = arith::ConstantOp::create(
                    nb, loc, elem, nb.getFloatAttr(elem, scale));
                Value scaled = arith::MulFOp::create(nb, loc, args[1], s);
                Value sum = arith::AddFOp::create(nb, loc, args[0], scaled);
                linalg::YieldOp::create(nb, loc, sum);
              })
              .getResult(0);
    }
    rewriter.replaceOp(op, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.embedding
//===----------------------------------------------------------------------===//

// out[..., h] = table[ids[...], h] (§2.1) as one gather generic over
// ids.shape + [H]. Ids are clamped to [0, V - 1] before the load: the op's
// contract is that ids lie in [0, V) (HF raises otherwise) and the runtime
// validates them before calling the kernel, so the clamp never changes a valid
// result; it only guarantees that a bad id cannot read outside the table.
struct EmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value ids = adaptor.getIds(), table = adaptor.getTable();
    Type elem = cast<RankedTensorType>(table.getType()).getElementType();
    unsigned rank = cast<RankedTensorType>(ids.getType()).getRank() + 1;
    MLIRContext *ctx = b.getContext();

    SmallVector<OpFoldResult> sizes = sizesOf(b, ids);
    sizes.push_back(tensor::getMixedSize(b, b.getLoc(), table, 1));
    int64_t vocab = cast<RankedTensorType>(table.getType()).getDimSize(0);
    Value lastRow =
        ShapedType::isDynamic(vocab)
            ? arith::SubIOp::create(b, tensor::DimOp::create(b, table, 0),
                                    indexConst(b, b.getLoc(), 1))
                  .getResult()
            : indexConst(b, b.getLoc(), vocab - 1);
    Value init = emptyTensor(b, sizes, elem);
    Value result =
        linalg::GenericOp::create(
            b, init.getType(), ids, init,
            ArrayRef<AffineMap>{dropLastDimMap(ctx, rank),
                                identityMap(ctx, rank)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              // index_cast sign-extends i32 ids, so negative ids clamp to 0.
              Value row = arith::IndexCastOp::create(nb, loc, nb.getIndexType(),
                                                     args[0]);
              row =
                  arith::MaxSIOp::create(nb, loc, row, indexConst(nb, loc, 0));
              row = arith::MinSIOp::create(nb, loc, row, lastRow);
              Value col = linalg::IndexOp::create(nb, loc, rank - 1);
              Value v = tensor::ExtractOp::create(nb, loc, table,
                                                  ValueRange{row, col});
              linalg::YieldOp::create(nb, loc, v);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.rope
//===----------------------------------------------------------------------===//

// NeoX RoPE on the first d = rotary_dim lanes of each head (§2.4): cos/sin
// tables [B, T, d/2] in f32 rounded to the element type, then one generic
// over the input where lane i < d/2 gives x[i] cos - x[i + d/2] sin, lane
// d/2 <= i < d gives x[i] cos + x[i - d/2] sin, and lanes >= d pass through.
// The partner lane and the table entries are tensor.extract loads (the lane
// pairing is not an affine map of the iteration space). Each product and the
// sum are rounded to the element type, as HF's q * cos + rotate_half(q) * sin
// on activation-dtype tensors.
struct RoPELowering : OpConversionPattern<RoPEOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RoPEOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elem = type.getElementType();
    int64_t d = op.getRotaryDim(), half = d / 2;
    int64_t headDim = type.getDimSize(3);
    // With a static head_dim the verifier proved d <= head_dim; with a dynamic
    // one the partner lane is clamped so a too-small head cannot be overrun.
    bool passThrough = ShapedType::isDynamic(headDim) || d < headDim;
    MLIRContext *ctx = b.getContext();

    Value invFreq = ropeInvFreq(b, d, op.getTheta().convertToDouble());
    Value cosTable, sinTable;
    std::tie(cosTable, sinTable) =
        ropeCosSin(b, adaptor.getPositions(), invFreq, half, elem);
    Value lastLane;
    if (ShapedType::isDynamic(headDim))
      lastLane = arith::SubIOp::create(b, tensor::DimOp::create(b, x, 3),
                                       indexConst(b, b.getLoc(), 1));

    Value init = emptyLike(b, x, elem);
    Value result =
        linalg::GenericOp::create(
            b, type, x, init,
            ArrayRef<AffineMap>{identityMap(ctx, 4), identityMap(ctx, 4)},
            parallelIterators(4),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value bi = linalg::IndexOp::create(nb, loc, 0);
              Value ti = linalg::IndexOp::create(nb, loc, 1);
              Value hi = linalg::IndexOp::create(nb, loc, 2);
              Value lane = linalg::IndexOp::create(nb, loc, 3);
              Value halfC = indexConst(nb, loc, half);
              Value isLow = arith::CmpIOp::create(
                  nb, loc, arith::CmpIPredicate::ult, lane, halfC);
              // Frequency j = lane mod half; partner = the other half's lane.
              Value upper = arith::SubIOp::create(nb, loc, lane, halfC);
              Value freq = arith::SelectOp::create(nb, loc, isLow, lane, upper);
              Value partner = arith::SelectOp::create(
                  nb, loc, isLow, arith::AddIOp::create(nb, loc, lane, halfC),
                  upper);
              Value inRotary;
              if (passThrough) {
                // Keep every load in bounds on pass-through lanes.
                inRotary =
                    arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ult,
                                          lane, indexConst(nb, loc, d));
                freq = arith::SelectOp::create(nb, loc, inRotary, freq,
                                               indexConst(nb, loc, 0));
                partner =
                    arith::SelectOp::create(nb, loc, inRotary, partner, lane);
                if (lastLane)
                  partner = arith::MinUIOp::create(nb, loc, partner, lastLane);
              }
              Value other = tensor::ExtractOp::create(
                  nb, loc, x, ValueRange{bi, ti, hi, partner});
              Value c = tensor::ExtractOp::create(nb, loc, cosTable,
                                                  ValueRange{bi, ti, freq});
              Value s = tensor::ExtractOp::create(nb, loc, sinTable,
                                                  ValueRange{bi, ti, freq});
              Value xf = toF32(nb, loc, args[0]);
              Value of = toF32(nb, loc, other);
              // rotate_half: the low half reads -x[i + half].
              Value rot = arith::SelectOp::create(
                  nb, loc, isLow, arith::NegFOp::create(nb, loc, of), of);
              Value xc = roundThrough(
                  nb, loc,
                  arith::MulFOp::create(nb, loc, xf, toF32(nb, loc, c)), elem);
              Value rs = roundThrough(
                  nb, loc,
                  arith::MulFOp::create(nb, loc, rot, toF32(nb, loc, s)), elem);
              Value out = castFloat(
                  nb, loc, arith::AddFOp::create(nb, loc, xc, rs), elem);
              if (inRotary)
                out = arith::SelectOp::create(nb, loc, inRotary, out, args[0]);
              linalg::YieldOp::create(nb, loc, out);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.swiglu
//===----------------------------------------------------------------------===//

// silu(gate) * up (§2.5): silu in f32 rounded to the element type, then the
// product rounded, as torch does on activation-dtype tensors.
struct SwiGLULowering : OpConversionPattern<SwiGLUOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SwiGLUOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value gate = adaptor.getGate();
    Type elem = cast<RankedTensorType>(gate.getType()).getElementType();
    rewriter.replaceOp(op, swigluTensor(b, gate, adaptor.getUp(), elem));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.mlp
//===----------------------------------------------------------------------===//

// down(silu(x Wgᵀ) * (x Wuᵀ)) (§2.5) as HF's three nn.Linear calls: each
// contraction accumulates in f32 and is rounded to the element type; the
// rounding of gate and up happens inside the SwiGLU generic, so the f32
// accumulators feed it directly without two extra cast passes.
struct MLPLowering : OpConversionPattern<MLPOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MLPOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput();
    Type elem = cast<RankedTensorType>(x.getType()).getElementType();
    Value gate = contractLastDimF32(b, x, adaptor.getGateWeight());
    Value up = contractLastDimF32(b, x, adaptor.getUpWeight());
    Value hidden = swigluTensor(b, gate, up, elem);
    Value down = castTensor(
        b, contractLastDimF32(b, hidden, adaptor.getDownWeight()), elem);
    rewriter.replaceOp(op, down);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.lm_head
//===----------------------------------------------------------------------===//

// logits = x Wᵀ (§2.1), accumulated in f32 and rounded to the element type
// (HF's lm_head is an nn.Linear in the model dtype; it does not upcast).
struct LMHeadLowering : OpConversionPattern<LMHeadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LMHeadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput();
    Type elem = cast<RankedTensorType>(x.getType()).getElementType();
    rewriter.replaceOp(
        op, castTensor(b, contractLastDimF32(b, x, adaptor.getWeight()), elem));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.l2_norm
//===----------------------------------------------------------------------===//

// out = x * rsqrt(sum(x²) + eps) in f32, rounded once (§2.7 step 7, FLA's
// in-kernel l2norm).
struct L2NormLowering : OpConversionPattern<L2NormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(L2NormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    Type elem = type.getElementType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();
    double eps = op.getEps().convertToDouble();

    Value sumSq =
        reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value v) {
          return arith::MulFOp::create(nb, loc, v, v);
        });
    Value result =
        linalg::GenericOp::create(
            b, type, ValueRange{x, sumSq}, emptyLike(b, x, elem),
            ArrayRef<AffineMap>{identityMap(ctx, rank),
                                dropLastDimMap(ctx, rank),
                                identityMap(ctx, rank)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value inv = math::RsqrtOp::create(
                  nb, loc,
                  arith::AddFOp::create(nb, loc, args[1],
                                        f32Const(nb, loc, eps)));
              Value y =
                  arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]), inv);
              linalg::YieldOp::create(nb, loc, castFloat(nb, loc, y, elem));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.mask_padding
//===----------------------------------------------------------------------===//

// out[b, t, ...] = mask[b, t] != 0 ? x[b, t, ...] : 0 (§2.7 step 1). A select
// rather than HF's multiply by the mask: identical for finite values (up to
// the sign of a zero), and a NaN or inf left in a padded row by an earlier
// layer cannot leak into the conv or recurrent state as NaN * 0.
struct MaskPaddingLowering : OpConversionPattern<MaskPaddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaskPaddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput(), mask = adaptor.getMask();
    auto type = cast<RankedTensorType>(x.getType());
    Type elem = type.getElementType();
    unsigned rank = type.getRank();
    MLIRContext *ctx = b.getContext();
    AffineMap maskMap = AffineMap::get(
        rank, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
    Value result =
        linalg::GenericOp::create(
            b, type, ValueRange{x, mask}, emptyLike(b, x, elem),
            ArrayRef<AffineMap>{identityMap(ctx, rank), maskMap,
                                identityMap(ctx, rank)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location loc, ValueRange args) {
              Value m = args[1];
              Value keep;
              if (isa<FloatType>(m.getType()))
                keep = arith::CmpFOp::create(
                    nb, loc, arith::CmpFPredicate::UNE, m,
                    arith::ConstantOp::create(nb, loc, m.getType(),
                                              nb.getZeroAttr(m.getType())));
              else
                keep = arith::CmpIOp::create(
                    nb, loc, arith::CmpIPredicate::ne, m,
                    arith::ConstantOp::create(nb, loc, m.getType(),
                                              nb.getZeroAttr(m.getType())));
              Value zero = arith::ConstantOp::create(nb, loc, elem,
                                                     nb.getZeroAttr(elem));
              linalg::YieldOp::create(
                  nb, loc,
                  arith::SelectOp::create(nb, loc, keep, args[0], zero)
                      .getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::zen::populateZenModelOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<EmbeddingLowering, RMSNormLowering, LinearLowering, RoPELowering,
               SwiGLULowering, MLPLowering, LMHeadLowering, L2NormLowering,
               MaskPaddingLowering>(patterns.getContext());
}
