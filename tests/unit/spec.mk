# unit tests: metadata spec, cpuset, config
