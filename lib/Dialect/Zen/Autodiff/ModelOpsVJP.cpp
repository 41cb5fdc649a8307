//===- ModelOpsVJP.cpp - vector-Jacobian products of the model blocks and attention ===//
//
// DifferentiableOpInterface models of the dense building blocks
// (ZenModelOps.td) and of cache-less softmax attention. Each builds only the
// cotangents its caller asks for: heavy ones through the dedicated backward
// ops of ZenModelGradOps.td (which recompute what they need from the primal
// operands), light ones from existing Zen ops (mask_padding is its own
// transpose; mlp is recomputed as linear / swiglu / linear).
//
//===----------------------------------------------------------------------===//

#include "zen/Dialect/Zen/Autodiff.h"
#include "zen/Dialect/Zen/ZenDialect.h"
#include "zen/Dialect/Zen/ZenOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::zen;

namespace {

/// `value`'s type when `wanted`, else a null type (an absent optional
/// result of a backward op).
Type typeIf(bool wanted, Value value) {
  return wanted ? value.getType() : Type();
}

/// Null cotangents for every operand: the op's result cotangent is zero.
LogicalResult allNull(Operation *op, SmallVectorImpl<Value> &cotangents) {
  cotangents.assign(op->getNumOperands(), Value());
  return success();
}

//===----------------------------------------------------------------------===//
// zen.linear and zen.lm_head: zen.linear_grad
//===----------------------------------------------------------------------===//

struct LinearVJP
    : DifferentiableOpInterface::ExternalModel<LinearVJP, LinearOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto linear = cast<LinearOp>(op);
    Value dy = resultCts[0];
    bool lora = linear.hasLoRA();
    // Operands: input, weight, [lora_a, lora_b].
    bool wantX = needs[0], wantW = needs[1];
    bool wantA = lora && needs[2], wantB = lora && needs[3];
    if (!dy || !(wantX || wantW || wantA || wantB))
      return allNull(op, cts);
    auto grad = LinearGradOp::create(
        b, op->getLoc(), typeIf(wantX, linear.getInput()),
        typeIf(wantW, linear.getWeight()),
        lora ? typeIf(wantA, linear.getLoraA()) : Type(),
        lora ? typeIf(wantB, linear.getLoraB()) : Type(), dy,
        linear.getInput(), linear.getWeight(), linear.getLoraA(),
        linear.getLoraB(), linear.getLoraScaleAttr());
    cts.push_back(grad.getInputGrad());
    cts.push_back(grad.getWeightGrad());
    if (lora) {
      cts.push_back(grad.getLoraAGrad());
      cts.push_back(grad.getLoraBGrad());
    }
    return success();
  }
};

struct LMHeadVJP
    : DifferentiableOpInterface::ExternalModel<LMHeadVJP, LMHeadOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto head = cast<LMHeadOp>(op);
    Value dy = resultCts[0];
    if (!dy || !(needs[0] || needs[1]))
      return allNull(op, cts);
    auto grad = LinearGradOp::create(
        b, op->getLoc(), typeIf(needs[0], head.getInput()),
        typeIf(needs[1], head.getWeight()), Type(), Type(), dy,
        head.getInput(), head.getWeight(), Value(), Value(), FloatAttr());
    cts.push_back(grad.getInputGrad());
    cts.push_back(grad.getWeightGrad());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

struct RMSNormVJP
    : DifferentiableOpInterface::ExternalModel<RMSNormVJP, RMSNormOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto norm = cast<RMSNormOp>(op);
    Value dy = resultCts[0];
    if (!dy || !(needs[0] || needs[1]))
      return allNull(op, cts);
    auto grad = RMSNormGradOp::create(
        b, op->getLoc(), typeIf(needs[0], norm.getInput()),
        typeIf(needs[1], norm.getWeight()), dy, norm.getInput(),
        norm.getWeight(), norm.getEpsAttr(), norm.getZeroCenteredAttr());
    cts.push_back(grad.getInputGrad());
    cts.push_back(grad.getWeightGrad());
    return success();
  }
};

struct L2NormVJP
    : DifferentiableOpInterface::ExternalModel<L2NormVJP, L2NormOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto norm = cast<L2NormOp>(op);
    Value dy = resultCts[0];
    if (!dy || !needs[0])
      return allNull(op, cts);
    cts.push_back(L2NormGradOp::create(b, op->getLoc(), dy, norm.getInput(),
                                       norm.getEpsAttr()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.embedding: scatter-add into the table, only when the table is trained
//===----------------------------------------------------------------------===//

struct EmbeddingVJP
    : DifferentiableOpInterface::ExternalModel<EmbeddingVJP, EmbeddingOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto embedding = cast<EmbeddingOp>(op);
    Value dy = resultCts[0];
    // ids are integers: never differentiable.
    cts.push_back(Value());
    if (!dy || !needs[1]) {
      cts.push_back(Value());
      return success();
    }
    cts.push_back(EmbeddingGradOp::create(b, op->getLoc(), dy,
                                          embedding.getIds(),
                                          embedding.getTable()));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.rope: the inverse rotation
//===----------------------------------------------------------------------===//

struct RoPEVJP : DifferentiableOpInterface::ExternalModel<RoPEVJP, RoPEOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto rope = cast<RoPEOp>(op);
    Value dy = resultCts[0];
    if (!dy || !needs[0])
      return allNull(op, cts);
    cts.push_back(RoPEGradOp::create(b, op->getLoc(), dy, rope.getPositions(),
                                     rope.getThetaAttr(),
                                     rope.getRotaryDimAttr()));
    cts.push_back(Value()); // positions
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.swiglu and zen.mlp
//===----------------------------------------------------------------------===//

struct SwiGLUVJP
    : DifferentiableOpInterface::ExternalModel<SwiGLUVJP, SwiGLUOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto swiglu = cast<SwiGLUOp>(op);
    Value dy = resultCts[0];
    if (!dy || !(needs[0] || needs[1]))
      return allNull(op, cts);
    auto grad = SwiGLUGradOp::create(
        b, op->getLoc(), typeIf(needs[0], swiglu.getGate()),
        typeIf(needs[1], swiglu.getUp()), dy, swiglu.getGate(),
        swiglu.getUp());
    cts.push_back(grad.getGateGrad());
    cts.push_back(grad.getUpGrad());
    return success();
  }
};

// out = down(silu(x Wgᵀ) ⊙ (x Wuᵀ)): the gate and up projections and the
// hidden activation are recomputed (the forward keeps them inside the op),
// then the chain runs backwards through linear_grad / swiglu_grad /
// linear_grad; dx sums the gate and up branches.
struct MLPVJP : DifferentiableOpInterface::ExternalModel<MLPVJP, MLPOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto mlp = cast<MLPOp>(op);
    Value dy = resultCts[0];
    bool wantX = needs[0], wantG = needs[1], wantU = needs[2],
         wantD = needs[3];
    if (!dy || !(wantX || wantG || wantU || wantD))
      return allNull(op, cts);
    Location loc = op->getLoc();
    Value x = mlp.getInput();
    Value gate = LinearOp::create(b, loc, x, mlp.getGateWeight(), Value(),
                                  Value(), FloatAttr());
    Value up = LinearOp::create(b, loc, x, mlp.getUpWeight(), Value(),
                                Value(), FloatAttr());
    Value hidden = SwiGLUOp::create(b, loc, gate, up);
    bool wantBranches = wantX || wantG || wantU;
    auto down = LinearGradOp::create(
        b, loc, typeIf(wantBranches, hidden),
        typeIf(wantD, mlp.getDownWeight()), Type(), Type(), dy, hidden,
        mlp.getDownWeight(), Value(), Value(), FloatAttr());
    Value dx, dWg, dWu;
    if (wantBranches) {
      bool wantGateBranch = wantX || wantG, wantUpBranch = wantX || wantU;
      auto act = SwiGLUGradOp::create(b, loc, typeIf(wantGateBranch, gate),
                                      typeIf(wantUpBranch, up),
                                      down.getInputGrad(), gate, up);
      if (wantGateBranch) {
        auto g = LinearGradOp::create(
            b, loc, typeIf(wantX, x), typeIf(wantG, mlp.getGateWeight()),
            Type(), Type(), act.getGateGrad(), x, mlp.getGateWeight(),
            Value(), Value(), FloatAttr());
        dx = g.getInputGrad();
        dWg = g.getWeightGrad();
      }
      if (wantUpBranch) {
        auto u = LinearGradOp::create(
            b, loc, typeIf(wantX, x), typeIf(wantU, mlp.getUpWeight()),
            Type(), Type(), act.getUpGrad(), x, mlp.getUpWeight(), Value(),
            Value(), FloatAttr());
        if (wantX)
          dx = arith::AddFOp::create(b, loc, dx, u.getInputGrad());
        dWu = u.getWeightGrad();
      }
    }
    cts.append({dx, dWg, dWu, down.getWeightGrad()});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.mask_padding: its own transpose
//===----------------------------------------------------------------------===//

struct MaskPaddingVJP
    : DifferentiableOpInterface::ExternalModel<MaskPaddingVJP, MaskPaddingOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto maskOp = cast<MaskPaddingOp>(op);
    Value dy = resultCts[0];
    if (!dy || !needs[0])
      return allNull(op, cts);
    cts.push_back(
        MaskPaddingOp::create(b, op->getLoc(), dy, maskOp.getMask()));
    cts.push_back(Value()); // mask
    return success();
  }
};

//===----------------------------------------------------------------------===//
// zen.attention (no cache): zen.attention_grad
//===----------------------------------------------------------------------===//

struct AttentionVJP
    : DifferentiableOpInterface::ExternalModel<AttentionVJP, AttentionOp> {
  LogicalResult buildVJP(Operation *op, OpBuilder &b, ValueRange resultCts,
                         ArrayRef<bool> needs,
                         SmallVectorImpl<Value> &cts) const {
    auto attn = cast<AttentionOp>(op);
    // The training forward never runs with a KV cache; a decode step has no
    // gradient to take.
    if (attn.hasCache())
      return op->emitOpError()
             << "cannot be differentiated with a KV cache: the training "
                "forward attends over k and v only";
    Value dy = resultCts[0];
    // Operands: q, k, v, [mask], [gate].
    bool wantQ = needs[0], wantK = needs[1], wantV = needs[2];
    bool hasGate = attn.getGate() != nullptr;
    unsigned gateIndex = attn.getMask() ? 4 : 3;
    bool wantGate = hasGate && needs[gateIndex];
    if (!dy || !(wantQ || wantK || wantV || wantGate))
      return allNull(op, cts);
    auto grad = AttentionGradOp::create(
        b, op->getLoc(), typeIf(wantQ, attn.getQ()), typeIf(wantK, attn.getK()),
        typeIf(wantV, attn.getV()),
        hasGate ? typeIf(wantGate, attn.getGate()) : Type(), dy, attn.getQ(),
        attn.getK(), attn.getV(), attn.getMask(), attn.getGate(),
        attn.getCausal(), attn.getScaleAttr());
    cts.append({grad.getQGrad(), grad.getKGrad(), grad.getVGrad()});
    if (attn.getMask())
      cts.push_back(Value());
    if (hasGate)
      cts.push_back(grad.getGateGrad());
    return success();
  }
};

} // namespace

void mlir::zen::registerModelOpsVJPModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, ZenDialect *) {
    LinearOp::attachInterface<LinearVJP>(*ctx);
    LMHeadOp::attachInterface<LMHeadVJP>(*ctx);
    RMSNormOp::attachInterface<RMSNormVJP>(*ctx);
    L2NormOp::attachInterface<L2NormVJP>(*ctx);
    EmbeddingOp::attachInterface<EmbeddingVJP>(*ctx);
    RoPEOp::attachInterface<RoPEVJP>(*ctx);
    SwiGLUOp::attachInterface<SwiGLUVJP>(*ctx);
    MLPOp::attachInterface<MLPVJP>(*ctx);
    MaskPaddingOp::attachInterface<MaskPaddingVJP>(*ctx);
    AttentionOp::attachInterface<AttentionVJP>(*ctx);
  });
}
