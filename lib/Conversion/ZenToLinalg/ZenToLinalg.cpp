//===- ZenToLinalg.cpp - convert-zen-to-linalg ----------------------------===//

#include "zen/Conversion/Passes.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::zen {
#define GEN_PASS_DEF_CONVERTZENTOLINALG
#include "zen/Conversion/Passes.h.inc"
} // namespace mlir::zen

using namespace mlir;
using namespace mlir::zen;

void mlir::zen::populateZenToLinalgPatterns(RewritePatternSet &patterns) {
  populateZenModelOpsToLinalgPatterns(patterns);
  populateZenAttentionOpsToLinalgPatterns(patterns);
  populateZenDeltaRuleToLinalgPatterns(patterns);
  populateZenMoEOpsToLinalgPatterns(patterns);
  populateZenTrainOpsToLinalgPatterns(patterns);
  populateZenModelGradOpsToLinalgPatterns(patterns);
  populateZenDeltaNetGradOpsToLinalgPatterns(patterns);
  populateZenMoEGradOpsToLinalgPatterns(patterns);
}

namespace {
struct ConvertZenToLinalgPass
    : zen::impl::ConvertZenToLinalgBase<ConvertZenToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    // Everything the patterns produce is legal; only Zen ops are rewritten.
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect, func::FuncDialect>();
    target.addIllegalDialect<ZenDialect>();
    RewritePatternSet patterns(context);
    populateZenToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
