//===- DialectBuilderTest.cpp - building Zen ops from C++ -----------------===//
//
// Front-ends and the autodiff pass build Zen ops through C++ builders and rely
// on shape inference to type the results; these tests pin that behaviour.
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::zen;

namespace {

class ZenBuilderTest : public ::testing::Test {
protected:
  ZenBuilderTest() : builder(&context) {
    context.loadDialect<ZenDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// A function whose arguments have `types`; the builder points at its body.
  func::FuncOp makeFunc(ArrayRef<Type> types) {
    auto func = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                     builder.getFunctionType(types, {}));
    builder.setInsertionPointToStart(func.addEntryBlock());
    return func;
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(ZenBuilderTest, LinearInfersOutFeaturesKeepingDynamicDims) {
  int64_t dyn = ShapedType::kDynamic;
  auto func = makeFunc({tensor({dyn, dyn, 1024}), tensor({2048, 1024})});
  auto linear = LinearOp::create(builder, builder.getUnknownLoc(),
                                 func.getArgument(0), func.getArgument(1),
                                 Value(), Value(), FloatAttr());
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_EQ(linear.getType(), tensor({dyn, dyn, 2048}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(ZenBuilderTest, LinearVerifierRejectsMismatchedInFeatures) {
  auto func = makeFunc({tensor({4, 1024}), tensor({2048, 512})});
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  LinearOp::create(builder, builder.getUnknownLoc(), func.getArgument(0),
                   func.getArgument(1), Value(), Value(), FloatAttr());
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_TRUE(failed(verify(*module)));
  EXPECT_NE(message.find("weight dim 1 (in_features) must match input dim 1"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("expected 1024, found 512"), std::string::npos)
      << message;
}

TEST_F(ZenBuilderTest, EmbeddingInfersIdsShapePlusHidden) {
  int64_t dyn = ShapedType::kDynamic;
  auto ids = RankedTensorType::get({dyn, dyn}, builder.getI64Type());
  auto func = makeFunc({ids, tensor({151936, 1024})});
  auto embedding = EmbeddingOp::create(builder, builder.getUnknownLoc(),
                                       func.getArgument(0), func.getArgument(1));
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_EQ(embedding.getType(), tensor({dyn, dyn, 1024}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(ZenBuilderTest, LMHeadInfersVocabKeepingDynamicDims) {
  int64_t dyn = ShapedType::kDynamic;
  auto func = makeFunc({tensor({dyn, dyn, 1024}), tensor({151936, 1024})});
  auto head = LMHeadOp::create(builder, builder.getUnknownLoc(),
                               func.getArgument(0), func.getArgument(1));
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_EQ(head.getType(), tensor({dyn, dyn, 151936}));
  EXPECT_TRUE(succeeded(verify(*module)));
}

} // namespace
