"""Prints chunk N of a file split at '// -----' lines (as --split-input-file does).

Usage: chunk.py FILE N
"""
import sys

text = open(sys.argv[1]).read()
print(text.split("// -----")[int(sys.argv[2])])
