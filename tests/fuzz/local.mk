# libFuzzer targets and hostile-input corpus (issue 9)
