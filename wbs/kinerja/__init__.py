"""e-Kinerja: daily activity reports of the ASN and their monthly output; pure calculations here."""
