"""compare_npy.py REF.npy OUT.npy TOL: prints "parity ok" when both arrays
have the same shape and max|out - ref| / max|ref| <= TOL, else the figures
(and exits 1)."""
import sys

import numpy as np

ref, out, tol = np.load(sys.argv[1]), np.load(sys.argv[2]), float(sys.argv[3])
if ref.shape != out.shape:
    sys.exit("shape %s != %s" % (out.shape, ref.shape))
err = float(np.max(np.abs(out.astype(np.float64) - ref))) / max(
    float(np.max(np.abs(ref))), 1e-30)
if not np.isfinite(err) or err > tol:
    sys.exit("parity FAILED: max|diff|/max|ref| = %g > %g" % (err, tol))
print("parity ok (max|diff|/max|ref| = %.3g)" % err)
