// With no INPUT and a terminal on standard input, tqopt prints a usage hint and exits 2
// instead of waiting silently; a pipe, an explicit file, or an explicit '-' are still read.
// RUN: %python %S/Inputs/on_tty.py tqopt | FileCheck %s --check-prefix=TTY
// RUN: %python %S/Inputs/on_tty.py tqopt %s | FileCheck %s --check-prefix=FILE
// RUN: cat %s | tqopt | FileCheck %s --check-prefix=PIPE

// TTY: tqopt: no input file given, and standard input is a terminal.
// TTY-NEXT: Usage: tqopt [OPTIONS] INPUT
// TTY: Run 'tqopt --help'
// TTY-NEXT: exit code 2

// FILE: func.func @main() -> tensor<1xi32>
// FILE: exit code 0

// PIPE: func.func @main() -> tensor<1xi32>
func.func @main() -> tensor<1xi32> {
  %0 = "tfl.pseudo_const"() <{value = dense<7> : tensor<1xi32>}> : () -> tensor<1xi32>
  return %0 : tensor<1xi32>
}
