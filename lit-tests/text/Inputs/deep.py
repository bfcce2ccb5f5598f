"""Writes one MLIR file per nesting construct, each N levels deep, into a folder.

Usage: deep.py OUT_DIR N
"""
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)


def op(attr):
    return '"t.c"() {v = %s} : () -> ()\n' % attr


files = {
    "arrays": op("[" * n + "]" * n),
    "dictionaries": op("{a = " * n + "1" + "}" * n),
    "tensor-types": "func.func private @f(" + "tensor<" * n + "f32" + ">" * n + ")\n",
    "function-types": op("(i32) -> (" * n + "i32" + ")" * n),
    "name-locations": '"t.c"() : () -> () loc(' + '"a"(' * n + '"x"' + ")" * n + ")\n",
    "callsite-locations": '"t.c"() : () -> () loc(' + "callsite(" * n + "unknown" + " at unknown)" * n + ")\n",
    "fused-locations": '"t.c"() : () -> () loc(' + "fused[" * n + "unknown" + "]" * n + ")\n",
    "regions": '"t.r"() ({\n' * n + '"t.e"() : () -> ()\n' + "}) : () -> ()\n" * n,
    "blocks": '"t.r"() ({\n^bb0:\n' * n + '"t.e"() : () -> ()\n' + "}) : () -> ()\n" * n,
    "modules": "module {\n" * n + "}\n" * n,
    "dense-lists": op("dense<" + "[" * n + "1.0" + "]" * n + "> : tensor<" + "1x" * n + "f32>"),
    "dialect-bodies": op("#t.a" + "<" * n + ">" * n),
}
for name, text in files.items():
    with open(os.path.join(out, name + ".mlir"), "w") as f:
        f.write(text)
