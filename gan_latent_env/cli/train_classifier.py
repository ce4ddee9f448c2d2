"""``gan-latent-env train-classifier --data SOURCE --out RUN_DIR [--preset cartoon64] [--epochs N] [--resume]``."""

from __future__ import annotations

import argparse

NAME = "train-classifier"
HELP = "train the 18-head attribute classifier on labelled faces, with checkpoints, resume (bit-exact on CPU) and an accuracy report"

_OVERRIDES = ("epochs", "batch_size", "lr", "weight_decay", "max_shift", "seed", "holdout", "checkpoint_every")
_MODEL_OVERRIDES = ("width", "blocks_per_stage", "band_width", "band_attributes")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True, metavar="SOURCE",
                        help="labelled faces: CartoonSet folder, .safetensors face set or procedural:N[:SEED]")
    parser.add_argument("--out", required=True, metavar="RUN_DIR", help="run folder (see docs/training.md)")
    parser.add_argument("--preset", default="cartoon64", help="recipe: cartoon64 (default) or tiny")
    parser.add_argument("--resume", action="store_true",
                        help="continue RUN_DIR/checkpoints/latest.safetensors exactly where it stopped")
    parser.add_argument("--device", default="auto", help="auto (CUDA if available), cpu, cuda, cuda:N")
    parser.add_argument("--crop", type=float, help="centre crop of folder images (default: the source's, 0.8 for CartoonSet)")
    parser.add_argument("--no-cache", action="store_true", help="do not use the decode cache for folders")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--threads", type=int,
                        help="torch CPU threads (default: torch's, one per core). On a shared, busy machine use 1: "
                             "oversubscribed OpenMP threads spin and can make training several times slower")
    g = parser.add_argument_group("recipe overrides (default: the preset's value)")
    g.add_argument("--epochs", type=int)
    g.add_argument("--batch-size", type=int)
    g.add_argument("--lr", type=float, help="peak AdamW learning rate")
    g.add_argument("--weight-decay", type=float)
    g.add_argument("--max-shift", type=int, help="random translation range in pixels")
    g.add_argument("--seed", type=int)
    g.add_argument("--holdout", type=int, help="labelled faces held out from training and scored (seeded split)")
    g.add_argument("--checkpoint-every", type=int, help="steps between checkpoints")
    g.add_argument("--width", type=int, help="model: channels of the full-resolution stem (doubled per stage)")
    g.add_argument("--blocks-per-stage", type=int, help="model: residual blocks in each stage")
    g.add_argument("--band-width", type=int,
                   help="model: channels of the brow-and-eye band branch (0: none; see ClassifierConfig)")
    g.add_argument("--band-attributes", nargs="+", metavar="ATTRIBUTE",
                   help="model: attributes whose heads read only the band features (needs a band branch)")


def run(args: argparse.Namespace) -> int:
    import dataclasses
    import logging
    from pathlib import Path

    from gan.checkpoint import read_checkpoint_state
    from gan.classifier_trainer import ClassifierTrainConfig, ClassifierTrainer
    from gan.presets import get_classifier_preset
    from gan_latent_env.cli._training import check_legacy_resume_crop, configure_torch, load_split_faces

    configure_torch(args.threads)
    log = logging.getLogger("gan_latent_env.train_classifier")
    preset = get_classifier_preset(args.preset)
    out = Path(args.out)
    ckpt = out / "checkpoints" / "latest.safetensors"
    given = {f: getattr(args, f) for f in _OVERRIDES if getattr(args, f) is not None}
    model_given = {f: getattr(args, f) for f in _MODEL_OVERRIDES if getattr(args, f) is not None}
    config = dataclasses.replace(preset.config, **given)
    config = dataclasses.replace(config, model=dataclasses.replace(config.model, **model_given))
    if args.resume:
        state = read_checkpoint_state(ckpt)
        check_legacy_resume_crop(state, ckpt, args, preset.crop)
        saved = ClassifierTrainConfig.from_dict(state.get("config"), source=str(ckpt))
        clash = [f for f, v in given.items() if f != "checkpoint_every" and getattr(saved, f) != v]
        clash += [f for f in model_given if getattr(saved.model, f) != getattr(config.model, f)]  # as normalised
        if clash:
            raise ValueError(f"--resume: {ckpt} was trained with other {', '.join(sorted(clash))}; drop those options")
        config = dataclasses.replace(saved, **{k: v for k, v in given.items() if k == "checkpoint_every"})
    elif ckpt.exists():
        raise ValueError(f"{out} already holds a run ({ckpt}); pass --resume to continue it or choose another --out")

    faces, holdout = load_split_faces(args, config.model.image_size, preset.crop, config.holdout,
                                      config.holdout_seed, out)  # fmt: skip
    if faces.attributes is None:
        raise ValueError(f"{args.data}: the faces carry no attributes; the classifier needs labelled data")
    trainer = ClassifierTrainer(config, faces, out, device=args.device, holdout=holdout, progress=not args.no_progress)
    if args.resume:
        trainer.load_checkpoint(ckpt)
    log.info("training the classifier (%s) on %d faces (%d held out) on %s, batch %d, %d epochs",
             args.preset, len(faces), 0 if holdout is None else len(holdout), trainer.device,
             trainer.batch_size, config.epochs)  # fmt: skip
    try:
        report = trainer.fit()
    except KeyboardInterrupt:
        print(f"interrupted at step {trainer.step}; checkpoint saved to {ckpt} (continue with --resume)")
        return 130
    if report is not None:
        print(f"holdout mean per-attribute accuracy {report['mean']:.4f} "
              f"(per attribute: {out}/accuracy_report.md)")  # fmt: skip
    print(f"classifier saved to {out}/classifier.safetensors")
    return 0
