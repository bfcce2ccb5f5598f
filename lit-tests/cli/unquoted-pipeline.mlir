// A pass pipeline the shell took apart because it was not quoted gets a hint with the quoted
// form. lit's shell splits unquoted words at spaces as sh does; the brace-expanded form
// (what bash makes of --pass=quantize-int8{ops=X,io=int8}) is written out.
// RUN: not tqopt %s --pass=quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8} 2>&1 | FileCheck %s --check-prefix=SPACE
// RUN: not tqopt %s --pass quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8} -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SPACE
// RUN: not tqopt %s --pass=quantize-int8ops=TFLITE_BUILTINS_INT8 --pass=quantize-int8io=int8 2>&1 | FileCheck %s --check-prefix=EXPANDED
// RUN: not tqopt %s --pass=canonicalizemax-iterations=2 2>&1 | FileCheck %s --check-prefix=ONE
// RUN: not tqopt %s --pass=nosuchpassx=1 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: tqopt %s '--pass=canonicalize{max-iterations=2}' -o %t.mlir
// A quoted pipeline with a brace nothing closes is a typo: the pipeline parser reports it.
// RUN: not tqopt %s '--pass=canonicalize{max-iterations=2' -o %t.mlir 2>&1 | FileCheck %s --check-prefix=TYPO

// SPACE: tqopt: error: the pass pipeline 'quantize-int8{ops=TFLITE_BUILTINS_INT8' has an unclosed '{': the shell split it at a space because it was not quoted; quote the whole pipeline: --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}'
// EXPANDED: tqopt: error: 'quantize-int8ops=TFLITE_BUILTINS_INT8' is not a pass: it looks like 'quantize-int8{...}' brace-expanded by the shell because it was not quoted; quote the pipeline and separate options with spaces: --pass='quantize-int8{ops=TFLITE_BUILTINS_INT8 io=int8}'
// ONE: --pass='canonicalize{max-iterations=2}'
// UNKNOWN: tqopt: error: 'nosuchpassx=1' is not a pass; options go in braces after the pass name, and the pipeline must be quoted: --pass='NAME{option=value ...}'
// TYPO: tqopt: error: invalid pipeline
// TYPO-NOT: shell
func.func @main() {
  return
}
