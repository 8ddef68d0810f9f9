"""Write model_check.json: texts and torch's float32 vectors of them (scripts/model-check).

The texts run from one word to a whole abstract (about 200 word pieces), so the check
reaches deep positions as well as short queries.
"""

from __future__ import annotations

import json
import os

CHECK_TEXTS = [
    # One-word queries: the int8 query model's error is largest on the fewest tokens.
    "agents",
    "rlhf",
    "nerf",
    "speculative decoding",
    "diffusion models for video generation",
    "Which retrieval-augmented language models cite their sources?",
    "Mixture-of-Experts layers route each token to a few experts; we study load balancing, "
    "expert collapse and how routing changes with scale, on models from 100M to 10B "
    "parameters trained on 1T tokens.",
    # A whole paper as papers are embedded ("title. abstract"), about 200 word pieces.
    "Attention Is All You Need. The dominant sequence transduction models are based on "
    "complex recurrent or convolutional neural networks that include an encoder and a "
    "decoder. The best performing models also connect the encoder and decoder through an "
    "attention mechanism. We propose a new simple network architecture, the Transformer, "
    "based solely on attention mechanisms, dispensing with recurrence and convolutions "
    "entirely. Experiments on two machine translation tasks show these models to be "
    "superior in quality while being more parallelizable and requiring significantly less "
    "time to train. Our model achieves 28.4 BLEU on the WMT 2014 English-to-German "
    "translation task, improving over the existing best results, including ensembles, by "
    "over 2 BLEU.",
]


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperwire.settings")
    django.setup()
    from paperwire.search.embeddings import embed_with_torch
    from paperwire.search.onnx_model import CHECK_FILE

    texts = CHECK_TEXTS
    vectors = embed_with_torch(texts, device="cpu", dtype="float32")
    CHECK_FILE.write_text(json.dumps({
        "about": "torch float32 vectors of all-MiniLM-L6-v2; scripts/model-check writes it",
        "texts": texts, "vectors": [[round(float(x), 7) for x in v] for v in vectors],
    }, indent=1) + "\n")
    print(f"wrote {CHECK_FILE}")


if __name__ == "__main__":
    main()
