# reconcile and dispatch logic (issue 6)
