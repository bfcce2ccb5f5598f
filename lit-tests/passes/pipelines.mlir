// Named pipelines expand into passes; --dump-pass-pipeline shows the expansion with every
// option; unknown names and options are errors that say what exists.
// RUN: tqopt %s --pass=cleanup --dump-pass-pipeline -o %t.mlir 2>&1 | FileCheck %s --check-prefix=DUMP
// RUN: tqopt %s --pass-pipeline='builtin.module(canonicalize{max-iterations=2},dce)' --dump-pass-pipeline -o %t.mlir 2>&1 | FileCheck %s --check-prefix=TEXT
// RUN: not tqopt %s --pass=canonicalise 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not tqopt %s --pass='canonicalize{max-iter=3}' 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not tqopt %s --pass='canonicalize{max-iterations=many}' 2>&1 | FileCheck %s --check-prefix=VALUE
// RUN: not tqopt %s --pass-pipeline='builtin.module(canonicalize' 2>&1 | FileCheck %s --check-prefix=SYNTAX

// DUMP: Pass Manager with 2 passes:
// DUMP-NEXT: builtin.module(canonicalize{max-iterations=10},dce)
// TEXT: builtin.module(canonicalize{max-iterations=2},dce)
// UNKNOWN: tqopt: error: 'canonicalise' is not a registered pass or pipeline; did you mean 'canonicalize'? (see --help for the list)
// OPTION: tqopt: error: 'canonicalize' has no option 'max-iter'; its options are: max-iterations
// VALUE: tqopt: error: option 'max-iterations' of 'canonicalize' must be an integer, not 'many'
// SYNTAX: tqopt: error: invalid pipeline at column 28: expected ')'
func.func @main() {
  return
}
