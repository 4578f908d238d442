# expect: SEC031
from django.http import JsonResponse


def export_invoices(request):
    assert request.user.has_perm("billing.export_invoice")
    return JsonResponse({"ok": True})
