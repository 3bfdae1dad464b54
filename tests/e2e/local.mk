# collectd daemon tests (issues 3, 6)
