"""Scale-out: several `saferhub serve` replicas on one PostgreSQL database, and what keeps a
turn alive when the database drops its connections."""
