"""What ``train-gan`` and ``train-classifier`` share: torch set-up and the training / held-out face sets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gan.data.faces import FaceTensors


def configure_torch(threads: int | None) -> None:
    """Set torch's thread count (``--threads``) and let cuDNN pick kernels for the fixed input shapes.

    :raises ValueError: if ``threads`` < 1.
    """
    import torch

    if threads is not None:
        if threads < 1:
            raise ValueError(f"--threads must be >= 1, got {threads}")
        torch.set_num_threads(threads)
    if torch.cuda.is_available():
        torch.backends.cudnn.benchmark = True


def check_legacy_resume_crop(state: dict[str, Any], ckpt: Path, args: argparse.Namespace, preset_crop: float | None) -> None:
    """``--resume`` of a checkpoint written before checkpoints recorded the image content (``data_content``):
    its crop cannot be checked, so only the default framing (no ``--crop``, or the default value) is accepted.

    :raises ValueError: for another ``--crop``, saying how to proceed.
    """
    if "data_content" in state or args.crop is None:
        return
    from gan.data.loading import default_crop, source_kind

    default = preset_crop if preset_crop is not None else default_crop(source_kind(args.data))
    if default is not None and args.crop != default:
        raise ValueError(
            f"--resume: {ckpt} was written before checkpoints recorded the image content, so the crop it was "
            f"trained with cannot be checked; such runs resume only with the default framing (crop {default}): "
            f"drop --crop {args.crop}, or start a new run in another --out"
        )


def load_split_faces(
    args: argparse.Namespace, image_size: int, preset_crop: float | None, holdout: int, holdout_seed: int, out: Path
) -> tuple[FaceTensors, FaceTensors | None]:
    """Load ``--data`` and split off the seeded held-out set, recording its names in ``out/holdout_names.txt``.

    :returns: ``(training faces, held-out faces or None when holdout == 0)``.
    """
    from gan.data.loading import load_faces
    from gan.data.splits import holdout_split

    faces = load_faces(
        args.data,
        image_size=image_size,
        crop=args.crop if args.crop is not None else preset_crop,
        cache=not args.no_cache,
        progress=not args.no_progress,
    )
    if not holdout:
        return faces, None
    train_idx, holdout_idx = holdout_split(faces.names, n_holdout=holdout, seed=holdout_seed)
    held_out = faces.subset(holdout_idx)
    out.mkdir(parents=True, exist_ok=True)
    (out / "holdout_names.txt").write_text("\n".join(held_out.names) + "\n")
    return faces.subset(train_idx), held_out
