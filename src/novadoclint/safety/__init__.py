"""What a pull request controls, handled safely: files, regular expressions, caches.

:mod:`.untrusted` reads files bounded and inside the repository, :mod:`.saferegex`
runs a tree's regular expressions with a time limit, :mod:`.cache` is an on-disk
cache that can never break a run, nor be used to attack one.
"""
