//===- zen-bench-compile.cpp - Zen IR kernels -> object for the benchmarks ===//
//
// What zen-compile does to a model, for a hand-written Zen IR file: the CPU
// pipeline (the same stages as zen-cpu-pipeline, with the code generation
// options below), then an object emitted in-process through LLVM's
// TargetMachine for the host CPU (zen::emitObject). The benchmarks link the
// object and call the functions' C interfaces (_mlir_ciface_<name>).
//
//   zen-bench-compile kernels.mlir -o kernels.o [--parallel]
//                     [--packed-min-rows N] [--vector-width N] [--emit-mlir]
//
//===----------------------------------------------------------------------===//

#include "zen/Conversion/Passes.h"
#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Pipelines/CPUCodegen.h"
#include "zen/Pipelines/Pipelines.h"
#include "zen/Target/CPU/ObjectEmitter.h"
#include "zen/Transforms/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"

namespace cl = llvm::cl;
using namespace mlir;

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<kernels.mlir>"));
static cl::opt<std::string> outputPath("o", cl::Required,
                                       cl::desc("Output object file"));
static cl::opt<bool> parallel("parallel",
                              cl::desc("Tiles on all cores (OpenMP)"));
static cl::opt<unsigned> packedMinRows(
    "packed-min-rows", cl::init(zen::CPUCodegenOptions().packedMinRows),
    cl::desc("Rows from which contractions use the packed GEMM"));
static cl::opt<unsigned>
    vectorWidth("vector-width", cl::init(0),
                cl::desc("f32 lanes per vector register (0: the host's)"));
static cl::opt<bool> emitMLIR("emit-mlir",
                              cl::desc("Write the LLVM dialect, not an object"));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "zen-bench-compile") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "Zen IR -> host object\n");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registry.insert<zen::ZenDialect>();
  // The parallel tiles are OpenMP regions.
  registerOpenMPDialectTranslation(registry);
  MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  std::string error;
  auto file = openInputFile(inputPath, &error);
  if (!file)
    return fail(error);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  zen::CPUCodegenOptions codegen;
  codegen.parallel = parallel;
  codegen.packedMinRows = packedMinRows;
  codegen.vectorWidth = vectorWidth;
  PassManager pm(&context);
  // zen-cpu-pipeline, with `codegen` instead of the default options.
  zen::buildZenToLinalgStage(pm);
  zen::buildLinalgToLLVMStage(pm, codegen);
  if (failed(pm.run(*module)))
    return 1;

  auto output = openOutputFile(outputPath, &error);
  if (!output)
    return fail(error);
  if (emitMLIR) {
    module->print(output->os());
  } else {
    llvm::SmallVector<char, 0> object;
    if (llvm::Error err =
            zen::emitObject(*module, zen::CPUTargetOptions(), object))
      return fail(llvm::toString(std::move(err)));
    output->os().write(object.data(), object.size());
  }
  output->keep();
  return 0;
}
