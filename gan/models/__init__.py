"""Models: DCGAN generator / discriminator, the 18-head attribute classifier, configs, safetensors I/O."""

from gan.models.classifier import AttributeClassifier, attribute_cross_entropy, logits_to_proba
from gan.models.config import ClassifierConfig, DiscriminatorConfig, GeneratorConfig
from gan.models.dcgan import Discriminator, Generator
from gan.models.io import ModelFileError, load_model, read_model_header, save_model

__all__ = [
    "AttributeClassifier",
    "ClassifierConfig",
    "Discriminator",
    "DiscriminatorConfig",
    "Generator",
    "GeneratorConfig",
    "ModelFileError",
    "attribute_cross_entropy",
    "load_model",
    "logits_to_proba",
    "read_model_header",
    "save_model",
]
