"""Answer drafting from retrieved passages, and the citation rules every answer must pass."""
