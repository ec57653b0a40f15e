"""What editors do to articles over time: revisions, public changes, reviews and the
publication gates. The article services record here; nothing here writes an article."""
