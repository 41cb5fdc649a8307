//===- LinalgBuilders.cpp - building blocks for Zen lowerings -------------===//

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::lowering;

SmallVector<OpFoldResult> lowering::sizesOf(ImplicitLocOpBuilder &b,
                                            Value value) {
  return tensor::getMixedSizes(b, b.getLoc(), value);
}

Value lowering::emptyTensor(ImplicitLocOpBuilder &b,
                            ArrayRef<OpFoldResult> sizes, Type elementType) {
  return tensor::EmptyOp::create(b, sizes, elementType);
}

Value lowering::emptyLike(ImplicitLocOpBuilder &b, Value like,
                          Type elementType, bool dropLastDim) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, like);
  if (dropLastDim)
    sizes.pop_back();
  return emptyTensor(b, sizes, elementType);
}

Value lowering::filledTensor(ImplicitLocOpBuilder &b,
                             ArrayRef<OpFoldResult> sizes, Type elementType,
                             double value) {
  Value empty = emptyTensor(b, sizes, elementType);
  Value scalar = arith::ConstantOp::create(
      b, elementType, b.getFloatAttr(elementType, value));
  return linalg::FillOp::create(b, scalar, empty).getResult(0);
}

Value lowering::castFloat(OpBuilder &b, Location loc, Value scalar, Type to) {
  Type from = scalar.getType();
  if (from == to)
    return scalar;
  if (cast<FloatType>(from).getWidth() < cast<FloatType>(to).getWidth())
    return arith::ExtFOp::create(b, loc, to, scalar);
  return arith::TruncFOp::create(b, loc, to, scalar);
}

Value lowering::toF32(OpBuilder &b, Location loc, Value scalar) {
  Type f32 = b.getF32Type();
  if (isa<FloatType>(scalar.getType()))
    return castFloat(b, loc, scalar, f32);
  if (scalar.getType().isInteger(1))
    return arith::UIToFPOp::create(b, loc, f32, scalar);
  return arith::SIToFPOp::create(b, loc, f32, scalar);
}

Value lowering::f32Const(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(b, loc, b.getF32Type(),
                                   b.getF32FloatAttr(value));
}

SmallVector<utils::IteratorType> lowering::parallelIterators(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

SmallVector<utils::IteratorType> lowering::lastReducedIterators(unsigned n) {
  SmallVector<utils::IteratorType> iters = parallelIterators(n);
  iters.back() = utils::IteratorType::reduction;
  return iters;
}

AffineMap lowering::identityMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::getMultiDimIdentityMap(n, ctx);
}

AffineMap lowering::dropLastDimMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::getMultiDimIdentityMap(n, ctx).dropResult(n - 1);
}

AffineMap lowering::lastDimMap(MLIRContext *ctx, unsigned n) {
  return AffineMap::get(n, 0, getAffineDimExpr(n - 1, ctx));
}

AffineMap lowering::loopMap(MLIRContext *ctx, unsigned numLoops,
                            ArrayRef<AffineExpr> results) {
  return AffineMap::get(numLoops, 0, results, ctx);
}

Value lowering::splitDim(ImplicitLocOpBuilder &b, Value value, unsigned dim,
                         int64_t inner) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> sizes = sizesOf(b, value), outSizes;
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> reassoc;
  for (unsigned i = 0; i < sizes.size(); ++i) {
    int64_t first = outSizes.size();
    if (i == dim) {
      int64_t size = type.getDimSize(i);
      outSizes.append({b.getIndexAttr(size / inner), b.getIndexAttr(inner)});
      shape.append({size / inner, inner});
      reassoc.push_back({first, first + 1});
      continue;
    }
    outSizes.push_back(sizes[i]);
    shape.push_back(type.getDimSize(i));
    reassoc.push_back({first});
  }
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), value, reassoc,
      outSizes);
}

Value lowering::mergeDims(ImplicitLocOpBuilder &b, Value value, unsigned dim) {
  unsigned rank = cast<RankedTensorType>(value.getType()).getRank();
  SmallVector<ReassociationIndices> reassoc;
  for (unsigned i = 0; i < rank; ++i) {
    if (i == dim + 1)
      continue;
    if (i == dim)
      reassoc.push_back({static_cast<int64_t>(i), static_cast<int64_t>(i + 1)});
    else
      reassoc.push_back({static_cast<int64_t>(i)});
  }
  return tensor::CollapseShapeOp::create(b, value, reassoc);
}

Value lowering::reduceLastDimF32(
    ImplicitLocOpBuilder &b, Value input,
    function_ref<Value(OpBuilder &, Location, Value)> term) {
  auto type = cast<RankedTensorType>(input.getType());
  unsigned rank = type.getRank();
  SmallVector<OpFoldResult> sizes = sizesOf(b, input);
  sizes.pop_back();
  Value init = filledTensor(b, sizes, b.getF32Type(), 0.0);
  MLIRContext *ctx = b.getContext();
  return linalg::GenericOp::create(
             b, init.getType(), input, init,
             ArrayRef<AffineMap>{identityMap(ctx, rank),
                                 dropLastDimMap(ctx, rank)},
             lastReducedIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value x = toF32(nb, loc, args[0]);
               Value sum = arith::AddFOp::create(nb, loc, args[1],
                                                 term(nb, loc, x));
               linalg::YieldOp::create(nb, loc, sum);
             })
      .getResult(0);
}

Value lowering::contractLastDimF32(ImplicitLocOpBuilder &b, Value x,
                                   Value w) {
  auto xType = cast<RankedTensorType>(x.getType());
  unsigned rank = xType.getRank(); // loops: rank - 1 leading, n, k
  unsigned numLoops = rank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> xExprs, wExprs, yExprs;
  for (unsigned i = 0; i + 1 < rank; ++i) {
    xExprs.push_back(getAffineDimExpr(i, ctx));
    yExprs.push_back(getAffineDimExpr(i, ctx));
  }
  AffineExpr n = getAffineDimExpr(rank - 1, ctx), k = getAffineDimExpr(rank, ctx);
  xExprs.push_back(k);
  wExprs = {n, k};
  yExprs.push_back(n);
  SmallVector<OpFoldResult> sizes = sizesOf(b, x);
  sizes.back() = sizesOf(b, w)[0];
  Value init = filledTensor(b, sizes, b.getF32Type(), 0.0);
  auto iters = parallelIterators(numLoops);
  iters.back() = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, init.getType(), ValueRange{x, w}, init,
             ArrayRef<AffineMap>{AffineMap::get(numLoops, 0, xExprs, ctx),
                                 AffineMap::get(numLoops, 0, wExprs, ctx),
                                 AffineMap::get(numLoops, 0, yExprs, ctx)},
             iters,
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               Value prod = arith::MulFOp::create(nb, loc, toF32(nb, loc, args[0]),
                                                  toF32(nb, loc, args[1]));
               Value sum = arith::AddFOp::create(nb, loc, args[2], prod);
               linalg::YieldOp::create(nb, loc, sum);
             })
      .getResult(0);
}

Value lowering::castTensor(ImplicitLocOpBuilder &b, Value tensor,
                           Type elementType) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getElementType() == elementType)
    return tensor;
  unsigned rank = type.getRank();
  Value init = emptyLike(b, tensor, elementType);
  MLIRContext *ctx = b.getContext();
  return linalg::GenericOp::create(
             b, init.getType(), tensor, init,
             ArrayRef<AffineMap>{identityMap(ctx, rank), identityMap(ctx, rank)},
             parallelIterators(rank),
             [&](OpBuilder &nb, Location loc, ValueRange args) {
               linalg::YieldOp::create(
                   nb, loc, castFloat(nb, loc, args[0], elementType));
             })
      .getResult(0);
}


Value lowering::roundThrough(OpBuilder &b, Location loc, Value value,
                             Type elem) {
  return toF32(b, loc, castFloat(b, loc, value, elem));
}

Value lowering::sigmoidF32(OpBuilder &b, Location loc, Value x) {
  Value one = f32Const(b, loc, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one,
                               arith::AddFOp::create(b, loc, one, e));
}

Value lowering::siluF32(OpBuilder &b, Location loc, Value g) {
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, g));
  Value denom = arith::AddFOp::create(b, loc, f32Const(b, loc, 1.0), e);
  return arith::DivFOp::create(b, loc, g, denom);
}

Value lowering::indexConst(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

void lowering::yieldValue(OpBuilder &b, Location loc, Value value) {
  linalg::YieldOp::create(b, loc, ValueRange{value});
}

//===----------------------------------------------------------------------===//
// Row reductions (weight gradients)
//===----------------------------------------------------------------------===//

/// rowsOuterF32 as one generic: loops (m, n, rows...), the rows reduced.
static Value rowsOuterGenericF32(ImplicitLocOpBuilder &b, Value a, Value c) {
  unsigned rank = cast<RankedTensorType>(a.getType()).getRank();
  unsigned numLead = rank - 1, numLoops = rank + 1;
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> aExprs, cExprs;
  for (unsigned i = 0; i < numLead; ++i) {
    aExprs.push_back(getAffineDimExpr(2 + i, ctx));
    cExprs.push_back(getAffineDimExpr(2 + i, ctx));
  }
  aExprs.push_back(getAffineDimExpr(0, ctx));
  cExprs.push_back(getAffineDimExpr(1, ctx));
  Value init = filledTensor(b, {sizesOf(b, a).back(), sizesOf(b, c).back()},
                            b.getF32Type(), 0.0);
  SmallVector<utils::IteratorType> iters(numLoops,
                                         utils::IteratorType::reduction);
  iters[0] = iters[1] = utils::IteratorType::parallel;
  return linalg::GenericOp::create(
             b, init.getType(), ValueRange{a, c}, init,
             ArrayRef<AffineMap>{AffineMap::get(numLoops, 0, aExprs, ctx),
                                 AffineMap::get(numLoops, 0, cExprs, ctx),
                                 AffineMap::get(numLoops, 0,
                                                {getAffineDimExpr(0, ctx),
                                                 getAffineDimExpr(1, ctx)},
                                                ctx)},
             iters,
             [](OpBuilder &nb, Location loc, ValueRange args) {
               Value prod = arith::MulFOp::create(
                   nb, loc, toF32(nb, loc, args[0]), toF32(nb, loc, args[1]));
               yieldValue(nb, loc,
                          arith::AddFOp::create(nb, loc, args[2], prod));
             })
      .getResult(0);
}

/// a[r..., m] as [m, R] (R = the product of the row dims): a copy generic
/// into [m, r...] and a collapse of the rows.
static Value rowsLastCollapsed(ImplicitLocOpBuilder &b, Value a) {
  unsigned rank = cast<RankedTensorType>(a.getType()).getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = sizesOf(b, a);
  SmallVector<OpFoldResult> outSizes = {sizes.back()};
  outSizes.append(sizes.begin(), sizes.end() - 1);
  SmallVector<AffineExpr> readExprs; // loops (m, r...) read a[r..., m]
  for (unsigned i = 1; i < rank; ++i)
    readExprs.push_back(getAffineDimExpr(i, ctx));
  readExprs.push_back(getAffineDimExpr(0, ctx));
  Value init = emptyTensor(b, outSizes, getElementTypeOrSelf(a));
  Value t = linalg::GenericOp::create(
                b, init.getType(), a, init,
                ArrayRef<AffineMap>{AffineMap::get(rank, 0, readExprs, ctx),
                                    identityMap(ctx, rank)},
                parallelIterators(rank),
                [](OpBuilder &nb, Location loc, ValueRange args) {
                  yieldValue(nb, loc, args[0]);
                })
                .getResult(0);
  if (rank == 2)
    return t;
  ReassociationIndices rows;
  for (unsigned i = 1; i < rank; ++i)
    rows.push_back(i);
  return tensor::CollapseShapeOp::create(
      b, t, SmallVector<ReassociationIndices>{{0}, rows});
}

/// Rows per step of a chunked weight-gradient reduction.
static constexpr int64_t kRowChunk = 256;

Value lowering::transpose2D(ImplicitLocOpBuilder &b, Value w) {
  SmallVector<OpFoldResult> sizes = sizesOf(b, w);
  Value init = emptyTensor(b, {sizes[1], sizes[0]},
                           cast<RankedTensorType>(w.getType()).getElementType());
  MLIRContext *ctx = b.getContext();
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  return linalg::GenericOp::create(
             b, init.getType(), w, init,
             ArrayRef<AffineMap>{AffineMap::get(2, 0, {d1, d0}, ctx),
                                 identityMap(ctx, 2)},
             parallelIterators(2),
             [](OpBuilder &nb, Location loc, ValueRange args) {
               yieldValue(nb, loc, args[0]);
             })
      .getResult(0);
}

Value lowering::rowsOuterF32(ImplicitLocOpBuilder &b, Value a, Value c) {
  int64_t M = cast<RankedTensorType>(a.getType()).getShape().back();
  int64_t N = cast<RankedTensorType>(c.getType()).getShape().back();
  if (ShapedType::isDynamic(M) || ShapedType::isDynamic(N))
    return rowsOuterGenericF32(b, a, c);
  Value aT = rowsLastCollapsed(b, a), cT = rowsLastCollapsed(b, c);
  // Rows and padded rows: attributes when static (slice sizes must then
  // agree with the static types), values otherwise.
  OpFoldResult rows = sizesOf(b, aT)[1], padded;
  Value chunk = arith::ConstantIndexOp::create(b, kRowChunk);
  if (std::optional<int64_t> r = getConstantIntValue(rows))
    padded = b.getIndexAttr(llvm::divideCeil(*r, kRowChunk) * kRowChunk);
  else
    padded = arith::MulIOp::create(
                 b, arith::CeilDivUIOp::create(b, cast<Value>(rows), chunk),
                 chunk)
                 .getResult();
  Value paddedValue = getValueOrCreateConstantIndexOp(b, b.getLoc(), padded);
  auto one = b.getIndexAttr(1), zero = b.getIndexAttr(0);
  auto padTo = [&](Value t, int64_t lead) {
    Value zeros = filledTensor(b, {b.getIndexAttr(lead), padded},
                               getElementTypeOrSelf(t), 0.0);
    return tensor::InsertSliceOp::create(
        b, t, zeros, ArrayRef<OpFoldResult>{zero, zero},
        ArrayRef<OpFoldResult>{b.getIndexAttr(lead), rows},
        ArrayRef<OpFoldResult>{one, one});
  };
  Value aP = padTo(aT, M), cP = padTo(cT, N);
  Value init = filledTensor(b, {b.getIndexAttr(M), b.getIndexAttr(N)},
                            b.getF32Type(), 0.0);
  auto loop = scf::ForOp::create(
      b, arith::ConstantIndexOp::create(b, 0), paddedValue, chunk,
      ValueRange{init},
      [&](OpBuilder &lb, Location l, Value r0, ValueRange iter) {
        ImplicitLocOpBuilder ib(l, lb);
        auto chunkOf = [&](Value t, int64_t lead) {
          return tensor::ExtractSliceOp::create(
              ib, t, ArrayRef<OpFoldResult>{zero, r0},
              ArrayRef<OpFoldResult>{ib.getIndexAttr(lead),
                                     ib.getIndexAttr(kRowChunk)},
              ArrayRef<OpFoldResult>{one, one});
        };
        Value part = contractLastDimF32(ib, chunkOf(aP, M), chunkOf(cP, N));
        // In place into the carried sum, so the loop bufferizes in place.
        MLIRContext *ctx = ib.getContext();
        Value sum =
            linalg::GenericOp::create(
                ib, iter[0].getType(), part, iter[0],
                ArrayRef<AffineMap>{identityMap(ctx, 2), identityMap(ctx, 2)},
                parallelIterators(2),
                [](OpBuilder &nb, Location nl, ValueRange args) {
                  yieldValue(nb, nl,
                             arith::AddFOp::create(nb, nl, args[1], args[0]));
                })
                .getResult(0);
        scf::YieldOp::create(ib, sum);
      });
  return loop.getResult(0);
}
