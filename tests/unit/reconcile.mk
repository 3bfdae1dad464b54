# unit tests: reconcile, dispatch
