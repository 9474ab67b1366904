"""Generate a synthetic Sphinx tree of N pages shaped like a real one (nova's by default).

Usage:
  python bench/gen_tree.py N OUTDIR [--model SRCDIR] [--seed S] [--broken RATE]
  python bench/gen_tree.py --measure [SRCDIR]

``--measure`` prints the per-page profile of a real tree: how many sections,
labels, ``:ref:`` and ``:doc:`` references, toctree entries, external links,
code blocks, list items, other directives and paragraphs each page holds.
Generation samples whole page profiles from that tree (a bootstrap, so the
counts keep their real correlations: big pages have many of everything) and
writes N pages with them: every page reachable through toctrees, every
``:ref:`` and ``:doc:`` resolving, except a ``--broken`` fraction of them
(the default is nova's own rate of dangling references), so that a lint finds
what a lint of a real tree finds, in the same proportions. Deterministic for a
given seed. The profile is measured with regular expressions, not novadoclint,
so the generator does not depend on the code it benchmarks.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "shared/corpus/nova-2026/doc/source"
PAGES_PER_FOLDER = 40
WORDS = [
    "compute",
    "instance",
    "server",
    "host",
    "cell",
    "scheduler",
    "placement",
    "flavor",
    "image",
    "volume",
    "network",
    "port",
    "migration",
    "resize",
    "rebuild",
    "quota",
    "policy",
    "service",
    "agent",
    "driver",
    "hypervisor",
    "libvirt",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "for",
    "with",
    "that",
    "be",
    "on",
    "by",
    "this",
    "as",
    "are",
    "it",
    "from",
    "can",
    "an",
    "or",
    "when",
    "which",
    "not",
    "each",
    "if",
    "all",
    "you",
    "use",
    "see",
    "also",
    "must",
    "should",
    "may",
    "then",
    "configure",
    "enable",
]
ADMONITIONS = ("note", "warning", "important", "caution", "tip", "seealso", "todo")
VERSIONED = ("versionadded", "versionchanged", "deprecated")
# One valid line of each language, so code checks find what they find in real trees.
CODE = {
    "console": "$ openstack server {0} --wait srv{1}",
    "bash": "openstack server show srv{1} # {0}",
    "ini": "{0}_{1} = true",
    "yaml": "{0}_{1}: true",
    "json": '{{"{0}_{1}": true}}',
    "python": "{0}_{1} = True",
}
UNDERLINES = "=-~^\"'"

SECTION_RE = re.compile(r"^(\S.*)\n([=\-~^\"'`#*+<>:._])\2{2,}\s*$", re.MULTILINE)
LABEL_RE = re.compile(r"^\.\. _[^:`\s][^:`]*:\s*$", re.MULTILINE)
REF_RE = re.compile(r":ref:`")
DOC_RE = re.compile(r":doc:`")
URL_RE = re.compile(r"https?://[^\s<>`]+")
CODE_RE = re.compile(r"^\s*\.\. (?:code-block|code|sourcecode)::|::\s*$", re.MULTILINE)
LIST_RE = re.compile(r"^\s*(?:[-*+]|\d+\.|#\.)\s+\S", re.MULTILINE)
DIRECTIVE_RE = re.compile(r"^\s*\.\. ([a-zA-Z][\w:-]*)::", re.MULTILINE)
TOCTREE_RE = re.compile(r"^(\s*)\.\. toctree::[^\n]*\n((?:\1\s+.*\n|\s*\n)*)", re.MULTILINE)
PARAGRAPH_RE = re.compile(r"(?:\A|\n[ \t]*\n)[ \t]*[A-Za-z`(]")


@dataclass(frozen=True)
class Profile:
    """What one page holds."""

    sections: int
    labels: int
    refs: int
    docs: int
    toc_entries: int
    links: int
    code_blocks: int
    list_items: int
    directives: int
    paragraphs: int
    long_lines: int  # prose lines over 79 columns (what doc8's D001 reports)


def measure_page(text: str) -> Profile:
    toc = sum(
        1
        for match in TOCTREE_RE.finditer(text)
        for line in match.group(2).splitlines()
        if line.strip() and not line.strip().startswith(":")
    )
    names = DIRECTIVE_RE.findall(text)
    other = sum(1 for n in names if n not in ("toctree", "code-block", "code", "sourcecode"))
    return Profile(
        sections=len(SECTION_RE.findall(text)),
        labels=len(LABEL_RE.findall(text)),
        refs=len(REF_RE.findall(text)),
        docs=len(DOC_RE.findall(text)),
        toc_entries=toc,
        links=len(URL_RE.findall(text)),
        code_blocks=len(CODE_RE.findall(text)),
        list_items=len(LIST_RE.findall(text)),
        directives=other,
        paragraphs=len(PARAGRAPH_RE.findall(text)),
        long_lines=sum(
            1
            for line in text.splitlines()
            if len(line) > 79 and not line[:1].isspace() and " " in line and "://" not in line
        ),
    )


def measure(srcdir: Path) -> list[Profile]:
    return [
        measure_page(path.read_text(encoding="utf-8", errors="replace"))
        for path in sorted(srcdir.rglob("*.rst"))
    ]


def report(profiles: Sequence[Profile]) -> str:
    lines = [f"{len(profiles)} pages", f"{'per page':<12} {'mean':>7} {'median':>7} {'max':>6}"]
    for f in fields(Profile):
        values = [getattr(p, f.name) for p in profiles]
        lines.append(
            f"{f.name:<12} {statistics.mean(values):7.2f} "
            f"{statistics.median(values):7.1f} {max(values):6d}"
        )
    return "\n".join(lines)


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def wrap(text: str, width: int = 72, indent: str = "") -> list[str]:
    lines, current = [], indent
    for word in text.split():
        if len(current) + len(word) + 1 > width and current.strip():
            lines.append(current.rstrip())
            current = indent
        current += word + " "
    if current.strip():
        lines.append(current.rstrip())
    return lines


@dataclass
class Page:
    number: int
    docname: str
    profile: Profile
    children: list[int]


def plan(n: int, profiles: Sequence[Profile], rng: random.Random) -> list[Page]:
    """Pages with sampled profiles, each listed in one earlier page's toctree.

    A page's parent is drawn from the earlier pages in proportion to the toctree
    entries their profile holds (hub pages list many, most pages none), so every
    page is reachable from the index and hubs look like nova's index pages.
    """
    pages: list[Page] = []
    slots: list[int] = []  # page number, once per toctree entry its profile holds
    for i in range(n):
        docname = "index" if i == 0 else f"d{i // PAGES_PER_FOLDER:04d}/page{i:06d}"
        page = Page(i, docname, rng.choice(profiles), [])
        if i:
            parent = rng.choice(slots) if slots else 0
            pages[parent].children.append(i)
        pages.append(page)
        slots += [i] * page.profile.toc_entries
    return pages


def target(fromdoc: str, todoc: str) -> str:
    """A relative docname as authors write it (same folder) or an absolute one."""
    same = fromdoc.rpartition("/")[0] == todoc.rpartition("/")[0]
    return todoc.rpartition("/")[2] if same else "/" + todoc


def render(
    page: Page, pages: Sequence[Page], labelled: Sequence[int], rng: random.Random, broken: float
) -> str:
    p = page.profile
    sections = max(p.sections, 1)
    label_names = [f"{page.docname.replace('/', '-')}-{k}" for k in range(p.labels)]
    blocks: list[list[str]] = []  # body blocks, shuffled into the sections

    def ref_target() -> str:
        other = pages[rng.choice(labelled)] if labelled else page
        if other.profile.labels == 0 or rng.random() < broken:
            return f"missing-label-{rng.randrange(10**6)}"
        k = rng.randrange(other.profile.labels)
        name = f"{other.docname.replace('/', '-')}-{k}"
        titled = k < max(other.profile.sections, 1)  # before a section: no title needed
        return name if titled and rng.random() < 0.5 else f"{rng.choice(WORDS)} <{name}>"

    def doc_target() -> str:
        other = pages[rng.randrange(len(pages))]
        if rng.random() < broken:
            return f"/missing/page{rng.randrange(10**6)}"
        return target(page.docname, other.docname)

    inline: list[str] = [f":ref:`{ref_target()}`" for _ in range(p.refs)]
    inline += [f":doc:`{doc_target()}`" for _ in range(p.docs)]
    links = [f"https://docs.example.org/{rng.randrange(10**5)}/{k}" for k in range(p.links)]
    inline += [f"`{rng.choice(WORDS)} <{u}>`__" if k % 2 else u for k, u in enumerate(links)]
    rng.shuffle(inline)
    paragraphs = max(p.paragraphs, 1)
    for k in range(paragraphs):
        words = [sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(1, 4))]
        share = inline[k::paragraphs]
        text = " ".join(words[:1] + [f"See {x}." for x in share] + words[1:])
        lines = wrap(text)
        if k < p.long_lines and len(lines) > 1:  # one over-long line, as authors leave them
            lines[:2] = [f"{lines[0]} {lines[1]}"]
        blocks.append([*lines, ""])
    for _ in range(p.code_blocks):
        language = rng.choice(sorted(CODE))
        body = [
            f"   {CODE[language].format(rng.choice(WORDS), k)}" for k in range(rng.randint(1, 6))
        ]
        blocks.append([f".. code-block:: {language}", "", *body, ""])
    items = p.list_items
    while items > 0:
        count = min(items, rng.randint(2, 6))
        items -= count
        blocks.append([*(f"* {sentence(rng, rng.randint(4, 10))}" for _ in range(count)), ""])
    for _ in range(p.directives):
        name = rng.choice(ADMONITIONS + VERSIONED)
        head = f".. {name}:: 2{rng.randrange(10, 30)}.1" if name in VERSIONED else f".. {name}::"
        blocks.append([head, "", *wrap(sentence(rng, rng.randint(6, 16)), indent="   "), ""])
    rng.shuffle(blocks)

    title = sentence(rng, rng.randint(2, 5)).rstrip(".")
    out = [title, "=" * len(title), ""]
    per_section = [blocks[k::sections] for k in range(sections)]
    labels_at = dict(enumerate(label_names[:sections]))
    extra_labels = label_names[sections:]
    for k, chunk in enumerate(per_section):
        if k:
            if k in labels_at:
                out += [f".. _{labels_at[k]}:", ""]
            heading = sentence(rng, rng.randint(3, 7)).rstrip(".")
            level = 2 if k > 1 and rng.random() < 0.3 else 1  # some subsections
            out += [heading, UNDERLINES[level] * len(heading), ""]
        elif 0 in labels_at:
            out[:0] = [f".. _{labels_at[0]}:", ""]
        for block in chunk:
            out += block
    for name in extra_labels:  # labels beyond the sections: before a paragraph
        out += [f".. _{name}:", "", sentence(rng, 8), ""]
    if page.children:
        out += [".. toctree::", "   :maxdepth: 2", ""]
        out += [f"   {target(page.docname, pages[c].docname)}" for c in page.children]
        out += [""]
    return "\n".join(out)


CONF = """project = 'Synthetic'
extensions = ['sphinx.ext.todo']
master_doc = 'index'
exclude_patterns = ['_build']
"""


def generate(
    n: int, outdir: Path, profiles: Sequence[Profile], *, seed: int = 0, broken: float = 0.002
) -> int:
    """Write the tree; returns the number of bytes written."""
    rng = random.Random(seed)
    pages = plan(n, profiles, rng)
    labelled = [p.number for p in pages if p.profile.labels]
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "conf.py").write_text(CONF, encoding="utf-8")
    total = 0
    for page in pages:
        path = outdir / f"{page.docname}.rst"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = render(page, pages, labelled, rng, broken)
        path.write_text(text, encoding="utf-8")
        total += len(text)
    return total


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, help="number of pages")
    parser.add_argument("outdir", nargs="?", type=Path)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="tree to imitate")
    parser.add_argument("--measure", action="store_true", help="print the model's profile")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--broken",
        type=float,
        default=0.002,
        help="fraction of :ref:/:doc: references left dangling (nova-2026: about 1 in 500)",
    )
    args = parser.parse_args(argv)
    profiles = measure(args.model)
    if not profiles:
        sys.exit(f"no .rst files under {args.model}")
    if args.measure:
        print(report(profiles))
        return
    if args.n is None or args.outdir is None:
        parser.error("N and OUTDIR are required unless --measure is given")
    size = generate(args.n, args.outdir, profiles, seed=args.seed, broken=args.broken)
    print(f"wrote {args.n} pages ({size / 2**20:.1f} MiB) to {args.outdir}")


if __name__ == "__main__":
    main()
