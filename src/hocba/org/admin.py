from django.contrib import admin

from hocba.org.models import (
    ClassGroup,
    Commune,
    CurriculumEntry,
    Deadline,
    Department,
    School,
    SchoolYear,
    Subject,
    TeachingAssignment,
    Term,
)


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


class DeadlineInline(admin.TabularInline):
    model = Deadline
    extra = 0


@admin.register(SchoolYear)
class SchoolYearAdmin(admin.ModelAdmin):
    list_display = ("name", "start_date", "end_date", "is_current")
    inlines = [TermInline, DeadlineInline]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "commune")
    list_filter = ("level",)
    search_fields = ("code", "search_name")


@admin.register(ClassGroup)
class ClassGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "school", "school_year", "grade", "homeroom_teacher")
    list_filter = ("school_year", "grade")
    raw_id_fields = ("school", "homeroom_teacher")


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "mode", "display_order")


@admin.register(CurriculumEntry)
class CurriculumEntryAdmin(admin.ModelAdmin):
    list_display = ("subject", "grade", "school_year", "periods_per_year", "kind", "tx_count_override")
    list_filter = ("grade", "kind")


admin.site.register(Department)
admin.site.register(Commune)
admin.site.register(TeachingAssignment, raw_id_fields=("class_group", "teacher"))
admin.site.site_header = "Quản trị Học bạ số"
admin.site.site_title = "Học bạ số"
