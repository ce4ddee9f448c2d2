"""Shared fixtures. Real CartoonSet data is read from ../shared/data beside the checkout."""

from __future__ import annotations

import os

# One BLAS thread: the suite runs on 2 shared cores, where scipy's sqrtm is ~80x slower with two OpenBLAS
# threads under load (measured: 14.0 s vs 0.18 s for a 256x256 matrix). Must be set before numpy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("GAN_LATENT_ENV_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
REAL_128 = SHARED_DATA / "cartoonset10k_128"
REAL_SAMPLE = SHARED_DATA / "cartoonset_sample"


def _require_real(path: Path) -> Path:
    if not path.is_dir():
        reason = f"real CartoonSet data not found at {path} (set GAN_LATENT_ENV_SHARED_DATA)"
        if os.environ.get("GAN_LATENT_ENV_REQUIRE_REAL_DATA"):
            pytest.fail(reason + "; GAN_LATENT_ENV_REQUIRE_REAL_DATA is set, so this is a failure")
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def real_128_dir() -> Path:
    """The 9,500 real CartoonSet pairs at 128x128."""
    return _require_real(REAL_128)


@pytest.fixture(scope="session")
def real_sample_dir() -> Path:
    """The 24 real CartoonSet pairs at the original 500x500."""
    return _require_real(REAL_SAMPLE)


@pytest.fixture(autouse=True)
def _few_threads():
    """Keep each test on one thread: the suite runs on 2 cores."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
