// RUN: zen-opt %s --allow-unregistered-dialect --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(zen-simplify-deallocations))" | FileCheck %s
// RUN: zen-opt %s --allow-unregistered-dialect --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(zen-simplify-deallocations{max-operands=2}))" | FileCheck %s --check-prefix=WIDE

// A dealloc of 1 memref + 1 retained: within the limit, upstream's
// simplification runs (a fresh alloc cannot alias an argument, so the
// retained operand goes and its ownership result is false).
// CHECK-LABEL: func.func @retained_cannot_alias
// CHECK:         %[[FALSE:.+]] = arith.constant false
// CHECK:         bufferization.dealloc (%{{.+}} : memref<2xf32>) if (%{{.+}}){{$}}
// CHECK:         return %[[FALSE]]
// WIDE-LABEL:  func.func @retained_cannot_alias
// WIDE:          arith.constant false
// WIDE:          bufferization.dealloc (%{{.+}} : memref<2xf32>) if (%{{.+}}){{$}}
func.func @retained_cannot_alias(%arg0: memref<2xf32>, %c: i1) -> i1 {
  %a = memref.alloc() : memref<2xf32>
  "test.use"(%a) : (memref<2xf32>) -> ()
  %r = bufferization.dealloc (%a : memref<2xf32>) if (%c) retain (%arg0 : memref<2xf32>)
  return %r : i1
}

// -----

// With a limit of 2, this function's widest dealloc (2 memrefs + 1 retained)
// is too wide: the whole function is left as it is (its deallocs are
// lowered with run-time alias checks instead); the default limit simplifies
// (the retained operand goes; the dealloc splits in two).
// CHECK-LABEL: func.func @too_wide
// CHECK:         %[[FALSE:.+]] = arith.constant false
// CHECK:         bufferization.dealloc (%{{.+}} : memref<2xf32>) if (%{{.+}}){{$}}
// CHECK:         bufferization.dealloc (%{{.+}} : memref<4xf32>) if (%{{.+}}){{$}}
// CHECK:         return %[[FALSE]]
// WIDE-LABEL:  func.func @too_wide
// WIDE:          %[[R:.+]] = bufferization.dealloc (%{{.+}}, %{{.+}} : memref<2xf32>, memref<4xf32>) if (%{{.+}}, %{{.+}}) retain (%arg0 : memref<2xf32>)
// WIDE:          return %[[R]]
func.func @too_wide(%arg0: memref<2xf32>, %c: i1, %d: i1) -> i1 {
  %a = memref.alloc() : memref<2xf32>
  %b = memref.alloc() : memref<4xf32>
  "test.use"(%a, %b) : (memref<2xf32>, memref<4xf32>) -> ()
  %r = bufferization.dealloc (%a, %b : memref<2xf32>, memref<4xf32>) if (%c, %d) retain (%arg0 : memref<2xf32>)
  return %r : i1
}
