//===- zen-compile.cpp - Model spec to report, dump or code ---------------===//
//
// Thin driver: find the spec (cwd, bundled specs/, $ZEN_SPEC_PATH), parse
// and validate it through the Frontend library, then produce one output:
//
//   zen-compile SPEC --report[=table|json] [--context N]   model report
//   zen-compile SPEC --dump-spec[=all|model]                canonical dump
//   zen-compile SPEC --emit=zen|linalg|llvm|obj|so          compile to a stage
//   zen-compile SPEC -o model.so                            the model library
//   zen-compile SPEC --target=cuda [--cuda-arch=sm_90a|sm_80] -o model.so
//                                     the same with CUDA kernels (an embedded
//                                     cubin; docs/cuda.md)
//
// Without an output option the spec is only validated; with -o FILE and no
// other option, zen-compile builds the model library (--emit=so). Outputs go to -o
// (default stdout) through a temporary file renamed on success, so a
// failed run never leaves a partial file. Bad input is reported as
// `FILE:LINE:COL: error: ...` with exit status 1.
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/Autodiff.h"
#include "zen/Frontend/ModelReport.h"
#include "zen/Frontend/ModelSpec.h"
#include "zen/Frontend/SpecParser.h"
#include "zen/Frontend/SpecToZen.h"

#include "zen/Pipelines/CUDAPipeline.h"
#include "zen/Pipelines/Pipelines.h"
#include "zen/Target/CUDA/CUDALibrary.h"
#include "zen/Target/CPU/ObjectEmitter.h"
#include "zen/Target/Linker.h"
#include "zen/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

using namespace mlir::zen;
namespace cl = llvm::cl;

#ifndef ZEN_BUNDLED_SPECS_DIR
#define ZEN_BUNDLED_SPECS_DIR ""
#endif

namespace {

enum class ReportKind { None, Table, JSON };
enum class DumpKind { None, All, Model };
/// Ordered like the pipeline.
enum class EmitKind { None, Zen, Linalg, LLVM, Obj, SO };

cl::OptionCategory category("zen-compile options");

cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                               cl::desc("<spec.yaml | config.json>"),
                               cl::cat(category));

cl::opt<std::string> outputPath("o", cl::init("-"),
                                cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::cat(category));

cl::opt<ReportKind> report(
    "report", cl::ValueOptional, cl::init(ReportKind::None),
    cl::desc("Print parameter counts, FLOPs and memory figures"),
    cl::values(clEnumValN(ReportKind::Table, "table", "a readable table"),
               clEnumValN(ReportKind::JSON, "json", "JSON"),
               // --report without a value.
               clEnumValN(ReportKind::Table, "", "")),
    cl::cat(category));

cl::opt<DumpKind> dumpSpecOption(
    "dump-spec", cl::ValueOptional, cl::init(DumpKind::None),
    cl::desc("Print the validated spec as sorted `key = value` lines"),
    cl::values(clEnumValN(DumpKind::All, "all", "every section"),
               clEnumValN(DumpKind::Model, "model",
                          "the architecture only (what a YAML spec and its "
                          "config.json share)"),
               clEnumValN(DumpKind::All, "", "")),
    cl::cat(category));

cl::opt<EmitKind> emit("emit", cl::init(EmitKind::None),
                       cl::desc("Compile to this stage"),
                       cl::values(
                           clEnumValN(EmitKind::Zen, "zen",
                                      "Zen IR of the forward pass"),
                           clEnumValN(EmitKind::Linalg, "linalg",
                                      "after convert-zen-to-linalg"),
                           clEnumValN(EmitKind::LLVM, "llvm",
                                      "optimised LLVM IR for the host CPU"),
                           clEnumValN(EmitKind::Obj, "obj",
                                      "an ELF object file"),
                           clEnumValN(EmitKind::SO, "so",
                                      "the model shared library (default "
                                      "with -o)")),
                       cl::cat(category));

enum class TargetKind { CPU, CUDA };
cl::opt<TargetKind> target(
    "target", cl::init(TargetKind::CPU),
    cl::desc("What the model library runs on (--emit=llvm|obj|so)"),
    cl::values(clEnumValN(TargetKind::CPU, "cpu", "the host CPU (default)"),
               clEnumValN(TargetKind::CUDA, "cuda",
                          "NVIDIA GPUs: kernels in an embedded cubin, host "
                          "code for the CPU (needs the CUDA toolkit's ptxas)")),
    cl::cat(category));
cl::opt<std::string> cudaArch(
    "cuda-arch", cl::init("sm_90a"),
    cl::desc("GPU architecture for --target=cuda: sm_90a (H100, default) or "
             "sm_80 (A100)"),
    cl::value_desc("sm_XX"), cl::cat(category));
cl::opt<std::string> cudaToolkit(
    "cuda-toolkit", cl::init(""),
    cl::desc("CUDA toolkit directory for --target=cuda (default $CUDA_HOME, "
             "else /usr/local/cuda)"),
    cl::value_desc("dir"), cl::cat(category));

cl::opt<long long>
    context("context", cl::init(4096),
            cl::desc("Context length for --report (positions a token "
                     "attends to; training sequence length)"),
            cl::value_desc("tokens"), cl::cat(category));

cl::opt<bool> train("train",
                    cl::desc("Add the GSPO/GRPO `train_step` entry point "
                             "(settings: the spec's training: section)"),
                    cl::cat(category));

cl::opt<std::string> trainingFile(
    "training",
    cl::desc("With --train: a YAML file of training settings (the keys of "
             "a spec's training: section), e.g. for an HF config.json"),
    cl::value_desc("file.yaml"), cl::cat(category));

cl::opt<bool> materializeLogits(
    "materialize-logits",
    cl::desc("With --train: compute the completion log-probs from the whole "
             "[tokens x vocab] logits instead of streaming the LM head over "
             "vocabulary tiles (same values, far more memory: the unfused "
             "baseline of bench/'s training benchmark)"),
    cl::cat(category));

/// Prints an error from the library: spec diagnostics as they are, anything
/// else behind the tool's name.
void printError(llvm::Error err) {
  llvm::handleAllErrors(
      std::move(err),
      [](const SpecError &e) {
        for (const SpecDiagnostic &d : e.getDiagnostics()) {
          d.print(llvm::errs());
          llvm::errs() << "\n";
        }
      },
      [](const llvm::ErrorInfoBase &e) {
        llvm::errs() << "zen-compile: error: " << e.message() << "\n";
      });
}

SpecLookupOptions lookupOptions() {
  SpecLookupOptions options;
  options.bundledSpecsDir = ZEN_BUNDLED_SPECS_DIR;
  if (std::optional<std::string> dir =
          llvm::sys::Process::GetEnv("ZEN_SPECS_DIR"))
    options.bundledSpecsDir = *dir;
  if (std::optional<std::string> path =
          llvm::sys::Process::GetEnv("ZEN_SPEC_PATH"))
    options.searchPath = splitSearchPath(*path);
  return options;
}

int fail(const llvm::Twine &message) {
  llvm::errs() << "zen-compile: error: " << message << "\n";
  return 1;
}

/// Lowers `module` through the CPU pipeline up to `stage`; diagnostics go to
/// stderr.
bool lowerTo(mlir::ModuleOp module, EmitKind stage) {
  mlir::PassManager pm(module->getContext());
  if (target == TargetKind::CUDA && stage != EmitKind::Linalg) {
    CUDAPipelineOptions options;
    options.chip = cudaArch;
    options.toolkit = cudaToolkit;
    buildCUDAPipeline(pm, options);
    return mlir::succeeded(pm.run(module));
  }
  buildZenToLinalgStage(pm);
  if (stage != EmitKind::Linalg)
    buildLinalgToLLVMStage(pm);
  return mlir::succeeded(pm.run(module));
}

/// Runs zen-build-train-step with the spec's training settings.
bool addTrainStep(mlir::ModuleOp module, const TrainingConfig &t) {
  mlir::zen::ZenBuildTrainStepOptions o;
  bool gspo = t.algorithm == TrainAlgorithm::GSPO;
  o.algorithm = gspo ? "gspo" : "grpo";
  o.groupSize = t.numGenerations;
  o.gspoLevel =
      t.gspoLevel == TrainingConfig::GspoLevel::Token ? "token" : "sequence";
  switch (t.lossType) {
  case TrainingConfig::LossType::GRPO: o.lossType = "grpo"; break;
  case TrainingConfig::LossType::BNPO: o.lossType = "bnpo"; break;
  case TrainingConfig::LossType::DrGRPO: o.lossType = "dr_grpo"; break;
  case TrainingConfig::LossType::DAPO: o.lossType = "dapo"; break;
  }
  switch (t.scaleRewards) {
  case TrainingConfig::RewardScaling::Group: o.scaleRewards = "group"; break;
  case TrainingConfig::RewardScaling::Batch: o.scaleRewards = "batch"; break;
  case TrainingConfig::RewardScaling::None: o.scaleRewards = "none"; break;
  }
  o.epsilonLow = t.epsilon;
  o.epsilonHigh = t.epsilonHigh;
  o.beta = t.beta;
  o.temperature = t.temperature;
  o.learningRate = t.learningRate;
  o.weightDecay = t.weightDecay;
  o.adamBeta1 = t.adamBeta1;
  o.adamBeta2 = t.adamBeta2;
  o.adamEpsilon = t.adamEpsilon;
  o.maxGradNorm = t.maxGradNorm;
  bool lora = t.finetune == FinetuneMode::LoRA;
  o.loraRank = lora ? t.lora.r : 0;
  o.loraAlpha = t.lora.loraAlpha;
  o.useRslora = t.lora.useRslora;
  o.loraTargets.assign(t.lora.targetModules.begin(),
                       t.lora.targetModules.end());
  o.materializeLogits = materializeLogits;
  mlir::PassManager pm(module->getContext());
  pm.addPass(mlir::zen::createZenBuildTrainStep(o));
  return mlir::succeeded(pm.run(module));
}

/// Writes `bytes` to `path` through a temporary file renamed on success.
llvm::Error writeFileAtomically(llvm::StringRef path, llvm::StringRef bytes) {
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &out) {
    out << bytes;
    return llvm::Error::success();
  });
}

/// Compiles the object and links the library at `path`.
int buildLibrary(mlir::ModuleOp module, llvm::StringRef path) {
  llvm::SmallVector<char, 0> object;
  if (llvm::Error err = emitObject(module, CPUTargetOptions(), object))
    return fail(llvm::toString(std::move(err)));
  llvm::SmallString<128> objectPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "zen-model", "o", objectPath))
    return fail("cannot create a temporary object file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  if (llvm::Error err = writeFileAtomically(
          objectPath, llvm::StringRef(object.data(), object.size())))
    return fail(llvm::toString(std::move(err)));
  if (llvm::Error err = target == TargetKind::CUDA
                            ? linkCUDASharedLibrary(objectPath, path)
                            : linkSharedLibrary(objectPath, path))
    return fail(llvm::toString(std::move(err)));
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "Zen model compiler: YAML spec or HF config.json in, report, spec dump "
      "or Zen IR out\n");

  if (emit == EmitKind::None && report == ReportKind::None &&
      dumpSpecOption == DumpKind::None && outputPath.getNumOccurrences())
    emit = EmitKind::SO;
  if ((emit == EmitKind::Obj || emit == EmitKind::SO) && outputPath == "-")
    return fail("--emit=obj and --emit=so need an output file (-o FILE)");
  int actions = (report != ReportKind::None) +
                (dumpSpecOption != DumpKind::None) + (emit != EmitKind::None);
  if (actions > 1)
    return fail("choose one of --report, --dump-spec and --emit");
  if (target == TargetKind::CUDA && cudaArch != "sm_90a" &&
      cudaArch != "sm_80")
    return fail("--cuda-arch must be sm_90a or sm_80, found '" + cudaArch +
                "'");
  if (target == TargetKind::CUDA && emit != EmitKind::Zen &&
      emit != EmitKind::Linalg && emit != EmitKind::None)
    if (llvm::Error err = checkCUDAToolkit(cudaToolkit.empty()
                                               ? defaultCUDAToolkitPath()
                                               : std::string(cudaToolkit)))
      return fail(llvm::toString(std::move(err)));
  if (context < 1 || context > std::numeric_limits<int32_t>::max())
    return fail("--context must be between 1 and 2147483647, found " +
                llvm::Twine(context));

  llvm::Expected<ResolvedSpecPath> resolved =
      resolveSpecPath(inputPath, lookupOptions());
  if (!resolved) {
    printError(resolved.takeError());
    return 1;
  }
  if (resolved->found)
    llvm::errs() << "zen-compile: using spec " << resolved->path << "\n";

  llvm::Expected<ModelSpec> spec = loadSpecFile(resolved->path);
  if (!spec) {
    printError(spec.takeError());
    return 1;
  }
  if (trainingFile.getNumOccurrences()) {
    if (!train)
      return fail("--training needs --train");
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text =
        llvm::MemoryBuffer::getFile(trainingFile, /*IsText=*/true);
    if (!text)
      return fail("cannot read '" + trainingFile +
                  "': " + text.getError().message());
    if (llvm::Error err = parseTrainingYaml((*text)->getBuffer(),
                                            trainingFile, *spec)) {
      printError(std::move(err));
      return 1;
    }
  }
  if (materializeLogits && !train)
    return fail("--materialize-logits needs --train");
  if (train && target == TargetKind::CUDA)
    return fail("--train is not supported with --target=cuda yet: the "
                "train step compiles for the CPU only");
  if (train && emit == EmitKind::None)
    return fail("--train needs an output: -o model.so or --emit=...");

  std::string output;
  llvm::raw_string_ostream os(output);
  // The pipelines rely on upstream dialect extensions (bufferization and
  // tiling interfaces of arith/linalg/tensor/scf, ...), as zen-opt does.
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::zen::registerAutodiffInterfaceModels(registry);
  if (target == TargetKind::CUDA)
    registerCUDATranslations(registry);
  mlir::MLIRContext mlirContext(registry);
  if (emit != EmitKind::None) {
    mlir::OwningOpRef<mlir::ModuleOp> module =
        buildForwardModule(mlirContext, *spec);
    // SpecToZen only builds valid IR from a validated spec; a failure here
    // is a compiler bug, reported rather than written out.
    if (mlir::failed(mlir::verify(*module)))
      return fail("internal error: the Zen IR built for '" + resolved->path +
                  "' does not verify");
    if (train && !addTrainStep(*module, spec->training))
      return fail("building the train step for '" + resolved->path +
                  "' failed");
    if (emit != EmitKind::Zen && !lowerTo(*module, emit))
      return fail("lowering '" + resolved->path + "' failed");
    if (emit == EmitKind::SO)
      return buildLibrary(*module, outputPath);
    if (emit == EmitKind::Obj) {
      llvm::SmallVector<char, 0> object;
      if (llvm::Error err = emitObject(*module, CPUTargetOptions(), object))
        return fail(llvm::toString(std::move(err)));
      os << llvm::StringRef(object.data(), object.size());
    } else if (emit == EmitKind::LLVM) {
      llvm::Expected<std::string> ir = emitLLVMIR(*module, CPUTargetOptions());
      if (!ir)
        return fail(llvm::toString(ir.takeError()));
      os << *ir;
    } else {
      module->print(os);
    }
  } else if (report != ReportKind::None) {
    ReportOptions options;
    options.context = context;
    llvm::Expected<ModelReport> figures = computeReport(*spec, options);
    if (!figures) {
      printError(figures.takeError());
      return 1;
    }
    if (report == ReportKind::JSON)
      os << llvm::formatv("{0:2}", reportToJSON(*spec, *figures)) << "\n";
    else
      printReportTable(*spec, *figures, os);
  } else if (dumpSpecOption != DumpKind::None) {
    SpecDumpOptions options;
    options.modelOnly = dumpSpecOption == DumpKind::Model;
    dumpSpec(*spec, os, options);
  } else {
    // Validation only.
    return 0;
  }

  if (llvm::Error err = llvm::writeToOutput(
          outputPath, [&](llvm::raw_ostream &out) -> llvm::Error {
            out << output;
            return llvm::Error::success();
          })) {
    return fail("cannot write '" + outputPath +
                "': " + llvm::toString(std::move(err)));
  }
  return 0;
}
