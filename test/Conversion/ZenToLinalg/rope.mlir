// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.rope

// Qwen3-Next partial RoPE: 64 of 256 lanes, theta 1e7, bf16. inv_freq is a
// compile-time f32 constant; one generic builds the [B, T, 32] cos/sin
// tables from f32 angles (rounded to bf16 once); a second one rotates lane
// i < 32 against i + 32 and i in [32, 64) against i - 32 (tensor.extract of
// the partner lane and of the tables), each product and the sum rounded to
// bf16, and passes lanes >= 64 through with a select.

// CHECK-DAG:   #[[POS:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[FREQ:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG:   #[[TAB:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @rope_next_partial
// CHECK-SAME:    %[[X:.+]]: tensor<?x?x16x256xbf16>, %[[P:.+]]: tensor<?x?xi64>
// CHECK:         %[[INV:.+]] = arith.constant dense<{{\[}}1.000000e+00, {{.*}}> : tensor<32xf32>
// CHECK:         %[[TABLES:.+]]:2 = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[POS]], #[[FREQ]], #[[TAB]], #[[TAB]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[P]], %[[INV]] : tensor<?x?xi64>, tensor<32xf32>)
// CHECK-SAME:      outs(%{{.+}}, %{{.+}} : tensor<?x?x32xbf16>, tensor<?x?x32xbf16>)
// CHECK:         ^bb0(%[[POS_I:.+]]: i64, %[[F:.+]]: f32,
// CHECK:           %[[PF:.+]] = arith.sitofp %[[POS_I]] : i64 to f32
// CHECK:           %[[ANGLE:.+]] = arith.mulf %[[PF]], %[[F]] : f32
// CHECK:           %[[COS:.+]] = math.cos %[[ANGLE]] : f32
// CHECK:           %[[COS_B:.+]] = arith.truncf %[[COS]] : f32 to bf16
// CHECK:           %[[SIN:.+]] = math.sin %[[ANGLE]] : f32
// CHECK:           %[[SIN_B:.+]] = arith.truncf %[[SIN]] : f32 to bf16
// CHECK:           linalg.yield %[[COS_B]], %[[SIN_B]] : bf16, bf16
// CHECK:         %[[OUT:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID4]], #[[ID4]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[X]] : tensor<?x?x16x256xbf16>)
// CHECK:         ^bb0(%[[XI:.+]]: bf16, %{{.+}}: bf16):
// CHECK-DAG:       %[[LANE:.+]] = linalg.index 3 : index
// CHECK-DAG:       %[[C32:.+]] = arith.constant 32 : index
// CHECK:           %[[LOW:.+]] = arith.cmpi ult, %[[LANE]], %[[C32]] : index
// CHECK-DAG:       %[[C64:.+]] = arith.constant 64 : index
// CHECK:           %[[ROT:.+]] = arith.cmpi ult, %[[LANE]], %[[C64]] : index
// CHECK:           %[[PARTNER:.+]] = arith.select %[[ROT]], %{{.+}}, %[[LANE]] : index
// CHECK:           %[[OTHER:.+]] = tensor.extract %[[X]][%{{.+}}, %{{.+}}, %{{.+}}, %[[PARTNER]]]
// CHECK:           %[[C:.+]] = tensor.extract %[[TABLES]]#0
// CHECK:           %[[S:.+]] = tensor.extract %[[TABLES]]#1
// CHECK:           arith.negf
// CHECK:           %[[XC:.+]] = arith.mulf
// CHECK:           arith.truncf %[[XC]] : f32 to bf16
// CHECK:           %[[RS:.+]] = arith.mulf
// CHECK:           arith.truncf %[[RS]] : f32 to bf16
// CHECK:           %[[SUM:.+]] = arith.addf
// CHECK:           %[[SUM_B:.+]] = arith.truncf %[[SUM]] : f32 to bf16
// CHECK:           %[[RES:.+]] = arith.select %[[ROT]], %[[SUM_B]], %[[XI]] : bf16
// CHECK:           linalg.yield %[[RES]] : bf16
// CHECK:         return %[[OUT]]
func.func @rope_next_partial(%q: tensor<?x?x16x256xbf16>, %pos: tensor<?x?xi64>) -> tensor<?x?x16x256xbf16> {
  %r = zen.rope %q, %pos {rotary_dim = 64 : i64, theta = 1.0e+07 : f64}
      : tensor<?x?x16x256xbf16>, tensor<?x?xi64>
  return %r : tensor<?x?x16x256xbf16>
}

// -----

// Full rotary (Qwen3 dense, head_dim 128, f32): no pass-through select, and
// no rounding: f32 arithmetic throughout. inv_freq[j] = 1 / theta^(2j / d)
// in f32 (d = 8 here to check the constant: 1, 1e7^-1/4, 1e7^-1/2,
// 1e7^-3/4).

// CHECK-LABEL: func.func @rope_full_f32
// CHECK:         arith.constant dense<[1.000000e+00, 0.0177827943, 3.16227786E-4, 5.62341347E-6]> : tensor<4xf32>
// CHECK:         linalg.generic
// CHECK:           math.cos
// CHECK:           math.sin
// CHECK:         linalg.generic
// CHECK-NOT:       arith.constant 8 : index
// CHECK-NOT:       arith.truncf
// CHECK:           tensor.extract
// CHECK-NOT:       arith.truncf
// CHECK:           arith.addf
// CHECK-NEXT:      linalg.yield
func.func @rope_full_f32(%k: tensor<?x?x8x8xf32>, %pos: tensor<?x?xi32>) -> tensor<?x?x8x8xf32> {
  %r = zen.rope %k, %pos {rotary_dim = 8 : i64, theta = 1.0e+07 : f64}
      : tensor<?x?x8x8xf32>, tensor<?x?xi32>
  return %r : tensor<?x?x8x8xf32>
}

// -----

// Dynamic head_dim: lanes past rotary_dim pass through, and the partner lane
// is also clamped to head_dim - 1 so that no load can run past the head.

// CHECK-LABEL: func.func @rope_dynamic_head_dim
// CHECK-SAME:    %[[X:.+]]: tensor<?x?x2x?xf32>
// CHECK:         %[[HD:.+]] = tensor.dim %[[X]], %c3
// CHECK:         %[[LAST:.+]] = arith.subi %[[HD]], %c1
// CHECK:         linalg.generic
// CHECK:           %[[ROT:.+]] = arith.cmpi ult, %{{.+}}, %c8
// CHECK:           arith.select %[[ROT]]
// CHECK:           %[[P:.+]] = arith.select %[[ROT]]
// CHECK:           %[[PC:.+]] = arith.minui %[[P]], %[[LAST]] : index
// CHECK:           tensor.extract %[[X]][%{{.+}}, %{{.+}}, %{{.+}}, %[[PC]]]
// CHECK:           arith.addf
// CHECK-NEXT:      arith.select %[[ROT]], %{{.+}}, %{{.+}} : f32
// CHECK-NEXT:      linalg.yield
func.func @rope_dynamic_head_dim(%x: tensor<?x?x2x?xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x2x?xf32> {
  %r = zen.rope %x, %pos {rotary_dim = 8 : i64, theta = 1.0e+06 : f64}
      : tensor<?x?x2x?xf32>, tensor<?x?xi64>
  return %r : tensor<?x?x2x?xf32>
}
