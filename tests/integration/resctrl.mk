# resctrl module against the emulator (issue 4)
