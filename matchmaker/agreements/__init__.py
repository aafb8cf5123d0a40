"""Agreements counted against the plan: recording, confirming and verifying them (views, forms),
counting them (counting.py), the dashboard's charts (charts.py) and the ledger (ledger.py)."""
