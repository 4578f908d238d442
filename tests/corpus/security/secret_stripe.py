# expect: SEC030
import stripe

stripe.api_key = "sk_live_ojfljoQoaF1LlqsajAIxNKu8"


def charge(amount_cents, source):
    return stripe.Charge.create(amount=amount_cents, currency="eur", source=source)
