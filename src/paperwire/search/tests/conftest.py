from paperwire.search.testing import (  # noqa: F401  (fixtures)
    _fresh_vector_index,
    committed_papers,
    embedded_subset,
    papers,
)
