"""Datasets and the CartoonSet attribute schema."""

from gan.data.schema import (
    ATTRIBUTE_INDEX,
    ATTRIBUTE_NAMES,
    ATTRIBUTES,
    FACIAL_HAIR_NONE,
    GLASSES_NONE,
    NUM_ATTRIBUTES,
    NUM_VARIANTS,
    OFFSETS,
    ONE_HOT_DIM,
    from_one_hot,
    one_hot,
    split_blocks,
    validate_attributes,
)

__all__ = [
    "ATTRIBUTES",
    "ATTRIBUTE_INDEX",
    "ATTRIBUTE_NAMES",
    "FACIAL_HAIR_NONE",
    "GLASSES_NONE",
    "NUM_ATTRIBUTES",
    "NUM_VARIANTS",
    "OFFSETS",
    "ONE_HOT_DIM",
    "from_one_hot",
    "one_hot",
    "split_blocks",
    "validate_attributes",
]
