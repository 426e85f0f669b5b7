"""Catalog API: courses, modules, categories and lessons. Reads go through
courses.selectors (scoped to the requester), writes through courses.services."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from courses import access, selectors, services
from courses.api import public
from courses.api.serializers import (
    CategorySerializer,
    CourseDetailSerializer,
    CourseListSerializer,
    CourseWriteSerializer,
    LessonSerializer,
    LessonWriteSerializer,
    ModuleSerializer,
    ModuleWriteSerializer,
    OrderSerializer,
    course_list_data,
)
from courses.models import Course, Module
from lms.exceptions import NotFoundError
from lms.validation import whole_number

JSON = "application/json"
LIST_FILTERS = ("category", "level", "language", "instructor", "q", "ordering", "status")


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("category", str, description="Category slug (its sub-categories included)"),
            OpenApiParameter("level", str, enum=[c for c, _ in Course.Level.choices]),
            OpenApiParameter("language", str),
            OpenApiParameter("instructor", int, description="Instructor user id"),
            OpenApiParameter("q", str, description="Search in title and summary"),
            OpenApiParameter("ordering", str, enum=list(selectors.ORDERINGS)),
        ]
    )
)
class CourseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    permission_classes = [IsAuthenticatedOrReadOnly]
    filter_backends: list = []  # the selector applies the documented filters

    def get_queryset(self):
        filters = {k: self.request.query_params.get(k) for k in LIST_FILTERS}
        if filters["instructor"] and whole_number(filters["instructor"]) is None:
            raise ValidationError({"instructor": ["A whole number is required."]})
        # The shared cache holds the public catalog only: a learner still listed on an old
        # draft must not put it there, so public viewers get exactly the anonymous list.
        user = None if getattr(self, "_public_catalog", False) else self.request.user
        return selectors.course_list_for(user, filters=filters)

    def get_serializer_class(self):
        if self.action == "list":
            return CourseListSerializer
        if self.action in ("create", "update", "partial_update"):
            return CourseWriteSerializer
        return CourseDetailSerializer

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if isinstance(serializer, CourseWriteSerializer):
            # Prerequisites can only name courses this user can see.
            visible = Course.objects.filter(access.visible_courses_q(self.request.user)).distinct()
            serializer.fields["prerequisites"].child_relation.queryset = visible
        return serializer

    def list(self, request, *args, **kwargs):
        if not access.sees_public_catalog(request.user):
            return self._list_page(request)
        self._public_catalog = True
        if request.accepted_renderer.format != "json":  # the browsable API (DEBUG only)
            return self._list_page(request)
        return HttpResponse(public.course_list_json(request, lambda: self._list_page(request)), content_type=JSON)

    def _list_page(self, request) -> Response:
        """ListModelMixin.list, with the page read as rows and built as dicts
        (CourseListSerializer's output, without its cost: serializers.course_list_data)."""
        page = self.paginate_queryset(selectors.course_list_values(self.get_queryset()))
        return self.get_paginated_response(course_list_data(page, context=self.get_serializer_context()))

    def get_object(self):
        # Public viewers get exactly the anonymous view (see get_queryset), so it can be shared.
        user = None if getattr(self, "_public_catalog", False) else self.request.user
        return selectors.course_get_for(user, self.kwargs["slug"], with_outline=False)

    def retrieve(self, request, *args, **kwargs):
        """The course and its syllabus. Anonymous users and learners all see the same
        answer for a published course, cached as its JSON bytes under the catalog version
        (any change to the course, its modules or lessons makes a new one)."""
        if not access.sees_public_catalog(request.user) or request.accepted_renderer.format != "json":
            return super().retrieve(request, *args, **kwargs)
        self._public_catalog = True
        # A draft is a 404, raised by the build: never cached.
        respond = lambda: super(CourseViewSet, self).retrieve(request)  # noqa: E731
        return HttpResponse(public.course_detail_json(request, respond), content_type=JSON)

    def create(self, request, *args, **kwargs):
        if not access.can_author(request.user):  # before the data is read (the service checks too)
            raise PermissionDenied("Only instructors can create courses.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = services.course_create(instructor=request.user, data=serializer.validated_data)
        course = selectors.course_get_for(request.user, course.slug, with_outline=False)
        return Response(CourseDetailSerializer(course, context=self.get_serializer_context()).data, status=201)

    def update(self, request, *args, **kwargs):
        course = selectors.course_get_for_edit(request.user, self.kwargs["slug"])
        serializer = self.get_serializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        services.course_update(course=course, data=serializer.validated_data)
        course = selectors.course_get_for(request.user, course.slug, with_outline=False)
        return Response(CourseDetailSerializer(course, context=self.get_serializer_context()).data)

    @extend_schema(request=ModuleWriteSerializer, responses={200: ModuleSerializer(many=True), 201: ModuleSerializer})
    @action(detail=True, methods=["get", "post"], url_path="modules")
    def modules(self, request, slug=None):
        if request.method == "POST":
            course = selectors.course_get_for_edit(request.user, slug)
            serializer = ModuleWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            module = services.module_create(course=course, data=serializer.validated_data)
            return Response(ModuleSerializer(module).data, status=status.HTTP_201_CREATED)
        course = selectors.course_get_for(request.user, slug)
        return Response(ModuleSerializer(selectors.course_outline(course), many=True).data)

    @extend_schema(request=LessonWriteSerializer, responses={201: LessonSerializer})
    @action(detail=True, methods=["post"], url_path=r"modules/(?P<module_id>\d+)/lessons")
    def create_lesson(self, request, slug=None, module_id=None):
        course = selectors.course_get_for_edit(request.user, slug)
        module = course.modules.filter(pk=module_id).first()
        if module is None:
            raise NotFoundError("Module not found.")
        serializer = LessonWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lesson = services.lesson_create(module=module, data=serializer.validated_data)
        lesson = selectors.lesson_get_for(request.user, lesson.pk)
        # Its instructors read every lesson of the course.
        return Response(LessonSerializer(lesson, context={"can_read": True}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrderSerializer, responses={200: ModuleSerializer(many=True)})
    @action(detail=True, methods=["put"], url_path="modules/order", url_name="module-order", pagination_class=None)
    def module_order(self, request, slug=None):
        """Put the course's modules in this order (every module once), atomically."""
        course = selectors.course_get_for_edit(request.user, slug)
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.modules_reorder(course=course, order=serializer.validated_data["order"])
        return Response(ModuleSerializer(selectors.course_outline(course), many=True).data)


class ModuleDetailView(GenericAPIView):
    """A module with its lessons; its course's instructors change or delete it."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = ModuleSerializer
    queryset = Module.objects.none()  # for the schema's path parameter types

    def get(self, request, module_id: int):
        return Response(ModuleSerializer(selectors.module_get_for(request.user, module_id)).data)

    @extend_schema(request=ModuleWriteSerializer, responses={200: ModuleSerializer})
    def patch(self, request, module_id: int):
        module = selectors.module_get_for_edit(request.user, module_id)
        serializer = ModuleWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.module_update(module=module, data=serializer.validated_data)
        return Response(ModuleSerializer(selectors.module_get_for(request.user, module_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, module_id: int):
        """Delete the module and its lessons (409 while a quiz hangs on them)."""
        services.module_delete(module=selectors.module_get_for_edit(request.user, module_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModuleLessonOrderView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = OrderSerializer
    queryset = Module.objects.none()

    @extend_schema(request=OrderSerializer, responses={200: ModuleSerializer})
    def put(self, request, module_id: int):
        """Put the module's lessons in this order (every lesson once), atomically."""
        module = selectors.module_get_for_edit(request.user, module_id)
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.lessons_reorder(module=module, order=serializer.validated_data["order"])
        return Response(ModuleSerializer(selectors.module_get_for(request.user, module_id)).data)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    lookup_value_regex = r"\d+"
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.category_list()
