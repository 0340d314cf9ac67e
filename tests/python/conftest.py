import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
# The C++ sources live in ./arrax too: make sure the Python package wins.
sys.path.insert(
    0,
    os.environ.get("ARRAX_PYROOT")
    or os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "python"),
)

import arrax  # noqa: E402

# ARRAX_TEST_DEVICE=cuda runs the whole suite with the GPU as the default
# device (tools/gpu-check does this).
_dev = os.environ.get("ARRAX_TEST_DEVICE")
if _dev:
    arrax._core.set_default_device(_dev)
