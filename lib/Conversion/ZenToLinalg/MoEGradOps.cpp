//===- MoEGradOps.cpp - Zen backward ops of the MoE block -> linalg ===//
//
// Lowers zen.moe_router_grad and zen.moe_grad (dialects/Zen/ZenMoEGradOps.td;
// math: the derivative of qwen3-architectures.md §2.5 as torch autograd takes
// it, the top-k indices constant). Backward math runs in f32 from the primal
// values; each gradient is accumulated in f32 and rounded once to its
// operand's dtype.
//
// zen.moe_grad keeps the forward lowering's structure (MoEOps.cpp): a
// counting sort of the N·k (token, slot) pairs by expert, then one scf.for
// over the experts in which an expert no token picked is skipped and the
// others gather their tokens into a compact [n_e, H] block. Per expert it
// recomputes the SwiGLU activations and runs their backward as small
// contractions with the expert's weight slices; the expert's weight
// gradients are written in place into its [e] slice of the stacked [E, ...]
// gradient (a view after bufferization), its input gradient rows are added
// into their tokens' rows, and its routing-weight gradients go to their
// (token, slot). Nothing is dense over the E experts, and an absent optional
// result costs nothing: with frozen experts (LoRA) no [E, I, H] tensor is
// ever built.
//
// Helpers copied from MoEOps.cpp (private there): delinearize, expertSlice,
// sortByExpert (k now a Value), routerProbabilities; pointwise generalises
// elementwise.
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
#include "llvm/ADT/Sequence.h"

#include <array>
#include <limits>

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// The map selecting dims `ds` of an `n`-dim iteration space.
AffineMap dimsMap(MLIRContext *ctx, unsigned n, ArrayRef<unsigned> ds) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d : ds)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(n, 0, exprs, ctx);
}

/// from .. to-1.
SmallVector<unsigned> range(unsigned from, unsigned to) {
  return llvm::to_vector(llvm::seq<unsigned>(from, to));
}

/// (Copied from MoEOps.cpp.) Splits the linear token id `n` (row-major over
/// `lead`) into one index per leading dim, without reshaping the activations.
SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value n,
                               ArrayRef<Value> lead) {
  SmallVector<Value> coords(lead.size());
  for (size_t i = lead.size(); i-- > 0;) {
    if (i == 0) {
      coords[0] = n;
      break;
    }
    coords[i] = arith::RemUIOp::create(b, loc, n, lead[i]);
    n = arith::DivUIOp::create(b, loc, n, lead[i]);
  }
  return coords;
}

/// (Copied from MoEOps.cpp.) Expert `e`'s [d1, d2] slice of a stacked
/// [E, d1, d2] tensor (a view after bufferization); with `update`, writes
/// `update` back into that slice instead (the pair bufferizes in place).
Value expertSlice(ImplicitLocOpBuilder &b, Value stacked, Value e,
                  Value update = Value()) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, stacked);
  sizes[0] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets = {e, b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  if (update)
    return tensor::InsertSliceOp::create(b, update, stacked, offsets, sizes,
                                         strides);
  auto type = cast<RankedTensorType>(stacked.getType());
  auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                         type.getElementType());
  return tensor::ExtractSliceOp::create(b, sliceType, stacked, offsets, sizes,
                                        strides);
}

/// (After MoEOps.cpp's elementwise.) One parallel generic over `like`'s
/// shape producing `numResults` f32 tensors; input i is read through
/// `maps[i]` (all identity when `maps` is empty) and `body` gets the
/// f32-promoted input elements.
using PointwiseBody =
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;
SmallVector<Value> pointwise(ImplicitLocOpBuilder &b, Value like,
                             ValueRange ins, ArrayRef<AffineMap> maps,
                             unsigned numResults, PointwiseBody body) {
  unsigned rank = cast<RankedTensorType>(like.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> allMaps(maps);
  allMaps.resize(ins.size(), identityMap(ctx, rank));
  allMaps.append(numResults, identityMap(ctx, rank));
  SmallVector<Value> inits;
  for (unsigned i = 0; i < numResults; ++i)
    inits.push_back(emptyLike(b, like, b.getF32Type()));
  auto op = linalg::GenericOp::create(
      b, ValueRange(inits).getTypes(), ins, inits, allMaps,
      parallelIterators(rank),
      [&](OpBuilder &nb, Location loc, ValueRange args) {
        SmallVector<Value> xs;
        for (Value a : args.take_front(ins.size()))
          xs.push_back(toF32(nb, loc, a));
        linalg::YieldOp::create(nb, loc, body(nb, loc, xs));
      });
  return SmallVector<Value>(op.getResults().begin(), op.getResults().end());
}

Value pointwise1(ImplicitLocOpBuilder &b, Value like, ValueRange ins,
                 ArrayRef<AffineMap> maps,
                 function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  return pointwise(b, like, ins, maps, 1,
                   [&](OpBuilder &nb, Location loc, ValueRange xs) {
                     return SmallVector<Value>{body(nb, loc, xs)};
                   })[0];
}

Value zerosF32(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes) {
  return filledTensor(b, sizes, b.getF32Type(), 0.0);
}

/// init + Σ_i a_i b_i over the reduction dims of `iters` in f32, the inputs
/// taken in pairs (a_i, b_i) through `maps` (the last map is init's).
Value mulAddF32(ImplicitLocOpBuilder &b, ValueRange ins,
                ArrayRef<AffineMap> maps, Value init,
                ArrayRef<utils::IteratorType> iters) {
  return linalg::GenericOp::create(
             b, init.getType(), ins, init, maps, iters,
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value acc = args.back();
               for (size_t i = 0; i + 1 < args.size(); i += 2)
                 acc = arith::AddFOp::create(
                     nb, loc, acc,
                     arith::MulFOp::create(nb, loc, toF32(nb, loc, args[i]),
                                           toF32(nb, loc, args[i + 1])));
               yieldValue(nb, loc, acc);
             })
      .getResult(0);
}

/// Σ_i a_i w_i for pairs (a_i [..., K], w_i [K, N]) accumulated in f32: an
/// f32 [..., N] tensor (a contraction over the FIRST dim of the weights,
/// where contractLastDimF32 contracts their last).
Value matmulF32(ImplicitLocOpBuilder &b,
                ArrayRef<std::pair<Value, Value>> terms) {
  Value a0 = terms[0].first, w0 = terms[0].second;
  unsigned rank = cast<RankedTensorType>(a0.getType()).getRank();
  unsigned n = rank + 1; // [lead..., N, K]
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> aDims = range(0, rank - 1);
  aDims.push_back(rank);
  SmallVector<OpFoldResult> sizes = sizesOf(b, a0);
  sizes.back() = sizesOf(b, w0)[1];
  Value init = zerosF32(b, sizes);
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  for (auto [a, w] : terms) {
    ins.append({a, w});
    maps.append({dimsMap(ctx, n, aDims), dimsMap(ctx, n, {rank, rank - 1})});
  }
  maps.push_back(dimsMap(ctx, n, range(0, rank)));
  return mulAddF32(b, ins, maps, init, lastReducedIterators(n));
}

/// init + Σ_tokens aᵀ b for a [..., M], b [..., N] (same leading dims): the
/// weight gradient of a projection; `init` is an f32 [M, N] tensor (zeros or
/// an accumulator slice, updated in place). `a` may also be [...] (one value
/// per token) with M = 1.
Value outerSumF32(ImplicitLocOpBuilder &b, Value a, Value bv, Value init) {
  unsigned bRank = cast<RankedTensorType>(bv.getType()).getRank();
  bool aScalar = cast<RankedTensorType>(a.getType()).getRank() + 1 == bRank;
  unsigned n = bRank + 1; // [M, N, lead...]
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> aDims = range(2, n), bDims = range(2, n);
  if (!aScalar)
    aDims.push_back(0);
  bDims.push_back(1);
  SmallVector<utils::IteratorType> iters(n, utils::IteratorType::reduction);
  iters[0] = iters[1] = utils::IteratorType::parallel;
  return mulAddF32(
      b, {a, bv},
      {dimsMap(ctx, n, aDims), dimsMap(ctx, n, bDims), dimsMap(ctx, n, {0, 1})},
      init, iters);
}

/// Σ_h a[..., h] b[..., h] in f32, or Σ_h a[..., h] b[h] for a vector `bv`:
/// an f32 [...] tensor.
Value rowDotF32(ImplicitLocOpBuilder &b, Value a, Value bv) {
  unsigned rank = cast<RankedTensorType>(a.getType()).getRank();
  bool vector = cast<RankedTensorType>(bv.getType()).getRank() == 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = sizesOf(b, a);
  sizes.pop_back();
  return mulAddF32(b, {a, bv},
                   {identityMap(ctx, rank),
                    vector ? lastDimMap(ctx, rank) : identityMap(ctx, rank),
                    dropLastDimMap(ctx, rank)},
                   zerosF32(b, sizes), lastReducedIterators(rank));
}

/// silu(g) * u, from f32 projections: the SwiGLU hidden activation.
Value swigluF32(ImplicitLocOpBuilder &b, Value g, Value u) {
  return pointwise1(
      b, g, {g, u}, {}, [](OpBuilder &nb, Location loc, ValueRange xs) {
        return arith::MulFOp::create(nb, loc, siluF32(nb, loc, xs[0]), xs[1])
            .getResult();
      });
}

/// The SwiGLU backward from the hidden cotangent dh: (dg, du) with
/// du = dh silu(g), dg = dh u silu'(g), silu'(g) = σ(g)(1 + g(1 - σ(g))).
std::pair<Value, Value> swigluBackward(ImplicitLocOpBuilder &b, Value g,
                                       Value u, Value dh) {
  SmallVector<Value> r = pointwise(
      b, g, {g, u, dh}, {}, 2,
      [](OpBuilder &nb, Location loc, ValueRange xs) -> SmallVector<Value> {
        Value g = xs[0], u = xs[1], dh = xs[2];
        Value sig = sigmoidF32(nb, loc, g);
        Value one = f32Const(nb, loc, 1.0);
        Value dsilu = arith::MulFOp::create(
            nb, loc, sig,
            arith::AddFOp::create(
                nb, loc, one,
                arith::MulFOp::create(
                    nb, loc, g, arith::SubFOp::create(nb, loc, one, sig))));
        Value du = arith::MulFOp::create(nb, loc, dh, siluF32(nb, loc, g));
        Value dg = arith::MulFOp::create(
            nb, loc, arith::MulFOp::create(nb, loc, dh, u), dsilu);
        return {dg, du};
      });
  return {r[0], r[1]};
}

//===----------------------------------------------------------------------===//
// zen.moe_router_grad
//===----------------------------------------------------------------------===//

/// softmax(round(x Wᵀ)) over all E experts in f32, in the max-subtracted
/// form of MoEOps.cpp's routerProbabilities (same operations, so the same
/// values): an f32 [..., E] tensor.
Value routerProbabilities(ImplicitLocOpBuilder &b, Value x, Value routerW) {
  Type elem = cast<RankedTensorType>(x.getType()).getElementType();
  Value logits = castTensor(b, contractLastDimF32(b, x, routerW), elem);
  unsigned rank = cast<RankedTensorType>(logits.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap id = identityMap(ctx, rank), row = dropLastDimMap(ctx, rank);
  SmallVector<OpFoldResult> rowSizes = sizesOf(b, logits);
  rowSizes.pop_back();
  Value maxInit = filledTensor(b, rowSizes, b.getF32Type(),
                               -std::numeric_limits<double>::infinity());
  Value rowMax =
      linalg::GenericOp::create(
          b, maxInit.getType(), logits, maxInit, ArrayRef<AffineMap>{id, row},
          lastReducedIterators(rank),
          [&](OpBuilder &nb, Location loc, ValueRange args) {
            yieldValue(nb, loc,
                       arith::MaximumFOp::create(nb, loc, args[1],
                                                 toF32(nb, loc, args[0])));
          })
          .getResult(0);
  Value e = pointwise1(b, logits, {logits, rowMax}, {id, row},
                       [](OpBuilder &nb, Location loc, ValueRange a) {
                         return math::ExpOp::create(
                                    nb, loc,
                                    arith::SubFOp::create(nb, loc, a[0], a[1]))
                             .getResult();
                       });
  Value sum =
      reduceLastDimF32(b, e, [](OpBuilder &, Location, Value v) { return v; });
  return pointwise1(
      b, e, {e, sum}, {id, row}, [](OpBuilder &nb, Location loc, ValueRange a) {
        return arith::DivFOp::create(nb, loc, a[0], a[1]).getResult();
      });
}

// p = softmax(f32(round(x Wᵀ))), q = p[idx]; dq = dw (or, with
// norm_topk_prob, (dw - Σ dw·q/S) / S with S = Σq); dlogits = p (dp - Σ dq q)
// with dp = dq scattered at idx; dx = dlogits W, dW = Σ_tokens dlogitsᵀ x.
struct MoERouterGradLowering : OpConversionPattern<MoERouterGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MoERouterGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value x = adaptor.getInput(), routerW = adaptor.getRouterW();
    Value idx = adaptor.getIndices(), dw = adaptor.getWeightsGrad();
    unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
    MLIRContext *ctx = b.getContext();
    Value probs = routerProbabilities(b, x, routerW);
    Value experts =
        getValueOrCreateConstantIndexOp(b, b.getLoc(), sizesOf(b, routerW)[0]);

    // q[..., j] = p[..., idx[..., j]] (the index clamped into [0, E), as the
    // forward's tables are).
    Value q =
        pointwise1(b, dw, {}, {}, [&](OpBuilder &nb, Location l, ValueRange) {
          SmallVector<Value> at;
          for (unsigned d = 0; d < rank; ++d)
            at.push_back(linalg::IndexOp::create(nb, l, d));
          Value e = arith::IndexCastOp::create(
              nb, l, nb.getIndexType(),
              tensor::ExtractOp::create(nb, l, idx, at));
          e = arith::MaxSIOp::create(nb, l, e, indexConst(nb, l, 0));
          at.back() = arith::MinSIOp::create(
              nb, l, e,
              arith::SubIOp::create(nb, l, experts, indexConst(nb, l, 1)));
          return tensor::ExtractOp::create(nb, l, probs, at).getResult();
        });

    AffineMap id = identityMap(ctx, rank), row = dropLastDimMap(ctx, rank);
    Value dq = dw;
    if (op.getNormTopkProb()) {
      // w = q / S: dq = (dw - Σ_j dw_j q_j / S) / S.
      Value s = reduceLastDimF32(
          b, q, [](OpBuilder &, Location, Value v) { return v; });
      dq = pointwise1(
          b, dw, {dw, rowDotF32(b, dw, q), s}, {id, row, row},
          [](OpBuilder &nb, Location l, ValueRange a) {
            Value mean = arith::DivFOp::create(nb, l, a[1], a[2]);
            return arith::DivFOp::create(
                       nb, l, arith::SubFOp::create(nb, l, a[0], mean), a[2])
                .getResult();
          });
    }
    Value c = rowDotF32(b, dq, q);

    // dp[..., e] = Σ_j [idx_j == e] dq_j, a reduction over the k slots.
    unsigned n = rank + 1; // [lead..., E, k]
    SmallVector<unsigned> slotDims = range(0, rank - 1);
    slotDims.push_back(rank);
    Value dp =
        linalg::GenericOp::create(
            b, probs.getType(), ValueRange{idx, dq},
            zerosF32(b, sizesOf(b, probs)),
            ArrayRef<AffineMap>{dimsMap(ctx, n, slotDims),
                                dimsMap(ctx, n, slotDims),
                                dimsMap(ctx, n, range(0, rank))},
            lastReducedIterators(n),
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value e = arith::IndexCastOp::create(
                  nb, l, nb.getI64Type(),
                  linalg::IndexOp::create(nb, l, rank - 1));
              Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                                args[0], e);
              Value add = arith::AddFOp::create(nb, l, args[2], args[1]);
              yieldValue(nb, l,
                         arith::SelectOp::create(nb, l, hit, add, args[2]));
            })
            .getResult(0);
    // dlogits = p (dp - c).
    Value dlogits = pointwise1(
        b, probs, {probs, dp, c}, {id, id, row},
        [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::MulFOp::create(nb, l, a[0],
                                       arith::SubFOp::create(nb, l, a[1], a[2]))
              .getResult();
        });

    SmallVector<Value> results;
    if (op.getInputGrad())
      results.push_back(castTensor(b, matmulF32(b, {{dlogits, routerW}}),
                                   getElementTypeOrSelf(x.getType())));
    if (op.getRouterWGrad())
      results.push_back(castTensor(
          b, outerSumF32(b, dlogits, x, zerosF32(b, sizesOf(b, routerW))),
          getElementTypeOrSelf(routerW.getType())));
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.moe_grad
//===----------------------------------------------------------------------===//

/// (Copied from MoEOps.cpp, `k` a Value.) The counting sort of the (token,
/// slot) pairs by expert: expert e owns rows offsets[e] .. offsets[e+1] of
/// `order` [N·k] (pair ids token·k + slot, ascending tokens per expert).
struct ExpertRows {
  Value offsets, order;
};

ExpertRows sortByExpert(ImplicitLocOpBuilder &b, Value indices,
                        ArrayRef<Value> lead, Value numPairs, Value experts,
                        Value kVal) {
  Location loc = b.getLoc();
  Type indexType = b.getIndexType();
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  Value lastExpert = arith::SubIOp::create(b, experts, c1);
  auto expertOf = [&](OpBuilder &lb, Location l, Value p) {
    Value tok = arith::DivUIOp::create(lb, l, p, kVal);
    Value slot = arith::RemUIOp::create(lb, l, p, kVal);
    SmallVector<Value> at = delinearize(lb, l, tok, lead);
    at.push_back(slot);
    Value e = arith::IndexCastOp::create(
        lb, l, lb.getIndexType(),
        tensor::ExtractOp::create(lb, l, indices, at));
    e = arith::MaxSIOp::create(lb, l, e, indexConst(lb, l, 0));
    return arith::MinSIOp::create(lb, l, e, lastExpert).getResult();
  };
  Value numOffsets = arith::AddIOp::create(b, experts, c1);
  Value zeros =
      linalg::FillOp::create(
          b, c0, emptyTensor(b, {getAsOpFoldResult(numOffsets)}, indexType))
          .getResult(0);
  Value counts =
      scf::ForOp::create(
          b, c0, numPairs, c1, ValueRange{zeros},
          [&](OpBuilder &lb, Location l, Value p, ValueRange iter) {
            Value bin = arith::AddIOp::create(lb, l, expertOf(lb, l, p),
                                              indexConst(lb, l, 1));
            Value n = tensor::ExtractOp::create(lb, l, iter[0], bin);
            n = arith::AddIOp::create(lb, l, n, indexConst(lb, l, 1));
            scf::YieldOp::create(
                lb, l,
                tensor::InsertOp::create(lb, l, n, iter[0], bin).getResult());
          })
          .getResult(0);
  Value cursorInit = emptyTensor(b, {getAsOpFoldResult(experts)}, indexType);
  auto prefix = scf::ForOp::create(
      b, c0, experts, c1, ValueRange{counts, cursorInit},
      [&](OpBuilder &lb, Location l, Value e, ValueRange iter) {
        Value next = arith::AddIOp::create(lb, l, e, indexConst(lb, l, 1));
        Value start = tensor::ExtractOp::create(lb, l, iter[0], e);
        Value end = arith::AddIOp::create(
            lb, l, start, tensor::ExtractOp::create(lb, l, iter[0], next));
        Value offsets = tensor::InsertOp::create(lb, l, end, iter[0], next);
        Value cursor = tensor::InsertOp::create(lb, l, start, iter[1], e);
        scf::YieldOp::create(lb, l, ValueRange{offsets, cursor});
      });
  Value order = emptyTensor(b, {getAsOpFoldResult(numPairs)}, indexType);
  auto place = scf::ForOp::create(
      b, c0, numPairs, c1, ValueRange{order, prefix.getResult(1)},
      [&](OpBuilder &lb, Location l, Value p, ValueRange iter) {
        Value e = expertOf(lb, l, p);
        Value row = tensor::ExtractOp::create(lb, l, iter[1], e);
        Value newOrder = tensor::InsertOp::create(lb, l, p, iter[0], row);
        Value next = arith::AddIOp::create(lb, l, row, indexConst(lb, l, 1));
        Value newCursor = tensor::InsertOp::create(lb, l, next, iter[1], e);
        scf::YieldOp::create(lb, l, ValueRange{newOrder, newCursor});
      });
  return {prefix.getResult(0), place.getResult(0)};
}

/// The f32 accumulators the expert loop carries; null when not wanted.
struct Accumulators {
  Value dx;    // [..., H] input gradient (routed experts' share)
  Value dw;    // [..., k] routing-weight gradient
  Value dGate; // [E, I, H]
  Value dUp;   // [E, I, H]
  Value dDown; // [E, H, I]

  std::array<Value *, 5> all() { return {&dx, &dw, &dGate, &dUp, &dDown}; }
  SmallVector<Value> values() {
    SmallVector<Value> v;
    for (Value *a : all())
      if (*a)
        v.push_back(*a);
    return v;
  }
  /// The same set of accumulators, taking new values from `v` in order.
  Accumulators with(ValueRange v) {
    Accumulators r = *this;
    unsigned i = 0;
    for (Value *a : r.all())
      if (*a)
        *a = v[i++];
    return r;
  }
};

// For each expert e hit by some token, over its gathered rows r = (t, j):
// recompute g, u = x W{g,u}[e]ᵀ, h = silu(g) u, o = h Wd[e]ᵀ; then dw = dy·o,
// do = w dy, dh = do Wd[e], (dg, du) = SwiGLU backward, dx += dg Wg[e] +
// du Wu[e], dWd[e] += doᵀh, dWg[e] += dgᵀx, dWu[e] += duᵀx. Shared expert:
// σ = sigmoid(x wsgᵀ), s its SwiGLU output; ds = σ dy, dlogit = (dy·s)
// σ(1 - σ); the same SwiGLU backward; dx += ... + dlogit wsg.
struct MoEGradLowering : OpConversionPattern<MoEGradOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MoEGradOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Location loc = b.getLoc();
    Value x = adaptor.getInput(), dy = adaptor.getResultGrad();
    Value weights = adaptor.getWeights(), indices = adaptor.getIndices();
    Type elem = getElementTypeOrSelf(x.getType());

    SmallVector<Value> lead;
    Value numTokens = indexConst(b, loc, 1);
    for (OpFoldResult s : ArrayRef(sizesOf(b, x)).drop_back()) {
      lead.push_back(getValueOrCreateConstantIndexOp(b, loc, s));
      numTokens = arith::MulIOp::create(b, numTokens, lead.back());
    }
    Value kVal =
        getValueOrCreateConstantIndexOp(b, loc, sizesOf(b, weights).back());

    // The routed part's f32 accumulators, in result order.
    Accumulators acc;
    Value primals[] = {x, weights, adaptor.getGateW(), adaptor.getUpW(),
                       adaptor.getDownW()};
    Value wanted[] = {op.getInputGrad(), op.getWeightsGrad(), op.getGateWGrad(),
                      op.getUpWGrad(), op.getDownWGrad()};
    for (auto [slot, primal, want] : llvm::zip(acc.all(), primals, wanted))
      if (want)
        *slot = zerosF32(b, sizesOf(b, primal));

    if (!acc.values().empty()) {
      Value experts = getValueOrCreateConstantIndexOp(
          b, loc, sizesOf(b, adaptor.getGateW())[0]);
      ExpertRows rows = sortByExpert(b, indices, lead,
                                     arith::MulIOp::create(b, numTokens, kVal),
                                     experts, kVal);
      Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
      Value gateW = adaptor.getGateW(), upW = adaptor.getUpW(),
            downW = adaptor.getDownW();
      auto loop = scf::ForOp::create(
          b, c0, experts, c1, acc.values(),
          [&](OpBuilder &lb, Location l, Value e, ValueRange iter) {
            ImplicitLocOpBuilder eb(l, lb);
            Value start = tensor::ExtractOp::create(eb, rows.offsets, e);
            Value end = tensor::ExtractOp::create(
                eb, rows.offsets, ValueRange{arith::AddIOp::create(eb, e, c1)});
            Value count = arith::SubIOp::create(eb, end, start);
            Value hit =
                arith::CmpIOp::create(eb, arith::CmpIPredicate::ugt, count, c0);
            auto ifOp = scf::IfOp::create(
                eb, hit,
                [&](OpBuilder &tb, Location tl) {
                  ImplicitLocOpBuilder ib(tl, tb);
                  Accumulators updated = expertGrad(
                      ib, acc.with(iter), x, dy, weights, rows.order, lead,
                      start, count, kVal, e, gateW, upW, downW);
                  scf::YieldOp::create(ib, updated.values());
                },
                [&](OpBuilder &tb, Location tl) {
                  scf::YieldOp::create(tb, tl, iter);
                });
            scf::YieldOp::create(eb, ifOp.getResults());
          });
      acc = acc.with(loop.getResults());
    }

    SmallVector<Value> sharedGrads(4);
    if (op.hasSharedExpert())
      acc.dx = sharedExpertGrad(b, op, adaptor, acc.dx, sharedGrads);
    SmallVector<Value> results;
    for (auto [slot, primal] : llvm::zip(acc.all(), primals))
      if (*slot)
        results.push_back(
            castTensor(b, *slot, getElementTypeOrSelf(primal.getType())));
    for (Value g : sharedGrads)
      if (g)
        results.push_back(castTensor(b, g, elem));
    rewriter.replaceOp(op, results);
    return success();
  }

private:
  /// One expert's backward over its `count` rows starting at `start` in
  /// `order` (see the pattern comment); returns the updated accumulators.
  static Accumulators expertGrad(ImplicitLocOpBuilder &b, Accumulators acc,
                                 Value x, Value dy, Value weights, Value order,
                                 ArrayRef<Value> lead, Value start, Value count,
                                 Value kVal, Value e, Value gateW, Value upW,
                                 Value downW) {
    MLIRContext *ctx = b.getContext();
    Type elem = cast<RankedTensorType>(x.getType()).getElementType();
    OpFoldResult hidden = sizesOf(b, x).back();
    Value gateE = expertSlice(b, gateW, e), upE = expertSlice(b, upW, e),
          downE = expertSlice(b, downW, e);

    // Row r's token coordinates and slot.
    auto rowAt = [&](OpBuilder &nb, Location l, Value r) {
      Value p = tensor::ExtractOp::create(
          nb, l, order, ValueRange{arith::AddIOp::create(nb, l, start, r)});
      SmallVector<Value> at =
          delinearize(nb, l, arith::DivUIOp::create(nb, l, p, kVal), lead);
      at.push_back(arith::RemUIOp::create(nb, l, p, kVal));
      return at;
    };
    // Gather rows of a [..., H] tensor: g[r, h] = src[token(r), h].
    auto gatherRows = [&](Value src) {
      Value init = emptyTensor(b, {count, hidden}, elem);
      return linalg::GenericOp::create(
                 b, init.getType(), ValueRange{}, init,
                 ArrayRef<AffineMap>{identityMap(ctx, 2)}, parallelIterators(2),
                 [&](OpBuilder &nb, Location l, ValueRange) {
                   SmallVector<Value> at =
                       rowAt(nb, l, linalg::IndexOp::create(nb, l, 0));
                   at.back() = linalg::IndexOp::create(nb, l, 1);
                   yieldValue(
                       nb, l,
                       tensor::ExtractOp::create(nb, l, src, at).getResult());
                 })
          .getResult(0);
    };
    Value xe = gatherRows(x), dye = gatherRows(dy);
    Value g = contractLastDimF32(b, xe, gateE); // [n, I]
    Value u = contractLastDimF32(b, xe, upE);
    Value h = swigluF32(b, g, u);
    Value dwRows; // [n]
    if (acc.dw)
      dwRows = rowDotF32(b, dye, contractLastDimF32(b, h, downE));
    // do = w dy, with the slot weight as the forward mixes it: w.to(x.dtype).
    Value dout = pointwise1(
        b, dye, {dye}, {}, [&](OpBuilder &nb, Location l, ValueRange xs) {
          Value w = tensor::ExtractOp::create(
              nb, l, weights, rowAt(nb, l, linalg::IndexOp::create(nb, l, 0)));
          return arith::MulFOp::create(nb, l, roundThrough(nb, l, w, elem),
                                       xs[0])
              .getResult();
        });
    // stacked[e] += Σ_rows aᵀ bv, in place in the expert's slice.
    auto accumulate = [&](Value stacked, Value a, Value bv) {
      Value sum = outerSumF32(b, a, bv, expertSlice(b, stacked, e));
      return expertSlice(b, stacked, e, sum);
    };
    if (acc.dDown)
      acc.dDown = accumulate(acc.dDown, dout, h);
    Value dxRows; // [n, H]
    if (acc.dx || acc.dGate || acc.dUp) {
      Value dh = matmulF32(b, {{dout, downE}}); // [n, I]
      auto [dg, du] = swigluBackward(b, g, u, dh);
      if (acc.dGate)
        acc.dGate = accumulate(acc.dGate, dg, xe);
      if (acc.dUp)
        acc.dUp = accumulate(acc.dUp, du, xe);
      if (acc.dx)
        dxRows = matmulF32(b, {{dg, gateE}, {du, upE}});
    }
    if (!acc.dx && !acc.dw)
      return acc;

    // Scatter: dw[t, j] = dwRows[r]; dx[t] += dxRows[r]. Within one expert
    // every token appears once. Scalar extract/insert, in place (as the
    // forward's scatter).
    Value c0 = indexConst(b, b.getLoc(), 0), c1 = indexConst(b, b.getLoc(), 1);
    Value hiddenVal = getValueOrCreateConstantIndexOp(b, b.getLoc(), hidden);
    Accumulators rows;
    rows.dx = acc.dx;
    rows.dw = acc.dw;
    auto scatter = scf::ForOp::create(
        b, c0, count, c1, rows.values(),
        [&](OpBuilder &rb, Location l, Value r, ValueRange iter) {
          Accumulators cur = rows.with(iter);
          SmallVector<Value> at = rowAt(rb, l, r);
          if (cur.dw)
            cur.dw = tensor::InsertOp::create(
                rb, l, tensor::ExtractOp::create(rb, l, dwRows, ValueRange{r}),
                cur.dw, at);
          if (cur.dx) {
            at.pop_back();
            cur.dx =
                scf::ForOp::create(
                    rb, l, c0, hiddenVal, c1, ValueRange{cur.dx},
                    [&](OpBuilder &hb, Location hl, Value hIdx,
                        ValueRange hIter) {
                      SmallVector<Value> yAt = at;
                      yAt.push_back(hIdx);
                      Value sum = arith::AddFOp::create(
                          hb, hl,
                          tensor::ExtractOp::create(hb, hl, hIter[0], yAt),
                          tensor::ExtractOp::create(hb, hl, dxRows,
                                                    ValueRange{r, hIdx}));
                      scf::YieldOp::create(hb, hl,
                                           ValueRange{tensor::InsertOp::create(
                                               hb, hl, sum, hIter[0], yAt)});
                    })
                    .getResult(0);
          }
          scf::YieldOp::create(rb, l, cur.values());
        });
    rows = rows.with(scatter.getResults());
    acc.dx = rows.dx;
    acc.dw = rows.dw;
    return acc;
  }

  /// The shared expert's backward, dense over all tokens; returns the input
  /// gradient (the routed experts' `dxRouted`, possibly null, plus the
  /// shared expert's share when the input gradient is wanted) and fills
  /// `grads` with the f32 gradients of the four shared weights as wanted.
  static Value sharedExpertGrad(ImplicitLocOpBuilder &b, MoEGradOp op,
                                OpAdaptor adaptor, Value dxRouted,
                                SmallVectorImpl<Value> &grads) {
    bool wantDx = bool(op.getInputGrad()),
         wantGate = bool(op.getSharedGateWGrad()),
         wantUp = bool(op.getSharedUpWGrad()),
         wantDown = bool(op.getSharedDownWGrad()),
         wantScalar = bool(op.getSharedExpertGateWGrad());
    if (!wantDx && !wantGate && !wantUp && !wantDown && !wantScalar)
      return dxRouted;
    MLIRContext *ctx = b.getContext();
    Value x = adaptor.getInput(), dy = adaptor.getResultGrad();
    Value sg = adaptor.getSharedGateW(), su = adaptor.getSharedUpW(),
          sd = adaptor.getSharedDownW(), seg = adaptor.getSharedExpertGateW();
    unsigned rank = cast<RankedTensorType>(x.getType()).getRank();

    Value g = contractLastDimF32(b, x, sg), u = contractLastDimF32(b, x, su);
    Value h = swigluF32(b, g, u); // [..., Is]
    // The per-token gate logit x · seg[0] and σ = sigmoid(logit).
    OpFoldResult hidden = sizesOf(b, x).back();
    Value segRow = tensor::ExtractSliceOp::create(
        b,
        RankedTensorType::get(
            {cast<RankedTensorType>(x.getType()).getShape().back()},
            cast<RankedTensorType>(seg.getType()).getElementType()),
        seg, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), hidden},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    Value logit = rowDotF32(b, x, segRow);
    Value sig = pointwise1(b, logit, {logit}, {},
                           [](OpBuilder &nb, Location l, ValueRange xs) {
                             return sigmoidF32(nb, l, xs[0]);
                           });
    // dlogit = (dy · s) σ (1 - σ), s = h sdᵀ the shared expert's output.
    Value dlogit;
    if (wantDx || wantScalar) {
      Value s = contractLastDimF32(b, h, sd);
      Value dys = rowDotF32(b, dy, s);
      dlogit = pointwise1(
          b, dys, {dys, sig}, {}, [](OpBuilder &nb, Location l, ValueRange xs) {
            Value one = f32Const(nb, l, 1.0);
            Value dsig = arith::MulFOp::create(
                nb, l, xs[1], arith::SubFOp::create(nb, l, one, xs[1]));
            return arith::MulFOp::create(nb, l, xs[0], dsig).getResult();
          });
    }
    if (wantScalar)
      grads[3] = outerSumF32(b, dlogit, x, zerosF32(b, sizesOf(b, seg)));
    if (!wantDx && !wantGate && !wantUp && !wantDown)
      return dxRouted;

    Value ds = pointwise1( // σ dy, [..., H]
        b, dy, {dy, sig}, {identityMap(ctx, rank), dropLastDimMap(ctx, rank)},
        [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::MulFOp::create(nb, l, a[0], a[1]).getResult();
        });
    if (wantDown)
      grads[2] = outerSumF32(b, ds, h, zerosF32(b, sizesOf(b, sd)));
    if (!wantDx && !wantGate && !wantUp)
      return dxRouted;
    Value dh = matmulF32(b, {{ds, sd}}); // [..., Is]
    auto [dg, du] = swigluBackward(b, g, u, dh);
    if (wantGate)
      grads[0] = outerSumF32(b, dg, x, zerosF32(b, sizesOf(b, sg)));
    if (wantUp)
      grads[1] = outerSumF32(b, du, x, zerosF32(b, sizesOf(b, su)));
    if (!wantDx)
      return dxRouted;
    // dx = dx_routed + dg sg + du su + dlogit seg.
    Value dxShared = matmulF32(b, {{dg, sg}, {du, su}});
    SmallVector<Value> ins = {dxShared, dlogit, segRow};
    SmallVector<AffineMap> maps = {identityMap(ctx, rank),
                                   dropLastDimMap(ctx, rank),
                                   lastDimMap(ctx, rank)};
    if (dxRouted)
      ins.push_back(dxRouted);
    return pointwise1(
        b, x, ins, maps, [&](OpBuilder &nb, Location l, ValueRange xs) {
          Value v = arith::AddFOp::create(
              nb, l, xs[0], arith::MulFOp::create(nb, l, xs[1], xs[2]));
          if (dxRouted)
            v = arith::AddFOp::create(nb, l, v, xs[3]);
          return v;
        });
  }
};

} // namespace

void mlir::zen::populateZenMoEGradOpsToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MoERouterGradLowering, MoEGradLowering>(patterns.getContext());
}
