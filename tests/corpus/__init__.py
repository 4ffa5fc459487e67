"""End-to-end tests of bc-events-gen on the GitHub webhooks corpus (issue 4).

The corpus is shared data, never copied here: it is found at ``../shared/corpus``
beside the repository, or at ``$BC_EVENTS_CORPUS``; tests that need it skip
with the reason where it is absent.
"""
