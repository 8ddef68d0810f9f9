"""`python -m paperwire.benchmarks.torch_baseline ARGS…`: `paperwire ARGS…` as it ran
before ONNX Runtime, for `paperwire bench runtime`'s baseline (never used otherwise).

Queries go through torch in the precision documents use (bfloat16 on a CPU with native
bfloat16), one thread per query, and `paperwire serve` neither loads the model before
forking nor warms each worker's search path: each worker loads torch and the model on
its first query, as it used to.
"""

from __future__ import annotations

import sys

import numpy as np


def _torch_queries(texts: list[str]) -> np.ndarray:
    import torch

    from paperwire.search import embeddings

    torch.set_num_threads(1)  # what the query threads did
    return embeddings.embed_with_torch([t[:embeddings.QUERY_CHARS] for t in texts],
                                       device="cpu", dtype=embeddings.precision("cpu"))


def install() -> None:
    from paperwire.cli import server
    from paperwire.search import embeddings

    embeddings.embed_queries = _torch_queries
    server.preload_query_model = lambda: None
    server.warm_worker = lambda worker: None


def main() -> None:
    install()
    from paperwire.cli import main as cli_main

    sys.argv = ["paperwire", *sys.argv[1:]]
    cli_main()


if __name__ == "__main__":
    main()
