// RUN: zen-opt %s --convert-zen-to-linalg --split-input-file | FileCheck %s --implicit-check-not=zen.rms_norm_grad

// Σx² and c = Σ dy (1 + w) x per row, then dx = r g − x r³ c / D in one
// parallel generic; dw = Σ_rows dy x r reduces the two dynamic dims.

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[ROW:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG:   #[[LAST:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @zero_centered
// CHECK-SAME:    %[[DY:[^:]+]]: tensor<?x?x64xf32>, %[[X:[^:]+]]: tensor<?x?x64xf32>, %[[W:[^:]+]]: tensor<64xf32>
// CHECK:         %[[SS:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]] :
// CHECK:         %[[C:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[LAST]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[DY]], %[[X]], %[[W]] :
// CHECK:           arith.addf %{{.+}}, %{{.+}} : f32
// CHECK:         %[[DX:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[LAST]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[DY]], %[[X]], %[[W]], %[[SS]], %[[C]] :
// CHECK:           math.rsqrt
// CHECK:         %[[DW:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ROW]], #[[LAST]]], iterator_types = ["reduction", "reduction", "parallel"]} ins(%[[DY]], %[[X]], %[[SS]] : {{.+}}) outs(%{{.+}} : tensor<64xf32>)
// CHECK:           math.rsqrt
// CHECK:         return %[[DX]], %[[DW]]
func.func @zero_centered(%dy: tensor<?x?x64xf32>, %x: tensor<?x?x64xf32>, %w: tensor<64xf32>)
    -> (tensor<?x?x64xf32>, tensor<64xf32>) {
  %dx, %dw = zen.rms_norm_grad %dy, %x, %w {zero_centered}
      : tensor<?x?x64xf32>, tensor<?x?x64xf32>, tensor<64xf32> -> input_grad(tensor<?x?x64xf32>) weight_grad(tensor<64xf32>)
  return %dx, %dw : tensor<?x?x64xf32>, tensor<64xf32>
}

// -----

// A frozen weight: only dx, rounded to bf16; no rows-reduced generic.
// CHECK-LABEL: func.func @input_only
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:         %[[DX:.+]] = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      outs(%{{.+}} : tensor<?x?x128xbf16>)
// CHECK:           arith.truncf
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[DX]]
func.func @input_only(%dy: tensor<?x?x128xbf16>, %x: tensor<?x?x128xbf16>, %w: tensor<128xbf16>) -> tensor<?x?x128xbf16> {
  %dx = zen.rms_norm_grad %dy, %x, %w : tensor<?x?x128xbf16>, tensor<?x?x128xbf16>, tensor<128xbf16> -> input_grad(tensor<?x?x128xbf16>)
  return %dx : tensor<?x?x128xbf16>
}
