# novadoclint's own documentation: a Sphinx source dir that novadoclint lints in CI.
project = 'novadoclint'
copyright = '2026, the novadoclint developers'
extensions = ['sphinx.ext.graphviz', 'sphinx.ext.todo']
master_doc = 'index'
exclude_patterns = ['_build']
