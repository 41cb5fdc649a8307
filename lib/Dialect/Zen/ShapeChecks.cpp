//===- ShapeChecks.cpp - shape checks shared by Zen verifiers -------------===//

#include "ShapeChecks.h"

#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::zen;
using namespace mlir::zen::shape;

static int64_t normalise(int64_t dim, int64_t rank) {
  return dim < 0 ? dim + rank : dim;
}

static std::string labelText(StringRef label) {
  return label.empty() ? std::string() : (" (" + label + ")").str();
}

int64_t Named::dim(int64_t d) const {
  return type.getDimSize(normalise(d, type.getRank()));
}

LogicalResult shape::expectRank(Operation *op, const Named &t, int64_t rank,
                                StringRef layout) {
  if (t.rank() == rank)
    return success();
  return op->emitOpError() << "expects " << t.name << " to have rank " << rank
                           << " " << layout << ", found " << t.type << " of rank "
                           << t.rank();
}

LogicalResult shape::expectMinRank(Operation *op, const Named &t, int64_t rank,
                                   StringRef layout) {
  if (t.rank() >= rank)
    return success();
  return op->emitOpError() << "expects " << t.name << " to have rank >= "
                           << rank << " " << layout << ", found " << t.type
                           << " of rank " << t.rank();
}

LogicalResult shape::expectDimsMatch(Operation *op, const Named &a,
                                     int64_t aDim, StringRef aLabel,
                                     const Named &b, int64_t bDim,
                                     StringRef bLabel) {
  int64_t ad = normalise(aDim, a.rank()), bd = normalise(bDim, b.rank());
  int64_t as = a.type.getDimSize(ad), bs = b.type.getDimSize(bd);
  if (ShapedType::isDynamic(as) || ShapedType::isDynamic(bs) || as == bs)
    return success();
  return op->emitOpError() << a.name << " dim " << ad << labelText(aLabel)
                           << " must match " << b.name << " dim " << bd
                           << labelText(bLabel) << ": expected " << bs
                           << ", found " << as;
}

LogicalResult shape::expectDimEquals(Operation *op, const Named &t, int64_t dim,
                                     StringRef label, int64_t expected) {
  int64_t d = normalise(dim, t.rank());
  int64_t size = t.type.getDimSize(d);
  if (ShapedType::isDynamic(size) || size == expected)
    return success();
  return op->emitOpError() << t.name << " dim " << d << labelText(label)
                           << ": expected " << expected << ", found " << size;
}

LogicalResult shape::expectDimDivisibleBy(Operation *op, const Named &t,
                                          int64_t dim, StringRef label,
                                          int64_t divisor,
                                          StringRef divisorLabel) {
  int64_t d = normalise(dim, t.rank());
  int64_t size = t.type.getDimSize(d);
  if (ShapedType::isDynamic(size) || ShapedType::isDynamic(divisor))
    return success();
  if (divisor > 0 && size % divisor == 0)
    return success();
  return op->emitOpError() << t.name << " dim " << d << labelText(label)
                           << " must be a multiple of " << divisorLabel
                           << ": expected a multiple of " << divisor
                           << ", found " << size;
}

LogicalResult shape::expectSameElementType(Operation *op, const Named &a,
                                           const Named &b) {
  if (a.type.getElementType() == b.type.getElementType())
    return success();
  return op->emitOpError() << "expects " << a.name << " and " << b.name
                           << " to have the same element type, found "
                           << a.type.getElementType() << " and "
                           << b.type.getElementType();
}

LogicalResult shape::expectSameShape(Operation *op, const Named &a,
                                     const Named &b) {
  if (a.rank() != b.rank())
    return op->emitOpError() << "expects " << a.name << " and " << b.name
                             << " to have the same rank, found " << a.rank()
                             << " and " << b.rank();
  for (int64_t d = 0; d < a.rank(); ++d)
    if (failed(expectDimsMatch(op, a, d, "", b, d, "")))
      return failure();
  return success();
}

RankedTensorType shape::withDim(RankedTensorType a, int64_t dim, int64_t size) {
  SmallVector<int64_t> dims(a.getShape());
  dims[normalise(dim, a.getRank())] = size;
  return RankedTensorType::get(dims, a.getElementType());
}

LogicalResult shape::verifyLastDimNorm(Operation *op, Value input,
                                       Value weight, FloatAttr eps) {
  Named in = named("input", input), w = named("weight", weight);
  if (failed(expectMinRank(op, in, 1, "[..., D]")) ||
      failed(expectRank(op, w, 1, "[D]")) ||
      failed(expectDimsMatch(op, w, 0, "D", in, -1, "D")) ||
      failed(expectSameElementType(op, w, in)))
    return failure();
  if (!(eps.getValueAsDouble() > 0.0))
    return op->emitOpError() << "expects eps > 0, found " << eps;
  return success();
}
