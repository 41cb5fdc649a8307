//===- ZenAttentionOps.cpp - verifiers and shape inference ----------------===//
//
// Softmax attention and the Gated-DeltaNet ops. Shape inference here is
// tolerant: it reads whatever dimensions exist (dynamic where they do not) so
// that verify() can report a bad rank or size with its precise message.
//
//===----------------------------------------------------------------------===//

#include "ShapeChecks.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::zen;
using shape::named;

/// The first static size among `sizes`, or dynamic if none is static. Shape
/// inference uses it so that one static operand makes a result dim static.
static int64_t pickStatic(std::initializer_list<int64_t> sizes) {
  for (int64_t size : sizes)
    if (!ShapedType::isDynamic(size))
      return size;
  return ShapedType::kDynamic;
}

/// Dimension `dim` of `type`, or dynamic when `type` is null or too short
/// (verify() reports the bad rank; inference must not fail on it).
static int64_t dimOrDynamic(RankedTensorType type, int64_t dim) {
  if (!type || dim >= type.getRank())
    return ShapedType::kDynamic;
  return type.getDimSize(dim);
}

static LogicalResult verifyPositiveScale(Operation *op,
                                         std::optional<APFloat> scale,
                                         FloatAttr attr) {
  if (scale && !(scale->convertToDouble() > 0.0))
    return op->emitOpError() << "expects scale > 0, found " << attr;
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

void AttentionOp::build(OpBuilder &builder, OperationState &state, Value q,
                        Value k, Value v, Value mask, Value gate, Value kCache,
                        Value vCache, Value cachePosition, bool causal,
                        FloatAttr scale) {
  Type newKCache = kCache ? kCache.getType() : Type();
  Type newVCache = vCache ? vCache.getType() : Type();
  build(builder, state, q.getType(), newKCache, newVCache, q, k, v, mask, gate,
        kCache, vCache, cachePosition, causal, scale);
}

ParseResult AttentionOp::parseCacheTypes(OpAsmParser &parser, Type &kCache,
                                         Type &vCache, Type &newKCache,
                                         Type &newVCache) {
  if (parser.parseType(kCache) || parser.parseComma() ||
      parser.parseType(vCache))
    return failure();
  // The caches are updated in place (value semantics): same types out.
  newKCache = kCache;
  newVCache = vCache;
  return success();
}

void AttentionOp::printCacheTypes(OpAsmPrinter &printer, AttentionOp,
                                  Type kCache, Type vCache, Type, Type) {
  printer << kCache << ", " << vCache;
}

std::optional<double> AttentionOp::getScaleValue() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  RankedTensorType q = getQ().getType();
  int64_t hd = q.getRank() == 4 ? q.getDimSize(3) : ShapedType::kDynamic;
  if (ShapedType::isDynamic(hd) || hd <= 0)
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(hd));
}

/// The three cache operands come as a group; the generic form could split it.
static LogicalResult verifyCacheGroup(AttentionOp op) {
  SmallVector<StringRef> present;
  if (op.getKCache())
    present.push_back("k_cache");
  if (op.getVCache())
    present.push_back("v_cache");
  if (op.getCachePosition())
    present.push_back("cache_position");
  if (!present.empty() && present.size() != 3)
    return op.emitOpError()
           << "expects k_cache, v_cache and cache_position together, found "
              "only "
           << llvm::join(present, ", ");
  int numCacheResults = (op.getNewKCache() ? 1 : 0) + (op.getNewVCache() ? 1 : 0);
  if (present.empty() && numCacheResults != 0)
    return op.emitOpError()
           << "has updated-cache results but no cache operands";
  if (!present.empty() && numCacheResults != 2)
    return op.emitOpError() << "expects new_k_cache and new_v_cache results "
                               "with a cache, found "
                            << numCacheResults << " of them";
  return success();
}

static LogicalResult verifyResultMatches(Operation *op, StringRef resultName,
                                         Value result, StringRef operandName,
                                         Value operand) {
  if (result.getType() == operand.getType())
    return success();
  return op->emitOpError() << "expects " << resultName << " to have the type of "
                           << operandName << ": expected " << operand.getType()
                           << ", found " << result.getType();
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyCacheGroup(*this)))
    return failure();
  // gate and out have q's type (ODS traits), so q covers them.
  auto q = named("q", getQ());
  auto k = named("k", getK());
  auto v = named("v", getV());
  if (failed(shape::expectRank(*this, q, 4, "[B, T, nh, hd]")) ||
      failed(shape::expectRank(*this, k, 4, "[B, S, nkv, hd]")) ||
      failed(shape::expectRank(*this, v, 4, "[B, S, nkv, hd]")) ||
      failed(shape::expectSameElementType(*this, k, q)) ||
      failed(shape::expectSameElementType(*this, v, q)) ||
      failed(shape::expectDimsMatch(*this, k, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, v, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, v, 1, "S", k, 1, "S")) ||
      failed(shape::expectDimsMatch(*this, v, 2, "nkv", k, 2, "nkv")) ||
      failed(shape::expectDimsMatch(*this, k, 3, "hd", q, 3, "hd")) ||
      failed(shape::expectDimsMatch(*this, v, 3, "hd", q, 3, "hd")) ||
      failed(shape::expectDimDivisibleBy(*this, q, 2, "nh", k.dim(2),
                                         "k dim 2 (nkv)")))
    return failure();

  if (hasCache()) {
    auto kCache = named("k_cache", getKCache());
    auto vCache = named("v_cache", getVCache());
    const char *layout = "[B, nkv, Smax, hd]";
    if (failed(shape::expectRank(*this, kCache, 4, layout)) ||
        failed(shape::expectRank(*this, vCache, 4, layout)) ||
        failed(shape::expectSameElementType(*this, kCache, q)) ||
        failed(shape::expectSameElementType(*this, vCache, q)) ||
        failed(shape::expectDimsMatch(*this, kCache, 0, "B", q, 0, "B")) ||
        failed(shape::expectDimsMatch(*this, kCache, 1, "nkv", k, 2, "nkv")) ||
        failed(shape::expectDimsMatch(*this, kCache, 3, "hd", q, 3, "hd")) ||
        failed(shape::expectDimsMatch(*this, vCache, 0, "B", kCache, 0, "B")) ||
        failed(shape::expectDimsMatch(*this, vCache, 1, "nkv", kCache, 1,
                                      "nkv")) ||
        failed(shape::expectDimsMatch(*this, vCache, 2, "Smax", kCache, 2,
                                      "Smax")) ||
        failed(shape::expectDimsMatch(*this, vCache, 3, "hd", kCache, 3,
                                      "hd")))
      return failure();
    // The new tokens must fit; whether they fit after cache_position is a
    // run-time question.
    int64_t s = k.dim(1), sMax = kCache.dim(2);
    if (!ShapedType::isDynamic(s) && !ShapedType::isDynamic(sMax) && s > sMax)
      return emitOpError() << "k dim 1 (S) must not exceed k_cache dim 2 "
                              "(Smax): expected at most "
                           << sMax << ", found " << s;
    if (failed(verifyResultMatches(*this, "new_k_cache", getNewKCache(),
                                   "k_cache", getKCache())) ||
        failed(verifyResultMatches(*this, "new_v_cache", getNewVCache(),
                                   "v_cache", getVCache())))
      return failure();
  }

  if (getMask()) {
    auto mask = named("mask", getMask());
    if (failed(shape::expectRank(*this, mask, 2, "[B, Skv]")) ||
        failed(shape::expectDimsMatch(*this, mask, 0, "B", q, 0, "B")))
      return failure();
    // Without a cache the mask covers the keys; with one, every cache slot.
    if (hasCache() ? failed(shape::expectDimsMatch(
                         *this, mask, 1, "Skv", named("k_cache", getKCache()),
                         2, "Smax"))
                   : failed(shape::expectDimsMatch(*this, mask, 1, "Skv", k, 1,
                                                   "S")))
      return failure();
  }
  return verifyPositiveScale(*this, getScale(), getScaleAttr());
}

//===----------------------------------------------------------------------===//
// CausalConv1dOp
//===----------------------------------------------------------------------===//

LogicalResult CausalConv1dOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  RankedTensorType input, weight, state;
  if (operands.size() >= 2) {
    input = dyn_cast<RankedTensorType>(operands[0].getType());
    weight = dyn_cast<RankedTensorType>(operands[1].getType());
  }
  if (operands.size() == 3)
    state = dyn_cast<RankedTensorType>(operands[2].getType());
  if (!input || !weight)
    return emitOptionalError(location, "zen.causal_conv1d expects ranked "
                                       "tensors input [B, T, C] and weight "
                                       "[C, 1, K]");
  int64_t b = pickStatic({dimOrDynamic(input, 0), dimOrDynamic(state, 0)});
  int64_t c = pickStatic({dimOrDynamic(input, 2), dimOrDynamic(weight, 0),
                          dimOrDynamic(state, 1)});
  int64_t k = pickStatic({dimOrDynamic(weight, 2), dimOrDynamic(state, 2)});
  inferred.push_back(input);
  inferred.push_back(RankedTensorType::get({b, c, k}, input.getElementType()));
  return success();
}

LogicalResult CausalConv1dOp::verify() {
  auto input = named("input", getInput());
  auto weight = named("weight", getWeight());
  if (failed(shape::expectRank(*this, input, 3, "[B, T, C]")) ||
      failed(shape::expectRank(*this, weight, 3, "[C, 1, K]")) ||
      failed(shape::expectSameElementType(*this, weight, input)) ||
      failed(shape::expectDimsMatch(*this, weight, 0, "C", input, 2, "C")) ||
      failed(shape::expectDimEquals(*this, weight, 1, "depthwise", 1)))
    return failure();
  if (!getState())
    return success();
  auto state = named("state", getState());
  if (failed(shape::expectRank(*this, state, 3, "[B, C, K]")) ||
      failed(shape::expectSameElementType(*this, state, input)) ||
      failed(shape::expectDimsMatch(*this, state, 0, "B", input, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, state, 1, "C", input, 2, "C")) ||
      failed(shape::expectDimsMatch(*this, state, 2, "K", weight, 2, "K")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// GdnGatesOp
//===----------------------------------------------------------------------===//

LogicalResult GdnGatesOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  auto a = operands.empty() ? RankedTensorType()
                            : dyn_cast<RankedTensorType>(operands[0].getType());
  if (!a)
    return emitOptionalError(location,
                             "zen.gdn_gates expects a ranked tensor a [B, T, Hv]");
  // Gates are f32 whatever the model dtype: they feed the f32 recurrence.
  auto gates = RankedTensorType::get(a.getShape(), Float32Type::get(context));
  inferred.append({gates, gates});
  return success();
}

LogicalResult GdnGatesOp::verify() {
  // b has a's type (ODS trait).
  auto a = named("a", getA());
  auto aLog = named("A_log", getALog());
  auto dtBias = named("dt_bias", getDtBias());
  if (failed(shape::expectRank(*this, a, 3, "[B, T, Hv]")) ||
      failed(shape::expectRank(*this, aLog, 1, "[Hv]")) ||
      failed(shape::expectRank(*this, dtBias, 1, "[Hv]")) ||
      failed(shape::expectDimsMatch(*this, aLog, 0, "Hv", a, 2, "Hv")) ||
      failed(shape::expectDimsMatch(*this, dtBias, 0, "Hv", a, 2, "Hv")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// GatedDeltaRuleOp
//===----------------------------------------------------------------------===//

LogicalResult GatedDeltaRuleOp::inferReturnTypes(
    MLIRContext *context, std::optional<Location> location, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &inferred) {
  RankedTensorType q, k, v, state;
  if (operands.size() >= 5) {
    q = dyn_cast<RankedTensorType>(operands[0].getType());
    k = dyn_cast<RankedTensorType>(operands[1].getType());
    v = dyn_cast<RankedTensorType>(operands[2].getType());
  }
  if (operands.size() == 6)
    state = dyn_cast<RankedTensorType>(operands[5].getType());
  if (!q || !k || !v)
    return emitOptionalError(location,
                             "zen.gated_delta_rule expects ranked tensors q, k "
                             "[B, T, Hk, dk] and v [B, T, Hv, dv]");
  int64_t b = pickStatic({dimOrDynamic(q, 0), dimOrDynamic(k, 0),
                          dimOrDynamic(v, 0), dimOrDynamic(state, 0)});
  int64_t hv = pickStatic({dimOrDynamic(v, 2), dimOrDynamic(state, 1)});
  int64_t dk = pickStatic({dimOrDynamic(q, 3), dimOrDynamic(k, 3),
                           dimOrDynamic(state, 2)});
  int64_t dv = pickStatic({dimOrDynamic(v, 3), dimOrDynamic(state, 3)});
  inferred.push_back(v);
  inferred.push_back(
      RankedTensorType::get({b, hv, dk, dv}, Float32Type::get(context)));
  return success();
}

std::optional<double> GatedDeltaRuleOp::getScaleValue() {
  if (std::optional<APFloat> scale = getScale())
    return scale->convertToDouble();
  RankedTensorType q = getQ().getType();
  int64_t dk = q.getRank() == 4 ? q.getDimSize(3) : ShapedType::kDynamic;
  if (ShapedType::isDynamic(dk) || dk <= 0)
    return std::nullopt;
  return 1.0 / std::sqrt(static_cast<double>(dk));
}

LogicalResult GatedDeltaRuleOp::verify() {
  auto q = named("q", getQ());
  auto k = named("k", getK());
  auto v = named("v", getV());
  auto g = named("g", getG());
  auto beta = named("beta", getBeta());
  if (failed(shape::expectRank(*this, q, 4, "[B, T, Hk, dk]")) ||
      failed(shape::expectRank(*this, k, 4, "[B, T, Hk, dk]")) ||
      failed(shape::expectRank(*this, v, 4, "[B, T, Hv, dv]")) ||
      failed(shape::expectRank(*this, g, 3, "[B, T, Hv]")) ||
      failed(shape::expectRank(*this, beta, 3, "[B, T, Hv]")) ||
      failed(shape::expectSameElementType(*this, k, q)) ||
      failed(shape::expectSameElementType(*this, v, q)) ||
      failed(shape::expectDimsMatch(*this, k, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, k, 1, "T", q, 1, "T")) ||
      failed(shape::expectDimsMatch(*this, k, 2, "Hk", q, 2, "Hk")) ||
      failed(shape::expectDimsMatch(*this, k, 3, "dk", q, 3, "dk")) ||
      failed(shape::expectDimsMatch(*this, v, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, v, 1, "T", q, 1, "T")) ||
      failed(shape::expectDimDivisibleBy(*this, v, 2, "Hv", q.dim(2),
                                         "q dim 2 (Hk)")) ||
      failed(shape::expectDimsMatch(*this, g, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, g, 1, "T", q, 1, "T")) ||
      failed(shape::expectDimsMatch(*this, g, 2, "Hv", v, 2, "Hv")) ||
      failed(shape::expectDimsMatch(*this, beta, 0, "B", q, 0, "B")) ||
      failed(shape::expectDimsMatch(*this, beta, 1, "T", q, 1, "T")) ||
      failed(shape::expectDimsMatch(*this, beta, 2, "Hv", v, 2, "Hv")))
    return failure();
  if (getInitialState()) {
    auto state = named("initial_state", getInitialState());
    if (failed(shape::expectRank(*this, state, 4, "[B, Hv, dk, dv]")) ||
        failed(shape::expectDimsMatch(*this, state, 0, "B", q, 0, "B")) ||
        failed(shape::expectDimsMatch(*this, state, 1, "Hv", v, 2, "Hv")) ||
        failed(shape::expectDimsMatch(*this, state, 2, "dk", q, 3, "dk")) ||
        failed(shape::expectDimsMatch(*this, state, 3, "dv", v, 3, "dv")))
      return failure();
  }
  if (getChunkSize() <= 0)
    return emitOpError() << "expects chunk_size > 0, found " << getChunkSize();
  return verifyPositiveScale(*this, getScale(), getScaleAttr());
}

//===----------------------------------------------------------------------===//
// GatedRMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult GatedRMSNormOp::verify() {
  // gate and result have input's type (ODS trait).
  return shape::verifyLastDimNorm(*this, getInput(), getWeight(),
                                  getEpsAttr());
}
