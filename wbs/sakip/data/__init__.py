"""e-SAKIP queries and writes (SQLAlchemy, no Flask)."""
