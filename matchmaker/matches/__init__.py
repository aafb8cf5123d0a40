"""Search and match proposals: the search page and 为我推荐."""
