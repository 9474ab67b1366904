"""linkplan: URL syntax as tables, and how conf.py's linkcheck_* and our config combine."""

from __future__ import annotations

from pathlib import Path

import pytest

from novadoclint.checks import ALL_RULES
from novadoclint.links.options import options
from novadoclint.links.syntax import malformed
from novadoclint.project.sphinxconf import SphinxConf
from novadoclint.settings import ConfigError, Settings, from_table


@pytest.mark.parametrize(
    ("url", "reason", "fix"),
    [
        ("http//x.org/a", "missing ':' after the scheme", "http://x.org/a"),
        ("HTTPS//x.org/", "missing ':' after the scheme", "HTTPS://x.org/"),
        ("https;//x.org/", "';' instead of ':' after the scheme", "https://x.org/"),
        ("://x.org/", "missing scheme", "https://x.org/"),
        ("www.x.org/a", "no scheme, so it is a relative link", "https://www.x.org/a"),
        ("<http://x.org", "stray text '<' before the scheme", "http://x.org"),
        ("htp://x.org/", "unknown scheme 'htp'", "http://x.org/"),
        ("qwertyuiop://x.org/", "unknown scheme 'qwertyuiop'", None),
        ("http:/x.org/", "missing '//' after 'http:'", "http://x.org/"),
        ("irc:oftc/nova", "missing '//' after 'irc:'", "irc://oftc/nova"),
        ("https:///a", "empty host", None),
        ("https://x.org:80a/", "bad port '80a'", None),
        ("https://x.org:70000/", "port 70000 out of range (0-65535)", None),
        ("https://x.org:/", "empty port", "https://x.org/"),
        ("https://a..x.org/", "invalid host name 'a..x.org'", None),
        ("https://-a.x.org/", "invalid host name '-a.x.org'", None),
        ("http://$HOST/v3", "invalid host name '$host'", None),
        ("http://[::1/", "invalid IPv6 host '[::1'", None),
        ("https://x.org/a b", "contains white space or a control character", None),
    ],
)
def test_malformed(url: str, reason: str, fix: str | None) -> None:
    found = malformed(url)
    assert found is not None
    assert found[0] == reason
    if fix is not None or reason.startswith(("empty host", "bad", "port", "invalid")):
        assert found[1] == fix


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.openstack.org/nova/latest/#x",
        "http://controller:8774/v2.1",
        "https://[fe80::1%25eth0]:8080/",
        "https://bücher.example/",
        "https://example.com./",
        "https://user:pw@example.com/",
        "https://my_host.example.com/",
        "mailto:nova@example.org",
        "irc://irc.oftc.net/openstack-nova",
        "git://opendev.org/openstack/nova",
        "ftp://ftp.example.org/pub/",
        "file:///etc/nova/nova.conf",
        "urn:isbn:0451450523",
        "data:text/plain,hi",
        "../relative/page.html",
        "http/folder/page.html",
    ],
)
def test_well_formed(url: str) -> None:
    assert malformed(url) is None


def test_space_fix_is_percent_encoded() -> None:
    assert malformed("https://x.org/a b") == (
        "contains white space or a control character",
        "https://x.org/a%20b",
    )


def conf(**values: object) -> SphinxConf:
    return SphinxConf("/src/conf.py", {f"linkcheck_{k}": v for k, v in values.items()})


def settings(tmp_path: Path, table: dict[str, object]) -> Settings:
    path = tmp_path / ".novadoclint.toml"
    path.write_text("", encoding="utf-8")
    return from_table({"linkcheck": table}, path, Settings(), ALL_RULES)


def test_sphinx_settings_are_read(tmp_path: Path) -> None:
    opts = options(
        conf(
            ignore=["https://a/"],
            timeout=7,
            retries=3,  # Sphinx: attempts
            workers=3,
            anchors=False,
            anchors_ignore=["^x"],
            allowed_redirects={"https://old/": "https://new/"},
            request_headers={"*": {"Accept": "text/html"}},
            rate_limit_timeout=30,
        ),
        Settings(),
    )
    assert opts.ignore == ("https://a/",)
    assert (opts.timeout, opts.retries, opts.workers) == (7.0, 2, 3)
    assert opts.anchors is False and opts.anchors_ignore == ("^x",)
    assert opts.allowed_redirects == (("https://old/", "https://new/"),)
    assert opts.headers == (("*", (("Accept", "text/html"),)),)
    assert opts.max_retry_after == 30.0


def test_ours_add_to_lists_and_override_the_rest(tmp_path: Path) -> None:
    ours = settings(
        tmp_path, {"ignore": ["https://b/"], "timeout": 3, "retries": 0, "anchors-ignore": ["^y"]}
    )
    opts = options(conf(ignore=["https://a/"], timeout=7, retries=3), ours)
    assert opts.ignore == ("https://a/", "https://b/")
    assert (opts.timeout, opts.retries) == (3.0, 0)
    assert opts.anchors_ignore == ("^!", "^y")  # Sphinx's default kept


def test_command_line_flags_reach_the_options() -> None:
    flags = Settings(allow_private=True, cache=False, refresh=True)
    opts = options(SphinxConf(None), flags)
    assert (opts.allow_private, opts.use_cache, opts.refresh) == (True, False, True)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"timout": 3}, "linkcheck.timout: unknown key"),
        ({"timeout": 0}, "linkcheck.timeout: must be a positive number"),
        ({"retries": -1}, "linkcheck.retries: must be an integer >= 0"),
        ({"workers": True}, "linkcheck.workers: must be an integer >= 1"),
        ({"ignore": "x"}, "linkcheck.ignore: must be a list of strings"),
        ({"ignore": ["("]}, "linkcheck.ignore: bad regular expression '('"),
        ({"anchors": "yes"}, "linkcheck.anchors: must be true or false"),
        ({"request-headers": {"*": "x"}}, "linkcheck.request-headers: must be a table"),
    ],
)
def test_bad_config_is_refused(tmp_path: Path, table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        settings(tmp_path, table)


def test_bad_conf_py_regex_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="bad regular expression"):
        options(conf(ignore=["("]), Settings())


def test_untrusted_conf_values_are_clamped() -> None:
    """A conf.py is pull-request input: a Retry-After of years or a day-long timeout is capped."""
    opts = options(
        conf(timeout=10**9, retries=10**6, rate_limit_timeout=10**12, workers=10**6),
        Settings(),
    )
    assert (opts.timeout, opts.retries, opts.max_retry_after) == (120.0, 5, 300.0)
    assert opts.workers == 64
    assert opts.run_timeout is None  # derived from the number of pages at run time


def test_run_timeout_comes_from_our_config() -> None:
    assert options(conf(), Settings(linkcheck={"run-timeout": 90})).run_timeout == 90.0
    assert options(conf(), Settings(linkcheck={"run-timeout": 10**9})).run_timeout == 3 * 3600
    with pytest.raises(ConfigError, match="run-timeout"):
        options(conf(), Settings(linkcheck={"run-timeout": "soon"}))
    with pytest.raises(ConfigError, match="run_timeout must be positive"):
        options(conf(), Settings(linkcheck={"run-timeout": 0}))


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254\\@docs.example.org/x",
        "http://evil:8998\\@trusted/",
        "https://docs.example.org\\.evil.example/",
    ],
)
def test_urls_parsers_read_apart_are_malformed(url: str) -> None:
    found = malformed(url)
    assert found is not None
    assert found[0].startswith("a backslash in the host part")
    assert found[1] is None
