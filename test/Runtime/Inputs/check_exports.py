"""Compares the dynamic symbols on stdin with the ZEN_API functions of
runtime.h (argv[1]); prints "exports match runtime.h" or the differences."""
import re
import sys

header = open(sys.argv[1]).read()
declared = set(re.findall(r"ZEN_API\s[^;{(]*?\b(zen_\w+)\s*\(", header))
exported = {line.strip() for line in sys.stdin if line.strip()}
if declared == exported:
    print("exports match runtime.h")
    sys.exit(0)
print("declared but not exported:", sorted(declared - exported))
print("exported but not declared:", sorted(exported - declared))
sys.exit(1)
