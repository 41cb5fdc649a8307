//===- CPUPlanKernels.cpp - zen-cpu-plan-kernels --------------------------===//
//
// Chooses how every linalg op runs on the CPU and records it as a
// `zen.cpu_schedule` plan (a dictionary attribute) that zen-cpu-apply-schedule
// turns into a transform-dialect schedule. Contractions x · Wᵀ are also
// rewritten here into the layout of their kernel (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "zen/Transforms/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/AllInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "llvm/TargetParser/Host.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENCPUPLANKERNELS
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

constexpr llvm::StringLiteral kPlanAttr = "zen.cpu_schedule";

/// f32 lanes per vector register of the host, as -march=native would use.
unsigned hostVectorWidth() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return 16;
  if (features.lookup("avx2") && features.lookup("fma"))
    return 8;
  return 4;
}

//===----------------------------------------------------------------------===//
// Register tiles
//===----------------------------------------------------------------------===//

/// The register tiles for one vector width (f32 lanes).
struct Tiles {
  unsigned vectorWidth;
  /// Packed GEMM: mr rows x nr columns of f32 accumulators (nr/VL vectors per
  /// row). AVX-512 has 32 registers: 16x16 (16 accumulators, the B row and a
  /// broadcast). AVX2 has 16: 6x16 (12 accumulators, 2 B vectors, one
  /// broadcast), the classic BLIS Haswell shape.
  int64_t packedMr, packedNr;
  /// Dot kernel: mr x nr partial sums, each a vector along K; fewer rows
  /// when the weights are converted in the loop (each converted W vector
  /// needs a register too), fewer again for bf16 pairs (two partial sums per
  /// tile element).
  int64_t dotMr, dotNr, dotMrConverted, dotMrPairs;

  static Tiles forWidth(unsigned vw) {
    if (vw >= 16)
      return {16, 16, 16, 4, 4, 4, 2};
    if (vw == 8)
      return {8, 6, 16, 3, 4, 2, 1};
    return {vw, 4, 8, 2, 4, 2, 1};
  }
};

/// The largest of `candidates` (descending) that divides `size`.
int64_t largestDivisor(int64_t size, ArrayRef<int64_t> candidates) {
  for (int64_t c : candidates)
    if (c > 0 && size % c == 0)
      return c;
  return 1;
}

/// Descending powers of two from `top` down to 1.
SmallVector<int64_t> powersOfTwoDownFrom(int64_t top) {
  SmallVector<int64_t> out;
  for (int64_t c = top; c >= 1; c /= 2)
    out.push_back(c);
  return out;
}

//===----------------------------------------------------------------------===//
// Plans
//===----------------------------------------------------------------------===//

NamedAttribute intAttr(Builder &b, StringRef name, int64_t v) {
  return b.getNamedAttr(name, b.getI64IntegerAttr(v));
}

void setPlan(Operation *op, StringRef kind, ArrayRef<NamedAttribute> params) {
  Builder b(op->getContext());
  SmallVector<NamedAttribute> entries(params.begin(), params.end());
  entries.push_back(b.getNamedAttr("kind", b.getStringAttr(kind)));
  op->setAttr(kPlanAttr, b.getDictionaryAttr(entries));
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

/// y[l..., n] += x[l..., k] * w[n, k] with f32 y, static w; what
/// contractLastDimF32 (zen.linear, LoRA) builds.
struct Contraction {
  linalg::GenericOp op;
  Value x, w, init;
  unsigned numLeading;
  int64_t n, k;
  bool zeroInit;
};

bool isFloatOrExtOf(Value v, Value arg) {
  if (v == arg)
    return true;
  auto ext = v.getDefiningOp<arith::ExtFOp>();
  return ext && ext.getIn() == arg;
}

bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

std::optional<Contraction> matchContraction(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || op->hasAttr(kPlanAttr))
    return std::nullopt;
  Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto wType = dyn_cast<RankedTensorType>(w.getType());
  auto yType = dyn_cast<RankedTensorType>(init.getType());
  if (!xType || !wType || !yType || xType.getRank() < 2 ||
      wType.getRank() != 2 || !wType.hasStaticShape() ||
      yType.getRank() != xType.getRank() || !yType.getElementType().isF32())
    return std::nullopt;
  for (Type t : {xType.getElementType(), wType.getElementType()})
    if (!t.isF32() && !t.isBF16() && !t.isF16())
      return std::nullopt;
  unsigned numLeading = xType.getRank() - 1;
  unsigned numLoops = numLeading + 2;
  if (op.getNumLoops() != numLoops)
    return std::nullopt;
  // Iterators: parallel over the leading dims and n, reduction over k.
  auto iters = op.getIteratorTypesArray();
  for (unsigned i = 0; i + 1 < numLoops; ++i)
    if (iters[i] != utils::IteratorType::parallel)
      return std::nullopt;
  if (iters.back() != utils::IteratorType::reduction)
    return std::nullopt;
  // Maps: x(l..., k), w(n, k), y(l..., n).
  MLIRContext *ctx = op.getContext();
  SmallVector<AffineExpr> xe, ye;
  for (unsigned i = 0; i < numLeading; ++i) {
    xe.push_back(getAffineDimExpr(i, ctx));
    ye.push_back(getAffineDimExpr(i, ctx));
  }
  AffineExpr n = getAffineDimExpr(numLeading, ctx);
  AffineExpr k = getAffineDimExpr(numLeading + 1, ctx);
  xe.push_back(k);
  ye.push_back(n);
  SmallVector<AffineMap> expected = {AffineMap::get(numLoops, 0, xe, ctx),
                                     AffineMap::get(numLoops, 0, {n, k}, ctx),
                                     AffineMap::get(numLoops, 0, ye, ctx)};
  if (op.getIndexingMapsArray() != expected)
    return std::nullopt;
  // Body: yield(out + ext?(a) * ext?(b)), nothing else.
  Block &body = op.getRegion().front();
  if (body.getOperations().size() > 5)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return std::nullopt;
  Value out = body.getArgument(2);
  Value prod = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if ((add.getLhs() == out) == (add.getRhs() == out))
    return std::nullopt;
  auto mul = prod.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  Value a = body.getArgument(0), bArg = body.getArgument(1);
  bool direct = isFloatOrExtOf(mul.getLhs(), a) &&
                isFloatOrExtOf(mul.getRhs(), bArg);
  bool swapped = isFloatOrExtOf(mul.getLhs(), bArg) &&
                 isFloatOrExtOf(mul.getRhs(), a);
  if (!direct && !swapped)
    return std::nullopt;
  return Contraction{op,         x,
                     w,          init,
                     numLeading, wType.getDimSize(0),
                     wType.getDimSize(1), isZeroFill(init)};
}

/// Converts a float scalar to f32.
Value toF32(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isF32())
    return v;
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

/// A zero-filled f32 tensor of `sizes`.
Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.0));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// Elementwise copy of `src` into a new tensor of `elementType`, `convert`
/// computing each element.
Value mapTensor(OpBuilder &b, Location loc, Value src, Type elementType,
                function_ref<Value(OpBuilder &, Location, Value)> convert) {
  auto type = cast<RankedTensorType>(src.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, src);
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
  unsigned rank = type.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  return linalg::GenericOp::create(
             b, loc, empty.getType(), src, empty,
             ArrayRef<AffineMap>{id, id},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(nb, nloc, convert(nb, nloc, args[0]));
             })
      .getResult(0);
}

/// The multiply-accumulate body, on f32 operands. `contract` lets LLVM fuse
/// the multiply and the add (the dot kernel's vectors are plain mul/add; the
/// packed kernel's become vector.fma through vector.contract anyway).
void macBody(OpBuilder &b, Location loc, ValueRange args, bool contract) {
  auto fm = contract ? arith::FastMathFlags::contract
                     : arith::FastMathFlags::none;
  Value prod = arith::MulFOp::create(b, loc, toF32(b, loc, args[0]),
                                     toF32(b, loc, args[1]), fm);
  Value sum = arith::AddFOp::create(b, loc, args[2], prod, fm);
  linalg::YieldOp::create(b, loc, sum);
}

class ContractionPlanner {
public:
  ContractionPlanner(const Tiles &tiles, int64_t packedMinRows)
      : tiles(tiles), packedMinRows(packedMinRows) {}

  /// Rewrites `c` into the dot and/or packed kernels; returns the value
  /// replacing its result.
  Value rewrite(OpBuilder &b, Contraction &c) {
    Location loc = c.op.getLoc();
    // Activations in f32 once (rows are re-read for every column tile).
    Value x = c.x;
    if (!cast<ShapedType>(x.getType()).getElementType().isF32())
      x = mapTensor(b, loc, x, b.getF32Type(), toF32);
    SmallVector<OpFoldResult> lead = tensor::getMixedSizes(b, loc, x);
    lead.pop_back();

    // Rows, static when every leading dim is.
    std::optional<int64_t> staticRows = 1;
    for (OpFoldResult s : lead) {
      std::optional<int64_t> v = getConstantIntValue(s);
      staticRows = (staticRows && v) ? std::optional(*staticRows * *v)
                                     : std::nullopt;
    }
    // The packed kernel writes whole panels: N must be a multiple of nr
    // (every Qwen3 projection is; odd shapes such as LoRA ranks use the dot
    // kernel, whose tiles divide N by construction).
    bool packedOk = c.n % tiles.packedNr == 0;
    Value result;
    if (!packedOk || (staticRows && *staticRows < packedMinRows)) {
      result = buildDot(b, loc, c, x, lead);
    } else if (staticRows) {
      result = buildPacked(b, loc, c, x, lead);
    } else {
      Value rows;
      for (OpFoldResult s : lead) {
        Value size = getValueOrCreateConstantIndexOp(b, loc, s);
        rows = rows ? arith::MulIOp::create(b, loc, rows, size).getResult()
                    : size;
      }
      Value small = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ult, rows,
          arith::ConstantIndexOp::create(b, loc, packedMinRows));
      auto ifOp = scf::IfOp::create(
          b, loc, small,
          [&](OpBuilder &tb, Location tl) {
            scf::YieldOp::create(tb, tl, buildDot(tb, tl, c, x, lead));
          },
          [&](OpBuilder &eb, Location el) {
            scf::YieldOp::create(eb, el, buildPacked(eb, el, c, x, lead));
          });
      result = ifOp.getResult(0);
    }
    if (!c.zeroInit)
      result = addInit(b, loc, result, c.init);
    return result;
  }

private:
  /// The dot kernel: the contraction itself, on f32 x, into a fresh zero
  /// fill (the schedule fuses the fill into the tiles).
  Value buildDot(OpBuilder &b, Location loc, Contraction &c, Value x,
                 ArrayRef<OpFoldResult> lead) {
    SmallVector<OpFoldResult> sizes(lead.begin(), lead.end());
    sizes.push_back(b.getIndexAttr(c.n));
    Value init = zeros(b, loc, sizes);
    Type wElem = cast<ShapedType>(c.w.getType()).getElementType();
    int64_t vw = tiles.vectorWidth;
    bool pairs = wElem.isBF16() && c.k % (2 * vw) == 0;
    auto op = pairs ? buildDotPairs(b, loc, c, x, init)
                    : linalg::GenericOp::create(
                          b, loc, init.getType(), ValueRange{x, c.w}, init,
                          c.op.getIndexingMapsArray(),
                          c.op.getIteratorTypesArray(),
                          [&](OpBuilder &nb, Location nl, ValueRange args) {
                            macBody(nb, nl, args, /*contract=*/true);
                          });
    // nr columns per register tile must divide N (static tiles vectorize);
    // K is consumed in vector-length steps dividing K.
    int64_t nr = largestDivisor(c.n, powersOfTwoDownFrom(tiles.dotNr));
    int64_t kv = pairs ? vw : largestDivisor(c.k, powersOfTwoDownFrom(vw));
    // Columns per parallel task: up to 16 register tiles.
    int64_t chunk = nr * largestDivisor(c.n / nr, {16, 8, 4, 2, 1});
    Builder ab(b.getContext());
    SmallVector<NamedAttribute> params = {
        intAttr(ab, "leading", c.numLeading), intAttr(ab, "chunk", chunk),
        intAttr(ab, "mr", wElem.isF32() ? tiles.dotMr
                          : pairs       ? tiles.dotMrPairs
                                        : tiles.dotMrConverted),
        intAttr(ab, "nr", nr), intAttr(ab, "kv", kv)};
    if (pairs)
      params.push_back(intAttr(ab, "pairs", 1));
    setPlan(op, "dot", params);
    return op.getResult(0);
  }

  /// The dot kernel for bf16 weights, K read in blocks of 2·VL: the weights
  /// as pairs w[n][b][j][kk] (= w[n][b·2VL + 2j + kk]) and the activations
  /// pre-arranged to match, x'[..., b][kk][j]. In registers, one load of 2·VL
  /// bf16 seen as VL i32 gives both halves in f32 with one shift (kk = 0)
  /// and one mask (kk = 1) instead of widening every element
  /// (zen-cpu-apply-schedule rewrites the transposed widening); the dot
  /// product is the same sum in another order.
  linalg::GenericOp buildDotPairs(OpBuilder &b, Location loc, Contraction &c,
                                  Value x, Value init) {
    MLIRContext *ctx = b.getContext();
    Builder ab(ctx);
    unsigned L = c.numLeading;
    int64_t vw = tiles.vectorWidth, blocks = c.k / (2 * vw);
    SmallVector<OpFoldResult> lead = tensor::getMixedSizes(b, loc, x);
    lead.pop_back();
    // x [..., K] -> [..., K/2VL, VL, 2] -> x' [..., K/2VL, 2, VL].
    SmallVector<ReassociationIndices> reassoc;
    for (unsigned i = 0; i < L; ++i)
      reassoc.push_back({static_cast<int64_t>(i)});
    reassoc.push_back({static_cast<int64_t>(L), static_cast<int64_t>(L + 1),
                       static_cast<int64_t>(L + 2)});
    SmallVector<int64_t> xShape(L, ShapedType::kDynamic);
    for (unsigned i = 0; i < L; ++i)
      if (auto v = getConstantIntValue(lead[i]))
        xShape[i] = *v;
    SmallVector<int64_t> expShape = xShape;
    expShape.append({blocks, vw, 2});
    SmallVector<OpFoldResult> expSizes(lead.begin(), lead.end());
    expSizes.append({ab.getIndexAttr(blocks), ab.getIndexAttr(vw),
                     ab.getIndexAttr(2)});
    Value xExp = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(expShape, b.getF32Type()), x, reassoc,
        expSizes);
    SmallVector<OpFoldResult> primeSizes(lead.begin(), lead.end());
    primeSizes.append({ab.getIndexAttr(blocks), ab.getIndexAttr(2),
                       ab.getIndexAttr(vw)});
    Value primeInit =
        tensor::EmptyOp::create(b, loc, primeSizes, b.getF32Type());
    unsigned n3 = L + 3;
    SmallVector<AffineExpr> lx;
    for (unsigned i = 0; i < L; ++i)
      lx.push_back(getAffineDimExpr(i, ctx));
    AffineExpr db = getAffineDimExpr(L, ctx), dkk = getAffineDimExpr(L + 1, ctx),
               dj = getAffineDimExpr(L + 2, ctx);
    SmallVector<AffineExpr> inE = lx, outE = lx;
    inE.append({db, dj, dkk});
    outE.append({db, dkk, dj});
    auto prime = linalg::GenericOp::create(
        b, loc, primeInit.getType(), xExp, primeInit,
        ArrayRef<AffineMap>{AffineMap::get(n3, 0, inE, ctx),
                            AffineMap::get(n3, 0, outE, ctx)},
        SmallVector<utils::IteratorType>(n3, utils::IteratorType::parallel),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(nb, nl, args[0]);
        });
    setPlan(prime, "elementwise",
            {intAttr(ab, "loops", n3), intAttr(ab, "step", vw)});
    // w [N, K] -> [N, K/2VL, VL, 2].
    Value wExp = tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get({c.n, blocks, vw, 2},
                              cast<ShapedType>(c.w.getType()).getElementType()),
        c.w, ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
    // y[l..., n] += x'[l..., b, kk, j] * w[n, b, j, kk].
    unsigned numLoops = L + 4;
    SmallVector<AffineExpr> xe, ye;
    for (unsigned i = 0; i < L; ++i) {
      xe.push_back(getAffineDimExpr(i, ctx));
      ye.push_back(getAffineDimExpr(i, ctx));
    }
    AffineExpr n = getAffineDimExpr(L, ctx), bb = getAffineDimExpr(L + 1, ctx),
               kk = getAffineDimExpr(L + 2, ctx), j = getAffineDimExpr(L + 3, ctx);
    xe.append({bb, kk, j});
    ye.push_back(n);
    SmallVector<utils::IteratorType> iters(numLoops,
                                           utils::IteratorType::reduction);
    for (unsigned i = 0; i <= L; ++i)
      iters[i] = utils::IteratorType::parallel;
    return linalg::GenericOp::create(
        b, loc, init.getType(), ValueRange{prime.getResult(0), wExp}, init,
        ArrayRef<AffineMap>{AffineMap::get(numLoops, 0, xe, ctx),
                            AffineMap::get(numLoops, 0, {n, bb, j, kk}, ctx),
                            AffineMap::get(numLoops, 0, ye, ctx)},
        iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
          macBody(nb, nl, args, /*contract=*/true);
        });
  }

  /// The packed kernel: w -> f32 panels [N/nr][K][nr]; the product over
  /// (l..., n1, k, n0) into [l..., N/nr, nr], collapsed to [l..., N]
  /// (merging two static dims: a plain view after bufferization).
  Value buildPacked(OpBuilder &b, Location loc, Contraction &c, Value x,
                    ArrayRef<OpFoldResult> lead) {
    MLIRContext *ctx = b.getContext();
    Builder ab(ctx);
    int64_t nr = tiles.packedNr;
    int64_t n1 = c.n / nr;
    Value w = c.w;
    Type wElem = cast<ShapedType>(w.getType()).getElementType();
    Value wPanels = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({n1, nr, c.k}, wElem), w,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}});
    // panels[p][k][n0] = f32(w[p * nr + n0][k]).
    Value panelsInit = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{n1, c.k, nr}, b.getF32Type());
    AffineExpr p = getAffineDimExpr(0, ctx), k = getAffineDimExpr(1, ctx),
               n0 = getAffineDimExpr(2, ctx);
    auto pack = linalg::GenericOp::create(
        b, loc, panelsInit.getType(), wPanels, panelsInit,
        ArrayRef<AffineMap>{AffineMap::get(3, 0, {p, n0, k}, ctx),
                            AffineMap::get(3, 0, {p, k, n0}, ctx)},
        SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(nb, nl, toF32(nb, nl, args[0]));
        });
    int64_t packK = largestDivisor(c.k, {8, 4, 2, 1});
    setPlan(pack, "pack",
            {intAttr(ab, "chunk", largestDivisor(n1, {4, 2, 1})),
             intAttr(ab, "kt", packK)});

    // c[l..., p, n0] += x[l..., k] * panels[p, k, n0].
    unsigned L = c.numLeading, numLoops = L + 3;
    SmallVector<AffineExpr> xe, ce;
    for (unsigned i = 0; i < L; ++i) {
      xe.push_back(getAffineDimExpr(i, ctx));
      ce.push_back(getAffineDimExpr(i, ctx));
    }
    AffineExpr dp = getAffineDimExpr(L, ctx), dk = getAffineDimExpr(L + 1, ctx),
               dn0 = getAffineDimExpr(L + 2, ctx);
    xe.push_back(dk);
    ce.append({dp, dn0});
    SmallVector<OpFoldResult> cSizes(lead.begin(), lead.end());
    cSizes.append({b.getIndexAttr(n1), b.getIndexAttr(nr)});
    Value cInit = zeros(b, loc, cSizes);
    SmallVector<utils::IteratorType> iters(numLoops,
                                           utils::IteratorType::parallel);
    iters[L + 1] = utils::IteratorType::reduction;
    auto gemm = linalg::GenericOp::create(
        b, loc, cInit.getType(), ValueRange{x, pack.getResult(0)}, cInit,
        ArrayRef<AffineMap>{AffineMap::get(numLoops, 0, xe, ctx),
                            AffineMap::get(numLoops, 0, {dp, dk, dn0}, ctx),
                            AffineMap::get(numLoops, 0, ce, ctx)},
        iters, [&](OpBuilder &nb, Location nl, ValueRange args) {
          macBody(nb, nl, args, /*contract=*/false);
        });
    setPlan(gemm, "packed",
            {intAttr(ab, "leading", L),
             intAttr(ab, "chunk", largestDivisor(n1, {4, 2, 1})),
             intAttr(ab, "mr", tiles.packedMr), intAttr(ab, "nr", nr)});

    SmallVector<ReassociationIndices> reassoc;
    for (unsigned i = 0; i < L; ++i)
      reassoc.push_back({static_cast<int64_t>(i)});
    reassoc.push_back({static_cast<int64_t>(L), static_cast<int64_t>(L + 1)});
    return tensor::CollapseShapeOp::create(b, loc, gemm.getResult(0),
                                           reassoc);
  }

  /// result + init, elementwise (contractions into a non-zero accumulator).
  Value addInit(OpBuilder &b, Location loc, Value result, Value init) {
    auto type = cast<RankedTensorType>(result.getType());
    unsigned rank = type.getRank();
    AffineMap id = b.getMultiDimIdentityMap(rank);
    return linalg::GenericOp::create(
               b, loc, type, ValueRange{result}, init,
               ArrayRef<AffineMap>{id, id},
               SmallVector<utils::IteratorType>(
                   rank, utils::IteratorType::parallel),
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 Value sum = arith::AddFOp::create(nb, nl, args[1], args[0]);
                 linalg::YieldOp::create(nb, nl, sum);
               })
        .getResult(0);
  }

  Tiles tiles;
  int64_t packedMinRows;
};

//===----------------------------------------------------------------------===//
// Everything else
//===----------------------------------------------------------------------===//

/// Whether the vectorizer can handle every reduction of `op`: each result
/// that is reduced into must be carried by exactly one combiner it knows
/// (add, mul, min, max, and, or, xor). Others (a select-based running
/// argmax, several chained updates) stay scalar rather than failing the
/// transform schedule.
bool reductionsVectorize(linalg::LinalgOp op) {
  for (OpOperand &init : op.getDpsInitsMutable()) {
    if (op.getMatchingIndexingMap(&init).isPermutation())
      continue;
    SmallVector<Operation *> combiners;
    unsigned position = init.getOperandNumber() - op.getNumDpsInputs();
    if (!matchReduction(op.getRegionOutputArgs(), position, combiners) ||
        combiners.size() != 1 || !linalg::getCombinerOpKind(combiners[0]))
      return false;
  }
  return true;
}

/// The loop whose iterations an "elementwise" or "reduction" plan runs as
/// tasks across the cores: the first static parallel loop of at least two
/// iterations that indexes every result, with only parallel loops outside
/// it, not the innermost. Only for ops with two or more dynamic loops, whose
/// work grows with tokens × tokens or batch × tokens (attention's scores,
/// p·v and their gradients, split by KV head); smaller ops run in order,
/// since a task per op would cost more than it saves. Each element is
/// computed as before, by one task, so results do not change.
std::optional<unsigned> taskLoop(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::count_if(ranges, ShapedType::isDynamic) < 2)
    return std::nullopt;
  auto iters = op.getIteratorTypesArray();
  for (unsigned i = 0; i + 1 < ranges.size(); ++i) {
    if (iters[i] != utils::IteratorType::parallel)
      return std::nullopt;
    if (ShapedType::isDynamic(ranges[i]) || ranges[i] < 2)
      continue;
    for (OpOperand &init : op.getDpsInitsMutable())
      if (!op.getMatchingIndexingMap(&init).isFunctionOfDim(i))
        return std::nullopt;
    return i;
  }
  return std::nullopt;
}

/// Plans an op with a static innermost loop: the outer loops tiled by 1, the
/// innermost by a vector-sized step ("elementwise" when the innermost loop is
/// parallel, whatever the outer ones are; "reduction" when only the innermost
/// reduces: partial sums in vectors, reduced once). Others keep scalar loops.
/// With `parallel`, large ops also get a `task_loop` (see taskLoop).
void planOther(linalg::LinalgOp op, unsigned vectorWidth, bool parallel) {
  if (op->hasAttr(kPlanAttr) || !op.hasPureTensorSemantics() ||
      op.getNumLoops() == 0)
    return;
  // Fills that initialise a planned kernel are fused into its tiles.
  if (isa<linalg::FillOp>(op))
    for (Operation *user : op->getUsers())
      if (user->hasAttr(kPlanAttr))
        return;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t inner = ranges.back();
  if (ShapedType::isDynamic(inner) || inner < 2 || !reductionsVectorize(op))
    return;
  auto iters = op.getIteratorTypesArray();
  unsigned numLoops = iters.size();
  Builder b(op.getContext());
  SmallVector<NamedAttribute> tasks;
  if (std::optional<unsigned> loop = parallel ? taskLoop(op) : std::nullopt)
    tasks.push_back(intAttr(b, "task_loop", *loop));
  // A parallel innermost loop under reductions (attention's p·v: keys
  // outside the head dim) is elementwise in its tiles too: the outer loops
  // run one step at a time, in order, so every sum keeps its order.
  if (iters.back() == utils::IteratorType::parallel) {
    int64_t step = largestDivisor(inner, powersOfTwoDownFrom(4 * vectorWidth));
    SmallVector<NamedAttribute> params = {intAttr(b, "loops", numLoops),
                                          intAttr(b, "step", step)};
    params.append(tasks);
    setPlan(op, "elementwise", params);
    return;
  }
  for (unsigned i = 0; i + 1 < numLoops; ++i)
    if (iters[i] != utils::IteratorType::parallel)
      return;
  // Single reductions only (one init, one result).
  if (op.getNumDpsInits() != 1)
    return;
  int64_t step = largestDivisor(inner, powersOfTwoDownFrom(vectorWidth));
  SmallVector<NamedAttribute> params = {intAttr(b, "loops", numLoops),
                                        intAttr(b, "step", step)};
  params.append(tasks);
  setPlan(op, "reduction", params);
}

struct ZenCPUPlanKernelsPass
    : zen::impl::ZenCPUPlanKernelsBase<ZenCPUPlanKernelsPass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // Bufferization and tiling models of what this pass creates, for drivers
    // that do not register every upstream extension (zen-compile).
    linalg::registerAllDialectInterfaceImplementations(registry);
    arith::registerBufferizableOpInterfaceExternalModels(registry);
    scf::registerBufferizableOpInterfaceExternalModels(registry);
    tensor::registerBufferizableOpInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    unsigned vw = vectorWidth ? vectorWidth : hostVectorWidth();
    if (vw & (vw - 1)) {
      getOperation().emitError()
          << "zen-cpu-plan-kernels: vector-width must be a power of two, got "
          << vw;
      return signalPassFailure();
    }
    Tiles tiles = Tiles::forWidth(vw);
    ContractionPlanner planner(tiles, packedMinRows);

    SmallVector<linalg::GenericOp> contractions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (matchContraction(op))
        contractions.push_back(op);
    });
    for (linalg::GenericOp op : contractions) {
      // Matched again: an earlier rewrite may have replaced an operand (LoRA
      // chains two contractions).
      std::optional<Contraction> match = matchContraction(op);
      if (!match)
        continue;
      Contraction &c = *match;
      OpBuilder b(c.op);
      Value replacement = planner.rewrite(b, c);
      c.op.getResult(0).replaceAllUsesWith(replacement);
      c.op.erase();
      // The old zero init may be dead now.
      if (auto fill = c.init.getDefiningOp<linalg::FillOp>())
        if (fill->use_empty())
          fill.erase();
    }
    if (otherOps)
      getOperation().walk([&](linalg::LinalgOp op) {
        planOther(op, tiles.vectorWidth, parallel);
      });
    if (parallel)
      getOperation()->setAttr("zen.cpu_parallel",
                              UnitAttr::get(&getContext()));
  }
};

} // namespace
