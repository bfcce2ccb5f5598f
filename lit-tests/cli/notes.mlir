// Notes attach to their error and are checked with expected-note.
// RUN: tqopt %s --verify-diagnostics

// expected-note@+1 {{the first definition is here}}
func.func @f() {
  return
}
// expected-error@+1 {{'func.func' op redefines the symbol '@f'}}
func.func @f() {
  return
}
