"""medcite: offline retrieval-augmented medical question answering with citation grounding."""

import os

# Nothing in medcite may reach a model hub: every model is loaded from a local folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

__version__ = "0.1.0"
