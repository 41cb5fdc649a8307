// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.mask_padding

// One elementwise generic reading mask[b, t] per row: keep x where the mask
// is non-zero, else 0 (a select, so NaN/inf garbage in padded rows cannot
// leak through as NaN * 0).

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[BT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @mask_padding_i64
// CHECK-SAME:    %[[X:.+]]: tensor<?x?x2048xbf16>, %[[M:.+]]: tensor<?x?xi64>
// CHECK:         %[[OUT:.+]] = linalg.generic
// CHECK-SAME:      indexing_maps = [#[[ID]], #[[BT]], #[[ID]]]
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%[[X]], %[[M]] : tensor<?x?x2048xbf16>, tensor<?x?xi64>)
// CHECK:         ^bb0(%[[XI:.+]]: bf16, %[[MI:.+]]: i64, %{{.+}}: bf16):
// CHECK:           %[[Z:.+]] = arith.constant 0 : i64
// CHECK:           %[[KEEP:.+]] = arith.cmpi ne, %[[MI]], %[[Z]] : i64
// CHECK:           %[[ZERO:.+]] = arith.constant 0.000000e+00 : bf16
// CHECK:           %[[R:.+]] = arith.select %[[KEEP]], %[[XI]], %[[ZERO]] : bf16
// CHECK:           linalg.yield %[[R]] : bf16
// CHECK:         return %[[OUT]]
func.func @mask_padding_i64(%x: tensor<?x?x2048xbf16>, %mask: tensor<?x?xi64>) -> tensor<?x?x2048xbf16> {
  %h = zen.mask_padding %x, %mask : tensor<?x?x2048xbf16>, tensor<?x?xi64>
  return %h : tensor<?x?x2048xbf16>
}

// -----

// An f32 mask on a rank-4 input: the mask map still reads (d0, d1).

// CHECK-DAG:   #[[BT4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @mask_padding_f32_rank4
// CHECK:         linalg.generic
// CHECK-SAME:      #[[BT4]]
// CHECK:           arith.cmpf une, %{{.+}}, %{{.+}} : f32
// CHECK:           arith.select %{{.+}}, %{{.+}}, %{{.+}} : f32
func.func @mask_padding_f32_rank4(%x: tensor<?x?x32x128xf32>, %mask: tensor<?x?xf32>) -> tensor<?x?x32x128xf32> {
  %h = zen.mask_padding %x, %mask : tensor<?x?x32x128xf32>, tensor<?x?xf32>
  return %h : tensor<?x?x32x128xf32>
}

// -----

// CHECK-LABEL: func.func @mask_padding_i1
// CHECK:         arith.cmpi ne, %{{.+}}, %{{.+}} : i1
// CHECK:         arith.select
func.func @mask_padding_i1(%x: tensor<2x?x64xf32>, %mask: tensor<2x?xi1>) -> tensor<2x?x64xf32> {
  %h = zen.mask_padding %x, %mask : tensor<2x?x64xf32>, tensor<2x?xi1>
  return %h : tensor<2x?x64xf32>
}
