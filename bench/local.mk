# make bench (issue 7)
