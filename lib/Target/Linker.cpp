//===- Linker.cpp - object file -> model shared library -------------------===//

#include "zen/Target/Linker.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::zen;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error mlir::zen::linkSharedLibrary(llvm::StringRef objectPath,
                                         llvm::StringRef outputPath,
                                         const LinkOptions &options) {
  std::string driver = options.driver;
  if (driver.empty()) {
    for (llvm::StringRef name : {"clang-22", "clang"}) {
      if (auto found = llvm::sys::findProgramByName(name)) {
        driver = *found;
        break;
      }
    }
  }
  if (driver.empty())
    return makeError("cannot link '" + outputPath +
                     "': no clang-22 or clang on PATH (scripts/setup "
                     "installs clang-22 and lld-22)");

  // Link next to the output and rename, so a failed link leaves nothing.
  llvm::SmallString<256> temp(outputPath);
  temp += ".tmp-%%%%%%";
  int fd;
  llvm::SmallString<256> tempPath;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(temp, fd, tempPath))
    return makeError("cannot create a file next to '" + outputPath +
                     "': " + ec.message());
  llvm::sys::Process::SafelyCloseFileDescriptor(fd);

  std::vector<std::string> args = {driver, "-shared", "-fuse-ld=lld",
                                   "-Wl,--no-undefined", "-o",
                                   tempPath.str().str(), objectPath.str()};
  args.push_back("-Wl,--as-needed");
  for (const std::string &lib : options.libraries)
    args.push_back("-l" + lib);
  std::vector<llvm::StringRef> argRefs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(driver, argRefs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    llvm::sys::fs::remove(tempPath);
    return makeError("linking '" + outputPath + "' failed (" + driver +
                     (message.empty() ? "" : ": " + message) + ")");
  }
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, outputPath)) {
    llvm::sys::fs::remove(tempPath);
    return makeError("cannot write '" + outputPath + "': " + ec.message());
  }
  return llvm::Error::success();
}
