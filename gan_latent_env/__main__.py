import sys

from gan_latent_env.cli import main

sys.exit(main())
