"""Pages of search results, counted only as far as search counts them."""

from functools import cached_property

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator


class SearchPaginator(Paginator):
    """Page through `results.articles` without counting them again; when newest-first lists more
    than the counted bound, a page knows whether another follows by reading one row more."""

    def __init__(self, results, per_page, open_ended: bool):
        super().__init__(results.articles, per_page)
        self.listed = results.listed
        self.open_ended = open_ended and results.more_than_bound

    @cached_property
    def count(self):
        return self.listed

    def validate_number(self, number):
        if not self.open_ended:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from None
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        if not self.open_ended:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return OpenEndedPage(
            rows[: self.per_page], number, self, has_next=len(rows) > self.per_page
        )


class OpenEndedPage(Page):
    def __init__(self, object_list, number, paginator, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        return self._has_next
