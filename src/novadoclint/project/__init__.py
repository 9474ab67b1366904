"""The Sphinx project as Sphinx sees it: its documents, ``conf.py``, names and generated files.

:mod:`.discover` finds the source dir and its documents, :mod:`.sphinxconf` reads
``conf.py`` with :mod:`ast`, :mod:`.vocabulary` knows which directives, roles and
lexers exist, :mod:`.generated` what the build writes before Sphinx reads,
:mod:`.treefiles` the other files the tree names, :mod:`.policy` placement policies.
"""
