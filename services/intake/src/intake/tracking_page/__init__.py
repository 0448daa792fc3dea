"""The applicant's tracking page: server-rendered Turkish HTML over the citizen API's own lookup,
projection and commands (routes.py), with its pure parts beside it (dates, form tokens, the limiter)."""
