//===- ZenAttrs.td - Zen enum attributes ------------------*- tablegen -*-===//

#ifndef ZEN_ATTRS_TD
#define ZEN_ATTRS_TD

include "Zen/ZenDialect.td"
include "mlir/IR/EnumAttr.td"

// Activation applied after the causal depthwise convolution of Gated-DeltaNet.
def Zen_Activation : I32EnumAttr<"Activation", "pointwise activation", [
    I32EnumAttrCase<"none", 0>,
    I32EnumAttrCase<"silu", 1>,
    I32EnumAttrCase<"gelu", 2>,
    I32EnumAttrCase<"gelu_tanh", 3>
  ]> {
  let cppNamespace = "::mlir::zen";
  let genSpecializedAttr = 0;
}
def Zen_ActivationAttr : EnumAttr<Zen_Dialect, Zen_Activation, "activation"> {
  let assemblyFormat = "`<` $value `>`";
}

// How the gated delta rule is evaluated: both give the same result.
def Zen_DeltaRuleMode : I32EnumAttr<"DeltaRuleMode", "gated delta rule evaluation", [
    I32EnumAttrCase<"chunked", 0>,
    I32EnumAttrCase<"recurrent", 1>
  ]> {
  let cppNamespace = "::mlir::zen";
  let genSpecializedAttr = 0;
}
def Zen_DeltaRuleModeAttr : EnumAttr<Zen_Dialect, Zen_DeltaRuleMode, "delta_rule_mode"> {
  let assemblyFormat = "`<` $value `>`";
}

// GSPO importance-ratio level: one ratio per sequence, or GSPO-token.
def Zen_GspoLevel : I32EnumAttr<"GspoLevel", "GSPO ratio level", [
    I32EnumAttrCase<"sequence", 0>,
    I32EnumAttrCase<"token", 1>
  ]> {
  let cppNamespace = "::mlir::zen";
  let genSpecializedAttr = 0;
}
def Zen_GspoLevelAttr : EnumAttr<Zen_Dialect, Zen_GspoLevel, "gspo_level"> {
  let assemblyFormat = "`<` $value `>`";
}

// TRL GRPOTrainer `loss_type` normalisations.
def Zen_GrpoLossType : I32EnumAttr<"GrpoLossType", "GRPO loss aggregation", [
    I32EnumAttrCase<"grpo", 0>,
    I32EnumAttrCase<"bnpo", 1>,
    I32EnumAttrCase<"dr_grpo", 2>,
    I32EnumAttrCase<"dapo", 3>
  ]> {
  let cppNamespace = "::mlir::zen";
  let genSpecializedAttr = 0;
}
def Zen_GrpoLossTypeAttr : EnumAttr<Zen_Dialect, Zen_GrpoLossType, "grpo_loss_type"> {
  let assemblyFormat = "`<` $value `>`";
}

// TRL `scale_rewards`: divide by the group std, the batch std, or not at all.
def Zen_RewardScaling : I32EnumAttr<"RewardScaling", "advantage scaling", [
    I32EnumAttrCase<"group", 0>,
    I32EnumAttrCase<"batch", 1>,
    I32EnumAttrCase<"none", 2>
  ]> {
  let cppNamespace = "::mlir::zen";
  let genSpecializedAttr = 0;
}
def Zen_RewardScalingAttr : EnumAttr<Zen_Dialect, Zen_RewardScaling, "reward_scaling"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // ZEN_ATTRS_TD
