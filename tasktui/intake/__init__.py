"""The HTTP intake server (`tasktui intake serve`): aiohttp, never Textual.

aiohttp is the optional extra `intake` (`pip install 'tasktui[intake]'`): only
`tasktui.intake.server` imports it. The mapping of bodies to raises and resolves is
plain services code (`tasktui.services.intake`).
"""
