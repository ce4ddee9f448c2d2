"""Turn training runs into the bundled weights (``gan-latent-env bundle-weights``).

A run folder is used through whichever is newer by training step: its final model files
(``generator.safetensors`` / ``discriminator.safetensors`` / ``classifier.safetensors``, which record their
step) or its latest checkpoint (``checkpoints/latest.safetensors``). So a long run can be bundled while it
goes on, and a run that was interrupted (which writes final files) and then resumed is bundled at the
checkpoint's later step, not from the stale final files.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from torch import nn

from gan.checkpoint import CheckpointError, load_checkpoint, read_checkpoint_state, require_keys, take_prefix
from gan.models import AttributeClassifier, Discriminator, Generator
from gan.models.io import load_model, read_model_header, save_model
from gan.pretrained import CARD_FILE, WEIGHT_FILES, WEIGHTS_DIR

logger = logging.getLogger(__name__)

CHECKPOINT = Path("checkpoints") / "latest.safetensors"


def models_from_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, nn.Module], dict[str, Any]]:
    """Rebuild the networks stored in a GAN or classifier training checkpoint.

    :returns: ``({"generator": G, "discriminator": D} or {"classifier": C}, checkpoint state)``.
    :raises CheckpointError: for an unreadable checkpoint or one of another kind.
    """
    from gan.classifier_trainer import ClassifierTrainConfig
    from gan.trainer import GANTrainConfig

    p = Path(path)
    tensors, state = load_checkpoint(p)
    require_keys(state, ["kind", "config", "step"], p)
    if state["kind"] == "gan":
        cfg = GANTrainConfig.from_dict(state["config"], source=str(p))
        models: dict[str, nn.Module] = {
            "generator": Generator(cfg.generator),
            "discriminator": Discriminator(cfg.discriminator),
        }
        prefixes = {"generator": "g", "discriminator": "d"}
    elif state["kind"] == "classifier":
        cfg_c = ClassifierTrainConfig.from_dict(state["config"], source=str(p))
        models = {"classifier": AttributeClassifier(cfg_c.model)}
        prefixes = {"classifier": "model"}
    else:
        raise CheckpointError(f"{p}: unknown checkpoint kind {state['kind']!r}")
    for role, model in models.items():
        try:
            model.load_state_dict(take_prefix(tensors, prefixes[role]))
        except RuntimeError as err:
            raise CheckpointError(f"{p}: {role} tensors do not fit its config: {err}") from None
        model.eval()
    return models, state


def _final_step(path: Path) -> int | None:
    """The step recorded in a final model file's metadata (None when it has none)."""
    _, _, meta = read_model_header(path)
    step = meta.get("step")
    return step if isinstance(step, int) and not isinstance(step, bool) else None


def _models_from_run(run_dir: Path, roles: tuple[str, ...]) -> tuple[dict[str, nn.Module], dict[str, Any]]:
    """The run's networks from whichever is newer by training step: the final model files or the latest checkpoint.

    The trainers write the final files at the end and (the GAN trainer) on Ctrl-C; a run resumed after that
    keeps checkpointing past them, so the final files alone may be stale. Equal steps use the final files.
    """
    final = {role: run_dir / WEIGHT_FILES[role] for role in roles}
    ckpt = run_dir / CHECKPOINT
    have_final = all(p.is_file() for p in final.values())
    if not have_final and not ckpt.is_file():
        raise FileNotFoundError(f"{run_dir}: neither final model files {sorted(p.name for p in final.values())} nor {CHECKPOINT}")
    final_steps = {role: _final_step(p) for role, p in final.items()} if have_final else {}
    ckpt_step = read_checkpoint_state(ckpt).get("step") if ckpt.is_file() else None
    use_final = have_final
    if have_final and ckpt_step is not None:
        steps = set(final_steps.values())
        if None in steps or len(steps) > 1:
            logger.warning("%s: final model files record steps %s; using the checkpoint (step %s)", run_dir,
                           final_steps, ckpt_step)  # fmt: skip
            use_final = False
        elif isinstance(ckpt_step, int) and ckpt_step > steps.pop():
            logger.info("%s: the checkpoint (step %d) is newer than the final model files (step %s); bundling the "
                        "checkpoint", run_dir, ckpt_step, final_steps[roles[0]])  # fmt: skip
            use_final = False
    if use_final:
        models = {role: load_model(p) for role, p in final.items()}
        _, _, meta = read_model_header(final[roles[0]])
        return models, {"source": str(run_dir), "from": "final model files", **meta}
    models, state = models_from_checkpoint(ckpt)
    missing = [r for r in roles if r not in models]
    if missing:
        raise ValueError(f"{ckpt}: a {state['kind']!r} checkpoint has no {missing}")
    info = {k: state.get(k) for k in ("step", "epoch", "elapsed_s", "num_images")}
    return {r: models[r] for r in roles}, {"source": str(run_dir), "from": "checkpoint", **info, "train_config": state["config"]}


def bundle_weights(
    gan_run: str | os.PathLike[str],
    classifier_run: str | os.PathLike[str],
    out_dir: str | os.PathLike[str] = WEIGHTS_DIR,
    dtype: str = "float16",
    card: dict[str, Any] | None = None,
) -> Path:
    """Write ``generator``/``discriminator``/``classifier.safetensors`` and ``model_card.json`` to ``out_dir``.

    :param gan_run: a ``train-gan`` run folder.
    :param classifier_run: a ``train-classifier`` run folder.
    :param dtype: ``float16`` (the bundled size) or ``float32``.
    :param card: extra entries for ``model_card.json`` (data, command, hardware, ...).
    :returns: the output folder.
    """
    out = Path(out_dir)
    gan_models, gan_info = _models_from_run(Path(gan_run), ("generator", "discriminator"))
    clf_models, clf_info = _models_from_run(Path(classifier_run), ("classifier",))
    for role, model in {**gan_models, **clf_models}.items():
        info = gan_info if role in gan_models else clf_info
        provenance = {k: v for k, v in info.items() if k != "train_config"}
        meta = {"train_config": info.get("train_config"), "bundled_from": provenance}  # evaluate reads the split
        save_model(model, out / WEIGHT_FILES[role], metadata=meta, dtype=dtype)
    payload = {"gan_training": gan_info, "classifier_training": clf_info, "dtype": dtype, **(card or {})}
    (out / CARD_FILE).write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n")
    logger.info("bundled weights written to %s", out)
    return out
