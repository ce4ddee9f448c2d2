"""``gan-latent-env train-gan --data SOURCE --out RUN_DIR [--preset cartoon64] [--steps N] [--resume] ...``."""

from __future__ import annotations

import argparse

NAME = "train-gan"
HELP = "train a DCGAN (generator + discriminator) on a face source, with checkpoints and resume (bit-exact on CPU)"

# CLI option -> GANTrainConfig field, for the recipe overrides
_OVERRIDES = {
    "loss": "loss", "d_norm": None, "diffaug": "diffaug", "batch_size": "batch_size", "seed": "seed",
    "lr": "lr", "lr_d": "lr_d", "beta1": "beta1", "real_label": "real_label", "label_flip": "label_flip",
    "d_steps": "d_steps", "holdout": "holdout", "checkpoint_every": "checkpoint_every",
    "sample_every": "sample_every", "fd_every": "fd_every", "monitor_every": "monitor_every",
    "fd_samples": "fd_samples",
}  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, metavar="SOURCE",
                        help="CartoonSet folder, image folder, .safetensors face set or procedural:N[:SEED]")
    parser.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder (see docs/training.md)")
    parser.add_argument("--preset", default="cartoon64", help="recipe: cartoon64 (default) or tiny")
    parser.add_argument("--steps", type=int, help="train until this total step count (default: the preset's)")
    parser.add_argument("--resume", action="store_true",
                        help="continue RUN_DIR/checkpoints/latest.safetensors exactly where it stopped")
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda, cuda:N")
    parser.add_argument("--classifier", metavar="PATH",
                        help="attribute classifier (.safetensors) for the periodic Fréchet distance in its feature space")
    parser.add_argument("--crop", type=float, help="centre crop of folder images (default: the source's, 0.8 for CartoonSet)")
    parser.add_argument("--no-cache", action="store_true", help="do not use the decode cache for folders")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--threads", type=int,
                        help="torch CPU threads (default: torch's, one per core). On a shared, busy machine use 1: "
                             "oversubscribed OpenMP threads spin and can make training several times slower")
    g = parser.add_argument_group("recipe overrides (default: the preset's value)")
    g.add_argument("--loss", choices=("bce", "wgan-gp", "hinge"))
    g.add_argument("--d-norm", choices=("batchnorm", "spectral"), help="discriminator normalisation")
    g.add_argument("--diffaug", help="DiffAugment policy, e.g. color,translation,cutout, or none")
    g.add_argument("--batch-size", type=int)
    g.add_argument("--seed", type=int)
    g.add_argument("--lr", type=float, help="Adam learning rate (G, and D unless --lr-d)")
    g.add_argument("--lr-d", type=float, help="Adam learning rate of D")
    g.add_argument("--beta1", type=float)
    g.add_argument("--real-label", type=float, help="BCE real target (one-sided label smoothing)")
    g.add_argument("--label-flip", type=float, help="BCE label-flip probability")
    g.add_argument("--d-steps", type=int, help="D updates per G update")
    g.add_argument("--holdout", type=int, help="real faces held out from training (seeded split)")
    g.add_argument("--checkpoint-every", type=int)
    g.add_argument("--sample-every", type=int)
    g.add_argument("--fd-every", type=int)
    g.add_argument("--monitor-every", type=int)
    g.add_argument("--fd-samples", type=int)


def build_config(args: argparse.Namespace):  # -> GANTrainConfig
    """The preset's config with the explicitly given overrides applied."""
    import dataclasses

    from gan.presets import get_gan_preset

    cfg = get_gan_preset(args.preset).config
    changes = {}
    for opt, fld in _OVERRIDES.items():
        value = getattr(args, opt)
        if value is None or fld is None:
            continue
        changes[fld] = "" if (fld == "diffaug" and value == "none") else value
    if args.d_norm is not None:
        changes["discriminator"] = dataclasses.replace(cfg.discriminator, norm=args.d_norm)
    return dataclasses.replace(cfg, **changes)


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import logging
    from pathlib import Path

    from gan.checkpoint import read_checkpoint_state
    from gan.models.io import load_model
    from gan.presets import get_gan_preset
    from gan.trainer import GANTrainConfig, GANTrainer
    from gan_latent_env.cli._training import check_legacy_resume_crop, configure_torch, load_split_faces

    configure_torch(args.threads)
    log = logging.getLogger("gan_latent_env.train_gan")
    preset = get_gan_preset(args.preset)
    out = Path(args.out)
    ckpt = out / "checkpoints" / "latest.safetensors"
    config = build_config(args)
    if args.resume:
        state = read_checkpoint_state(ckpt)
        check_legacy_resume_crop(state, ckpt, args, preset.crop)
        saved = GANTrainConfig.from_dict(state.get("config"), source=str(ckpt))
        given = {f for o, f in _OVERRIDES.items() if f and getattr(args, o) is not None}
        if args.d_norm is not None:
            given.add("discriminator")
        clash = [f for f in saved.differences(config, include_outputs=True) if f in given and f != "batch_size"]
        if args.batch_size is not None and args.batch_size != saved.batch_size:
            clash.append("batch_size")
        if clash:
            raise ValueError(f"--resume: {ckpt} was trained with other {', '.join(sorted(clash))}; drop those options")
        # keep the checkpoint's recipe; output intervals given on the command line still apply
        outputs = {f: getattr(config, f) for f in ("checkpoint_every", "sample_every", "fd_every", "monitor_every", "fd_samples") if f in given}
        config = dataclasses.replace(saved, **outputs)
    elif ckpt.exists():
        raise ValueError(f"{out} already holds a run ({ckpt}); pass --resume to continue it or choose another --out")
    steps = args.steps if args.steps is not None else preset.steps
    if steps < 0:
        raise ValueError(f"--steps must be >= 0, got {steps}")

    faces, holdout = load_split_faces(args, config.generator.image_size, preset.crop, config.holdout,
                                      config.holdout_seed, out)  # fmt: skip
    classifier = load_model(args.classifier, expected_kind="classifier") if args.classifier else None
    trainer = GANTrainer(
        config, faces, out, device=args.device, holdout=holdout, classifier=classifier, progress=not args.no_progress
    )
    if args.resume:
        trainer.load_checkpoint(ckpt)
    log.info("training %s on %d images (%d held out) on %s, batch %d, steps %d -> %d",
             args.preset, len(faces), 0 if holdout is None else len(holdout), trainer.device,
             trainer.batch_size, trainer.step, steps)  # fmt: skip
    try:
        trainer.fit(steps)
    except KeyboardInterrupt:
        print(f"interrupted at step {trainer.step}; checkpoint saved to {ckpt} (continue with --resume)")
        return 130
    print(f"trained to step {trainer.step}; weights in {out}/generator.safetensors and {out}/discriminator.safetensors")
    return 0
