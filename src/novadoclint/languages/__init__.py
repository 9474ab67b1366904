"""The languages novadoclint reads besides reStructuredText: pure parsers, no rules.

Diagram sources (:mod:`.diagrams`), code blocks (:mod:`.code`), Apache redirects
(:mod:`.htaccess`), requirement files (:mod:`.requirements`) and os-api-ref's
``parameters.yaml`` (:mod:`.apiref`). Rules in :mod:`novadoclint.checks` call them.
"""
