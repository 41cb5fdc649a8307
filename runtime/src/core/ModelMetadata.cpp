//===- ModelMetadata.cpp - A model library's metadata document ------------===//

#include "ModelMetadata.h"

#include "CheckedMath.h"
#include "DType.h"
#include "Json.h"

#include <map>

namespace zen::rt {

namespace {

/// Metadata documents are small (a few KB per thousand parameters); this
/// bounds the parser on a hostile library.
constexpr size_t kMaxMetadataBytes = size_t(256) << 20;

class Parser {
public:
  explicit Parser(const std::string &label) : label_(label) {}

  zen_status_t error(const std::string &where, const std::string &message) {
    return makeStatus(
        ZEN_STATUS_INVALID_FORMAT,
        cat(label_, ": malformed model metadata: ", where, ": ", message));
  }

  zen_status_t getString(const json::Value &object, const std::string &where,
                         const char *key, std::string &out, bool allowEmpty) {
    const json::Value *v = object.find(key);
    if (!v)
      return error(where, cat("missing key \"", key, "\""));
    if (v->kind != json::Kind::String)
      return error(where + "." + key,
                   cat("expected a string, found ", json::describe(v->kind)));
    if (!allowEmpty && v->text.empty())
      return error(where + "." + key, "must not be empty");
    out = v->text;
    return nullptr;
  }

  zen_status_t getArray(const json::Value &object, const std::string &where,
                        const char *key, const json::Value *&out) {
    out = object.find(key);
    if (!out)
      return error(where, cat("missing key \"", key, "\""));
    if (out->kind != json::Kind::Array)
      return error(where + "." + key,
                   cat("expected an array, found ", json::describe(out->kind)));
    return nullptr;
  }

  zen_status_t parseDType(const std::string &where, const std::string &text,
                          zen_dtype_t &out) {
    static const std::pair<const char *, zen_dtype_t> names[] = {
        {"f32", ZEN_DTYPE_F32}, {"bf16", ZEN_DTYPE_BF16},
        {"f16", ZEN_DTYPE_F16}, {"i64", ZEN_DTYPE_I64},
        {"i32", ZEN_DTYPE_I32}, {"i1", ZEN_DTYPE_BOOL}};
    for (const auto &[name, dtype] : names)
      if (text == name) {
        out = dtype;
        return nullptr;
      }
    return error(where, cat("unknown dtype \"", text,
                            "\" (expected f32, bf16, f16, i64, i32 or i1)"));
  }

  /// {"name", "dtype", "shape"} plus "kind" for arguments.
  zen_status_t parseValue(const json::Value &v, const std::string &where,
                          bool isArg, ValueDesc &out) {
    if (v.kind != json::Kind::Object)
      return error(where,
                   cat("expected an object, found ", json::describe(v.kind)));
    ZEN_RETURN_IF_ERROR(getString(v, where, "name", out.name, false));
    if (isArg) {
      std::string kind;
      ZEN_RETURN_IF_ERROR(getString(v, where, "kind", kind, false));
      if (kind == "input")
        out.kind = ZEN_VALUE_INPUT;
      else if (kind == "param")
        out.kind = ZEN_VALUE_PARAM;
      else if (kind == "cache")
        out.kind = ZEN_VALUE_CACHE;
      else if (kind == "trainable")
        out.kind = ZEN_VALUE_TRAINABLE;
      else if (kind == "optim")
        out.kind = ZEN_VALUE_OPTIM;
      else
        return error(where + ".kind",
                     cat("expected \"input\", \"param\", \"cache\", "
                         "\"trainable\" or \"optim\", found \"",
                         kind, "\""));
    } else {
      out.kind = ZEN_VALUE_RESULT;
    }
    std::string dtype;
    ZEN_RETURN_IF_ERROR(getString(v, where, "dtype", dtype, false));
    ZEN_RETURN_IF_ERROR(parseDType(where + ".dtype", dtype, out.dtype));
    const json::Value *shape = nullptr;
    ZEN_RETURN_IF_ERROR(getArray(v, where, "shape", shape));
    if (shape->items.size() > ZEN_MAX_RANK)
      return error(where + ".shape",
                   cat("rank ", shape->items.size(),
                       " exceeds the runtime's limit of ", ZEN_MAX_RANK));
    for (size_t i = 0; i < shape->items.size(); ++i) {
      const json::Value &d = shape->items[i];
      if (d.kind == json::Kind::Number && d.isUInt &&
          d.uint <= uint64_t(INT64_MAX))
        out.shape.push_back(static_cast<int64_t>(d.uint));
      else if (d.kind == json::Kind::Number && d.text == "-1")
        out.shape.push_back(-1);
      else
        return error(cat(where, ".shape[", i, "]"),
                     "expected a non-negative integer or -1 (dynamic)");
    }
    return nullptr;
  }

  /// An optional number member; `where` names the object.
  zen_status_t getNumber(const json::Value &object, const std::string &where,
                         const char *key, double &out) {
    const json::Value *v = object.find(key);
    if (!v || v->kind == json::Kind::Null)
      return nullptr;
    if (v->kind != json::Kind::Number)
      return error(where + "." + key,
                   cat("expected a number, found ", json::describe(v->kind)));
    out = v->number;
    return nullptr;
  }

  zen_status_t getInt(const json::Value &object, const std::string &where,
                      const char *key, int64_t &out) {
    const json::Value *v = object.find(key);
    if (!v || v->kind == json::Kind::Null)
      return nullptr;
    if (v->kind != json::Kind::Number || !v->isUInt ||
        v->uint > uint64_t(INT64_MAX))
      return error(where + "." + key, "expected a non-negative integer");
    out = static_cast<int64_t>(v->uint);
    return nullptr;
  }

  zen_status_t getOptString(const json::Value &object,
                            const std::string &where, const char *key,
                            std::string &out) {
    const json::Value *v = object.find(key);
    if (!v || v->kind == json::Kind::Null)
      return nullptr;
    return getString(object, where, key, out, false);
  }

  zen_status_t getBool(const json::Value &object, const std::string &where,
                       const char *key, bool &out) {
    const json::Value *v = object.find(key);
    if (!v || v->kind == json::Kind::Null)
      return nullptr;
    if (v->kind != json::Kind::Bool)
      return error(where + "." + key,
                   cat("expected a boolean, found ", json::describe(v->kind)));
    out = v->boolean;
    return nullptr;
  }

  /// The "training" object. Every key but the group size is optional (the
  /// spec's defaults apply); TRL's names (num_generations, epsilon) are
  /// accepted beside the metadata's (group_size, epsilon_low).
  zen_status_t parseTraining(const json::Value &v, TrainingDesc &out) {
    const std::string where = "training";
    if (v.kind != json::Kind::Object)
      return error(where,
                   cat("expected an object, found ", json::describe(v.kind)));
    out.present = true;
    ZEN_RETURN_IF_ERROR(getOptString(v, where, "algorithm", out.algorithm));
    if (out.algorithm != "gspo" && out.algorithm != "grpo")
      return error(where + ".algorithm",
                   cat("expected \"gspo\" or \"grpo\", found \"",
                       out.algorithm, "\""));
    ZEN_RETURN_IF_ERROR(getInt(v, where, "num_generations", out.groupSize));
    ZEN_RETURN_IF_ERROR(getInt(v, where, "group_size", out.groupSize));
    if (out.groupSize < 1)
      return error(where, "missing key \"group_size\" (a positive integer)");
    bool gspo = out.algorithm == "gspo";
    out.epsilonLow = gspo ? 3e-4 : 0.2;
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "epsilon", out.epsilonLow));
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "epsilon_low", out.epsilonLow));
    out.epsilonHigh = gspo ? 4e-4 : out.epsilonLow;
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "epsilon_high", out.epsilonHigh));
    ZEN_RETURN_IF_ERROR(getOptString(v, where, "gspo_level", out.gspoLevel));
    ZEN_RETURN_IF_ERROR(getOptString(v, where, "loss_type", out.lossType));
    ZEN_RETURN_IF_ERROR(
        getOptString(v, where, "scale_rewards", out.scaleRewards));
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "beta", out.beta));
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "temperature", out.temperature));
    ZEN_RETURN_IF_ERROR(
        getNumber(v, where, "learning_rate", out.learningRate));
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "weight_decay", out.weightDecay));
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "adam_beta1", out.adamBeta1));
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "adam_beta2", out.adamBeta2));
    ZEN_RETURN_IF_ERROR(getNumber(v, where, "adam_epsilon", out.adamEpsilon));
    ZEN_RETURN_IF_ERROR(
        getNumber(v, where, "max_grad_norm", out.maxGradNorm));
    ZEN_RETURN_IF_ERROR(
        getInt(v, where, "max_seq_length", out.maxSeqLength));
    ZEN_RETURN_IF_ERROR(
        getBool(v, where, "materialize_logits", out.materializeLogits));
    if (!(out.learningRate > 0) || !(out.temperature > 0))
      return error(where, "learning_rate and temperature must be positive");

    const json::Value *lora = v.find("lora");
    if (!lora || lora->kind == json::Kind::Null)
      return nullptr; // full-weight training
    const std::string lw = where + ".lora";
    if (lora->kind != json::Kind::Object)
      return error(lw, cat("expected an object or null, found ",
                           json::describe(lora->kind)));
    out.lora = true;
    ZEN_RETURN_IF_ERROR(getInt(*lora, lw, "r", out.loraR));
    if (out.loraR < 1)
      return error(lw, "missing key \"r\" (a positive integer)");
    out.loraAlpha = 2.0 * double(out.loraR);
    ZEN_RETURN_IF_ERROR(getNumber(*lora, lw, "lora_alpha", out.loraAlpha));
    ZEN_RETURN_IF_ERROR(getNumber(*lora, lw, "lora_dropout", out.loraDropout));
    ZEN_RETURN_IF_ERROR(getBool(*lora, lw, "use_rslora", out.useRslora));
    const json::Value *targets = nullptr;
    ZEN_RETURN_IF_ERROR(getArray(*lora, lw, "target_modules", targets));
    for (size_t i = 0; i < targets->items.size(); ++i) {
      const json::Value &t = targets->items[i];
      if (t.kind != json::Kind::String || t.text.empty())
        return error(cat(lw, ".target_modules[", i, "]"),
                     "expected a module name");
      out.targetModules.push_back(t.text);
    }
    for (const std::string &m : out.targetModules)
      out.targetModuleNames.push_back(m.c_str());
    return nullptr;
  }

private:
  const std::string &label_;
};

} // namespace

const char *metadataDTypeName(zen_dtype_t dtype) {
  switch (dtype) {
  case ZEN_DTYPE_F32:
    return "f32";
  case ZEN_DTYPE_BF16:
    return "bf16";
  case ZEN_DTYPE_F16:
    return "f16";
  case ZEN_DTYPE_I64:
    return "i64";
  case ZEN_DTYPE_I32:
    return "i32";
  case ZEN_DTYPE_BOOL:
    return "i1";
  default:
    return "invalid";
  }
}

std::string describeValue(const ValueDesc &value) {
  std::string s = value.name + ": " + metadataDTypeName(value.dtype) + "[";
  for (size_t i = 0; i < value.shape.size(); ++i)
    s += cat(i ? ", " : "",
             value.shape[i] < 0 ? std::string("?") : cat(value.shape[i]));
  return s + "]";
}

zen_status_t parseModelMetadata(const std::string &label, std::string_view text,
                                ModelMetadata &out) {
  Parser p(label);
  if (text.size() > kMaxMetadataBytes)
    return p.error("document", cat(text.size(), " bytes exceeds the limit of ",
                                   kMaxMetadataBytes));
  json::Value root;
  json::ParseError parseError;
  json::ParseOptions options;
  options.maxDepth = 16;
  if (!json::parse(text, root, parseError, options))
    return p.error("document", cat("not valid JSON: ", parseError.message,
                                   " at byte ", parseError.offset));
  if (root.kind != json::Kind::Object)
    return p.error("document", cat("expected a JSON object, found ",
                                   json::describe(root.kind)));

  // The ABI version first: a library of another ABI may lay out everything
  // else differently, and its user needs the version message, not a key one.
  const json::Value *abi = root.find("zen_abi");
  if (!abi)
    return p.error("document", "missing key \"zen_abi\"");
  if (abi->kind != json::Kind::Number || !abi->isUInt ||
      abi->uint > uint64_t(INT64_MAX))
    return p.error("zen_abi", "expected a non-negative integer");
  const json::Value *version = root.find("zen_version");
  std::string versionText = version && version->kind == json::Kind::String
                                ? version->text
                                : std::string("an unknown version");
  if (abi->uint != ZEN_MODEL_ABI_VERSION)
    return makeStatus(
        ZEN_STATUS_UNSUPPORTED,
        cat(label, ": the model was built for Zen runtime ABI ", abi->uint,
            " (by zen ", versionText, "), but this libzenrt ",
            zen_runtime_version(), " implements ABI ", ZEN_MODEL_ABI_VERSION,
            "; rebuild the model with a zen-compile matching this runtime, "
            "or run it with a matching libzenrt"));
  out.abiVersion = static_cast<int64_t>(abi->uint);
  ZEN_RETURN_IF_ERROR(
      p.getString(root, "document", "zen_version", out.zenVersion, false));
  ZEN_RETURN_IF_ERROR(p.getString(root, "document", "model", out.model, true));
  ZEN_RETURN_IF_ERROR(
      p.getString(root, "document", "family", out.family, true));

  const json::Value *entries = nullptr;
  ZEN_RETURN_IF_ERROR(p.getArray(root, "document", "entry_points", entries));
  if (entries->items.empty())
    return p.error("entry_points", "the model has no entry points");

  std::map<std::string, size_t> paramIndex;
  for (size_t e = 0; e < entries->items.size(); ++e) {
    const json::Value &entry = entries->items[e];
    std::string where = cat("entry_points[", e, "]");
    if (entry.kind != json::Kind::Object)
      return p.error(
          where, cat("expected an object, found ", json::describe(entry.kind)));
    EntryPointDesc desc;
    ZEN_RETURN_IF_ERROR(p.getString(entry, where, "name", desc.name, false));
    for (const EntryPointDesc &other : out.entryPoints)
      if (other.name == desc.name)
        return p.error(where + ".name",
                       cat("entry point \"", desc.name, "\" is listed twice"));
    ZEN_RETURN_IF_ERROR(
        p.getString(entry, where, "symbol", desc.symbol, false));
    const json::Value *args = nullptr, *results = nullptr;
    ZEN_RETURN_IF_ERROR(p.getArray(entry, where, "args", args));
    ZEN_RETURN_IF_ERROR(p.getArray(entry, where, "results", results));

    for (size_t a = 0; a < args->items.size(); ++a) {
      std::string argWhere = cat(where, ".args[", a, "]");
      ValueDesc value;
      ZEN_RETURN_IF_ERROR(p.parseValue(args->items[a], argWhere, true, value));
      // Caches, trainables and optimizer state are passed like inputs (in
      // argument order): the caller owns them.
      if (value.kind != ZEN_VALUE_PARAM) {
        if (value.kind == ZEN_VALUE_TRAINABLE || value.kind == ZEN_VALUE_OPTIM)
          for (int64_t d : value.shape)
            if (d < 0)
              return p.error(argWhere + ".shape",
                             cat("\"", value.name,
                                 "\" has a dynamic dimension; trainable "
                                 "tensors must have static shapes"));
        for (const ValueDesc &other : desc.args)
          if (other.kind == value.kind && other.name == value.name)
            return p.error(argWhere + ".name",
                           cat("entry point \"", desc.name,
                               "\" has two inputs named \"", value.name, "\""));
        ++desc.numInputs;
        desc.args.push_back(std::move(value));
        continue;
      }
      // A parameter: weights have static shapes and float or int dtypes.
      for (int64_t d : value.shape)
        if (d < 0)
          return p.error(argWhere + ".shape",
                         cat("parameter \"", value.name,
                             "\" has a dynamic dimension; weights must have "
                             "static shapes"));
      if (value.name.find("{e}") != std::string::npos && value.shape.empty())
        return p.error(argWhere + ".shape",
                       cat("parameter \"", value.name,
                           "\" stacks per-expert tensors (\"{e}\") and needs "
                           "a leading expert dimension, but is a scalar"));
      if (value.dtype == ZEN_DTYPE_BOOL)
        return p.error(argWhere + ".dtype",
                       cat("parameter \"", value.name,
                           "\" is i1; parameters must be f32, bf16, f16, i64 "
                           "or i32"));
      auto [it, inserted] = paramIndex.emplace(value.name, out.params.size());
      if (inserted) {
        ParamDesc param;
        param.name = value.name;
        param.dtype = value.dtype;
        param.shape = value.shape;
        if (!checkedProduct(param.shape, param.numElements) ||
            !checkedMul(param.numElements, dtypeSize(param.dtype),
                        param.numBytes) ||
            param.numBytes > uint64_t(SIZE_MAX / 2))
          return p.error(argWhere + ".shape",
                         cat("parameter \"", value.name, "\" of shape ",
                             formatShape(param.shape), " is too large"));
        out.params.push_back(std::move(param));
      } else {
        // The first use is in this entry point or an earlier one.
        const ParamDesc &first = out.params[it->second];
        size_t firstEntry = first.entryPoints.front();
        const std::string &firstName =
            firstEntry == e ? desc.name : out.entryPoints[firstEntry].name;
        if (first.dtype != value.dtype || first.shape != value.shape)
          return p.error(argWhere, cat("parameter \"", value.name, "\" is ",
                                       metadataDTypeName(value.dtype),
                                       formatShape(value.shape), " here but ",
                                       metadataDTypeName(first.dtype),
                                       formatShape(first.shape),
                                       " in entry point \"", firstName, "\""));
      }
      ParamDesc &param = out.params[it->second];
      if (param.entryPoints.empty() || param.entryPoints.back() != e)
        param.entryPoints.push_back(e);
      value.paramIndex = it->second;
      desc.args.push_back(std::move(value));
    }

    for (size_t r = 0; r < results->items.size(); ++r) {
      ValueDesc value;
      ZEN_RETURN_IF_ERROR(p.parseValue(
          results->items[r], cat(where, ".results[", r, "]"), false, value));
      desc.results.push_back(std::move(value));
    }
    out.entryPoints.push_back(std::move(desc));
  }

  // Training (zen-compile --train) is an addition within ABI 1: a library
  // without it has no "training" key and no train_step entry point.
  if (const json::Value *training = root.find("training");
      training && training->kind != json::Kind::Null)
    ZEN_RETURN_IF_ERROR(p.parseTraining(*training, out.training));
  return nullptr;
}

} // namespace zen::rt
