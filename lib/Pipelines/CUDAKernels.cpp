//===- CUDAKernels.cpp - the passes of zen-cuda-pipeline ------------------===//
//
// Host memrefs -> gpu.launch regions (CUDAPipeline.h, stages 2-4 and 6):
//   zen-cuda-gemm-to-mma   contractions -> tensor-core kernels (mma.sync)
//   ZenCUDARegisterTranslations  LLVM IR translations gpu-module-to-binary
//                          needs (zen-opt registers none)
//   zen-cuda-map-loops     outermost scf.parallel -> one thread per point
//   zen-cuda-host-memory   host buffers in managed memory
//   ZenCUDAMarkTarget      "target": "cuda" in the ABI metadata
//
//===----------------------------------------------------------------------===//

#include "zen/Pipelines/CUDAPipeline.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::zen;

namespace {

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// Host code: not inside a kernel region or a device module.
bool isHostOp(Operation *op) {
  return !op->getParentOfType<gpu::LaunchOp>() &&
         !op->getParentOfType<gpu::GPUModuleOp>();
}

Value idx(ImplicitLocOpBuilder &b, int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

/// A gpu.launch with a 1-D block of `threads` and a (gx, gy) grid; the
/// builder is left at the start of its body, whose terminator exists.
gpu::LaunchOp createLaunch(ImplicitLocOpBuilder &b, Value gx, Value gy,
                           int64_t threads) {
  Value one = idx(b, 1);
  auto launch = gpu::LaunchOp::create(b, gx, gy, one, idx(b, threads), one,
                                      one);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  return launch;
}

//===----------------------------------------------------------------------===//
// zen-cuda-gemm-to-mma
//===----------------------------------------------------------------------===//

/// A contraction C[...] += A[...] * B[...] on memrefs whose last loop k is
/// the only reduction and whose last parallel loop n indexes B and C but not
/// A: zen.linear (LinalgBuilders' contractLastDimF32: loops (..., n, k), B =
/// w[n, k]) and the batched ones (attention scores: loops (b, j, t, u, d),
/// B = keys[b, u, j / n_rep, d]). The other parallel loops are *batch*
/// loops when B reads them (one grid z index each) and *row* loops
/// otherwise (linearised into the M of the GEMM).
struct GemmMatch {
  unsigned numLoops;
  SmallVector<unsigned> batchLoops, rowLoops;
};

bool isMulAddBody(linalg::GenericOp op) {
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body.getArgument(2);
  Value prod = add.getLhs() == acc   ? add.getRhs()
               : add.getRhs() == acc ? add.getLhs()
                                     : Value();
  auto mul = prod ? prod.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  auto strip = [](Value v) {
    if (auto ext = v.getDefiningOp<arith::ExtFOp>())
      return ext.getIn();
    return v;
  };
  Value lhs = strip(mul.getLhs()), rhs = strip(mul.getRhs());
  return lhs == body.getArgument(0) && rhs == body.getArgument(1);
}

std::optional<GemmMatch> matchGemm(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  auto aType = dyn_cast<MemRefType>(op.getDpsInputs()[0].getType());
  auto bType = dyn_cast<MemRefType>(op.getDpsInputs()[1].getType());
  auto cType = dyn_cast<MemRefType>(op.getDpsInits()[0].getType());
  if (!aType || !bType || !cType)
    return std::nullopt;
  Type in = aType.getElementType();
  if (!(in.isBF16() || in.isF16()) || bType.getElementType() != in ||
      !cType.getElementType().isF32())
    return std::nullopt;
  unsigned numLoops = op.getNumLoops();
  if (numLoops < 3)
    return std::nullopt;
  auto iters = op.getIteratorTypesArray();
  for (unsigned i = 0; i < numLoops; ++i)
    if (iters[i] != (i + 1 == numLoops ? utils::IteratorType::reduction
                                       : utils::IteratorType::parallel))
      return std::nullopt;
  unsigned n = numLoops - 2, k = numLoops - 1;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  // C is indexed by every parallel loop, each once, and not by k.
  AffineMap cMap = maps[2];
  if (!cMap.isProjectedPermutation() || cMap.getNumResults() != numLoops - 1 ||
      cMap.isFunctionOfDim(k))
    return std::nullopt;
  // A reads k and not n; B reads n and k.
  if (!maps[0].isFunctionOfDim(k) || maps[0].isFunctionOfDim(n) ||
      !maps[1].isFunctionOfDim(k) || !maps[1].isFunctionOfDim(n) ||
      !isMulAddBody(op))
    return std::nullopt;
  GemmMatch m{numLoops, {}, {}};
  for (unsigned i = 0; i < n; ++i)
    (maps[1].isFunctionOfDim(i) ? m.batchLoops : m.rowLoops).push_back(i);
  return m;
}

// Tile shape: a block of 2x2 warps, each warp 16 rows x (kWarpN = 4 mma
// tiles of 8) columns; K steps of 16 (one m16n8k16 per warp tile column).
constexpr int64_t kWarpM = 16, kMmaN = 8, kMmaK = 16, kNTiles = 4;
constexpr int64_t kWarpN = kMmaN * kNTiles;
constexpr int64_t kWarpsM = 2, kWarpsN = 2;
constexpr int64_t kBlockM = kWarpM * kWarpsM, kBlockN = kWarpN * kWarpsN;
constexpr int64_t kThreads = 32 * kWarpsM * kWarpsN;

/// Emits the tensor-core kernel replacing `op` (see CUDAPipeline.h, stage 2).
/// Emits the tensor-core kernel replacing `op` (see CUDAPipeline.h, stage 2).
void emitMmaGemm(linalg::GenericOp op, const GemmMatch &m) {
  ImplicitLocOpBuilder b(op.getLoc(), op);
  Value aMem = op.getDpsInputs()[0], bMem = op.getDpsInputs()[1],
        cMem = op.getDpsInits()[0];
  Type in = cast<MemRefType>(aMem.getType()).getElementType();
  Type f32 = b.getF32Type();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  unsigned n = m.numLoops - 2, k = m.numLoops - 1;
  // Host side: the loop extents (static ones fold), M = the product of the
  // row loops, the batch count; grid (M / 32, N / 64, batches).
  SmallVector<Value> extent;
  for (Range range : cast<linalg::LinalgOp>(op.getOperation())
                          .createLoopRanges(b, b.getLoc()))
    extent.push_back(getValueOrCreateConstantIndexOp(b, b.getLoc(),
                                                     range.size));
  auto product = [&](ArrayRef<unsigned> loops) {
    Value p = idx(b, 1);
    for (unsigned l : loops)
      p = b.createOrFold<arith::MulIOp>(p, extent[l]);
    return p;
  };
  Value rows = product(m.rowLoops), batches = product(m.batchLoops);
  Value nSize = extent[n], kSize = extent[k];
  Value zero = idx(b, 0);
  auto positive = [&](Value v) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, v, zero);
  };
  Value nonEmpty = arith::AndIOp::create(
      b, arith::AndIOp::create(b, positive(rows), positive(nSize)),
      positive(batches));
  auto ifOp = scf::IfOp::create(b, nonEmpty, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  // Rows on grid x (up to 2^31 - 1 blocks), columns on grid y and batches
  // on grid z (65535 each).
  Value gridX = b.createOrFold<arith::CeilDivUIOp>(rows, idx(b, kBlockM));
  Value gridY = b.createOrFold<arith::CeilDivUIOp>(nSize, idx(b, kBlockN));
  Value one = idx(b, 1);
  auto launch = gpu::LaunchOp::create(b, gridX, gridY, batches,
                                      idx(b, kThreads), one, one);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&launch.getBody().front());

  // Device side.
  std::optional<int64_t> staticN = getConstantIntValue(nSize);
  std::optional<int64_t> staticK = getConstantIntValue(kSize);
  bool maskN = !staticN || *staticN % kBlockN != 0;
  bool maskK = !staticK || *staticK % kMmaK != 0;
  Value tid = launch.getThreadIds().x;
  Value c32 = idx(b, 32), c4 = idx(b, 4);
  Value warp = arith::DivUIOp::create(b, tid, c32);
  Value lane = arith::RemUIOp::create(b, tid, c32);
  Value warpM = arith::DivUIOp::create(b, warp, idx(b, kWarpsN));
  Value warpN = arith::RemUIOp::create(b, warp, idx(b, kWarpsN));
  Value rowBase = arith::AddIOp::create(
      b, arith::MulIOp::create(b, launch.getBlockIds().x, idx(b, kBlockM)),
      arith::MulIOp::create(b, warpM, idx(b, kWarpM)));
  Value colBase = arith::AddIOp::create(
      b, arith::MulIOp::create(b, launch.getBlockIds().y, idx(b, kBlockN)),
      arith::MulIOp::create(b, warpN, idx(b, kWarpN)));
  // PTX fragment layout: group g = lane / 4 picks rows (A, C) or columns
  // (B); t = lane % 4 picks the pair of consecutive k (A, B) or n (C).
  Value g = arith::DivUIOp::create(b, lane, c4);
  Value t2 = arith::MulIOp::create(b, arith::RemUIOp::create(b, lane, c4),
                                   idx(b, 2));

  auto ult = [&](Value a, Value bound) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, a, bound);
  };
  auto add = [&](Value a, int64_t c) {
    return c == 0 ? a : arith::AddIOp::create(b, a, idx(b, c)).getResult();
  };
  auto clamp = [&](Value v, Value bound) -> Value {
    return arith::MinUIOp::create(b, v,
                                  arith::SubIOp::create(b, bound, idx(b, 1)));
  };
  // Loop ivs: the batch ones from grid z, the row ones from a row index.
  SmallVector<Value> ivs(m.numLoops);
  {
    Value rest = launch.getBlockIds().z;
    for (int i = m.batchLoops.size() - 1; i >= 0; --i) {
      unsigned l = m.batchLoops[i];
      ivs[l] = i == 0 ? rest
                      : arith::RemUIOp::create(b, rest, extent[l]).getResult();
      if (i != 0)
        rest = arith::DivUIOp::create(b, rest, extent[l]);
    }
  }
  auto setRow = [&](Value r) {
    for (int i = m.rowLoops.size() - 1; i >= 0; --i) {
      unsigned l = m.rowLoops[i];
      ivs[l] = i == 0 ? r : arith::RemUIOp::create(b, r, extent[l]).getResult();
      if (i != 0)
        r = arith::DivUIOp::create(b, r, extent[l]);
    }
  };
  // The operand's indices at the current ivs (dims directly, other
  // expressions, like the GQA head j / n_rep, through affine.apply).
  Value zeroInKernel = idx(b, 0);
  auto indices = [&](AffineMap map) {
    SmallVector<Value> operands;
    for (Value iv : ivs)
      operands.push_back(iv ? iv : zeroInKernel); // unused by `map`
    SmallVector<Value> result;
    for (AffineExpr e : map.getResults()) {
      if (auto dim = dyn_cast<AffineDimExpr>(e)) {
        result.push_back(ivs[dim.getPosition()]);
        continue;
      }
      result.push_back(affine::AffineApplyOp::create(
          b, AffineMap::get(map.getNumDims(), 0, e), operands));
    }
    return result;
  };
  // Loads operand `which` at (row, col, kk) (any may be unused by its map)
  // with every index clamped and zero where one was out of range: no branch
  // in the K loop.
  auto load = [&](unsigned which, Value row, Value col, Value kk, bool maskRow,
                  bool maskCol, bool maskKk) -> Value {
    Value valid;
    auto check = [&](Value v, Value bound) {
      Value ok = ult(v, bound);
      valid = valid ? arith::AndIOp::create(b, valid, ok).getResult() : ok;
    };
    if (row) {
      if (maskRow)
        check(row, rows);
      setRow(maskRow ? clamp(row, rows) : row);
    }
    if (col) {
      if (maskCol)
        check(col, nSize);
      ivs[n] = maskCol ? clamp(col, nSize) : col;
    }
    if (kk) {
      if (maskKk)
        check(kk, kSize);
      ivs[k] = maskKk ? clamp(kk, kSize) : kk;
    }
    Value memref = which == 0 ? aMem : which == 1 ? bMem : cMem;
    Value v = memref::LoadOp::create(b, memref, indices(maps[which]));
    if (!valid)
      return v;
    Type type = v.getType();
    Value z = arith::ConstantOp::create(b, type, b.getZeroAttr(type));
    return arith::SelectOp::create(b, valid, v, z);
  };

  // Accumulators: start from y (the fill before the contraction or any
  // partial sum) so the kernel keeps the op's `+=` semantics. Tile j's four
  // f32 registers c0..c3 hold rows g (c0, c1) and g + 8 (c2, c3), columns
  // 2t + {0, 1}: iter_args [4 j, 4 j + 4).
  auto cRow = [&](int64_t c) {
    return arith::AddIOp::create(b, add(rowBase, 8 * (c / 2)), g);
  };
  auto cCol = [&](int64_t j, int64_t c) {
    return arith::AddIOp::create(b, add(colBase, kMmaN * j + c % 2), t2);
  };
  SmallVector<Value> init;
  for (int64_t j = 0; j < kNTiles; ++j)
    for (int64_t c = 0; c < 4; ++c)
      init.push_back(
          load(2, cRow(c), cCol(j, c), Value(), true, maskN, false));
  // Two 16-bit values per 32-bit register, as nvvm.mma.sync takes them:
  // vector<2xf16> for f16, an i32 for bf16.
  Type i32 = b.getI32Type();
  auto pack = [&](Value lo, Value hi) -> Value {
    Value pair = vector::FromElementsOp::create(b, VectorType::get({2}, in),
                                                ValueRange{lo, hi});
    if (in.isF16())
      return pair;
    return LLVM::BitcastOp::create(b, i32, pair);
  };
  NVVM::MMATypes ptxType =
      in.isBF16() ? NVVM::MMATypes::bf16 : NVVM::MMATypes::f16;
  Type resultType = LLVM::LLVMStructType::getLiteral(
      b.getContext(), SmallVector<Type>(4, f32));
  Value kSteps = b.createOrFold<arith::MulIOp>(
      b.createOrFold<arith::CeilDivUIOp>(kSize, idx(b, kMmaK)), idx(b, kMmaK));
  auto loop = scf::ForOp::create(b, zero, kSteps, idx(b, kMmaK), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    Value kt = arith::AddIOp::create(b, k0, t2);
    // A: register r holds row g + 8 (r % 2), k = 2t + {0,1} + 8 (r / 2).
    SmallVector<Value> a;
    for (int64_t r = 0; r < 4; ++r) {
      Value row = arith::AddIOp::create(b, add(rowBase, 8 * (r % 2)), g);
      Value lo = load(0, row, Value(), add(kt, 8 * (r / 2)), true, false,
                      maskK);
      Value hi = load(0, row, Value(), add(kt, 8 * (r / 2) + 1), true, false,
                      maskK);
      a.push_back(pack(lo, hi));
    }
    SmallVector<Value> results;
    for (int64_t j = 0; j < kNTiles; ++j) {
      // B (= w^T, "col" layout): register r holds k = 2t + {0,1} + 8 r,
      // n = g.
      Value col = arith::AddIOp::create(b, add(colBase, kMmaN * j), g);
      SmallVector<Value> bRegs;
      for (int64_t r = 0; r < 2; ++r) {
        Value lo = load(1, Value(), col, add(kt, 8 * r), false, maskN, maskK);
        Value hi =
            load(1, Value(), col, add(kt, 8 * r + 1), false, maskN, maskK);
        bRegs.push_back(pack(lo, hi));
      }
      ValueRange acc = loop.getRegionIterArgs().slice(4 * j, 4);
      Value d = NVVM::MmaOp::create(
          b, resultType, a, bRegs, acc, ArrayRef<int64_t>{kWarpM, kMmaN, kMmaK},
          std::nullopt, std::nullopt,
          std::array<NVVM::MMATypes, 2>{ptxType, ptxType},
          std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                         NVVM::MMALayout::col});
      for (int64_t c = 0; c < 4; ++c)
        results.push_back(LLVM::ExtractValueOp::create(b, d, c));
    }
    scf::YieldOp::create(b, results);
  }
  // Store C, guarded.
  for (int64_t j = 0; j < kNTiles; ++j)
    for (int64_t c = 0; c < 4; ++c) {
      Value row = cRow(c), col = cCol(j, c);
      Value ok = ult(row, rows);
      if (maskN)
        ok = arith::AndIOp::create(b, ok, ult(col, nSize));
      auto store = scf::IfOp::create(b, ok, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&store.getThenRegion().front());
      setRow(row);
      ivs[n] = col;
      memref::StoreOp::create(b, loop.getResult(4 * j + c), cMem,
                              indices(maps[2]));
    }
  op.erase();
}

struct ZenCUDAGemmToMMA
    : PassWrapper<ZenCUDAGemmToMMA, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ZenCUDAGemmToMMA)
  StringRef getArgument() const override { return "zen-cuda-gemm-to-mma"; }
  StringRef getDescription() const override {
    return "Rewrite bf16/f16 contractions on host memrefs into tensor-core "
           "(nvvm.mma.sync) gpu.launch kernels";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, NVVM::NVVMDialect, LLVM::LLVMDialect,
                    affine::AffineDialect, vector::VectorDialect, scf::SCFDialect,
                    arith::ArithDialect, memref::MemRefDialect>();
  }
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, GemmMatch>> gemms;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!isHostOp(op))
        return;
      if (std::optional<GemmMatch> m = matchGemm(op))
        gemms.push_back({op, *m});
    });
    for (auto &[op, m] : gemms)
      emitMmaGemm(op, m);
  }
};

//===----------------------------------------------------------------------===//
// zen-cuda-map-loops
//===----------------------------------------------------------------------===//

constexpr int64_t kLoopThreads = 256;

/// scf.parallel (lb, ub, step) -> a 1-D grid of 256-thread blocks, one
/// iteration per thread; the body is cloned behind `if (id < count)`.
void mapParallelLoop(scf::ParallelOp loop) {
  ImplicitLocOpBuilder b(loop.getLoc(), loop);
  SmallVector<Value> counts;
  Value total = idx(b, 1);
  for (auto [lb, ub, step] : llvm::zip(loop.getLowerBound(),
                                       loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, ub, lb);
    Value count = arith::CeilDivSIOp::create(b, span, step);
    count = arith::MaxSIOp::create(b, count, idx(b, 0));
    counts.push_back(count);
    total = arith::MulIOp::create(b, total, count);
  }
  Value nonEmpty =
      arith::CmpIOp::create(b, arith::CmpIPredicate::sgt, total, idx(b, 0));
  auto ifOp = scf::IfOp::create(b, nonEmpty, /*withElseRegion=*/false);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  Value grid = arith::CeilDivUIOp::create(b, total, idx(b, kLoopThreads));
  gpu::LaunchOp launch = createLaunch(b, grid, idx(b, 1), kLoopThreads);
  Value id = arith::AddIOp::create(
      b, arith::MulIOp::create(b, launch.getBlockIds().x, idx(b, kLoopThreads)),
      launch.getThreadIds().x);
  auto guard = scf::IfOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::ult, id, total),
      /*withElseRegion=*/false);
  b.setInsertionPointToStart(&guard.getThenRegion().front());
  IRMapping map;
  Value rest = id;
  for (int i = counts.size() - 1; i >= 0; --i) {
    Value pos = i == 0 ? rest
                       : arith::RemUIOp::create(b, rest, counts[i]).getResult();
    if (i != 0)
      rest = arith::DivUIOp::create(b, rest, counts[i]);
    Value iv = arith::AddIOp::create(
        b, loop.getLowerBound()[i],
        arith::MulIOp::create(b, pos, loop.getStep()[i]));
    map.map(loop.getInductionVars()[i], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
  loop.erase();
}

struct ZenCUDAMapLoops
    : PassWrapper<ZenCUDAMapLoops, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ZenCUDAMapLoops)
  StringRef getArgument() const override { return "zen-cuda-map-loops"; }
  StringRef getDescription() const override {
    return "Map each outermost host scf.parallel to a gpu.launch with one "
           "thread per iteration";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect, scf::SCFDialect, arith::ArithDialect>();
  }
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (isHostOp(loop) && !loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops) {
      if (loop.getNumReductions() != 0) {
        loop.emitError("zen-cuda-map-loops: scf.parallel with reductions is "
                       "not supported");
        return signalPassFailure();
      }
      mapParallelLoop(loop);
    }
  }
};

//===----------------------------------------------------------------------===//
// zen-cuda-host-memory
//===----------------------------------------------------------------------===//

struct ZenCUDAHostMemory
    : PassWrapper<ZenCUDAHostMemory, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ZenCUDAHostMemory)
  StringRef getArgument() const override { return "zen-cuda-host-memory"; }
  StringRef getDescription() const override {
    return "Host buffers as managed memory (gpu.alloc host_shared); constant "
           "globals cloned into the kernels that read them";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<gpu::GPUDialect>();
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<memref::AllocOp> allocs;
    SmallVector<memref::AllocaOp> allocas;
    SmallVector<memref::DeallocOp> deallocs;
    SmallVector<std::pair<memref::GetGlobalOp, gpu::LaunchOp>> globals;
    module.walk([&](Operation *op) {
      if (op->getParentOfType<gpu::GPUModuleOp>())
        return;
      auto launch = op->getParentOfType<gpu::LaunchOp>();
      if (auto alloc = dyn_cast<memref::AllocOp>(op); alloc && !launch)
        allocs.push_back(alloc);
      else if (auto alloca = dyn_cast<memref::AllocaOp>(op); alloca && !launch)
        allocas.push_back(alloca);
      else if (auto dealloc = dyn_cast<memref::DeallocOp>(op);
               dealloc && !launch)
        deallocs.push_back(dealloc);
      else if (auto get = dyn_cast<memref::GetGlobalOp>(op); get && !launch)
        for (Operation *user : get->getUsers())
          if (auto l = user->getParentOfType<gpu::LaunchOp>())
            globals.push_back({get, l});
    });
    // Kernels read constants from their own copy of the global.
    for (auto &entry : globals) {
      memref::GetGlobalOp get = entry.first;
      gpu::LaunchOp launch = entry.second;
      OpBuilder b(&launch.getBody().front(), launch.getBody().front().begin());
      Operation *copy = b.clone(*get);
      get->getResult(0).replaceUsesWithIf(
          copy->getResult(0), [&](OpOperand &use) {
            return launch->isProperAncestor(use.getOwner());
          });
    }
    // Managed memory: the kernels, the host code and the caller all see it.
    for (memref::AllocOp alloc : allocs) {
      OpBuilder b(alloc);
      auto gpuAlloc = gpu::AllocOp::create(
          b, alloc.getLoc(), alloc.getType(), /*asyncToken=*/Type(),
          /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
          alloc.getSymbolOperands(), /*hostShared=*/true);
      alloc.replaceAllUsesWith(gpuAlloc.getMemref());
      alloc.erase();
    }
    // Stack buffers a kernel might capture: managed too, freed at the end
    // of the enclosing block.
    for (memref::AllocaOp alloca : allocas) {
      bool usedByKernel = llvm::any_of(alloca->getUsers(), [](Operation *u) {
        return u->getParentOfType<gpu::LaunchOp>() != nullptr;
      });
      if (!usedByKernel)
        continue;
      OpBuilder b(alloca);
      auto gpuAlloc = gpu::AllocOp::create(
          b, alloca.getLoc(), alloca.getType(), Type(), ValueRange(),
          alloca.getDynamicSizes(), alloca.getSymbolOperands(), true);
      alloca.replaceAllUsesWith(gpuAlloc.getMemref());
      b.setInsertionPoint(alloca->getBlock()->getTerminator());
      auto dealloc = memref::DeallocOp::create(b, alloca.getLoc(),
                                               gpuAlloc.getMemref());
      deallocs.push_back(dealloc);
      alloca.erase();
    }
    // gpu-to-llvm lowers gpu.dealloc only in async form.
    for (memref::DeallocOp dealloc : deallocs) {
      OpBuilder b(dealloc);
      Location loc = dealloc.getLoc();
      auto tokenType = gpu::AsyncTokenType::get(b.getContext());
      Value start = gpu::WaitOp::create(b, loc, tokenType, ValueRange())
                        .getAsyncToken();
      Value done = gpu::DeallocOp::create(b, loc, tokenType, ValueRange{start},
                                          dealloc.getMemref())
                       .getAsyncToken();
      gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
      dealloc.erase();
    }
  }
};

//===----------------------------------------------------------------------===//
// ZenCUDAMarkTarget
//===----------------------------------------------------------------------===//

/// Adds "target": "cuda" and "cuda_arch" to the zen.metadata document, so
/// the runtime can refuse a CUDA library on the CPU path and vice versa.
struct ZenCUDAMarkTarget
    : PassWrapper<ZenCUDAMarkTarget, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ZenCUDAMarkTarget)
  explicit ZenCUDAMarkTarget(std::string chip) : chip(std::move(chip)) {}
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto attr = module->getAttrOfType<StringAttr>("zen.metadata");
    if (!attr)
      return; // zen-emit-runtime-abi reports the missing metadata.
    llvm::Expected<llvm::json::Value> doc = llvm::json::parse(attr.getValue());
    llvm::json::Object *object = doc ? doc->getAsObject() : nullptr;
    if (!object) {
      if (!doc)
        llvm::consumeError(doc.takeError());
      module.emitError("zen.metadata is not a Zen metadata document");
      return signalPassFailure();
    }
    (*object)["target"] = "cuda";
    (*object)["cuda_arch"] = chip;
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(*object));
    module->setAttr("zen.metadata", StringAttr::get(module.getContext(), text));
  }
  std::string chip;
};

/// Does nothing but load the LLVM IR translations gpu-module-to-binary (the
/// NVVM module) and the object emitter (gpu.binary, gpu.launch_func) need,
/// so the pipeline also works from zen-opt, which registers none.
struct ZenCUDARegisterTranslations
    : PassWrapper<ZenCUDARegisterTranslations, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ZenCUDARegisterTranslations)
  void getDependentDialects(DialectRegistry &registry) const override {
    registerBuiltinDialectTranslation(registry);
    registerLLVMDialectTranslation(registry);
    registerNVVMDialectTranslation(registry);
    registerGPUDialectTranslation(registry);
    gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  }
  void runOnOperation() override {}
};

} // namespace

std::unique_ptr<Pass> mlir::zen::createZenCUDARegisterTranslations() {
  return std::make_unique<ZenCUDARegisterTranslations>();
}
std::unique_ptr<Pass> mlir::zen::createZenCUDAGemmToMMA() {
  return std::make_unique<ZenCUDAGemmToMMA>();
}
std::unique_ptr<Pass> mlir::zen::createZenCUDAMapLoops() {
  return std::make_unique<ZenCUDAMapLoops>();
}
std::unique_ptr<Pass> mlir::zen::createZenCUDAHostMemory() {
  return std::make_unique<ZenCUDAHostMemory>();
}
std::unique_ptr<Pass> mlir::zen::createZenCUDAMarkTarget(std::string chip) {
  return std::make_unique<ZenCUDAMarkTarget>(std::move(chip));
}
