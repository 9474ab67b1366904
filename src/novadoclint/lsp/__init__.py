"""``novadoclint-lsp``: the linter as a language server (pygls, over stdio).

``workspace`` holds the trees (facts per document, the editor's unsaved text,
the findings per file), ``diagnostics`` turns findings into LSP diagnostics
(``lsprotocol`` types), ``navigation`` answers definition, references and the
outline from the facts, ``actions`` turns the findings' fixes into code actions
(a quickfix each, fix-all of the safe ones), and ``server`` wires them to the
protocol: only it imports pygls. ``client`` is a small synchronous client for
tests and bench/.
"""
