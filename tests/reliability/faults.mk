# reliability: fault matrix (issue 9)
