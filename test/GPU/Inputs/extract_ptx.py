"""Prints the PTX modules zen-cuda-pipeline{format=isa} embeds in gpu.binary
ops, decoded from MLIR's string escapes.

  extract_ptx.py [--containing TEXT] < module.mlir > kernels.ptx

Reads a printed MLIR module on stdin and writes each PTX module whose text
contains TEXT (default: every module), so FileCheck and ptxas can read them.
Exits 1 when none matches.
"""
import re
import sys


def decode(raw):
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i] != "\\":
            out.extend(raw[i].encode())
            i += 1
        elif raw[i + 1] in '\\"':
            out.append(ord(raw[i + 1]))
            i += 2
        elif raw[i + 1] in "nt":
            out.append(10 if raw[i + 1] == "n" else 9)
            i += 2
        else:
            out.append(int(raw[i + 1:i + 3], 16))
            i += 3
    return out.rstrip(b"\0").decode()


containing = None
if len(sys.argv) == 3 and sys.argv[1] == "--containing":
    containing = sys.argv[2]
text = sys.stdin.read()
modules = [decode(m.group(1)) for m in re.finditer(r'"((?:[^"\\]|\\.)*?\.version (?:[^"\\]|\\.)*)"', text)]
chosen = [m for m in modules if containing is None or containing in m]
if not chosen:
    sys.exit("extract_ptx.py: no embedded PTX module%s" %
             (" contains '%s'" % containing if containing else ""))
sys.stdout.write("\n".join(chosen))
