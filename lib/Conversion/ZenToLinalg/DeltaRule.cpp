//===- DeltaRule.cpp - zen.gated_delta_rule -> linalg/scf -----------------===//
//
// Lowers the Gated DeltaNet recurrence (reference: qwen3-architectures.md
// §2.7 items 6-9) in both evaluation orders, all in f32. Up front, q and k
// are L2-normalised, scaled and expanded to the value heads, and v, g, beta
// converted to f32, all moved to head-major [B, Hv, T, ...] so each head's
// rows are contiguous. The state S [B, Hv, dk, dv] is an f32 tensor carried
// by an scf.for (updated in place); the output is rounded to v's element
// type as it is stored.
//
// Batch and head dims stay parallel dims of every linalg.generic; only time
// (and, in chunked mode, the rows of the triangular solve) is an scf.for.
// Time is sliced with tensor.extract_slice, never reshaped, so no dynamic dim
// is ever split or merged. Contractions put a reduction dim before the
// innermost parallel dim where that makes the inner loop contiguous (the
// CPU pipeline lowers generics to loops in dim order); each output element
// still sums its terms in index order. exp() of gates is taken once per
// (b, h, row), outside the contractions.
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
// Small builders (private to this file)
//===----------------------------------------------------------------------===//

/// A linalg.generic operand: the tensor and, per tensor dim, the loop dim
/// indexing it (or an explicit `map` when the access is not a projection).
struct Operand {
  Value value;
  SmallVector<unsigned, 5> dims;
  AffineMap map = {};
};

/// `reduced` for a generic with no reduction dim.
constexpr int kAllParallel = -1;

/// One linalg.generic over `numDims` loops, all parallel except dim
/// `reduced` (unless kAllParallel). `body` gets the scalar block arguments
/// (ins, then outs) and returns one value per output. Returns the results.
SmallVector<Value> generic(
    ImplicitLocOpBuilder &b, unsigned numDims, int reduced,
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
  if (reduced != kAllParallel)
    iterators[reduced] = utils::IteratorType::reduction;
  auto op = linalg::GenericOp::create(
      b, resultTypes, inputs, inits, maps, iterators,
      [&](OpBuilder &nb, Location loc, ValueRange args) {
        linalg::YieldOp::create(nb, loc, body(nb, loc, args));
      });
  return SmallVector<Value>(op.getResults());
}

/// Scalar f32 arithmetic inside a generic body, kept short so the bodies read
/// like the math they implement.
struct Calc {
  OpBuilder &b;
  Location loc;
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value exp(Value x) { return math::ExpOp::create(b, loc, x); }
  Value f32(Value x) { return toF32(b, loc, x); }
  Value cst(double x) { return f32Const(b, loc, x); }
  Value index(unsigned dim) { return linalg::IndexOp::create(b, loc, dim); }
  Value cmp(arith::CmpIPredicate pred, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, pred, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
};

/// `size` elements of `source` from `offset` along `dim`, every other dim
/// whole. With `dropDim` (size 1) the dim is removed from the result type,
/// which is built here because the canonical rank-reduced type drops the
/// *first* unit dim, which would be B when B = 1.
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

/// dest[index(ivs)] = combine(value[ivs], dest[index(ivs)]) for every index
/// ivs of `value`, as an scf.for nest of scalar tensor.extract/insert; the
/// default `combine` rounds value to dest's element type. This bufferizes to
/// loads and stores into dest's buffer in place. (An insert_slice of a
/// computed window would become a memref.copy into a dynamic strided subview,
/// which the CPU pipeline lowers to a call of the memrefCopy runtime
/// function, even when the window was computed in place.)
Value storeInto(
    ImplicitLocOpBuilder &b, Value value, Value dest,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> index,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine =
        nullptr) {
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
        SmallVector<Value> at = index(nb, loc, ivs);
        Value stored =
            combine ? combine(nb, loc, x,
                              tensor::ExtractOp::create(nb, loc, iter[0], at))
                    : castFloat(nb, loc, x, elem);
        return {tensor::InsertOp::create(nb, loc, stored, iter[0], at)};
      });
  return nest.results[0];
}

/// `sizes` picked from the dims of `value` listed in `dims`.
SmallVector<OpFoldResult> dimsOf(ImplicitLocOpBuilder &b, Value value,
                                 ArrayRef<unsigned> dims) {
  SmallVector<OpFoldResult> all = sizesOf(b, value), picked;
  for (unsigned d : dims)
    picked.push_back(all[d]);
  return picked;
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

//===----------------------------------------------------------------------===//
// Preprocessing (§2.7 items 6-7)
//===----------------------------------------------------------------------===//

/// q or k [B, T, Hk, d] -> f32 [B, Hv, T, d]: value head h reads key head
/// h / (Hv / Hk) (HF repeat_interleave), optionally L2-normalised
/// (x * rsqrt(Σx² + 1e-6), eps inside the rsqrt) and multiplied by `scale`.
/// The statistics are taken once per key head, before the expansion.
Value expandHeads(ImplicitLocOpBuilder &b, Value x, OpFoldResult hv,
                  bool l2norm, Value scale) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(x.getType());
  Value sumSq;
  if (l2norm)
    sumSq = reduceLastDimF32(b, x, [](OpBuilder &nb, Location loc, Value v) {
      return arith::MulFOp::create(nb, loc, v, v);
    });
  auto finish = [&](Calc c, Value xf, Value ss) {
    if (l2norm)
      xf = c.mul(xf, math::RsqrtOp::create(c.b, c.loc, c.add(ss, c.cst(1e-6))));
    return scale ? c.mul(xf, scale) : xf;
  };
  SmallVector<OpFoldResult> xSizes = sizesOf(b, x);
  Value init =
      emptyTensor(b, {xSizes[0], hv, xSizes[1], xSizes[3]}, b.getF32Type());

  // Loops (b, h, t, d).
  std::optional<int64_t> hvStatic = getConstantIntValue(hv);
  int64_t hk = type.getDimSize(2);
  if (hvStatic && !ShapedType::isDynamic(hk)) {
    // Static ratio: the head mapping is an affine map.
    int64_t ratio = *hvStatic / hk;
    AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
               d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
    SmallVector<Operand> ins = {
        {x, {}, AffineMap::get(4, 0, {d0, d2, d1.floorDiv(ratio), d3}, ctx)}};
    if (l2norm)
      ins.push_back(
          {sumSq, {}, AffineMap::get(4, 0, {d0, d2, d1.floorDiv(ratio)}, ctx)});
    return generic(b, 4, kAllParallel, ins, {{init, {0, 1, 2, 3}}},
                   [&](OpBuilder &nb, Location loc, ValueRange args) {
                     Calc c{nb, loc};
                     return SmallVector<Value>{
                         finish(c, c.f32(args[0]), l2norm ? args[1] : Value())};
                   })[0];
  }
  // Dynamic head counts: read the key head with tensor.extract.
  Value ratio = arith::DivUIOp::create(
      b, getValueOrCreateConstantIndexOp(b, b.getLoc(), hv),
      tensor::DimOp::create(b, x, 2));
  return generic(
      b, 4, kAllParallel, {}, {{init, {0, 1, 2, 3}}},
      [&](OpBuilder &nb, Location loc, ValueRange) {
        Calc c{nb, loc};
        Value bi = c.index(0), ti = c.index(2), di = c.index(3);
        Value kh = arith::DivUIOp::create(nb, loc, c.index(1), ratio);
        Value xf = c.f32(
            tensor::ExtractOp::create(nb, loc, x, ValueRange{bi, ti, kh, di}));
        Value ss = l2norm ? tensor::ExtractOp::create(nb, loc, sumSq,
                                                      ValueRange{bi, ti, kh})
                                .getResult()
                          : Value();
        return SmallVector<Value>{finish(c, xf, ss)};
      })[0];
}

/// v [B, T, Hv, dv] or g, beta [B, T, Hv] -> f32 with dims 1 and 2 swapped
/// (head-major).
Value headMajorF32(ImplicitLocOpBuilder &b, Value x) {
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> sizes = sizesOf(b, x);
  std::swap(sizes[1], sizes[2]);
  SmallVector<unsigned, 5> dims = {0, 2, 1};
  if (rank == 4)
    dims.push_back(3);
  return generic(b, rank, kAllParallel, {{x, dims}},
                 {{emptyTensor(b, sizes, b.getF32Type()),
                   llvm::to_vector<5>(llvm::seq<unsigned>(0, rank))}},
                 [](OpBuilder &nb, Location loc, ValueRange a) {
                   return SmallVector<Value>{toF32(nb, loc, a[0])};
                 })[0];
}

//===----------------------------------------------------------------------===//
// Recurrent mode (§2.7 item 8)
//===----------------------------------------------------------------------===//

/// One token at a time: S ← e^{g_t} S; u = Sᵀk_t; δ = β_t (v_t − u);
/// S ← S + k_t δᵀ; o_t = Sᵀ q_t. Inputs are head-major f32: q, k
/// [B, Hv, T, dk], v [B, Hv, T, dv], g, beta [B, Hv, T]. Returns (final
/// state, out).
std::pair<Value, Value> recurrent(ImplicitLocOpBuilder &b, Value q, Value k,
                                  Value v, Value g, Value beta, Value state,
                                  Value out) {
  Value zero = arith::ConstantIndexOp::create(b, 0);
  Value one = arith::ConstantIndexOp::create(b, 1);
  Value steps = tensor::DimOp::create(b, v, 2);
  auto loop = scf::ForOp::create(
      b, zero, steps, one, ValueRange{state, out},
      [&](OpBuilder &nb, Location loc, Value t, ValueRange iter) {
        ImplicitLocOpBuilder lb(loc, nb);
        Value s = iter[0];
        OpFoldResult unit = lb.getIndexAttr(1);
        Value qt = sliceAlong(lb, q, 2, t, unit, true); // [B, Hv, dk]
        Value kt = sliceAlong(lb, k, 2, t, unit, true);
        Value vt = sliceAlong(lb, v, 2, t, unit, true); // [B, Hv, dv]
        Value gt = sliceAlong(lb, g, 2, t, unit, true); // [B, Hv]
        Value bt = sliceAlong(lb, beta, 2, t, unit, true);
        auto rowSizes = dimsOf(lb, s, {0, 1, 3}); // [B, Hv, dv]

        // decay[b,h] = e^{g_t}.
        Value decay =
            generic(lb, 2, kAllParallel, {{gt, {0, 1}}},
                    {{emptyLike(lb, gt, lb.getF32Type()), {0, 1}}},
                    [](OpBuilder &bb, Location l, ValueRange a) {
                      return SmallVector<Value>{Calc{bb, l}.exp(a[0])};
                    })[0];
        // u[b,h,j] = Σ_i (e^g S[i,j]) k[i]; loops (b, h, i, j).
        Value u = generic(
            lb, 4, 2, {{s, {0, 1, 2, 3}}, {kt, {0, 1, 2}}, {decay, {0, 1}}},
            {{filledTensor(lb, rowSizes, lb.getF32Type(), 0.0), {0, 1, 3}}},
            [](OpBuilder &bb, Location l, ValueRange a) {
              Calc c{bb, l};
              return SmallVector<Value>{
                  c.add(a[3], c.mul(c.mul(a[2], a[0]), a[1]))};
            })[0];
        // S[b,h,i,j] ← e^g S[i,j] + k[i] β (v[j] − u[j]); loops (b, h, i, j).
        // Written over S (u, its only other reader, is computed): scf.for
        // bufferization needs the yielded state in the iter_arg's buffer.
        Value next = generic(lb, 4, kAllParallel,
                             {{kt, {0, 1, 2}},
                              {vt, {0, 1, 3}},
                              {u, {0, 1, 3}},
                              {decay, {0, 1}},
                              {bt, {0, 1}}},
                             {{s, {0, 1, 2, 3}}},
                             [](OpBuilder &bb, Location l, ValueRange a) {
                               Calc c{bb, l};
                               Value delta = c.mul(a[4], c.sub(a[1], a[2]));
                               return SmallVector<Value>{c.add(
                                   c.mul(a[3], a[5]), c.mul(a[0], delta))};
                             })[0];
        // o[b,h,j] = Σ_i S[i,j] q[i]; loops (b, h, i, j).
        Value o = generic(
            lb, 4, 2, {{next, {0, 1, 2, 3}}, {qt, {0, 1, 2}}},
            {{filledTensor(lb, rowSizes, lb.getF32Type(), 0.0), {0, 1, 3}}},
            [](OpBuilder &bb, Location l, ValueRange a) {
              Calc c{bb, l};
              return SmallVector<Value>{c.add(a[2], c.mul(a[0], a[1]))};
            })[0];
        // out[b, t, h, j] = round(o[b, h, j]).
        Value written = storeInto(
            lb, o, iter[1], [t](OpBuilder &, Location, ValueRange ivs) {
              return SmallVector<Value>{ivs[0], t, ivs[1], ivs[2]};
            });
        scf::YieldOp::create(lb, ValueRange{next, written});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

//===----------------------------------------------------------------------===//
// Chunked mode (§2.7 item 9)
//===----------------------------------------------------------------------===//

/// Tm = (I + L)^-1 for L [B, Hv, n, n] strictly lower, by row-wise forward
/// substitution as HF does: Tm starts as I and row r gains
/// −Σ_s L[r,s] Tm[s] (L[r,s] = 0 for s >= r, so rows not yet solved
/// contribute nothing).
Value unitLowerInverse(ImplicitLocOpBuilder &b, Value lower, Value n) {
  Value identity = generic(
      b, 4, kAllParallel, {},
      {{emptyLike(b, lower, b.getF32Type()), {0, 1, 2, 3}}},
      [](OpBuilder &bb, Location l, ValueRange) {
        Calc c{bb, l};
        Value diag = c.cmp(arith::CmpIPredicate::eq, c.index(2), c.index(3));
        return SmallVector<Value>{c.select(diag, c.cst(1.0), c.cst(0.0))};
      })[0];
  Value one = arith::ConstantIndexOp::create(b, 1);
  auto rows = scf::ForOp::create(
      b, one, n, one, ValueRange{identity},
      [&](OpBuilder &nb, Location loc, Value r, ValueRange iter) {
        ImplicitLocOpBuilder lb(loc, nb);
        Value tm = iter[0];
        OpFoldResult unit = lb.getIndexAttr(1);
        Value lRow = sliceAlong(lb, lower, 2, r, unit, true); // [B, Hv, n]
        // d[b,h,c] = −Σ_s L[r,s] Tm[s,c]; loops (b, h, s, c).
        Value d =
            generic(lb, 4, 2, {{lRow, {0, 1, 2}}, {tm, {0, 1, 2, 3}}},
                    {{filledTensor(lb, sizesOf(lb, lRow), lb.getF32Type(), 0.0),
                      {0, 1, 3}}},
                    [](OpBuilder &bb, Location l, ValueRange a) {
                      Calc c{bb, l};
                      return SmallVector<Value>{c.sub(a[2], c.mul(a[0], a[1]))};
                    })[0];
        // Row r of Tm (e_r so far) += d.
        Value updated = storeInto(
            lb, d, tm,
            [r](OpBuilder &, Location, ValueRange ivs) {
              return SmallVector<Value>{ivs[0], ivs[1], r, ivs[2]};
            },
            [](OpBuilder &bb, Location l, Value x, Value old) -> Value {
              return arith::AddFOp::create(bb, l, old, x);
            });
        scf::YieldOp::create(lb, updated);
      });
  return rows.getResult(0);
}

/// One chunk of rows [t0, t0 + n) against the incoming state `s`; returns
/// the new state and `out` with the chunk's rows stored. Loop dims are named
/// b, h, r, s (rows in the chunk), i (dk), j (dv).
std::pair<Value, Value> chunk(ImplicitLocOpBuilder &b, Value q, Value k,
                              Value v, Value g, Value beta, Value s, Value out,
                              Value t0, Value n) {
  using Pred = arith::CmpIPredicate;
  Type f32 = b.getF32Type();
  Value qc = sliceAlong(b, q, 2, t0, n, false); // [B, Hv, n, dk]
  Value kc = sliceAlong(b, k, 2, t0, n, false);
  Value vc = sliceAlong(b, v, 2, t0, n, false); // [B, Hv, n, dv]
  Value gc = sliceAlong(b, g, 2, t0, n, false); // [B, Hv, n]
  Value bc = sliceAlong(b, beta, 2, t0, n, false);
  SmallVector<OpFoldResult> stateSizes = sizesOf(b, s);
  OpFoldResult bSz = stateSizes[0], hSz = stateSizes[1], dkSz = stateSizes[2],
               dvSz = stateSizes[3];
  auto zeros = [&](ArrayRef<OpFoldResult> sizes) {
    return filledTensor(b, sizes, f32, 0.0);
  };
  auto mulAcc = [](OpBuilder &bb, Location l, ValueRange a) {
    Calc c{bb, l};
    return SmallVector<Value>{c.add(a[2], c.mul(a[0], a[1]))};
  };

  // γ[b,h,r] = Σ_{s<=r} g_s, summed in order; loops (b, h, r, s).
  Value gam =
      generic(b, 4, 3, {{gc, {0, 1, 3}}}, {{zeros({bSz, hSz, n}), {0, 1, 2}}},
              [](OpBuilder &bb, Location l, ValueRange a) {
                Calc c{bb, l};
                Value keep = c.cmp(Pred::ule, c.index(3), c.index(2));
                return SmallVector<Value>{
                    c.add(a[1], c.select(keep, a[0], c.cst(0.0)))};
              })[0];
  // e^{γ_r} and e^{γ_last − γ_r}; loops (b, h, r).
  Value last =
      arith::SubIOp::create(b, n, arith::ConstantIndexOp::create(b, 1));
  Value gLast = sliceAlong(b, gam, 2, last, b.getIndexAttr(1), true); // [B,Hv]
  SmallVector<Value> decays = generic(
      b, 3, kAllParallel, {{gam, {0, 1, 2}}, {gLast, {0, 1}}},
      {{emptyLike(b, gam, f32), {0, 1, 2}},
       {emptyLike(b, gam, f32), {0, 1, 2}}},
      [](OpBuilder &bb, Location l, ValueRange a) {
        Calc c{bb, l};
        return SmallVector<Value>{c.exp(a[0]), c.exp(c.sub(a[1], a[0]))};
      });
  Value eg = decays[0], eTail = decays[1];
  Value eLast = sliceAlong(b, eg, 2, last, b.getIndexAttr(1), true); // [B,Hv]

  // KK[r,s] = k_r·k_s and QK[r,s] = q_r·k_s in one pass; loops (b,h,r,s,i).
  SmallVector<Value> dots = generic(
      b, 5, 4, {{kc, {0, 1, 2, 4}}, {kc, {0, 1, 3, 4}}, {qc, {0, 1, 2, 4}}},
      {{zeros({bSz, hSz, n, n}), {0, 1, 2, 3}},
       {zeros({bSz, hSz, n, n}), {0, 1, 2, 3}}},
      [](OpBuilder &bb, Location l, ValueRange a) {
        Calc c{bb, l};
        return SmallVector<Value>{c.add(a[3], c.mul(a[0], a[1])),
                                  c.add(a[4], c.mul(a[2], a[1]))};
      });
  // D_rs = exp(γ_r − γ_s) for s <= r (the exponent is masked first: above the
  // diagonal it is positive and could overflow);
  // L_rs = β_r KK_rs D_rs for s < r; P_rs = QK_rs D_rs for s <= r.
  SmallVector<Value> lp = generic(
      b, 4, kAllParallel,
      {{dots[0], {0, 1, 2, 3}},
       {dots[1], {0, 1, 2, 3}},
       {bc, {0, 1, 2}},
       {gam, {0, 1, 2}},
       {gam, {0, 1, 3}}},
      {{emptyTensor(b, {bSz, hSz, n, n}, f32), {0, 1, 2, 3}},
       {emptyTensor(b, {bSz, hSz, n, n}, f32), {0, 1, 2, 3}}},
      [](OpBuilder &bb, Location l, ValueRange a) {
        Calc c{bb, l};
        Value r = c.index(2), sIdx = c.index(3);
        Value incl = c.cmp(Pred::ule, sIdx, r);
        Value strict = c.cmp(Pred::ult, sIdx, r);
        Value zero = c.cst(0.0);
        Value decay = c.exp(c.select(incl, c.sub(a[3], a[4]), zero));
        Value lower = c.mul(c.mul(a[2], a[0]), decay);
        return SmallVector<Value>{c.select(strict, lower, zero),
                                  c.select(incl, c.mul(a[1], decay), zero)};
      });
  Value tm = unitLowerInverse(b, lp[0], n);
  Value p = lp[1];

  // U = Tm (β ⊙ V); loops (b, h, r, s, j).
  Value u = generic(
      b, 5, 3, {{tm, {0, 1, 2, 3}}, {bc, {0, 1, 3}}, {vc, {0, 1, 3, 4}}},
      {{zeros({bSz, hSz, n, dvSz}), {0, 1, 2, 4}}},
      [](OpBuilder &bb, Location l, ValueRange a) {
        Calc c{bb, l};
        return SmallVector<Value>{c.add(a[3], c.mul(a[0], c.mul(a[1], a[2])))};
      })[0];
  // W = Tm (β ⊙ e^γ ⊙ K); loops (b, h, r, s, i).
  Value w = generic(b, 5, 3,
                    {{tm, {0, 1, 2, 3}},
                     {bc, {0, 1, 3}},
                     {eg, {0, 1, 3}},
                     {kc, {0, 1, 3, 4}}},
                    {{zeros({bSz, hSz, n, dkSz}), {0, 1, 2, 4}}},
                    [](OpBuilder &bb, Location l, ValueRange a) {
                      Calc c{bb, l};
                      Value coef = c.mul(a[1], a[2]);
                      return SmallVector<Value>{
                          c.add(a[4], c.mul(a[0], c.mul(coef, a[3])))};
                    })[0];
  // V' = U − W S; loops (b, h, r, i, j), accumulated onto U.
  Value vp =
      generic(b, 5, 3, {{w, {0, 1, 2, 3}}, {s, {0, 1, 3, 4}}},
              {{u, {0, 1, 2, 4}}}, [](OpBuilder &bb, Location l, ValueRange a) {
                Calc c{bb, l};
                return SmallVector<Value>{c.sub(a[2], c.mul(a[0], a[1]))};
              })[0];
  // O = (e^γ ⊙ Q) S + P V', accumulated in out's [B, n, Hv, dv] layout;
  // loops (b, h, r, i, j) then (b, h, r, s, j).
  Value o = generic(
      b, 5, 3, {{eg, {0, 1, 2}}, {qc, {0, 1, 2, 3}}, {s, {0, 1, 3, 4}}},
      {{zeros({bSz, n, hSz, dvSz}), {0, 2, 1, 4}}},
      [](OpBuilder &bb, Location l, ValueRange a) {
        Calc c{bb, l};
        return SmallVector<Value>{c.add(a[3], c.mul(c.mul(a[0], a[1]), a[2]))};
      })[0];
  o = generic(b, 5, 3, {{p, {0, 1, 2, 3}}, {vp, {0, 1, 3, 4}}},
              {{o, {0, 2, 1, 4}}}, mulAcc)[0];
  // out[b, t0 + r, h, j] = round(O[b, r, h, j]).
  Value written =
      storeInto(b, o, out, [t0](OpBuilder &bb, Location l, ValueRange ivs) {
        Value t = arith::AddIOp::create(bb, l, t0, ivs[1]);
        return SmallVector<Value>{ivs[0], t, ivs[2], ivs[3]};
      });

  // S ← e^{γ_last} S + (e^{γ_last − γ} ⊙ K)ᵀ V'. The decay is written over S
  // (its last reader, O, is computed), so the yielded state stays in the
  // iter_arg's buffer.
  Value decayed =
      generic(b, 4, kAllParallel, {{eLast, {0, 1}}}, {{s, {0, 1, 2, 3}}},
              [](OpBuilder &bb, Location l, ValueRange a) {
                Calc c{bb, l};
                return SmallVector<Value>{c.mul(a[0], a[1])};
              })[0];
  // Loops (b, h, s, i, j), accumulated onto the decayed state.
  Value next = generic(
      b, 5, 2, {{eTail, {0, 1, 2}}, {kc, {0, 1, 2, 3}}, {vp, {0, 1, 2, 4}}},
      {{decayed, {0, 1, 3, 4}}}, [](OpBuilder &bb, Location l, ValueRange a) {
        Calc c{bb, l};
        return SmallVector<Value>{c.add(a[3], c.mul(c.mul(a[0], a[1]), a[2]))};
      })[0];
  return {next, written};
}

/// Chunks of C rows in order; the last chunk keeps its n = T mod C rows
/// instead of zero-padding (padded rows would change nothing, §2.7 item 9).
/// Same inputs as `recurrent`; returns (final state, out).
std::pair<Value, Value> chunked(ImplicitLocOpBuilder &b, Value q, Value k,
                                Value v, Value g, Value beta, Value state,
                                Value out, int64_t chunkSize) {
  Value zero = arith::ConstantIndexOp::create(b, 0);
  Value step = arith::ConstantIndexOp::create(b, chunkSize);
  Value steps = tensor::DimOp::create(b, v, 2);
  auto loop = scf::ForOp::create(
      b, zero, steps, step, ValueRange{state, out},
      [&](OpBuilder &nb, Location loc, Value t0, ValueRange iter) {
        ImplicitLocOpBuilder lb(loc, nb);
        Value left = arith::SubIOp::create(lb, steps, t0);
        Value n = arith::MinSIOp::create(lb, step, left);
        auto [next, written] =
            chunk(lb, q, k, v, g, beta, iter[0], iter[1], t0, n);
        scf::YieldOp::create(lb, ValueRange{next, written});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

//===----------------------------------------------------------------------===//
// zen.gated_delta_rule
//===----------------------------------------------------------------------===//

// Preprocess once (items 6-7), then run the recurrence in the op's order.
struct GatedDeltaRuleLowering : OpConversionPattern<GatedDeltaRuleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatedDeltaRuleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV();
    Value g = adaptor.getG(), beta = adaptor.getBeta();
    Value state = adaptor.getInitialState();
    Type elem = cast<RankedTensorType>(v.getType()).getElementType();
    Type f32 = b.getF32Type();

    // Make every dim static that any operand knows statically, so the
    // tensors mixed in one generic or loop agree on their types.
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
                       dim(state, 0)});
    int64_t tN =
        pick({dim(q, 1), dim(k, 1), dim(v, 1), dim(g, 1), dim(beta, 1)});
    int64_t hkN = pick({dim(q, 2), dim(k, 2)});
    int64_t hvN = pick({dim(v, 2), dim(g, 2), dim(beta, 2), dim(state, 1)});
    int64_t dkN = pick({dim(q, 3), dim(k, 3), dim(state, 2)});
    int64_t dvN = pick({dim(v, 3), dim(state, 3)});
    q = castTo(b, q, refine(q, {bN, tN, hkN, dkN}));
    k = castTo(b, k, refine(k, {bN, tN, hkN, dkN}));
    v = castTo(b, v, refine(v, {bN, tN, hvN, dvN}));
    g = castTo(b, g, refine(g, {bN, tN, hvN}));
    beta = castTo(b, beta, refine(beta, {bN, tN, hvN}));

    // scale = dk^-0.5 unless given; computed at run time when dk is dynamic.
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
    Value qe = expandHeads(b, q, hv, l2norm, scale);
    Value ke = expandHeads(b, k, hv, l2norm, Value());

    if (state) {
      // The loops update the state in place; copy it first so the caller's
      // initial_state buffer is neither written nor returned as a result.
      state = castTo(b, state, refine(state, {bN, hvN, dkN, dvN}));
      state = linalg::CopyOp::create(b, state, emptyLike(b, state, f32))
                  .getResult(0);
    } else {
      SmallVector<OpFoldResult> sizes = dimsOf(b, q, {0});
      sizes.push_back(hv);
      sizes.push_back(sizesOf(b, q)[3]);
      sizes.push_back(sizesOf(b, v)[3]);
      state = filledTensor(b, sizes, f32, 0.0);
    }
    Value out = emptyLike(b, v, elem);

    Value ve = headMajorF32(b, v);
    Value ge = headMajorF32(b, g), betae = headMajorF32(b, beta);
    auto [finalState, result] =
        op.getMode() == DeltaRuleMode::recurrent
            ? recurrent(b, qe, ke, ve, ge, betae, state, out)
            : chunked(b, qe, ke, ve, ge, betae, state, out, op.getChunkSize());
    rewriter.replaceOp(op,
                       {castTo(b, result, op.getOut().getType()),
                        castTo(b, finalState, op.getFinalState().getType())});
    return success();
  }
};

} // namespace

void mlir::zen::populateZenDeltaRuleToLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<GatedDeltaRuleLowering>(patterns.getContext());
}
