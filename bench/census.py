"""Census of the Sphinx extensions a forest's trees enable, and which novadoclint knows.

Usage: python bench/census.py [FOREST ...] [--json FILE]

FOREST is a folder of repositories (default: ``../shared/forest`` and
``../shared/corpus``); each repository's source dirs are found as
``bench/forest.py`` finds them. Each tree's conf.py is read with
:mod:`novadoclint.project.sphinxconf` (never imported); its extensions are those
``extensions`` lists and those its own ``setup(app)`` loads with
``app.setup_extension``. Each extension is then:

* known: ``rules/extensions.toml`` has an entry for it;
* readable: a module of the tree novadoclint scans with ast (a local
  extension, :func:`novadoclint.project.vocabulary.scan_local_extension`);
* neither: novadoclint cannot tell what it registers, so a directive or role
  of it reads as unknown. These are the table's next entries.

A tree whose ``extensions`` conf.py computes (not a literal) is said apart:
its list is unknown. What the enabled extensions load in turn
(``app.setup_extension`` in a local extension, a table entry's ``extensions``) is
counted apart, as loaded. Prints one row per extension (trees enabling it, trees
loading it through another, status, the trees where it is neither) and a summary.
Figures for notes, never assertions.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from novadoclint.project import vocabulary
from novadoclint.project.sphinxconf import SphinxConf, read_conf

HERE = Path(__file__).resolve().parent
STATUSES = ("known", "readable", "neither")


def _forest() -> ModuleType:
    """bench/forest.py, for its source_dirs and repositories (bench is no package)."""
    if "forest" in sys.modules:
        return sys.modules["forest"]
    spec = importlib.util.spec_from_file_location("forest", HERE / "forest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@dataclass
class Tree:
    srcdir: Path
    extensions: dict[str, str] = field(default_factory=dict)  # name -> status
    # Extensions no conf.py lists that others load (app.setup_extension, a table entry's
    # ``extensions``): name -> status
    loaded: dict[str, str] = field(default_factory=dict)
    computed: bool = False  # conf.py's extensions is no literal: the list is unknown
    problem: str | None = None  # conf.py does not parse


def status(name: str, conf: SphinxConf, srcdir: Path) -> str:
    if name in vocabulary._table().get("extension", {}):
        return "known"
    found = vocabulary.scan_local_extension(name, conf, srcdir)
    return "neither" if found is None else "readable"


def census(srcdir: Path) -> Tree:
    conf = read_conf(srcdir / "conf.py")
    tree = Tree(srcdir, computed="extensions" in conf.unknown)
    if conf.problem is not None:
        tree.problem = conf.problem.message
    own = vocabulary.scan_conf_setup(conf).get("extensions", [])
    for name in [*conf.extensions, *own]:
        tree.extensions.setdefault(name, status(name, conf, srcdir))
    for name in vocabulary.build(conf, srcdir).loaded:
        if name not in tree.extensions:
            tree.loaded[name] = status(name, conf, srcdir)
    return tree


def trees(forests: list[Path]) -> list[Tree]:
    forest = _forest()
    return [
        census(srcdir)
        for repo in forest.repositories(forests)
        for srcdir in forest.source_dirs(repo)
    ]


def name_of(srcdir: Path, forests: list[Path]) -> str:
    for base in forests:
        try:
            return str(srcdir.relative_to(base))
        except ValueError:
            continue
    return str(srcdir)


def summarise(found: list[Tree], forests: list[Path]) -> dict[str, object]:
    enabling: Counter[str] = Counter()
    loading: Counter[str] = Counter()
    statuses: dict[str, Counter[str]] = {}
    neither_in: dict[str, list[str]] = {}
    for tree in found:
        for name, state in [*tree.extensions.items(), *tree.loaded.items()]:
            if name in tree.extensions:
                enabling[name] += 1
            else:
                loading[name] += 1
            statuses.setdefault(name, Counter())[state] += 1
            if state == "neither":
                neither_in.setdefault(name, []).append(name_of(tree.srcdir, forests))
    rows = []
    for name in sorted(statuses, key=lambda n: (-enabling[n], -loading[n], n)):
        # An extension is as bad as its worst tree: readable in one, unread in another.
        state = next(s for s in reversed(STATUSES) if statuses[name][s])
        rows.append(
            {"extension": name, "trees": enabling[name], "loaded_in": loading[name],
             "status": state, "neither_in": neither_in.get(name, [])}
        )  # fmt: skip
    # Enablings: (tree, extension conf.py enables) pairs; what they load aside.
    pairs = Counter(state for tree in found for state in tree.extensions.values())
    return {
        "trees": len(found),
        "computed": [name_of(t.srcdir, forests) for t in found if t.computed],
        "unparsed": [name_of(t.srcdir, forests) for t in found if t.problem],
        "extensions": rows,
        "distinct": dict(Counter(str(r["status"]) for r in rows)),
        "enablings": dict(pairs),
    }


def show(summary: dict[str, object]) -> None:
    rows = summary["extensions"]
    assert isinstance(rows, list)
    width = max([len("extension"), *(len(r["extension"]) for r in rows)])
    print(f"{'extension':{width}s}  trees  loaded  status")
    for row in rows:
        where = f"  ({', '.join(row['neither_in'])})" if row["neither_in"] else ""
        print(
            f"{row['extension']:{width}s}  {row['trees']:5d}  {row['loaded_in']:6d}  "
            f"{row['status']}{where}"
        )
    distinct = summary["distinct"]
    enablings = summary["enablings"]
    assert isinstance(distinct, dict) and isinstance(enablings, dict)
    counts = ", ".join(f"{distinct.get(s, 0)} {s}" for s in STATUSES)
    pairs = ", ".join(f"{enablings.get(s, 0)} {s}" for s in STATUSES)
    print(
        f"summary: {summary['trees']} trees, {len(rows)} extensions ({counts}); "
        f"{sum(enablings.values())} enablings ({pairs})"
    )
    for key, what in (("computed", "extensions not a literal"), ("unparsed", "no conf.py read")):
        names = summary[key]
        assert isinstance(names, list)
        if names:
            print(f"{what}: {', '.join(names)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("forests", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, help="also write the census as JSON to this file")
    args = parser.parse_args(argv)
    shared = _forest().SHARED
    forests = args.forests or [p for p in (shared / "forest", shared / "corpus") if p.is_dir()]
    summary = summarise(trees(forests), forests)
    show(summary)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
