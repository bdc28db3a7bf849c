from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from shop.models import Order, OrderItem, Product


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "status", "visitor_id", "user", "created_at")
    list_filter = ("status",)
    inlines = (OrderItemInline,)
    actions = ("mark_paid",)

    @admin.action(description="Mark selected orders as paid")
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        # QuerySet.update() sends no post_save; Order's RecordingQuerySet manager records
        # the conversions anyway, in the same transaction.
        count = queryset.update(status=Order.Status.PAID)
        self.message_user(request, f"{count} order(s) marked as paid.")


admin.site.register(Product)
