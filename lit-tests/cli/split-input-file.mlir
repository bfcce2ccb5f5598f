// --split-input-file processes each chunk on its own and joins the outputs with '// -----';
// diagnostics keep the original file's line numbers.
// RUN: tqopt %s --split-input-file | FileCheck %s
// RUN: not tqopt %s 2>&1 | FileCheck %s --check-prefix=WHOLE

// CHECK: func.func @first
// CHECK: // -----
// CHECK: func.func @first
func.func @first() {
  return
}

// -----

// Same name again: fine in its own chunk, a redefinition when the file is one module.
func.func @first() {
  return
}
// WHOLE: split-input-file.mlir:[[@LINE-3]]:1: error: 'func.func' op redefines the symbol '@first'
// WHOLE: split-input-file.mlir:9:1: note: the first definition is here
