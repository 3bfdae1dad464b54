# reliability: soak, valgrind, hostile resctrl tree (issue 9)
