"""Tests for novadoclint.languages.code: syntax checks of code-block content."""

from __future__ import annotations

import shutil
import warnings

import pytest

from novadoclint.languages.code import (
    CodeProblem,
    check_code,
    language_family,
    lexer_known,
    lexer_near_miss,
)

# (lexer, text, expected 1-based lines, fragment of the first message)
FIRING: list[tuple[str, str, tuple[int, ...], str]] = [
    # python
    ("python", "def f(:\n    pass\n", (1,), "python syntax error: invalid syntax"),
    ("py", "x = 1\ny = (1,\nz = 3\n", (2,), "python syntax error: '(' was never closed"),
    ("python3", "if x:\n  a\n    b\n", (3,), "unexpected indent"),
    (
        "python",
        "register(\n    name='acme',\n    description='My spec.'\n    value=1,\n)\n",
        (3,),
        "perhaps you forgot a comma",
    ),
    ("PYTHON", "class A\n    pass\n", (1,), "python syntax error: expected ':'"),
    # python 2 reported once, as python 2
    (
        "python",
        'import sys\nprint "x"\nprint "y"\n',
        (2,),
        "python 2 syntax, not valid python 3: print",
    ),
    ("python", "try:\n    f()\nexcept Exception, e:\n    pass\n", (3,), "'except x, e' syntax"),
    ("python", "x = `y`\n", (1,), "python 2 syntax, not valid python 3: backtick repr"),
    ("python", "os.chmod(path, 0777)\n", (1,), "old octal literal"),
    ("python", "if a <> b:\n    pass\n", (1,), "'<>' operator"),
    ("python", 'raise ValueError, "bad"\n', (1,), "'raise e, msg' syntax"),
    ("python", 's = ur"x"\n', (1,), "'ur' string prefix"),
    ("python", 'exec "x = 1"\n', (1,), "exec statement"),
    # pycon: statements checked one by one, mapped back to block lines
    ("pycon", ">>> x = 1\n>>> y = = 2\n", (2,), "python syntax error: invalid syntax"),
    (
        "pycon",
        ">>> def f():\n...     return 1\n...\n>>> f()\n1\n>>> f(\n",
        (6,),
        "'(' was never closed",
    ),
    (
        "pycon",
        ">>> x = = 1\nTraceback (most recent call last):\n>>> y +\n",
        (1, 3),
        "invalid syntax",
    ),
    ("python", ">>> a = 1\n>>> print a\n1\n>>> print a, a\n1 1\n", (2,), "python 2 syntax"),
    ("pycon", '>>> print "a"\na\n>>> print "b"\nb\n', (1,), "python 2 syntax"),
    # json
    ("json", '{\n  "a": 1\n  "b": 2\n}', (3,), "json syntax error: expecting ',' delimiter"),
    ("json", '{\n  "a": "x",\n  "b": "y",\n}', (3,), "json syntax error: trailing comma"),
    ("json", "{'a': 1}", (1,), "expecting property name enclosed in double quotes"),
    ("json", '{\n  "a": 1\n  // comment\n}', (3,), "json syntax error"),
    ("json", '{\n  "key": "a\\\n  b"\n}', (2,), "invalid \\escape"),
    ("javascript", '{\n  "a": 1 "b": 2\n}', (2,), "expecting ',' delimiter"),
    ("js", "[\n  1,\n  2\n  3\n]", (4,), "expecting ',' delimiter"),
    # yaml
    ("yaml", "a: 1\n  b: 2\n", (2,), "yaml syntax error: mapping values are not allowed here"),
    ("yml", "a: 1\nb: [1, 2\n", (2,), "yaml syntax error: expected ',' or ']'"),
    ("yaml", "a:\n\tb: 1\n", (2,), "cannot start any token"),
    ("yaml", 'a: "unterminated\n', (1,), "yaml syntax error"),
    # ini
    ("ini", "[DEFAULT\ndebug = True\n", (1,), "section header without closing ']'"),
    ("cfg", "[a]\nx = 1\n[libvirt\nvirt_type = kvm\n", (3,), "ini syntax error"),
    (
        "dosini",
        "[a]\n= value\n",
        (2,),
        "ini syntax error: line is not a section, option or comment",
    ),
    ("INI", "debug = True\n= oops\n[b\n", (2, 3), "ini syntax error"),
    # toml
    ("toml", "a = 1\nb =\n", (2,), "toml syntax error: invalid value"),
    ("toml", "a = 1\na = 2\nb =\n", (3,), "toml syntax error: invalid value"),
    ("toml", '[table]\nkey = "value\n', (2,), "toml syntax error"),
    # xml
    ("xml", "<a>\n  <b>\n</a>\n", (3,), "xml syntax error: mismatched tag"),
    ("xml", '<?xml version="1.0"?>\n<a>\n</b>\n', (3,), "mismatched tag"),
    ("xml", "<a>\n  <b x='1' x='2'/>\n</a>", (2,), "xml syntax error: duplicate attribute"),
    ("xml", "<a>&nbsp;</a>", (1,), "xml syntax error: undefined entity"),
    ("xml", "\n\n<a>\n<b>\n</a>", (5,), "mismatched tag"),
    ("xml", "<a>\n<b>\n...\n</a>\n", (4,), "mismatched tag"),
    ("yaml", "a:\n  ...\n  b: [1\n", (3,), "yaml syntax error"),
    # python: a mistake inside an otherwise complete snippet, near misses of fragments
    (
        "python",
        "class V(View):\n    def get(self, id)\n        return id\n",
        (2,),
        "expected ':'",
    ),  # a header missing its colon, with its body: no bare signature
    ("python", "class V(View)\n\n    def get(self):\n        pass\n", (1,), "expected ':'"),
    (
        "python",
        'post("/q", json={\n    "query": "x",\n    variables={"id": 2},\n})\n',
        (3,),
        "':' expected after dictionary key",
    ),
    (
        "python",
        'class S(Command):\n"""Doc."""\n\n## ...\n\n    def take_action(self):\n        pass\n',
        (2,),
        "expected an indented block after class definition",
    ),  # elisions do not excuse a body left unindented
    ("python", "def f():\nx = 1\n", (2,), "expected an indented block"),
    ("python", "class A:\n    @deco\n     def f(self):\n        ...\n", (3,), "unexpected indent"),
    ("python", "def f(a b):\n    pass\n", (1,), "invalid syntax"),  # a keyword starts it
    ("python", "def f():\n    return x y\n", (2,), "invalid syntax"),
    ("python", "foo(1)\nbar(a b)\n", (2,), "perhaps you forgot a comma"),
    ("python", "x = [\n    construct(url='/users'),\n", (1,), "'[' was never closed"),
    ("python", "pip install foo\nx = (1,\n", (2,), "'(' was never closed"),
    # json: members without their object still need their commas
    ("json", '"a": {\n  "b": "1"\n  "c": "2"\n}\n', (3,), "expecting ',' delimiter"),
    ("json", '"a": {"x": 1,}\n', (1,), "trailing comma"),
    ("json", '{"a": , "b": 1}', (1,), "expecting value"),  # value left out mid-line
    # xml: a mismatch inside the excerpt, after a close of an enclosing element
    ("xml", "  <b/>\n</parent>\n<a>\n  <c>\n</a>\n", (5,), "mismatched tag"),
]

# (lexer, text): must give nothing
NEAR_MISSES: list[tuple[str, str]] = [
    # python: elisions, placeholders, valid code
    ("python", "def f():\n    ...\n"),
    ("python", "def f():\n...\n"),
    ("python", "class A:\n    def a(self):\n        pass\n...\n    def b(self):\n        pass\n"),
    ("python", "class A:\n    # ...\n    x = 1\n"),
    ("python", "def f(...):\n    pass\n"),
    ("python", "result = call(…)\n"),
    ("python", "obj.populate(service=<nova.objects.Service object>)\n"),
    ("python", 'x = "\\d"\n'),  # invalid escape is a warning, not an error
    ("python", "    x = 1\n    y = 2\n"),  # common indentation
    ("python", 'print("x")\nprint = 3\n'),
    ("python", "match x:\n    case 1:\n        pass\n"),
    ("python3", "# cat >> client.py <<EOF\nimport sys\nEOF\n"),
    ("python", "type Alias = list[int]\n"),  # newer grammar than 3.10/3.11: not flagged
    ("python", "def first[T](xs: list[T]) -> T:\n    return xs[0]\n"),
    # pycon: output lines ignored
    (
        "pycon",
        ">>> for i in range(2):\n...     print(i)\n0\n1\n>>> x = [1,\n... 2]\n>>> x\n[1, 2]\n",
    ),
    ("pycon", ">>> 1 / 0\nTraceback (most recent call last):\n  ...\nZeroDivisionError: x\n"),
    ("pycon", ">>> d = {'a': 1}\n>>> d\n{'a': 1}\n>>> ...\n"),
    ("python", ">>> import os\n>>> os.sep\n'/'\n"),
    # json: elisions and placeholders as used in API samples
    ("json", '{"a": 1, ...}'),
    ("json", "[1, 2, ...]"),
    ("json", '{\n  "a": 1,\n  ...\n  "b": 2\n}'),
    ("json", '{\n  "a": 1,\n  ...\n}'),
    ("json", '{\n  "a": 1,\n  "..."\n}'),
    ("json", '{\n  "a": 1,\n  "...",\n  "b": 2\n}'),
    ("json", '{\n  "a": 1,\n  …\n}'),
    ("json", '{\n  "a": ...,\n  "b": <server-id>,\n  "c": [<id>, <id>]\n}'),
    ("json", '{\n  "servers": [\n    {"id": 1},\n    ...\n  ]\n}'),
    ("json", '{\n  "a": 1\n  // ...\n}'),
    ("json", '["...", "…"]'),
    ("json", '{\n  "code": 500,\n  "details": [snip]\n}'),
    ("json", '{ $CONSUMER_UUID: {\n    "generation": $RP_GEN,\n    "user_id": ${USER}\n  }\n}'),
    ("json", '{"a": 1}\n{"b": 2}\n'),  # request and response in one block
    ("json", '{"tpl": {{ value }}}'),
    ("json-object", '{"a": "http://x/y"}'),
    ("javascript", 'var x = {"a": 1};\nfoo(x);\n'),
    ("javascript", '{\n  // the answer\n  "a": 42, /* inline */\n  "b": "http://x" // url\n}'),
    ("js", "{\n  foo: 1,\n  bar: 'x'\n}"),
    ("js", '{\n  "a": 1,\n}'),
    # yaml
    ("yaml", "# comment\na: 1  # trailing\nb:\n  - x\n"),
    ("yaml", "a: 1\n---\nb: 2\n...\n---\nc: 3\n"),
    ("yaml", "key: !Ref Foo\nother: !!python/object:foo.Bar {}\n"),
    ("yaml", "name: {{ name }}\n{% if x %}\nx: 1\n{% endif %}\n"),
    ("yaml", "a:\n  - 1\n  ...\n"),
    ("yaml", "a: ...\nb: …\n"),
    ("yaml", "a:\n  b: 1\n  ...\n  c: 2\n"),
    ("yaml", '"os_compute_api:servers:create": "rule:admin_or_owner"\n'),
    # ini
    ("ini", "debug = True\n"),
    ("ini", "enabled_filters = A,B\n[DEFAULT]\nx = 1\n"),
    ("ini", "[DEFAULT]\n# comment\n; other comment\nx = 1\n...\ny = 2\n"),
    ("ini", "[a]\nx = 1\n    continued\n    more\n"),
    ("ini", "[a]\nx = 1\n[a]\nx = 2\n"),
    ("ini", "[[local|localrc]]\nADMIN_PASSWORD=secret\ndisable_service horizon\n"),
    ("ini", "[[post-config|$NOVA_CONF]]\n[DEFAULT]\nx = %(y)s\n"),
    ("ini", "<Directory /usr/bin>\n   <IfVersion >= 2.4>\n      Require all granted\n"),
    ("ini", "[...]\nx = 1\n"),
    ("cfg", "    [libvirt]\n    images_type = rbd\n"),
    # toml
    ("toml", '[project]\nname = "x"\n\n[tool.ruff]\nline-length = 100\n'),
    ("toml", "[x]\na = 1\n...\n"),
    ("toml", "a = <value>\n"),
    ("toml", "name = {{ name }}\n"),
    # xml
    ("xml", "<a/>\n<b/>\n"),
    ("xml", '<?xml version="1.0" encoding="UTF-8"?>\n<a/>\n<b/>\n'),
    ("xml", "<nova:instance>\n  <nova:name>x</nova:name>\n</nova:instance>\n"),
    ("xml", "<devices>\n    ...\n    <iommu model='intel'/>\n</devices>\n"),
    ("xml", "<a>\n  <b ...>\n</a>\n"),
    ("xml", "<!-- comment -->\n<domain type='kvm'>\n  <name>x</name>\n</domain>\n"),
    ("xml", "\n<a>text</a>\n"),
    # python fragments: signatures, bare headers, excerpts, another language
    ("python", "@base.deploy_step(priority=100)\ndef deploy(self, task):\n"),
    ("python", "def deploy(self, task)\n"),
    ("python", "class Driver(Base)\n"),
    ("python", 'serve_food(item: Literal["egg", "spam"]) -> None\n'),
    ("python", 'serve_food(item: "egg" | "spam") -> None\n'),
    ("python", 'def f(self):\n    """Doc."""\n\ndef g(self):\n    # not documented\n'),
    ("python", "class Driver:\n    def start(self):\n    def stop(self):\n"),
    ("python", "if CONF.debug:\n"),
    ("python", "try:\n    f()\nexcept ValueError:\n"),
    ("python", "LOG = get()\n\n## ...\n\n    LOG.info('x')\n\n## ...\n"),
    ("python", "x = 1\n# ... more setup\n    y = 2\n"),
    ("python", "# The registration function\n def setup(app):\n     return app\n"),
    ("python", "        return result\n\n    def other(self):\n        pass\n"),
    ("python", "mapping = [\n    construct(url='/users'),\n ...\n"),
    ("python", "url_for('parent.child.create')\n/parent/child/create\n"),
    ("python", "127.0.0.1 hello.localhost\n"),
    ("python", "variable_name comparator string_literal\n"),
    ("python", "port.category == 'a' && port.vendor == 'b'\n"),
    ("python", "a == 'x' || (b == 'y' && c == 'z')\n"),
    ("python", "pip install --upgrade myst-parser\n"),
    ("python", "extensions = ['x']\npip install x\n"),
    # json fragments
    ("json", '"parsed_lldp": {\n  "eth0": {\n    "id": "11:22"\n  }\n}\n'),
    ("json", '"name": "vm1",\n"flavor": "m1.small",\n'),
    ("json", '"name": "vm1",\n"flavor": {\n'),
    ("json", '{\n  "download_image":\n  "upload_image":\n}\n'),
    ("json", '{\n  "a":\n  ,\n  "b": 1\n}\n'),
    # xml fragments
    ("xml", '<SSO entityID="https://samltest.id/saml/idp" ECP="true">\n'),
    ("xml", '<ApplicationDefaults entityID="x"\n    REMOTE_USER="uid">\n'),
    ("xml", "<document>\n   <paragraph>\n      <text>\n         Hello world!\n"),
    ("xml", "   <iommu model='intel'/>\n</devices>\n"),
    ("xml", "  <b/>\n</parent>\n</grand>\n<c>\n"),
    # toml: a key or table shown again
    ("toml", '[pytest]\nlevel = "INFO"\nlevel = "10"\n'),
    ("toml", "[a]\nx = 1\n[a]\ny = 2\n"),
    # rst and unchecked lexers
    ("rst", "Title\n===\n\n`broken"),
    ("restructuredtext", ".. foo::\n"),
    ("console", "$ openstack server list\n+----+\n| ID |\n+----+\n"),
    ("shell-session", "$ ls (\n"),
    ("none", "anything { goes"),
    ("text", "def f(:"),
    ("default", "def f(:"),
    ("ipython", "In [1]: %timeit f()\n"),
    ("python2", 'print "x"\n'),
    ("diff", "--- a\n+++ b\n"),
    ("pythn", "def f(:"),
    ("", "def f(:"),
    # blank
    ("python", ""),
    ("json", "   \n\n"),
]

# bash blocks: (lexer, text, check_shell, expected lines)
SHELL: list[tuple[str, str, bool, tuple[int, ...]]] = [
    ("bash", "if true; then\n  echo x\n", True, (2,)),
    ("sh", "for x in a b; do\n  echo $x\ndone )\n", True, (3,)),
    ("shell", "echo )\n", True, (1,)),
    # not checked by default
    ("bash", "if true; then\n  echo x\n", False, ()),
    ("bash", "+------+\n| Name | Status |\n+------+\n", False, ()),
    # prompts or printed output: a session, not a script
    ("bash", "$ echo (\noutput line\n", True, ()),
    ("bash", "# apt-get install foo\nReading package lists... (\n", True, ()),
    ("bash", "user@host:~$ ls\nfoo ) bar\n", True, ()),
    ("bash", "MariaDB [nova]> select * from x;\n+----+\n| id |\n+----+\n", True, ()),
    ("bash", "+------+--------+\n| Name | Status |\n+------+--------+\n", True, ()),
    # placeholders are not syntax
    ("bash", "openstack server show <server>\n", True, ()),
    (
        "bash",
        "# Install the package\nsudo apt-get install foo\nif [ -f x ]; then\n  echo y\nfi\n",
        True,
        (),
    ),
    # console is never checked, even with check_shell
    ("console", "if true; then\n", True, ()),
    ("zsh", "if true; then\n", True, ()),
]


@pytest.mark.parametrize(("lexer", "text", "lines", "fragment"), FIRING)
def test_firing(lexer: str, text: str, lines: tuple[int, ...], fragment: str) -> None:
    problems = check_code(lexer, text)
    assert tuple(p.line for p in problems) == lines, problems
    assert fragment.lower() in problems[0].message.lower()
    for problem in problems:
        assert problem.column >= 1
        assert problem.message[:1].islower()
        assert not problem.message.endswith(".")
        assert 1 <= problem.line <= max(1, len(text.splitlines()))


@pytest.mark.parametrize(("lexer", "text"), NEAR_MISSES)
def test_near_misses(lexer: str, text: str) -> None:
    assert check_code(lexer, text) == ()


@pytest.mark.parametrize(("lexer", "text", "check_shell", "lines"), SHELL)
def test_shell(lexer: str, text: str, check_shell: bool, lines: tuple[int, ...]) -> None:
    if lines and shutil.which("bash") is None:
        pytest.skip("bash not installed")
    problems = check_code(lexer, text, check_shell=check_shell)
    assert tuple(p.line for p in problems) == lines, problems
    for problem in problems:
        assert problem.message.startswith("bash syntax error: ")


def test_python2_block_reported_once() -> None:
    text = 'print "a"\nprint "b"\nx = `y`\n'
    assert check_code("python", text) == (
        CodeProblem(1, 1, "python 2 syntax, not valid python 3: print statement"),
    )


def test_columns() -> None:
    assert check_code("python", "x = (1,\n")[0].column == 5
    assert check_code("pycon", ">>> x = (1,\n")[0].column == 9
    assert check_code("pycon", '>>> print "x"\n')[0].column == 5
    assert check_code("python", 'if x:\n    print "x"\n')[0].column == 5
    assert check_code("json", '{"a": 1 "b": 2}')[0].column == 9
    assert check_code("json", "[\n  1,\n  2,\n]") == (
        CodeProblem(3, 4, "json syntax error: trailing comma"),
    )
    assert check_code("xml", "<a></b>")[0].column == 6  # expat points at the tag name
    assert check_code("toml", "a = 1\nb = \n")[0].column == 5


def test_warnings_as_errors_do_not_create_problems() -> None:
    # Under ``-W error`` an invalid-escape warning must not become a syntax error.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_code("python", 'import re\nre.compile("\\d+")\n') == ()


@pytest.mark.parametrize(
    ("lexer", "family"),
    [
        ("python", "python"),
        ("Py3", "python"),
        ("pycon", "pycon"),
        ("python-console", "pycon"),
        ("json", "json"),
        ("javascript", "json"),
        ("yaml", "yaml"),
        ("yml", "yaml"),
        ("INI", "ini"),
        ("cfg", "ini"),
        ("dosini", "ini"),
        ("toml", "toml"),
        ("xml", "xml"),
        ("rst", "rst"),
        ("restructuredtext", "rst"),
        ("bash", "bash"),
        ("sh", "bash"),
        ("shell", "bash"),
        ("console", None),
        ("shell-session", None),
        ("none", None),
        ("text", None),
        ("default", None),
        ("mysql", None),
        ("pythn", None),
    ],
)
def test_language_family(lexer: str, family: str | None) -> None:
    assert language_family(lexer) == family


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("python", True),
        ("Python", True),
        ("console", True),
        ("none", True),
        ("text", True),
        ("default", True),
        ("guess", True),
        ("python3", True),
        ("pycon3", True),
        ("rst", True),
        ("restructuredtext", True),
        ("ini", True),
        ("INI", True),
        ("mysql", True),
        ("bat", True),
        ("diff", True),
        (" yaml ", True),
        ("pythn", False),
        ("consol", False),
        ("yaml+foo", False),
    ],
)
def test_lexer_known(name: str, known: bool) -> None:
    pytest.importorskip("pygments")
    assert lexer_known(name) is known


def test_problem_is_frozen() -> None:
    problem = CodeProblem(1, 1, "x")
    with pytest.raises(AttributeError):
        problem.line = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "near"),
    [
        ("pyhton", "python"),  # swap of neighbours
        ("yamll", "yaml"),  # one letter more
        ("javascrpt", "javascript"),  # one letter less
        ("Pyhton", "python"),
        ("python", None),  # known: no near miss
        ("pytest", None),  # a plugin's lexer, no typo of a Pygments one
        ("vendorlang", None),
        ("conf", "aconf"),  # reported; its hint says ini
        ("py", None),
    ],
)
def test_lexer_near_miss(name: str, near: str | None) -> None:
    pytest.importorskip("pygments")
    assert lexer_near_miss(name) == near
