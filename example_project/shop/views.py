"""Product list, a session cart, checkout and a simulated payment."""

import secrets

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from django_convert import get_visitor_id
from shop.models import Order, OrderItem, Product

CART = "cart"
# The numbers of the orders this browser's session placed: what lets a guest see and pay
# their own order. Not the Convert visitor id: that is None for a browser that has not run
# the snippet (JavaScript off), has not given consent, or when ENABLED is False, and an
# A/B-testing cookie must never decide who may see an order.
ORDERS = "orders"


def own_orders(request: HttpRequest, orders: QuerySet[Order]) -> QuerySet[Order]:
    """The orders of ``orders`` that this session placed or that belong to the user."""
    mine = Q(number__in=request.session.get(ORDERS, []))
    if request.user.is_authenticated:
        mine |= Q(user=request.user)
    return orders.filter(mine)


def product_list(request: HttpRequest) -> HttpResponse:
    cart = request.session.get(CART, {})
    return render(
        request,
        "shop/product_list.html",
        {"products": Product.objects.order_by("pk"), "cart_count": sum(cart.values())},
    )


@require_POST
def add_to_cart(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    cart = request.session.get(CART, {})
    cart[str(product.pk)] = cart.get(str(product.pk), 0) + 1
    request.session[CART] = cart
    return redirect("cart")


def cart_view(request: HttpRequest) -> HttpResponse:
    cart = request.session.get(CART, {})
    products = Product.objects.in_bulk([int(pk) for pk in cart])
    lines = [(products[int(pk)], quantity) for pk, quantity in cart.items() if int(pk) in products]
    total = sum((product.price * quantity for product, quantity in lines), 0)
    return render(request, "shop/cart.html", {"lines": lines, "total": total})


@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    cart = request.session.get(CART, {})
    products = Product.objects.in_bulk([int(pk) for pk in cart])
    if not products:
        return redirect("product_list")
    with transaction.atomic():
        order = Order.objects.create(
            number=f"ORDER-{secrets.token_hex(4).upper()}",
            user=request.user if request.user.is_authenticated else None,
            # Guests have no user: the order keeps the visitor id the page gave Convert,
            # and the conversion rule reads it ("visitor": "visitor_id"). Logged-in users
            # have the same stable id, so one rule covers both. None (no consent, no
            # JavaScript, ENABLED False) stores "": the order still goes through, and its
            # payment records no conversion, with a WARNING naming the order.
            visitor_id=get_visitor_id(request) or "",
        )
        OrderItem.objects.bulk_create(
            OrderItem(
                order=order, product=products[int(pk)], quantity=qty, price=products[int(pk)].price
            )
            for pk, qty in cart.items()
            if int(pk) in products
        )
    request.session[CART] = {}
    request.session[ORDERS] = [*request.session.get(ORDERS, []), order.number]
    return redirect("order_detail", number=order.number)


def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = get_object_or_404(own_orders(request, Order.objects.all()), number=number)
    return render(request, "shop/order_detail.html", {"order": order})


@require_POST
def pay(request: HttpRequest, number: str) -> HttpResponse:
    """Stands in for a payment provider's success callback."""
    with transaction.atomic():
        order = get_object_or_404(
            own_orders(request, Order.objects.select_for_update()), number=number
        )
        order.status = Order.Status.PAID
        # The CONVERSIONS rule in settings records the conversion in this transaction.
        order.save()
    return redirect("order_detail", number=order.number)
