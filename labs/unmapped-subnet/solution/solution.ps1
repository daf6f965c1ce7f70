# An unmapped subnet: the trainers' solution.
# The branch users' subnet 172.29.77.0/24 is in no network site: the clients have no bypass ID
# (a client's own subnet must be configured exactly), so every call is relayed at headquarters,
# and CAC cannot locate them (KHI 36034), so their WAN legs are not counted.
New-CsNetworkSubnet -Identity 172.29.77.0 -MaskBits 24 -NetworkSiteID Portland -Description "Portland office floor"
