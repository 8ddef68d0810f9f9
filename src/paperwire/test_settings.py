"""Settings for the test suite: the normal settings, with the environment a test run needs.

Set here rather than in a conftest because pytest-django reads settings before any
conftest runs.
"""

import os
import tempfile

_run_dir = tempfile.mkdtemp(prefix="paperwire-tests-")
os.environ.setdefault("PAPERWIRE_DATA_DIR", os.path.join(_run_dir, "data"))
os.environ.setdefault("PAPERWIRE_SECRET_KEY", "tests-only-secret-key-of-some-length-0123456789")
os.environ.setdefault("PAPERWIRE_ARXIV_DELAY", "0")
os.environ.setdefault("PAPERWIRE_HTTP_BACKOFF", "0.01")
os.environ.setdefault("PAPERWIRE_HTTP_TIMEOUT", "5")
# Tests start servers and workers; none may reach for the real Daily Papers endpoint.
os.environ.setdefault("PAPERWIRE_INGEST_SOURCES", "")
# Nor send digests on a schedule: the digest tests run each step themselves.
os.environ.setdefault("PAPERWIRE_DIGEST_DAILY_SCHEDULE", "")
os.environ.setdefault("PAPERWIRE_DIGEST_WEEKLY_SCHEDULE", "")
# Nor deliver to destinations; the delivery tests run `paperwire deliver` themselves,
# against receivers on loopback.
os.environ.setdefault("PAPERWIRE_DELIVERY_SCHEDULE", "")
os.environ.setdefault("PAPERWIRE_WEBHOOK_ALLOW_PRIVATE", "true")
# Nor fetch stars, artifacts, thumbnails or full text from the real sources; and the
# enrich tests wait for no politeness delay.
os.environ.setdefault("PAPERWIRE_ENRICH_SCHEDULE", "")
os.environ.setdefault("PAPERWIRE_ENRICH_DELAY", "0")
for _name in ("HUB_API_URL", "GITHUB_API_URL", "ARXIV_PDF_URL", "ARXIV_HTML_URL"):
    os.environ.setdefault(f"PAPERWIRE_{_name}", "http://127.0.0.1:9/")  # discard: refused
# Tests build different data with the same ids and frozen times: no shared page cache.
os.environ.setdefault("PAPERWIRE_PAGE_CACHE_SECONDS", "0")
# Links in the tests' mail (tests of an empty base URL set it to "" themselves).
os.environ.setdefault("PAPERWIRE_BASE_URL", "http://localhost:8000")
os.environ.setdefault("PAPERWIRE_SEARCH_CACHE_SECONDS", "0")
# A file, not :memory:, so that subprocesses a test starts (the CLI, a server) can open
# the same test database.
os.environ.setdefault("PAPERWIRE_TEST_SQLITE_NAME", os.path.join(_run_dir, "test.sqlite3"))

from paperwire.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only

if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    # One test database per run, so concurrent runs on one server do not collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_paperwire_{os.getpid()}"}  # noqa: F405
