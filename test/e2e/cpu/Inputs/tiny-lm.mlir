// A tiny language model written by hand in Zen IR, for the runtime's
// end-to-end tests. It uses only ops the CPU pipeline lowers today
// (zen.rms_norm, zen.linear, plus a linalg.generic gather standing in for
// zen.embedding) and mixes the positions and the mask into the hidden state
// so that their defaults are checked too:
//
//   x[b,t,:] = embed[ids[b,t], :] * (1 + positions[b,t] / 8) + mask[b,t] / 2
//   hidden   = rms_norm(x, norm, eps 1e-6)
//   logits   = hidden @ lm_head^T                      (V = 32, H = 16)
//
// `forward` is what zen_model_forward runs; `forward_hidden` returns two
// results (the results block holds two descriptors) and shares every
// parameter with `forward`. The tests make a bf16 variant with
// sed 's/f32/bf16/g'.
module attributes {zen.model = "hand-tiny", zen.family = "dense"} {
  func.func private @body(%ids: tensor<?x?xi64>, %pos: tensor<?x?xi64>,
                          %mask: tensor<?x?xi64>, %embed: tensor<32x16xf32>,
                          %norm: tensor<16xf32>, %head: tensor<32x16xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?x16xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %b = tensor.dim %ids, %c0 : tensor<?x?xi64>
    %t = tensor.dim %ids, %c1 : tensor<?x?xi64>
    %empty = tensor.empty(%b, %t) : tensor<?x?x16xf32>
    %x = linalg.generic {
        indexing_maps = [affine_map<(b, t, h) -> (b, t)>, affine_map<(b, t, h) -> (b, t)>,
                         affine_map<(b, t, h) -> (b, t)>, affine_map<(b, t, h) -> (b, t, h)>],
        iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%ids, %pos, %mask : tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?xi64>)
        outs(%empty : tensor<?x?x16xf32>) {
      ^bb0(%id: i64, %p: i64, %m: i64, %out: f32):
        %h = linalg.index 2 : index
        %row = arith.index_cast %id : i64 to index
        %e = tensor.extract %embed[%row, %h] : tensor<32x16xf32>
        %pf = arith.sitofp %p : i64 to f32
        %mf = arith.sitofp %m : i64 to f32
        %eighth = arith.constant 0.125 : f32
        %half = arith.constant 0.5 : f32
        %one = arith.constant 1.0 : f32
        %ps = arith.mulf %pf, %eighth : f32
        %scale = arith.addf %ps, %one : f32
        %es = arith.mulf %e, %scale : f32
        %ms = arith.mulf %mf, %half : f32
        %v = arith.addf %es, %ms : f32
        linalg.yield %v : f32
    } -> tensor<?x?x16xf32>
    %n = zen.rms_norm %x, %norm {eps = 1.0e-06 : f64} : tensor<?x?x16xf32>, tensor<16xf32>
    %logits = zen.linear %n, %head : tensor<?x?x16xf32>, tensor<32x16xf32>
    return %logits, %n : tensor<?x?x32xf32>, tensor<?x?x16xf32>
  }

  func.func @forward(%ids: tensor<?x?xi64> {zen.name = "input_ids"},
                     %pos: tensor<?x?xi64> {zen.name = "positions"},
                     %mask: tensor<?x?xi64> {zen.name = "attention_mask"},
                     %embed: tensor<32x16xf32> {zen.param = "model.embed_tokens.weight"},
                     %norm: tensor<16xf32> {zen.param = "model.norm.weight"},
                     %head: tensor<32x16xf32> {zen.param = "lm_head.weight"})
      -> (tensor<?x?x32xf32> {zen.name = "logits"}) {
    %logits, %hidden = call @body(%ids, %pos, %mask, %embed, %norm, %head)
        : (tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<32x16xf32>,
           tensor<16xf32>, tensor<32x16xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x16xf32>)
    return %logits : tensor<?x?x32xf32>
  }

  func.func @forward_hidden(%ids: tensor<?x?xi64> {zen.name = "input_ids"},
                            %pos: tensor<?x?xi64> {zen.name = "positions"},
                            %mask: tensor<?x?xi64> {zen.name = "attention_mask"},
                            %embed: tensor<32x16xf32> {zen.param = "model.embed_tokens.weight"},
                            %norm: tensor<16xf32> {zen.param = "model.norm.weight"},
                            %head: tensor<32x16xf32> {zen.param = "lm_head.weight"})
      -> (tensor<?x?x32xf32> {zen.name = "logits"}, tensor<?x?x16xf32> {zen.name = "hidden"}) {
    %logits, %hidden = call @body(%ids, %pos, %mask, %embed, %norm, %head)
        : (tensor<?x?xi64>, tensor<?x?xi64>, tensor<?x?xi64>, tensor<32x16xf32>,
           tensor<16xf32>, tensor<32x16xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x16xf32>)
    return %logits, %hidden : tensor<?x?x32xf32>, tensor<?x?x16xf32>
  }
}
