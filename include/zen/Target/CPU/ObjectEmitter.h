//===- ObjectEmitter.h - LLVM dialect -> host object code -------*- C++ -*-===//
//
// The last in-process step of the CPU target: translate a module in the LLVM
// dialect to LLVM IR, optimise it for the host CPU and emit an ELF object
// through LLVM's TargetMachine. No external compiler is involved.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_TARGET_CPU_OBJECTEMITTER_H
#define ZEN_TARGET_CPU_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir::zen {

struct CPUTargetOptions {
  /// Target CPU and features; empty means the host (as -march=native).
  std::string cpu;
  std::string features;
  /// LLVM optimisation level (0-3).
  unsigned optLevel = 3;
};

/// Translates `module` (LLVM dialect only) to optimised LLVM IR text.
llvm::Expected<std::string> emitLLVMIR(ModuleOp module,
                                       const CPUTargetOptions &options);

/// Translates, optimises and compiles `module` to a relocatable, position
/// independent object file.
llvm::Error emitObject(ModuleOp module, const CPUTargetOptions &options,
                       llvm::SmallVectorImpl<char> &object);

} // namespace mlir::zen

#endif // ZEN_TARGET_CPU_OBJECTEMITTER_H
