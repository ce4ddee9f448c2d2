"""Datasets and the CartoonSet attribute schema."""

from gan.data.cartoonset import CartoonSetDataset, CartoonSetFormatError, find_pairs, read_attributes_csv
from gan.data.faces import FaceTensors, FaceTensorsFormatError
from gan.data.image_folder import ImageFolderDataset, ImageFolderError
from gan.data.images import DEFAULT_CROP, ImageReadError, load_image, to_float, to_uint8
from gan.data.loading import DataSourceError, load_faces
from gan.data.procedural import iter_procedural_faces, make_procedural_faces, render_faces, sample_attributes
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
from gan.data.splits import holdout_split
from gan.data.writer import DatasetWriteError, write_cartoonset

__all__ = [
    "iter_procedural_faces",
    "make_procedural_faces",
    "render_faces",
    "sample_attributes",
    "DatasetWriteError",
    "write_cartoonset",
    "DataSourceError",
    "load_faces",
    "ImageFolderDataset",
    "ImageFolderError",
    "holdout_split",
    "CartoonSetDataset",
    "CartoonSetFormatError",
    "find_pairs",
    "read_attributes_csv",
    "DEFAULT_CROP",
    "FaceTensors",
    "FaceTensorsFormatError",
    "ImageReadError",
    "load_image",
    "to_float",
    "to_uint8",
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
