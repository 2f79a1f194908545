"""Storage helpers shared by every bucket adapter: formats, atomic local writes."""
