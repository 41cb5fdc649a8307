//===- Pipelines.h - every Zen pipeline, documented in one place -*- C++ -*-===//
//
// Each pipeline is a named stage list registered with zen-opt
// (`zen-opt --zen-cpu-pipeline`) and used by zen-compile.
//
//===----------------------------------------------------------------------===//

#ifndef ZEN_PIPELINES_PIPELINES_H
#define ZEN_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
namespace zen {

/// Options of the CPU pipeline.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {};

/// zen-cpu-pipeline: Zen IR on tensors -> LLVM dialect for the host CPU.
///   1. convert-zen-to-linalg, then elementwise arith on tensors -> linalg;
///   2. canonicalize + CSE;
///   3. one-shot bufferization across function boundaries (identity layouts,
///      so entry points take plain memref descriptors);
///   4. linalg -> loops, then scf/cf/math/arith/memref/func -> LLVM.
/// Public functions get C interfaces (_mlir_ciface_*) for the runtime.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers every pipeline above with the global pass registry.
void registerZenPipelines();

} // namespace zen
} // namespace mlir

#endif // ZEN_PIPELINES_PIPELINES_H
