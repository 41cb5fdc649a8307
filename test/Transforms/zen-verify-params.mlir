// RUN: zen-opt %s -split-input-file -zen-verify-params -verify-diagnostics | FileCheck %s

// Well-formed weights pass through unchanged.
// CHECK-LABEL: func.func @ok
// CHECK-SAME: zen.param = "model.norm.weight"
func.func @ok(%x: tensor<?x?x64xf32>, %w: tensor<64xf32> {zen.param = "model.norm.weight"}) -> tensor<?x?x64xf32> {
  %y = zen.rms_norm %x, %w : tensor<?x?x64xf32>, tensor<64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// expected-error @+2 {{argument #2 of @duplicate: zen.param "model.norm.weight" is already bound to argument #1}}
func.func @duplicate(%x: tensor<?x64xf32>, %w: tensor<64xf32> {zen.param = "model.norm.weight"},
                     %v: tensor<64xf32> {zen.param = "model.norm.weight"}) {
  return
}

// -----

// expected-error @+1 {{argument #0 of @dynamic_weight ("model.embed_tokens.weight"): weights need a static shape, found 'tensor<?x64xf32>'}}
func.func @dynamic_weight(%w: tensor<?x64xf32> {zen.param = "model.embed_tokens.weight"}) {
  return
}

// -----

// expected-error @+1 {{argument #0 of @empty_name: zen.param must be a non-empty string, found ""}}
func.func @empty_name(%w: tensor<64xf32> {zen.param = ""}) {
  return
}

// -----

// expected-error @+1 {{argument #0 of @not_a_string: zen.param must be a non-empty string, found 3 : i64}}
func.func @not_a_string(%w: tensor<64xf32> {zen.param = 3}) {
  return
}
