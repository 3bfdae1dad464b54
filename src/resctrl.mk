# resctrl module (issue 4)
