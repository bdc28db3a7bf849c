from django.contrib import admin

from shop.models import Order, OrderItem, Product


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "status", "visitor_id", "user", "created_at")
    list_filter = ("status",)
    inlines = (OrderItemInline,)


admin.site.register(Product)
