// With no INPUT and a terminal on standard input, tqopt prints a usage hint and exits 2
// instead of waiting silently; a pipe or an explicit file are still read.
// RUN: %python %S/Inputs/on_tty.py tqopt | FileCheck %s --check-prefix=TTY
// RUN: %python %S/Inputs/on_tty.py tqopt %s | FileCheck %s --check-prefix=FILE
// RUN: cat %s | tqopt | FileCheck %s --check-prefix=PIPE
// A binary model is not written to a terminal; through a pipe it is.
// RUN: %python %S/Inputs/on_tty.py --stdout tqopt %s --emit=tflite | FileCheck %s --check-prefix=BINARY
// RUN: tqopt %s --emit=tflite | tqopt | FileCheck %s --check-prefix=PIPE

// TTY: tqopt: no input file given, and standard input is a terminal.
// TTY-NEXT: Usage: tqopt [OPTIONS] INPUT
// TTY: Run 'tqopt --help'
// TTY-NEXT: exit code 2

// FILE: func.func @main() -> tensor<1xi32>
// FILE: exit code 0

// PIPE: func.func @main() -> tensor<1xi32>

// BINARY: tqopt: error: refusing to write a binary .tflite model to the terminal; use -o FILE.tflite or redirect standard output
// BINARY-NEXT: exit code 1
func.func @main() -> tensor<1xi32> {
  %0 = "tfl.pseudo_const"() <{value = dense<7> : tensor<1xi32>}> : () -> tensor<1xi32>
  return %0 : tensor<1xi32>
}
