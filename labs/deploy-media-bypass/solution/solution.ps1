# Deploy media bypass: the trainers' solution, the three phases of the deployment checklist.

# Phase 1: configure the trunks for media bypass.
Set-CsTrunkConfiguration -Identity Global -EnableBypass $true
# The provider's SBC accepts media only from the Mediation Server: bypass stays off on its trunk.
New-CsTrunkConfiguration -Identity "PstnGateway:sbc-itsp" -EnableBypass $false

# Phase 2: configure media bypass globally, with site and region information
# (AlwaysBypass cannot be combined with call admission control).
$bypass = New-CsNetworkMediaBypassConfiguration -Enabled $true -AlwaysBypass $false
Set-CsNetworkConfiguration -MediaBypassSettings $bypass

# Phase 3: associate the branch subnet with its network site.
New-CsNetworkSubnet -Identity 172.29.77.0 -MaskBits 24 -NetworkSiteID Portland
