// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @input_rank(%x: tensor<f32>, %router: tensor<8x64xf32>) {
  // expected-error @+1 {{zen.moe_router expects input [..., H]}}
  %w, %idx = zen.moe_router %x, %router {top_k = 2 : i64} : tensor<f32>, tensor<8x64xf32>
  return
}

// -----

func.func @router_rank(%x: tensor<?x64xf32>, %router: tensor<8x64x1xf32>) {
  // expected-error @+1 {{'zen.moe_router' op expects router_w to have rank 2 [E, H], found 'tensor<8x64x1xf32>' of rank 3}}
  %w, %idx = zen.moe_router %x, %router {top_k = 2 : i64} : tensor<?x64xf32>, tensor<8x64x1xf32>
  return
}

// -----

func.func @hidden(%x: tensor<?x?x64xf32>, %router: tensor<8x32xf32>) {
  // expected-error @+1 {{'zen.moe_router' op router_w dim 1 (hidden) must match input dim 2 (hidden): expected 64, found 32}}
  %w, %idx = zen.moe_router %x, %router {top_k = 2 : i64} : tensor<?x?x64xf32>, tensor<8x32xf32>
  return
}

// -----

func.func @element_type(%x: tensor<?x64xf32>, %router: tensor<8x64xbf16>) {
  // expected-error @+1 {{'zen.moe_router' op expects router_w and input to have the same element type, found 'bf16' and 'f32'}}
  %w, %idx = zen.moe_router %x, %router {top_k = 2 : i64} : tensor<?x64xf32>, tensor<8x64xbf16>
  return
}

// -----

func.func @top_k_zero(%x: tensor<?x64xf32>, %router: tensor<8x64xf32>) {
  // expected-error @+1 {{'zen.moe_router' op expects top_k > 0, found 0}}
  %w, %idx = zen.moe_router %x, %router {top_k = 0 : i64} : tensor<?x64xf32>, tensor<8x64xf32>
  return
}

// -----

func.func @top_k_above_experts(%x: tensor<?x64xf32>, %router: tensor<8x64xf32>) {
  // expected-error @+1 {{'zen.moe_router' op expects top_k <= 8, the number of experts (router_w dim 0), found 9}}
  %w, %idx = zen.moe_router %x, %router {top_k = 9 : i64} : tensor<?x64xf32>, tensor<8x64xf32>
  return
}

// -----

func.func @missing_top_k(%x: tensor<?x64xf32>, %router: tensor<8x64xf32>) {
  // expected-error @+1 {{'zen.moe_router' op requires attribute 'top_k'}}
  %w, %idx = zen.moe_router %x, %router : tensor<?x64xf32>, tensor<8x64xf32>
  return
}

// -----

// Result types follow from the operands; a wrong slot count is caught.
func.func @result_type(%x: tensor<4x64xf32>, %router: tensor<8x64xf32>) {
  // expected-error @+2 {{'zen.moe_router' op failed to infer returned types}}
  // expected-error @+1 {{'zen.moe_router' op inferred type(s) 'tensor<4x2xf32>', 'tensor<4x2xi64>' are incompatible with return type(s) of operation 'tensor<4x3xf32>', 'tensor<4x3xi64>'}}
  %w:2 = "zen.moe_router"(%x, %router) <{top_k = 2 : i64}> : (tensor<4x64xf32>, tensor<8x64xf32>) -> (tensor<4x3xf32>, tensor<4x3xi64>)
  return
}
