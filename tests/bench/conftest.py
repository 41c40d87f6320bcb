"""The benchmark harness lives in bench/ at the project root, which is not an installed package:
make it importable however pytest was started."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
