//===- LinalgBuilders.cpp - building blocks for Zen lowerings -------------===//

#include "LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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
