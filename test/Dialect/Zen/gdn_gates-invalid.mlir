// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @a_rank(%a: tensor<18x32xbf16>, %b: tensor<18x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xf32>) {
  // expected-error @+1 {{'zen.gdn_gates' op expects a to have rank 3 [B, T, Hv], found 'tensor<18x32xbf16>' of rank 2}}
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<18x32xbf16>, tensor<32xf32>, tensor<32xf32>
  return
}

// -----

func.func @A_log_rank(%a: tensor<2x9x32xbf16>, %b: tensor<2x9x32xbf16>, %A_log: tensor<1x32xf32>, %dt_bias: tensor<32xf32>) {
  // expected-error @+1 {{'zen.gdn_gates' op expects A_log to have rank 1 [Hv], found 'tensor<1x32xf32>' of rank 2}}
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<2x9x32xbf16>, tensor<1x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @dt_bias_rank(%a: tensor<2x9x32xbf16>, %b: tensor<2x9x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<f32>) {
  // expected-error @+1 {{'zen.gdn_gates' op expects dt_bias to have rank 1 [Hv], found 'tensor<f32>' of rank 0}}
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<2x9x32xbf16>, tensor<32xf32>, tensor<f32>
  return
}

// -----

func.func @A_log_heads(%a: tensor<2x9x32xbf16>, %b: tensor<2x9x32xbf16>, %A_log: tensor<16xf32>, %dt_bias: tensor<32xf32>) {
  // expected-error @+1 {{'zen.gdn_gates' op A_log dim 0 (Hv) must match a dim 2 (Hv): expected 32, found 16}}
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<2x9x32xbf16>, tensor<16xf32>, tensor<32xf32>
  return
}

// -----

func.func @dt_bias_heads(%a: tensor<2x9x32xbf16>, %b: tensor<2x9x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<64xbf16>) {
  // expected-error @+1 {{'zen.gdn_gates' op dt_bias dim 0 (Hv) must match a dim 2 (Hv): expected 32, found 64}}
  %g, %beta = zen.gdn_gates %a, %b, %A_log, %dt_bias : tensor<2x9x32xbf16>, tensor<32xf32>, tensor<64xbf16>
  return
}

// -----

func.func @b_type(%a: tensor<2x9x32xbf16>, %b: tensor<2x9x32xf32>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xf32>) {
  // expected-error @+1 {{'zen.gdn_gates' op failed to verify that all of {a, b} have same type}}
  %g:2 = "zen.gdn_gates"(%a, %b, %A_log, %dt_bias) : (tensor<2x9x32xbf16>, tensor<2x9x32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<2x9x32xf32>, tensor<2x9x32xf32>)
  return
}

// -----

func.func @result_types(%a: tensor<2x9x32xbf16>, %b: tensor<2x9x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xf32>) {
  // expected-error @+2 {{'zen.gdn_gates' op inferred type(s) 'tensor<2x9x32xf32>', 'tensor<2x9x32xf32>' are incompatible with return type(s) of operation 'tensor<2x9x32xf32>', 'tensor<2x?x32xf32>'}}
  // expected-error @+1 {{'zen.gdn_gates' op failed to infer returned types}}
  %g:2 = "zen.gdn_gates"(%a, %b, %A_log, %dt_bias) : (tensor<2x9x32xbf16>, tensor<2x9x32xbf16>, tensor<32xf32>, tensor<32xf32>) -> (tensor<2x9x32xf32>, tensor<2x?x32xf32>)
  return
}

// -----

func.func @result_element_type(%a: tensor<2x9x32xbf16>, %b: tensor<2x9x32xbf16>, %A_log: tensor<32xf32>, %dt_bias: tensor<32xf32>) {
  // expected-error @+1 {{'zen.gdn_gates' op result #0 must be ranked tensor of 32-bit float values, but got 'tensor<2x9x32xbf16>'}}
  %g:2 = "zen.gdn_gates"(%a, %b, %A_log, %dt_bias) : (tensor<2x9x32xbf16>, tensor<2x9x32xbf16>, tensor<32xf32>, tensor<32xf32>) -> (tensor<2x9x32xbf16>, tensor<2x9x32xf32>)
  return
}

