# contrib tools (issue 8)
