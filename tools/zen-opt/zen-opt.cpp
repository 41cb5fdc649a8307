//===- zen-opt.cpp - mlir-opt with the Zen dialect and passes -------------===//
//
// Every upstream dialect, extension and pass, plus the Zen dialect and every
// Zen pass and pipeline, behind mlir-opt's command line (--help,
// -split-input-file, -verify-diagnostics, --mlir-print-ir-after-all, ...).
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/Autodiff.h"
#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Conversion/Passes.h"
#include "zen/Pipelines/Pipelines.h"
#include "zen/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::zen::registerZenPasses();
  mlir::zen::registerZenConversionPasses();
  mlir::zen::registerZenPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::zen::ZenDialect>();
  mlir::zen::registerAutodiffInterfaceModels(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Zen optimizer driver\n", registry));
}
