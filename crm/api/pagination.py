"""Cursor pagination: ``next`` and ``previous`` links that stay right while rows are added,
ordered by the primary key (newest first), which is unique and indexed, so a page at any depth
is one index range read, never an OFFSET over a large table."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
