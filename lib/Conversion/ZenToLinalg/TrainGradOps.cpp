//===- TrainGradOps.cpp - Zen training backward ops -> linalg -------------===//
//
// Lowers the backward ops of the selective log-prob and the policy losses
// (reference: gspo-training.md §2, §4, §5): zen.token_logprobs_grad streams
// the LM head over vocabulary tiles again, recomputing each logits tile;
// the loss gradients are one or two generics over [N, T].
//
//===----------------------------------------------------------------------===//

#include "TrainLowering.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;
using namespace mlir::zen::lowering::train;

namespace {

//===----------------------------------------------------------------------===//
// zen.token_logprobs_grad
//===----------------------------------------------------------------------===//

// train §2 backward: with g = d loss / d logp,
//   d x = g (onehot(y) − softmax(x)), x = z/τ;  d z = d x / τ
//   d hidden = Σ_tiles d z_tile · W_tile;  d W_tile = Σ_tokens d z_tileᵀ h.
// softmax(x)_v = exp(x_v − lse), with lse = x[y] − logp recovered from the
// forward's result (x[y] is one dot product per token), so every tile is
// recomputed once and nothing of size V per token is kept.
struct TokenLogprobsGradLowering : OpConversionPattern<TokenLogprobsGradOp> {
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
                       static_cast<unsigned>(hiddenType.getRank() - 1),
                       op.getMaterializeLogits()};
    unsigned r = stream.leadRank;
    Type f32 = b.getF32Type();
    SmallVector<OpFoldResult> lead = stream.leadSizes(b);
    AffineMap ids = identityMap(ctx, r);

    // x[y] per token: Σ_k h[..., k] W[y, k], against the gathered target
    // rows of the LM head.
    Value targetRows = gatherRows(b, head, stream.targets, hidden);
    Value picked = generic(b, ValueRange{hidden, targetRows},
                           filledTensor(b, lead, f32, 0.0),
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
          Value lse =
              subF(nb, loc, stream.scaledLogit(nb, loc, args[0]), args[1]);
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
      inits.push_back(
          emptyTensor(b, sizesOf(b, head),
                      cast<RankedTensorType>(head.getType()).getElementType()));

    // Loops of the d hidden tile contraction: (lead..., k, v).
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
                Value p =
                    math::ExpOp::create(nb, loc, subF(nb, loc, x, args[2]));
                Value hit =
                    boolToF32(nb, loc, isTarget(nb, loc, r, v0, args[1]));
                yieldValue(nb, loc,
                           mulF(nb, loc, args[3], subF(nb, loc, hit, p)));
              })[0];
          SmallVector<Value> next;
          unsigned slot = 0;
          if (wantHidden) {
            // d hidden += dz · W_tile, as dz · (W_tileᵀ)ᵀ: the x·Wᵀ form of
            // the GEMM kernels, on a transposed copy of the tile (vt·H
            // elements against the vt·H·tokens of the product).
            auto iters = parallelIterators(n);
            iters.back() = utils::IteratorType::reduction;
            next.push_back(generic(
                ib, ValueRange{dz, transpose2D(ib, headTile)}, iter[slot++],
                {withTail({v}), AffineMap::get(n, 0, {k, v}, ctx),
                 withTail({k})},
                iters, [&](OpBuilder &nb, Location loc, ValueRange args) {
                  Value prod = mulF(nb, loc, args[0], toF32(nb, loc, args[1]));
                  yieldValue(nb, loc, addF(nb, loc, args[2], prod));
                })[0]);
          }
          if (wantHead) {
            // d W_tile = Σ_tokens dzᵀ h, chunked over the tokens into GEMMs.
            SmallVector<OpFoldResult> tileSizes = sizesOf(ib, headTile);
            Value tileGrad = rowsOuterF32(ib, dz, hidden);
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
          Value denom = mulF(
              nb, loc, maxF(nb, loc, args[0], f32Const(nb, loc, 1.0)), count);
          Value c = divF(
              nb, loc,
              arith::NegFOp::create(nb, loc, mulF(nb, loc, args[2], s)), denom);
          yieldValue(nb, loc,
                     select(nb, loc, dead, f32Const(nb, loc, 0.0),
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
      uniform =
          divF(b, loc, g,
               maxF(b, loc, extractScalar(b, total), f32Const(b, loc, 1.0)));
    } else if (type == GrpoLossType::dr_grpo) {
      uniform =
          divF(b, loc, g, mulF(b, loc, count, completionLength(b, op, logp)));
    }
    double epsLow = op.getEpsLow().convertToDouble();
    double epsHigh = op.getEpsHigh().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    bool withRef = beta != 0.0;
    AffineMap id = identityMap(ctx, 2), row = dropLastDimMap(ctx, 2);
    SmallVector<Value> ins = {logp, adaptor.getOldLogp(),
                              adaptor.getAdvantages(), mask, length};
    SmallVector<AffineMap> maps = {id, id, row, id, row};
    if (withRef) {
      ins.push_back(adaptor.getRefLogp());
      maps.push_back(id);
    }
    maps.push_back(id);
    Value grad = generic(
        b, ins, emptyLike(b, logp, b.getF32Type()), maps, parallelIterators(2),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          GrpoToken t =
              grpoToken(nb, l, a[0], a[1], a[2], withRef ? a[5] : Value(),
                        epsLow, epsHigh, beta);
          Value w = uniform;
          if (type == GrpoLossType::grpo)
            w = divF(
                nb, l, g,
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

} // namespace

void mlir::zen::lowering::train::populateTrainGradOpsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TokenLogprobsGradLowering, GspoLossGradLowering,
               GrpoLossGradLowering>(patterns.getContext());
}
