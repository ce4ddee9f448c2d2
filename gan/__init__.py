"""GAN library: data (CartoonSet, image folders, procedural faces), models, training, metrics, pretrained weights."""
