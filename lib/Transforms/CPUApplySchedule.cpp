//===- CPUApplySchedule.cpp - zen-cpu-apply-schedule ----------------------===//
//
// Turns the `zen.cpu_schedule` plans of zen-cpu-plan-kernels into one
// transform-dialect module (a named sequence per distinct plan) and applies
// it with the transform interpreter. The schedules follow the recipe of
// shared/reference/performance-anchors.md §1, with its pitfalls avoided:
// no unit K0 dimension in the packed layout (the outer-product lowering
// needs a single reduction dim), accumulators hoisted on tensors (before
// bufferization, where hoisting cannot be blocked by aliasing), and the
// vector transfers later unrolled fully (no alloca in loops).
//
//===----------------------------------------------------------------------===//

#include "zen/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/TransformOps/DialectExtension.h"
#include "mlir/Dialect/Linalg/Transforms/AllInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/TransformOps/SCFTransformOps.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/TensorTilingInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/TransformOps/TensorTransformOps.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/Transform/IR/TransformDialect.h"
#include "mlir/Dialect/Transform/IR/TransformOps.h"
#include "mlir/Dialect/Transform/Interfaces/TransformInterfaces.h"
#include "mlir/Dialect/Transform/LoopExtension/LoopExtension.h"
#include "mlir/Dialect/Transform/Transforms/TransformInterpreterUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/TransformOps/VectorTransformOps.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/Transforms/SubsetOpInterfaceImpl.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENCPUAPPLYSCHEDULE
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

constexpr llvm::StringLiteral kPlanAttr = "zen.cpu_schedule";

//===----------------------------------------------------------------------===//
// Text helpers
//===----------------------------------------------------------------------===//

/// "[a, b, c]".
std::string list(ArrayRef<int64_t> values) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(values, os);
  os << "]";
  return s;
}

/// "!transform.any_op, ..." repeated `n` times.
std::string anyOps(unsigned n) {
  std::string s;
  for (unsigned i = 0; i < n; ++i)
    s += (i ? ", " : "") + std::string("!transform.any_op");
  return s;
}

/// "%name:n" for n > 1 loops, "%name" for 1; empty for none.
std::string loopResults(StringRef name, unsigned n) {
  if (n == 0)
    return "";
  return ", %" + name.str() + (n > 1 ? ":" + std::to_string(n) : "");
}

/// `%res, %loops = transform.structured.tile_using_for %target ...` with the
/// right number of loop results (one per non-zero tile size).
std::string tileFor(StringRef res, StringRef loops, StringRef target,
                    ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange = {}) {
  unsigned n = llvm::count_if(sizes, [](int64_t s) { return s != 0; });
  std::string s = "    %" + res.str() + loopResults(loops, n) +
                  " = transform.structured.tile_using_for %" + target.str() +
                  " tile_sizes " + list(sizes);
  if (!interchange.empty())
    s += " interchange = " + list(interchange);
  s += " : (!transform.any_op) -> (" + anyOps(n + 1) + ")\n";
  return s;
}

/// Handle to the i-th loop of a tileFor result group.
std::string loopAt(StringRef loops, unsigned i, unsigned n) {
  return n > 1 ? "%" + loops.str() + "#" + std::to_string(i)
               : "%" + loops.str();
}

std::string annotate(StringRef handle, StringRef attr) {
  return "    transform.annotate " + handle.str() + " \"" + attr.str() +
         "\" : !transform.any_op\n";
}

/// tile_reduction_using_for of the innermost of `numLoops` loops by `step`;
/// tags the partial-sum fill, the partial op and the final combine for
/// vectorization and the loop for accumulator hoisting.
std::string tileReduction(StringRef target, unsigned numLoops, int64_t step,
                          StringRef prefix, bool pairs = false) {
  SmallVector<int64_t> sizes(numLoops, 0);
  sizes.back() = step;
  // bf16 pairs: K is (blocks, kk, j); partial sums over one block, 2 x step.
  if (pairs) {
    sizes[numLoops - 3] = 1;
    sizes[numLoops - 2] = 2;
  }
  std::string p = prefix.str();
  std::string s = "    %" + p + "f, %" + p + "p, %" + p + "c, %" + p +
                  "l = transform.structured.tile_reduction_using_for %" +
                  target.str() + " by tile_sizes = " + list(sizes) +
                  " : (!transform.any_op) -> (" + anyOps(4) + ")\n";
  s += annotate("%" + p + "l", "zen.cpu_kloop");
  for (StringRef h : {"f", "p", "c"})
    s += annotate("%" + p + h.str(), "zen.cpu_vectorize");
  return s;
}

/// An attribute as MLIR prints it.
std::string printed(Attribute attr) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << attr;
  return s;
}

int64_t get(DictionaryAttr plan, StringRef name) {
  auto attr = plan.getAs<IntegerAttr>(name);
  return attr ? attr.getInt() : 0;
}

//===----------------------------------------------------------------------===//
// One named sequence per plan kind
//===----------------------------------------------------------------------===//

/// Packing weights into panels: loops (p, k, n0). Panels split across the
/// cores; one panel x kt rows of K per vector step (a kt x nr transpose).
std::string packBody(DictionaryAttr plan) {
  std::string s = "    %t1, %forall = transform.structured.tile_using_forall "
                  "%op tile_sizes " +
                  list({get(plan, "chunk"), 0, 0}) +
                  " : (!transform.any_op) -> (" + anyOps(2) + ")\n";
  s += tileFor("t2", "l", "t1", {1, get(plan, "kt"), 0});
  s += annotate("%t2", "zen.cpu_vectorize");
  return s;
}

/// The packed GEMM: loops (l..., p, k, n0). Panels split across the cores
/// (the zero fill fused into each task); inside, panel-major so one panel
/// (K x nr floats) stays in L2 while every row block streams past it; mr rows
/// per register tile, the last rows peeled into 1-row tiles; K innermost,
/// one outer product per step (contract over a single k).
std::string packedBody(DictionaryAttr plan) {
  unsigned L = get(plan, "leading");
  int64_t mr = get(plan, "mr");
  SmallVector<int64_t> forallSizes(L + 3, 0);
  forallSizes[L] = get(plan, "chunk");
  std::string s =
      "    %fill = transform.get_producer_of_operand %op[2] : "
      "(!transform.any_op) -> !transform.any_op\n"
      "    %t1, %forall = transform.structured.tile_using_forall %op "
      "tile_sizes " +
      list(forallSizes) + " : (!transform.any_op) -> (" + anyOps(2) + ")\n" +
      "    %ff, %forall2 = transform.structured.fuse_into_containing_op "
      "%fill into %forall : (!transform.any_op, !transform.any_op) -> (" +
      anyOps(2) + ")\n";
  // Rows: leading dims by 1, the last by mr; panel loop outermost.
  SmallVector<int64_t> sizes(L + 3, 0), interchange;
  for (unsigned i = 0; i + 1 < L; ++i)
    sizes[i] = 1;
  sizes[L - 1] = mr;
  sizes[L] = 1;
  interchange.push_back(L);
  for (unsigned i = 0; i < L; ++i)
    interchange.push_back(i);
  interchange.append({L + 1, L + 2});
  s += tileFor("t2", "rows", "t1", sizes, interchange);
  s += "    %mloop = transform.cast " + loopAt("rows", L, L + 1) +
       " : !transform.any_op to !transform.op<\"scf.for\">\n"
       "    %main, %rest = transform.loop.peel %mloop : "
       "(!transform.op<\"scf.for\">) -> (" +
       anyOps(2) + ")\n";
  std::string match = "transform.structured.match attributes {" +
                      kPlanAttr.str() + " = " +
                      printed(plan) + "} in ";
  // Full tiles: K by 1.
  SmallVector<int64_t> kSizes(L + 3, 0);
  kSizes[L + 1] = 1;
  s += "    %gm = " + match +
       "%main : (!transform.any_op) -> !transform.any_op\n";
  s += tileFor("gm2", "km", "gm", kSizes);
  s += annotate("%km", "zen.cpu_kloop") + annotate("%gm2", "zen.cpu_vectorize");
  // Last rows: one at a time (its own loop, so that the K loop below carries
  // just that row's accumulator), K by 1. Their contracts have no row dim
  // left and are lowered separately (see buildSchedule).
  SmallVector<int64_t> rSizes(L + 3, 0);
  rSizes[L - 1] = 1;
  s += "    %gr = " + match +
       "%rest : (!transform.any_op) -> !transform.any_op\n";
  s += tileFor("gr1", "lr", "gr", rSizes);
  s += tileFor("gr2", "kr", "gr1", kSizes);
  s += annotate("%kr", "zen.cpu_kloop") +
       annotate("%kr", "zen.cpu_kloop_row") +
       annotate("%gr2", "zen.cpu_vectorize");
  return s;
}

/// The dot kernel: loops (l..., n, k). Columns split across the cores; mr x
/// nr tiles of dot products, the last rows peeled into 1-row tiles; K in
/// steps of kv lanes with vector partial sums, reduced after the loop.
std::string dotBody(DictionaryAttr plan) {
  unsigned L = get(plan, "leading");
  // bf16 pairs: K is three loops (blocks, kk, j) instead of one.
  bool pairs = get(plan, "pairs");
  unsigned numLoops = L + (pairs ? 4 : 2);
  SmallVector<int64_t> forallSizes(numLoops, 0);
  forallSizes[L] = get(plan, "chunk");
  std::string s =
      "    %fill = transform.get_producer_of_operand %op[2] : "
      "(!transform.any_op) -> !transform.any_op\n"
      "    %t1, %forall = transform.structured.tile_using_forall %op "
      "tile_sizes " +
      list(forallSizes) + " : (!transform.any_op) -> (" + anyOps(2) + ")\n" +
      "    %ff, %forall2 = transform.structured.fuse_into_containing_op "
      "%fill into %forall : (!transform.any_op, !transform.any_op) -> (" +
      anyOps(2) + ")\n";
  SmallVector<int64_t> sizes(numLoops, 0), interchange;
  for (unsigned i = 0; i + 1 < L; ++i)
    sizes[i] = 1;
  sizes[L - 1] = get(plan, "mr");
  sizes[L] = get(plan, "nr");
  interchange.push_back(L);
  for (unsigned i = 0; i < L; ++i)
    interchange.push_back(i);
  for (unsigned i = L + 1; i < numLoops; ++i)
    interchange.push_back(i);
  s += tileFor("t2", "rows", "t1", sizes, interchange);
  std::string match = "transform.structured.match attributes {" +
                      kPlanAttr.str() + " = " +
                      printed(plan) + "} in ";
  // One row per tile: every tile is full, nothing to peel.
  if (get(plan, "mr") == 1)
    return s + tileReduction("t2", numLoops, get(plan, "kv"), "m", pairs);
  s += "    %mloop = transform.cast " + loopAt("rows", L, L + 1) +
       " : !transform.any_op to !transform.op<\"scf.for\">\n"
       "    %main, %rest = transform.loop.peel %mloop : "
       "(!transform.op<\"scf.for\">) -> (" +
       anyOps(2) + ")\n";
  s += "    %gm = " + match +
       "%main : (!transform.any_op) -> !transform.any_op\n";
  s += tileReduction("gm", numLoops, get(plan, "kv"), "m", pairs);
  SmallVector<int64_t> rSizes(numLoops, 0);
  rSizes[L - 1] = 1;
  s += "    %gr = " + match +
       "%rest : (!transform.any_op) -> !transform.any_op\n";
  s += tileFor("gr2", "lr", "gr", rSizes);
  s += tileReduction("gr2", numLoops, get(plan, "kv"), "r", pairs);
  return s;
}

/// With a `task_loop` in the plan: that loop's iterations become the tasks
/// of an scf.forall (one iteration each), and `target` names the op inside
/// it; otherwise nothing, and `target` stays the op.
std::string taskForall(DictionaryAttr plan, std::string &target) {
  target = "op";
  if (!plan.get("task_loop"))
    return "";
  SmallVector<int64_t> sizes(get(plan, "loops"), 0);
  sizes[get(plan, "task_loop")] = 1;
  target = "task";
  return "    %task, %tasks = transform.structured.tile_using_forall %op "
         "tile_sizes " +
         list(sizes) + " : (!transform.any_op) -> (" + anyOps(2) + ")\n";
}

/// Elementwise ops: outer loops by 1, the innermost by `step`.
std::string elementwiseBody(DictionaryAttr plan) {
  std::string target;
  std::string s = taskForall(plan, target);
  SmallVector<int64_t> sizes(get(plan, "loops"), 1);
  sizes.back() = get(plan, "step");
  return s + tileFor("t", "l", target, sizes) +
         annotate("%t", "zen.cpu_vectorize");
}

/// Innermost reductions: outer loops by 1, then `step`-lane partial sums.
std::string reductionBody(DictionaryAttr plan) {
  unsigned n = get(plan, "loops");
  std::string target;
  std::string s = taskForall(plan, target);
  if (n > 1) {
    SmallVector<int64_t> sizes(n, 1);
    sizes.back() = 0;
    s += tileFor("t", "l", target, sizes);
    target = "t";
  }
  return s + tileReduction(target, n, get(plan, "step"), "r");
}

/// The order plans run in: producers before consumers, so that tiling a
/// kernel never finds an untiled producer to fuse.
int kindOrder(StringRef kind) {
  return llvm::StringSwitch<int>(kind)
      .Case("elementwise", 0)
      .Case("reduction", 1)
      .Case("pack", 2)
      .Case("packed", 3)
      .Case("dot", 4)
      .Default(-1);
}

std::string planBody(DictionaryAttr plan) {
  StringRef kind = plan.getAs<StringAttr>("kind").getValue();
  if (kind == "pack")
    return packBody(plan);
  if (kind == "packed")
    return packedBody(plan);
  if (kind == "dot")
    return dotBody(plan);
  if (kind == "elementwise")
    return elementwiseBody(plan);
  return reductionBody(plan);
}

/// The whole transform module for `plans` (in run order).
std::string buildSchedule(ArrayRef<DictionaryAttr> plans) {
  std::string s = "module attributes {transform.with_named_sequence} {\n";
  for (auto [i, plan] : llvm::enumerate(plans)) {
    s += "  transform.named_sequence @plan" + std::to_string(i) +
         "(%op: !transform.any_op {transform.consumed}) {\n";
    s += planBody(plan);
    s += "    transform.yield\n  }\n";
  }
  s += R"(  transform.named_sequence @vectorize(%op: !transform.any_op {transform.consumed}) {
    transform.structured.vectorize %op : !transform.any_op
    transform.yield
  }
  transform.named_sequence @__transform_main(%root: !transform.any_op {transform.readonly}) {
)";
  // Each op's plan on its own: a plan that fails leaves that op as it is.
  for (auto [i, plan] : llvm::enumerate(plans)) {
    std::string id = std::to_string(i);
    s += "    %ops" + id + " = transform.structured.match attributes {" +
         kPlanAttr.str() + " = " + printed(plan) +
         "} in %root : (!transform.any_op) -> !transform.any_op\n";
    s += "    transform.foreach %ops" + id +
         " : !transform.any_op {\n    ^bb0(%op: !transform.any_op):\n"
         "      transform.sequence %op : !transform.any_op failures(suppress) "
         "{\n      ^bb1(%o: !transform.any_op):\n"
         "        transform.include @plan" +
         id +
         " failures(propagate) (%o) : (!transform.any_op) -> ()\n"
         "      }\n    }\n";
  }
  s += R"(    %funcs = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %vec = transform.structured.match attributes {zen.cpu_vectorize} in %root : (!transform.any_op) -> !transform.any_op
    transform.foreach %vec : !transform.any_op {
    ^bb0(%op: !transform.any_op):
      transform.sequence %op : !transform.any_op failures(suppress) {
      ^bb1(%o: !transform.any_op):
        transform.include @vectorize failures(propagate) (%o) : (!transform.any_op) -> ()
      }
    }
    transform.apply_patterns to %funcs {
      transform.apply_patterns.vector.transfer_permutation_patterns
    } : !transform.any_op
    transform.yield
  }
  transform.named_sequence @zen_vector_cleanup(%root: !transform.any_op {transform.readonly}) {
    %funcs = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %funcs {
      transform.apply_patterns.vector.reduction_to_contract
      transform.apply_patterns.tensor.fold_tensor_subset_ops_into_vector_transfers
      transform.apply_patterns.vector.cast_away_vector_leading_one_dim
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    %kloops = transform.structured.match ops{["scf.for"]} attributes {zen.cpu_kloop} in %root : (!transform.any_op) -> !transform.any_op
    transform.loop.hoist_loop_invariant_subsets %kloops : !transform.any_op
    transform.apply_patterns to %funcs {
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    transform.yield
  }
  transform.named_sequence @zen_lower_vectors(%root: !transform.any_op {transform.readonly}) {
    %funcs = transform.structured.match ops{["func.func"]} in %root : (!transform.any_op) -> !transform.any_op
    %rows = transform.structured.match ops{["scf.for"]} attributes {zen.cpu_kloop_row} in %root : (!transform.any_op) -> !transform.any_op
    transform.apply_patterns to %rows {
      transform.apply_patterns.vector.lower_contraction lowering_strategy = "parallelarith"
    } : !transform.any_op
    transform.apply_patterns to %funcs {
      transform.apply_patterns.vector.lower_contraction lowering_strategy = "outerproduct"
      transform.apply_patterns.vector.lower_outerproduct
      transform.apply_patterns.vector.lower_multi_reduction lowering_strategy = "innerreduction"
      transform.apply_patterns.vector.cast_away_vector_leading_one_dim
      transform.apply_patterns.canonicalization
    } : !transform.any_op
    transform.yield
  }
}
)";
  return s;
}

/// extf(transpose(v : vector<...xJx2xbf16>) swapping the last two dims), as
/// the bf16 dot kernel reads its weight pairs: v seen as vector<...xJxi32>
/// holds element (j, kk = 0) in the low half of lane j and (j, kk = 1) in the
/// high half, so the f32 values are `lane << 16` and `lane & 0xFFFF0000`:
/// two integer ops per 2·J weights, where widening each element costs a
/// zero-extension and a shift per J.
struct WidenBF16Pairs : OpRewritePattern<arith::ExtFOp> {
  using OpRewritePattern::OpRewritePattern;

  /// `pairs` read as [..., 2J] instead of [..., J, 2] when it comes straight
  /// from a tensor (pairs of a weight row are contiguous): the transfer then
  /// lowers to one load per row rather than one per pair.
  static Value readFlat(PatternRewriter &rewriter, Value pairs) {
    auto read = pairs.getDefiningOp<vector::TransferReadOp>();
    if (!read || read.getMask() || !read.getPermutationMap().isMinorIdentity())
      return pairs;
    auto source = dyn_cast<RankedTensorType>(read.getBase().getType());
    VectorType type = read.getVectorType();
    int64_t rank = type.getRank(), srcRank = source ? source.getRank() : 0;
    if (!source || srcRank < 2 || rank < 2 ||
        source.getShape().take_back(2) != type.getShape().take_back(2) ||
        llvm::any_of(read.getInBoundsValues(), [](bool b) { return !b; }))
      return pairs;
    ValueRange indices = read.getIndices();
    for (Value index : indices.take_back(2))
      if (getConstantIntValue(index) != 0)
        return pairs;
    Location loc = read.getLoc();
    SmallVector<ReassociationIndices> reassoc;
    for (int64_t i = 0; i + 2 < srcRank; ++i)
      reassoc.push_back({i});
    reassoc.push_back({srcRank - 2, srcRank - 1});
    Value collapsed =
        tensor::CollapseShapeOp::create(rewriter, loc, read.getBase(), reassoc);
    SmallVector<int64_t> flatShape(type.getShape().drop_back(2));
    flatShape.push_back(2 * type.getShape()[rank - 2]);
    SmallVector<Value> flatIndices(indices.drop_back(1));
    return vector::TransferReadOp::create(
        rewriter, loc, VectorType::get(flatShape, type.getElementType()),
        collapsed, flatIndices, read.getPadding(),
        SmallVector<bool>(flatShape.size(), true));
  }

  LogicalResult matchAndRewrite(arith::ExtFOp ext,
                                PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<VectorType>(ext.getType());
    auto transpose = ext.getIn().getDefiningOp<vector::TransposeOp>();
    if (!resultType || !resultType.getElementType().isF32() || !transpose)
      return rewriter.notifyMatchFailure(ext, "not extf(transpose) to f32");
    // The vectorizer may broadcast the weights over the rows first:
    // widen before the broadcast (once per weight, not once per row).
    Value pairs = transpose.getVector();
    auto bcast = pairs.getDefiningOp<vector::BroadcastOp>();
    if (bcast)
      pairs = bcast.getSource();
    auto srcType = dyn_cast<VectorType>(pairs.getType());
    if (!srcType)
      return rewriter.notifyMatchFailure(ext, "broadcast of a scalar");
    int64_t rank = srcType.getRank();
    int64_t extra = transpose.getSourceVectorType().getRank() - rank;
    if (bcast && (rank < 2 || transpose.getSourceVectorType().getShape().take_back(rank) != srcType.getShape()))
      return rewriter.notifyMatchFailure(ext, "broadcast stretches the pairs");
    if (rank < 2 || srcType.isScalable() ||
        !srcType.getElementType().isBF16() || srcType.getShape().back() != 2)
      return rewriter.notifyMatchFailure(ext, "not bf16 pairs");
    ArrayRef<int64_t> perm = transpose.getPermutation();
    int64_t fullRank = rank + extra;
    for (int64_t i = 0; i + 2 < fullRank; ++i)
      if (perm[i] != i)
        return rewriter.notifyMatchFailure(ext, "not a swap of the last dims");
    if (perm[fullRank - 2] != fullRank - 1 || perm[fullRank - 1] != fullRank - 2)
      return rewriter.notifyMatchFailure(ext, "not a swap of the last dims");

    Location loc = ext.getLoc();
    int64_t lead = 1;
    for (int64_t d : srcType.getShape().drop_back(2))
      lead *= d;
    int64_t j = srcType.getShape()[rank - 2];
    Type i32 = rewriter.getI32Type();
    auto wordsType = VectorType::get({lead, j}, i32);
    Value flat = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({lead, 2 * j}, srcType.getElementType()),
        readFlat(rewriter, pairs));
    Value words = vector::BitCastOp::create(rewriter, loc, wordsType, flat);
    Value sixteen = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(wordsType, APInt(32, 16)));
    Value highMask = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(wordsType, APInt(32, 0xFFFF0000u)));
    auto halvesType = VectorType::get({lead, j}, rewriter.getF32Type());
    Value low = arith::BitcastOp::create(
        rewriter, loc, halvesType,
        arith::ShLIOp::create(rewriter, loc, words, sixteen));
    Value high = arith::BitcastOp::create(
        rewriter, loc, halvesType,
        arith::AndIOp::create(rewriter, loc, words, highMask));
    // Rows (a, kk): low row a, then high row a.
    SmallVector<int64_t> rows;
    for (int64_t a = 0; a < lead; ++a)
      rows.append({a, lead + a});
    Value both = vector::ShuffleOp::create(rewriter, loc, low, high, rows);
    // [..., 2, J] f32, then the rows' broadcast if there was one.
    SmallVector<int64_t> widenedShape(srcType.getShape().drop_back(2));
    widenedShape.append({2, j});
    Value widened = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get(widenedShape, rewriter.getF32Type()),
        both);
    if (bcast)
      rewriter.replaceOpWithNewOp<vector::BroadcastOp>(ext, resultType,
                                                       widened);
    else
      rewriter.replaceOp(ext, widened);
    return success();
  }
};

struct ZenCPUApplySchedulePass
    : zen::impl::ZenCPUApplyScheduleBase<ZenCPUApplySchedulePass> {
  using Base::Base;

  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<transform::TransformDialect, affine::AffineDialect,
                    arith::ArithDialect, linalg::LinalgDialect,
                    scf::SCFDialect, tensor::TensorDialect,
                    vector::VectorDialect>();
    // The transform ops of the schedule, and the interfaces they rely on
    // (tiling, value bounds for peeling, subsets for hoisting; bufferization
    // of what they create), for drivers that do not register everything.
    linalg::registerTransformDialectExtension(registry);
    scf::registerTransformDialectExtension(registry);
    tensor::registerTransformDialectExtension(registry);
    vector::registerTransformDialectExtension(registry);
    transform::registerLoopExtension(registry);
    linalg::registerAllDialectInterfaceImplementations(registry);
    tensor::registerTilingInterfaceExternalModels(registry);
    affine::registerValueBoundsOpInterfaceExternalModels(registry);
    arith::registerValueBoundsOpInterfaceExternalModels(registry);
    scf::registerValueBoundsOpInterfaceExternalModels(registry);
    tensor::registerValueBoundsOpInterfaceExternalModels(registry);
    tensor::registerSubsetOpInterfaceExternalModels(registry);
    vector::registerSubsetOpInterfaceExternalModels(registry);
    scf::registerBufferizableOpInterfaceExternalModels(registry);
    tensor::registerBufferizableOpInterfaceExternalModels(registry);
    vector::registerBufferizableOpInterfaceExternalModels(registry);
  }

  /// Applies the named sequence `name` of `schedule` to the module.
  LogicalResult runSequence(ModuleOp schedule, StringRef name) {
    transform::TransformOpInterface entry =
        transform::detail::findTransformEntryPoint(schedule, ModuleOp(), name);
    if (!entry)
      return failure();
    return transform::applyTransformNamedSequence(
        getOperation(), entry, schedule,
        transform::TransformOptions().enableExpensiveChecks(false));
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Distinct plans, in run order.
    llvm::SetVector<DictionaryAttr> seen;
    module.walk([&](Operation *op) {
      auto plan = op->getAttrOfType<DictionaryAttr>(kPlanAttr);
      if (plan && plan.getAs<StringAttr>("kind") &&
          kindOrder(plan.getAs<StringAttr>("kind").getValue()) >= 0)
        seen.insert(plan);
    });
    SmallVector<DictionaryAttr> plans;
    for (int kind = 0; kind <= kindOrder("dot"); ++kind)
      for (DictionaryAttr plan : seen)
        if (kindOrder(plan.getAs<StringAttr>("kind").getValue()) == kind)
          plans.push_back(plan);
    if (!plans.empty()) {
      std::string text = buildSchedule(plans);
      if (dumpSchedule)
        llvm::errs() << text;
      ParserConfig config(&getContext());
      OwningOpRef<ModuleOp> schedule =
          parseSourceString<ModuleOp>(text, config, "zen-cpu-schedule");
      if (!schedule) {
        module.emitError("zen-cpu-apply-schedule: the generated transform "
                         "schedule does not parse (a Zen bug)");
        return signalPassFailure();
      }
      // Tile and vectorize; widen bf16 weight pairs (a rewrite no transform
      // op offers) while their transposes are whole, before canonicalization
      // reshapes them; clean up and hoist the accumulators; lower contracts,
      // reductions and the remaining transposes.
      if (failed(runSequence(*schedule, "__transform_main")))
        return signalPassFailure();
      RewritePatternSet widen(&getContext());
      widen.add<WidenBF16Pairs>(&getContext());
      if (failed(applyPatternsGreedily(module, std::move(widen))))
        return signalPassFailure();
      if (failed(runSequence(*schedule, "zen_vector_cleanup")) ||
          failed(runSequence(*schedule, "zen_lower_vectors")))
        return signalPassFailure();
      RewritePatternSet transposes(&getContext());
      vector::populateVectorTransposeLoweringPatterns(
          transposes, vector::VectorTransposeLowering::Shuffle1D);
      if (failed(applyPatternsGreedily(module, std::move(transposes))))
        return signalPassFailure();
    }
    // The plans and tags have served their purpose.
    module.walk([](Operation *op) {
      op->removeAttr(kPlanAttr);
      op->removeAttr("zen.cpu_vectorize");
      op->removeAttr("zen.cpu_kloop");
      op->removeAttr("zen.cpu_kloop_row");
    });
  }
};

} // namespace
