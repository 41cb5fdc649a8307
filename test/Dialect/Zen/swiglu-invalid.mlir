// RUN: zen-opt %s -split-input-file -verify-diagnostics

// gate and up must have the same type; the custom form spells it once, so
// a mismatch is written in the generic form.
func.func @shape_mismatch(%gate: tensor<?x3072xf32>, %up: tensor<?x1024xf32>) {
  // expected-error @+1 {{'zen.swiglu' op failed to verify that all of {gate, up, result} have same type}}
  %h = "zen.swiglu"(%gate, %up) : (tensor<?x3072xf32>, tensor<?x1024xf32>) -> tensor<?x3072xf32>
  return
}

// -----

func.func @element_type_mismatch(%gate: tensor<?x3072xf32>, %up: tensor<?x3072xbf16>) {
  // expected-error @+1 {{'zen.swiglu' op failed to verify that all of {gate, up, result} have same type}}
  %h = "zen.swiglu"(%gate, %up) : (tensor<?x3072xf32>, tensor<?x3072xbf16>) -> tensor<?x3072xf32>
  return
}

// -----

func.func @integer(%gate: tensor<?x3072xi32>, %up: tensor<?x3072xi32>) {
  // expected-error @+1 {{'zen.swiglu' op operand #0 must be ranked tensor of 32-bit float or bfloat16 type or 16-bit float values, but got 'tensor<?x3072xi32>'}}
  %h = zen.swiglu %gate, %up : tensor<?x3072xi32>
  return
}
