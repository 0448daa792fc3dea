"""Staff identities and roles: tokens (signed JWTs against a key set), the pure authorisation rules,
the local issuer for development and the FastAPI dependencies. Import the modules themselves:
`identity` is pure and light; `tokens`, `keys`, `local` and `http` bring PyJWT, httpx and FastAPI."""
