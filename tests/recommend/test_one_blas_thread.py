"""Serving processes score with one BLAS thread: worker threads spinning beside the event loop
after each small mat-vec took a core from the requests and from Neo4j."""

from __future__ import annotations

import os
import subprocess
import sys


def test_the_app_limits_blas_to_one_thread() -> None:
    code = (
        "import numpy\n"
        "from threadpoolctl import threadpool_info\n"
        "from app.main import create_app\n"
        "create_app()\n"
        "blas = [p for p in threadpool_info() if p['user_api'] == 'blas']\n"
        "assert blas, 'numpy loaded no BLAS'\n"
        "print(max(p['num_threads'] for p in blas))\n"
    )
    env = {"OPENBLAS_NUM_THREADS": "2", "PROFILEGRAPH_ENVIRONMENT": "test"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, **env}, check=True, timeout=120)
    assert out.stdout.strip() == "1"
