//===- LinalgBuilders.h - building blocks for Zen lowerings -----*- C++ -*-===//
//
// Small builders the Zen -> linalg patterns share: empty/filled tensors with
// the dynamic sizes of an existing value, f32 promotion of scalars (Zen
// accumulates norms, softmaxes and reductions in f32 like HF), and generic
// ops over "all parallel + last dim reduced" iteration spaces.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_LIB_CONVERSION_ZENTOLINALG_LINALGBUILDERS_H
#define ZEN_LIB_CONVERSION_ZENTOLINALG_LINALGBUILDERS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

namespace mlir::zen::lowering {

/// The sizes of `value` (static as attributes, dynamic as tensor.dim).
SmallVector<OpFoldResult> sizesOf(ImplicitLocOpBuilder &b, Value value);

/// tensor.empty with `sizes` and `elementType`.
Value emptyTensor(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                  Type elementType);
/// tensor.empty shaped like `like` (optionally dropping its last dim).
Value emptyLike(ImplicitLocOpBuilder &b, Value like, Type elementType,
                bool dropLastDim = false);
/// A tensor of `sizes` filled with `value`.
Value filledTensor(ImplicitLocOpBuilder &b, ArrayRef<OpFoldResult> sizes,
                   Type elementType, double value);

/// Converts a float scalar to `to` (extf/truncf; identity when equal).
Value castFloat(OpBuilder &b, Location loc, Value scalar, Type to);
/// Converts an integer or float scalar to f32.
Value toF32(OpBuilder &b, Location loc, Value scalar);

/// An f32 constant.
Value f32Const(OpBuilder &b, Location loc, double value);

/// `n` parallel iterators.
SmallVector<utils::IteratorType> parallelIterators(unsigned n);
/// `n - 1` parallel iterators and a trailing reduction.
SmallVector<utils::IteratorType> lastReducedIterators(unsigned n);

/// The identity map of rank `n`, and the map dropping its last dim.
AffineMap identityMap(MLIRContext *ctx, unsigned n);
AffineMap dropLastDimMap(MLIRContext *ctx, unsigned n);
/// The map selecting only the last of `n` dims (weights broadcast over rows).
AffineMap lastDimMap(MLIRContext *ctx, unsigned n);
/// An affine map over `numLoops` loops with the given results.
AffineMap loopMap(MLIRContext *ctx, unsigned numLoops,
                  ArrayRef<AffineExpr> results);

/// `value` with its static dim `dim` split into (outer, inner) sizes
/// [size / inner, inner] (tensor.expand_shape; the other dims, dynamic ones
/// included, stay whole). Attention and its backward split the query heads
/// nh into (nkv, n_rep) so that a query head's KV head is a loop index, not
/// j // n_rep: indexing maps stay projected permutations, which the CPU code
/// generation vectorizes (it leaves others as scalar loops).
Value splitDim(ImplicitLocOpBuilder &b, Value value, unsigned dim,
               int64_t inner);
/// The inverse of splitDim: dims `dim` and `dim + 1` (both static) merged.
Value mergeDims(ImplicitLocOpBuilder &b, Value value, unsigned dim);

/// Sum over the last dim of `input` of f(x) accumulated in f32, where
/// `term(b, loc, xF32)` computes f on the promoted element. Result: f32 tensor
/// with `input`'s shape minus its last dim.
Value reduceLastDimF32(
    ImplicitLocOpBuilder &b, Value input,
    function_ref<Value(OpBuilder &, Location, Value)> term);

/// x [..., K] · w[N, K]ᵀ accumulated in f32: an f32 [..., N] tensor. One
/// linalg.generic contraction over all leading dims: no reshapes, because
/// splitting a dynamic dim into two dynamic dims crashes 22.1's
/// expand-strided-metadata after bufferization.
Value contractLastDimF32(ImplicitLocOpBuilder &b, Value x, Value w);

/// wᵀ of a 2-D tensor (a copy generic). Puts y = x·w (a reduction over w's
/// first dim) in the x·Wᵀ form of the GEMM kernels: contractLastDimF32(x,
/// transpose2D(w)); the copy is small next to the contraction.
Value transpose2D(ImplicitLocOpBuilder &b, Value w);

/// Σ over every leading (row) index of a[..., m] · c[..., n], in f32: an f32
/// [M, N] tensor; the form of every weight gradient (dW = Σ dyᵀ x). The CPU
/// codegen's GEMM kernels take x·Wᵀ contractions whose W [N, K] is static,
/// and here K is the (dynamic) number of rows. So both sides are transposed
/// to [M, R] and [N, R], zero-padded to whole chunks of kRowChunk rows, and
/// the product is summed over an scf.for of static [M, C]·[N, C]ᵀ GEMMs
/// (the copies move (M + N)·R elements against the M·N·R of the product).
Value rowsOuterF32(ImplicitLocOpBuilder &b, Value a, Value c);

/// Elementwise float conversion of a whole tensor (identity when equal).
Value castTensor(ImplicitLocOpBuilder &b, Value tensor, Type elementType);

//===----------------------------------------------------------------------===//
// Scalar builders for linalg.generic bodies (all f32 unless stated)
//===----------------------------------------------------------------------===//

/// `value` (an f32 or an `elem` scalar) rounded to `elem`, as f32: the value
/// HF holds after an op whose result is stored in the activation dtype.
/// Identity for f32.
Value roundThrough(OpBuilder &b, Location loc, Value value, Type elem);
/// sigmoid(x) = 1 / (1 + exp(-x)); exp overflow gives 0, not NaN.
Value sigmoidF32(OpBuilder &b, Location loc, Value x);
/// silu(g) = g / (1 + exp(-g)), torch's CPU formula (very negative g gives
/// g / inf = -0, never NaN).
Value siluF32(OpBuilder &b, Location loc, Value g);
/// An index constant.
Value indexConst(OpBuilder &b, Location loc, int64_t value);
/// linalg.yield of one value.
void yieldValue(OpBuilder &b, Location loc, Value value);

} // namespace mlir::zen::lowering

#endif // ZEN_LIB_CONVERSION_ZENTOLINALG_LINALGBUILDERS_H
