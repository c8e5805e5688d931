"""e-SAKIP: performance accountability of the agencies (issue 5); pure calculations here."""
