# metadata spec module, cpuset, config (issue 3)
