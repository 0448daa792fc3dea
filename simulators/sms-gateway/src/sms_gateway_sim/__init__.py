"""A local stand-in for a Turkish SMS provider (Netgsm API shape) that keeps what it receives."""
