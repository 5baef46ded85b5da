# Loaded by every notebook kernel that the tests start (IPYTHONDIR points at a copy of tests/kernel_profile):
# notebooks may talk to this machine only.
from causalcourse.netguard import install as _install_netguard

_install_netguard()
del _install_netguard
