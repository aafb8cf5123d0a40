"""Bureau administration: vocabularies and bureau staff accounts."""
