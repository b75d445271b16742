"""GitHub REST edge: `client` (requests-based client), `sticky` (the sticky PR comment).
The loopback fake GitHub the tests run against is test support: tests/fake_github.py.

Importing this package does not import `requests`; `GitHubClient()` does, lazily.
"""
