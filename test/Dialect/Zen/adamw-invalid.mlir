// RUN: zen-opt %s -split-input-file -verify-diagnostics

func.func @lr(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects lr >= 0, found -1.000000e-03 : f64}}
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) {lr = -1.0e-3 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @beta1(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects 0 <= beta1 < 1, found 1.000000e+00 : f64}}
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) {lr = 1.0e-3 : f64, beta1 = 1.0 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @beta2(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects 0 <= beta2 < 1, found -5.000000e-01 : f64}}
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) {lr = 1.0e-3 : f64, beta2 = -0.5 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @eps(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects eps > 0, found 0.000000e+00 : f64}}
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) {lr = 1.0e-3 : f64, eps = 0.0 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @weight_decay(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects weight_decay >= 0, found -1.000000e-02 : f64}}
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t) {lr = 1.0e-3 : f64, weight_decay = -0.01 : f64} : tensor<4x8xf32>
  return
}

// -----

func.func @missing_lr(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op requires attribute 'lr'}}
  %r:3 = zen.adamw params(%p) grads(%g) exp_avg(%m) exp_avg_sq(%v) step(%t)  : tensor<4x8xf32>
  return
}

// -----

// The custom syntax spells the types once, so the groups must line up.
func.func @parse_group_lengths(%p: tensor<4x8xf32>, %q: tensor<8xf32>, %g: tensor<4x8xf32>, %h: tensor<8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %w: tensor<8xf32>, %t: tensor<i64>) {
  // expected-error @+1 {{zen.adamw expects params, grads, exp_avg and exp_avg_sq groups of equal length, found 2, 2, 1 and 2}}
  %r:6 = zen.adamw params(%p, %q) grads(%g, %h) exp_avg(%m) exp_avg_sq(%v, %w) step(%t) {lr = 1.0e-3 : f64} : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

// The generic form can carry no parameter at all.
func.func @no_params(%p: tensor<4x8xf32>, %q: tensor<8xf32>, %g: tensor<4x8xf32>, %h: tensor<8xf32>, %m: tensor<4x8xf32>, %n: tensor<8xf32>, %v: tensor<4x8xf32>, %w: tensor<8xf32>, %x: tensor<4x8xbf16>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects at least one parameter}}
  "zen.adamw"(%t) <{lr = 1.0e-3 : f64, operandSegmentSizes = array<i32: 0, 0, 0, 0, 1, 0>}>
      : (tensor<i64>) -> ()
  return
}

// -----

// The generic form can give the four groups different lengths.
func.func @group_lengths(%p: tensor<4x8xf32>, %q: tensor<8xf32>, %g: tensor<4x8xf32>, %h: tensor<8xf32>, %m: tensor<4x8xf32>, %n: tensor<8xf32>, %v: tensor<4x8xf32>, %w: tensor<8xf32>, %x: tensor<4x8xbf16>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects params, grads, exp_avg and exp_avg_sq groups of equal length, found 2, 2, 1 and 2}}
  %r:6 = "zen.adamw"(%p, %q, %g, %h, %m, %v, %w, %t) <{lr = 1.0e-3 : f64, operandSegmentSizes = array<i32: 2, 2, 1, 2, 1, 0>}>
      : (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<i64>) -> (tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<8xf32>, tensor<4x8xf32>, tensor<8xf32>)
  return
}

// -----

// The generic form spells every type, so grads can differ from params.
func.func @grads_type(%p: tensor<4x8xf32>, %q: tensor<8xf32>, %g: tensor<4x8xf32>, %h: tensor<8xf32>, %m: tensor<4x8xf32>, %n: tensor<8xf32>, %v: tensor<4x8xf32>, %w: tensor<8xf32>, %x: tensor<4x8xbf16>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects grads #0 to have the type of params #0, 'tensor<4x8xf32>', found 'tensor<4x8xbf16>'}}
  %r:3 = "zen.adamw"(%p, %x, %m, %v, %t) <{lr = 1.0e-3 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>}>
      : (tensor<4x8xf32>, tensor<4x8xbf16>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<i64>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
  return
}

// -----

// The generic form spells every type, so exp_avg can differ from params.
func.func @exp_avg_type(%p: tensor<4x8xf32>, %q: tensor<8xf32>, %g: tensor<4x8xf32>, %h: tensor<8xf32>, %m: tensor<4x8xf32>, %n: tensor<8xf32>, %v: tensor<4x8xf32>, %w: tensor<8xf32>, %x: tensor<4x8xbf16>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects exp_avg #0 to have the type of params #0, 'tensor<4x8xf32>', found 'tensor<4x8xbf16>'}}
  %r:3 = "zen.adamw"(%p, %g, %x, %v, %t) <{lr = 1.0e-3 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>}>
      : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xbf16>, tensor<4x8xf32>, tensor<i64>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
  return
}

// -----

// The generic form spells every type, so exp_avg_sq can differ from params.
func.func @exp_avg_sq_type(%p: tensor<4x8xf32>, %q: tensor<8xf32>, %g: tensor<4x8xf32>, %h: tensor<8xf32>, %m: tensor<4x8xf32>, %n: tensor<8xf32>, %v: tensor<4x8xf32>, %w: tensor<8xf32>, %x: tensor<4x8xbf16>, %t: tensor<i64>) {
  // expected-error @+1 {{'zen.adamw' op expects exp_avg_sq #0 to have the type of params #0, 'tensor<4x8xf32>', found 'tensor<4x8xbf16>'}}
  %r:3 = "zen.adamw"(%p, %g, %m, %x, %t) <{lr = 1.0e-3 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>}>
      : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xbf16>, tensor<i64>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
  return
}

// -----

func.func @step_type(%p: tensor<4x8xf32>, %t: tensor<1xi64>) {
  // expected-error @+1 {{'zen.adamw' op operand #4 must be 0D tensor of 64-bit signless integer values, but got 'tensor<1xi64>'}}
  %r:3 = "zen.adamw"(%p, %p, %p, %p, %t) <{lr = 1.0e-3 : f64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, 0>}>
      : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<1xi64>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
  return
}
