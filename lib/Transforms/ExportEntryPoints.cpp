//===- ExportEntryPoints.cpp - zen-export-entry-points --------------------===//

#include "zen/Dialect/Zen/ZenOps.h"
#include "zen/Transforms/EntryPointAttrs.h"
#include "zen/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENEXPORTENTRYPOINTS
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

/// The runtime ABI version (docs/runtime-abi.md); bump on any change.
constexpr int64_t kZenABI = 1;

std::string dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isBF16())
    return "bf16";
  if (type.isF16())
    return "f16";
  if (type.isInteger(64))
    return "i64";
  if (type.isInteger(32))
    return "i32";
  if (type.isInteger(1))
    return "i1";
  return "";
}

/// {"name", "dtype", "shape"} of one tensor, or failure for other types.
FailureOr<llvm::json::Object> describe(Type type, StringRef name,
                                       Location loc) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::string dtype = tensor ? dtypeName(tensor.getElementType()) : "";
  if (dtype.empty())
    return emitError(loc) << "entry point value '" << name
                          << "' must be a ranked tensor of f32/bf16/f16/i64/"
                             "i32/i1, found "
                          << type;
  llvm::json::Array shape;
  for (int64_t dim : tensor.getShape())
    shape.push_back(ShapedType::isDynamic(dim) ? int64_t(-1) : dim);
  return llvm::json::Object{
      {"name", name.str()}, {"dtype", dtype}, {"shape", std::move(shape)}};
}

std::string stringAttrOr(Attribute attr, std::string fallback) {
  if (auto str = dyn_cast_or_null<StringAttr>(attr))
    return str.str();
  return fallback;
}

/// The JSON form of the (string, number, bool, array, dictionary)
/// attributes zen-build-train-step records.
llvm::json::Value toJSON(Attribute attr) {
  if (auto s = dyn_cast<StringAttr>(attr))
    return s.str();
  if (auto b = dyn_cast<BoolAttr>(attr))
    return b.getValue();
  if (auto i = dyn_cast<IntegerAttr>(attr))
    return i.getInt();
  if (auto f = dyn_cast<FloatAttr>(attr))
    return f.getValueAsDouble();
  if (auto a = dyn_cast<ArrayAttr>(attr)) {
    llvm::json::Array array;
    for (Attribute e : a)
      array.push_back(toJSON(e));
    return array;
  }
  if (auto d = dyn_cast<DictionaryAttr>(attr)) {
    llvm::json::Object object;
    for (NamedAttribute e : d)
      object[e.getName().str()] = toJSON(e.getValue());
    return object;
  }
  return nullptr;
}

struct ZenExportEntryPointsPass
    : zen::impl::ZenExportEntryPointsBase<ZenExportEntryPointsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::json::Array entries;
    bool ok = true;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      llvm::json::Array args, results;
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i) {
        Attribute param = func.getArgAttr(i, ZenDialect::getParamAttrName());
        auto state = inPlaceStateOf(func.getArgAttrDict(i));
        Attribute nameAttr = param ? param
                             : state ? Attribute(state->second)
                                     : func.getArgAttr(i, "zen.name");
        std::string name = stringAttrOr(nameAttr, "arg" + std::to_string(i));
        auto desc = describe(func.getArgument(i).getType(), name,
                             func.getArgument(i).getLoc());
        if (failed(desc)) {
          ok = false;
          continue;
        }
        // zen.cache -> "cache", zen.trainable -> "trainable", zen.optim ->
        // "optim".
        (*desc)["kind"] = param   ? "param"
                          : state ? state->first.drop_front(4).str()
                                  : "input";
        args.push_back(std::move(*desc));
      }
      for (unsigned i = 0, e = func.getNumResults(); i < e; ++i) {
        // Updated state is written in place into its argument's buffer (the
        // CPU pipeline drops such results), so it is not returned.
        if (auto state = inPlaceStateOf(func.getResultAttrDict(i))) {
          auto [kind, stateName] = *state;
          bool matched = false;
          for (unsigned a = 0, n = func.getNumArguments(); a < n; ++a)
            if (func.getArgAttr(a, kind) == stateName)
              matched = true;
          if (!matched) {
            func.emitError() << "result #" << i << " updates "
                             << kind.drop_front(4) << " " << stateName
                             << " but no argument carries it";
            ok = false;
          }
          continue;
        }
        std::string name = stringAttrOr(func.getResultAttr(i, "zen.name"),
                                        "result" + std::to_string(i));
        auto desc = describe(func.getResultTypes()[i], name, func.getLoc());
        if (failed(desc)) {
          ok = false;
          continue;
        }
        results.push_back(std::move(*desc));
      }
      entries.push_back(llvm::json::Object{
          {"name", func.getName().str()},
          {"symbol", ("zen_entry_" + func.getName()).str()},
          {"args", std::move(args)},
          {"results", std::move(results)}});
    }
    if (!ok)
      return signalPassFailure();
    llvm::json::Object metadata{
        {"zen_abi", kZenABI},
        {"zen_version", ZEN_VERSION_STRING},
        {"model", stringAttrOr(module->getAttr("zen.model"), "")},
        {"family", stringAttrOr(module->getAttr("zen.family"), "")},
        {"entry_points", std::move(entries)}};
    if (auto training = module->getAttrOfType<DictionaryAttr>("zen.training"))
      metadata["training"] = toJSON(training);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(metadata));
    module->setAttr("zen.metadata", StringAttr::get(&getContext(), text));
  }
};

} // namespace
