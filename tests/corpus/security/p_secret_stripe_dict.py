# expect: SEC030
PAYMENT = {
    "provider": "stripe",
    "secret_key": "sk_live_C3J27XDCG2LmlZGEONYlgCtj",
}
