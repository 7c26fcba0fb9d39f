from django.contrib import admin

from hocba.people.models import Enrolment, Guardian, Guardianship, Student, Teacher


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ("full_name", "birth_date", "sex", "moet_code")
    search_fields = ("search_name", "moet_code", "personal_id")
    readonly_fields = ("version",)


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ("staff_code", "full_name", "position", "school")
    search_fields = ("search_name", "staff_code")
    raw_id_fields = ("school", "user")


admin.site.register(Guardian, search_fields=("search_name",))
admin.site.register(Guardianship, raw_id_fields=("student", "guardian"))
admin.site.register(Enrolment, raw_id_fields=("student", "class_group"))
