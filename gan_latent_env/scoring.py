"""The batched latent score: the one place the reward math of the latent envs lives.

``score(z) = w_real * sigmoid(D(G(z))) + w_attr * cos(p(G(z)), target_one_hot)``

where ``p`` is the classifier's per-attribute softmax ``[N, 217]`` (each of the 18 blocks sums to 1) and the
target is a ``[N, 217]`` one-hot (or any non-negative weighting of the variants). LatentWalk-v0, its vector
env, LatentCodebook-v0 and the agents' baselines and gradient oracle all call :class:`LatentScorer`.

Batch invariance: on CPU the kernels behind the models depend on the batch size in their last bits:
convolutions give different bits for a one-row batch than for two or more rows, and the BLAS matrix
multiply behind ``nn.Linear`` takes different kernels for fewer than 16 rows (both measured with this
stack). With ``batch_invariant=True`` (default) the scorer therefore evaluates a one-row batch as two copies
of the row, and while a batch has fewer than ``MIN_LINEAR_ROWS`` (32) rows it runs every ``nn.Linear`` of
the three models on its input padded with zero rows to 32 (a forward hook active only during the call;
the models themselves are not changed). The score of a latent then does not depend on how many other
latents share its batch, and a single env agrees bit for bit with the same sub-env inside a vector env;
the price is that a one-row batch costs about two rows of convolution. On CPU the models run on row chunks
of about ``CPU_CHUNK_PIXELS`` pixels (cache-sized), with NHWC (channels-last) images into D and C, which
oneDNN convolves faster; both keep the bits independent of the batch. Elementwise ``exp`` has the same
trait (a SIMD body and a scalar tail), so the realism sigmoid is taken on rows aligned to the SIMD width.
Tested on CPU with one thread; with several threads PyTorch may split a large batch's elementwise work at
unaligned points, and on CUDA kernels are chosen per shape, so there agreement is to the last bit or two
rather than exact.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
from collections.abc import Iterator
from typing import Final, NamedTuple

import torch
from torch import nn

from gan.data.schema import NUM_ATTRIBUTES, NUM_VARIANTS, OFFSETS, ONE_HOT_DIM
from gan_latent_env.checks import check_nonnegative

logger = logging.getLogger(__name__)

__all__ = ["LatentScore", "LatentScorer", "as_eval_module", "check_weights", "model_z_dim", "model_image_size"]

_MAX_VARIANTS = max(NUM_VARIANTS)

MIN_LINEAR_ROWS: Final[int] = 32
"""Linear layers of a batch with fewer rows run on their input padded with zero rows to this many."""


def _pad_linear_hook(module: nn.Linear, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> torch.Tensor | None:
    x = inputs[0]
    if x.ndim != 2 or x.shape[0] >= MIN_LINEAR_ROWS:
        return None
    padded = torch.cat([x, x.new_zeros(MIN_LINEAR_ROWS - x.shape[0], x.shape[1])])
    return torch.nn.functional.linear(padded, module.weight, module.bias)[: x.shape[0]]


CPU_CHUNK_PIXELS: Final[int] = 16 * 64 * 64
"""On CPU the models run on row chunks of about this many image pixels (16 faces at 64x64, 64 at 32x32), so
that their activations stay in the CPU's caches. Measured with the bundled architecture on one thread
(G + D + C): 9.1 ms per face in chunks of 16 against 10.1 ms for one batch of 64 (the classifier alone:
3.7 ms per face in chunks of 8, 6.2 ms at 64); small models run fastest on the whole batch."""

_SIGMOID_WIDTH: Final[int] = 64


def _sigmoid_rows(logits: torch.Tensor) -> torch.Tensor:
    """``sigmoid`` of ``[N]`` logits whose bits do not depend on ``N``.

    PyTorch's CPU kernels run a SIMD loop and finish the last few elements of a tensor with scalar code,
    whose ``exp`` rounds differently; spreading each logit over a 64-wide row puts every element on the
    SIMD path (the images' ``tanh`` already is: ``3 * S * S`` elements per image).
    """
    if logits.device.type != "cpu":
        return torch.sigmoid(logits)
    return torch.sigmoid(logits[:, None].expand(-1, _SIGMOID_WIDTH).contiguous())[:, 0].contiguous()


@contextlib.contextmanager
def _padded_linears(modules: tuple[nn.Module, ...]) -> Iterator[None]:
    """Within the block, every ``nn.Linear`` in ``modules`` computes small batches as padded ones."""
    handles = [m.register_forward_hook(_pad_linear_hook) for module in modules for m in module.modules() if isinstance(m, nn.Linear)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


class LatentScore(NamedTuple):
    """Scores of a batch of ``N`` latents (tensors on the scorer's device).

    :ivar realism: ``sigmoid(D(G(z)))``, float32 ``[N]``.
    :ivar cosine: cosine similarity of the classifier's probabilities and the target, float32 ``[N]``
        (``None`` when no target was given).
    :ivar score: ``w_real * realism + w_attr * cosine``, float32 ``[N]``.
    :ivar matched: classifier argmax == target variant, bool ``[N, 18]`` (``None`` without a target).
    :ivar predicted: the classifier's argmax variants, int64 ``[N, 18]`` (``None`` without a target).
    :ivar images: ``G(z)``, float32 ``[N, 3, S, S]`` in ``[-1, 1]`` (``None`` unless asked for).
    """

    realism: torch.Tensor
    cosine: torch.Tensor | None
    score: torch.Tensor
    matched: torch.Tensor | None
    predicted: torch.Tensor | None
    images: torch.Tensor | None


def check_weights(w_real: float, w_attr: float, names: tuple[str, str] = ("w_real", "w_attr")) -> tuple[float, float]:
    """Return the two reward weights as Python floats (numpy scalars are accepted).

    :raises ValueError: naming the argument if a weight is not a number, is negative, is not finite in
        float32 (the score is computed in float32), or if both are 0.
    """
    out = [check_nonnegative(value, name, float32=True) for name, value in zip(names, (w_real, w_attr))]
    if out[0] == 0.0 and out[1] == 0.0:
        raise ValueError(f"{names[0]} and {names[1]} are both 0: the score would be identically 0")
    return out[0], out[1]


def _on_device(tensor_device: torch.device, device: torch.device) -> bool:
    if tensor_device.type != device.type:
        return False
    if device.index is None:  # "cuda" means the current CUDA device, as Module.to reads it
        return device.type != "cuda" or tensor_device.index == torch.cuda.current_device()
    return tensor_device.index == device.index


def as_eval_module(module: nn.Module, device: torch.device | None = None) -> nn.Module:
    """``module`` ready to evaluate, without changing the module the caller holds.

    Returns ``module`` itself when every submodule is already in eval mode and every parameter and buffer
    is on ``device`` (``None``: wherever it is); otherwise a copy (``copy.deepcopy``) moved to ``device``
    and put in eval mode. The caller's module is never modified: not its mode, device or ``requires_grad``
    flags. A module used as-is is shared with the caller: later changes to its weights reach the user of
    the returned module, and it must stay in eval mode while that one uses it.
    """
    tensors = [*module.parameters(), *module.buffers()]
    on_device = device is None or all(_on_device(t.device, device) for t in tensors)
    if on_device and not any(m.training for m in module.modules()):
        return module
    out = copy.deepcopy(module)
    if device is not None:
        out = out.to(device)
    return out.eval()


def _config_value(model: nn.Module, field: str, role: str) -> int | None:
    config = getattr(model, "config", None)
    value = getattr(config, field, None) if config is not None else getattr(model, field, None)
    return int(value) if value is not None else None


def model_z_dim(generator: nn.Module) -> int:
    """The generator's latent dimension (``generator.config.z_dim``).

    :raises ValueError: if the generator does not expose it.
    """
    z_dim = _config_value(generator, "z_dim", "generator")
    if z_dim is None:
        raise ValueError(
            f"generator: {type(generator).__name__} has no config.z_dim; pass a gan.models.Generator "
            "or a module with a `config` carrying z_dim and image_size"
        )
    return z_dim


def model_image_size(model: nn.Module) -> int | None:
    """``model.config.image_size`` when the model declares it, else ``None``."""
    return _config_value(model, "image_size", "model")


def _block_index() -> tuple[torch.Tensor, torch.Tensor]:
    """Index [18, max_variants] into a 217+1 vector (pad -> 217) and the flat positions of the 217 entries."""
    index = torch.full((NUM_ATTRIBUTES, _MAX_VARIANTS), ONE_HOT_DIM, dtype=torch.int64)
    positions = []
    for j, (offset, count) in enumerate(zip(OFFSETS, NUM_VARIANTS)):
        index[j, :count] = torch.arange(offset, offset + count)
        positions.extend(j * _MAX_VARIANTS + k for k in range(count))
    return index, torch.tensor(positions, dtype=torch.int64)


class LatentScorer(nn.Module):
    """Batched realism + attribute score of latents: one G, one D and one C forward per call.

    The scorer never changes the modules it is given (:func:`as_eval_module`): a module already in eval mode
    is used as-is (shared with the caller, not copied), any other is copied and the copy put in eval mode;
    the models it holds stay in eval mode (:meth:`train` is a no-op) and keep their ``requires_grad`` flags. Called under ``torch.no_grad()`` / ``torch.inference_mode()`` it is a
    cheap evaluator; with grad enabled and ``z.requires_grad`` it is differentiable w.r.t. ``z`` (use
    ``torch.autograd.grad(out.score.sum(), z)``).

    :param generator: ``G(z [N, z_dim]) -> [N, 3, S, S]`` in ``[-1, 1]``, with ``config.z_dim``.
    :param discriminator: ``D(x) -> logits [N]``.
    :param classifier: ``C(x) -> logits [N, 217]`` (18 attribute blocks); may be ``None`` if ``w_attr == 0``.
    :param w_real: weight of the realism term (>= 0).
    :param w_attr: weight of the attribute cosine term (>= 0; not both 0).
    :param batch_invariant: make a latent's score independent of its batch (see the module docstring).
    :param cpu_chunk_rows: on CPU the models run on near-equal chunks of at most this many rows (>= 4, so that
        no chunk of a batch of two or more rows has a single row); ``None``: ``CPU_CHUNK_PIXELS`` divided by
        the image's pixels (at least 4). On GPU they run on the whole batch at once.
    :raises ValueError: on bad weights, a generator without ``config.z_dim``, image sizes that disagree
        between G, D and C, or a missing classifier with ``w_attr > 0``.
    """

    def __init__(
        self,
        generator: nn.Module,
        discriminator: nn.Module,
        classifier: nn.Module | None,
        w_real: float = 0.7,
        w_attr: float = 0.3,
        *,
        batch_invariant: bool = True,
        cpu_chunk_rows: int | None = None,
    ) -> None:
        super().__init__()
        self.w_real, self.w_attr = check_weights(w_real, w_attr)
        for name, model in (("generator", generator), ("discriminator", discriminator)):
            if not isinstance(model, nn.Module):
                raise ValueError(f"{name} must be a torch.nn.Module, got {type(model).__name__}")
        if classifier is None and self.w_attr > 0:
            raise ValueError(f"classifier is None but w_attr={self.w_attr} > 0 needs it")
        if classifier is not None and not isinstance(classifier, nn.Module):
            raise ValueError(f"classifier must be a torch.nn.Module, got {type(classifier).__name__}")
        self.z_dim = model_z_dim(generator)
        sizes = {"generator": model_image_size(generator), "discriminator": model_image_size(discriminator)}
        if classifier is not None:
            sizes["classifier"] = model_image_size(classifier)
        known = {k: v for k, v in sizes.items() if v is not None}
        if len(set(known.values())) > 1:
            raise ValueError(f"the models' image sizes disagree: {known} (G's output must be D's and C's input)")
        self.image_size = known.get("generator")
        generator, discriminator = as_eval_module(generator), as_eval_module(discriminator)
        classifier = None if classifier is None else as_eval_module(classifier)
        self.generator = generator
        self.discriminator = discriminator
        self.classifier = classifier
        self._models = tuple(m for m in (generator, discriminator, classifier) if m is not None)
        self.batch_invariant = bool(batch_invariant)
        if cpu_chunk_rows is None:
            cpu_chunk_rows = max(4, CPU_CHUNK_PIXELS // (self.image_size or 64) ** 2)
        elif isinstance(cpu_chunk_rows, bool) or not isinstance(cpu_chunk_rows, int) or cpu_chunk_rows < 4:
            raise ValueError(f"cpu_chunk_rows must be an integer >= 4 or None, got {cpu_chunk_rows!r}")
        self.cpu_chunk_rows = cpu_chunk_rows
        index, positions = _block_index()
        self.register_buffer("_block_index", index, persistent=False)
        self.register_buffer("_block_positions", positions, persistent=False)
        self.eval()

    def train(self, mode: bool = True) -> LatentScorer:
        """The scorer only evaluates: the models always stay in eval mode."""
        return super().train(False)

    @property
    def device(self) -> torch.device:
        """Device of the generator's parameters."""
        return next(self.generator.parameters()).device

    def _blocks(self, flat: torch.Tensor, pad_value: float) -> torch.Tensor:
        """``[N, 217]`` -> ``[N, 18, max_variants]``, padded with ``pad_value``."""
        pad = flat.new_full((flat.shape[0], 1), pad_value)
        padded = torch.cat([flat, pad], dim=1)
        # index_select is several times faster than advanced indexing on CPU
        return torch.index_select(padded, 1, self._block_index.reshape(-1)).view(flat.shape[0], NUM_ATTRIBUTES, -1)

    def _run_models(self, z: torch.Tensor, *, with_classifier: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``G(z)``, ``sigmoid(D(G(z)))`` and (optionally) ``C(G(z))`` logits, in row chunks on CPU."""
        cpu = z.device.type == "cpu"
        chunks = z.tensor_split(math.ceil(z.shape[0] / self.cpu_chunk_rows)) if cpu else (z,)
        small = self.batch_invariant and max(c.shape[0] for c in chunks) < MIN_LINEAR_ROWS
        images, d_logits, c_logits = [], [], []
        with _padded_linears(self._models) if small else contextlib.nullcontext():
            for chunk in chunks:
                image = self.generator(chunk)
                images.append(image)
                # oneDNN's convolutions run faster on NHWC activations; the bits do not depend on the rows
                x = image.contiguous(memory_format=torch.channels_last) if cpu else image
                d_logits.append(self.discriminator(x).reshape(chunk.shape[0]))
                if with_classifier:
                    c_logits.append(self.classifier(x))
        cat = (lambda parts: parts[0]) if len(chunks) == 1 else torch.cat
        realism = _sigmoid_rows(cat(d_logits).float())
        return cat(images), realism, cat(c_logits).float() if with_classifier else None

    def target_attributes(self, target_one_hot: torch.Tensor) -> torch.Tensor:
        """Argmax variant of each attribute block of ``[N, 217]`` -> int64 ``[N, 18]``."""
        return self._blocks(target_one_hot, -math.inf).max(dim=-1).indices

    def forward(
        self,
        z: torch.Tensor,
        target_one_hot: torch.Tensor | None = None,
        *,
        target_attributes: torch.Tensor | None = None,
        return_images: bool = False,
    ) -> LatentScore:
        """Score latents ``z [N, z_dim]`` against targets ``[N, 217]`` (or one ``[217]`` for all rows).

        :param target_attributes: int64 ``[N, 18]`` (or ``[18]``) variant indices of the target, to skip
            recovering them from ``target_one_hot`` by argmax; must agree with it.
        :param return_images: also return ``G(z)``.
        :raises ValueError: on wrong shapes, or a missing target while ``w_attr > 0``.
        """
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape [N, {self.z_dim}], got {tuple(z.shape)}")
        n = z.shape[0]
        if target_one_hot is None:
            if self.w_attr > 0:
                raise ValueError(f"target_one_hot is required when w_attr={self.w_attr} > 0")
        else:
            if target_one_hot.ndim == 1:
                target_one_hot = target_one_hot.unsqueeze(0)
            if target_one_hot.ndim != 2 or target_one_hot.shape[1] != ONE_HOT_DIM or target_one_hot.shape[0] not in (1, n):
                raise ValueError(
                    f"target_one_hot must have shape [{n}, {ONE_HOT_DIM}] or [{ONE_HOT_DIM}], got {tuple(target_one_hot.shape)}"
                )
            target_one_hot = target_one_hot.to(device=z.device, dtype=torch.float32).expand(n, ONE_HOT_DIM)
            if self.classifier is None:
                raise ValueError("a target was given but the scorer has no classifier")
        one = self.batch_invariant and n == 1  # convolutions: one-row batches differ, two or more agree
        zz = z.expand(2, -1).contiguous() if one else z
        images, realism, logits = self._run_models(zz, with_classifier=target_one_hot is not None)
        if one:
            images, realism = images[:1], realism[:1]
            logits = None if logits is None else logits[:1]
        cosine = matched = predicted = None
        if logits is not None:
            blocks = self._blocks(logits, -math.inf)  # [N, 18, max_variants]
            proba = torch.index_select(blocks.softmax(dim=-1).reshape(n, -1), 1, self._block_positions)  # [N, 217]
            predicted = blocks.max(dim=-1).indices  # first maximum, as argmax; max is faster on CPU
            cosine = torch.nn.functional.cosine_similarity(proba, target_one_hot, dim=1)
            if target_attributes is None:
                target_attributes = self.target_attributes(target_one_hot)
            else:
                target_attributes = target_attributes.to(device=z.device, dtype=torch.int64)
                if target_attributes.ndim == 1:
                    target_attributes = target_attributes.unsqueeze(0)
                if target_attributes.shape[-1] != NUM_ATTRIBUTES:
                    raise ValueError(f"target_attributes must have shape [N, {NUM_ATTRIBUTES}], got {tuple(target_attributes.shape)}")
            matched = predicted == target_attributes
        score = self.w_real * realism if cosine is None else self.w_real * realism + self.w_attr * cosine
        return LatentScore(realism, cosine, score, matched, predicted, images if return_images else None)
