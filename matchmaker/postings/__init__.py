"""Postings: 研发需求, 配套需求, 配套供给 and 科技成果 — their models, operations and rules, the
bureau's review (review_views.py), the published lists (lists.py, list_views.py), imports from
Excel/CSV (imports/), browsing and search pages (views.py, match_views.py)."""
