"""The README documents every setting (as Datasette's test_docs does for its own)."""

import re
from pathlib import Path

from paperwire.conf import SETTINGS

README = Path(__file__).resolve().parents[3] / "README.md"


def test_it_documents_every_setting_in_the_readme():
    documented = set(re.findall(r"^\| `(PAPERWIRE_[A-Z_]+)` \|", README.read_text(), re.M))
    missing = {s.name for s in SETTINGS} - documented
    assert not missing, f"add these to the README's settings table: {sorted(missing)}"


def test_it_documents_no_setting_that_does_not_exist():
    documented = set(re.findall(r"^\| `(PAPERWIRE_[A-Z_]+)` \|", README.read_text(), re.M))
    assert documented <= {s.name for s in SETTINGS}


def test_it_names_only_real_settings_in_the_deployment_guide():
    guide = (README.parent / "docs" / "deployment.md").read_text()
    named = {re.sub(r"_FILE$", "", n) for n in re.findall(r"PAPERWIRE_[A-Z_]+[A-Z]", guide)}
    unknown = named - {s.name for s in SETTINGS}
    assert not unknown, f"docs/deployment.md names settings that do not exist: {unknown}"
