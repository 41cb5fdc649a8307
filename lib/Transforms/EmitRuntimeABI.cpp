//===- EmitRuntimeABI.cpp - zen-emit-runtime-abi --------------------------===//

#include "zen/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/JSON.h"

namespace mlir::zen {
#define GEN_PASS_DEF_ZENEMITRUNTIMEABI
#include "zen/Transforms/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

namespace {

/// Number of memrefs a lowered function returns (0, 1 descriptor, or a
/// struct of descriptors).
unsigned countReturnedMemRefs(LLVM::LLVMFuncOp func) {
  Type result = func.getFunctionType().getReturnType();
  if (isa<LLVM::LLVMVoidType>(result))
    return 0;
  auto structType = cast<LLVM::LLVMStructType>(result);
  // A descriptor starts with two pointers; a struct of descriptors does not.
  if (!structType.getBody().empty() &&
      isa<LLVM::LLVMPointerType>(structType.getBody()[0]))
    return 1;
  return structType.getBody().size();
}

/// void zen_entry_<name>(void **args) { _mlir_ciface_<name>(args[0], ...); }
LogicalResult emitEntryWrapper(ModuleOp module, StringRef name,
                               unsigned expectedResults) {
  auto lowered = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
  if (lowered && countReturnedMemRefs(lowered) != expectedResults)
    return lowered.emitError()
           << "entry point '" << name << "' returns "
           << countReturnedMemRefs(lowered) << " buffers but its metadata lists "
           << expectedResults
           << "; a cache update was not done in place (bufferization could "
              "not prove the result equivalent to its argument)";
  auto ciface = module.lookupSymbol<LLVM::LLVMFuncOp>(
      ("_mlir_ciface_" + name).str());
  if (!ciface)
    return module.emitError() << "entry point '" << name
                              << "' has no C interface (_mlir_ciface_" << name
                              << "); was it lowered by zen-cpu-pipeline?";
  MLIRContext *ctx = module.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  for (Type type : ciface.getFunctionType().getParams())
    if (type != ptr)
      return ciface.emitError()
             << "entry point '" << name
             << "' takes a non-memref argument; the runtime ABI passes "
                "tensors only";

  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = ciface.getLoc();
  auto wrapper = LLVM::LLVMFuncOp::create(
      b, loc, ("zen_entry_" + name).str(),
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr}));
  Block *body = wrapper.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  SmallVector<Value> operands;
  for (unsigned i = 0, e = ciface.getNumArguments(); i < e; ++i) {
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, body->getArgument(0),
                                     ArrayRef<LLVM::GEPArg>{int32_t(i)});
    operands.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
  }
  LLVM::CallOp::create(b, loc, ciface, operands);
  LLVM::ReturnOp::create(b, loc, ValueRange());
  return success();
}

/// const char *zen_model_metadata(void) over a constant NUL-terminated string.
void emitMetadata(ModuleOp module, StringRef json) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  std::string text = json.str();
  text.push_back('\0');
  auto arrayType =
      LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), text.size());
  auto global = LLVM::GlobalOp::create(
      b, loc, arrayType, /*isConstant=*/true, LLVM::Linkage::Internal,
      "zen_metadata_json", b.getStringAttr(text));
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto func = LLVM::LLVMFuncOp::create(b, loc, "zen_model_metadata",
                                       LLVM::LLVMFunctionType::get(ptr, {}));
  Block *body = func.addEntryBlock(b);
  b.setInsertionPointToStart(body);
  Value address = LLVM::AddressOfOp::create(b, loc, global);
  LLVM::ReturnOp::create(b, loc, address);
}

struct ZenEmitRuntimeABIPass
    : zen::impl::ZenEmitRuntimeABIBase<ZenEmitRuntimeABIPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto attr = module->getAttrOfType<StringAttr>("zen.metadata");
    // Already emitted (the pass ran before): nothing left to do.
    if (!attr && module.lookupSymbol("zen_model_metadata"))
      return;
    if (!attr) {
      module.emitError() << "no zen.metadata: run zen-export-entry-points on "
                            "the Zen IR before lowering";
      return signalPassFailure();
    }
    llvm::Expected<llvm::json::Value> json = llvm::json::parse(attr.getValue());
    const llvm::json::Array *entries =
        json ? json->getAsObject()->getArray("entry_points") : nullptr;
    if (!entries) {
      llvm::consumeError(json.takeError());
      module.emitError() << "zen.metadata is not a Zen metadata document";
      return signalPassFailure();
    }
    for (const llvm::json::Value &entry : *entries) {
      const llvm::json::Object *object = entry.getAsObject();
      std::optional<StringRef> name = object->getString("name");
      const llvm::json::Array *results = object->getArray("results");
      if (!name || !results ||
          failed(emitEntryWrapper(module, *name, results->size())))
        return signalPassFailure();
    }
    emitMetadata(module, attr.getValue());
    module->removeAttr("zen.metadata");
  }
};

} // namespace
