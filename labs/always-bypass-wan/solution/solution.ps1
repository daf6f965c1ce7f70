# AlwaysBypass over a constrained WAN: the trainers' solution.
# AlwaysBypass gives every subnet one bypass ID, so every call bypasses the Mediation Server,
# and with CAC off nothing counts what crosses the WAN: nine G.711 streams (about 80 kbps each
# on the wire) share a 512 kbps link and lose about a fifth of their packets.
# Bypass by site and region gives the constrained branch its own bypass ID (headquarters calls
# through its gateway are relayed), and CAC then admits what the branch profile allows.
$bypass = New-CsNetworkMediaBypassConfiguration -Enabled $true -AlwaysBypass $false
Set-CsNetworkConfiguration -MediaBypassSettings $bypass
Set-CsNetworkConfiguration -EnableBandwidthPolicyCheck $true
