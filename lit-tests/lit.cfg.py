# lit configuration for tqopt: runs the .mlir tests under this folder with the tqopt binary
# and LLVM's FileCheck.
#
# Environment:
#   TQOPT_BIN_DIR  folder holding the tqopt binary (default: ../target/release, the
#                  profile scripts/test.sh builds)
#   LLVM_BIN_DIR   folder holding FileCheck and not (default: /usr/lib/llvm-19/bin)
import os
import shutil

import lit.formats

config.name = "tqopt"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["Inputs"]
config.test_source_root = os.path.dirname(os.path.abspath(__file__))
config.test_exec_root = os.path.join(config.test_source_root, "Output")

repo_root = os.path.dirname(config.test_source_root)
tqopt_bin = os.environ.get("TQOPT_BIN_DIR", os.path.join(repo_root, "target", "release"))
llvm_bin = os.environ.get("LLVM_BIN_DIR", "/usr/lib/llvm-19/bin")

for tool, where in (("tqopt", tqopt_bin), ("FileCheck", llvm_bin), ("not", llvm_bin)):
    if not os.path.exists(os.path.join(where, tool)):
        lit_config.fatal(f"{tool} not found in {where}; build tqopt and install llvm-19-tools first")

config.environment["PATH"] = os.pathsep.join([tqopt_bin, llvm_bin, os.environ.get("PATH", "")])
# Diagnostics and dumps must not depend on the terminal.
config.environment["NO_COLOR"] = "1"
config.substitutions.append(("%shared", os.path.join(repo_root, "tests", "shared")))
# Tests that make their own data files (calibration arrays, broken images) run this Python.
import sys
config.substitutions.append(("%python", sys.executable))
