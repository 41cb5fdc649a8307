//===- CUDALibrary.cpp - host module with cubin -> model library ----------===//

#include "zen/Target/CUDA/CUDALibrary.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::zen;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

void mlir::zen::registerCUDATranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
}

void mlir::zen::registerCUDATranslations(MLIRContext &context) {
  DialectRegistry registry;
  registerCUDATranslations(registry);
  context.appendDialectRegistry(registry);
}

llvm::Error mlir::zen::checkCUDAToolkit(llvm::StringRef toolkit) {
  for (const char *file : {"bin/ptxas", "nvvm/libdevice/libdevice.10.bc"}) {
    llvm::SmallString<256> path(toolkit);
    llvm::sys::path::append(path, file);
    if (!llvm::sys::fs::exists(path))
      return makeError("--target=cuda needs the CUDA toolkit, but " + path +
                       " does not exist (install the toolkit, or point "
                       "--cuda-toolkit or $CUDA_HOME at it)");
  }
  return llvm::Error::success();
}

llvm::Error mlir::zen::linkCUDASharedLibrary(llvm::StringRef objectPath,
                                             llvm::StringRef outputPath) {
  std::string driver;
  for (llvm::StringRef name : {"clang-22", "clang"})
    if (auto found = llvm::sys::findProgramByName(name)) {
      driver = *found;
      break;
    }
  if (driver.empty())
    return makeError("cannot link '" + outputPath +
                     "': no clang-22 or clang on PATH");
  llvm::SmallString<256> temp(outputPath), tempPath;
  temp += ".tmp-%%%%%%";
  int fd;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(temp, fd, tempPath))
    return makeError("cannot create a file next to '" + outputPath +
                     "': " + ec.message());
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);
  llvm::FileRemover removeTemp(tempPath);
  llvm::SmallString<128> logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("zen-link", "log", logPath))
    return makeError("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(logPath);

  // Undefined symbols are reported as warnings, so that the mgpu* ones can
  // be allowed by name and any other one still fails the link.
  std::vector<std::string> args = {
      driver,          "-shared",
      "-fuse-ld=lld",  "-Wl,--no-undefined",
      "-Wl,--warn-unresolved-symbols",
      "-o",            tempPath.str().str(),
      objectPath.str(), "-lm"};
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, argRefs, std::nullopt, redirects,
                                     0, 0, &message);
  std::string log;
  if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
    log = (*buffer)->getBuffer().str();
  if (rc != 0)
    return makeError("linking '" + outputPath + "' failed (" + driver +
                     (message.empty() ? "" : ": " + message) + ")\n" + log);
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(log).split(lines, '\n');
  for (llvm::StringRef line : lines) {
    size_t at = line.find("undefined symbol: ");
    if (at == llvm::StringRef::npos)
      continue;
    llvm::StringRef symbol = line.drop_front(at + 18).trim();
    if (!symbol.starts_with("mgpu"))
      return makeError("linking '" + outputPath + "': undefined symbol " +
                       symbol + "\n" + log);
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, outputPath))
    return makeError("cannot write '" + outputPath + "': " + ec.message());
  return llvm::Error::success();
}
