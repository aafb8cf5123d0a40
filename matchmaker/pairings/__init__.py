"""The pipeline's pages: expressing interest, the pairing page (both postings, the evidence, the
conversation, the next step), one's pairings, bureau introductions and the funnel."""
