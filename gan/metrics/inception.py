"""FID and KID with the standard FID Inception-v3 (the TF 2015-12-05 graph ported by pytorch-fid).

The network definition is pytorch-fid's (``pytorch_fid.inception``: torchvision's Inception-v3 with the
FID-specific blocks ``FIDInceptionA/C/E_1/E_2``); only its weight download is bypassed: the architecture is
built without weights and the state dict ``pt_inception-2015-12-05-6726825d.pth`` is read from a given path,
from ``$GAN_LATENT_ENV_INCEPTION_WEIGHTS`` or from the torch hub cache (see :mod:`gan.metrics.weights`).
Without the file, :class:`~gan.metrics.weights.WeightsNotFoundError` says where to put it; no other
features are ever substituted.

Preprocessing follows pytorch-fid on PNG files: uint8 images are scaled to ``[0, 1]``, resized bilinearly
(``align_corners=False``) to 299x299 and mapped to ``[-1, 1]``; the features are the 2048-d final average
pool. Float images in ``[-1, 1]`` are first quantised to uint8 (what saving them as PNG would do).

Real-set features and their statistics (mu, sigma) are cached as ``.npz`` files keyed by a SHA-256 fingerprint of the image bytes, the
weights file's hash and the preprocessing settings.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from pathlib import Path
from typing import Final

import numpy as np
import torch
import torch.nn.functional as F
from pytorch_fid import inception as pfi
from torch import nn

from gan.atomic import atomic_write
from gan.data.images import to_uint8
from gan.metrics.frechet import GaussianStats, frechet_distance, gaussian_stats
from gan.metrics.kid import KIDResult, kernel_inception_distance
from gan.metrics.weights import file_sha256, load_into, load_state_dict_file, resolve_weights

logger = logging.getLogger(__name__)

FID_WEIGHTS_FILENAME: Final[str] = "pt_inception-2015-12-05-6726825d.pth"
FID_WEIGHTS_URL: Final[str] = pfi.FID_WEIGHTS_URL
INCEPTION_WEIGHTS_ENV: Final[str] = "GAN_LATENT_ENV_INCEPTION_WEIGHTS"
INCEPTION_INPUT_SIZE: Final[int] = 299
FEATURE_DIM: Final[int] = 2048
PREPROCESSING: Final[str] = "uint8/255, bilinear 299 align_corners=False, 2x-1, pool3 2048 (pytorch-fid 0.3)"
CACHE_VERSION: Final[int] = 1


def resolve_inception_weights(path: str | os.PathLike[str] | None = None) -> Path:
    """The FID Inception weight file to use (explicit path, then env var, then torch hub cache).

    :raises WeightsNotFoundError: when it is not on disk (the message says where to get it).
    """
    return resolve_weights(
        what="FID Inception-v3",
        path=path,
        env_var=INCEPTION_WEIGHTS_ENV,
        filename=FID_WEIGHTS_FILENAME,
        url=FID_WEIGHTS_URL,
        option="--inception-weights",
    )


def fid_inception_v3_architecture() -> nn.Module:
    """pytorch-fid's FID Inception-v3 (``fid_inception_v3`` without its download), randomly initialised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchvision's init_weights / deprecation notices
        net = pfi._inception_v3(num_classes=1008, aux_logits=False, weights=None)
    net.Mixed_5b = pfi.FIDInceptionA(192, pool_features=32)
    net.Mixed_5c = pfi.FIDInceptionA(256, pool_features=64)
    net.Mixed_5d = pfi.FIDInceptionA(288, pool_features=64)
    net.Mixed_6b = pfi.FIDInceptionC(768, channels_7x7=128)
    net.Mixed_6c = pfi.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6d = pfi.FIDInceptionC(768, channels_7x7=160)
    net.Mixed_6e = pfi.FIDInceptionC(768, channels_7x7=192)
    net.Mixed_7b = pfi.FIDInceptionE_1(1280)
    net.Mixed_7c = pfi.FIDInceptionE_2(2048)
    return net


class FIDInceptionFeatures(nn.Module):
    """Images ``[N, 3, H, W]`` (uint8, or float in ``[-1, 1]``) -> 2048-d pool features ``[N, 2048]``.

    The layers are those of ``pytorch_fid.inception.InceptionV3`` up to block 3 (final average pool).
    Build it with :func:`build_fid_inception`; ``weights_sha256`` identifies the loaded weights.
    """

    def __init__(self, inception: nn.Module, weights_sha256: str) -> None:
        super().__init__()
        self.weights_sha256 = weights_sha256
        self.blocks = nn.Sequential(
            inception.Conv2d_1a_3x3,
            inception.Conv2d_2a_3x3,
            inception.Conv2d_2b_3x3,
            nn.MaxPool2d(kernel_size=3, stride=2),
            inception.Conv2d_3b_1x1,
            inception.Conv2d_4a_3x3,
            nn.MaxPool2d(kernel_size=3, stride=2),
            inception.Mixed_5b,
            inception.Mixed_5c,
            inception.Mixed_5d,
            inception.Mixed_6a,
            inception.Mixed_6b,
            inception.Mixed_6c,
            inception.Mixed_6d,
            inception.Mixed_6e,
            inception.Mixed_7a,
            inception.Mixed_7b,
            inception.Mixed_7c,
            nn.AdaptiveAvgPool2d(output_size=(1, 1)),
        )

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] != 3:
            raise ValueError(f"images must have shape [N, 3, H, W], got {tuple(images.shape)}")
        if images.dtype != torch.uint8:
            images = to_uint8(images)
        x = images.to(torch.float32) / 255.0
        x = F.interpolate(x, size=(INCEPTION_INPUT_SIZE, INCEPTION_INPUT_SIZE), mode="bilinear", align_corners=False)
        x = 2.0 * x - 1.0
        return self.blocks(x).flatten(1)


def build_fid_inception(
    weights: str | os.PathLike[str] | None = None, device: str | torch.device = "cpu"
) -> FIDInceptionFeatures:
    """The FID Inception-v3 feature network with the standard weights, in eval mode, no gradients.

    :param weights: path to ``pt_inception-2015-12-05-6726825d.pth`` (or a ``.safetensors`` copy); default:
        ``$GAN_LATENT_ENV_INCEPTION_WEIGHTS``, then the torch hub cache.
    :raises WeightsNotFoundError: when the file is not found (says where to get it).
    :raises ValueError: when the file is not a matching state dict.
    """
    path = resolve_inception_weights(weights)
    inception = fid_inception_v3_architecture()
    load_into(inception, load_state_dict_file(path, "FID Inception-v3"), path, "FID Inception-v3")
    sha = file_sha256(path)
    logger.info("FID Inception-v3 weights: %s (sha256 %s)", path, sha)
    model = FIDInceptionFeatures(inception, sha).to(device)
    model.eval()
    model.requires_grad_(False)
    return model


@torch.no_grad()
def inception_features(
    model: FIDInceptionFeatures,
    images: torch.Tensor,
    batch_size: int = 50,
    progress: bool = False,
) -> np.ndarray:
    """Pool features ``[N, 2048]`` (float32 numpy) of ``images [N, 3, H, W]``, computed in batches.

    :raises ValueError: on a bad shape or batch size.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"images must have shape [N, 3, H, W], got {tuple(images.shape)}")
    from tqdm.auto import tqdm

    model.eval()
    device = next(model.parameters()).device
    out = []
    for start in tqdm(range(0, images.shape[0], batch_size), desc="inception", disable=not progress, leave=False):
        batch = images[start : start + batch_size].to(device)
        out.append(model(batch).to("cpu", torch.float32).numpy())
    return np.concatenate(out, axis=0) if out else np.zeros((0, FEATURE_DIM), np.float32)


def real_set_fingerprint(images: torch.Tensor, weights_sha256: str) -> str:
    """SHA-256 key of a real image set + weights + preprocessing, for the feature cache."""
    if images.dtype != torch.uint8:
        images = to_uint8(images)
    digest = hashlib.sha256()
    digest.update(f"v{CACHE_VERSION}|{PREPROCESSING}|{weights_sha256}|{tuple(images.shape)}".encode())
    digest.update(images.contiguous().numpy().tobytes())
    return digest.hexdigest()


def cached_real_features(
    model: FIDInceptionFeatures,
    images: torch.Tensor,
    cache_dir: str | os.PathLike[str] | None,
    batch_size: int = 50,
    progress: bool = False,
) -> tuple[np.ndarray, GaussianStats]:
    """Inception features ``[N, 2048]`` of a real set and their statistics ``(mu, sigma)``, cached.

    With a ``cache_dir`` they are read from / written to ``inception_real_<fingerprint[:24]>.npz`` (arrays
    ``features``, ``mu``, ``sigma``, ``fingerprint``, ``preprocessing``); a file that does not match or cannot
    be read is recomputed (with a warning) and rewritten atomically. ``None``: no cache.
    """
    if cache_dir is None:
        features = inception_features(model, images, batch_size, progress)
        return features, gaussian_stats(features, "real")
    fingerprint = real_set_fingerprint(images, model.weights_sha256)
    cache = Path(cache_dir)
    path = cache / f"inception_real_{fingerprint[:24]}.npz"
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as data:
                features, mu, sigma = data["features"], data["mu"], data["sigma"]
                if (
                    str(data["fingerprint"]) == fingerprint
                    and features.shape == (images.shape[0], FEATURE_DIM)
                    and mu.shape == (FEATURE_DIM,)
                    and sigma.shape == (FEATURE_DIM, FEATURE_DIM)
                ):
                    logger.info("real-set Inception features and statistics from cache %s", path)
                    return np.asarray(features), (np.asarray(mu), np.asarray(sigma))
            logger.warning("Inception feature cache %s does not match this real set; recomputing", path)
        except (OSError, ValueError, KeyError) as err:
            logger.warning("Inception feature cache %s is unreadable (%s); recomputing", path, err)
    features = inception_features(model, images, batch_size, progress)
    mu, sigma = gaussian_stats(features, "real")

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            np.savez(fh, features=features, mu=mu, sigma=sigma, fingerprint=np.array(fingerprint),
                     preprocessing=np.array(PREPROCESSING))

    atomic_write(path, write, suffix=".npz.tmp")
    logger.info("cached real-set Inception features and statistics at %s", path)
    return features, (mu, sigma)


def fid_kid(
    model: FIDInceptionFeatures,
    real_images: torch.Tensor,
    fake_images: torch.Tensor,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    batch_size: int = 50,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    rng: np.random.Generator | int = 0,
    progress: bool = False,
) -> tuple[float, KIDResult, GaussianStats]:
    """FID (Inception-v3) and KID (Inception-v3) between a real and a generated image set.

    :returns: ``(fid, kid, real_stats)``.
    :raises ValueError: on bad images or too few samples.
    """
    real, real_stats = cached_real_features(model, real_images, cache_dir, batch_size, progress)
    fake = inception_features(model, fake_images, batch_size, progress)
    fid = frechet_distance(real_stats, gaussian_stats(fake, "generated"), names=("real", "generated"))
    kid = kernel_inception_distance(real, fake, n_subsets=kid_subsets, subset_size=kid_subset_size, rng=rng,
                                    names=("real", "generated"))
    return fid, kid, real_stats
