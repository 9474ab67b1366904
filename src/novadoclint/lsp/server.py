"""The language server: LSP over stdio with pygls, diagnostics for the whole tree.

``initialized`` finds the Sphinx source dirs of the workspace folders, lints each
tree once (through the facts cache) and publishes diagnostics for every file with
findings. An open document's text overlays the file on disk; a change re-parses
that document alone after a short pause (``DEBOUNCE``) and re-runs the
cross-document rules over the index, then publishes diagnostics for every file
whose findings changed, including an empty list for a file that has none left.
Saving, closing and the client's file watcher keep the trees true to disk; a
change to ``conf.py`` or to a config file reloads its tree. No network check runs.
Code actions offer the findings' fixes while the editor's text is the linted text.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from novadoclint import __version__
from novadoclint.checks import ALL_RULES
from novadoclint.explain import explain
from novadoclint.findings import Finding
from novadoclint.fixes import fix_text, select
from novadoclint.index import FactsIndex
from novadoclint.lsp import actions, navigation
from novadoclint.lsp.diagnostics import (
    UTF16,
    LinesOf,
    file_uri,
    from_units,
    line_range,
    related_information,
    split_lines,
    to_diagnostic,
    units,
)
from novadoclint.lsp.workspace import Tree, discover, is_config

log = logging.getLogger(__name__)

DEBOUNCE = 0.15  # seconds of quiet after an edit before the re-lint
RULES = {r.id: r for r in ALL_RULES}


class Server(LanguageServer):
    """The trees of the workspace and what was last published for each file."""

    def __init__(self) -> None:
        super().__init__("novadoclint", __version__)
        self.trees: list[Tree] = []
        self.shown: dict[str, tuple[Finding, ...]] = {}  # uri -> findings published
        self.diagnostics: dict[str, list[lsp.Diagnostic]] = {}  # uri -> published
        self.pending: dict[int, set[str]] = {}  # tree number -> changed paths
        self.reload: set[int] = set()  # trees to load again (config) ...
        self.relist: set[int] = set()  # ... or to list again (files created, deleted)
        self.timer: asyncio.TimerHandle | None = None
        # uri -> the editor's text, the tree's findings then and the text after fix-all (a
        # request comes with each move of the cursor: the passes run once per text and lint)
        self.fixed: dict[str, tuple[str, dict[str, tuple[Finding, ...]], str]] = {}

    # -- trees -----------------------------------------------------------------

    def open_workspace(self, folders: Iterable[Path]) -> None:
        seen: set[Path] = {t.srcdir for t in self.trees}
        for folder in folders:
            for srcdir, has_conf in discover(folder):
                if srcdir not in seen:
                    seen.add(srcdir)
                    tree = Tree(srcdir, has_conf)
                    tree.load()
                    self.trees.append(tree)
                    if tree.error:
                        self.window_show_message(
                            lsp.ShowMessageParams(lsp.MessageType.Error, tree.error)
                        )

    def tree_of(self, path: Path) -> tuple[int, Tree, str] | None:
        """The innermost tree holding ``path``, and its path relative to the source dir."""
        best: tuple[int, Tree, str] | None = None
        for number, tree in enumerate(self.trees):
            rel = tree.relative(path)
            if rel is None:
                continue
            # a tree holding the file beats one including it from outside (../), then
            # the innermost tree
            rank = (not rel.startswith("../"), len(str(tree.srcdir)))
            if best is None or rank > (not best[2].startswith("../"), len(str(best[1].srcdir))):
                best = (number, tree, rel)
        return best

    def trees_configured_by(self, path: Path) -> list[int]:
        return [n for n, tree in enumerate(self.trees) if is_config(tree.srcdir, path)]

    # -- scheduling ------------------------------------------------------------

    def schedule(self) -> None:
        """Re-lint after ``DEBOUNCE`` seconds of quiet (each edit restarts the wait)."""
        if self.timer is not None:
            self.timer.cancel()
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(DEBOUNCE, self.flush)

    def flush(self) -> None:
        self.timer = None
        pending, self.pending = self.pending, {}
        reload, self.reload = self.reload, set()
        relist, self.relist = self.relist, set()
        edited: set[tuple[int, str]] = set()
        for number, tree in enumerate(self.trees):
            try:
                if number in reload:
                    tree.load()
                elif number in relist:
                    tree.relist()
                    tree.update(pending.get(number, ()))
                elif number in pending:
                    tree.update(pending[number])
            except Exception:  # a bug of ours must not take the editor's server down
                log.exception("re-linting %s failed", tree.srcdir)
                self.window_log_message(
                    lsp.LogMessageParams(
                        lsp.MessageType.Error, f"novadoclint: re-linting {tree.srcdir} failed"
                    )
                )
            edited.update((number, p) for p in pending.get(number, ()))
        try:
            self.publish(edited, everything=bool(reload))
        except Exception:
            log.exception("publishing diagnostics failed")

    # -- publishing ------------------------------------------------------------

    def publish(self, edited: Iterable[tuple[int, str]] = (), *, everything: bool = False) -> None:
        """Publish diagnostics for every file whose findings (or text, when edited) changed."""
        current: dict[str, tuple[int, str, tuple[Finding, ...]]] = {}
        for number, tree in enumerate(self.trees):
            for path, found in tree.findings.items():
                uri = file_uri(tree.srcdir, path)
                current[uri] = (number, path, found)
        touched = set()
        for number, path in edited:
            uri = file_uri(self.trees[number].srcdir, path)
            touched.add(uri)
        for uri in sorted(set(current) | set(self.shown)):
            if uri not in current:
                self.shown.pop(uri, None)
                self.diagnostics.pop(uri, None)
                self.send(uri, [])
                continue
            number, path, found = current[uri]
            if not everything and uri not in touched and self.shown.get(uri) == found:
                continue
            tree = self.trees[number]
            lines = LinesOf(tree.text)
            encoding = self.encoding()
            diagnostics = [
                to_diagnostic(
                    f,
                    lines(path),
                    related_information(tree.srcdir, tree.index, f, lines, encoding),
                    encoding,
                )
                for f in found
            ]
            self.shown[uri] = found
            if self.diagnostics.get(uri) != diagnostics:
                self.diagnostics[uri] = diagnostics
                self.send(uri, diagnostics)

    def encoding(self) -> str:
        """The position encoding agreed at initialize (UTF-16 unless the client offered another)."""
        return str(self.workspace.position_encoding or UTF16)

    def send(self, uri: str, diagnostics: Sequence[lsp.Diagnostic]) -> None:
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=list(diagnostics))
        )


server = Server()


def _path(uri: str) -> Path | None:
    path = to_fs_path(uri)
    return Path(path) if path else None


@server.feature(lsp.INITIALIZED)
def initialized(ls: Server, params: lsp.InitializedParams) -> None:
    folders = [p for f in ls.workspace.folders.values() if (p := _path(f.uri)) is not None]
    if not folders and ls.workspace.root_path:
        folders = [Path(ls.workspace.root_path)]
    ls.open_workspace(folders)
    ls.publish(everything=True)
    watched = ls.client_capabilities.workspace
    dynamic = (
        watched is not None
        and watched.did_change_watched_files is not None
        and watched.did_change_watched_files.dynamic_registration
    )
    if dynamic:
        ls.client_register_capability(
            lsp.RegistrationParams(
                [
                    lsp.Registration(
                        "novadoclint-watch",
                        lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        lsp.DidChangeWatchedFilesRegistrationOptions(
                            [lsp.FileSystemWatcher(glob_pattern="**/*")]
                        ),
                    )
                ]
            )
        )


def _edited(ls: Server, uri: str, text: str | None) -> None:
    """The editor's text of a document (None: closed, the file on disk counts again)."""
    path = _path(uri)
    found = ls.tree_of(path) if path is not None else None
    if found is None:
        return
    number, tree, rel = found
    if text is None:
        old = tree.overlay.pop(rel, None)
        if old is None or old == tree.text(rel):
            return
    else:
        if tree.overlay.get(rel, None if rel in tree.overlay else tree.text(rel)) == text:
            tree.overlay[rel] = text
            return  # no change, or opened as it is on disk: its findings are published
        tree.overlay[rel] = text
    ls.pending.setdefault(number, set()).add(rel)
    ls.schedule()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: Server, params: lsp.DidOpenTextDocumentParams) -> None:
    _edited(ls, params.text_document.uri, params.text_document.text)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: Server, params: lsp.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    _edited(ls, uri, ls.workspace.get_text_document(uri).source)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: Server, params: lsp.DidCloseTextDocumentParams) -> None:
    ls.fixed.pop(params.text_document.uri, None)
    _edited(ls, params.text_document.uri, None)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: Server, params: lsp.DidSaveTextDocumentParams) -> None:
    path = _path(params.text_document.uri)
    if path is None:
        return
    numbers = ls.trees_configured_by(path)
    ls.reload.update(numbers)
    found = ls.tree_of(path)
    if found is not None:
        number, tree, rel = found
        if tree.project is not None and rel not in tree.project.files:
            ls.relist.add(number)  # saved for the first time
        # files that include it read it from disk: they see the change now
        ls.pending.setdefault(number, set()).add(rel)
    if numbers or found is not None:
        ls.schedule()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: Server, params: lsp.DidChangeWatchedFilesParams) -> None:
    for change in params.changes:
        path = _path(change.uri)
        if path is None:
            continue
        ls.reload.update(ls.trees_configured_by(path))
        if path.name == "conf.py" and change.type is lsp.FileChangeType.Created:
            ls.open_workspace([path.parent])  # a new tree
        found = ls.tree_of(path)
        if found is None:
            continue
        number, tree, rel = found
        if change.type is not lsp.FileChangeType.Changed:
            ls.relist.add(number)
        if rel not in tree.overlay:
            ls.pending.setdefault(number, set()).add(rel)
    ls.schedule()


@server.feature(lsp.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
def did_change_workspace_folders(ls: Server, params: lsp.DidChangeWorkspaceFoldersParams) -> None:
    """Folders added are linted; the trees of folders removed are dropped, their files cleared."""
    removed = [p for f in params.event.removed if (p := _path(f.uri)) is not None]
    kept = [p for f in ls.workspace.folders.values() if (p := _path(f.uri)) is not None]

    def under(tree: Tree, folders: Iterable[Path]) -> bool:
        return any(
            tree.srcdir == f.resolve() or f.resolve() in tree.srcdir.parents for f in folders
        )

    if removed:
        old = ls.trees
        ls.trees = [t for t in old if not under(t, removed) or under(t, kept)]
        now = {id(t): n for n, t in enumerate(ls.trees)}
        renumber = {n: now[id(t)] for n, t in enumerate(old) if id(t) in now}
        ls.pending = {renumber[n]: p for n, p in ls.pending.items() if n in renumber}
        ls.reload = {renumber[n] for n in ls.reload if n in renumber}
        ls.relist = {renumber[n] for n in ls.relist if n in renumber}
    added = [p for f in params.event.added if (p := _path(f.uri)) is not None]
    ls.open_workspace(added)
    ls.publish(everything=True)


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
def hover(ls: Server, params: lsp.HoverParams) -> lsp.Hover | None:
    """On a diagnostic: the rule's explanation (``--explain``); on a :ref: or :doc:, its target."""
    position = params.position
    texts = []
    for diagnostic in ls.diagnostics.get(params.text_document.uri, ()):
        rng = diagnostic.range
        if not (rng.start.line <= position.line <= rng.end.line):
            continue
        if position.line == rng.start.line and position.character < rng.start.character:
            continue
        if position.line == rng.end.line and position.character > rng.end.character:
            continue
        rule = RULES.get(str(diagnostic.code))
        if rule is not None:
            texts.append(f"**{rule.id}**: {diagnostic.message}\n\n```text\n{explain(rule)}```")
    if not texts:
        at = _at(ls, params.text_document.uri, params.position)
        if at is None:
            return None
        _, index, rel, text = at
        pos = params.position
        shown = navigation.describe(index, rel, pos.line, pos.character, text)
        if shown is None:
            return None
        texts.append(shown)
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, "\n\n---\n\n".join(texts)))


def _editing(ls: Server, uri: str) -> tuple[Tree, actions.Document] | None:
    """The tree of a document and the editor's text of it (the file's when not open)."""
    path = _path(uri)
    found = ls.tree_of(path) if path is not None else None
    if found is None:
        return None
    _, tree, rel = found
    editor = ls.workspace.get_text_document(uri)
    try:
        text = editor.source
    except (OSError, ValueError):  # not open, and gone or not UTF-8 on disk
        return None
    edits = ls.client_capabilities.workspace and ls.client_capabilities.workspace.workspace_edit
    versioned = bool(edits and edits.document_changes)
    return tree, actions.Document(uri, rel, text, editor.version, ls.encoding(), versioned)


def _fixed_all(ls: Server, tree: Tree, document: actions.Document) -> str:
    """The text after fix-all: from the findings when they are of this text, else from a
    lint of it in memory; once per text and lint (a request comes with each cursor move)."""
    current = actions.decoded(document.text)
    memo = ls.fixed.get(document.uri)
    if memo is None or memo[0] != current or memo[1] is not tree.findings:
        rel = document.path
        fresh = tree.linted_text(rel) == current
        findings = tree.findings.get(rel, ()) if fresh else tree.lint_text(rel, current)
        after = fix_text(current, rel, findings, lambda t: tree.lint_text(rel, t))[0]
        memo = ls.fixed[document.uri] = (current, tree.findings, after)
    return memo[2]


def _resolves_edits(ls: Server) -> bool:
    """Whether the client asks for an action's edit when it is chosen (codeAction/resolve)."""
    documents = ls.client_capabilities.text_document
    asked = documents and documents.code_action and documents.code_action.resolve_support
    return bool(asked and "edit" in asked.properties)


@server.feature(
    lsp.TEXT_DOCUMENT_CODE_ACTION,
    lsp.CodeActionOptions(
        code_action_kinds=[actions.QUICKFIX, actions.FIX_ALL], resolve_provider=True
    ),
)
def code_action(ls: Server, params: lsp.CodeActionParams) -> list[lsp.CodeAction] | None:
    """Quickfixes for the findings in range with a fix, while the editor's text is the
    text they were computed on; fix-all of the document's safe fixes.

    Fix-all asked for by name (an editor's fix on save, often sent before the
    debounced lint of the last keystrokes) lints the editor's text in memory
    when the findings are of an older text: it needs no published diagnostic.
    Offered unasked (the light bulb) to a client that resolves actions, its
    edit, which costs a lint in memory, is made only when it is chosen.
    """
    editing = _editing(ls, params.text_document.uri)
    if editing is None:
        return None
    tree, document = editing
    rel, only = document.path, params.context.only
    current = actions.decoded(document.text)
    fresh = tree.linted_text(rel) == current
    if not fresh and not (only is not None and actions.wanted(actions.FIX_ALL, only)):
        return None  # a newer text waits for its lint, or the file changed on disk
    out: list[lsp.CodeAction] = []
    if fresh and actions.wanted(actions.QUICKFIX, only):
        lines = LinesOf(tree.text)

        def diagnostic(finding: Finding) -> lsp.Diagnostic:
            related = related_information(tree.srcdir, tree.index, finding, lines, ls.encoding())
            return to_diagnostic(finding, lines(rel), related, ls.encoding())

        found_here = tree.findings.get(rel, ())
        out.extend(actions.quickfixes(document, found_here, current, params.range, diagnostic))
    if not actions.wanted(actions.FIX_ALL, only):
        return out
    if only is None and _resolves_edits(ls):
        if select(tree.findings.get(rel, ()), {rel: current}).edits.get(rel):
            data = {"uri": document.uri}
            out.append(lsp.CodeAction(actions.FIX_ALL_TITLE, kind=actions.FIX_ALL, data=data))
        return out
    action = actions.fix_all_action(document, _fixed_all(ls, tree, document))
    return out if action is None else [*out, action]


@server.feature(lsp.CODE_ACTION_RESOLVE)
def resolve_code_action(ls: Server, action: lsp.CodeAction) -> lsp.CodeAction:
    """Fix-all's edit, for the editor's text as it is now (its version named)."""
    uri = action.data.get("uri") if isinstance(action.data, dict) else None
    editing = _editing(ls, uri) if isinstance(uri, str) else None
    if action.kind != actions.FIX_ALL or editing is None:
        return action
    tree, document = editing
    resolved = actions.fix_all_action(document, _fixed_all(ls, tree, document))
    action.edit = resolved.edit if resolved is not None else lsp.WorkspaceEdit(changes={})
    return action


def _at(ls: Server, uri: str, position: lsp.Position) -> tuple[Tree, FactsIndex, str, str] | None:
    """The tree, its index, the path and the current line's text at a position."""
    path = _path(uri)
    found = ls.tree_of(path) if path is not None else None
    if found is None or found[1].index is None:
        return None
    _, tree, rel = found
    assert tree.index is not None
    lines = split_lines(tree.text(rel) or "")
    text = lines[position.line] if position.line < len(lines) else ""
    position.character = from_units(text, position.character, ls.encoding())
    return tree, tree.index, rel, text


def _locations(tree: Tree, places: Iterable[navigation.Place], encoding: str) -> list[lsp.Location]:
    lines = LinesOf(tree.text)
    out = []
    for path, line in places:
        full = Path(path) if Path(path).is_absolute() else tree.srcdir / path
        rng = line_range(lines(path), line, encoding) if not Path(path).is_absolute() else None
        rng = rng or lsp.Range(lsp.Position(line - 1, 0), lsp.Position(line - 1, 0))
        out.append(lsp.Location(file_uri(tree.srcdir, str(full)), rng))
    return out


@server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
def definition(ls: Server, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
    """:doc:, :ref:, :download:, a toctree entry, include/literalinclude, image/figure."""
    at = _at(ls, params.text_document.uri, params.position)
    if at is None:
        return None
    tree, index, rel, text = at
    pos = params.position
    return _locations(
        tree, navigation.definition(index, rel, pos.line, pos.character, text), ls.encoding()
    )


@server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
def references(ls: Server, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
    """Who links to the label or document at the cursor (else to this document)."""
    at = _at(ls, params.text_document.uri, params.position)
    if at is None:
        return None
    tree, index, rel, text = at
    pos = params.position
    places = navigation.references(
        index,
        rel,
        pos.line,
        pos.character,
        text,
        declaration=params.context.include_declaration,
    )
    return _locations(tree, places, ls.encoding())


@server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbols(ls: Server, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
    """The section outline."""
    at = _at(ls, params.text_document.uri, lsp.Position(0, 0))
    if at is None:
        return []
    tree, index, rel, _ = at
    lines = split_lines(tree.text(rel) or "")

    encoding = ls.encoding()

    def symbol(node: navigation.Symbol) -> lsp.DocumentSymbol:
        rng = line_range(lines, node.section.line, encoding)
        return lsp.DocumentSymbol(
            name=node.section.title or "(untitled)",
            kind=lsp.SymbolKind.Namespace if node.section.level == 1 else lsp.SymbolKind.String,
            range=rng,
            selection_range=rng,
            children=[symbol(c) for c in node.children],
        )

    return [symbol(node) for node in navigation.outline(index, rel)]


COMPLETION_KINDS = {
    "doc": lsp.CompletionItemKind.File,
    "label": lsp.CompletionItemKind.Reference,
    "directive": lsp.CompletionItemKind.Keyword,
    "role": lsp.CompletionItemKind.Function,
}


@server.feature(
    lsp.TEXT_DOCUMENT_COMPLETION,
    lsp.CompletionOptions(trigger_characters=["`", "/", "<", ":"]),
)
def completion(ls: Server, params: lsp.CompletionParams) -> lsp.CompletionList | None:
    """:doc: targets, :ref: labels (with their titles), the tree's directive and role names."""
    at = _at(ls, params.text_document.uri, params.position)
    if at is None:
        return None
    tree, index, rel, text = at
    if tree.ctx is None:
        return None
    pos = params.position  # in code points now (_at)
    encoding = ls.encoding()
    end = lsp.Position(pos.line, units(text, pos.character, encoding))
    items = []
    for found in navigation.completions(index, tree.ctx.vocabulary, rel, text[: pos.character]):
        start = lsp.Position(pos.line, units(text, found.start, encoding))
        items.append(
            lsp.CompletionItem(
                label=found.label,
                detail=found.detail or None,
                kind=COMPLETION_KINDS[found.kind],
                filter_text=found.label,
                text_edit=lsp.TextEdit(lsp.Range(start, end), found.label),
            )
        )
    return lsp.CompletionList(is_incomplete=False, items=items)


@server.feature(lsp.TEXT_DOCUMENT_RENAME)
def rename(ls: Server, params: lsp.RenameParams) -> lsp.WorkspaceEdit | None:
    """A label, renamed at its definitions and every :ref: to it, as one workspace edit."""
    at = _at(ls, params.text_document.uri, params.position)
    if at is None:
        return None
    tree, index, rel, text = at
    pos = params.position
    new = params.new_name.strip()
    if not new or any(c in new for c in "`<>:\n"):
        raise ValueError(f"not a label name: {params.new_name!r}")
    target = navigation.target_at(index, rel, pos.line, pos.character, text)
    lines = LinesOf(tree.text)
    edits = navigation.rename_label(index, lines, target)
    if edits is None:
        return None
    encoding = ls.encoding()
    changes: dict[str, list[lsp.TextEdit]] = {}
    for path, row, start, end in edits:
        line = lines(path)[row]
        rng = lsp.Range(
            lsp.Position(row, units(line, start, encoding)),
            lsp.Position(row, units(line, end, encoding)),
        )
        uri = file_uri(tree.srcdir, path)
        changes.setdefault(uri, []).append(lsp.TextEdit(rng, new))
    return lsp.WorkspaceEdit(changes=changes)


def main(argv: Sequence[str] | None = None) -> int:
    """``novadoclint-lsp``: serve LSP over stdio (the only transport)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if any(a in ("-h", "--help") for a in args):
        print("usage: novadoclint-lsp\n\nA language server for Sphinx trees, over stdio.")
        return 0
    if any(a == "--version" for a in args):
        print(f"novadoclint-lsp {__version__}")
        return 0
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(name)s: %(message)s")
    server.start_io()
    return 0
