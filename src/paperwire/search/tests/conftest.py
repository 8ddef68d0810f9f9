from paperwire.search.testing import (  # noqa: F401  (fixtures)
    _fresh_vector_index,
    all_papers,
    committed_papers,
    embedded_all,
    embedded_subset,
    papers,
)
