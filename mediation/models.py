"""矛盾纠纷调解: disputes, risk, mediators, sessions, agreements and follow-up."""
