"""GitHub REST edge: `client` (requests-based client), `sticky` (the sticky PR comment),
`fake_server` (loopback fake GitHub for tests).

Importing this package does not import `requests`; `GitHubClient()` does, lazily.
"""
