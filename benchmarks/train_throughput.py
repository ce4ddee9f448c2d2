"""GAN training throughput: the project's ``GANTrainer`` vs a plain reference loop, in one process.

The reference is the training loop of pytorch/examples ``dcgan/main.py`` (the classic DCGAN example):
same Generator / Discriminator (BatchNorm D), same batch, same device, BCE (with logits), Adam(2e-4, 0.5),
float32 NCHW, a ``torch.utils.data.DataLoader`` over the images already decoded to float tensors (kinder to
the reference than the example, which decodes PNGs every step), separate backward passes for the real and
fake halves of the D loss, and ``.item()`` logging every step as in the example.

The project's trainer runs the same recipe (``bce`` loss with real label 1.0, no augmentation) through
``GANTrainer.train_step``: pre-decoded uint8 data indexed on the device and converted on the fly, D's
weight gradients skipped during the G step, and on CUDA bf16 autocast + channels_last + its larger
default batch (``--batch-size`` overrides it; on CPU both use 64).

Prints img/s of each and the ratio. Runs are interleaved (reference, trainer, reference, ...) and the
median of ``--repeats`` is reported, so background load hits both alike.

    python benchmarks/train_throughput.py                 # cartoon64 models (64x64, ngf/ndf 64)
    python benchmarks/train_throughput.py --quick         # tiny models, a few seconds
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from gan.data.faces import FaceTensors
from gan.models import Discriminator, DiscriminatorConfig, Generator, GeneratorConfig
from gan.device import resolve_device
from gan.trainer import CPU_BATCH_SIZE, GANTrainConfig, GANTrainer


def synthetic_faces(n: int, size: int, seed: int = 0) -> FaceTensors:
    """Random uint8 images: throughput does not depend on the pixel values."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 3, size, size), generator=g, dtype=torch.uint8)
    return FaceTensors(images, None, [f"img{i:06d}" for i in range(n)])


def reference_loop(gcfg: GeneratorConfig, dcfg: DiscriminatorConfig, faces: FaceTensors, batch: int,
                   device: torch.device, steps: int, warmup: int) -> float:  # fmt: skip
    """The classic DCGAN example's loop; returns img/s over ``steps`` timed steps after ``warmup``."""
    net_g = Generator(gcfg, seed=1).to(device)
    net_d = Discriminator(dcfg, seed=2).to(device)
    criterion = nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    data = torch.utils.data.TensorDataset(faces.float_images())
    loader = torch.utils.data.DataLoader(
        data, batch_size=batch, shuffle=True, drop_last=True, generator=torch.Generator().manual_seed(0)
    )
    noise_gen = torch.Generator(device).manual_seed(3)
    done, t0 = 0, 0.0
    while True:
        for (real_cpu,) in loader:
            if done == warmup:
                if device.type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
            net_d.zero_grad()
            real = real_cpu.to(device)
            b = real.size(0)
            label = torch.full((b,), 1.0, device=device)
            err_d_real = criterion(net_d(real), label)
            err_d_real.backward()
            noise = torch.randn(b, gcfg.z_dim, device=device, generator=noise_gen)
            fake = net_g(noise)
            label.fill_(0.0)
            output = net_d(fake.detach())
            err_d_fake = criterion(output, label)
            err_d_fake.backward()
            d_g_z1 = torch.sigmoid(output).mean().item()
            opt_d.step()
            net_g.zero_grad()
            label.fill_(1.0)
            output = net_d(fake)
            err_g = criterion(output, label)
            err_g.backward()
            d_g_z2 = torch.sigmoid(output).mean().item()
            opt_g.step()
            _ = (err_d_real.item() + err_d_fake.item(), err_g.item(), d_g_z1, d_g_z2)  # the example's log line
            done += 1
            if done == warmup + steps:
                if device.type == "cuda":
                    torch.cuda.synchronize()
                return steps * batch / (time.perf_counter() - t0)


def trainer_loop(gcfg: GeneratorConfig, dcfg: DiscriminatorConfig, faces: FaceTensors, batch: int | None,
                 device: torch.device, steps: int, warmup: int) -> tuple[float, int]:  # fmt: skip
    """The project's trainer on the same recipe; returns (img/s, batch size used)."""
    cfg = GANTrainConfig(generator=gcfg, discriminator=dcfg, loss="bce", real_label=1.0, diffaug="",
                         batch_size=batch, checkpoint_every=0, sample_every=0, fd_every=0, monitor_every=0)  # fmt: skip
    tr = GANTrainer(cfg, faces, None, device=device, progress=False)
    for _ in range(warmup):
        tr.train_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        tr.train_step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * tr.batch_size / (time.perf_counter() - t0), tr.batch_size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto")
    p.add_argument("--quick", action="store_true", help="tiny models (32x32, ngf/ndf 8) for a smoke run")
    p.add_argument("--steps", type=int, help="timed steps per run (default 20 on CPU, 200 on CUDA; 30 with --quick)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch-size", type=int, help="the trainer's batch (default: 64 on CPU, 256 on CUDA)")
    p.add_argument("--ref-batch-size", type=int, help="the reference's batch (default: 64 on CPU, 128 on CUDA)")
    p.add_argument("--images", type=int, default=4096, help="size of the synthetic training set")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    args = p.parse_args()

    device = resolve_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True  # the "plain TF32 loop" of the reference
        torch.backends.cudnn.allow_tf32 = True
    size, width = (32, 8) if args.quick else (64, 64)
    gcfg = GeneratorConfig(z_dim=100, image_size=size, ngf=width)
    dcfg = DiscriminatorConfig(image_size=size, ndf=width, norm="batchnorm")
    steps = args.steps or (30 if args.quick else (200 if device.type == "cuda" else 20))
    ref_batch = args.ref_batch_size or (128 if device.type == "cuda" else CPU_BATCH_SIZE)
    faces = synthetic_faces(args.images, size)

    print(f"device {device} ({torch.get_num_threads()} CPU threads), models {size}x{size} ngf/ndf {width}, "
          f"{steps} timed steps after {args.warmup} warm-up, {args.repeats} interleaved repeats")  # fmt: skip
    ref, ours, used = [], [], None
    for r in range(args.repeats):
        ref.append(reference_loop(gcfg, dcfg, faces, ref_batch, device, steps, args.warmup))
        v, used = trainer_loop(gcfg, dcfg, faces, args.batch_size, device, steps, args.warmup)
        ours.append(v)
        print(f"  repeat {r + 1}: reference {ref[-1]:8.1f} img/s   trainer {ours[-1]:8.1f} img/s")
    ref_m, ours_m = statistics.median(ref), statistics.median(ours)
    mode = "bf16 autocast + channels_last" if device.type == "cuda" else "fp32"
    print(f"reference loop (classic DCGAN example, batch {ref_batch}, fp32): {ref_m:.1f} img/s")
    print(f"GANTrainer (batch {used}, {mode}): {ours_m:.1f} img/s")
    print(f"ratio trainer / reference: {ours_m / ref_m:.2f}x")


if __name__ == "__main__":
    main()
