"""Offline procedural CartoonSet-compatible faces: attribute sampler, batched renderer, face sets.

Modules: :mod:`.sampler` (attribute frequencies), :mod:`.palette` (colours), :mod:`.canvas` (supersampled
sprite painting), :mod:`.face` and :mod:`.hair` (what each attribute draws), :mod:`.renderer` (batched
compositing), :mod:`.dataset` (``FaceTensors``). See ``docs/procedural.md``.
"""

from __future__ import annotations

from gan.data.procedural.dataset import iter_procedural_faces, make_procedural_faces, procedural_name
from gan.data.procedural.renderer import render_faces, sprite_tables
from gan.data.procedural.sampler import sample_attributes

__all__ = [
    "iter_procedural_faces",
    "make_procedural_faces",
    "procedural_name",
    "render_faces",
    "sample_attributes",
    "sprite_tables",
]
