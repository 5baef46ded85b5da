# Kernel configuration for the notebook tests and for `make execute` (IPYTHONDIR points
# at a copy of this folder). The kernel's own start-up log lines would otherwise be
# captured into a cell's stored output at random; notebooks must store only what they print.
c = get_config()  # noqa: F821
c.IPKernelApp.log_level = "ERROR"
