# expect: SEC031
def refund(request, order):
    assert request.user.is_staff, "staff only"
    order.refund()
