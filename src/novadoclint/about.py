"""Where the project lives: the one place for the URLs novadoclint shows to others.

SARIF's ``informationUri`` and each rule's ``helpUri``, and the link checker's
``User-Agent`` (which a web server's administrator reads), name these. They are
the same as ``[project.urls]`` in ``pyproject.toml`` (a test keeps them so); the
installed package's metadata is not read at run time, so an outdated install
cannot change them.
"""

from __future__ import annotations

#: The repository: its front page shows the README, the user's guide.
HOMEPAGE = "https://opendev.org/openstack/novadoclint"
#: The README's rules section: the table of every rule (``--explain RULE`` prints one).
RULES_URL = f"{HOMEPAGE}#rules"
