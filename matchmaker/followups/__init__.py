"""回访: follow-up questions to both sides of every accepted pairing (including those an event
meeting marked 形成对接 started) at FOLLOW_UP_MONTHS after acceptance, their answers, and the
escalation of unanswered ones to the enterprise's assigned specialists."""
