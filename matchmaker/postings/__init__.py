"""Posting, editing and browsing 研发需求, 配套需求, 配套供给 and 科技成果."""
