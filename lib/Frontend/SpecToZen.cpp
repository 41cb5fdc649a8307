//===- SpecToZen.cpp - ModelSpec -> Zen IR --------------------------------===//
//
// The forward pass of a Qwen3-family model, op for op as
// shared/reference/qwen3-architectures.md §2 describes it. One private
// function per layer kind; @forward embeds, calls one per decoder layer, and
// applies the final norm and LM head.
//
//===----------------------------------------------------------------------===//

#include "zen/Frontend/SpecToZen.h"

#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mlir::zen;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// How a layer function runs: without caches (forward), or reading and
/// updating its caches (prefill: chunked delta rule; decode: recurrent).
enum class LayerMode { Forward, Prefill, Decode };

/// The state a cached layer carries between calls.
struct CacheSlot {
  std::string name; // relative to the layer, e.g. "k_cache"
  RankedTensorType type;
};

/// A weight a layer function takes: its HF name relative to the layer prefix
/// ("self_attn.q_proj.weight") and its shape.
struct WeightSlot {
  std::string name;
  SmallVector<int64_t> shape;
  /// Gated-DeltaNet's A_log and dt_bias stay f32 whatever the model dtype.
  bool alwaysF32 = false;
};

/// The layer kinds of a spec, their weights, and the builders of their bodies.
class ForwardBuilder {
public:
  ForwardBuilder(MLIRContext &context, const ModelSpec &spec)
      : spec(spec), cfg(spec.model), b(UnknownLoc::get(&context), &context) {
    elementType = spec.target.dtype == TargetDType::BF16
                      ? Type(b.getBF16Type())
                      : Type(b.getF32Type());
  }

  OwningOpRef<ModuleOp> build();

private:
  // --- Types -------------------------------------------------------------
  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, elementType);
  }
  RankedTensorType hiddenType() { return tensor({kDyn, kDyn, cfg.hiddenSize}); }
  RankedTensorType tokenType() {
    return RankedTensorType::get({kDyn, kDyn}, b.getI64Type());
  }
  RankedTensorType weightType(const WeightSlot &slot) {
    return RankedTensorType::get(slot.shape, slot.alwaysF32 ? b.getF32Type()
                                                            : elementType);
  }

  // --- Weights of each layer kind ----------------------------------------
  SmallVector<WeightSlot> layerWeights(LayerSpec kind);
  void addAttentionWeights(SmallVectorImpl<WeightSlot> &slots);
  void addLinearAttentionWeights(SmallVectorImpl<WeightSlot> &slots);
  void addFFNWeights(FFNKind ffn, SmallVectorImpl<WeightSlot> &slots);

  /// The caches of one layer kind (two per layer: K/V, or conv/recurrent).
  SmallVector<CacheSlot> layerCaches(LayerSpec kind);

  /// The private function implementing one layer kind in one mode (built
  /// once). Forward: (x, positions, mask, weights...) -> x. Cached modes:
  /// (x, positions, mask over cache slots, cache_position, caches...,
  /// weights...) -> (x, updated caches...).
  func::FuncOp layerFunction(LayerSpec kind, LayerMode mode = LayerMode::Forward);

  // --- Bodies --------------------------------------------------------------
  /// Weights of the layer function being built, by relative HF name.
  Value w(StringRef name) const {
    auto it = weights.find(name);
    assert(it != weights.end() && "unknown layer weight");
    return it->second;
  }
  Value rmsNorm(Value x, Value weight) {
    return RMSNormOp::create(b, x, weight, b.getF64FloatAttr(cfg.rmsNormEps),
                             spec.zeroCenteredNorms() ? b.getUnitAttr()
                                                      : UnitAttr());
  }
  Value linear(Value x, Value weight) {
    return LinearOp::create(b, x, weight, Value(), Value(), FloatAttr());
  }
  /// The token mixers. With `caches` (two values) they read and update the
  /// layer's caches and append the new ones to `newCaches`.
  Value attentionMixer(Value x, Value positions, Value mask, Value cachePos,
                       ValueRange caches, SmallVectorImpl<Value> &newCaches);
  Value linearAttentionMixer(Value x, Value mask, Value cachePos,
                             ValueRange caches, LayerMode mode,
                             SmallVectorImpl<Value> &newCaches);
  Value ffn(FFNKind kind, Value x);

  // --- Shape plumbing ------------------------------------------------------
  /// [B, T, n*d] -> [B, T, n, d].
  Value splitLast(Value x, int64_t n, int64_t d);
  /// [B, T, a, b] -> [B, T, a*b] (or [B, T, a, b, c] -> [B, T, a*b, c] with
  /// `mergeFromDim` 2 and rank 5).
  Value mergeDims(Value x, int64_t first, int64_t count);
  /// x[..., offset : offset + size] along the last dim.
  Value sliceLast(Value x, int64_t offset, int64_t size);
  Value addResidual(Value a, Value c) { return arith::AddFOp::create(b, a, c); }

  void buildForward(ModuleOp module);
  void buildForwardMTP(ModuleOp module);
  /// @prefill / @decode: run new tokens against the caches and return the
  /// last position's logits and the updated caches.
  void buildCachedEntry(ModuleOp module, LayerMode mode);

  /// Adds a weight argument named `prefix + slot.name` to `func`'s signature
  /// list; returns its index.
  struct ArgList {
    SmallVector<Type> types;
    SmallVector<std::string> params; // "" for activations
    unsigned add(Type type, std::string param = "") {
      types.push_back(type);
      params.push_back(std::move(param));
      return types.size() - 1;
    }
  };
  func::FuncOp createFunction(ModuleOp module, StringRef name,
                              const ArgList &args, ArrayRef<Type> results);

  const ModelSpec &spec;
  const TextConfig &cfg;
  ImplicitLocOpBuilder b;
  Type elementType;
  /// Batch and sequence sizes of the current function's activations.
  Value batchSize, seqLen;
  llvm::StringMap<Value> weights;
  std::map<std::tuple<int, int, int>, func::FuncOp> layerFunctions;
  ModuleOp module;
};

} // namespace

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

void ForwardBuilder::addAttentionWeights(SmallVectorImpl<WeightSlot> &slots) {
  int64_t h = cfg.hiddenSize, hd = cfg.headDim;
  int64_t qRows = cfg.numAttentionHeads * hd * (spec.gatedAttention() ? 2 : 1);
  int64_t kvRows = cfg.numKeyValueHeads * hd;
  slots.push_back({"self_attn.q_proj.weight", {qRows, h}});
  slots.push_back({"self_attn.k_proj.weight", {kvRows, h}});
  slots.push_back({"self_attn.v_proj.weight", {kvRows, h}});
  slots.push_back({"self_attn.o_proj.weight", {h, cfg.numAttentionHeads * hd}});
  slots.push_back({"self_attn.q_norm.weight", {hd}});
  slots.push_back({"self_attn.k_norm.weight", {hd}});
}

void ForwardBuilder::addLinearAttentionWeights(
    SmallVectorImpl<WeightSlot> &slots) {
  int64_t h = cfg.hiddenSize, hv = cfg.linearNumValueHeads;
  int64_t qkvz = 2 * spec.linearKeyDim() + 2 * spec.linearValueDim();
  slots.push_back({"linear_attn.in_proj_qkvz.weight", {qkvz, h}});
  slots.push_back({"linear_attn.in_proj_ba.weight", {2 * hv, h}});
  slots.push_back({"linear_attn.conv1d.weight",
                   {spec.linearConvDim(), 1, cfg.linearConvKernelDim}});
  slots.push_back({"linear_attn.dt_bias", {hv}, /*alwaysF32=*/true});
  slots.push_back({"linear_attn.A_log", {hv}, /*alwaysF32=*/true});
  slots.push_back({"linear_attn.norm.weight", {cfg.linearValueHeadDim}});
  slots.push_back({"linear_attn.out_proj.weight", {h, spec.linearValueDim()}});
}

void ForwardBuilder::addFFNWeights(FFNKind ffn,
                                   SmallVectorImpl<WeightSlot> &slots) {
  int64_t h = cfg.hiddenSize;
  if (ffn == FFNKind::DenseMLP) {
    int64_t i = cfg.intermediateSize;
    slots.push_back({"mlp.gate_proj.weight", {i, h}});
    slots.push_back({"mlp.up_proj.weight", {i, h}});
    slots.push_back({"mlp.down_proj.weight", {h, i}});
    return;
  }
  int64_t e = cfg.numExperts, i = cfg.moeIntermediateSize;
  slots.push_back({"mlp.gate.weight", {e, h}});
  slots.push_back({"mlp.experts.{e}.gate_proj.weight", {e, i, h}});
  slots.push_back({"mlp.experts.{e}.up_proj.weight", {e, i, h}});
  slots.push_back({"mlp.experts.{e}.down_proj.weight", {e, h, i}});
  if (spec.hasSharedExpert()) {
    int64_t s = cfg.sharedExpertIntermediateSize;
    slots.push_back({"mlp.shared_expert.gate_proj.weight", {s, h}});
    slots.push_back({"mlp.shared_expert.up_proj.weight", {s, h}});
    slots.push_back({"mlp.shared_expert.down_proj.weight", {h, s}});
    slots.push_back({"mlp.shared_expert_gate.weight", {1, h}});
  }
}

SmallVector<WeightSlot> ForwardBuilder::layerWeights(LayerSpec kind) {
  SmallVector<WeightSlot> slots;
  slots.push_back({"input_layernorm.weight", {cfg.hiddenSize}});
  if (kind.mixer == MixerKind::FullAttention)
    addAttentionWeights(slots);
  else
    addLinearAttentionWeights(slots);
  slots.push_back({"post_attention_layernorm.weight", {cfg.hiddenSize}});
  addFFNWeights(kind.ffn, slots);
  return slots;
}

//===----------------------------------------------------------------------===//
// Shape plumbing
//===----------------------------------------------------------------------===//

Value ForwardBuilder::splitLast(Value x, int64_t n, int64_t d) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape().drop_back());
  shape.append({n, d});
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i + 1 < type.getRank(); ++i)
    groups.push_back({i});
  groups.push_back({type.getRank() - 1, type.getRank()});
  SmallVector<OpFoldResult> outShape = {batchSize, seqLen};
  for (int64_t i = 2; i < (int64_t)shape.size(); ++i)
    outShape.push_back(b.getIndexAttr(shape[i]));
  return tensor::ExpandShapeOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), x, groups,
      outShape);
}

Value ForwardBuilder::mergeDims(Value x, int64_t first, int64_t count) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < type.getRank();) {
    if (i == first) {
      ReassociationIndices group;
      int64_t size = 1;
      for (int64_t j = 0; j < count; ++j, ++i) {
        group.push_back(i);
        size *= type.getDimSize(i);
      }
      groups.push_back(group);
      shape.push_back(size);
      continue;
    }
    groups.push_back({i});
    shape.push_back(type.getDimSize(i));
    ++i;
  }
  return tensor::CollapseShapeOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), x, groups);
}

Value ForwardBuilder::sliceLast(Value x, int64_t offset, int64_t size) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = {batchSize, seqLen};
  for (int64_t i = 2; i < rank; ++i)
    sizes.push_back(b.getIndexAttr(type.getDimSize(i)));
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets.back() = b.getIndexAttr(offset);
  sizes.back() = b.getIndexAttr(size);
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  return tensor::ExtractSliceOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), x, offsets,
      sizes, strides);
}

//===----------------------------------------------------------------------===//
// Layer bodies
//===----------------------------------------------------------------------===//

// §2.3 / §2.6: projections, per-head qk-norm before RoPE, GQA attention with
// the padding mask, Qwen3-Next's per-head [q | gate] split and output gate.
Value ForwardBuilder::attentionMixer(Value x, Value positions, Value mask,
                                     Value cachePos, ValueRange caches,
                                     SmallVectorImpl<Value> &newCaches) {
  int64_t nh = cfg.numAttentionHeads, nkv = cfg.numKeyValueHeads;
  int64_t hd = cfg.headDim;
  Value h = rmsNorm(x, w("input_layernorm.weight"));
  Value q, gate;
  Value qProj = linear(h, w("self_attn.q_proj.weight"));
  if (spec.gatedAttention()) {
    Value qg = splitLast(qProj, nh, 2 * hd);
    q = sliceLast(qg, 0, hd);
    gate = sliceLast(qg, hd, hd);
  } else {
    q = splitLast(qProj, nh, hd);
  }
  Value k = splitLast(linear(h, w("self_attn.k_proj.weight")), nkv, hd);
  Value v = splitLast(linear(h, w("self_attn.v_proj.weight")), nkv, hd);
  q = rmsNorm(q, w("self_attn.q_norm.weight"));
  k = rmsNorm(k, w("self_attn.k_norm.weight"));
  auto theta = b.getF64FloatAttr(cfg.rope.theta);
  auto rotary = b.getI64IntegerAttr(spec.rotaryDim());
  q = RoPEOp::create(b, q, positions, theta, rotary);
  k = RoPEOp::create(b, k, positions, theta, rotary);
  bool cached = !caches.empty();
  auto attention = AttentionOp::create(
      b, q, k, v, mask, gate, cached ? caches[0] : Value(),
      cached ? caches[1] : Value(), cachePos, /*causal=*/true, FloatAttr());
  if (cached)
    newCaches.append({attention.getNewKCache(), attention.getNewVCache()});
  Value o = attention.getOut();
  Value out = linear(mergeDims(o, 2, 2), w("self_attn.o_proj.weight"));
  return addResidual(x, out);
}

// §2.7: Gated DeltaNet with per-key-head regrouping, causal conv over
// q || k || v, decay gates, the chunked gated delta rule and the gated norm.
Value ForwardBuilder::linearAttentionMixer(Value x, Value mask, Value cachePos,
                                           ValueRange caches, LayerMode mode,
                                           SmallVectorImpl<Value> &newCaches) {
  int64_t hk = cfg.linearNumKeyHeads, hv = cfg.linearNumValueHeads;
  int64_t dk = cfg.linearKeyHeadDim, dv = cfg.linearValueHeadDim;
  int64_t r = hv / hk;
  Value h = rmsNorm(x, w("input_layernorm.weight"));
  bool cached = !caches.empty();
  if (cached) {
    // The mask covers every cache slot; this call's tokens sit at
    // [cache_position, cache_position + T).
    Value pos = arith::IndexCastOp::create(
        b, b.getIndexType(), tensor::ExtractOp::create(b, cachePos));
    mask = tensor::ExtractSliceOp::create(
        b, RankedTensorType::get({kDyn, kDyn},
                                 cast<RankedTensorType>(mask.getType())
                                     .getElementType()),
        mask, ArrayRef<OpFoldResult>{b.getIndexAttr(0), pos},
        ArrayRef<OpFoldResult>{batchSize, seqLen},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  }
  h = MaskPaddingOp::create(b, h, mask);

  // Per key head: [q dk | k dk | v r*dv | z r*dv] and [b r | a r].
  Value qkvz = splitLast(linear(h, w("linear_attn.in_proj_qkvz.weight")), hk,
                         2 * dk + 2 * r * dv);
  Value q = sliceLast(qkvz, 0, dk);
  Value k = sliceLast(qkvz, dk, dk);
  Value v = sliceLast(qkvz, 2 * dk, r * dv);
  Value z = sliceLast(qkvz, 2 * dk + r * dv, r * dv);
  Value ba = splitLast(linear(h, w("linear_attn.in_proj_ba.weight")), hk, 2 * r);
  Value beta = mergeDims(sliceLast(ba, 0, r), 2, 2);
  Value a = mergeDims(sliceLast(ba, r, r), 2, 2);
  // Value head = key head * r + j.
  z = mergeDims(splitLast(z, r, dv), 2, 2);

  Value mixed = tensor::ConcatOp::create(
      b, /*dim=*/2,
      ValueRange{mergeDims(q, 2, 2), mergeDims(k, 2, 2), mergeDims(v, 2, 2)});
  auto conv = CausalConv1dOp::create(
      b, mixed, w("linear_attn.conv1d.weight"),
      cached ? caches[0] : Value(),
      ActivationAttr::get(b.getContext(), Activation::silu));
  Value convOut = conv.getOut();
  int64_t keyDim = spec.linearKeyDim();
  Value qc = splitLast(sliceLast(convOut, 0, keyDim), hk, dk);
  Value kc = splitLast(sliceLast(convOut, keyDim, keyDim), hk, dk);
  Value vc = splitLast(sliceLast(convOut, 2 * keyDim, spec.linearValueDim()),
                       hv, dv);

  auto gates = GdnGatesOp::create(b, a, beta, w("linear_attn.A_log"),
                                  w("linear_attn.dt_bias"));
  // Prefill and forward use the chunked form, decode the recurrent one.
  auto rule = GatedDeltaRuleOp::create(
      b, qc, kc, vc, gates.getG(), gates.getBeta(),
      cached ? caches[1] : Value(),
      DeltaRuleModeAttr::get(b.getContext(), mode == LayerMode::Decode
                                                 ? DeltaRuleMode::recurrent
                                                 : DeltaRuleMode::chunked),
      b.getI64IntegerAttr(64), FloatAttr(), b.getUnitAttr());
  if (cached) {
    // Write the new states into the caller's buffers (small: [B, C, K] and
    // [B, Hv, dk, dv]), so the entry points update them in place.
    for (auto [fresh, dest] : llvm::zip(
             ValueRange{conv.getNewState(), rule.getFinalState()}, caches))
      newCaches.push_back(
          bufferization::MaterializeInDestinationOp::create(b, fresh, dest)
              .getResult());
  }
  Value o = GatedRMSNormOp::create(b, rule.getOut(), z,
                                   w("linear_attn.norm.weight"),
                                   b.getF64FloatAttr(cfg.rmsNormEps));
  Value out = linear(mergeDims(o, 2, 2), w("linear_attn.out_proj.weight"));
  return addResidual(x, out);
}

// §2.5: SwiGLU MLP, or the routed MoE with Qwen3-Next's gated shared expert.
Value ForwardBuilder::ffn(FFNKind kind, Value x) {
  Value h = rmsNorm(x, w("post_attention_layernorm.weight"));
  Value out;
  if (kind == FFNKind::DenseMLP) {
    out = MLPOp::create(b, h, w("mlp.gate_proj.weight"),
                        w("mlp.up_proj.weight"), w("mlp.down_proj.weight"));
  } else {
    bool shared = spec.hasSharedExpert();
    auto opt = [&](StringRef name) { return shared ? w(name) : Value(); };
    out = MoEOp::create(
        b, h, w("mlp.gate.weight"), w("mlp.experts.{e}.gate_proj.weight"),
        w("mlp.experts.{e}.up_proj.weight"),
        w("mlp.experts.{e}.down_proj.weight"),
        opt("mlp.shared_expert.gate_proj.weight"),
        opt("mlp.shared_expert.up_proj.weight"),
        opt("mlp.shared_expert.down_proj.weight"),
        opt("mlp.shared_expert_gate.weight"),
        b.getI64IntegerAttr(cfg.numExpertsPerTok),
        cfg.normTopkProb ? b.getUnitAttr() : UnitAttr());
  }
  return addResidual(x, out);
}

//===----------------------------------------------------------------------===//
// Functions
//===----------------------------------------------------------------------===//

func::FuncOp ForwardBuilder::createFunction(ModuleOp module, StringRef name,
                                            const ArgList &args,
                                            ArrayRef<Type> results) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto func = func::FuncOp::create(b, name,
                                   b.getFunctionType(args.types, results));
  for (auto [i, param] : llvm::enumerate(args.params)) {
    if (param.empty())
      continue;
    func.setArgAttr(i, ZenDialect::getParamAttrName(), b.getStringAttr(param));
    // The runtime may map weights read-only straight from the checkpoint.
    func.setArgAttr(i, "bufferization.writable", b.getBoolAttr(false));
  }
  func.addEntryBlock();
  return func;
}

SmallVector<CacheSlot> ForwardBuilder::layerCaches(LayerSpec kind) {
  if (kind.mixer == MixerKind::FullAttention) {
    auto kv = tensor({kDyn, cfg.numKeyValueHeads, kDyn, cfg.headDim});
    return {{"k_cache", kv}, {"v_cache", kv}};
  }
  auto conv = tensor({kDyn, spec.linearConvDim(), cfg.linearConvKernelDim});
  auto state = RankedTensorType::get(
      {kDyn, cfg.linearNumValueHeads, cfg.linearKeyHeadDim,
       cfg.linearValueHeadDim},
      b.getF32Type());
  return {{"conv_state", conv}, {"recurrent_state", state}};
}

func::FuncOp ForwardBuilder::layerFunction(LayerSpec kind, LayerMode mode) {
  // Full-attention layers run the same body for prefill and decode.
  if (kind.mixer == MixerKind::FullAttention && mode == LayerMode::Decode)
    mode = LayerMode::Prefill;
  auto key = std::make_tuple((int)kind.mixer, (int)kind.ffn, (int)mode);
  if (auto it = layerFunctions.find(key); it != layerFunctions.end())
    return it->second;
  bool cached = mode != LayerMode::Forward;

  ArgList args;
  args.add(hiddenType());
  args.add(tokenType()); // positions
  args.add(tokenType()); // attention mask (over cache slots when cached)
  SmallVector<CacheSlot> caches;
  if (cached) {
    args.add(RankedTensorType::get({}, b.getI64Type())); // cache_position
    caches = layerCaches(kind);
    for (const CacheSlot &cache : caches)
      args.add(cache.type);
  }
  unsigned firstWeight = args.types.size();
  SmallVector<WeightSlot> slots = layerWeights(kind);
  for (const WeightSlot &slot : slots)
    args.add(weightType(slot));
  std::string name = ("layer_" + stringify(kind.mixer) + "_" +
                      stringify(kind.ffn))
                         .str();
  if (mode == LayerMode::Prefill)
    name += kind.mixer == MixerKind::FullAttention ? "_cached" : "_prefill";
  else if (mode == LayerMode::Decode)
    name += "_decode";
  std::replace(name.begin(), name.end(), '-', '_');
  SmallVector<Type> results = {hiddenType()};
  for (const CacheSlot &cache : caches)
    results.push_back(cache.type);
  func::FuncOp func = createFunction(module, name, args, results);
  func.setPrivate();

  OpBuilder::InsertionGuard guard(b);
  Block &body = func.front();
  b.setInsertionPointToStart(&body);
  weights.clear();
  for (auto [i, slot] : llvm::enumerate(slots))
    weights[slot.name] = body.getArgument(firstWeight + i);
  Value x = body.getArgument(0);
  batchSize = tensor::DimOp::create(b, x, 0);
  seqLen = tensor::DimOp::create(b, x, 1);
  Value cachePos = cached ? body.getArgument(3) : Value();
  ValueRange cacheArgs =
      cached ? body.getArguments().slice(4, caches.size()) : ValueRange();
  SmallVector<Value> newCaches;
  Value mixed =
      kind.mixer == MixerKind::FullAttention
          ? attentionMixer(x, body.getArgument(1), body.getArgument(2),
                           cachePos, cacheArgs, newCaches)
          : linearAttentionMixer(x, body.getArgument(2), cachePos, cacheArgs,
                                 mode, newCaches);
  SmallVector<Value> returned = {ffn(kind.ffn, mixed)};
  returned.append(newCaches);
  func::ReturnOp::create(b, returned);
  layerFunctions[key] = func;
  return func;
}

void ForwardBuilder::buildForward(ModuleOp module) {
  std::string prefix = spec.textParamPrefix();
  int64_t vocab = cfg.vocabSize, hidden = cfg.hiddenSize;
  auto logitsType = tensor({kDyn, kDyn, vocab});

  ArgList args;
  unsigned idsArg = args.add(tokenType());
  unsigned posArg = args.add(tokenType());
  unsigned maskArg = args.add(tokenType());
  unsigned embedArg =
      args.add(tensor({vocab, hidden}), prefix + "embed_tokens.weight");
  SmallVector<std::pair<LayerSpec, unsigned>> layers; // kind, first weight arg
  for (int64_t i = 0; i < spec.numLayers(); ++i) {
    LayerSpec kind = spec.layer(i);
    std::string layerPrefix = prefix + "layers." + std::to_string(i) + ".";
    unsigned first = args.types.size();
    for (const WeightSlot &slot : layerWeights(kind))
      args.add(weightType(slot), layerPrefix + slot.name);
    layers.push_back({kind, first});
  }
  unsigned normArg = args.add(tensor({hidden}), prefix + "norm.weight");
  unsigned lmHeadArg = embedArg;
  if (!cfg.tieWordEmbeddings)
    lmHeadArg = args.add(tensor({vocab, hidden}), spec.lmHeadParamName());

  func::FuncOp forward = createFunction(module, "forward", args, {logitsType});
  forward.setArgAttr(idsArg, "zen.name", b.getStringAttr("input_ids"));
  forward.setArgAttr(posArg, "zen.name", b.getStringAttr("positions"));
  forward.setArgAttr(maskArg, "zen.name", b.getStringAttr("attention_mask"));
  forward.setResultAttr(0, "zen.name", b.getStringAttr("logits"));
  Block &body = forward.front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&body);
  Value positions = body.getArgument(posArg), mask = body.getArgument(maskArg);
  Value x = EmbeddingOp::create(b, body.getArgument(idsArg),
                                body.getArgument(embedArg));
  for (auto [kind, first] : layers) {
    func::FuncOp callee = layerFunction(kind);
    SmallVector<Value> operands = {x, positions, mask};
    for (unsigned i = 0, e = callee.getNumArguments() - 3; i < e; ++i)
      operands.push_back(body.getArgument(first + i));
    x = func::CallOp::create(b, callee, operands).getResult(0);
  }
  Value normed = rmsNorm(x, body.getArgument(normArg));
  Value logits = LMHeadOp::create(b, normed, body.getArgument(lmHeadArg));
  func::ReturnOp::create(b, logits);
}

// @prefill / @decode: the same decoder as @forward, each layer reading and
// updating its caches; only the last position's logits are computed.
void ForwardBuilder::buildCachedEntry(ModuleOp module, LayerMode mode) {
  std::string prefix = spec.textParamPrefix();
  int64_t vocab = cfg.vocabSize, hidden = cfg.hiddenSize;

  ArgList args;
  unsigned idsArg = args.add(tokenType());
  unsigned posArg = args.add(tokenType());
  unsigned maskArg = args.add(tokenType());
  unsigned cachePosArg = args.add(RankedTensorType::get({}, b.getI64Type()));
  struct LayerArgs {
    LayerSpec kind;
    unsigned firstCache, firstWeight;
  };
  SmallVector<LayerArgs> layers;
  SmallVector<std::pair<unsigned, std::string>> cacheArgs;
  for (int64_t i = 0; i < spec.numLayers(); ++i) {
    LayerSpec kind = spec.layer(i);
    LayerArgs layer{kind, (unsigned)args.types.size(), 0};
    for (const CacheSlot &cache : layerCaches(kind))
      cacheArgs.push_back({args.add(cache.type),
                           "layers." + std::to_string(i) + "." + cache.name});
    layers.push_back(layer);
  }
  unsigned embedArg =
      args.add(tensor({vocab, hidden}), prefix + "embed_tokens.weight");
  for (auto [i, layer] : llvm::enumerate(layers)) {
    layer.firstWeight = args.types.size();
    std::string layerPrefix = prefix + "layers." + std::to_string(i) + ".";
    for (const WeightSlot &slot : layerWeights(layer.kind))
      args.add(weightType(slot), layerPrefix + slot.name);
  }
  unsigned normArg = args.add(tensor({hidden}), prefix + "norm.weight");
  unsigned lmHeadArg = embedArg;
  if (!cfg.tieWordEmbeddings)
    lmHeadArg = args.add(tensor({vocab, hidden}), spec.lmHeadParamName());

  SmallVector<Type> results = {tensor({kDyn, 1, vocab})};
  for (auto [arg, name] : cacheArgs)
    results.push_back(args.types[arg]);
  StringRef entryName = mode == LayerMode::Prefill ? "prefill" : "decode";
  func::FuncOp entry = createFunction(module, entryName, args, results);
  entry.setArgAttr(idsArg, "zen.name", b.getStringAttr("input_ids"));
  entry.setArgAttr(posArg, "zen.name", b.getStringAttr("positions"));
  entry.setArgAttr(maskArg, "zen.name", b.getStringAttr("attention_mask"));
  entry.setArgAttr(cachePosArg, "zen.name", b.getStringAttr("cache_position"));
  entry.setResultAttr(0, "zen.name", b.getStringAttr("logits"));
  for (auto [i, cache] : llvm::enumerate(cacheArgs)) {
    entry.setArgAttr(cache.first, "zen.cache", b.getStringAttr(cache.second));
    entry.setResultAttr(1 + i, "zen.cache", b.getStringAttr(cache.second));
  }

  Block &body = entry.front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&body);
  Value positions = body.getArgument(posArg), mask = body.getArgument(maskArg);
  Value cachePos = body.getArgument(cachePosArg);
  Value x = EmbeddingOp::create(b, body.getArgument(idsArg),
                                body.getArgument(embedArg));
  SmallVector<Value> newCaches;
  for (const LayerArgs &layer : layers) {
    func::FuncOp callee = layerFunction(layer.kind, mode);
    SmallVector<Value> operands = {x, positions, mask, cachePos};
    operands.push_back(body.getArgument(layer.firstCache));
    operands.push_back(body.getArgument(layer.firstCache + 1));
    for (unsigned i = 0, e = callee.getNumArguments() - 6; i < e; ++i)
      operands.push_back(body.getArgument(layer.firstWeight + i));
    auto call = func::CallOp::create(b, callee, operands);
    x = call.getResult(0);
    newCaches.append({call.getResult(1), call.getResult(2)});
  }
  // Only the last position is scored: x[:, T-1:T, :].
  Value batch = tensor::DimOp::create(b, x, 0);
  Value last = arith::SubIOp::create(b, tensor::DimOp::create(b, x, 1),
                                     arith::ConstantIndexOp::create(b, 1));
  Value lastHidden = tensor::ExtractSliceOp::create(
      b, tensor({kDyn, 1, hidden}), x,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), last, b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{batch, b.getIndexAttr(1),
                             b.getIndexAttr(hidden)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1),
                             b.getIndexAttr(1)});
  Value normed = rmsNorm(lastHidden, body.getArgument(normArg));
  SmallVector<Value> returned = {
      LMHeadOp::create(b, normed, body.getArgument(lmHeadArg))};
  returned.append(newCaches);
  func::ReturnOp::create(b, returned);
}

// §2.9: e = norm(embed(tok_{t+1})), h = norm(h_t), x = [e | h] fcᵀ, one full
// attention layer, mtp.norm, the shared LM head (predicts token t+2).
void ForwardBuilder::buildForwardMTP(ModuleOp module) {
  std::string prefix = spec.textParamPrefix();
  int64_t vocab = cfg.vocabSize, hidden = cfg.hiddenSize;
  LayerSpec kind{MixerKind::FullAttention,
                 cfg.numExperts > 0 ? FFNKind::MoE : FFNKind::DenseMLP};

  ArgList args;
  unsigned hiddenArg = args.add(hiddenType());
  unsigned idsArg = args.add(tokenType());
  unsigned posArg = args.add(tokenType());
  unsigned maskArg = args.add(tokenType());
  unsigned embedArg =
      args.add(tensor({vocab, hidden}), prefix + "embed_tokens.weight");
  unsigned fcArg = args.add(tensor({hidden, 2 * hidden}), "mtp.fc.weight");
  unsigned embNormArg =
      args.add(tensor({hidden}), "mtp.pre_fc_norm_embedding.weight");
  unsigned hidNormArg =
      args.add(tensor({hidden}), "mtp.pre_fc_norm_hidden.weight");
  unsigned firstLayerArg = args.types.size();
  for (const WeightSlot &slot : layerWeights(kind))
    args.add(weightType(slot), "mtp.layers.0." + slot.name);
  unsigned normArg = args.add(tensor({hidden}), "mtp.norm.weight");
  unsigned lmHeadArg = embedArg;
  if (!cfg.tieWordEmbeddings)
    lmHeadArg = args.add(tensor({vocab, hidden}), spec.lmHeadParamName());

  func::FuncOp mtp = createFunction(module, "forward_mtp", args,
                                    {tensor({kDyn, kDyn, vocab})});
  mtp.setArgAttr(hiddenArg, "zen.name", b.getStringAttr("hidden_states"));
  mtp.setArgAttr(idsArg, "zen.name", b.getStringAttr("next_input_ids"));
  mtp.setArgAttr(posArg, "zen.name", b.getStringAttr("positions"));
  mtp.setArgAttr(maskArg, "zen.name", b.getStringAttr("attention_mask"));
  mtp.setResultAttr(0, "zen.name", b.getStringAttr("logits"));
  Block &body = mtp.front();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&body);
  Value e = EmbeddingOp::create(b, body.getArgument(idsArg),
                                body.getArgument(embedArg));
  e = rmsNorm(e, body.getArgument(embNormArg));
  Value h = rmsNorm(body.getArgument(hiddenArg), body.getArgument(hidNormArg));
  Value cat = tensor::ConcatOp::create(b, /*dim=*/2, ValueRange{e, h});
  Value x = linear(cat, body.getArgument(fcArg));
  func::FuncOp callee = layerFunction(kind);
  SmallVector<Value> operands = {x, body.getArgument(posArg),
                                 body.getArgument(maskArg)};
  for (unsigned i = 0, n = callee.getNumArguments() - 3; i < n; ++i)
    operands.push_back(body.getArgument(firstLayerArg + i));
  x = func::CallOp::create(b, callee, operands).getResult(0);
  Value normed = rmsNorm(x, body.getArgument(normArg));
  func::ReturnOp::create(
      b, LMHeadOp::create(b, normed, body.getArgument(lmHeadArg)).getResult());
}

OwningOpRef<ModuleOp> ForwardBuilder::build() {
  OwningOpRef<ModuleOp> owned = ModuleOp::create(b.getLoc());
  module = *owned;
  module->setAttr("zen.model", b.getStringAttr(spec.name));
  module->setAttr("zen.family", b.getStringAttr(stringify(spec.family)));
  buildForward(module);
  if (cfg.numNextnPredictLayers > 0)
    buildForwardMTP(module);
  buildCachedEntry(module, LayerMode::Prefill);
  buildCachedEntry(module, LayerMode::Decode);
  // Layer functions were appended after @forward; list them first so the IR
  // reads top-down (the layers, then the model that calls them).
  Operation *forward = &module.getBody()->front();
  for (auto &[key, func] : layerFunctions)
    func->moveBefore(forward);
  return owned;
}

OwningOpRef<ModuleOp> mlir::zen::buildForwardModule(MLIRContext &context,
                                                    const ModelSpec &spec) {
  context.loadDialect<ZenDialect, func::FuncDialect, tensor::TensorDialect,
                      arith::ArithDialect, bufferization::BufferizationDialect>();
  return ForwardBuilder(context, spec).build();
}
