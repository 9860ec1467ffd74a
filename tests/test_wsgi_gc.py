"""The served app's long-lived objects are frozen out of the garbage collector's scans."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_served_app_freezes_what_it_made_at_start():
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc; import gridsvc.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))",
        ],
        env={**os.environ},
        capture_output=True,
        text=True,
        check=True,
    )
    frozen, scanned = (int(n) for n in shown.stdout.split()[-2:])
    # The app's objects are frozen; a full collection scans only what came after (a few).
    assert frozen > 100_000
    assert scanned < frozen / 10
