//===- ExportEntryPoints.cpp - zen-export-entry-points --------------------===//

#include "zen/Dialect/Zen/ZenOps.h"
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
        Attribute cache = func.getArgAttr(i, "zen.cache");
        std::string name = stringAttrOr(
            param ? param : cache ? cache : func.getArgAttr(i, "zen.name"),
            "arg" + std::to_string(i));
        auto desc = describe(func.getArgument(i).getType(), name,
                             func.getArgument(i).getLoc());
        if (failed(desc)) {
          ok = false;
          continue;
        }
        (*desc)["kind"] = param ? "param" : cache ? "cache" : "input";
        args.push_back(std::move(*desc));
      }
      for (unsigned i = 0, e = func.getNumResults(); i < e; ++i) {
        // An updated cache is written in place into its argument's buffer
        // (the CPU pipeline drops such results), so it is not returned.
        if (auto cache = func.getResultAttrOfType<StringAttr>(i, "zen.cache")) {
          bool matched = false;
          for (unsigned a = 0, n = func.getNumArguments(); a < n; ++a)
            if (func.getArgAttr(a, "zen.cache") == cache)
              matched = true;
          if (!matched) {
            func.emitError() << "result #" << i << " updates cache " << cache
                             << " but no argument carries that cache";
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
    std::string text;
    llvm::raw_string_ostream os(text);
    os << llvm::json::Value(std::move(metadata));
    module->setAttr("zen.metadata", StringAttr::get(&getContext(), text));
  }
};

} // namespace
