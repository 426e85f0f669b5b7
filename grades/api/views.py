"""Grades API: courses/{slug}/grades/me/ (a learner's own, what is released to them) and
courses/{slug}/grades/ (the course's teachers: the grid, a page of learners at a time)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from courses import selectors as course_selectors
from enrollments import selectors as enrollment_selectors
from grades import selectors
from lms.exceptions import NotFoundError


class ItemSerializer(serializers.Serializer):
    key = serializers.CharField(help_text='"quiz:12", "assignment:5" or "manual:3"')
    kind = serializers.CharField()
    title = serializers.CharField()
    points = serializers.DecimalField(max_digits=8, decimal_places=2)


class CellSerializer(serializers.Serializer):
    item = serializers.CharField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    overridden = serializers.BooleanField()


class RowSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    cells = CellSerializer(many=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    letter = serializers.CharField()


class MyGradesSerializer(serializers.Serializer):
    course = serializers.CharField()
    items = ItemSerializer(many=True)
    grades = RowSerializer()


class GridSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    items = ItemSerializer(many=True)
    results = RowSerializer(many=True)


def _item(item) -> dict:
    return {"key": item.key, "kind": item.kind, "title": item.title, "points": item.points}


def _row(row, items) -> dict:
    return {
        "user_id": row.user_id,
        "name": row.name,
        "cells": [
            {"item": i.key, "percent": row.cells[i.key].percent, "overridden": row.cells[i.key].overridden}
            for i in items
        ],
        "percent": row.percent,
        "letter": row.letter,
    }


class MyGradesView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = MyGradesSerializer

    def get(self, request, slug: str):
        """Your grades in a course you are enrolled in (404 otherwise)."""
        if enrollment_selectors.seated_enrollment_for(request.user, course_slug=slug) is None:
            raise NotFoundError("Not enrolled in this course.")
        course = course_selectors.course_get_for(request.user, slug, with_outline=False)
        items, row = selectors.learner_grades(request.user, course)
        return Response(
            MyGradesSerializer(
                {"course": course.slug, "items": [_item(i) for i in items], "grades": _row(row, items)}
            ).data
        )


class CourseGridView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = GridSerializer

    @extend_schema(
        parameters=[OpenApiParameter("page", int), OpenApiParameter("q", str, description="Search learners")]
    )
    def get(self, request, slug: str):
        """The gradebook grid (the course's teachers): 50 learners a page, held grades included."""
        course = course_selectors.course_get_for_edit(request.user, slug)
        page = request.query_params.get("page", "1")
        grid = selectors.grid(
            course,
            search=request.query_params.get("q", "")[:100].replace("\x00", ""),
            page=page if page.isdigit() else 1,
        )
        return Response(
            GridSerializer(
                {"count": grid.count, "page": grid.page, "pages": grid.pages, "items": [_item(i) for i in grid.items],
                 "results": [_row(r, grid.items) for r in grid.rows]}
            ).data
        )  # fmt: skip
