# The broken SIP trunk SBC: the trainers' solution.
# sbc-chi shares the users' bypass ID (same site), so its calls are bypassed; but it accepts
# media only from the Mediation Server and drops the clients' media. Bypass must be off on its
# trunk alone: a trunk configuration scoped to that gateway overrides the global one.
New-CsTrunkConfiguration -Identity "PstnGateway:sbc-chi" -EnableBypass $false
