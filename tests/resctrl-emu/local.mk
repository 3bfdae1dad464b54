# the resctrl emulator and its own tests (issue 4)
