# A full branch link: the trainers' solution.
# The branch profile still allows 250 kbps of audio, enough for four calls of 62 kbps; the link
# is 1 Mbps now. Sizing the profile for the new link (here 800 kbps of audio, leaving room for
# everything else on it) lets the eight calls through; CAC keeps counting them.
Set-CsNetworkBandwidthPolicyProfile -Identity BranchAudio250 -AudioBWLimit 800
