"""The HTTP intake's domain: sources and their tokens, the mapping of webhook bodies
(Alertmanager and Grafana, PagerDuty Events v2, generic JSON) to signals, applying
signals through the one raise path, and the figures of `/metrics`.

Everything here is plain services code: no HTTP and no aiohttp (that is
`tasktui.intake`), so the parsers are tested and fuzzed without a server.
"""
