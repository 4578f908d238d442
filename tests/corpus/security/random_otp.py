# expect: SEC021
"""Send one-time codes by SMS."""
import random


def send_otp(sms, phone):
    otp = random.randint(100000, 999999)
    sms.send(phone, f"Your code is {otp}")
    return otp
