"""The articles' admin: articles (with their references and lead image), tags, sections and
pages. Importing the modules registers them."""

from articles.admin import articles, taxonomy
from articles.admin.writes import WritesThroughServices

__all__ = ["WritesThroughServices", "articles", "taxonomy"]
