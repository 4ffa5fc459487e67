"""Sans-IO delivery: what a flush sends, how replies are read, when to retry; drivers do the I/O.

``plan`` (batches by count and bytes) -> ``flow`` (a generator yielding
``Post``/``Sleep``/``Accepted``, sent ``Answer``) -> ``replies`` (a reply ->
``Outcome``) -> ``retry`` (``RetryPolicy``).  ``sync`` runs a flow with blocking
I/O.  Nothing here imports the package's ``__init__``, sessions or clients.
"""
