//===- ModelOps.cpp - Zen model ops -> linalg -----------------------------===//
//
// Lowers the dense building blocks (reference: qwen3-architectures.md §2.2,
// §2.4, §2.5). Precision follows HF: statistics in f32, results rounded to the
// activation dtype where HF rounds them.
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

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

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

} // namespace

void mlir::zen::populateZenModelOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<RMSNormLowering, LinearLowering>(patterns.getContext());
}
