//===- MoEOps.cpp - Zen MoE ops -> linalg -------------------------------===//
//
// Lowers the sparse mixture-of-experts block and its router (reference:
// qwen3-architectures.md §2.5). Precision follows HF's Qwen3-MoE / Qwen3-Next
// blocks: the router logits are an nn.Linear output (f32 accumulate, rounded
// to the model dtype), the softmax and top-k run in f32, and every expert
// projection, the SiLU, the products and each index_add_ round to the model
// dtype where HF's eager ops do.
//
// Structure of zen.moe (never dense over the E experts):
//   1. route every token (shared with zen.moe_router);
//   2. a counting sort of the N·k (token, slot) pairs by expert, O(N·k + E):
//      `offsets` [E+1] (expert e owns rows offsets[e] .. offsets[e+1] of the
//      sorted list) and `order` [N·k] (the pair id token·k + slot, ascending
//      tokens within an expert);
//   3. scf.for over experts in ascending order; an expert no token picked is
//      skipped (HF's expert_hit); otherwise its tokens are gathered into a
//      compact [n_e, H] block, run through the expert's SwiGLU as three
//      f32-accumulating contractions with that expert's weight slices (so each
//      expert's weights are streamed once per forward, as one small GEMM), and
//      each weighted row is added into its token's output row: the adds for
//      one token therefore happen in ascending expert order, exactly HF's
//      index_add_ order;
//   4. the Qwen3-Next shared expert, dense over all tokens, gated per token.
//
// A grouped-GEMM version would keep steps 1-2 (that is the permutation such
// kernels need), gather all N·k rows once into an expert-sorted [N·k, H]
// buffer, and replace the expert loop with one ragged batched matmul over the
// segments `offsets` describes (one launch whose tile scheduler walks
// (expert, row-tile) pairs, empty experts costing nothing). The scatter would
// become a per-token combine, y[tok] = Σ_slots w · out[row(tok, slot)] taken
// in ascending expert order, parallel over tokens and bitwise equal to the
// index_add_ order used here.
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

namespace {

//===----------------------------------------------------------------------===//
// Scalar and tensor helpers
//===----------------------------------------------------------------------===//






/// Splits the linear token id `n` (row-major over `lead`, the leading dims of
/// the activations) into one index per leading dim. The activations keep their
/// [..., H] shape throughout: collapsing two dynamic dims is not an option
/// (22.1's expand-strided-metadata crashes on it after bufferization).
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

/// Expert `e`'s [d1, d2] weight: a rank-reducing slice of the stacked
/// [E, d1, d2] tensor (a view after bufferization, no copy).
Value expertSlice(ImplicitLocOpBuilder &b, Value stacked, Value e) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, stacked);
  sizes[0] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> offsets = {e, b.getIndexAttr(0), b.getIndexAttr(0)};
  SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
  auto type = cast<RankedTensorType>(stacked.getType());
  auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                         type.getElementType());
  return tensor::ExtractSliceOp::create(b, sliceType, stacked, offsets, sizes,
                                        strides);
}

/// One elementwise linalg.generic over tensors of one shape (all identity
/// maps) producing a tensor of `elem`; `body` gets the f32-promoted operands
/// and returns the f32 result, which is rounded to `elem`.
Value elementwise(ImplicitLocOpBuilder &b, ValueRange inputs, Type elem,
                  function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned rank = cast<RankedTensorType>(inputs[0].getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(inputs.size() + 1, identityMap(ctx, rank));
  Value init = emptyLike(b, inputs[0], elem);
  return linalg::GenericOp::create(
             b, init.getType(), inputs, init, maps, parallelIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               SmallVector<Value> xs;
               for (Value a : args.drop_back())
                 xs.push_back(toF32(nb, loc, a));
               yieldValue(nb, loc, castFloat(nb, loc, body(nb, loc, xs), elem));
             })
      .getResult(0);
}

/// The SwiGLU hidden activation from f32 gate/up projections: HF rounds each
/// nn.Linear output, the SiLU and the product to the model dtype:
/// round(round(silu(round(g))) * round(u)), a tensor of `elem`.
Value swigluHidden(ImplicitLocOpBuilder &b, Value gate, Value up, Type elem) {
  return elementwise(
      b, ValueRange{gate, up}, elem,
      [&](OpBuilder &nb, Location loc, ValueRange xs) {
        Value g = roundThrough(nb, loc, xs[0], elem);
        Value u = roundThrough(nb, loc, xs[1], elem);
        Value act = roundThrough(nb, loc, siluF32(nb, loc, g), elem);
        return arith::MulFOp::create(nb, loc, act, u).getResult();
      });
}

/// x [..., H] · v [H] accumulated in f32: an f32 [...] tensor.
Value dotLastDimF32(ImplicitLocOpBuilder &b, Value x, Value v) {
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = sizesOf(b, x);
  sizes.pop_back();
  Value init = filledTensor(b, sizes, b.getF32Type(), 0.0);
  return linalg::GenericOp::create(
             b, init.getType(), ValueRange{x, v}, init,
             ArrayRef<AffineMap>{identityMap(ctx, rank), lastDimMap(ctx, rank),
                                 dropLastDimMap(ctx, rank)},
             lastReducedIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value prod = arith::MulFOp::create(
                   nb, loc, toF32(nb, loc, args[0]), toF32(nb, loc, args[1]));
               yieldValue(nb, loc,
                          arith::AddFOp::create(nb, loc, args[2], prod));
             })
      .getResult(0);
}

/// Column `j` of `source` ([..., k]) as a [...] tensor.
Value extractColumn(ImplicitLocOpBuilder &b, Value source, Value j) {
  auto type = cast<RankedTensorType>(source.getType());
  unsigned rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets.back() = j;
  SmallVector<OpFoldResult> sizes = sizesOf(b, source);
  sizes.back() = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  auto columnType =
      RankedTensorType::get(type.getShape().drop_back(), type.getElementType());
  return tensor::ExtractSliceOp::create(b, columnType, source, offsets, sizes,
                                        strides);
}

/// Writes the [...] tensors `columns` into column `j` of the [..., k]
/// tensors `dests`. One generic rewriting every column (a select on the
/// column index) rather than a tensor.insert_slice: it bufferizes in place
/// on `dests`, where the strided column slice would become a memref.copy
/// into a strided view (a call into the MLIR C runner utils, which Zen's
/// kernels do not link). O(k) per pick, negligible next to the O(E) pass.
SmallVector<Value> writeColumn(ImplicitLocOpBuilder &b, ValueRange columns,
                               ValueRange dests, Value j) {
  unsigned rank = cast<RankedTensorType>(dests[0].getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps(columns.size(), dropLastDimMap(ctx, rank));
  maps.append(dests.size(), identityMap(ctx, rank));
  auto op = linalg::GenericOp::create(
      b, dests.getTypes(), columns, dests, maps, parallelIterators(rank),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value here =
            arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                  linalg::IndexOp::create(nb, l, rank - 1), j);
        SmallVector<Value> results;
        for (size_t i = 0; i < columns.size(); ++i)
          results.push_back(arith::SelectOp::create(nb, l, here, args[i],
                                                    args[columns.size() + i]));
        linalg::YieldOp::create(nb, l, results);
      });
  return SmallVector<Value>(op.getResults());
}

//===----------------------------------------------------------------------===//
// Router
//===----------------------------------------------------------------------===//

struct Routing {
  Value weights; // [..., k] f32
  Value indices; // [..., k] i64
};

/// softmax(round(x Wᵀ)) over all E experts in f32 (the max-subtracted form
/// torch uses): an f32 [..., E] tensor.
Value routerProbabilities(ImplicitLocOpBuilder &b, Value x, Value routerW) {
  Type elem = cast<RankedTensorType>(x.getType()).getElementType();
  // HF's router is an nn.Linear: its logits are a model-dtype tensor.
  Value logits = castTensor(b, contractLastDimF32(b, x, routerW), elem);
  unsigned rank = cast<RankedTensorType>(logits.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> rowSizes = sizesOf(b, logits);
  rowSizes.pop_back();
  Type f32 = b.getF32Type();

  Value maxInit =
      filledTensor(b, rowSizes, f32, -std::numeric_limits<double>::infinity());
  Value rowMax =
      linalg::GenericOp::create(
          b, maxInit.getType(), logits, maxInit,
          ArrayRef<AffineMap>{identityMap(ctx, rank),
                              dropLastDimMap(ctx, rank)},
          lastReducedIterators(rank),
          [&](OpBuilder &nb, Location loc, ValueRange args) {
            yieldValue(nb, loc,
                       arith::MaximumFOp::create(nb, loc, args[1],
                                                 toF32(nb, loc, args[0])));
          })
          .getResult(0);
  Value sumInit = filledTensor(b, rowSizes, f32, 0.0);
  Value rowSum =
      linalg::GenericOp::create(
          b, sumInit.getType(), ValueRange{logits, rowMax}, sumInit,
          ArrayRef<AffineMap>{identityMap(ctx, rank), dropLastDimMap(ctx, rank),
                              dropLastDimMap(ctx, rank)},
          lastReducedIterators(rank),
          [&](OpBuilder &nb, Location loc, ValueRange args) {
            Value e = math::ExpOp::create(
                nb, loc,
                arith::SubFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                      args[1]));
            yieldValue(nb, loc, arith::AddFOp::create(nb, loc, args[2], e));
          })
          .getResult(0);
  Value init = emptyLike(b, logits, f32);
  return linalg::GenericOp::create(
             b, init.getType(), ValueRange{logits, rowMax, rowSum}, init,
             ArrayRef<AffineMap>{
                 identityMap(ctx, rank), dropLastDimMap(ctx, rank),
                 dropLastDimMap(ctx, rank), identityMap(ctx, rank)},
             parallelIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value e = math::ExpOp::create(
                   nb, loc,
                   arith::SubFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                         args[1]));
               yieldValue(nb, loc, arith::DivFOp::create(nb, loc, e, args[2]));
             })
      .getResult(0);
}

/// Top-k of `probs` [..., E] as k passes of argmax-with-exclusion (an
/// scf.for over the slots; each pass is one reduction over E). Slots come
/// out by descending probability, ties to the lower expert index: pass j
/// takes the best (p, e) under that order among the candidates strictly
/// after pass j-1's pick, so no "taken" mask is needed. The comparison is a
/// total order, so the reduction's result does not depend on its order.
/// O(k·E) per token; k is small (8-10) in the Qwen3 MoE models.
Routing topK(ImplicitLocOpBuilder &b, Value probs, int64_t k) {
  auto type = cast<RankedTensorType>(probs.getType());
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type(), i64 = b.getI64Type();
  SmallVector<OpFoldResult> rowSizes = sizesOf(b, probs);
  rowSizes.pop_back();
  SmallVector<OpFoldResult> slotSizes = rowSizes;
  slotSizes.push_back(b.getIndexAttr(k));

  auto filledInt = [&](ImplicitLocOpBuilder &fb, ArrayRef<OpFoldResult> sizes,
                       int64_t v) {
    Value c = arith::ConstantOp::create(fb, i64, fb.getI64IntegerAttr(v));
    return linalg::FillOp::create(fb, c, emptyTensor(fb, sizes, i64))
        .getResult(0);
  };
  double inf = std::numeric_limits<double>::infinity();
  // The loop carries only the [..., k] results (one-shot bufferization wants
  // every yielded tensor to be the in-place update of its iter_arg); pass j
  // reads pass j-1's pick back from column j-1.
  SmallVector<Value> inits = {emptyTensor(b, slotSizes, f32),
                              emptyTensor(b, slotSizes, i64)};
  auto loop = scf::ForOp::create(
      b, indexConst(b, b.getLoc(), 0), indexConst(b, b.getLoc(), k),
      indexConst(b, b.getLoc(), 1), inits,
      [&](OpBuilder &lb, Location loc, Value j, ValueRange iter) {
        ImplicitLocOpBuilder ib(loc, lb);
        Value c0 = indexConst(ib, loc, 0), c1 = indexConst(ib, loc, 1);
        Value first =
            arith::CmpIOp::create(ib, arith::CmpIPredicate::eq, j, c0);
        Value prevCol = arith::SelectOp::create(
            ib, first, c0, arith::SubIOp::create(ib, j, c1));
        Value prevP = extractColumn(ib, iter[0], prevCol);
        Value prevE = extractColumn(ib, iter[1], prevCol);
        SmallVector<Value> bestInits = {filledTensor(ib, rowSizes, f32, -inf),
                                        filledInt(ib, rowSizes, -1)};
        auto pass = linalg::GenericOp::create(
            ib, TypeRange{bestInits[0].getType(), bestInits[1].getType()},
            ValueRange{probs, prevP, prevE}, bestInits,
            ArrayRef<AffineMap>{
                identityMap(ctx, rank), dropLastDimMap(ctx, rank),
                dropLastDimMap(ctx, rank), dropLastDimMap(ctx, rank),
                dropLastDimMap(ctx, rank)},
            lastReducedIterators(rank),
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value p = args[0], prevP = args[1], prevE = args[2];
              Value bestP = args[3], bestE = args[4];
              Value e = arith::IndexCastOp::create(
                  nb, l, nb.getI64Type(),
                  linalg::IndexOp::create(nb, l, rank - 1));
              using FP = arith::CmpFPredicate;
              using IP = arith::CmpIPredicate;
              // (p, e) comes after the previous pick: lower probability, or
              // equal probability and a higher expert index. Slot 0 has no
              // previous pick (its column holds nothing yet).
              Value after = arith::OrIOp::create(
                  nb, l, arith::CmpFOp::create(nb, l, FP::OLT, p, prevP),
                  arith::AndIOp::create(
                      nb, l, arith::CmpFOp::create(nb, l, FP::OEQ, p, prevP),
                      arith::CmpIOp::create(nb, l, IP::sgt, e, prevE)));
              after = arith::OrIOp::create(nb, l, first, after);
              // (p, e) beats the best so far (none yet: bestE = -1).
              Value minusOne = arith::ConstantOp::create(
                  nb, l, nb.getI64Type(), nb.getI64IntegerAttr(-1));
              Value beats = arith::OrIOp::create(
                  nb, l,
                  arith::OrIOp::create(
                      nb, l,
                      arith::CmpIOp::create(nb, l, IP::eq, bestE, minusOne),
                      arith::CmpFOp::create(nb, l, FP::OGT, p, bestP)),
                  arith::AndIOp::create(
                      nb, l, arith::CmpFOp::create(nb, l, FP::OEQ, p, bestP),
                      arith::CmpIOp::create(nb, l, IP::slt, e, bestE)));
              Value take = arith::AndIOp::create(nb, l, after, beats);
              linalg::YieldOp::create(
                  nb, l,
                  ValueRange{arith::SelectOp::create(nb, l, take, p, bestP),
                             arith::SelectOp::create(nb, l, take, e, bestE)});
            });
        Value bestP = pass.getResult(0), bestE = pass.getResult(1);
        scf::YieldOp::create(
            ib, writeColumn(ib, ValueRange{bestP, bestE}, iter, j));
      });
  return {loop.getResult(0), loop.getResult(1)};
}

/// The whole router: probabilities, top-k, optional renormalisation
/// w / Σ_slots w (in f32, as HF divides the f32 top-k weights).
Routing buildRouter(ImplicitLocOpBuilder &b, Value x, Value routerW, int64_t k,
                    bool normTopKProb) {
  Routing r = topK(b, routerProbabilities(b, x, routerW), k);
  if (!normTopKProb)
    return r;
  auto type = cast<RankedTensorType>(r.weights.getType());
  unsigned rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  Value sum = reduceLastDimF32(
      b, r.weights, [](OpBuilder &, Location, Value v) { return v; });
  r.weights =
      linalg::GenericOp::create(
          b, type, ValueRange{r.weights, sum},
          emptyLike(b, r.weights, type.getElementType()),
          ArrayRef<AffineMap>{identityMap(ctx, rank), dropLastDimMap(ctx, rank),
                              identityMap(ctx, rank)},
          parallelIterators(rank),
          [&](OpBuilder &nb, Location loc, ValueRange args) {
            yieldValue(nb, loc,
                       arith::DivFOp::create(nb, loc, args[0], args[1]));
          })
          .getResult(0);
  return r;
}

//===----------------------------------------------------------------------===//
// zen.moe_router
//===----------------------------------------------------------------------===//

// p = softmax(f32(round(x Wrᵀ))) over all E; top-k on p (descending, ties to
// the lower expert); w / Σw with norm_topk_prob.
struct MoERouterLowering : OpConversionPattern<MoERouterOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MoERouterOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Routing r = buildRouter(b, adaptor.getInput(), adaptor.getRouterW(),
                            op.getTopK(), op.getNormTopkProb());
    rewriter.replaceOp(op, ValueRange{r.weights, r.indices});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.moe
//===----------------------------------------------------------------------===//

/// The counting sort of the (token, slot) pairs by expert (see the file
/// header). `indices` is the router's [..., k]; `lead` the leading sizes.
struct ExpertRows {
  /// [E + 1] index: expert e owns rows offsets[e] .. offsets[e+1] of `order`.
  Value offsets;
  /// [N·k] index: pair ids token·k + slot, grouped by expert.
  Value order;
};

ExpertRows sortByExpert(ImplicitLocOpBuilder &b, Value indices,
                        ArrayRef<Value> lead, Value numPairs, Value experts,
                        int64_t k) {
  Location loc = b.getLoc();
  Type indexType = b.getIndexType();
  Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
  Value kVal = indexConst(b, loc, k);
  Value lastExpert = arith::SubIOp::create(b, experts, c1);

  // The expert of pair p. Router indices are always in [0, E); the clamp
  // keeps the tables in bounds even for NaN logits, where no pick exists.
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

  // Histogram: expert e's pair count into bin e + 1 of the offsets.
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
  // Prefix sum: offsets[e + 1] = offsets[e] + count(e). `cursor` (each
  // expert's next free row while placing) starts as offsets[0 .. E), built in
  // the same loop rather than sliced off, which would bufferize to a copy.
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
  Value offsets = prefix.getResult(0), cursor = prefix.getResult(1);

  // Place the pairs in ascending p, so tokens ascend within each expert.
  Value order = emptyTensor(b, {getAsOpFoldResult(numPairs)}, indexType);
  auto place = scf::ForOp::create(
      b, c0, numPairs, c1, ValueRange{order, cursor},
      [&](OpBuilder &lb, Location l, Value p, ValueRange iter) {
        Value e = expertOf(lb, l, p);
        Value row = tensor::ExtractOp::create(lb, l, iter[1], e);
        Value newOrder = tensor::InsertOp::create(lb, l, p, iter[0], row);
        Value next = arith::AddIOp::create(lb, l, row, indexConst(lb, l, 1));
        Value newCursor = tensor::InsertOp::create(lb, l, next, iter[1], e);
        scf::YieldOp::create(lb, l, ValueRange{newOrder, newCursor});
      });
  return {offsets, place.getResult(0)};
}

// Router, then for e = 0 .. E-1 ascending, for each (token, slot) routed to e:
// y[tok] += round(round(SwiGLU_e(x[tok])) * round(w)), each add rounded to the
// model dtype (HF index_add_ into a model-dtype zero tensor); plus the
// optional shared expert: out = y + sigmoid(x sgᵀ) * SwiGLU_shared(x).
struct MoELowering : OpConversionPattern<MoEOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MoEOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Location loc = b.getLoc();
    Value x = adaptor.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    Type elem = xType.getElementType();
    unsigned rank = xType.getRank();
    int64_t k = op.getTopK();
    MLIRContext *ctx = b.getContext();

    Routing r =
        buildRouter(b, x, adaptor.getRouterW(), k, op.getNormTopkProb());
    // HF: routing_weights.to(hidden_states.dtype) before mixing the experts.
    Value slotWeights = castTensor(b, r.weights, elem);

    SmallVector<Value> lead;
    Value numTokens = indexConst(b, loc, 1);
    for (OpFoldResult s : ArrayRef(sizesOf(b, x)).drop_back()) {
      lead.push_back(getValueOrCreateConstantIndexOp(b, loc, s));
      numTokens = arith::MulIOp::create(b, numTokens, lead.back());
    }
    Value kVal = indexConst(b, loc, k);
    Value numPairs = arith::MulIOp::create(b, numTokens, kVal);
    Value experts = getValueOrCreateConstantIndexOp(
        b, loc, sizesOf(b, adaptor.getRouterW())[0]);
    ExpertRows rows = sortByExpert(b, r.indices, lead, numPairs, experts, k);

    OpFoldResult hidden = sizesOf(b, x).back();
    Value c0 = indexConst(b, loc, 0), c1 = indexConst(b, loc, 1);
    Value zeros = filledTensor(b, sizesOf(b, x), elem, 0.0);
    Value gateW = adaptor.getGateW(), upW = adaptor.getUpW(),
          downW = adaptor.getDownW();
    Value routed =
        scf::ForOp::create(
            b, c0, experts, c1, ValueRange{zeros},
            [&](OpBuilder &lb, Location l, Value e, ValueRange iter) {
              ImplicitLocOpBuilder eb(l, lb);
              Value start = tensor::ExtractOp::create(eb, rows.offsets, e);
              Value end = tensor::ExtractOp::create(
                  eb, rows.offsets,
                  ValueRange{arith::AddIOp::create(eb, e, c1)});
              Value count = arith::SubIOp::create(eb, end, start);
              Value hit = arith::CmpIOp::create(eb, arith::CmpIPredicate::ugt,
                                                count, c0);
              auto ifOp = scf::IfOp::create(
                  eb, hit,
                  [&](OpBuilder &tb, Location tl) {
                    ImplicitLocOpBuilder ib(tl, tb);
                    Value y = runExpert(
                        ib, x, iter[0], slotWeights, rows.order, lead, start,
                        count, k, hidden, expertSlice(ib, gateW, e),
                        expertSlice(ib, upW, e), expertSlice(ib, downW, e));
                    scf::YieldOp::create(ib, y);
                  },
                  [&](OpBuilder &tb, Location tl) {
                    scf::YieldOp::create(tb, tl, iter[0]);
                  });
              scf::YieldOp::create(eb, ifOp.getResult(0));
            })
            .getResult(0);

    if (!op.hasSharedExpert()) {
      rewriter.replaceOp(op, routed);
      return success();
    }

    // Shared expert, dense over all tokens: s = SwiGLU_shared(x), one gate
    // logit per token from the [1, H] shared_expert_gate_w.
    Value sharedHidden =
        swigluHidden(b, contractLastDimF32(b, x, adaptor.getSharedGateW()),
                     contractLastDimF32(b, x, adaptor.getSharedUpW()), elem);
    Value shared =
        contractLastDimF32(b, sharedHidden, adaptor.getSharedDownW());
    Value gateRow = tensor::ExtractSliceOp::create(
        b, RankedTensorType::get({xType.getShape().back()}, elem),
        adaptor.getSharedExpertGateW(),
        ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), hidden},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    Value gateLogit = dotLastDimF32(b, x, gateRow);
    // HF: final + sigmoid(shared_expert_gate(h)) * shared_expert(h), each
    // bf16 op rounded.
    Value result =
        linalg::GenericOp::create(
            b, xType, ValueRange{routed, shared, gateLogit},
            emptyLike(b, x, elem),
            ArrayRef<AffineMap>{identityMap(ctx, rank), identityMap(ctx, rank),
                                dropLastDimMap(ctx, rank),
                                identityMap(ctx, rank)},
            parallelIterators(rank),
            [&](OpBuilder &nb, Location l, ValueRange args) {
              Value y = toF32(nb, l, args[0]);
              Value s = roundThrough(nb, l, args[1], elem);
              Value g = roundThrough(
                  nb, l, sigmoidF32(nb, l, roundThrough(nb, l, args[2], elem)),
                  elem);
              Value gated =
                  roundThrough(nb, l, arith::MulFOp::create(nb, l, g, s), elem);
              yieldValue(nb, l,
                         castFloat(nb, l,
                                   arith::AddFOp::create(nb, l, y, gated),
                                   elem));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// One expert over its `count` rows starting at `start` in `order`: gather
  /// the tokens into [count, H], SwiGLU with the expert's [I, H]/[H, I]
  /// slices, then add each weighted row into its token's row of `y`.
  static Value runExpert(ImplicitLocOpBuilder &b, Value x, Value y,
                         Value slotWeights, Value order, ArrayRef<Value> lead,
                         Value start, Value count, int64_t k,
                         OpFoldResult hidden, Value gateE, Value upE,
                         Value downE) {
    MLIRContext *ctx = b.getContext();
    Type elem = cast<RankedTensorType>(x.getType()).getElementType();
    Value kVal = indexConst(b, b.getLoc(), k);

    // Row r's token coordinates and slot.
    auto rowAt = [&](OpBuilder &nb, Location l, Value r) {
      Value p = tensor::ExtractOp::create(
          nb, l, order, ValueRange{arith::AddIOp::create(nb, l, start, r)});
      SmallVector<Value> at =
          delinearize(nb, l, arith::DivUIOp::create(nb, l, p, kVal), lead);
      at.push_back(arith::RemUIOp::create(nb, l, p, kVal));
      return at;
    };

    // Gather: xe[r, h] = x[token(r), h].
    Value gatherInit = emptyTensor(b, {count, hidden}, elem);
    Value xe =
        linalg::GenericOp::create(
            b, gatherInit.getType(), ValueRange{}, gatherInit,
            ArrayRef<AffineMap>{identityMap(ctx, 2)}, parallelIterators(2),
            [&](OpBuilder &nb, Location l, ValueRange) {
              SmallVector<Value> at =
                  rowAt(nb, l, linalg::IndexOp::create(nb, l, 0));
              at.back() = linalg::IndexOp::create(nb, l, 1);
              yieldValue(nb, l,
                         tensor::ExtractOp::create(nb, l, x, at).getResult());
            })
            .getResult(0);

    // The expert's SwiGLU on its compact block; HF rounds each nn.Linear.
    Value hiddenAct = swigluHidden(b, contractLastDimF32(b, xe, gateE),
                                   contractLastDimF32(b, xe, upE), elem);
    Value down = contractLastDimF32(b, hiddenAct, downE); // [count, H] f32

    // Scatter: y[token(r)] = round(y + round(round(down[r]) * w[r])). Within
    // one expert every token appears once, so rows touch distinct tokens.
    // Scalar tensor.extract/insert: they bufferize to loads and stores in
    // place on y (a row extract_slice/insert_slice pair would leave a
    // strided self-copy that only CSE after bufferization removes).
    Value c0 = indexConst(b, b.getLoc(), 0), c1 = indexConst(b, b.getLoc(), 1);
    Value hiddenVal = getValueOrCreateConstantIndexOp(b, b.getLoc(), hidden);
    return scf::ForOp::create(
               b, c0, count, c1, ValueRange{y},
               [&](OpBuilder &rb, Location l, Value r, ValueRange rowIter) {
                 SmallVector<Value> at = rowAt(rb, l, r);
                 Value w = toF32(
                     rb, l, tensor::ExtractOp::create(rb, l, slotWeights, at));
                 auto cols = scf::ForOp::create(
                     rb, l, c0, hiddenVal, c1, rowIter,
                     [&](OpBuilder &hb, Location hl, Value h, ValueRange iter) {
                       Value d =
                           roundThrough(hb, hl,
                                        tensor::ExtractOp::create(
                                            hb, hl, down, ValueRange{r, h}),
                                        elem);
                       Value c = roundThrough(
                           hb, hl, arith::MulFOp::create(hb, hl, d, w), elem);
                       SmallVector<Value> yAt(at.begin(), at.end() - 1);
                       yAt.push_back(h);
                       Value old = toF32(
                           hb, hl,
                           tensor::ExtractOp::create(hb, hl, iter[0], yAt));
                       Value sum = castFloat(
                           hb, hl, arith::AddFOp::create(hb, hl, old, c), elem);
                       scf::YieldOp::create(hb, hl,
                                            ValueRange{tensor::InsertOp::create(
                                                hb, hl, sum, iter[0], yAt)});
                     });
                 scf::YieldOp::create(rb, l, cols.getResults());
               })
        .getResult(0);
  }
};

} // namespace

void mlir::zen::populateZenMoEOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MoERouterLowering, MoELowering>(patterns.getContext());
}
