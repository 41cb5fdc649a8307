"""Compares the dynamic symbols on stdin with the ZEN_API functions of
runtime.h (argv[1]) and the other public headers (argv[2:]); prints "exports
match runtime.h" or the differences. The mgpu* functions CUDA model libraries
call are checked by test/GPU/runtime-exports.test."""
import re
import sys

declared = set()
for path in sys.argv[1:]:
    header = open(path).read()
    declared |= set(re.findall(r"ZEN_API\s[^;{(]*?\b(zen_\w+)\s*\(", header))
exported = {line.strip() for line in sys.stdin
            if line.strip() and not line.startswith("mgpu")}
if declared == exported:
    print("exports match runtime.h")
    sys.exit(0)
print("declared but not exported:", sorted(declared - exported))
print("exported but not declared:", sorted(exported - declared))
sys.exit(1)
