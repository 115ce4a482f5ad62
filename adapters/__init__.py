"""Framework adapters for corecors."""
