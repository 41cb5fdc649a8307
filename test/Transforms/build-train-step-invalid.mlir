// RUN: zen-opt %s --split-input-file --verify-diagnostics \
// RUN:   --zen-build-train-step="lora-targets=q_proj"

// expected-error @below {{zen-build-train-step: the module has no @forward to build the train step from}}
module {
  func.func @decode(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}

// -----

module {
  // expected-error @below {{zen-build-train-step: expected one zen.lm_head in @forward, found 0}}
  func.func @forward(%ids: tensor<?x?xi64>, %pos: tensor<?x?xi64>, %mask: tensor<?x?xi64>,
                     %emb: tensor<16x8xf32> {zen.param = "model.embed_tokens.weight"})
      -> tensor<?x?x8xf32> {
    %h = zen.embedding %ids, %emb : tensor<?x?xi64>, tensor<16x8xf32>
    return %h : tensor<?x?x8xf32>
  }
}

// -----

// No layer projection is named q_proj.
// expected-error @below {{zen-build-train-step: no projection matches lora-targets (q_proj)}}
module {
  func.func private @layer(%x: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) -> tensor<?x?x8xf32> {
    %y = zen.linear %x, %w : tensor<?x?x8xf32>, tensor<8x8xf32>
    return %y : tensor<?x?x8xf32>
  }
  func.func @forward(%ids: tensor<?x?xi64>, %pos: tensor<?x?xi64>, %mask: tensor<?x?xi64>,
                     %emb: tensor<16x8xf32> {zen.param = "model.embed_tokens.weight"},
                     %w: tensor<8x8xf32> {zen.param = "model.layers.0.mlp.up_proj.weight"})
      -> tensor<?x?x16xf32> {
    %h = zen.embedding %ids, %emb : tensor<?x?xi64>, tensor<16x8xf32>
    %y = call @layer(%h, %w) : (tensor<?x?x8xf32>, tensor<8x8xf32>) -> tensor<?x?x8xf32>
    %logits = zen.lm_head %y, %emb : tensor<?x?x8xf32>, tensor<16x8xf32>
    return %logits : tensor<?x?x16xf32>
  }
}
